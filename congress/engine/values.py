"""How values live inside the engine.

Rows are plain tuples of Python values: fast to hash, join and compare. The one
catch is that Python says ``3 == 3.0`` (and hashes them alike), while Congress
keeps int and float apart. Only integral floats can collide with ints, so only
they are wrapped, as ``IFloat``: a float that is equal only to floats. Ints,
strings and non-integral floats stay plain, so the common case costs nothing.

``norm`` wraps a value on its way in (facts, data, builtin results, query
constants); ``plain`` unwraps it on its way out (answers, rows) and before a
builtin sees it (``equal(1, 1.0)`` holds, as in the original).
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import chain
from typing import Any

from congress.datalog.ast import Value

Row = tuple[Any, ...]


_wrapped = False  # whether any IFloat was ever made: until then no row needs unwrapping


class IFloat(float):
    """An integral float (``3.0``) that never equals the int ``3``."""

    __slots__ = ()

    def __new__(cls, value: float) -> IFloat:
        global _wrapped
        _wrapped = True
        return float.__new__(cls, value)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and float.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not (isinstance(other, float) and float.__eq__(self, other))

    __hash__ = float.__hash__

    def __repr__(self) -> str:
        return float.__repr__(self)


def norm(value: Any) -> Any:
    """The engine's representation of a value (wraps integral floats)."""
    if type(value) is float and value.is_integer():
        return IFloat(value)
    return value


def plain(value: Any) -> Any:
    """The user-facing value (unwraps ``IFloat``)."""
    return float(value) if type(value) is IFloat else value


def plain_row(row: Row) -> Row:
    if not _wrapped:
        return row
    for value in row:
        if type(value) is IFloat:
            return tuple(plain(v) for v in row)
    return row


def plain_rows(rows: Iterable[Row]) -> list[Row]:
    """User-facing rows; when no value is an ``IFloat`` (one C-level scan) they are returned as is."""
    rows = list(rows)
    if _wrapped and IFloat in set(map(type, chain.from_iterable(rows))):
        return [plain_row(row) for row in rows]
    return rows


def to_congress(value: Any) -> Value:
    """A datasource value as Congress sees it: numbers and strings; anything else as text.

    ``None`` -> ``"None"``, booleans -> ``"True"``/``"False"``, containers -> ``str()``.
    Non-ASCII characters are kept (the original dropped them).
    """
    kind = type(value)
    if kind is str or kind is int:
        return value
    if kind is float or kind is IFloat:
        return norm(float(value))
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return norm(value)
    return str(value)


_PLAIN_TYPES = frozenset((str, int))


def ingest_rows(rows: Iterable[Iterable[Any]]) -> list[Row]:
    """Datasource rows as tuples of Congress values; when every cell is a str or an int
    (the common case, checked in one C-level pass) nothing is converted."""
    rows = rows if type(rows) is list else list(rows)
    if set(map(type, rows)) != {tuple}:
        rows = [row if type(row) is tuple else tuple(row) for row in rows]
    if set(map(type, chain.from_iterable(rows))) <= _PLAIN_TYPES:
        return rows
    return [tuple(map(to_congress, row)) for row in rows]
