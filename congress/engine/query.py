"""``select``: answer an atom, a conjunction or a rule against the current tables.

A query is compiled like a rule body (``plan.py``, ``bindings`` emit) and its
answers are the query's literals instantiated with each binding, rendered as
written (a ``beta:q(x)`` query answers ``beta:q(1)``). Plans are cached per
policy and query text.
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from congress.datalog import checks
from congress.datalog.ast import Atom, Constant, Rule, Term, Variable
from congress.datalog.parser import parse_query
from congress.engine.compiled import POSITIVE, CompiledRule, RelKey, compile_rule
from congress.engine.plan import PlanSpec, get_plan, order_body
from congress.engine.policy import Policy
from congress.engine.values import Row, norm, plain
from congress.exceptions import CongressError, PolicySyntaxError, QuerySyntaxError

if TYPE_CHECKING:
    from congress.engine.engine import PolicyEngine

Query = Atom | tuple[Atom, ...] | Rule

_BINDINGS = PlanSpec(emit="bindings")
_CACHE_SIZE = 512


parse_query_text = lru_cache(maxsize=1024)(parse_query)  # ASTs are immutable: safe to share


def parse(text: str | Atom | Sequence[Atom] | Rule) -> Query:
    if isinstance(text, str):
        try:
            return parse_query_text(text)
        except PolicySyntaxError as error:
            raise QuerySyntaxError(f"Parse failure in query {text!r}: {error.message}") from None
    if isinstance(text, (Atom, Rule)):
        return text
    return tuple(text)


def select(
    engine: PolicyEngine, policy: Policy, query: str | Atom | Sequence[Atom] | Rule
) -> list[Atom | Rule]:
    parsed = parse(query)
    if isinstance(parsed, Atom) and parsed.table == "true" and parsed.theory is None:
        return [parsed]  # the keyword table: the original answered the query itself
    literals = parsed.body if isinstance(parsed, Rule) else (parsed,) if isinstance(parsed, Atom) else parsed
    literals = tuple(_resolve_columns(engine, policy, lit) for lit in literals)
    if isinstance(parsed, Atom) and not parsed.negated:
        direct = _select_table(engine, policy, literals[0])
        if direct is not None:
            return direct
    compiled, bindings = evaluate(engine, policy, literals, cache_key=(policy.name, str(query)))
    names = compiled.variables()
    answers: dict[str, Atom | Rule] = {}
    for values in bindings:
        binding = dict(zip(names, values, strict=True))
        if isinstance(parsed, Rule):
            body = tuple(instantiate(lit, binding) for lit in literals)
            answer: Atom | Rule = Rule(instantiate(parsed.head, binding), body)
            answers.setdefault(str(answer), answer)
        else:
            for lit in literals:
                answer = instantiate(lit, binding)
                answers.setdefault(str(answer), answer)
    return list(answers.values())


def _select_table(engine: PolicyEngine, policy: Policy, atom: Atom) -> list[Atom] | None:
    """A single table atom answered by an index lookup, without compiling a plan (None: not a table)."""
    found = matching_rows(engine, policy, atom)
    if found is None:
        return None
    answers = {}
    for _, binding in found[1]:
        answer = instantiate(atom, binding)
        answers.setdefault(str(answer), answer)
    return list(answers.values())


def matching_rows(
    engine: PolicyEngine, policy: Policy, atom: Atom
) -> tuple[RelKey, list[tuple[Row, dict[str, object]]]] | None:
    """The key of a table atom and its rows matching the atom, each with its variable binding
    (None if the atom is a builtin)."""
    key, builtin = engine._resolver(policy)(atom)  # noqa: SLF001
    if builtin is not None:
        return None
    if atom.modal is not None:
        key = (policy.name, f"{atom.modal}[{atom.qualified_table}]")
    relation = engine.flow.relations.get(key)
    if relation is None or not relation.rows or len(next(iter(relation.rows))) != len(atom.args):
        return key, []
    columns = tuple(c for c, t in enumerate(atom.args) if isinstance(t, Constant))
    values = tuple(norm(atom.args[c].value) for c in columns)
    if len(columns) == len(atom.args):
        candidates = [values] if values in relation.rows else []
    elif columns:
        candidates = relation.lookup(columns, values)
    else:
        candidates = relation.rows
    found = []
    for row in candidates:
        binding: dict[str, object] = {}
        if all(
            isinstance(t, Constant) or binding.setdefault(t.name, value) == value
            for t, value in zip(atom.args, row, strict=True)
        ):
            found.append((row, binding))
    return key, found


def evaluate(
    engine: PolicyEngine, policy: Policy, literals: tuple[Atom, ...], cache_key: tuple | None = None
) -> tuple[CompiledRule, list[tuple]]:
    """All bindings of the variables of ``literals`` (a conjunction read from ``policy``)."""
    cache = engine.query_plans
    compiled = cache.get(cache_key) if cache_key is not None else None
    if compiled is None:
        compiled = _compile(engine, policy, literals)
        if cache_key is not None:
            if len(cache) >= _CACHE_SIZE:
                cache.clear()
            cache[cache_key] = compiled
    out: list[tuple] = []
    if fits(engine, compiled):
        get_plan(compiled, _BINDINGS, engine.flow.relation)(None, None, out, 0)
    return compiled, out


def fits(engine: PolicyEngine, compiled: CompiledRule) -> bool:
    """Whether every positive literal has the width of its table's rows (else it matches nothing)."""
    for literal in compiled.body:
        if literal.kind == POSITIVE:
            rows = engine.flow.relation(literal.key).rows
            if rows and len(next(iter(rows))) != len(literal.args):
                return False
    return True


def _compile(engine: PolicyEngine, policy: Policy, literals: tuple[Atom, ...]) -> CompiledRule:
    resolve = engine._resolver(policy)  # noqa: SLF001 -- the engine's own name resolution
    modal_free = tuple(lit if lit.modal is None else _modal_literal(lit) for lit in literals)
    compiled = compile_rule(Rule(Atom("_query"), modal_free), policy.name, resolve)
    for lit, original in zip(compiled.body, literals, strict=True):
        if original.modal is not None:
            lit.key = (policy.name, f"{original.modal}[{original.qualified_table}]")
    try:
        order_body(compiled, set())
    except PolicySyntaxError as error:
        raise QuerySyntaxError(f"Cannot evaluate query: {error.message}") from None
    return compiled


def _modal_literal(atom: Atom) -> Atom:
    return Atom(atom.table, atom.args, atom.theory, None, atom.update, atom.negated, (), atom.location)


def _resolve_columns(engine: PolicyEngine, policy: Policy, atom: Atom) -> Atom:
    if not atom.column_refs:
        return atom
    fresh = checks.FreshVariables(v.name for v in atom.variables())
    try:
        return checks.resolve_columns(atom, engine._schema_of(atom.theory or policy.name, atom.table), fresh)  # noqa: SLF001
    except CongressError as error:
        raise QuerySyntaxError(error.message) from None


def forget_plans(engine: PolicyEngine) -> None:
    engine.query_plans.clear()


def instantiate(atom: Atom, binding: dict[str, object]) -> Atom:
    return Atom(
        atom.table,
        tuple(_value(t, binding) for t in atom.args),
        atom.theory,
        atom.modal,
        atom.update,
        atom.negated,
    )


def _value(term: Term, binding: dict[str, object]) -> Term:
    if isinstance(term, Variable) and term.name in binding:
        return Constant(plain(binding[term.name]))
    if isinstance(term, Constant):
        return Constant(plain(term.value))
    return term
