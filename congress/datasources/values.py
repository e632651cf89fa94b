"""Cell values: Congress data types for translated columns, and rendering for policies.

Drivers keep rows with the Python types the API gave (``None``, ``bool``, ``int``,
``float``, ``str``); ``to_congress`` renders a cell the way the original
``value_to_congress`` did before facts reach the policy engine or the API.
"""

from __future__ import annotations

import ipaddress
import logging
import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from congress.datalog.ast import Value

LOG = logging.getLogger(__name__)


def to_congress(value: Any) -> Value:
    """None -> 'None', booleans -> 'True'/'False', strings lose non-ASCII characters."""
    if value is None or isinstance(value, bool):
        return str(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        return value if value.isascii() else value.encode("ascii", "ignore").decode("ascii")
    return str(value)


def render_row(row: Iterable[Any]) -> tuple[Value, ...]:
    return tuple(to_congress(v) for v in row)


@dataclass(frozen=True, slots=True)
class _Exact:
    """A cell that Python would find equal to a value of another type (``True == 1 == 1.0``)."""

    kind: type
    value: Any


def row_key(row: tuple[Any, ...]) -> tuple[Any, ...]:
    """``row`` as a set or dict key that keeps ``1``, ``1.0`` and ``True`` apart.

    Most rows hold no bool and no integral float, and are their own key.
    """
    for value in row:
        kind = type(value)
        if kind is bool or (kind is float and value.is_integer()):
            return tuple(_Exact(type(v), v) if type(v) in (bool, float) else v for v in row)
    return row


def non_finite(row: Iterable[Any]) -> float | None:
    """The first NaN or infinity in ``row`` (no JSON, database or policy can hold one), else None."""
    for value in row:
        if type(value) is float and not math.isfinite(value):
            return value
    return None


@dataclass(frozen=True, slots=True)
class DataType:
    """A column type; ``marshal`` normalises a non-None value or raises ValueError/TypeError."""

    name: str

    def marshal(self, value: Any) -> Any:
        kind = self.name
        if kind == "Str":
            if not isinstance(value, str):
                raise TypeError(f"{value!r} is not a string")
            return value
        if kind == "Bool":
            if not isinstance(value, bool):
                raise TypeError(f"{value!r} is not a boolean")
            return value
        if kind == "Int":
            if isinstance(value, float) and value.is_integer():
                return int(value)
            if isinstance(value, bool) or not isinstance(value, int):
                raise TypeError(f"{value!r} is not an integer")
            return value
        if kind == "Float":
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise TypeError(f"{value!r} is not a number")
            return float(value)
        if kind == "IPAddress":
            address = ipaddress.ip_address(value)
            if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
                return str(address.ipv4_mapped)
            return str(address)
        if kind == "IPNetwork":
            return str(ipaddress.ip_network(value))
        raise TypeError(f"unknown data type {kind}")


@dataclass(frozen=True, slots=True)
class EnumType(DataType):
    """A closed set of values; out-of-domain values map to ``catch_all`` or raise when there is none."""

    domain: tuple[Any, ...] = ()
    catch_all: Any = None

    def marshal(self, value: Any) -> Any:
        if any(type(value) is type(v) and value == v for v in self.domain):
            return value
        if self.catch_all is not None:
            return self.catch_all
        raise ValueError(f"{value!r} is not one of {list(self.domain)}")


Str = DataType("Str")
Int = DataType("Int")
Float = DataType("Float")
Bool = DataType("Bool")
IPAddress = DataType("IPAddress")
IPNetwork = DataType("IPNetwork")


def marshal(value: Any, data_type: DataType | None) -> Any:
    """Apply ``data_type`` to a non-None value; on failure log and keep the value (never drop a row)."""
    if data_type is None or value is None:
        return value
    try:
        return data_type.marshal(value)
    except (TypeError, ValueError) as exc:
        LOG.debug("value %r does not fit type %s: %s", value, data_type.name, exc)
        return value
