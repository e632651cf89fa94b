"""Static checks: each rejection, the rewriting, dependencies and stratification."""

from __future__ import annotations

import pytest

from congress.datalog.ast import Atom, Constant, Variable
from congress.datalog.checks import (
    Dependency,
    FreshVariables,
    builtin_of,
    check_rule,
    dependencies,
    is_true_literal,
    resolve_columns,
    stratify,
)
from congress.datalog.parser import parse_query, parse_rule
from congress.exceptions import PolicySyntaxError

SCHEMAS = {
    ("nova", "servers"): ("id", "name", "status", "tenant_id"),
    ("nova", "flavors"): ("id", "ram"),
}
ARITIES = {(None, "q"): 1, ("alice", "p"): 1}


def schemas(theory, table):
    return SCHEMAS.get((theory, table))


def known_arity(theory, table):
    return ARITIES.get((theory, table))


def check(text: str, kind: str = "nonrecursive") -> str:
    return str(check_rule(parse_rule(text), policy_kind=kind, schemas=schemas, known_arity=known_arity))


def rejected(text: str, kind: str = "nonrecursive") -> str:
    with pytest.raises(PolicySyntaxError) as info:
        check(text, kind)
    return str(info.value)


# -- accepted rules and rewriting ------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "p(1)",
        "p(x) :- q(x)",
        "p(x) :- q(x), not r(x)",
        "p(x1, x2) :- beta:q(x1), sigma:r(x2), not equal(x1, x2)",
        "p(y) :- q(x), plus(x, 1, y)",
        "execute[nova:servers.pause(x)] :- q(x)",
        "p+(x, y) :- set(x, y)",
        "p(x) :- q(x), lt(x)",  # lt with the wrong arity is an ordinary table
        "p(x) :- unknown:q(x)",
        "p() :- not r()",
    ],
)
def test_accepted_unchanged(text):
    assert check(text) == text


def test_builtin_outputs_bind_in_any_order():
    assert check("p(z) :- gt(z, 3), plus(y, 1, z), q(y)") == "p(z) :- gt(z, 3), plus(y, 1, z), q(y)"


def test_column_references_become_positions_with_fresh_variables():
    assert check("a(x, t) :- nova:servers(x, tenant_id=t)") == "a(x, t) :- nova:servers(x, _1, _2, t)"
    assert (
        check('active(x, n) :- nova:servers(id=x, status="ACTIVE", name=n)')
        == 'active(x, n) :- nova:servers(x, n, "ACTIVE", _1)'
    )
    assert check("b(x) :- nova:servers(3=x)") == "b(x) :- nova:servers(_1, _2, _3, x)"


def test_short_datasource_literals_are_padded():
    assert check("b(x) :- nova:servers(x)") == "b(x) :- nova:servers(x, _1, _2, _3)"


def test_fresh_variables_do_not_clash_with_the_rules_own():
    assert check("b(_1) :- nova:servers(_1, _3)") == "b(_1) :- nova:servers(_1, _3, _2, _4)"


def test_true_body_makes_a_fact():
    rule = check_rule(parse_rule('group("x", "IT") :- true'))
    assert rule.is_fact and str(rule) == 'group("x", "IT")'
    assert is_true_literal(Atom("true")) and not is_true_literal(Atom("true", negated=True))
    assert "Fact not ground" in rejected("group(x) :- true")


def test_resolve_columns_for_queries():
    atom = parse_query("nova:servers(id=x)")
    resolved = resolve_columns(atom, SCHEMAS[("nova", "servers")], FreshVariables(["x"]))
    assert str(resolved) == "nova:servers(x, _1, _2, _3)"
    assert resolve_columns(parse_query("p(x)"), None, FreshVariables([])) == parse_query("p(x)")


def test_builtin_of():
    assert builtin_of(parse_query("builtin:lt(x, 1)")).name == "lt"
    assert builtin_of(parse_query("lt(x)")) is None
    assert builtin_of(parse_query("nova:lt(x, 1)")) is None
    assert builtin_of(parse_query("bnot(x, y)")) is None
    assert builtin_of(parse_query("bnot(x, y)"), z3=True).name == "bnot"


# -- rejections ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "gist"),
    [
        ("p(x)", "Fact not ground: p(x)"),
        ("q(x) :- r(y)", "Variable x found in head but not in body"),
        ("p(x) :- not q(x)", "unsafe"),
        ("p(x) :- q(y), not r(x)", "not r(x) (variables x)"),
        ("p(x) :- q(x), not r(x, y)", "not r(x, y) (variables y)"),
        ("p(x) :- q(x), lt(y, 3)", "lt(y, 3) (variables y)"),
        ("p(y) :- lt(1, 3), plus(1, 2, y), gt(z, y)", "gt(z, y) (variables z)"),
        ("p(y) :- q(y), not plus(y, 1, z)", "not plus(y, 1, z) (variables z)"),
        ("p(x) :- q(x), execute[r(x)]", "only allowed in a rule head"),
        ("insert[p(x)] :- q(x)", "Only 'execute' modal is allowed; found insert in head insert[p(x)]"),
        ("delete[p(x)] :- q(x)", "found delete"),
        ("compute:p(x) :- q(x)", "Non-modal rule head compute:p(x) should not reference any policy"),
        ("test2:p+(x) :- q(x)", "should not reference any policy"),
        ("test2:p(1)", "Fact test2:p(1) should not reference any policy: test2"),
        ("lt(2)", "Conflict with built-in tablename: lt"),
        ("concat(x, y, z) :- q(x), q(y), q(z)", "Conflict with built-in tablename: concat"),
        (
            "p(x) :- unknown:q(id=x)",
            "Literal unknown:q(id=x) uses named arguments, but the schema is unknown.",
        ),
        ("p(x) :- q(id=x)", "uses named arguments, but the schema is unknown"),
        ("p(x) :- q(x), lt(x, y=1)", "uses named arguments, but the schema is unknown"),
        ("p(x) :- nova:servers(bogus=x)", "unknown column name bogus"),
        ("p(x) :- nova:servers(9=x)", "column number 9"),
        ("p(x, y) :- nova:servers(x, id=y)", "column name id references position 0, which is already"),
        ("p(x, y) :- nova:servers(id=x, id=y)", "given twice"),
        ("p(x) :- nova:flavors(x, y, z)", "contained 3 arguments but exactly 2 arguments are permitted"),
        ("q(1,3)", "Literal q(1, 3) contained 2 arguments but exactly 1 arguments are permitted"),
        ("u(x) :- alice:p(x, y)", "Literal alice:p(x, y) contained 2 arguments but exactly 1"),
        ("r(x, y) :- s(x), s(x, y)", "Literal s(x, y) contained 2 arguments but exactly 1"),
        ("p(x) :- s(x), not q(x, x)", "Literal q(x, x) contained 2 arguments"),
        ("p(x) :- q(x), builtin:nosuch(x)", "there is no builtin nosuch"),
        ("p(x) :- q(x), builtin:lt(x)", "lt takes exactly 2 arguments"),
    ],
)
def test_rejections(text, gist):
    assert gist in rejected(text)


def test_rejection_carries_the_literal_location():
    with pytest.raises(PolicySyntaxError) as info:
        check("p(x) :-\n  q(y),\n  not r(x)")
    assert (info.value.line, info.value.column) == (3, 3)


def test_z3_builtins_only_in_z3_policies():
    assert check("and(1, 2, 3)") == "and(1, 2, 3)"
    assert "Conflict with built-in tablename: and" in rejected("and(1, 2, 3)", kind="z3")
    assert "variables y" in rejected("p(x) :- q(x), bnot(y, x)", kind="z3")
    assert check("p(x) :- q(x), bnot(y, x)") == "p(x) :- q(x), bnot(y, x)"


# -- dependencies and strata ----------------------------------------------------------------


def edges(policy: str, *texts: str) -> list[Dependency]:
    return [e for t in texts for e in dependencies(parse_rule(t), policy)]


def test_dependencies_qualify_tables_and_skip_builtins_and_modals():
    assert edges("a", "p(x) :- q(x), not b:r(x), lt(x, 3), p+(x)") == [
        Dependency("a:p", "a:q", False),
        Dependency("a:p", "b:r", True),
        Dependency("a:p", "a:p+", False),
    ]
    assert edges("a", "execute[p(x)] :- q(x)") == []


def test_stratify_orders_negation_after_its_table():
    strata = stratify(edges("a", "p(x) :- q(x), not r(x)", "r(x) :- s(x)", "t(x) :- p(x), not r(x)"))
    level = {table: i for i, tables in enumerate(strata) for table in tables}
    assert level["a:r"] < level["a:p"] and level["a:s"] <= level["a:r"]
    assert level["a:p"] <= level["a:t"]


def test_stratify_accepts_positive_recursion_when_allowed():
    strata = stratify(edges("a", "path(x, y) :- edge(x, y)", "path(x, z) :- edge(x, y), path(y, z)"))
    assert {"a:path", "a:edge"} <= set().union(*strata)


@pytest.mark.parametrize(
    "texts",
    [("p(x) :- p(x)",), ("path(x, z) :- edge(x, y), path(y, z)",), ("p(x) :- q(x)", "q(x) :- r(x), p(x)")],
)
def test_recursion_rejected_when_not_allowed(texts):
    with pytest.raises(PolicySyntaxError, match="Rules are recursive"):
        stratify(edges("a", *texts), recursion_allowed=False)


def test_recursion_across_policies_is_found():
    graph = edges("a", "p(x) :- b:q(x)") + edges("b", "q(x) :- r(x), not a:p(x)")
    with pytest.raises(PolicySyntaxError, match="through negation"):
        stratify(graph)


def test_unstratified_negation_rejected_even_when_recursion_allowed():
    with pytest.raises(PolicySyntaxError, match="through negation"):
        stratify(edges("a", "p(x) :- q(x), not p(x)"))


def test_stratify_long_chain_without_recursion_limit():
    chain = [Dependency(f"t{i}", f"t{i + 1}", i % 2 == 0) for i in range(5000)]
    strata = stratify(chain)
    assert sum(len(s) for s in strata) == 5001
    assert "t5000" in strata[0]


def test_variable_type_is_plain():
    assert Variable("_1") in check_rule(parse_rule("b(x) :- nova:servers(x)"), schemas=schemas).body[0].args
    assert Constant("ACTIVE") in check_rule(
        parse_rule('b(x) :- nova:servers(x, status="ACTIVE")'), schemas=schemas
    ).body[0].args


def test_action_policies_may_update_other_policies_tables():
    """``nova:p+(x) :- q(x)`` in an action policy updates nova:p; it is checked against its schema."""
    def schemas(theory, table):
        return ("id", "status") if (theory, table) == ("nova", "servers") else None

    rule = check_rule(parse_rule("nova:servers+(status=s, id=x) :- reboot(x, s)"), policy_kind="action",
                      schemas=schemas)
    assert str(rule) == "nova:servers+(x, s) :- reboot(x, s)"
    assert check_rule(parse_rule("nova:p-(x) :- q(x)"), policy_kind="action").head.theory == "nova"
    with pytest.raises(PolicySyntaxError, match="should not reference any policy"):
        check_rule(parse_rule("nova:p+(x) :- q(x)"))
    with pytest.raises(PolicySyntaxError, match="should not reference any policy"):
        check_rule(parse_rule("nova:p(x) :- q(x)"), policy_kind="action")  # not an update
    with pytest.raises(PolicySyntaxError, match="arguments"):
        check_rule(parse_rule("nova:servers+(x) :- q(x, y), r(y, x, x)"), policy_kind="action",
                   known_arity=lambda theory, table: 2 if (theory, table) == ("nova", "servers") else None)
