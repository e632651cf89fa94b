"""simulate: updates, rule changes and actions applied temporarily, then undone exactly."""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.engine import PolicyEngine
from congress.exceptions import SimulateError


def state(engine: PolicyEngine) -> dict:
    engine.settle()  # tables of rules added while nobody listened are evaluated at the first read
    return {
        "rules": {name: [(r.id, str(r.rule)) for r in engine.rules(name)] for name in engine.policy_names()},
        "rows": {key: dict(rel.rows) for key, rel in engine.flow.relations.items() if rel.rows},
        "base": {key: set(rows) for key, rows in engine.flow.base.items()},
    }


@pytest.fixture
def engine() -> PolicyEngine:
    engine = PolicyEngine()
    engine.create_policy("alice")
    for text in ("p(101, 0)", 'p(202, "abc")', "p(302, 9)",
                 "error(x) :- p(x, a), p(x, b), not equal(a, b)", "error(x) :- p(x, 9)"):
        engine.insert_rule("alice", text)
    engine.create_policy("acts", "action")
    for text in ('action("set")', "p+(x, y) :- set(x, y)", "p-(x, old) :- set(x, y), p(x, old)"):
        engine.insert_rule("acts", text)
    engine.create_datasource("nova", {"servers": ["id", "status"]})
    engine.insert_rule("alice", 'error(x) :- nova:servers(x, "BAD")')
    return engine


def simulate(engine: PolicyEngine, sequence: str, delta: bool = False, query: str = "error(x)") -> list[str]:
    before = state(engine)
    result = engine.simulate("alice", query, sequence, "acts", delta=delta)
    assert state(engine) == before
    return sorted(str(a) for a in result.answers)


def test_updates_and_delta(engine: PolicyEngine) -> None:
    assert simulate(engine, "p+(202, 9)") == ["error(202)", "error(302)"]
    assert simulate(engine, "p+(202, 9)", delta=True) == ["error+(202)"]
    assert simulate(engine, "p-(302, 9)", delta=True) == ["error-(302)"]
    assert simulate(engine, 'nova:servers+("s1", "BAD")', delta=True) == ['error+("s1")']


def test_actions_overwrite(engine: PolicyEngine) -> None:
    assert simulate(engine, "set(101, 9) set(202, 9) set(302, 1) set(101, 15)", delta=True) == [
        "error+(202)", "error-(302)"]


def test_rule_changes(engine: PolicyEngine) -> None:
    assert simulate(engine, "error-(x) :- p(x, 9)") == []
    assert simulate(engine, "error+(x) :- p(x, 0)") == ["error(101)", "error(302)"]


def test_errors_leave_state(engine: PolicyEngine) -> None:
    before = state(engine)
    for sequence in ("p+(1, 9", "undeclared(1)", "nobody:p+(1)", "p+(1, 2, 3)", "fresh+(1) fresh+(1, 2)"):
        with pytest.raises(SimulateError):
            engine.simulate("alice", "error(x)", sequence, "acts")
        assert state(engine) == before
    with pytest.raises(SimulateError):
        engine.simulate("alice", "error(x", "p+(1, 9)", "acts")


def test_trace(engine: PolicyEngine) -> None:
    result = engine.simulate("alice", "error(x)", "set(101, 9)", "acts", trace=True)
    assert "action set(101, 9)" in result.trace and "insert alice:p" in result.trace


def test_insert_beats_delete_within_one_action() -> None:
    engine = PolicyEngine()
    engine.create_policy("t")
    engine.create_policy("a", "action")
    for text in ("p+(x) :- q(x)", "p-(x) :- r(x)", 'action("q")'):
        engine.insert_rule("a", text)
    assert [str(x) for x in engine.simulate("t", "p(x)", "q(1), r(1) :- true", "a").answers] == ["p(1)"]
    assert engine.select("t", "p(x)") == []


def _tables(engine: PolicyEngine) -> dict:
    engine.settle()  # tables of rules added while nobody listened are evaluated at the first read
    return {key: set(rel.rows) for key, rel in engine.flow.relations.items() if rel.rows}


updates = st.lists(
    st.tuples(st.sampled_from(["e", "v"]), st.sampled_from("+-"), st.integers(0, 3), st.integers(0, 3)),
    max_size=8,
)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(updates, updates)
def test_simulate_answers_what_applying_would(history, sequence) -> None:
    """simulate(sequence) answers what the same updates applied for real give, and changes nothing."""
    engine = _incremental_history()
    for table, sign, a, b in history:
        _apply(engine, table, sign, a, b)
    text = " ".join(f"ds:{t}{s}({a}, {b})" if t == "e" else f"ds:{t}{s}({a})" for t, s, a, b in sequence)
    before = _tables(engine)
    for query in ("q(x)", "r(x)", "m:path(x, y)"):
        answers = sorted(str(a) for a in engine.simulate("n", query, text, "action").answers)
        assert _tables(engine) == before
        real = _incremental_history()
        for table, sign, a, b in [*history, *sequence]:
            _apply(real, table, sign, a, b)
        assert answers == sorted(str(a) for a in real.select("n", query))


def _incremental_history() -> PolicyEngine:
    engine = PolicyEngine()
    engine.create_datasource("ds", {"e": ["a", "b"], "v": ["a"]})
    engine.create_policy("m", "materialized")
    engine.create_policy("n")
    for text in ("path(x, y) :- ds:e(x, y)", "path(x, z) :- path(x, y), ds:e(y, z)"):
        engine.insert_rule("m", text)
    for text in ("q(x) :- m:path(x, y), ds:v(y)", "r(x) :- ds:v(x), not q(x)"):
        engine.insert_rule("n", text)
    return engine


def _apply(engine: PolicyEngine, table: str, sign: str, a: int, b: int) -> None:
    row = [a, b] if table == "e" else [a]
    if sign == "+":
        engine.update_table("ds", table, insert=[row])
    else:
        engine.update_table("ds", table, delete=[row])


def test_action_helper_rules_read_the_events() -> None:
    """Plain rules of the action policy derive from the action's events (in chains, with negation) and
    feed its update rules; a prefixed update head changes the other policy's table."""
    engine = PolicyEngine()
    engine.create_datasource("nova", {"servers": ["id", "status"]})
    engine.update_table("nova", "servers", insert=[("s1", "ACTIVE"), ("s2", "ACTIVE"), ("s3", "ACTIVE")])
    engine.create_policy("pol")
    engine.insert_rule("pol", 'down(x) :- nova:servers(x, "SHUTOFF")')
    engine.insert_rule("pol", 'protected("s3")')
    engine.create_policy("acts", "action")
    for text in ('action("stop")', "stopping(x) :- stop(x), not refused(x)",
                 "refused(x) :- stop(x), protected(x)", "chosen(x) :- stopping(x)",
                 'nova:servers-(x, s) :- chosen(x), nova:servers(x, s)',
                 'nova:servers+(x, "SHUTOFF") :- chosen(x)'):
        engine.insert_rule("acts", text)
    before = state(engine)
    result = engine.simulate("pol", "down(x)", 'stop("s1") stop("s3")', "acts")
    assert sorted(str(a) for a in result.answers) == ['down("s1")']
    assert state(engine) == before
    assert engine.select("pol", "down(x)") == []
