"""Table deltas after each update, and execution requests for new ``execute[...]`` rows."""

from __future__ import annotations

from congress.engine import PolicyEngine
from congress.engine.interface import ExecutionRequest, TableDelta


def recording() -> tuple[PolicyEngine, list, list]:
    engine = PolicyEngine()
    deltas: list[TableDelta] = []
    requests: list[ExecutionRequest] = []
    engine.add_delta_listener(deltas.extend)
    engine.add_execution_listener(requests.append)
    engine.create_policy("test")
    return engine, deltas, requests


def test_deltas_of_changed_tables_in_order() -> None:
    engine, deltas, _ = recording()
    engine.insert_rule("test", "p(x) :- q(x), not r(x)")
    engine.insert_rule("test", "q(1)")
    assert deltas == [TableDelta("test", "q", ((1,),), ()), TableDelta("test", "p", ((1,),), ())]
    deltas.clear()
    engine.insert_rule("test", "r(1)")
    assert deltas == [TableDelta("test", "r", ((1,),), ()), TableDelta("test", "p", (), ((1,),))]
    deltas.clear()
    engine.insert_rule("test", "s(5)")
    engine.delete_rule("test", engine.rules("test")[-1].id)
    assert [d.table for d in deltas] == ["s", "s"]


def test_datasource_changes_reach_policies() -> None:
    engine, deltas, _ = recording()
    engine.create_datasource("nova", {"servers": ["id"]})
    engine.insert_rule("test", "error(x) :- nova:servers(x)")
    engine.update_table("nova", "servers", insert=[["s1"]])
    assert deltas == [TableDelta("test", "error", (("s1",),), ())]


def test_execution_fires_on_new_rows_only() -> None:
    engine, _, requests = recording()
    engine.insert_rule("test", "q(1)")
    engine.insert_rule("test", "execute[nova:servers.pause(x)] :- q(x)")
    engine.insert_rule("test", "execute[p(x)] :- q(x)")
    assert sorted(requests, key=str) == [
        ExecutionRequest("test", "nova", "servers.pause", (1,)),
        ExecutionRequest("test", "test", "p", (1,)),
    ]
    requests.clear()
    fact = engine.rules("test")[0].id
    engine.delete_rule("test", fact)
    assert requests == []
    engine.insert_rule("test", "q(1)")
    assert len(requests) == 2
    requests.clear()
    engine.insert_rule("test", "q(2)", rule_id="two")
    assert sorted(r.args for r in requests) == [(2,), (2,)]
    requests.clear()
    engine.insert_rule("test", "s(2)")
    engine.insert_rule("test", "q(x) :- s(x)", rule_id="second-derivation")
    engine.delete_rule("test", "two")
    engine.delete_rule("test", "second-derivation")
    assert requests == []
    engine.insert_rule("test", "q(2)", rule_id="two")
    assert sorted(r.args for r in requests) == [(2,), (2,)]


def test_simulate_fires_nothing() -> None:
    engine, deltas, requests = recording()
    engine.insert_rule("test", "execute[p(x)] :- q(x)")
    deltas.clear()
    result = engine.simulate("test", "q(x)", "q+(7)", "action")
    assert [str(a) for a in result.answers] == ["q(7)"]
    assert requests == [] and deltas == []


def test_a_failing_listener_does_not_break_the_update_or_the_others() -> None:
    engine, deltas, _ = recording()

    def broken(_deltas) -> None:
        raise RuntimeError("listener bug")

    engine.add_delta_listener(broken)
    engine.add_delta_listener(deltas.extend)
    engine.insert_rule("test", "q(1)")
    assert [str(a) for a in engine.select("test", "q(x)")] == ["q(1)"]
    assert deltas.count(TableDelta("test", "q", ((1,),), ())) == 2
