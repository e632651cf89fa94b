"""Abstract syntax of Congress's Datalog: terms, atoms (literals), rules.

These immutable values are the contract between the parser, the static checks,
the engine and the API. ``str()`` of every node renders it the way the original
Congress printed it (see the conformance corpus's CANONICAL.md), which is what
the REST API returns.

Int and float constants are different values (``3`` is not ``3.0``), although
Python says ``3 == 3.0``: ``Constant`` compares and hashes on the type too.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal as TypingLiteral

Value = int | float | str

EXECUTE = "execute"
MODALS = ("execute", "insert", "delete")


@dataclass(frozen=True, slots=True)
class Location:
    """Where a node starts in the source text (1-based line and column)."""

    line: int
    column: int

    def __str__(self) -> str:
        return f"line {self.line}, column {self.column}"


@dataclass(frozen=True, slots=True)
class Variable:
    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True, slots=True, eq=False)
class Constant:
    value: Value

    def __eq__(self, other: object) -> bool:
        return (
            isinstance(other, Constant)
            and type(self.value) is type(other.value)
            and self.value == other.value
        )

    def __hash__(self) -> int:
        return hash((type(self.value), self.value))

    def __str__(self) -> str:
        return render_value(self.value)


Term = Variable | Constant


def render_value(value: Value) -> str:
    """Render a value as the original did: strings in double quotes, unescaped."""
    if isinstance(value, str):
        return f'"{value}"'
    return repr(value) if isinstance(value, float) else str(value)


@dataclass(frozen=True, slots=True)
class ColumnRef:
    """A named (``id=x``) or numbered (``0=x``) argument, before schema rewriting."""

    column: str | int
    term: Term

    def __str__(self) -> str:
        return f"{self.column}={self.term}"


@dataclass(frozen=True, slots=True)
class Atom:
    """A table applied to arguments, possibly negated: a literal of a rule body or a head.

    ``theory`` is the policy or datasource prefix (``nova`` in ``nova:servers``),
    ``modal`` is ``execute`` for ``execute[...]`` heads, ``update`` is ``+`` or
    ``-`` for ``p+(x)`` / ``p-(x)``. ``column_refs`` holds column references not
    yet rewritten to positions; after the schema checks it is empty.
    """

    table: str
    args: tuple[Term, ...] = ()
    theory: str | None = None
    modal: str | None = None
    update: TypingLiteral["+", "-"] | None = None
    negated: bool = False
    column_refs: tuple[ColumnRef, ...] = ()
    location: Location | None = field(default=None, compare=False, repr=False)

    @property
    def arity(self) -> int:
        return len(self.args)

    @property
    def qualified_table(self) -> str:
        """``theory:table`` with the update suffix, as tables are listed (``beta:q``, ``p+``)."""
        name = f"{self.theory}:{self.table}" if self.theory else self.table
        return name + (self.update or "")

    def variables(self) -> set[Variable]:
        found = {t for t in self.args if isinstance(t, Variable)}
        found.update(r.term for r in self.column_refs if isinstance(r.term, Variable))
        return found

    def is_ground(self) -> bool:
        return not self.variables()

    def __str__(self) -> str:
        terms = [str(t) for t in self.args] + [str(r) for r in self.column_refs]
        text = f"{self.qualified_table}({', '.join(terms)})"
        if self.modal:
            text = f"{self.modal}[{text}]"
        return f"not {text}" if self.negated else text


@dataclass(frozen=True, slots=True)
class Rule:
    """``head :- body``; a fact is a rule with an empty body.

    Two rules with the same head and the same body literals in another order are
    the same rule: ``key()`` is what duplicate detection compares.
    """

    head: Atom
    body: tuple[Atom, ...] = ()
    location: Location | None = field(default=None, compare=False, repr=False)

    @property
    def is_fact(self) -> bool:
        return not self.body

    def key(self) -> tuple[Atom, frozenset[Atom]]:
        return (self.head, frozenset(self.body))

    def variables(self) -> set[Variable]:
        found = self.head.variables()
        for literal in self.body:
            found |= literal.variables()
        return found

    def __str__(self) -> str:
        if not self.body:
            return str(self.head)
        return f"{self.head} :- {', '.join(str(lit) for lit in self.body)}"

