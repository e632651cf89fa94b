"""How engine values become API documents."""

from __future__ import annotations

from dataclasses import dataclass, replace

from congress.datalog.ast import Atom, Constant, Rule


@dataclass(frozen=True)
class _SingleQuoted:
    """A string constant holding a double quote, written in single quotes so that it parses back as the
    same value (the parser keeps escapes verbatim, so escaping would change it)."""

    value: str

    def __str__(self) -> str:
        return f"'{self.value}'"


def _readable(term: object) -> object:
    if isinstance(term, Constant) and isinstance(term.value, str):
        text = term.value
        if '"' in text and "'" not in text and "\n" not in text and not text.endswith("\\"):
            return _SingleQuoted(text)
    return term


def _literal(atom: Atom) -> str:
    args = tuple(_readable(t) for t in atom.args)
    refs = tuple(replace(r, term=_readable(r.term)) for r in atom.column_refs)
    return str(replace(atom, args=args, column_refs=refs))  # type: ignore[arg-type]


def pretty_rule(rule: Rule) -> str:
    """The create-response form of a rule: body literals on their own indented lines, text that parses
    back to the same rule."""
    if not rule.body:
        return _literal(rule.head)
    body = ",\n  ".join(_literal(literal) for literal in rule.body)
    return f"{_literal(rule.head)} :-\n  {body}"
