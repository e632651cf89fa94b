"""PolicyEngine: policies, rules, checks, cross-policy reads, datasource data."""

from __future__ import annotations

import gc
import weakref

import pytest

from congress.engine import PolicyEngine
from congress.engine.interface import TableDelta
from congress.exceptions import (
    MultipleRules,
    PolicyAlreadyExists,
    PolicyNameInvalid,
    PolicyNotExists,
    PolicySyntaxError,
    RuleAlreadyExists,
    RuleNotExists,
    RuleNotPermitted,
    TableNotFound,
    UpdateNotPermitted,
)


def answers(engine: PolicyEngine, policy: str, query: str) -> list[str]:
    return sorted(str(a) for a in engine.select(policy, query))


@pytest.fixture
def engine() -> PolicyEngine:
    engine = PolicyEngine()
    engine.create_policy("th")
    return engine


def snapshot(engine: PolicyEngine) -> dict:
    engine.settle()  # tables of rules added while nobody listened are evaluated at the first read
    return {
        "rules": {name: [(r.id, str(r.rule)) for r in engine.rules(name)] for name in engine.policy_names()},
        "rows": {key: dict(rel.rows) for key, rel in engine.flow.relations.items()},
        "indexes": {key: {c: {k: sorted(v) for k, v in i.items()} for c, i in rel.indexes.items()}
                    for key, rel in engine.flow.relations.items()},
    }


def test_system_policies_and_kinds() -> None:
    engine = PolicyEngine()
    assert engine.policy_kind("classification") == "nonrecursive"
    assert engine.policy_kind("action") == "action"
    engine.create_policy("m", "Materialized")
    assert engine.policy_kind("m") == "materialized"
    with pytest.raises(PolicyAlreadyExists):
        engine.create_policy("m")
    with pytest.raises(PolicyNameInvalid):
        engine.create_policy("x", "bogus")
    with pytest.raises(PolicyNameInvalid):
        engine.create_policy("bad name")
    with pytest.raises(PolicyNotExists):
        engine.rules("nope")


def test_insert_returns_given_or_generated_ids(engine: PolicyEngine) -> None:
    stored = engine.insert_rule("th", "p(1)", rule_id="my-id")
    assert stored.id == "my-id" and stored.text == "p(1)"
    other = engine.insert_rule("th", "p(2)")
    assert len(other.id) == 36
    assert [r.id for r in engine.rules("th")] == ["my-id", other.id]
    assert engine.delete_rule("th", "my-id").rule == stored.rule
    with pytest.raises(RuleNotExists):
        engine.delete_rule("th", "my-id")


def test_duplicates_ignore_body_order(engine: PolicyEngine) -> None:
    engine.insert_rule("th", "p(x) :- q(x), r(x)")
    with pytest.raises(RuleAlreadyExists):
        engine.insert_rule("th", "p(x) :- r(x), q(x)")
    engine.insert_rule("th", "p(y) :- q(y), r(y)")


def test_rejected_rules_leave_state_untouched(engine: PolicyEngine) -> None:
    for text in ("q(1)", "q(2)", "p(x) :- q(x)", "r(x) :- p(x)"):
        engine.insert_rule("th", text)
    before = snapshot(engine)
    for bad in ("p(x, y) :- q(x), q(y)", "q(x) :- r(y)", "q(x) :- r(x)", "s(x) :- q(x), not s(x)",
                "p(x) :- q(x", "p(1) p(2)"):
        with pytest.raises((PolicySyntaxError, MultipleRules)):
            engine.insert_rule("th", bad)
    assert snapshot(engine) == before


def test_recursion_rules(engine: PolicyEngine) -> None:
    with pytest.raises(PolicySyntaxError, match="Rules are recursive"):
        engine.insert_rule("th", "p(x) :- p(x)")
    engine.create_policy("m", "materialized")
    engine.insert_rule("m", "path(x, y) :- e(x, y)")
    engine.insert_rule("m", "path(x, z) :- path(x, y), e(y, z)")
    for row in ((1, 2), (2, 3), (3, 1)):
        engine.insert_rule("m", f"e{row}")
    assert len(engine.rows("m", "path")) == 9
    with pytest.raises(PolicySyntaxError, match="Rules are recursive"):
        engine.insert_rule("m", "bad(x) :- e(x, y), not bad(y)")
    engine.insert_rule("th", "a(x) :- b:c(x)")
    engine.create_policy("b", "materialized")
    with pytest.raises(PolicySyntaxError, match="Rules are recursive"):
        engine.insert_rule("b", "c(x) :- th:a(x)")


def test_cycle_terminates_and_shrinks(engine: PolicyEngine) -> None:
    engine.create_policy("m", "materialized")
    engine.insert_rule("m", "reach(x, y) :- e(x, y)")
    engine.insert_rule("m", "reach(x, z) :- reach(x, y), reach(y, z)")
    ids = {row: engine.insert_rule("m", f"e{row}").id for row in ((1, 2), (2, 1), (2, 3))}
    assert sorted(engine.rows("m", "reach")) == [(1, 1), (1, 2), (1, 3), (2, 1), (2, 2), (2, 3)]
    engine.delete_rule("m", ids[(2, 1)])
    assert sorted(engine.rows("m", "reach")) == [(1, 2), (1, 3), (2, 3)]


def test_arity_follows_current_uses(engine: PolicyEngine) -> None:
    stored = engine.insert_rule("th", "p(x, y) :- q(x, y)")
    with pytest.raises(PolicySyntaxError, match="arguments"):
        engine.insert_rule("th", "q(1)")
    engine.delete_rule("th", stored.id)
    engine.insert_rule("th", "q(1)")


def test_cross_policy_and_prefix_kept_in_answers(engine: PolicyEngine) -> None:
    engine.create_policy("beta")
    engine.insert_rule("beta", "q(1)")
    engine.insert_rule("th", "p(x) :- beta:q(x)")
    assert answers(engine, "th", "p(x)") == ["p(1)"]
    assert answers(engine, "th", "beta:q(x)") == ["beta:q(1)"]
    engine.insert_rule("beta", "q(2)")
    assert answers(engine, "th", "p(x)") == ["p(1)", "p(2)"]
    assert engine.tables("th") == ["beta:q", "p"]
    assert sorted(engine.rows("th", "beta:q")) == [(1,), (2,)]


def test_delete_policy_retracts_what_others_derive(engine: PolicyEngine) -> None:
    engine.create_policy("beta")
    engine.insert_rule("beta", "q(1)")
    engine.insert_rule("th", "p(x) :- beta:q(x)")
    engine.delete_policy("beta")
    assert answers(engine, "th", "p(x)") == []
    with pytest.raises(PolicyNotExists):
        engine.select("beta", "q(x)")


def test_datasource_tables(engine: PolicyEngine) -> None:
    engine.create_datasource("nova", {"servers": ["id", "status"]})
    engine.insert_rule("th", 'active(x) :- nova:servers(id=x, status="ACTIVE")')
    engine.replace_table("nova", "servers", [["s1", "ACTIVE"], ["s2", "DOWN"]])
    assert answers(engine, "th", "active(x)") == ['active("s1")']
    engine.update_table("nova", "servers", insert=[["s2", "ACTIVE"]], delete=[["s2", "DOWN"]])
    assert answers(engine, "th", "active(x)") == ['active("s1")', 'active("s2")']
    engine.replace_table("nova", "servers", [["s3", "ACTIVE"]])
    assert answers(engine, "th", "active(x)") == ['active("s3")']
    with pytest.raises(UpdateNotPermitted):
        engine.update_table("nova", "servers", insert=[["s4"]])
    with pytest.raises(UpdateNotPermitted):
        engine.update_table("nova", "flavors", insert=[["f"]])
    with pytest.raises(RuleNotPermitted):
        engine.insert_rule("nova", "p(1)")
    assert engine.tables("nova") == ["servers"]
    assert engine.rows("nova", "servers") == [("s3", "ACTIVE")]


def test_rows_and_tables(engine: PolicyEngine) -> None:
    engine.insert_rule("th", "p(x) :- q(x), lt(x, 3)")
    engine.insert_rule("th", "execute[nova:pause(x)] :- q(x)")
    engine.insert_rule("th", "q(1.0)")
    assert engine.tables("th") == ["p", "q"]
    assert engine.rows("th", "q") == [(1.0,)] and type(engine.rows("th", "q")[0][0]) is float
    with pytest.raises(TableNotFound):
        engine.rows("th", "nova:pause")


def test_queries(engine: PolicyEngine) -> None:
    for text in ("q(1, 2)", "q(2, 2)", "r(2)"):
        engine.insert_rule("th", text)
    assert answers(engine, "th", "q(x, x)") == ["q(2, 2)"]
    assert answers(engine, "th", "q(x, y), r(x)") == ["q(2, 2)", "r(2)"]
    assert answers(engine, "th", "h(x) :- q(x, y), not r(x)") == ["h(1) :- q(1, 2), not r(1)"]
    assert answers(engine, "th", "plus(1, 2, x)") == ["plus(1, 2, 3)"]
    assert answers(engine, "th", "q(x)") == []
    assert answers(engine, "th", "true(x)") == ["true(x)"]


def test_table_comes_back_with_another_arity(engine: PolicyEngine) -> None:
    for text in ("p(x, y) :- q(x, z), r(z, y)", "q(1, 1)", "r(1, 3)"):
        engine.insert_rule("th", text)
    assert answers(engine, "th", "p(x, 3)") == ["p(1, 3)"]
    assert answers(engine, "th", "q(x, 1), r(x, y)") == ["q(1, 1)", "r(1, 3)"]
    for stored in engine.rules("th"):
        engine.delete_rule("th", stored.id)
    for text in ("q(1)", "r(1)", "p(x) :- q(x), r(x)"):
        engine.insert_rule("th", text)
    assert answers(engine, "th", "p(x)") == ["p(1)"]
    assert answers(engine, "th", "q(x), r(x)") == ["q(1)", "r(1)"]
    engine.delete_policy("th")
    engine.create_policy("th")
    engine.insert_rule("th", "q(1, 2, 3)")
    assert answers(engine, "th", "q(x, y, z)") == ["q(1, 2, 3)"]


def test_datasource_declared_after_rules_must_fit_them(engine: PolicyEngine) -> None:
    engine.insert_rule("th", "p(x) :- nova:servers(x, y)")
    with pytest.raises(UpdateNotPermitted):
        engine.create_datasource("nova", {"servers": ["id", "name", "status"]})
    engine.create_datasource("nova", {"servers": ["id", "name"]})
    engine.replace_table("nova", "servers", [["s1", "web"]])
    assert answers(engine, "th", "p(x)") == ['p("s1")']


def test_kinds_database_and_z3() -> None:
    engine = PolicyEngine()
    engine.create_policy("db", "database")
    engine.insert_rule("db", "p(1)")
    with pytest.raises(PolicySyntaxError, match="Rules are recursive"):
        engine.insert_rule("db", "p(x) :- p(x)")
    engine.create_policy("z", "z3")
    for text in ("q(5)", "q(6)", "p(x, y) :- q(x), and(x, 3, y)", "r(x, y) :- r(y, x)", "r(1, 2)"):
        engine.insert_rule("z", text)
    assert answers(engine, "z", "p(x, y)") == ["p(5, 1)", "p(6, 2)"]
    assert answers(engine, "z", "r(x, y)") == ["r(1, 2)", "r(2, 1)"]
    engine.insert_rule("db", "s(x, y) :- t(x), and(x, 3, y)")
    assert engine.tables("db") == ["and", "p", "s", "t"]  # outside z3 policies `and` is a table


def test_rules_added_while_nobody_listens_are_evaluated_at_the_first_read() -> None:
    engine = PolicyEngine()
    engine.create_datasource("ds", {"v": ["a"], "w": ["a"]})
    engine.create_policy("t")
    engine.update_table("ds", "v", insert=[(1,), (2,), (3,)])
    engine.insert_rule("t", "p(x) :- ds:v(x), not q(x)")
    engine.insert_rule("t", "q(x) :- ds:w(x)")
    assert engine.flow.stale == {("t", "p"), ("t", "q")}
    engine.update_table("ds", "w", insert=[(2,)])  # stale tables are left to the read
    assert sorted(engine.rows("t", "p")) == [(1,), (3,)]
    assert not engine.flow.stale
    heard: list[TableDelta] = []
    engine.add_delta_listener(heard.extend)
    engine.insert_rule("t", "r(x) :- p(x)")  # someone listens: evaluated and emitted right away
    assert not engine.flow.stale
    assert [(d.table, sorted(d.inserted)) for d in heard] == [("r", [(1,), (3,)])]


def test_a_big_update_moves_its_survivors_past_the_young_generations_without_exempting_them() -> None:
    class Node:
        pass

    engine = PolicyEngine()
    engine.create_datasource("ds", {"t": ["a", "b"]})
    engine.create_policy("p")
    engine.insert_rule("p", "q(x) :- ds:t(x, y)")
    thresholds = gc.get_threshold()
    gc.set_threshold(10**9)  # no automatic collection during the test
    try:
        garbage = Node()
        garbage.me = garbage  # cyclic garbage, young when the update starts
        alive = weakref.ref(garbage)
        del garbage
        engine.replace_table("ds", "t", [(i, i) for i in range(50_000)])
        assert gc.isenabled()
        assert gc.get_count()[0] < 1_000  # the update's 100k new objects are not waiting in generation 0
        assert alive() is not None
        gc.collect()
        assert alive() is None  # moved, not frozen for good
    finally:
        gc.set_threshold(*thresholds)
    assert len(engine.rows("p", "q")) == 50_000


def test_a_process_that_freezes_objects_itself_keeps_them_frozen_through_big_updates() -> None:
    engine = PolicyEngine()
    engine.create_datasource("ds", {"t": ["a", "b"]})
    engine.create_policy("p")
    engine.insert_rule("p", "q(x) :- ds:t(x, y)")
    gc.collect()
    gc.freeze()  # as congress-server does after start-up
    try:
        frozen = gc.get_freeze_count()
        engine.replace_table("ds", "t", [(i, i) for i in range(50_000)])
        assert len(engine.rows("p", "q")) == 50_000  # the rules are evaluated here, 50k rows made
        assert gc.get_freeze_count() > frozen // 2  # not thrown back (an unfreeze leaves none)
        assert gc.isenabled()
    finally:
        gc.unfreeze()
