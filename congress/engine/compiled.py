"""Rules resolved against the engine's tables, ready to be planned.

A ``CompiledRule`` names every literal's relation by its key ``(namespace,
table)``: a policy's own table, another policy's (``beta:q``), a datasource's
(``nova:servers``), or a builtin. Constants are in the engine's value
representation (see ``values``). ``true`` body literals are dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from congress.datalog.ast import Atom, Constant, Rule, Term, Variable
from congress.datalog.builtins import Builtin
from congress.datalog.checks import is_true_literal
from congress.engine.values import norm

RelKey = tuple[str, str]

POSITIVE, NEGATIVE, BUILTIN = "pos", "neg", "builtin"


@dataclass(eq=False, slots=True)
class Literal:
    kind: str
    args: tuple[Term, ...]
    atom: Atom
    key: RelKey | None = None
    builtin: Builtin | None = None

    @property
    def negated(self) -> bool:
        return self.atom.negated

    def variables(self) -> list[str]:
        return [t.name for t in self.args if isinstance(t, Variable)]


@dataclass(eq=False)
class CompiledRule:
    rule: Rule
    policy: str
    head_key: RelKey
    head_args: tuple[Term, ...]
    body: tuple[Literal, ...]
    plans: dict = field(default_factory=dict)
    feeds: dict = field(default_factory=dict)  # (position, deleting) -> plans a delta drives (dataflow)

    def variables(self) -> list[str]:
        """Every variable of the body, in order of first appearance."""
        seen: dict[str, None] = {}
        for lit in self.body:
            for name in lit.variables():
                seen.setdefault(name)
        return list(seen)


def table_name(atom: Atom, own_policy: str | None = None) -> str:
    """The name a head or a modal atom is stored under in its policy."""
    name = atom.qualified_table if atom.theory != own_policy else atom.table + (atom.update or "")
    return f"{atom.modal}[{name}]" if atom.modal else name


def engine_term(term: Term) -> Term:
    if isinstance(term, Constant):
        return Constant(norm(term.value))
    return term


def compile_rule(
    rule: Rule,
    policy: str,
    resolve: Callable[[Atom], tuple[RelKey | None, Builtin | None]],
) -> CompiledRule:
    """Resolve a checked rule of ``policy``; ``resolve`` maps a body atom to its key or builtin."""
    body = []
    for atom in rule.body:
        if is_true_literal(atom):
            continue
        key, builtin = resolve(atom)
        args = tuple(engine_term(t) for t in atom.args)
        if builtin is not None:
            body.append(Literal(BUILTIN, args, atom, builtin=builtin))
        else:
            body.append(Literal(NEGATIVE if atom.negated else POSITIVE, args, atom, key=key))
    head = rule.head
    return CompiledRule(
        rule=rule,
        policy=policy,
        head_key=(policy, table_name(head, policy)),
        head_args=tuple(engine_term(t) for t in head.args),
        body=tuple(body),
    )
