"""The parser: every construct, locations, error messages, round trips."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest

from congress.datalog.ast import Atom, ColumnRef, Constant, Location, Rule, Variable
from congress.datalog.parser import (
    parse_query,
    parse_rule,
    parse_rules,
    parse_sequence,
    parse_sequence_steps,
)
from congress.exceptions import MultipleRules, PolicySyntaxError

x, y = Variable("x"), Variable("y")


def atom(table: str, *args, **kw) -> Atom:
    return Atom(table, tuple(a if isinstance(a, Variable) else Constant(a) for a in args), **kw)


# -- statements ----------------------------------------------------------------


def test_fact_with_every_value_type():
    rule = parse_rule('p(1, 2.5, "abc", \'d\')')
    assert rule == Rule(atom("p", 1, 2.5, "abc", "d"))
    assert rule.is_fact


def test_zero_arity_atom_is_empty_call():
    assert parse_rule("p") == parse_rule("p()") == Rule(Atom("p"))
    assert str(parse_rule("p")) == "p()"


def test_rule_with_negations_in_every_spelling():
    rule = parse_rule("p(x) :- q(x), not r(x), NOT s(x), !t(x)")
    assert rule.head == atom("p", x)
    assert [(b.table, b.negated) for b in rule.body] == [
        ("q", False), ("r", True), ("s", True), ("t", True),
    ]


def test_true_body_is_kept_as_a_literal():
    rule = parse_rule('group("x", "IT") :- true')
    assert rule.body == (Atom("true"),)


def test_theory_prefix_and_dotted_names():
    rule = parse_rule("execute[nova:servers.pause(x)] :- nova:servers.addresses(x, y)")
    assert rule.head == Atom("servers.pause", (x,), theory="nova", modal="execute")
    assert rule.body[0] == Atom("servers.addresses", (x, y), theory="nova")


def test_insert_and_delete_modals_parse():
    assert parse_rule("insert[p(x)] :- q(x)").head.modal == "insert"
    assert parse_rule("delete[p(x)] :- q(x)").head.modal == "delete"


def test_unknown_modal_is_rejected():
    with pytest.raises(PolicySyntaxError, match="unknown modal foo"):
        parse_rule("foo[p(x)] :- q(x)")


def test_update_suffix():
    assert parse_rule("p+(1)").head.update == "+"
    assert parse_rule("nova:servers-(1, 2)").head == atom("servers", 1, 2, theory="nova", update="-")
    assert str(parse_rule("test2:p+(1)")) == "test2:p+(1)"


def test_column_references_by_name_and_number():
    head = parse_rule('nova:servers(x, id=y, 2="ACTIVE")').head
    assert head.args == (x,)
    assert head.column_refs == (ColumnRef("id", y), ColumnRef(2, Constant("ACTIVE")))


def test_positional_arguments_keep_order_around_column_refs():
    head = parse_rule("nova:servers(id=x, y, 3=z, w)").head
    assert head.args == (y, Variable("w"))


def test_integers():
    assert parse_rule("i(00)").head.args == (Constant(0),)
    big = 123456789012345678901234567890
    assert parse_rule(f"i({big})").head.args == (Constant(big),)


@pytest.mark.parametrize(
    ("text", "value"),
    [("2.5", 2.5), ("1e3", 1000.0), ("3.", 3.0), ("1E-5", 1e-05), (".5", 0.5), (".5e1", 5.0),
     ("1.5e+2", 150.0)],
)
def test_floats(text, value):
    (arg,) = parse_rule(f"f({text})").head.args
    assert arg == Constant(value) and isinstance(arg.value, float)


def test_int_and_float_constants_differ():
    assert parse_rule("p(1)") != parse_rule("p(1.0)")


@pytest.mark.parametrize(
    ("text", "value"),
    [
        (r'"esc\"quote"', r"esc\"quote"),  # escapes kept verbatim, as the original did
        (r"'a\nb'", r"a\nb"),
        ('""', ""),
        ('r"raw"', "raw"),  # prefixed and triple-quoted: decoded by Python
        (r'u"a\tb"', "a\tb"),
        ('"""tri"ple"""', 'tri"ple'),
        ("'''x\ny'''", "x\ny"),
    ],
)
def test_strings(text, value):
    assert parse_rule(f"s({text})").head.args == (Constant(value),)


def test_plain_string_renders_with_double_quotes_unescaped():
    assert str(parse_rule("s('abc')")) == 's("abc")'
    assert str(parse_rule(r's("esc\"quote")')) == r's("esc\"quote")'


def test_comments_everywhere():
    text = """
    // line comment
    # hash comment
    p(1) /* block
    comment */ ;
    q(x) :- p(x)  // trailing
    """
    assert [str(r) for r in parse_rules(text)] == ["p(1)", "q(x) :- p(x)"]


def test_terminators_are_optional_and_may_repeat():
    assert len(parse_rules("p(1); p(2). p(3) ;; p(4)")) == 4
    assert parse_rule("p(x) :- q(x);") == parse_rule("p(x):-q(x)")


def test_name_does_not_swallow_terminating_dot():
    assert parse_rules("p. q.") == [Rule(Atom("p")), Rule(Atom("q"))]


def test_statements_without_separator():
    assert [str(r) for r in parse_rules("p(x) :- q(x) r(1)")] == ["p(x) :- q(x)", "r(1)"]


def test_empty_policy_text():
    assert parse_rules("  // nothing\n") == []


# -- round trips ----------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "p(1, 2.5, \"abc\")",
        "p(x) :- q(x), not r(x)",
        "execute[nova:servers.pause(x)] :- q(x)",
        "p+(x, y) :- set(x, y)",
        "p-(x, old) :- set(x, y), p(x, old)",
        "error(x) :- nova:servers(x, y), builtin:lt(y, 3)",
        "p(123456789012345678901234567890, 1e+300, 0.1)",
        "query() :- q(1), r(2)",
    ],
)
def test_round_trip(text):
    rule = parse_rule(text)
    assert str(rule) == text
    assert parse_rule(str(rule)) == rule


# -- locations ------------------------------------------------------------------


def test_locations_of_rules_and_literals():
    rules = parse_rules("p(1)\n  q(x) :-\n    r(x),\n    not s(x)")
    assert rules[0].location == Location(1, 1)
    assert rules[1].location == Location(2, 3)
    assert rules[1].body[0].location == Location(3, 5)
    assert rules[1].body[1].location == Location(4, 5)


def test_location_is_not_part_of_equality():
    assert parse_rule("p(1)") == parse_rule("   p(1)")


# -- errors ---------------------------------------------------------------------


def error_of(text: str, parse=parse_rule) -> PolicySyntaxError:
    with pytest.raises(PolicySyntaxError) as info:
        parse(text)
    return info.value


def test_unclosed_parenthesis_names_expected_tokens_and_end_of_input():
    error = error_of("p(x) :- q(x")
    assert (error.line, error.column) == (1, 12)
    assert "expected one of: ')' ',' '='" in str(error)
    assert "but found end of input" in str(error)


def test_error_position_on_later_line():
    error = error_of("p(1)\nq(x) :- r(x) s(")
    assert (error.line, error.column) == (2, 16)


def test_negative_number_is_a_parse_error():
    error = error_of("p(-1)")
    assert (error.line, error.column) == (1, 3)
    assert "found '-'" in str(error)


def test_leading_zeros_are_rejected_but_all_zeros_accepted():
    assert "leading zeros" in str(error_of("p(007)"))
    assert parse_rule("p(000)").head.args == (Constant(0),)


@pytest.mark.parametrize("text", ["p(0x10)", "p(0o7)", "p(0b1)"])
def test_prefixed_integers_are_rejected(text):
    error_of(text)


def test_unterminated_string_and_comment():
    assert "unterminated string" in str(error_of('p("abc)'))
    assert "unterminated comment" in str(error_of("p(1) /* never closed"))


def test_byte_strings_are_rejected():
    assert "byte strings" in str(error_of('p(b"x")'))


@pytest.mark.parametrize(
    "text",
    ["", "p(", "p(x) :-", ":- q(x)", "p(x) :- q(x),", "p((x))", "p(x y)", "execute[p(x)", "p(x=)", "1(x)",
     "p(1) :- not", "not p(x) :- q(x)", "p(x) : q(x)", "nova:(x)", "p(\"a\nb\")"],
)
def test_malformed_rules(text):
    error_of(text)


def test_negated_head_is_rejected():
    assert "head cannot be negated" in str(error_of("not p(x) :- q(x)"))


def test_two_rules_in_rule_api():
    for text in ("p(1) p(2)", "p(1); p(2)"):
        with pytest.raises(MultipleRules, match=r"^Received multiple rules: p\(1\); p\(2\)$"):
            parse_rule(text)
    with pytest.raises(MultipleRules, match=r"p\(x\) :- q\(x\); r\(1\)"):
        parse_rule("p(x) :- q(x) r(1)")


def test_several_heads_only_in_sequences():
    assert "exactly one head" in str(error_of("q(1), r(1) :- true"))
    assert "exactly one head" in str(error_of("q(1), r(1) :- true", parse_rules))


def test_non_string_input():
    with pytest.raises(PolicySyntaxError):
        parse_rule(None)  # type: ignore[arg-type]


# -- queries --------------------------------------------------------------------


def test_query_forms():
    assert parse_query("p(x)") == atom("p", x)
    assert parse_query("p(x), not q(x)") == (atom("p", x), atom("q", x, negated=True))
    rule = parse_query("query :- q(x), r(y)")
    assert isinstance(rule, Rule) and str(rule) == "query() :- q(x), r(y)"
    assert parse_query("execute[p(x)]") == Atom("p", (x,), modal="execute")
    assert parse_query("nova:servers(id=x)").column_refs == (ColumnRef("id", x),)


def test_query_errors():
    with pytest.raises(MultipleRules):
        parse_query("error(x) p(x, y)")
    assert (error_of("error(x", parse_query).line, error_of("error(x", parse_query).column) == (1, 8)


# -- simulate sequences -----------------------------------------------------------


def test_sequence_updates_rules_and_actions():
    rules = parse_sequence(
        "p+(101, 5)   error-(x) :- p(x, val1), p(x, val2), not equal(val1, val2); set(101, 9) nova:p+(1)"
    )
    assert [str(r) for r in rules] == [
        "p+(101, 5)",
        "error-(x) :- p(x, val1), p(x, val2), not equal(val1, val2)",
        "set(101, 9)",
        "nova:p+(1)",
    ]


def test_sequence_steps_group_simultaneous_actions():
    steps = parse_sequence_steps("q(1), r(1) :- true p+(2)")
    assert [[str(r) for r in step] for step in steps] == [["q(1) :- true()", "r(1) :- true()"], ["p+(2)"]]


def test_sequence_syntax_error():
    error = error_of("p+(1, 9", parse_sequence)
    assert (error.line, error.column) == (1, 8)


# -- performance ----------------------------------------------------------------


def test_ten_thousand_facts_parse_quickly():
    text = "\n".join(f'p({i}, "name{i}", {i}.5)' for i in range(10_000))
    start = time.perf_counter()
    rules = parse_rules(text)
    assert len(rules) == 10_000 and rules[-1] == Rule(atom("p", 9999, "name9999", 9999.5))
    assert time.perf_counter() - start < 3.0


# -- the conformance corpus's texts ---------------------------------------------------

CORPUS = json.loads((Path(__file__).parent / "data" / "conformance_texts.json").read_text())


def test_every_corpus_rule_parses_to_a_rule_that_round_trips():
    for text in CORPUS["rules"]:
        rule = parse_rule(text)
        assert parse_rule(str(rule)) == rule, text


def test_corpus_multiple_rules():
    for text in CORPUS["multiple_rules"] + CORPUS["multiple_queries"]:
        with pytest.raises(MultipleRules):
            parse_query(text)


def test_corpus_queries_and_sequences():
    for text in CORPUS["queries"]:
        parse_query(text)
    for text in CORPUS["sequences"]:
        assert parse_sequence(text)
    for text in CORPUS["bad_queries"]:
        error_of(text, parse_query)
    for text in CORPUS["bad_sequences"]:
        error_of(text, parse_sequence)
