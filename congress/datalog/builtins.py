"""The builtin tables: comparison, arithmetic, string, datetime, network and type checks.

A builtin ``name(a1, ..., an)`` takes its first ``num_inputs`` arguments as inputs
and the rest as outputs. ``Builtin.evaluate`` runs it on concrete inputs and
returns the output values, or ``None`` when the builtin does not hold for them:
a false test, or an input of the wrong type, a bad address or date, a division by
zero. A failure only removes that row; it is never an error of the policy.

Rules name builtins as ``builtin:lt(x, y)`` or bare ``lt(x, y)``. A literal is a
builtin only with the builtin's arity (``lt(x)`` is an ordinary table), while a
rule head may never use a builtin name (see ``is_builtin_name``).

Deliberate differences from the original (documented in ``tests/unit/datalog``):

* ``concat`` always produces a string; a number operand is rendered as in policy
  output (``concat("vm", 1)`` is ``"vm1"``); the original did Python ``+``.
* ``networks_overlap`` is symmetric; the original only tested whether the second
  network's first or last address lay inside the first network.
* ``minus``, ``mul`` and ``div`` take numbers only, and ``plus`` numbers or two
  strings (the original let ``mul("x", 10**9)`` build a gigabyte string).
* Dates are parsed with the standard library: ``YYYY-M-D``, ``YYYY-M-D H:M[:S[.f]]``
  (also with ``T``), ``H:M[:S]`` (today's date), and ISO 8601; time zones are
  dropped, as the original did. The original also guessed free-form dates.
"""

from __future__ import annotations

import datetime as dt
import ipaddress
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from oslo_config import types as oslo_types

from congress.datalog.ast import Value, render_value

BUILTIN_THEORY = "builtin"

Outputs = tuple[Value, ...]


@dataclass(frozen=True, slots=True)
class Builtin:
    """One builtin: ``function`` maps the inputs to a bool (a test) or to the outputs."""

    name: str
    group: str
    num_inputs: int
    arity: int
    function: Callable[..., object]
    z3_only: bool = False

    @property
    def num_outputs(self) -> int:
        return self.arity - self.num_inputs

    def evaluate(self, inputs: Sequence[Value]) -> Outputs | None:
        """The outputs for these inputs (``()`` for a test that holds), or None if it fails."""
        if len(inputs) != self.num_inputs:
            raise ValueError(f"{self.name} takes {self.num_inputs} inputs, got {len(inputs)}")
        try:
            result = self.function(*inputs)
        except Exception:  # any failure of a builtin only fails this row (the language's rule)
            return None
        if self.num_outputs == 0:
            return () if result else None
        outputs = result if isinstance(result, tuple) else (result,)
        return outputs if all(_is_value(v) for v in outputs) else None


def _is_value(value: object) -> bool:
    return isinstance(value, int | float | str) and not isinstance(value, bool)


def _number(value: Value) -> int | float:
    if not isinstance(value, int | float) or isinstance(value, bool):
        raise TypeError(f"not a number: {value!r}")
    return value


def _text(value: Value) -> str:
    if not isinstance(value, str):
        raise TypeError(f"not a string: {value!r}")
    return value


# -- comparison and arithmetic ----------------------------------------------------


def _lt(x: Value, y: Value) -> bool:
    return x < y


def _lteq(x: Value, y: Value) -> bool:
    return x <= y


def _equal(x: Value, y: Value) -> bool:
    return x == y


def _gt(x: Value, y: Value) -> bool:
    return x > y


def _gteq(x: Value, y: Value) -> bool:
    return x >= y


def _max(x: Value, y: Value) -> Value:
    return max(x, y)


def _plus(x: Value, y: Value) -> Value:
    if isinstance(x, str) and isinstance(y, str):
        return x + y
    return _number(x) + _number(y)


def _minus(x: Value, y: Value) -> Value:
    return _number(x) - _number(y)


def _mul(x: Value, y: Value) -> Value:
    return _number(x) * _number(y)


def _div(x: Value, y: Value) -> Value:
    """Floor division for two ints, true division otherwise (as the original)."""
    x, y = _number(x), _number(y)
    if isinstance(x, int) and isinstance(y, int):
        return x // y
    return x / y


def _float(x: Value) -> float:
    return float(x)


def _int(x: Value) -> int:
    return int(x)


def _bitwise_or(x: Value, y: Value) -> int:
    return _integer(x) | _integer(y)


def _bitwise_and(x: Value, y: Value) -> int:
    return _integer(x) & _integer(y)


def _bitwise_not(x: Value) -> int:
    return ~_integer(x)


def _integer(value: Value) -> int:
    if not isinstance(value, int) or isinstance(value, bool):
        raise TypeError(f"not an integer: {value!r}")
    return value


# -- strings ------------------------------------------------------------------------


def _concat(x: Value, y: Value) -> str:
    return _as_text(x) + _as_text(y)


def _as_text(value: Value) -> str:
    """A string as is; a number as it is printed in answers (``1``, ``2.5``)."""
    return value if isinstance(value, str) else render_value(_number(value))


def _len(x: Value) -> int:
    return len(_text(x))


# -- datetime -----------------------------------------------------------------------

DATETIME_FORMAT = "%Y-%m-%d %H:%M:%S"

_CLOCK = r"(?P<hour>\d{1,2}):(?P<minute>\d{1,2})(?::(?P<second>\d{1,2})(?:\.(?P<fraction>\d{1,6}))?)?"
_DATE_TIME = re.compile(rf"(?P<year>\d{{1,4}})-(?P<month>\d{{1,2}})-(?P<day>\d{{1,2}})(?:[ T]+{_CLOCK})?")
_TIME = re.compile(_CLOCK)
_TIMEDELTA_UNITS = ("seconds", "minutes", "hours", "days", "weeks")


def to_datetime(value: Value) -> dt.datetime:
    """Parse a date/time string; naive result, time zone dropped."""
    text = _text(value).strip()
    if match := _DATE_TIME.fullmatch(text):
        date = dt.date(int(match["year"]), int(match["month"]), int(match["day"]))
    elif match := _TIME.fullmatch(text):
        date = dt.date.today()
    else:
        return dt.datetime.fromisoformat(text).replace(tzinfo=None)
    fraction = (match["fraction"] or "0").ljust(6, "0")
    clock = dt.time(int(match["hour"] or 0), int(match["minute"] or 0), int(match["second"] or 0),
                    int(fraction))
    return dt.datetime.combine(date, clock)


def to_timedelta(value: Value) -> dt.timedelta:
    """A number of seconds, or ``"[[[[weeks:]days:]hours:]minutes:]seconds"``."""
    if isinstance(value, str):
        fields = value.split(":")
        if len(fields) > len(_TIMEDELTA_UNITS):
            raise ValueError(f"too many fields in duration {value!r}")
        amounts = zip(_TIMEDELTA_UNITS, reversed(fields), strict=False)
        return dt.timedelta(**{unit: int(amount) for unit, amount in amounts})
    return dt.timedelta(seconds=_number(value))


def _now() -> str:
    return dt.datetime.now().strftime(DATETIME_FORMAT)


def _unpack_date(x: Value) -> Outputs:
    d = to_datetime(x)
    return d.year, d.month, d.day


def _unpack_time(x: Value) -> Outputs:
    d = to_datetime(x)
    return d.hour, d.minute, d.second


def _unpack_datetime(x: Value) -> Outputs:
    return _unpack_date(x) + _unpack_time(x)


def _pack(separators: str) -> Callable[..., str]:
    """``pack_*``: the fields joined as the original did (no zero padding: ``2015-3-4``)."""

    def pack(*fields: Value) -> str:
        text = str(fields[0])
        for separator, field in zip(separators, fields[1:], strict=True):
            text += separator + str(field)
        return text

    return pack


def _extract_date(x: Value) -> str:
    return str(to_datetime(x).date())


def _extract_time(x: Value) -> str:
    return str(to_datetime(x).time())


def _datetime_to_seconds(x: Value) -> int:
    return int((to_datetime(x) - dt.datetime(1900, 1, 1)).total_seconds())


def _datetime_plus(x: Value, y: Value) -> str:
    return str(to_datetime(x) + to_timedelta(y))


def _datetime_minus(x: Value, y: Value) -> str:
    return str(to_datetime(x) - to_timedelta(y))


def _on_datetimes(compare: Callable[[Value, Value], bool]) -> Callable[[Value, Value], bool]:
    return lambda x, y: compare(to_datetime(x), to_datetime(y))


# -- network addresses ----------------------------------------------------------------

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _address(value: Value) -> Address:
    return ipaddress.ip_address(_text(value))


def _network(value: Value) -> Network:
    return ipaddress.ip_network(_text(value), strict=False)


def _on_addresses(compare: Callable[[object, object], bool]) -> Callable[[Value, Value], bool]:
    """Compare addresses; IPv4 sorts before IPv6, as in the original."""

    def key(value: Value) -> tuple[int, int]:
        address = _address(value)
        return address.version, int(address)

    return lambda x, y: compare(key(x), key(y))


def _networks_equal(x: Value, y: Value) -> bool:
    return _network(x) == _network(y)


def _networks_overlap(x: Value, y: Value) -> bool:
    a, b = _network(x), _network(y)
    return a.version == b.version and a.overlaps(b)


def _ip_in_network(x: Value, y: Value) -> bool:
    address, network = _address(x), _network(y)
    return address.version == network.version and address in network


# -- option type checks (the config validator's builtins) ----------------------------------


def _validation(check: Callable[[], object]) -> str:
    """``""`` when the check passes, else its error message."""
    try:
        check()
    except (ValueError, TypeError, re.error) as error:
        return str(error)
    return ""


def _optional(value: Value) -> Value | None:
    return None if value == "" else value


def _validate_int(minimum: Value, maximum: Value, value: Value) -> str:
    return _validation(lambda: oslo_types.Integer(min=_optional(minimum), max=_optional(maximum))(value))


def _validate_float(minimum: Value, maximum: Value, value: Value) -> str:
    return _validation(lambda: oslo_types.Float(min=_optional(minimum), max=_optional(maximum))(value))


def _validate_string(regex: Value, max_length: Value, quotes: Value, ignore_case: Value, value: Value) -> str:
    def check() -> object:
        if not isinstance(regex, str):
            raise TypeError(f"the regex must be a string, not {regex!r}")
        string_type = oslo_types.String(
            regex=_optional(regex), max_length=_optional(max_length), quotes=quotes, ignore_case=ignore_case
        )
        return string_type(value)

    return _validation(check)


# -- the registry -----------------------------------------------------------------------

_DEFINITIONS: tuple[tuple[str, str, int, int, Callable[..., object]], ...] = (
    # group, name, inputs, arity, function
    ("comparison", "lt", 2, 2, _lt),
    ("comparison", "lteq", 2, 2, _lteq),
    ("comparison", "equal", 2, 2, _equal),
    ("comparison", "gt", 2, 2, _gt),
    ("comparison", "gteq", 2, 2, _gteq),
    ("comparison", "max", 2, 3, _max),
    ("arithmetic", "plus", 2, 3, _plus),
    ("arithmetic", "minus", 2, 3, _minus),
    ("arithmetic", "mul", 2, 3, _mul),
    ("arithmetic", "div", 2, 3, _div),
    ("arithmetic", "float", 1, 2, _float),
    ("arithmetic", "int", 1, 2, _int),
    ("string", "concat", 2, 3, _concat),
    ("string", "len", 1, 2, _len),
    ("datetime", "now", 0, 1, _now),
    ("datetime", "unpack_date", 1, 4, _unpack_date),
    ("datetime", "unpack_time", 1, 4, _unpack_time),
    ("datetime", "unpack_datetime", 1, 7, _unpack_datetime),
    ("datetime", "pack_time", 3, 4, _pack("::")),
    ("datetime", "pack_date", 3, 4, _pack("--")),
    ("datetime", "pack_datetime", 6, 7, _pack("-- ::")),
    ("datetime", "extract_date", 1, 2, _extract_date),
    ("datetime", "extract_time", 1, 2, _extract_time),
    ("datetime", "datetime_to_seconds", 1, 2, _datetime_to_seconds),
    ("datetime", "datetime_plus", 2, 3, _datetime_plus),
    ("datetime", "datetime_minus", 2, 3, _datetime_minus),
    ("datetime", "datetime_lt", 2, 2, _on_datetimes(_lt)),
    ("datetime", "datetime_lteq", 2, 2, _on_datetimes(_lteq)),
    ("datetime", "datetime_gt", 2, 2, _on_datetimes(_gt)),
    ("datetime", "datetime_gteq", 2, 2, _on_datetimes(_gteq)),
    ("datetime", "datetime_equal", 2, 2, _on_datetimes(_equal)),
    ("network", "ips_equal", 2, 2, _on_addresses(_equal)),
    ("network", "ips_lt", 2, 2, _on_addresses(_lt)),
    ("network", "ips_lteq", 2, 2, _on_addresses(_lteq)),
    ("network", "ips_gt", 2, 2, _on_addresses(_gt)),
    ("network", "ips_gteq", 2, 2, _on_addresses(_gteq)),
    ("network", "networks_equal", 2, 2, _networks_equal),
    ("network", "networks_overlap", 2, 2, _networks_overlap),
    ("network", "ip_in_network", 2, 2, _ip_in_network),
    ("type", "validate_int", 3, 4, _validate_int),
    ("type", "validate_float", 3, 4, _validate_float),
    ("type", "validate_string", 5, 6, _validate_string),
)

_Z3_ONLY: tuple[tuple[str, int, int, Callable[..., object]], ...] = (
    ("or", 2, 3, _bitwise_or),
    ("and", 2, 3, _bitwise_and),
    ("bnot", 1, 2, _bitwise_not),
)

BUILTINS: dict[str, Builtin] = {
    name: Builtin(name, group, inputs, arity, function)
    for group, name, inputs, arity, function in _DEFINITIONS
} | {
    name: Builtin(name, "bitwise", inputs, arity, function, z3_only=True)
    for name, inputs, arity, function in _Z3_ONLY
}

# The builtins a z3 policy can hand to the solver (besides its bitwise ones).
Z3_SUPPORTED = frozenset({"lt", "lteq", "equal", "gt", "gteq", "plus", "minus", "mul", "or", "and", "bnot"})


def lookup(name: str, theory: str | None, z3: bool = False, *, arity: int | None = None) -> Builtin | None:
    """The builtin a literal refers to, or None.

    ``theory`` must be None or ``builtin`` (``nova:lt`` is a datasource table).
    ``z3`` admits the z3-only builtins. With ``arity``, a builtin of another
    arity does not match (``lt(x)`` is an ordinary table).
    """
    if theory not in (None, BUILTIN_THEORY):
        return None
    builtin = BUILTINS.get(name)
    if builtin is None or (builtin.z3_only and not z3):
        return None
    if arity is not None and arity != builtin.arity:
        return None
    return builtin


def is_builtin_name(name: str, z3: bool = False) -> bool:
    """Whether a table name is reserved for a builtin (a rule head may not use it)."""
    return lookup(name, None, z3) is not None
