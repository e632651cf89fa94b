"""explain: proof trees down to stored rows and builtins, and their text rendering."""

from __future__ import annotations

from congress.datalog.ast import Atom, Constant
from congress.engine import PolicyEngine, render_proof


def test_proof_tree_of_derived_row() -> None:
    engine = PolicyEngine()
    engine.create_policy("th")
    engine.create_datasource("nova", {"servers": ["id", "ram"]})
    engine.replace_table("nova", "servers", [["s1", 512], ["s2", 4096]])
    for text in ("small(x) :- nova:servers(x, r), lt(r, 1024)", "error(x) :- small(x), not ok(x)"):
        engine.insert_rule("th", text)
    (proof,) = engine.explain("th", "error(x)")
    assert str(proof.atom) == 'error("s1")'
    assert str(proof.rule) == "error(x) :- small(x), not ok(x)"
    small, negation = proof.children
    assert [str(c.atom) for c in small.children] == ['nova:servers("s1", 512)', "lt(512, 1024)"]
    assert small.children[0].rule is None and str(negation.atom) == 'not ok("s1")'
    text = render_proof(proof)
    assert text.splitlines()[0].startswith('error("s1")')
    assert '    nova:servers("s1", 512)' in text


def test_recursive_proofs_are_well_founded() -> None:
    engine = PolicyEngine()
    engine.create_policy("m", "materialized")
    for text in ("r(x, y) :- e(x, y)", "r(x, z) :- r(x, y), r(y, z)", "e(1, 2)", "e(2, 1)"):
        engine.insert_rule("m", text)
    proofs = engine.explain("m", "r(1, 1)")
    assert len(proofs) == 1

    def depth(p) -> int:
        return 1 + max((depth(c) for c in p.children), default=0)

    assert depth(proofs[0]) == 3
    assert engine.explain("m", "r(3, x)") == []


def test_rows_of_another_policy_named_like_rows_names_them() -> None:
    engine = PolicyEngine()
    engine.create_policy("beta")
    engine.create_policy("th")
    engine.insert_rule("beta", "q(1)")
    engine.insert_rule("th", "p(x) :- beta:q(x)")
    (proof,) = engine.explain("th", Atom("beta:q", (Constant(1),)))
    assert str(proof.atom) == "beta:q(1)" and proof.rule is None
    (derived,) = engine.explain("th", "p(1)")
    assert [str(c.atom) for c in derived.children] == ["beta:q(1)"]
