"""Declarative translation of API objects (nested JSON) into Congress tables.

A driver declares one *root translator* per API listing. Four kinds exist, as in
the original Congress (see the package docstring for an example):

- ``HDict``: an object whose named fields become columns (one row per object).
- ``VDict``: a dict whose key/value pairs become rows.
- ``ListOf``: a list whose elements become rows.
- ``Scalar``: one cell, with an optional ``extract`` function and ``DataType``.

A container field links its child table to the parent row either by
``parent_key`` (a column of the immediate parent row is put first in every child
row) or by ``id_col`` (a deterministic md5 content hash, or a callable).
Declarations are validated when constructed, so a bad driver module fails at
import with a ``InvalidTranslator`` naming the table.

``translate(root, objects)`` returns ``{table: set of row tuples}`` for the root
table and every descendant table (empty tables included), with cells in the
internal Python types; ``table_schemas(root)`` returns the columns in the
reference order.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from congress.datasources.values import DataType, marshal
from congress.exceptions import CongressError

Row = tuple[Any, ...]
Tables = dict[str, set[Row]]
Extract = Callable[[Any], Any]
IdCol = str | Callable[[Any], Any] | None
Selector = Literal["dict", "dot"]

EMPTY_HASH = "d751713988987e9331980363e24189ce"  # md5 of "[]": the id of a None or empty child


class InvalidTranslator(CongressError):
    """A translator declaration that cannot work (a programming error in a driver module)."""

    code = "invalid_translator"


def content_hash(values: Iterable[Any]) -> str:
    """The original's order-independent md5 of cell values (tuples hash as JSON arrays)."""
    items = sorted(values, key=lambda x: str(type(x)) + repr(x))
    return hashlib.md5(json.dumps(items, sort_keys=True).encode("ascii")).hexdigest()


@dataclass(frozen=True, slots=True)
class Column:
    """One schema column: what the API shows (name, description) plus the type name, if any."""

    name: str
    desc: str | None = None
    type: str | None = None
    nullable: bool = True


@dataclass(frozen=True, slots=True)
class Scalar:
    """One cell. ``extract`` runs even on None; dicts/lists become their Python ``str()``."""

    extract: Extract | None = None
    type: DataType | None = None
    nullable: bool = True

    def convert(self, raw: Any) -> Any:
        value = self.extract(raw) if self.extract is not None else raw
        if isinstance(value, dict | list | set):
            value = str(value)
        return marshal(value, self.type)


@dataclass(frozen=True, slots=True)
class Field:
    """A field of an ``HDict``: read ``name`` from the object into column ``col`` (default ``name``)."""

    name: str
    translator: Translator = field(default_factory=Scalar)
    col: str | None = None
    desc: str | None = None

    @property
    def column(self) -> str:
        return self.col or self.name


@dataclass(frozen=True, slots=True)
class _Container:
    table: str
    parent_key: str | None = None
    parent_col: str = "parent_key"
    parent_key_desc: str | None = None
    id_col: IdCol = None
    extract: Extract | None = None

    def _link_column(self, parent_type: str | None = None) -> list[Column]:
        if isinstance(self.id_col, str):
            return [Column(self.id_col)]
        if self.id_col is not None:
            return [Column("id-col")]
        if self.parent_key is not None:
            return [Column(self.parent_col, self.parent_key_desc, parent_type)]
        return []

    def _check_link(self) -> None:
        if not self.table:
            raise InvalidTranslator("a translator needs a table name")
        if self.parent_key is not None and self.id_col is not None:
            raise InvalidTranslator(f"table {self.table!r}: parent_key and id_col cannot both be set")

    def _ident(self, hashed: list[Any], value: Any) -> Any:
        if isinstance(self.id_col, str):
            return content_hash(hashed)
        return self.id_col(value) if self.id_col is not None else None

    def _prefix(self, ident: Any, parent: Mapping[str, Any] | None) -> Row:
        if self.id_col is not None:
            return (ident,)
        if self.parent_key is not None:
            assert parent is not None
            return (parent[self.parent_key],)
        return ()


@dataclass(frozen=True, slots=True)
class HDict(_Container):
    """An object whose fields become the columns of one row (``in_list``: a list of such objects)."""

    fields: tuple[Field, ...] = ()
    in_list: bool = False
    selector: Selector = "dict"

    def __post_init__(self) -> None:
        self._check_link()
        if not self.fields:
            raise InvalidTranslator(f"table {self.table!r}: an HDict needs fields")
        if self.selector not in ("dict", "dot"):
            raise InvalidTranslator(f"table {self.table!r}: unknown selector {self.selector!r}")
        if self.in_list and self.parent_key is None:
            raise InvalidTranslator(f"table {self.table!r}: an in_list HDict must link by parent_key")
        names = [c.name for c in self.columns()]
        if len(set(names)) != len(names):
            raise InvalidTranslator(f"table {self.table!r}: duplicate column in {names}")
        row_keys = {f.column for f in self._columned_fields()}
        if self.parent_key is not None:
            row_keys.add(self.parent_col)
        for f in self.fields:
            child = f.translator
            if isinstance(child, Scalar):
                continue
            if child.parent_key is None and child.id_col is None:
                raise InvalidTranslator(
                    f"table {child.table!r}: a nested translator needs parent_key or id_col"
                )
            if child.parent_key is not None and child.parent_key not in row_keys:
                raise InvalidTranslator(
                    f"table {child.table!r}: parent_key {child.parent_key!r} is no column of {self.table!r}"
                )

    def _columned_fields(self) -> list[Field]:
        return [f for f in self.fields if isinstance(f.translator, Scalar) or f.translator.parent_key is None]

    def columns(self, parent_types: Mapping[str, str | None] | None = None) -> list[Column]:
        """Columns in order; an HDict's parent-key column takes the type of the parent column it copies."""
        cols = self._link_column((parent_types or {}).get(self.parent_key or ""))
        for f in self._columned_fields():
            t = f.translator
            if isinstance(t, Scalar):
                cols.append(Column(f.column, f.desc, t.type.name if t.type else None, t.nullable))
            else:
                cols.append(Column(f.column, f.desc))
        return cols

    def children(self) -> list[Translator]:
        return [f.translator for f in self.fields if not isinstance(f.translator, Scalar)]

    def _select(self, obj: Any, name: str) -> Any:
        if self.selector == "dot" and not isinstance(obj, Mapping):
            return getattr(obj, name, None)
        if not isinstance(obj, Mapping):
            raise TypeError(f"table {self.table!r}: expected an object, got {type(obj).__name__}")
        return obj.get(name)

    def convert(self, value: Any, parent: Mapping[str, Any] | None, out: Tables) -> Any:
        if self.in_list:
            for element in value:
                self._convert_one(element, parent, out)
            return None
        return self._convert_one(value, parent, out)

    def _convert_one(self, obj: Any, parent: Mapping[str, Any] | None, out: Tables) -> Any:
        row: dict[str, Any] = {}
        if self.parent_key is not None:
            assert parent is not None
            row[self.parent_col] = parent[self.parent_key]
        columned = self._columned_fields()
        for f in columned:
            raw = self._select(obj, f.name)
            t = f.translator
            row[f.column] = t.convert(raw) if isinstance(t, Scalar) else convert_child(t, raw, row, out)
        for f in self.fields:
            if f not in columned:
                convert_child(f.translator, self._select(obj, f.name), row, out)
        cells = tuple(row[f.column] for f in columned)
        ident = None
        if isinstance(self.id_col, str):
            ident = content_hash(cells)
        elif self.id_col is not None:
            ident = self.id_col(obj)
        link = (row[self.parent_col],) if self.parent_key is not None else ()
        out.setdefault(self.table, set()).add(((ident,) if self.id_col is not None else link) + cells)
        return ident


@dataclass(frozen=True, slots=True)
class VDict(_Container):
    """A dict whose (key, value) pairs become rows ``[link,] key_col, val_col``."""

    key_col: str = "key"
    val_col: str = "value"
    translator: Translator = field(default_factory=Scalar)

    def __post_init__(self) -> None:
        self._check_link()
        child = self.translator
        if isinstance(child, Scalar):
            return
        if child.parent_key is not None and child.parent_key != self.key_col:
            raise InvalidTranslator(f"table {child.table!r}: parent_key must be {self.key_col!r}")
        if child.parent_key is None and child.id_col is None:
            raise InvalidTranslator(f"table {child.table!r}: a nested translator needs parent_key or id_col")

    def columns(self) -> list[Column]:
        cols = self._link_column() + [Column(self.key_col)]
        child = self.translator
        if isinstance(child, Scalar) or child.parent_key is None:
            cols.append(Column(self.val_col))
        return cols

    def children(self) -> list[Translator]:
        return [] if isinstance(self.translator, Scalar) else [self.translator]

    def convert(self, value: Any, parent: Mapping[str, Any] | None, out: Tables) -> Any:
        if not isinstance(value, Mapping):
            raise TypeError(f"table {self.table!r}: expected a dict, got {type(value).__name__}")
        child = self.translator
        entries: list[Row] = []
        for key, raw in value.items():
            if isinstance(child, Scalar):
                entries.append((key, child.convert(raw)))
                continue
            child_id = convert_child(child, raw, {self.key_col: key}, out)
            entries.append((key,) if child.id_col is None else (key, child_id))
        ident = self._ident(entries, value)
        rows = out.setdefault(self.table, set())
        rows.update(self._prefix(ident, parent) + entry for entry in entries)
        return ident


@dataclass(frozen=True, slots=True)
class ListOf(_Container):
    """A list whose elements become rows ``[link,] val_col``; container elements need an ``id_col``."""

    val_col: str = "value"
    val_col_desc: str | None = None
    translator: Translator = field(default_factory=Scalar)

    def __post_init__(self) -> None:
        self._check_link()
        child = self.translator
        if not isinstance(child, Scalar) and child.id_col is None:
            raise InvalidTranslator(f"table {child.table!r}: a list element translator needs id_col")

    def columns(self) -> list[Column]:
        return self._link_column() + [Column(self.val_col, self.val_col_desc)]

    def children(self) -> list[Translator]:
        return [] if isinstance(self.translator, Scalar) else [self.translator]

    def convert(self, value: Any, parent: Mapping[str, Any] | None, out: Tables) -> Any:
        if isinstance(value, str | bytes | Mapping) or not isinstance(value, Iterable):
            raise TypeError(f"table {self.table!r}: expected a list, got {type(value).__name__}")
        child = self.translator
        if isinstance(child, Scalar):
            values = [child.convert(element) for element in value]
        else:
            values = [convert_child(child, element, None, out) for element in value]
        ident = self._ident(values, value)
        rows = out.setdefault(self.table, set())
        rows.update(self._prefix(ident, parent) + (v,) for v in values)
        return ident


Translator = HDict | VDict | ListOf | Scalar


def convert_child(child: Translator, raw: Any, parent: Mapping[str, Any] | None, out: Tables) -> Any:
    """Translate a nested value; None gives no rows and, for an id_col child, the empty-content hash."""
    assert not isinstance(child, Scalar)
    if raw is None:
        return EMPTY_HASH if child.id_col is not None else None
    value = child.extract(raw) if child.extract is not None else raw
    return child.convert(value, parent, out)


def walk(root: Translator) -> Iterator[HDict | VDict | ListOf]:
    """The root and all its descendant table translators, depth first."""
    if isinstance(root, Scalar):
        return
    yield root
    for child in root.children():
        yield from walk(child)


def table_schemas(root: HDict | VDict | ListOf) -> dict[str, list[Column]]:
    """Columns of the root table and every descendant, keyed by table name."""
    out: dict[str, list[Column]] = {}

    def visit(t: HDict | VDict | ListOf, parent_types: Mapping[str, str | None]) -> None:
        cols = t.columns(parent_types) if isinstance(t, HDict) else t.columns()
        out[t.table] = cols
        types = {c.name: c.type for c in cols} if isinstance(t, HDict) else {}
        for child in t.children():
            assert not isinstance(child, Scalar)
            visit(child, types)

    visit(root, {})
    return out


def fields(*specs: str | Field) -> tuple[Field, ...]:
    """Shorthand for field tuples: a bare name is an untyped, undescribed column of that name."""
    return tuple(s if isinstance(s, Field) else Field(s) for s in specs)


def translate(root: HDict | VDict | ListOf, objects: Iterable[Any]) -> Tables:
    """Rows of the root table and all its descendants for one API listing (each object translated alone)."""
    out: Tables = {t.table: set() for t in walk(root)}
    if root.extract is not None:
        objects = root.extract(objects)
    for obj in objects:
        root.convert(obj, None, out)
    return out


def check_roots(roots: Sequence[Translator]) -> None:
    """Validate a driver's root translators together: unique table names, no links to a missing parent."""
    seen: set[str] = set()
    for root in roots:
        if isinstance(root, Scalar):
            raise InvalidTranslator("a root translator must be an HDict, VDict or ListOf")
        if root.parent_key is not None or (isinstance(root, HDict) and root.in_list):
            raise InvalidTranslator(f"root table {root.table!r} cannot have parent_key or in_list")
        for t in walk(root):
            if t.table in seen:
                raise InvalidTranslator(f"table {t.table!r} is declared twice")
            seen.add(t.table)
