"""Int and float stay different values inside the engine, cheaply."""

from __future__ import annotations

from congress.engine.values import IFloat, ingest_rows, norm, plain, plain_row


def test_integral_float_never_equals_int() -> None:
    three = norm(3.0)
    assert type(three) is IFloat
    integer = 3
    assert three != integer and integer != three
    assert {(3,), (three,)} == {(3,), (norm(3.0),)}
    assert len({(3,), (three,)}) == 2
    assert three == 3.0 and three == norm(3.0)


def test_only_integral_floats_are_wrapped() -> None:
    assert type(norm(2.5)) is float
    assert type(norm(3)) is int
    assert norm("3") == "3"


def test_plain_values_come_back_as_floats() -> None:
    assert type(plain(norm(1e300))) is float
    assert repr(norm(3.0)) == "3.0"
    assert plain_row((1, norm(2.0), "x")) == (1, 2.0, "x")
    assert type(plain_row((1, norm(2.0)))[1]) is float


def test_ingest_converts_datasource_values() -> None:
    rows = ingest_rows([[True, None], [{"k": 1}, [1, "a"]], ["café", 1.0], ("plain", 7)])
    assert rows[0] == ("True", "None")
    assert rows[1] == ("{'k': 1}", "[1, 'a']")
    assert rows[2] == ("café", norm(1.0)) and type(rows[2][1]) is IFloat
    assert rows[3] == ("plain", 7)
