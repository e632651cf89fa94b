"""The transitive-closure fast path: recognised only for the exact rule shapes, equal to the rules' meaning,
and leaving state that incremental maintenance continues from exactly as after the generic evaluation."""

from __future__ import annotations

import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congress.datalog.parser import parse_rule
from congress.engine import PolicyEngine
from congress.engine.closure import closure_input, native_closure, python_closure
from congress.engine.compiled import compile_rule

RIGHT = ("r(x, y) :- ds:e(x, y)", "r(x, z) :- ds:e(x, y), r(y, z)")
LEFT = ("r(a, b) :- ds:e(a, b)", "r(a, c) :- r(a, b), ds:e(b, c)")

nodes = st.integers(0, 6)
edge_lists = st.lists(st.tuples(nodes, nodes), max_size=20)


def naive_closure(edges) -> set:
    reach = set(edges)
    while True:
        more = reach | {(x, z) for x, y in edges for y2, z in reach if y == y2}
        if more == reach:
            return reach
        reach = more


def compiled(texts):
    def resolve(atom):
        return (atom.theory or "p", atom.table), None

    return [compile_rule(parse_rule(text), "p", resolve) for text in texts]


@pytest.mark.parametrize("texts", [RIGHT, LEFT, RIGHT[::-1]])
def test_closure_shapes_are_recognised(texts) -> None:
    assert closure_input(("p", "r"), compiled(texts)) == ("ds", "e")


@pytest.mark.parametrize("texts", [
    ("r(x, y) :- ds:e(x, y)",),
    (*RIGHT, "r(x, y) :- ds:f(x, y)"),
    ("r(x, y) :- ds:e(y, x)", RIGHT[1]),  # reversed base
    ("r(x, y) :- ds:f(x, y)", RIGHT[1]),  # two edge tables
    (RIGHT[0], "r(x, z) :- ds:e(x, y), r(z, y)"),  # wrong join
    (RIGHT[0], "r(x, z) :- ds:e(x, z), r(z, z)"),  # repeated variable
    (RIGHT[0], "r(x, 1) :- ds:e(x, y), r(y, 1)"),  # constants
    (RIGHT[0], "r(x, z) :- r(x, y), r(y, z)"),  # not linear
    (RIGHT[0], "r(x, z) :- ds:e(x, y), not r(y, z)"),  # negation
])
def test_other_shapes_are_not(texts) -> None:
    assert closure_input(("p", "r"), compiled(texts)) is None


needs_native = pytest.mark.skipif(native_closure is None, reason="built without the C closure (no compiler)")
IMPLEMENTATIONS = [python_closure, pytest.param(native_closure, marks=needs_native)]


@pytest.mark.parametrize("closure", IMPLEMENTATIONS)
@settings(max_examples=300)
@given(edges=edge_lists)
def test_transitive_closure_is_every_path(closure, edges) -> None:
    rows = closure(edges)
    assert set(rows) == naive_closure(edges)
    assert set(rows.values()) <= {1}


@pytest.mark.parametrize("closure", IMPLEMENTATIONS)
def test_nodes_are_told_apart_as_dict_keys_tell_them(closure) -> None:
    edges = [("a", "b"), ("b", 1), (1.0, (2, "x")), (True, "a")]  # 1.0 is the node 1; True is 1 too
    assert set(closure(edges)) == naive_closure({("a", "b"), ("b", 1), (1, (2, "x")), (1, "a")})


@needs_native
def test_the_c_closure_refuses_what_is_not_a_list_of_pairs() -> None:
    for bad in ([(1, 2, 3)], [1], [(1,)], [(1, 2), "ab"]):
        with pytest.raises(TypeError, match="tuple of two values"):
            native_closure(bad)
    with pytest.raises(TypeError, match="iterable"):
        native_closure(None)
    with pytest.raises(TypeError):  # unhashable node
        native_closure([([1], 2)])
    assert native_closure(iter([(1, 2), (2, 3)])) == {(1, 2): 1, (1, 3): 1, (2, 3): 1}
    assert native_closure({}) == {}


@needs_native
def test_the_c_closure_has_no_depth_limit() -> None:
    depth = sys.getrecursionlimit() + 200
    rows = native_closure([(i, i + 1) for i in range(depth)] + [(depth, 0)])  # one long cycle
    assert len(rows) == (depth + 1) ** 2


def test_too_deep_a_graph_is_left_to_the_rules() -> None:
    chain = [(i, i + 1) for i in range(sys.getrecursionlimit() + 10)]
    assert python_closure(chain) is None
    limit = sys.getrecursionlimit()
    engine = PolicyEngine()
    engine.create_datasource("ds", {"e": ["a", "b"]})
    engine.replace_table("ds", "e", [(i, i + 1) for i in range(300)])
    engine.create_policy("p", "materialized")
    sys.setrecursionlimit(250)  # the closure's search cannot go 300 deep: the rules evaluate it
    try:
        for text in RIGHT:
            engine.insert_rule("p", text)
        rows = set(engine.rows("p", "r"))
    finally:
        sys.setrecursionlimit(limit)
    assert rows == {(i, j) for i in range(301) for j in range(i + 1, 301)}


def new_engine(texts, edges, listening: bool) -> tuple[PolicyEngine, list]:
    """An engine with the rules over ``edges``: added as deferred and evaluated at the first read (the fast
    path) or, with a listener, each evaluated as it comes (the generic path); and what the listener heard."""
    engine = PolicyEngine()
    heard: list = []
    if listening:
        engine.add_delta_listener(heard.extend)
    engine.create_datasource("ds", {"e": ["a", "b"]})
    engine.replace_table("ds", "e", edges)
    engine.create_policy("p", "materialized")
    for text in texts:
        engine.insert_rule("p", text)
    return engine, heard


def relation_state(engine: PolicyEngine) -> tuple[dict, dict]:
    relation = engine.flow.relation(("p", "r"))
    indexes = {columns: {k: set(v) for k, v in index.items()} for columns, index in relation.indexes.items()}
    return dict(relation.rows), indexes


@settings(max_examples=150, deadline=None)
@given(
    st.sampled_from([RIGHT, LEFT]),
    edge_lists,
    st.lists(st.tuples(st.lists(st.tuples(nodes, nodes), max_size=4),
                       st.lists(st.tuples(nodes, nodes), max_size=4)), max_size=8),
)
def test_fast_and_generic_evaluation_agree_through_updates(texts, edges, updates) -> None:
    fast, _ = new_engine(texts, edges, listening=False)
    generic, heard = new_engine(texts, edges, listening=True)
    assert heard or not edges  # the generic engine evaluated the rules as they came
    data = set(edges)
    assert set(fast.rows("p", "r")) == set(generic.rows("p", "r")) == naive_closure(data)
    assert dict(fast.flow.relation(("p", "r")).rows) == dict(generic.flow.relation(("p", "r")).rows)
    for inserted, deleted in updates:
        for engine in (fast, generic):
            engine.update_table("ds", "e", insert=inserted, delete=deleted)
        data = (data - set(deleted)) | set(inserted)
        assert set(fast.rows("p", "r")) == set(generic.rows("p", "r")) == naive_closure(data)
        fast_rows, fast_indexes = relation_state(fast)
        generic_rows, generic_indexes = relation_state(generic)
        assert fast_rows == generic_rows
        for columns in fast_indexes.keys() & generic_indexes.keys():
            assert fast_indexes[columns] == generic_indexes[columns]
