"""The parser's regular-expression fast path builds exactly what the Lark grammar builds.

Whenever ``_fast_atoms`` accepts a text, Lark must accept it too, with one single-atom statement
per fast atom, equal atoms (int/float/str kept apart) at the same locations; when it declines,
the public entry points still answer (through Lark). The generated texts are mostly near the
fast path's language, with pieces that push them out of it.
"""

from __future__ import annotations

import contextlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from congress.datalog import parser
from congress.datalog.ast import Constant
from congress.exceptions import CongressError

PROPERTY = settings(max_examples=600, deadline=None, suppress_health_check=[HealthCheck.too_slow])

WHITESPACE = st.sampled_from(["", "", " ", "  ", "\n", "\t", " \r\n ", "\f", "\v"])
NAMES = st.sampled_from(["p", "q", "x", "y_1", "nova", "servers", "a.b", "not", "NOT", "nothing", "_", "p."])
INTS = st.sampled_from(["0", "00", "007", "1", "42", "10", "9" * 30])
FLOATS = st.sampled_from(["2.5", "3.", ".5", "1e3", "1E-2", "1.5e+3", "1e999", "0.0", "1e", "1.2.3"])
STRINGS = st.sampled_from([
    '"a"', '""', "'b'", '"a b"', '"x,)"', '"a\\"b"', "'it\\'s'", '"#"', '"//c"', '"""t"""', "r'raw'",
    '"é"', '"\\n"', '"unterminated', '"a\nb"', '"a\\\nb"', "u'x'",
])
TERMS = NAMES | INTS | FLOATS | STRINGS | st.sampled_from(["-1", "x=1", "0=y", ""])
SEPARATORS = st.sampled_from(["", "", ";", ".", " ; ", ";;", ". .", ",", ":-", "//c\n", "#h\n", "/*c*/"])
# Pieces that stay inside the fast path's language, so that most texts exercise it.
GOOD_WHITESPACE = st.sampled_from(["", "", " ", "\n", "\t ", "\r\n"])
GOOD_NAMES = st.sampled_from(["p", "q", "x", "y_1", "nova", "servers", "a.b", "nothing", "_", "Not"])
GOOD_TERMS = GOOD_NAMES | st.sampled_from([
    "0", "00", "1", "42", "2.5", "3.", ".5", "1e3", "1E-2", "1.5e+3", "0.0", '"a"', '""', "'b'", '"x,)"',
    '"a\\"b"', "'it\\'s'", '"#"', '"//c"', '"é"', '"a\\\nb"', "'(\"'",
]) | st.integers(0, 10**6).map(str) | st.floats(0, 1e9, allow_nan=False).map(repr)
GOOD_SEPARATORS = st.sampled_from(["", " ", ";", ".", " ; ", ";;", ". .", "\n"])


@st.composite
def atom_text(draw, good: bool) -> str:
    spaces, names = (GOOD_WHITESPACE, GOOD_NAMES) if good else (WHITESPACE, NAMES)
    ws = lambda: draw(spaces)  # noqa: E731
    name = draw(names)
    if draw(st.booleans()):
        name = f"{draw(names)}{ws()}:{ws()}{name}"
    update = draw(st.sampled_from(["", "+", "-"] if good else ["", "", "+", "-", "+-"]))
    terms = draw(st.lists(GOOD_TERMS if good else TERMS, max_size=4))
    arguments = f"{ws()},{ws()}".join(f"{ws()}{t}{ws()}" for t in terms)
    if not good and draw(st.integers(0, 9)) == 0:
        return f"{name}{ws()}{update}"  # no argument list
    return f"{name}{ws()}{update}{ws()}({arguments})"


@st.composite
def sequence_text(draw) -> str:
    good = draw(st.booleans())
    separators, spaces = (GOOD_SEPARATORS, GOOD_WHITESPACE) if good else (SEPARATORS, WHITESPACE)
    atoms = draw(st.lists(atom_text(good), max_size=4))
    pieces = [draw(separators)]
    for atom in atoms:
        pieces += [draw(spaces), atom, draw(spaces), draw(separators)]
    return "".join(pieces)


def same_term(a, b) -> bool:
    if isinstance(a, Constant):
        return isinstance(b, Constant) and type(a.value) is type(b.value) and a.value == b.value
    return a == b


@PROPERTY
@given(sequence_text())
def test_fast_atoms_equal_lark_statements(text):
    fast = parser._fast_atoms(text)
    if fast is None:
        return
    statements = parser._statements(text)  # raises if Lark refuses what the fast path accepted
    assert len(statements) == len(fast)
    for statement, atom in zip(statements, fast, strict=True):
        assert statement.body is None
        assert len(statement.heads) == 1
        head = statement.heads[0]
        assert head == atom
        assert all(same_term(a, b) for a, b in zip(head.args, atom.args, strict=True))
        assert head.location == atom.location
        assert statement.location == atom.location


@PROPERTY
@given(sequence_text())
def test_ground_updates_are_the_sequence_rules_values(text):
    """``parse_ground_updates`` answers exactly for texts of ground update atoms, with their values."""
    updates = parser.parse_ground_updates(text)
    atoms = parser._fast_atoms(text)
    ground = atoms is not None and all(a.update and a.is_ground() for a in atoms)
    assert (updates is not None) == ground
    if updates is not None:
        assert updates == [(a.theory, a.table, a.update, tuple(t.value for t in a.args)) for a in atoms]
        assert [tuple(map(type, values)) for *_, values in updates] == [
            tuple(type(t.value) for t in a.args) for a in atoms
        ]


def outcome(parse, text):
    try:
        result = parse(text)
    except CongressError as error:
        return type(error), error.message
    rules = result if isinstance(result, list) else [result]
    return [(repr(r), getattr(r, "location", None)) for r in rules]


def lark_steps(text):
    steps = []
    for statement in parser._statements(text):
        parser._check_heads(statement)
        body = statement.body or ()
        steps.append(tuple(parser.Rule(h, body, location=h.location) for h in statement.heads))
    return steps


@PROPERTY
@given(sequence_text())
def test_entry_points_answer_as_lark_alone(text):
    """Each public entry point gives the same result or error with and without the fast path."""
    lark_only = {
        parser.parse_sequence_steps: lark_steps,
        parser.parse_rules: lambda t: [parser._to_rule(s) for s in parser._statements(t)],
        parser.parse_rule: lambda t: parser._to_rule(parser._single(parser._statements(t))),
    }
    for parse, reference in lark_only.items():
        with contextlib.suppress(CongressError):  # Lark's own checks on heads may refuse; compare below
            reference(text)
        assert outcome(parse, text) == outcome(reference, text)


def test_common_texts_take_the_fast_path():
    sequence = 'nova:servers+("srv-1", "web", 3, 2.5) neutronv2:ports+("p-1", "srv-1", "net-9")'
    assert parser._fast_atoms(sequence) is not None
    assert parser._fast_atoms("error(x)") is not None
    steps = parser.parse_sequence_steps(sequence)
    assert [str(rule) for (rule,) in steps] == [
        'nova:servers+("srv-1", "web", 3, 2.5)', 'neutronv2:ports+("p-1", "srv-1", "net-9")'
    ]
    assert [type(t.value) for t in steps[0][0].head.args] == [str, str, int, float]
    assert parser.parse_ground_updates(sequence)[0] == ("nova", "servers", "+", ("srv-1", "web", 3, 2.5))
    assert parser.parse_ground_updates("p+(x)") is None and parser.parse_ground_updates("set(1)") is None


def test_texts_outside_the_fast_path_still_parse_or_fail_as_before():
    assert parser._fast_atoms("p(x) :- q(x)") is None
    assert str(parser.parse_rule("p(x) :- q(x)")) == "p(x) :- q(x)"
    for text in ("p(01)", "not(1)", "p(1e999)", "p+(-1)"):
        assert parser._fast_atoms(text) is None
        assert issubclass(outcome(parser.parse_rule, text)[0], CongressError)
