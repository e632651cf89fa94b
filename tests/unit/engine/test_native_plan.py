"""The C join (``_join.c`` through ``native_plan``) counts exactly the derivations the generated Python plan
counts, for random rules (joins, repeated variables, constants, negations) over random tables."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congress.engine.native_plan import full_count_plan, run_join
from congress.engine.plan import FULL_COUNT, order_body, python_plan
from congress.engine.values import norm
from tests.unit.engine.test_plan import Tables, compiled

pytestmark = pytest.mark.skipif(run_join is None, reason="built without the C join (no compiler)")

ARITY = {"p": 2, "q": 2, "r": 1, "n": 2}
VALUES = [0, 1, 2, "a", 2.0]  # 2.0 is not 2 in Congress
variables = st.sampled_from(["x", "y", "z", "w"])
terms = st.one_of(variables, variables, st.sampled_from(['0', '1', '"a"', '2.0']))
atoms = st.sampled_from(["p", "q", "r"]).flatmap(
    lambda table: st.lists(terms, min_size=ARITY[table], max_size=ARITY[table]).map(
        lambda args: f"{table}({', '.join(args)})"))
rows = st.lists(st.tuples(st.sampled_from(VALUES), st.sampled_from(VALUES)), max_size=12)


def body_variables(body: list[str]) -> list[str]:
    found: list[str] = []
    for atom in body:
        for arg in atom[atom.index("(") + 1:-1].split(", "):
            if arg[0].isalpha() and arg not in found:
                found.append(arg)
    return found


@st.composite
def rules(draw) -> str:
    body = draw(st.lists(atoms, min_size=1, max_size=3))
    bound = body_variables(body)
    if bound and draw(st.booleans()):
        body.append(f"not n({draw(st.sampled_from(bound))}, {draw(st.sampled_from([*bound, '1']))})")
    head = draw(st.lists(st.sampled_from([*bound, "7"]), min_size=1, max_size=2)) if bound else ["7"]
    return f"h({', '.join(head)}) :- {', '.join(body)}"


@settings(max_examples=400, deadline=None)
@given(rules(), rows, rows, rows, rows, st.sampled_from([1, -1]))
def test_the_c_join_counts_what_the_python_plan_counts(text, p, q, r, n, sign) -> None:
    tables = Tables(p=p, q=q, r=[row[:1] for row in r], n=n)
    rule = compiled(text)
    native = full_count_plan(rule, order_body(rule, set()), tables.of)
    assert native is not None
    expected: dict = {(norm(5),): 1}
    python_plan(rule, FULL_COUNT, tables.of)(None, None, expected, sign)
    counted: dict = {(norm(5),): 1}
    native(None, None, counted, sign)
    assert counted == expected


def test_rules_with_builtins_keep_the_python_plan() -> None:
    tables = Tables(p=[(1, 2)])
    rule = compiled("h(z) :- p(x, y), plus(x, y, z)")
    assert full_count_plan(rule, order_body(rule, set()), tables.of) is None


def test_set_buckets_are_walked_too() -> None:
    """An index bucket becomes a set after removals from a large one; the join reads it like a list."""
    tables = Tables(p=[(x, 1) for x in range(40)], q=[(1, "b")])
    rule = compiled("h(x, v) :- q(k, v), p(x, k)")
    plan = full_count_plan(rule, order_body(rule, set()), tables.of)
    relation = tables.of(("p", "p"))
    relation.remove([(0, 1)])
    assert any(isinstance(bucket, set) for index in relation.indexes.values() for bucket in index.values())
    out: dict = {}
    plan(None, None, out, 1)
    assert out == {(x, "b"): 1 for x in range(1, 40)}
