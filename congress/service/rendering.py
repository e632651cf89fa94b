"""How engine values become API documents: pretty rules, proof traces, status strings."""

from __future__ import annotations

from congress.datalog.ast import Rule
from congress.engine.interface import Proof


def pretty_rule(rule: Rule) -> str:
    """The create-response form of a rule: body literals on their own indented lines."""
    if not rule.body:
        return str(rule.head)
    body = ",\n  ".join(str(literal) for literal in rule.body)
    return f"{rule.head} :-\n  {body}"


def render_proofs(proofs: list[Proof]) -> str:
    """A proof forest as an indented text tree: each row, the rule that derived it, its premises."""
    lines: list[str] = []

    def walk(proof: Proof, depth: int) -> None:
        how = f"  by  {proof.rule}" if proof.rule is not None else ""
        lines.append(f"{'  ' * depth}{proof.atom}{how}")
        for child in proof.children:
            walk(child, depth + 1)

    for proof in proofs:
        walk(proof, 0)
    return "\n".join(lines)
