"""Indexed relations: the rows of one table with hash indexes on column sets.

A relation maps each present row to its derivation count (how many facts and
rule instantiations support it; recursive tables just keep 1). Indexes map the
values of a set of columns -- the bare value for one column, a tuple for
several -- to the set of rows having them. Buckets that become empty are
removed, so ``key in index`` means "some row matches". Indexes are built the
first time a rule plan asks for them and kept up to date on every change.
"""

from __future__ import annotations

from collections.abc import Iterable

from congress.engine.values import Row

Columns = tuple[int, ...]


class Relation:
    __slots__ = ("name", "rows", "indexes")

    def __init__(self, name: str) -> None:
        self.name = name
        self.rows: dict[Row, int] = {}
        self.indexes: dict[Columns, dict] = {}

    def __len__(self) -> int:
        return len(self.rows)

    def __contains__(self, row: Row) -> bool:
        return row in self.rows

    def index(self, columns: Columns) -> dict:
        """The index on ``columns``, built now if no plan needed it before."""
        found = self.indexes.get(columns)
        if found is None:
            found = {}
            _index_add(found, columns, self.rows)
            self.indexes[columns] = found
        return found

    def lookup(self, columns: Columns, values: tuple) -> Iterable[Row]:
        key = values[0] if len(columns) == 1 else values
        return self.index(columns).get(key, ())

    def add(self, rows: Iterable[Row], count: int = 1) -> None:
        """Add rows that are not present yet, each with ``count`` derivations."""
        rows = list(rows)
        stored = self.rows
        for row in rows:
            stored[row] = count
        for columns, index in self.indexes.items():
            _index_add(index, columns, rows)

    def add_counted(self, counted: Iterable[tuple[Row, int]]) -> None:
        counted = list(counted)
        self.rows.update(counted)
        if self.indexes:
            rows = [row for row, _ in counted]
            for columns, index in self.indexes.items():
                _index_add(index, columns, rows)

    def remove(self, rows: Iterable[Row]) -> None:
        """Remove present rows."""
        rows = list(rows)
        stored = self.rows
        for row in rows:
            del stored[row]
        for columns, index in self.indexes.items():
            _index_remove(index, columns, rows)

    def clear(self) -> None:
        self.rows.clear()
        for index in self.indexes.values():
            index.clear()


def _index_add(index: dict, columns: Columns, rows: Iterable[Row]) -> None:
    if len(columns) == 1:
        (col,) = columns
        for row in rows:
            key = row[col]
            bucket = index.get(key)
            if bucket is None:
                index[key] = {row}
            else:
                bucket.add(row)
    else:
        for row in rows:
            key = tuple([row[c] for c in columns])
            bucket = index.get(key)
            if bucket is None:
                index[key] = {row}
            else:
                bucket.add(row)


def _index_remove(index: dict, columns: Columns, rows: Iterable[Row]) -> None:
    single = columns[0] if len(columns) == 1 else None
    for row in rows:
        key = row[single] if single is not None else tuple([row[c] for c in columns])
        bucket = index[key]
        bucket.discard(row)
        if not bucket:
            del index[key]
