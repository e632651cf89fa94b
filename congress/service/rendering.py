"""How engine values become API documents."""

from __future__ import annotations

from congress.datalog.ast import Rule


def pretty_rule(rule: Rule) -> str:
    """The create-response form of a rule: body literals on their own indented lines."""
    if not rule.body:
        return str(rule.head)
    body = ",\n  ".join(str(literal) for literal in rule.body)
    return f"{rule.head} :-\n  {body}"
