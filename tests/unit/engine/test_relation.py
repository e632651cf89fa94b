"""Indexed relations: indexes follow every change, empty buckets disappear."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from congress.engine.relation import SMALL_BUCKET, Relation, group_rows, python_index_build
from congress.engine.values import norm


def test_index_built_on_demand_and_maintained() -> None:
    relation = Relation("t")
    relation.add([(1, "a"), (2, "a"), (3, "b")])
    index = relation.index((1,))
    assert sorted(index["a"]) == [(1, "a"), (2, "a")]
    relation.add([(4, "a")])
    assert sorted(relation.lookup((1,), ("a",))) == [(1, "a"), (2, "a"), (4, "a")]
    relation.remove([(3, "b")])
    assert "b" not in index
    assert list(relation.lookup((1,), ("b",))) == []


def test_multi_column_index() -> None:
    relation = Relation("t")
    relation.add([(1, 2, 3), (1, 2, 4), (1, 5, 3)])
    assert sorted(relation.lookup((0, 1), (1, 2))) == [(1, 2, 3), (1, 2, 4)]
    relation.remove([(1, 2, 3)])
    assert list(relation.lookup((0, 1), (1, 2))) == [(1, 2, 4)]


def test_large_bucket_removal() -> None:
    relation = Relation("t")
    rows = [(i, "same") for i in range(SMALL_BUCKET * 3)]
    relation.add(rows)
    relation.index((1,))
    relation.remove(rows[:-1])
    assert list(relation.lookup((1,), ("same",))) == [rows[-1]]
    relation.remove(rows[-1:])
    assert relation.index((1,)) == {}


def test_counts_and_clear() -> None:
    relation = Relation("t")
    relation.add_counted({(1,): 2, (2,): 1})
    assert relation.rows == {(1,): 2, (2,): 1}
    relation.index((0,))
    relation.clear()
    assert relation.rows == {} and relation.index((0,)) == {}


@settings(max_examples=200)
@given(st.sampled_from([(0,), (1,), (2, 0), (1, 2, 0)]),
       st.lists(st.tuples(*[st.sampled_from([0, 1, "a", 1.5, norm(1.0)])] * 3), max_size=15))
def test_the_c_index_build_is_the_python_one(columns, rows) -> None:
    if group_rows is None:
        pytest.skip("built without the C index (no compiler)")
    built = group_rows(columns, rows)
    expected = python_index_build(columns, rows)
    assert built == expected
    assert list(built) == list(expected)  # keys, and rows within a bucket, in the order they came


def test_the_c_index_build_refuses_bad_input() -> None:
    if group_rows is None:
        pytest.skip("built without the C index (no compiler)")
    with pytest.raises(IndexError):
        group_rows((3,), [(1, 2)])
    with pytest.raises(TypeError):
        group_rows((0,), [[1, 2]])
    with pytest.raises(TypeError):
        group_rows((0,), [([1], 2)])  # unhashable key
    with pytest.raises(ValueError):
        group_rows((), [(1, 2)])
    with pytest.raises(ValueError):
        group_rows((-1,), [(1, 2)])
