"""Fuzzing: no text makes the parser or the checks raise anything but a CongressError."""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.datalog.builtins import BUILTINS
from congress.datalog.checks import check_rule
from congress.datalog.parser import parse_query, parse_rule, parse_rules, parse_sequence
from congress.exceptions import CongressError

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])

VALID = [
    'p(1, 2.5, "abc")',
    "p(x) :- q(x), not r(x)",
    'execute[nova:servers.pause(x)] :- nova:servers(id=x, status="ACTIVE")',
    "p+(x, y) :- set(x, y); p-(x, old) :- set(x, y), p(x, old).",
    "q(1), r(1) :- true",
    "error(x) :- p(x, v1), p(x, v2), NOT builtin:equal(v1, v2) // comment",
    "/* block */ # hash\n a(x) :- b(x, 0=y), !c(y)",
    "p(r'raw', '''tri''', 00, 3., 1e3)",
]

# Pieces of the language, so that mutations stay close to valid text.
TOKENS = [
    "p", "q", "x", "nova", ":", ":-", "(", ")", "[", "]", ",", ";", ".", "=", "+", "-", "!", "not", "NOT",
    "execute", "insert", "true", "0", "00", "007", "1", "2.5", "3.", "1e3", "1e", '"', "'", '"a"', "'b'",
    '"""', "r", "b", "u", "//", "#", "/*", "*/", "\n", " ", "\\", "_", "é", "\x00", "0x1",
]

ENTRY_POINTS = (parse_rule, parse_rules, parse_query, parse_sequence)


def schemas(theory: str | None, table: str) -> tuple[str, ...] | None:
    return ("id", "status", "name") if theory == "nova" else None


def survives(text: str) -> None:
    for parse in ENTRY_POINTS:
        with contextlib.suppress(CongressError):
            parse(text)
    with contextlib.suppress(CongressError):
        for rule in parse_sequence(text):
            with contextlib.suppress(CongressError):
                check_rule(rule, schemas=schemas)


@FUZZ
@given(st.text(max_size=80))
def test_arbitrary_text(text):
    survives(text)


@FUZZ
@given(st.lists(st.sampled_from(TOKENS), max_size=25).map("".join))
def test_token_soup(text):
    survives(text)


@st.composite
def mutated(draw) -> str:
    text = draw(st.sampled_from(VALID))
    for _ in range(draw(st.integers(1, 4))):
        position = draw(st.integers(0, len(text)))
        action = draw(st.sampled_from(["insert", "delete", "replace"]))
        piece = draw(st.sampled_from(TOKENS) | st.text(max_size=3))
        if action == "insert":
            text = text[:position] + piece + text[position:]
        elif action == "delete":
            text = text[:position] + text[position + len(piece):]
        else:
            text = text[:position] + piece + text[position + len(piece):]
    return text


@FUZZ
@given(mutated())
def test_mutated_valid_rules(text):
    survives(text)


@FUZZ
@given(st.sampled_from(VALID[:3] + VALID[5:6]))
def test_valid_rules_round_trip(text):
    rule = parse_rule(text.split("//")[0])
    assert parse_rule(str(rule)) == rule


VALUES = st.one_of(
    st.integers(),
    st.floats(),
    st.text(max_size=20),
    st.sampled_from(["2015-03-04 05:06:07", "1:0:0", "10.0.0.1", "::1", "10.0.0.0/8", "", "0"]),
)


@FUZZ
@given(st.sampled_from(sorted(BUILTINS)), st.data())
def test_builtins_never_raise_on_any_values(name, data):
    builtin = BUILTINS[name]
    inputs = data.draw(st.lists(VALUES, min_size=builtin.num_inputs, max_size=builtin.num_inputs))
    outputs = builtin.evaluate(inputs)
    assert outputs is None or len(outputs) == builtin.num_outputs
