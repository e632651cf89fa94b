"""The oracle conformance cases, run against ``PolicyEngine`` directly (no server).

Every case of ``tests/data/conformance/visible.json`` (answers recorded from the
original Congress engine) is replayed: setup as the corpus README says, then
each step compared with the recorded answer in its canonical rendering. Where
the recorded answer is a defect of the original, ``DIFFERENCES`` says so, why,
and what we answer instead; those steps assert *our* answer.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from congress.engine import PolicyEngine
from congress.engine.interface import ExecutionRequest
from congress.exceptions import CongressError

CASES_FILE = Path(__file__).parents[1] / "data" / "conformance" / "visible.json"
CASES = json.loads(CASES_FILE.read_text())["cases"]


@dataclass(frozen=True)
class Difference:
    """A step where we deliberately answer differently from the original."""

    quirk: str  # the quirk class of tools/CONFORMANCE.md
    reason: str
    ours: Any  # our answer: like ``expect`` (a list), "ok", {"error": code}, or NONRECURSIVE


NONRECURSIVE = "the marker's nonrecursive_expect"
_STALE_MATERIALIZED = (
    "the original materialized engine missed this change (incremental-maintenance bug); "
    "we answer what its own nonrecursive engine answers"
)

DIFFERENCES: dict[tuple[str, int], Difference] = {
    ("builtins/netaddr_networks", 2): Difference(
        "asymmetric-overlap",
        "networks_overlap is symmetric: 10.0.1.0/24 overlaps 10.0.0.0/16 as much as the reverse",
        ['ov("10.0.0.0/16", "10.0.0.0/16")', 'ov("10.0.0.0/16", "10.0.0.0/24")',
         'ov("10.0.0.0/16", "10.0.1.0/24")', 'ov("10.0.0.0/24", "10.0.0.0/16")',
         'ov("10.0.0.0/24", "10.0.0.0/24")', 'ov("10.0.1.0/24", "10.0.0.0/16")',
         'ov("10.0.1.0/24", "10.0.1.0/24")', 'ov("192.168.0.0/24", "192.168.0.0/24")'],
    ),
    ("builtins/query_builtin_unbound_inputs_crash", 1): Difference(
        "oracle-crash", "a builtin cannot be evaluated with unbound inputs: a clean query error",
        {"error": "query_syntax"},
    ),
    ("column_refs/query_with_column_refs", 1): Difference(
        "column-ref-query", "column references in queries are resolved against the schema, as in rules",
        ['nova:servers("s1", "web", "ACTIVE", "t1")', 'nova:servers("s2", "db", "PAUSED", "t1")',
         'nova:servers("s3", "cache", "ACTIVE", "t2")'],
    ),
    ("column_refs/query_with_column_refs", 3): Difference(
        "column-ref-query", "column references in queries are resolved against the schema, as in rules",
        ['flavors("f1", 512)', 'flavors("f2", 2048)'],
    ),
    ("compile_error/modal_in_body_mixed_crash", 1): Difference(
        "oracle-crash", "a modal in a rule body is a clean syntax error", {"error": "rule_syntax"},
    ),
    ("compile_error/modal_in_body_mixed_crash", 2): Difference(
        "oracle-crash", "a modal in a rule body is a clean syntax error", {"error": "rule_syntax"},
    ),
    ("database/arity_conflict", 1): Difference(
        "unchecked-arity", "every policy kind keeps one arity per table (p already has arity 1)",
        {"error": "rule_syntax"},
    ),
    ("database/arity_conflict", 3): Difference(
        "after-quirk", "p(1, 2) was rejected, so p has no 2-column rows", [],
    ),
    ("database/dse_runtime_crash", 1): Difference(
        "oracle-crash", "database policies accept rules like any other policy", "ok",
    ),
    ("database/dse_runtime_crash", 2): Difference(
        "oracle-crash", "a database policy's existence does not break other policies", "ok",
    ),
    ("database/simulate_on_database_crash", 1): Difference(
        "oracle-crash", "simulate works on database policies: p+(2) p-(1) leaves p(2)", ["p(2)"],
    ),
    ("database/simulate_on_database_crash", 2): Difference(
        "after-quirk", "simulate leaves no trace (the crashed original kept p(2) and lost p(1))", ["p(1)"],
    ),
    ("datasource/value_conversion", 2): Difference(
        "non-ascii-dropped", "non-ASCII characters of datasource strings are kept",
        ['p("True", "None")', 'p("caf\u00e9", "x"y")', 'p("{\'k\': 1}", "[1, \'a\']")', 'p(0, "")',
         'p(1.5, "x y")'],
    ),
    ("datasource/value_conversion", 3): Difference(
        "non-ascii-dropped", "non-ASCII characters of datasource strings are kept",
        [["True", "None"], ["caf\u00e9", 'x"y'], ["{'k': 1}", "[1, 'a']"], [0, ""], [1.5, "x y"]],
    ),
    ("datasource/value_conversion", 4): Difference(
        "non-ascii-dropped", "non-ASCII characters of datasource strings are kept",
        [["True", "None"], ["caf\u00e9", 'x"y'], ["{'k': 1}", "[1, 'a']"], [0, ""], [1.5, "x y"]],
    ),
    ("generated_large/cloud_join_materialized_12", 13): Difference(
        "materialized-divergence", _STALE_MATERIALIZED, NONRECURSIVE,
    ),
    ("generated_large/graph_k_hop_materialized_4", 13): Difference(
        "materialized-divergence", _STALE_MATERIALIZED, NONRECURSIVE,
    ),
    ("generated_large/graph_k_hop_materialized_4", 14): Difference(
        "materialized-divergence", _STALE_MATERIALIZED, NONRECURSIVE,
    ),
    ("generated_large/graph_k_hop_materialized_4", 15): Difference(
        "materialized-divergence", _STALE_MATERIALIZED, NONRECURSIVE,
    ),
    ("generated_large/graph_k_hop_materialized_4", 20): Difference(
        "materialized-divergence", _STALE_MATERIALIZED, NONRECURSIVE,
    ),
    ("materialized/referenced_by_nonrecursive_crash", 2): Difference(
        "oracle-crash", "a nonrecursive policy may read a materialized policy's tables", "ok",
    ),
    ("materialized/references_other_policy", 4): Difference(
        "materialized-divergence", _STALE_MATERIALIZED, NONRECURSIVE,
    ),
    ("materialized/value_types", 15): Difference(
        "materialized-divergence", "1 and 1.0 are different values in joins (the original's materialized "
        "engine joined p(1) with r(1.0))", NONRECURSIVE,
    ),
}


def _rows_key(rows) -> list[str]:
    return sorted(json.dumps(list(row)) for row in rows)


class _Runner:
    def __init__(self, case: dict) -> None:
        self.case = case
        self.engine = PolicyEngine()
        self.executions: list[ExecutionRequest] = []
        self.engine.add_execution_listener(self.executions.append)
        self.rule_ids: dict[tuple[str, str], str] = {}

    def setup(self) -> None:
        engine = self.engine
        for policy in self.case["policies"]:
            name, kind = policy["name"], policy["kind"]
            if kind == "datasource":
                engine.create_datasource(name, policy["schema"])
            elif name in engine.policy_names():
                assert engine.policy_kind(name) == kind
            else:
                engine.create_policy(name, kind)
        for policy in self.case["policies"]:
            for rule in policy["rules"]:
                self.insert(policy["name"], rule)
            for table, rows in policy.get("data", {}).items():
                engine.replace_table(policy["name"], table, rows)

    def insert(self, policy: str, rule: str) -> None:
        stored = self.engine.insert_rule(policy, rule)
        self.rule_ids[(policy, rule)] = stored.id

    # -- one step: returns the answer in the corpus's form ------------------------
    def run(self, step: dict) -> Any:
        try:
            return self.answer(step)
        except CongressError as error:
            return {"error": error.code}

    def answer(self, step: dict) -> Any:
        op = step["op"].removesuffix("_expect_error")
        engine = self.engine
        if op == "insert_rule":
            self.insert(step["policy"], step["rule"])
            return "ok"
        if op == "delete_rule":
            rule_id = self.rule_ids.get((step["policy"], step["rule"]), str(uuid.uuid4()))
            engine.delete_rule(step["policy"], rule_id)
            return "ok"
        if op == "query":
            return sorted({str(answer) for answer in engine.select(step["policy"], step["query"])})
        if op == "rows":
            return _rows_key(engine.rows(step["policy"], step["table"]))
        if op == "tables":
            return sorted(engine.tables(step["policy"]))
        if op == "simulate":
            result = engine.simulate(
                step["policy"], step["query"], step["sequence"], step["action_policy"],
                delta=step.get("delta", False), trace=step.get("trace", False),
            )
            answers = sorted({str(answer) for answer in result.answers})
            if step.get("trace_nonempty"):
                return {"answers": answers, "trace": bool(result.trace)}
            return answers
        if op == "actions":
            found = sorted(json.dumps([r.service, r.action, list(r.args)]) for r in self.executions)
            self.executions.clear()
            return found
        if op == "ds_update":
            engine.update_table(step["policy"], step["table"], step.get("insert", ()), step.get("delete", ()))
            return "ok"
        if op == "ds_replace":
            engine.replace_table(step["policy"], step["table"], step["rows"])
            return "ok"
        if op == "create_policy":
            if step.get("kind") == "datasource":
                engine.create_datasource(step["name"], step.get("schema", {}))
            else:
                engine.create_policy(step["name"], step.get("kind", "nonrecursive"))
            return "ok"
        if op == "delete_policy":
            engine.delete_policy(step["name"])
            return "ok"
        raise AssertionError(f"unknown op {step['op']}")


def expected(step: dict) -> Any:
    """The oracle's answer in the form ``_Runner.run`` returns."""
    if step["op"].endswith("_expect_error"):
        return {"error": step["error"]["code"]}
    if "expect_error" in step:
        return {"error": step["expect_error"]["code"]}
    if step["op"] == "rows":
        return _rows_key(step["expect"])
    if step["op"] == "actions":
        return sorted(json.dumps(triple) for triple in step["expect"])
    if step["op"] in ("query", "tables"):
        return sorted(set(step["expect"]))
    if step["op"] == "simulate":
        answers = sorted(set(step["expect"]))
        return {"answers": answers, "trace": True} if step.get("trace_nonempty") else answers
    return step.get("expect", "ok")


def ours(step: dict, difference: Difference) -> Any:
    """Our documented answer for a listed step, in the form ``_Runner.run`` returns."""
    want = difference.ours
    if want == NONRECURSIVE:
        want = step["materialized_divergence"]["nonrecursive_expect"]
    if isinstance(want, list):
        return expected({"op": step["op"], "expect": want})
    return want


@pytest.mark.parametrize("case", CASES, ids=[case["id"] for case in CASES])
def test_case(case: dict) -> None:
    runner = _Runner(case)
    runner.setup()
    for number, step in enumerate(case["steps"], start=1):
        difference = DIFFERENCES.get((case["id"], number))
        answer = runner.run(step)
        if difference is not None:
            want = ours(step, difference)
            assert answer == want, f"step {number} ({difference.quirk}): {answer} != our documented {want}"
            assert answer != expected(step), f"step {number} is listed as a difference but matches the oracle"
        else:
            assert answer == expected(step), f"step {number} {step}"


def test_every_difference_names_a_real_step() -> None:
    steps = {(case["id"], n) for case in CASES for n in range(1, len(case["steps"]) + 1)}
    assert set(DIFFERENCES) <= steps
