"""The bus codec: every message type survives a JSON round trip unchanged; nothing else travels."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass

import pytest
from hypothesis import given
from hypothesis import strategies as st

from congress.datalog.ast import Atom, ColumnRef, Constant, Location, Rule, Variable
from congress.datasources.interface import (
    ActionArg,
    ActionSpec,
    ColumnSpec,
    DriverInfo,
    DriverStatus,
    TableSpec,
)
from congress.dse.codec import CodecError, decode, encode, register_type
from congress.dse.messages import TableUpdate
from congress.engine.interface import ExecutionRequest, Proof, SimulationResult, StoredRule, TableDelta
from congress.exceptions import CongressError


def wire(value):
    """What the other process decodes: the encoded value after a trip through JSON text."""
    return decode(json.loads(json.dumps(encode(value))))


ATOM = Atom(
    "servers",
    (Variable("x"), Constant(3), Constant(3.0), Constant("a")),
    theory="nova",
    column_refs=(ColumnRef("id", Variable("y")), ColumnRef(0, Constant(1))),
    location=Location(2, 5),
)
RULE = Rule(Atom("p", (Variable("x"),)), (ATOM, Atom("q", (Variable("x"),), negated=True)), Location(1, 1))

MESSAGES = [
    TableUpdate("nova", "servers", insert=(("s1", 1, 2.5), ("s2", 2, 0.0)), delete=(("s0", 0, 1.0),)),
    TableUpdate("nova", "flavors", insert=(("m1", 1),), replace=True),
    TableDelta("classification", "error", inserted=(("vm1",),), deleted=()),
    ExecutionRequest("alpha", "nova", "servers.pause", ("vm1", 7)),
    StoredRule("id-1", RULE, "p(x) :- nova:servers(x)"),
    SimulationResult([ATOM, RULE], trace="RULE ..."),
    Proof(ATOM, RULE, (Proof(Atom("q", (Constant(1),)), None),)),
    Atom("execute", (), modal="execute", update="+"),
    ColumnSpec("id", "the id"),
    TableSpec("servers", (ColumnSpec("id"), ColumnSpec("name", None))),
    ActionSpec("servers.pause", "pause a server", (ActionArg("server", "id"),)),
    DriverInfo("nova", "OpenStack Nova", {"auth_url": "required"}, ("password",), (), module="m"),
    DriverInfo("push", "push", {}, None, ()),
    DriverStatus(True, "2026-01-01", None, 3, ["servers"], {"servers": 2}),
]


@pytest.mark.parametrize("message", MESSAGES, ids=lambda m: type(m).__name__)
def test_every_message_type_round_trips_equal_and_typed(message):
    back = wire(message)
    assert back == message
    assert type(back) is type(message)


def test_rows_stay_tuples_and_ints_stay_apart_from_floats_and_bools():
    update = wire(TableUpdate("ds", "t", insert=((1, 1.0, True, "1", None),)))
    (row,) = update.insert
    assert type(update.insert) is tuple and type(row) is tuple
    assert [type(v) for v in row] == [int, float, bool, str, type(None)]
    # Constant compares on the value's type: 3 and 3.0 are different constants.
    assert wire(Constant(3)) != Constant(3.0) and wire(Constant(3.0)) == Constant(3.0)


def test_location_survives_although_atoms_do_not_compare_it():
    assert wire(ATOM).location == Location(2, 5)
    assert wire(RULE).location == Location(1, 1)


def test_containers_keep_their_kind_and_non_string_keys():
    value = {"rows": {("a", 1), ("b", 2)}, ("k", 1): frozenset({1.5}), 3: [1, (2,)], "": {}}
    back = wire(value)
    assert back == value
    assert type(back["rows"]) is set and type(back[("k", 1)]) is frozenset
    assert back[3] == [1, (2,)] and type(back[3][1]) is tuple


def test_a_payload_dict_that_looks_like_a_tag_is_data_not_a_type():
    value = {"__type__": "TableUpdate", "fields": {"datasource": "x"}}
    assert wire(value) == value


def test_non_finite_floats_round_trip():
    back = wire((math.inf, -math.inf, math.nan))
    assert back[:2] == (math.inf, -math.inf) and math.isnan(back[2])


@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(),
        lambda inner: st.lists(inner) | st.tuples(inner, inner) | st.dictionaries(st.text(), inner),
        max_leaves=20,
    )
)
def test_any_nesting_of_builtins_round_trips_with_exact_types(value):
    back = wire(value)
    assert back == value
    assert _shape(back) == _shape(value)


def _shape(value):
    """The type tree of a value: equality of shapes catches 1 == 1.0 == True and [] == ()."""
    if isinstance(value, (list, tuple)):
        return (type(value), [_shape(v) for v in value])
    if isinstance(value, dict):
        return (dict, sorted((k, _shape(v)) for k, v in value.items()))
    return type(value)


@dataclass
class NotAllowed:
    x: int


def test_unregistered_dataclass_and_other_objects_are_rejected_on_encode():
    with pytest.raises(CodecError, match="NotAllowed cannot travel"):
        encode(TableUpdate("ds", "t", insert=((NotAllowed(1),),)))
    with pytest.raises(CodecError):
        encode(object())
    with pytest.raises(CodecError):
        encode(b"bytes")
    assert issubclass(CodecError, CongressError)


@pytest.mark.parametrize(
    "data",
    [
        {"__type__": "NotAllowed", "fields": {"x": 1}},
        {"__type__": "Popen", "fields": {"args": ["sh"]}},
        {"__type__": "TableUpdate", "fields": {"no_such_field": 1}},
        {"__type__": "TableUpdate", "fields": [1]},
        {"__pickle__": []},
        {"__tuple__": 1},
        {"__dict__": [[1, 2, 3]]},
        {"a": 1, "b": 2, "c": 3},
        {"plain": 1},
    ],
)
def test_unknown_or_malformed_data_is_rejected_on_decode(data):
    with pytest.raises(CodecError):
        decode(data)


def test_registering_is_explicit_and_names_are_unique():
    @dataclass(frozen=True)
    class Ping:
        n: int

    with pytest.raises(CodecError):
        encode(Ping(1))
    register_type(Ping)
    assert wire(Ping(1)) == Ping(1)

    Clash = dataclass(type("Ping", (), {"__annotations__": {"n": int}}))
    with pytest.raises(CodecError, match="already registered"):
        register_type(Clash)
    with pytest.raises(CodecError, match="not a dataclass"):
        register_type(int)
