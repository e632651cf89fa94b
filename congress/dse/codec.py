"""Bus payloads to JSON-able data and back, without pickle.

Only builtins and the dataclasses on an explicit allow-list cross a process
boundary. Containers JSON cannot tell apart are tagged (``{"__tuple__": [...]}``)
so a row stays a tuple and a set stays a set; every dict is tagged too, so a
payload dict can never be mistaken for a tag. A dataclass becomes
``{"__type__": "TableUpdate", "fields": {...}}`` and is rebuilt only if its tag
is registered. Ints and floats are kept apart by JSON itself (``3`` vs ``3.0``),
and bools are not ints here either.
"""

from __future__ import annotations

import dataclasses
from typing import Any

from congress.datalog import ast
from congress.datasources import interface as ds
from congress.dse import messages
from congress.engine import interface as engine
from congress.exceptions import CongressError

TYPE, FIELDS = "__type__", "fields"
_CONTAINERS: dict[str, type] = {"__tuple__": tuple, "__set__": set, "__frozenset__": frozenset}
_DICT = "__dict__"
_SCALARS = (str, int, float, bool, type(None))


class CodecError(CongressError):
    """A value that may not travel on the bus, or a message that does not decode."""


_REGISTRY: dict[str, type] = {}


def register_type(cls: type) -> type:
    """Allow a dataclass on the bus under its class name; usable as a class decorator."""
    if not dataclasses.is_dataclass(cls):
        raise CodecError(f"{cls.__qualname__} is not a dataclass")
    known = _REGISTRY.setdefault(cls.__name__, cls)
    if known is not cls:
        raise CodecError(f"another type is already registered as {cls.__name__!r}: {known.__module__}")
    return cls


for _cls in (
    messages.TableUpdate,
    engine.TableDelta,
    engine.ExecutionRequest,
    engine.StoredRule,
    engine.SimulationResult,
    engine.Proof,
    ds.ColumnSpec,
    ds.TableSpec,
    ds.ActionArg,
    ds.ActionSpec,
    ds.DriverInfo,
    ds.DriverStatus,
    ast.Location,
    ast.Variable,
    ast.Constant,
    ast.ColumnRef,
    ast.Atom,
    ast.Rule,
):
    register_type(_cls)


def encode(value: Any) -> Any:
    """``value`` as JSON-able data; raises CodecError for anything not allowed."""
    if isinstance(value, _SCALARS):
        return value
    if isinstance(value, list):
        return [encode(v) for v in value]
    if isinstance(value, dict):
        return {_DICT: [[encode(k), encode(v)] for k, v in value.items()]}
    for tag, kind in _CONTAINERS.items():
        if type(value) is kind:
            return {tag: [encode(v) for v in value]}
    cls = type(value)
    if _REGISTRY.get(cls.__name__) is cls:
        fields = {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
        return {TYPE: cls.__name__, FIELDS: fields}
    raise CodecError(f"a {cls.__module__}.{cls.__qualname__} cannot travel on the bus")


def decode(data: Any) -> Any:
    """The value ``encode`` turned into ``data``; raises CodecError for unknown tags or shapes."""
    if isinstance(data, _SCALARS):
        return data
    if isinstance(data, list):
        return [decode(v) for v in data]
    if not isinstance(data, dict) or len(data) not in (1, 2):
        raise CodecError(f"undecodable bus data: {type(data).__name__}")
    if len(data) == 1:
        ((tag, items),) = data.items()
        if not isinstance(items, list):
            raise CodecError(f"undecodable bus data under {tag!r}")
        if tag == _DICT:
            return {decode(k): decode(v) for k, v in _pairs(items)}
        if tag in _CONTAINERS:
            return _CONTAINERS[tag](decode(v) for v in items)
        raise CodecError(f"unknown bus data tag {tag!r}")
    return _decode_dataclass(data)


def _pairs(items: list) -> list:
    if not all(isinstance(p, list) and len(p) == 2 for p in items):
        raise CodecError("undecodable bus dict")
    return items


def _decode_dataclass(data: dict) -> Any:
    tag, fields = data.get(TYPE), data.get(FIELDS)
    cls = _REGISTRY.get(tag) if isinstance(tag, str) else None
    if cls is None:
        raise CodecError(f"type {tag!r} is not allowed on the bus")
    if not isinstance(fields, dict):
        raise CodecError(f"undecodable fields of {tag}")
    try:
        return cls(**{name: decode(v) for name, v in fields.items()})
    except TypeError as exc:
        raise CodecError(f"undecodable {tag}: {exc}") from exc
