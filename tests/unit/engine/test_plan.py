"""Join plans: literal order and the behaviour of the generated code."""

from __future__ import annotations

from congress.datalog.builtins import lookup
from congress.datalog.parser import parse_rule
from congress.engine.compiled import CompiledRule, compile_rule
from congress.engine.plan import SEED_DRIVER, SEED_HEAD, PlanSpec, get_plan, order_body, python_plan
from congress.engine.relation import Relation
from congress.engine.values import norm


class Tables:
    def __init__(self, **tables: list[tuple]) -> None:
        self.relations: dict = {}
        for name, rows in tables.items():
            self.of(("p", name)).add([tuple(norm(v) for v in row) for row in rows])

    def of(self, key) -> Relation:
        return self.relations.setdefault(key, Relation(str(key)))


def compiled(text: str) -> CompiledRule:
    def resolve(atom):
        builtin = lookup(atom.table, atom.theory, arity=len(atom.args))
        return (None, builtin) if builtin else ((atom.theory or "p", atom.table), None)

    return compile_rule(parse_rule(text), "p", resolve)


FULL = PlanSpec()


def run(rule: CompiledRule, tables: Tables, spec: PlanSpec = FULL, delta=None, dset=None) -> dict:
    out: dict = {}
    get_plan(rule, spec, tables.of)(delta, dset, out, 1)
    return out


def test_builtins_and_negations_wait_for_their_inputs() -> None:
    rule = compiled("h(x, z) :- lt(x, y), not n(x), q(x), plus(x, 1, z), r(y)")
    order = [rule.body[i].atom.table for i in order_body(rule, set())]
    assert order.index("lt") > order.index("r") and order.index("lt") > order.index("q")
    assert order.index("n") > order.index("q")
    assert order.index("plus") > order.index("q")


def test_bound_literals_first() -> None:
    rule = compiled("h(x) :- big(x, y), small(x, 3)")
    assert rule.body[order_body(rule, set())[0]].atom.table == "small"


def test_join_negation_builtin_counts_derivations() -> None:
    tables = Tables(q=[(1, "a"), (2, "b"), (3, "a")], r=[("a", 10), ("b", 20)], n=[(3,)])
    rule = compiled("h(x, z) :- q(x, k), r(k, v), not n(x), plus(v, x, z)")
    assert run(rule, tables) == {(1, 11): 1, (2, 22): 1}


def test_repeated_variables_and_constants() -> None:
    tables = Tables(e=[(1, 1), (1, 2), (2, 2), (3, 1)])
    assert run(compiled("h(x) :- e(x, x)"), tables) == {(1,): 1, (2,): 1}
    assert run(compiled("h(x) :- e(x, 1)"), tables) == {(1,): 1, (3,): 1}


def test_int_and_float_do_not_join() -> None:
    tables = Tables(a=[(1,), (2.0,)], b=[(1.0,), (2,)])
    assert run(compiled("c(x) :- a(x), b(x)"), tables) == {}
    assert run(compiled("d(x) :- a(x), b(y), equal(x, y)"), tables) == {(1,): 1, (norm(2.0),): 1}


def test_failing_builtin_removes_only_its_row() -> None:
    tables = Tables(n=[(4, 2), (1, 0), ("x", 1)])
    assert run(compiled("d(z) :- n(x, y), div(x, y, z)"), tables) == {(2,): 1}


def test_self_join_filter_sees_relation_without_delta() -> None:
    """With the delta rows present, occurrences after the driver skip them ('after')."""
    tables = Tables(e=[(1, 2), (2, 3), (3, 1)])
    rule = compiled("h(x, z) :- e(x, y), e(y, z)")
    delta = [(2, 3), (3, 1)]
    unfiltered = run(rule, tables, PlanSpec(SEED_DRIVER, 0, None), delta, set(delta))
    filtered = run(rule, tables, PlanSpec(SEED_DRIVER, 0, "after"), delta, set(delta))
    assert unfiltered == {(2, 1): 1, (3, 2): 1}
    assert filtered == {(3, 2): 1}


def test_head_seeded_plan_finds_the_bindings_of_a_row() -> None:
    tables = Tables(q=[(1, "a"), (1, "b"), (2, "c")])
    rule = compiled("h(x) :- q(x, y)")
    found: list = []
    get_plan(rule, PlanSpec(SEED_HEAD, emit="bindings"), tables.of)([(1,)], None, found, 0)
    assert sorted(found) == [(1, "a"), (1, "b")]
    exists = get_plan(rule, PlanSpec(SEED_HEAD, emit="exists"), tables.of)
    assert exists([(2,)], None, None, 0) is True
    assert exists([(3,)], None, None, 0) is False


def test_counts_every_derivation_when_counting_after_the_head_is_bound() -> None:
    tables = Tables(q=[(1, "a"), (1, "b"), (2, "a"), (3, "c")], r=[("a", 1), ("a", 2), ("b", 1)], n=[(2, 1)])
    rule = compiled("h(x) :- q(x, y), r(y, z), not n(x, z)")
    generated = python_plan(rule, FULL, tables.of)
    assert "_c += 1" in generated.source
    for plan in (generated, get_plan(rule, FULL, tables.of)):  # the second runs in C where it is built
        out: dict = {}
        plan(None, None, out, 1)
        assert out == {(1,): 3, (2,): 1}
        out = {(1,): 5}
        plan(None, None, out, -1)
        assert out == {(1,): 2, (2,): -1}
