"""Indexed relations: the rows of one table with hash indexes on column sets.

A relation maps each present row to its derivation count (how many facts and
rule instantiations support it; recursive tables just keep 1). Indexes map the
values of a set of columns -- the bare value for one column, a tuple for
several -- to the rows having them. A bucket is a list (appending does not
hash the row); a large one becomes a set the first time a row is removed from
it, so removals stay cheap even for a column with few distinct values. Buckets that become empty are
removed, so ``key in index`` means "some row matches". Indexes are built the
first time a rule plan asks for them and kept up to date on every change.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

from congress.engine.values import Row

try:
    from congress.engine._index import group_rows  # _index_build in C
except ImportError:  # built without a C compiler
    group_rows = None

Columns = tuple[int, ...]

SMALL_BUCKET = 16


class Relation:
    __slots__ = ("name", "rows", "indexes")

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: dict[Row, int] = {}
        self.indexes: dict[Columns, dict] = {}

    def index(self, columns: Columns) -> dict:
        """The index on ``columns``, built now if no plan needed it before."""
        found = self.indexes.get(columns)
        if found is None:
            found = self.indexes[columns] = _index_build(columns, self.rows)
        return found

    def lookup(self, columns: Columns, values: tuple) -> Iterable[Row]:
        key = values[0] if len(columns) == 1 else values
        return self.index(columns).get(key, ())

    def add(self, rows: Iterable[Row], count: int = 1) -> None:
        """Add rows that are not present yet, each with ``count`` derivations."""
        self.rows.update(dict.fromkeys(rows, count))
        for columns, index in self.indexes.items():
            _index_add(index, columns, rows)

    def add_counted(self, counted: dict[Row, int]) -> None:
        """Add rows that are not present yet with their counts."""
        self.rows.update(counted)
        for columns, index in self.indexes.items():
            _index_add(index, columns, counted)

    def remove(self, rows: list[Row]) -> None:
        """Remove present rows."""
        stored = self.rows
        for row in rows:
            del stored[row]
        for columns, index in self.indexes.items():
            _index_remove(index, columns, rows)

    def clear(self) -> None:
        self.rows.clear()
        for index in self.indexes.values():
            index.clear()


def _index_build(columns: Columns, rows: Iterable[Row]) -> dict:
    """A new index: every bucket a list, its rows in the order they came."""
    if group_rows is not None:
        return group_rows(columns, rows)
    return python_index_build(columns, rows)


def python_index_build(columns: Columns, rows: Iterable[Row]) -> dict:
    """``_index_build`` in Python (``setdefault`` beats testing for a set bucket per row)."""
    index: dict = {}
    add = index.setdefault
    for key, row in zip(map(itemgetter(*columns), rows), rows, strict=True):
        add(key, []).append(row)
    return index


def _index_add(index: dict, columns: Columns, rows: Iterable[Row]) -> None:
    rows = list(rows)
    get = index.get
    for key, row in zip(map(itemgetter(*columns), rows), rows, strict=True):
        bucket = get(key)
        if bucket is None:
            index[key] = [row]
        elif type(bucket) is list:
            bucket.append(row)
        else:
            bucket.add(row)


def _index_remove(index: dict, columns: Columns, rows: Iterable[Row]) -> None:
    rows = list(rows)
    for key, row in zip(map(itemgetter(*columns), rows), rows, strict=True):
        bucket = index[key]
        if type(bucket) is list:
            if len(bucket) > SMALL_BUCKET:
                bucket = index[key] = set(bucket)
                bucket.discard(row)
            else:
                bucket.remove(row)
        else:
            bucket.discard(row)
        if not bucket:
            del index[key]
