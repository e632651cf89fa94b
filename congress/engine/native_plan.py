"""A rule's full, counted evaluation run in C (``_join.c``) instead of generated Python loops.

The first evaluation of a rule over whole tables (a rule inserted over loaded data, a table
re-evaluated, a rule removed) visits every derivation once; in Python the loop costs more than
the lookups it makes. ``full_count_plan`` turns the same plan as ``plan.py`` -- the same literal
order, the same indexes -- into the step list ``_join.run_join`` runs. Rules with builtins, and
installs built without a C compiler, keep the Python plan (``full_count_plan`` answers None).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from congress.datalog.ast import Constant, Term, Variable
from congress.engine.compiled import BUILTIN, NEGATIVE, CompiledRule
from congress.engine.relation import Relation

try:
    from congress.engine._join import run_join
except ImportError:  # built without a C compiler
    run_join = None

SCAN, LOOKUP, MEMBER, ABSENT = range(4)  # the step kinds of _join.c


class _Slots:
    """One slot per variable (bound by a step) and per constant (filled in from the start)."""

    def __init__(self) -> None:
        self.values: list[Any] = []
        self.of_variable: dict[str, int] = {}

    def bound(self, term: Term) -> bool:
        return isinstance(term, Constant) or term.name in self.of_variable

    def of(self, term: Term) -> int:
        """The slot of a constant or a bound variable."""
        if isinstance(term, Constant):
            self.values.append(term.value)
            return len(self.values) - 1
        return self.of_variable[term.name]

    def bind(self, variable: Variable) -> int:
        self.values.append(None)
        self.of_variable[variable.name] = len(self.values) - 1
        return len(self.values) - 1


def full_count_plan(
    rule: CompiledRule, order: Sequence[int], relation_of: Callable[[Any], Relation]
) -> Callable[..., None] | None:
    """A plan ``run(delta, dset, out, sign)`` adding ``sign`` to ``out[head]`` per derivation, evaluating
    the body in ``order``; None when the C join is not built or the rule has a builtin."""
    if run_join is None or any(lit.kind == BUILTIN for lit in rule.body):
        return None
    slots = _Slots()
    steps = []
    for position in order:
        lit = rule.body[position]
        relation = relation_of(lit.key)
        bound = [column for column, term in enumerate(lit.args) if slots.bound(term)]
        if lit.kind == NEGATIVE or (bound and len(bound) == len(lit.args)):
            if len(bound) < len(lit.args):  # an unsafe negation: the Python plan reports it
                return None
            key = tuple(slots.of(term) for term in lit.args)
            steps.append((ABSENT if lit.kind == NEGATIVE else MEMBER, relation.rows, key, ()))
            continue
        key = tuple(slots.of(lit.args[column]) for column in bound)
        binds = []
        for column, term in enumerate(lit.args):
            if column in bound:
                continue
            if term.name in slots.of_variable:  # the variable again in the same atom: must match
                binds.append((column, slots.of_variable[term.name], False))
            else:
                binds.append((column, slots.bind(term), True))
        container = relation.index(tuple(bound)) if bound else relation.rows
        steps.append((LOOKUP if bound else SCAN, container, key, tuple(binds)))
    if not all(slots.bound(term) for term in rule.head_args):
        return None
    program = (tuple(steps), tuple(slots.of(term) for term in rule.head_args), tuple(slots.values))

    def run(delta: object, dset: object, out: dict, sign: int) -> None:
        run_join(*program, out, sign)

    return run
