"""``explain``: why does a row hold? Proof trees down to stored rows and builtins.

For each row matching the asked atom, the proof is the first derivation found:
a stored row (fact or datasource row) is a leaf; a derived row names the rule
and the proofs of its instantiated body literals (negated literals and
builtins are leaves that simply hold). Rows being proved are not reused below
themselves, so recursive tables get well-founded proofs.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from congress.datalog.ast import Atom, Variable
from congress.datalog.parser import parse_query
from congress.engine import query as querying
from congress.engine.compiled import POSITIVE, RelKey
from congress.engine.interface import Proof
from congress.engine.plan import SEED_HEAD, PlanSpec, get_plan
from congress.engine.policy import Policy
from congress.engine.values import Row, norm
from congress.exceptions import CongressError, QuerySyntaxError

if TYPE_CHECKING:
    from congress.engine.engine import PolicyEngine

_FROM_HEAD = PlanSpec(SEED_HEAD, emit="bindings")


def explain(engine: PolicyEngine, policy: Policy, atom: str | Atom) -> list[Proof]:
    """Proofs of the rows matching ``atom`` (a table literal, possibly with variables)."""
    if isinstance(atom, str):
        try:
            atom = parse_query(atom)
        except CongressError as error:
            raise QuerySyntaxError(error.message) from None
    if not isinstance(atom, Atom) or atom.negated:
        raise QuerySyntaxError(f"explain needs one positive literal, not {atom}")
    if atom.theory is None and ":" in atom.table:  # a table named as ``rows`` names it (``beta:q``)
        theory, _, table = atom.table.rpartition(":")
        atom = replace(atom, theory=theory, table=table)
    found = querying.matching_rows(engine, policy, atom)
    if found is None:
        return [Proof(answer, None) for answer in querying.select(engine, policy, atom)]
    key, rows = found
    prover = _Prover(engine)
    proofs = []
    for row, binding in rows:
        proof = prover.prove(key, row, querying.instantiate(atom, binding), frozenset())
        if proof is not None:
            proofs.append(proof)
    return proofs


def _term_value(term, binding: dict[str, object]):
    return binding[term.name] if isinstance(term, Variable) else norm(term.value)


class _Prover:
    def __init__(self, engine: PolicyEngine) -> None:
        self.flow = engine.flow

    def prove(self, key: RelKey, row: Row, shown: Atom, visiting: frozenset) -> Proof | None:
        flow = self.flow
        if row in flow.base_rows(key):
            return Proof(shown, None)
        if (key, row) in visiting:
            return None
        visiting = visiting | {(key, row)}
        for rule in flow.rules_by_head.get(key, ()):
            found: list[tuple] = []
            get_plan(rule, _FROM_HEAD, flow.relation)([row], None, found, 0)
            names = rule.variables()
            for values in found:
                binding = dict(zip(names, values, strict=True))
                children = self.body_proofs(rule, binding, visiting)
                if children is not None:
                    head = querying.instantiate(rule.rule.head, binding)
                    return Proof(head, rule.rule, children)
        return None

    def body_proofs(self, rule, binding: dict[str, object], visiting: frozenset) -> tuple[Proof, ...] | None:
        children = []
        for literal in rule.body:
            shown = querying.instantiate(literal.atom, binding)
            if literal.kind != POSITIVE:
                children.append(Proof(shown, None))
                continue
            row = tuple(_term_value(t, binding) for t in literal.args)
            child = self.prove(literal.key, row, shown, visiting)
            if child is None:
                return None
            children.append(child)
        return tuple(children)


def render(proofs: list[Proof] | Proof, indent: str = "  ") -> str:
    """An indented text tree: each derived row with its rule, its body's proofs below it."""
    lines: list[str] = []

    def walk(proof: Proof, depth: int) -> None:
        reason = f"    [by {proof.rule}]" if proof.rule is not None else ""
        lines.append(f"{indent * depth}{proof.atom}{reason}")
        for child in proof.children:
            walk(child, depth + 1)

    for proof in [proofs] if isinstance(proofs, Proof) else proofs:
        walk(proof, 0)
    return "\n".join(lines)

