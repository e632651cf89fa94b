"""Static checks of one rule, column-reference rewriting, and stratification.

``check_rule`` needs no engine state except two catalog look-ups the caller
provides: the ordered column names of a table whose schema is known (datasource
tables), and the arity a table already has (tables of policies). It returns the
rule in the form the engine evaluates: column references turned into positions,
short datasource literals padded with fresh variables, a bare ``true`` body
literal dropped. Any violation raises ``PolicySyntaxError`` and changes nothing.

``dependencies`` and ``stratify`` work on a whole set of rules (possibly of
several policies): the engine decides which rules to hand over.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace

from congress.datalog import builtins
from congress.datalog.ast import EXECUTE, Atom, Rule, Term, Variable
from congress.datalog.graph import components
from congress.exceptions import PolicySyntaxError

__all__ = [
    "ArityLookup",
    "Dependency",
    "FreshVariables",
    "SchemaLookup",
    "builtin_of",
    "check_rule",
    "dependencies",
    "is_true_literal",
    "qualified_name",
    "resolve_columns",
    "stratify",
]

SchemaLookup = Callable[[str | None, str], Sequence[str] | None]
"""``(theory, table) -> column names`` of a table with a known schema, else None."""

ArityLookup = Callable[[str | None, str], int | None]
"""``(theory, table) -> arity`` the table already has (from other rules or data), else None."""

TRUE_TABLE = "true"


def _no_schema(theory: str | None, table: str) -> None:
    return None


def _no_arity(theory: str | None, table: str) -> None:
    return None


def _error(message: str, atom: Atom | Rule | None = None) -> PolicySyntaxError:
    where = atom.location if atom is not None else None
    if where is None:
        return PolicySyntaxError(message)
    return PolicySyntaxError(message, line=where.line, column=where.column)


def is_true_literal(atom: Atom) -> bool:
    """The keyword body ``true`` (``p(1) :- true``), which always holds."""
    return (
        atom.table == TRUE_TABLE
        and not atom.args
        and not atom.column_refs
        and atom.theory is None
        and atom.modal is None
        and atom.update is None
        and not atom.negated
    )


class FreshVariables:
    """Variable names unused in a rule: ``_1``, ``_2``, ... skipping names already taken."""

    def __init__(self, taken: Iterable[str]) -> None:
        self._taken = set(taken)
        self._counter = 0

    def __iter__(self) -> Iterator[Variable]:
        return self

    def __next__(self) -> Variable:
        while True:
            self._counter += 1
            name = f"_{self._counter}"
            if name not in self._taken:
                self._taken.add(name)
                return Variable(name)


def resolve_columns(atom: Atom, columns: Sequence[str] | None, fresh: Iterator[Variable]) -> Atom:
    """Rewrite ``atom`` to positional form against its table's ``columns``.

    Column references become positions, missing positions become fresh
    variables, and too many arguments are rejected. With ``columns`` None (schema
    unknown) the atom is returned unchanged unless it uses column references.
    """
    if columns is None:
        if atom.column_refs:
            raise _error(f"Literal {atom} uses named arguments, but the schema is unknown.", atom)
        return atom
    width = len(columns)
    if len(atom.args) > width:
        raise _error(_arity_message(atom, width), atom)
    by_position: dict[int, Term] = {}
    for ref in atom.column_refs:
        position = _column_position(atom, ref.column, columns)
        if position < len(atom.args):
            raise _error(
                f"In literal {atom} column {_column_label(ref.column)} references position "
                f"{position}, which is already provided by position.",
                atom,
            )
        if position in by_position:
            raise _error(f"In literal {atom} column {_column_label(ref.column)} is given twice.", atom)
        by_position[position] = ref.term
    args = list(atom.args)
    for position in range(len(args), width):
        args.append(by_position[position] if position in by_position else next(fresh))
    return replace(atom, args=tuple(args), column_refs=())


def _column_label(column: str | int) -> str:
    return f"name {column}" if isinstance(column, str) else f"number {column}"


def _column_position(atom: Atom, column: str | int, columns: Sequence[str]) -> int:
    if isinstance(column, int):
        if column >= len(columns):
            raise _error(
                f"Literal {atom} references column number {column}, but the table has only "
                f"{len(columns)} columns.",
                atom,
            )
        return column
    try:
        return list(columns).index(column)
    except ValueError:
        raise _error(
            f"Literal {atom} uses unknown column name {column}; the columns are {', '.join(columns)}.",
            atom,
        ) from None


def _arity_message(atom: Atom, arity: int) -> str:
    count = len(atom.args) + len(atom.column_refs)
    atom = replace(atom, negated=False)
    return f"Literal {atom} contained {count} arguments but exactly {arity} arguments are permitted"


def builtin_of(atom: Atom, z3: bool = False) -> builtins.Builtin | None:
    """The builtin a (positional) literal calls, or None for a table literal."""
    if atom.modal is not None or atom.update is not None:
        return None
    return builtins.lookup(atom.table, atom.theory, z3, arity=atom.arity)


@dataclass(frozen=True, slots=True)
class _Context:
    z3: bool
    action: bool
    schemas: SchemaLookup
    known_arity: ArityLookup

    def builtin(self, atom: Atom) -> builtins.Builtin | None:
        return builtin_of(atom, self.z3)


def check_rule(
    rule: Rule,
    *,
    policy_kind: str = "nonrecursive",
    schemas: SchemaLookup = _no_schema,
    known_arity: ArityLookup = _no_arity,
) -> Rule:
    """Check one rule (or fact) and return it rewritten for evaluation.

    ``policy_kind`` matters for builtins: only ``z3`` policies know ``and``,
    ``or`` and ``bnot``; and only ``action`` policies may describe updates of
    another policy's table (``nova:p+(x) :- q(x)``: checked against ``nova:p``).
    Recursion is not checked here (see ``stratify``).
    """
    context = _Context(policy_kind == "z3", policy_kind == "action", schemas, known_arity)
    body = tuple(lit for lit in rule.body if not is_true_literal(lit))
    rule = Rule(rule.head, body, location=rule.location)
    _check_head(rule, context)
    _check_modals(rule)
    rule = _resolve_all_columns(rule, context)
    _check_arities(rule, context)
    _check_head_safety(rule)
    _check_body_safety(rule, context)
    return rule


def _check_head(rule: Rule, context: _Context) -> None:
    head = rule.head
    if head.negated:
        raise _error(f"A rule head cannot be negated: {rule}", head)
    foreign_update = context.action and head.update is not None
    if head.modal is None and head.theory is not None and not foreign_update:
        if rule.is_fact:
            raise _error(f"Fact {head} should not reference any policy: {head.theory}", head)
        raise _error(f"Non-modal rule head {head} should not reference any policy: {rule}", head)
    if head.modal is None and builtins.is_builtin_name(head.table, context.z3):
        raise _error(f"Conflict with built-in tablename: {head.table}", head)


def _check_modals(rule: Rule) -> None:
    modal = rule.head.modal
    if modal is not None and modal != EXECUTE:
        raise _error(f"Only '{EXECUTE}' modal is allowed; found {modal} in head {rule.head}", rule.head)
    for literal in rule.body:
        if literal.modal is not None:
            raise _error(f"Modal {literal} is only allowed in a rule head: {rule}", literal)


def _resolve_all_columns(rule: Rule, context: _Context) -> Rule:
    fresh = FreshVariables(v.name for v in rule.variables())

    def resolve(atom: Atom) -> Atom:
        if atom.modal is not None or context.builtin(atom) is not None:
            if atom.column_refs:
                raise _error(f"Literal {atom} uses named arguments, but the schema is unknown.", atom)
            return atom
        return resolve_columns(atom, context.schemas(atom.theory, atom.table), fresh)

    return Rule(resolve(rule.head), tuple(resolve(lit) for lit in rule.body), location=rule.location)


def _check_arities(rule: Rule, context: _Context) -> None:
    """Every table has one arity: the one it already has, and the same throughout the rule."""
    seen: dict[tuple[str | None, str], int] = {}
    literals = rule.body if rule.head.modal else (rule.head, *rule.body)
    for atom in literals:
        if context.builtin(atom) is not None:
            continue
        if atom.theory == builtins.BUILTIN_THEORY:
            raise _error(f"Literal {atom} does not name a builtin: {_builtin_hint(atom.table)}", atom)
        key = (atom.theory, atom.table)
        expected = seen.get(key)
        if expected is None:
            expected = context.known_arity(*key)
        if expected is not None and expected != atom.arity:
            raise _error(_arity_message(atom, expected), atom)
        seen[key] = atom.arity


def _builtin_hint(name: str) -> str:
    builtin = builtins.BUILTINS.get(name)
    if builtin is None:
        return f"there is no builtin {name}"
    return f"{name} takes exactly {builtin.arity} arguments"


def _check_head_safety(rule: Rule) -> None:
    head_variables = rule.head.variables()
    if rule.is_fact:
        if head_variables:
            raise _error(f"Fact not ground: {rule.head}", rule.head)
        return
    body_variables: set[Variable] = set()
    for literal in rule.body:
        body_variables |= literal.variables()
    missing = sorted(v.name for v in head_variables - body_variables)
    if missing:
        names = ", ".join(missing)
        raise _error(f"Variable {names} found in head but not in body, rule {rule}", rule.head)


def _check_body_safety(rule: Rule, context: _Context) -> None:
    """Variables of negated literals and builtin inputs must be bound by positive literals.

    A positive builtin whose inputs are bound binds its outputs, whatever the order
    of the body; a negated builtin binds nothing, so all its arguments must be bound.
    """
    bound: set[Variable] = set()
    pending: list[tuple[Atom, set[Variable]]] = []
    negated: list[Atom] = []
    for literal in rule.body:
        builtin = context.builtin(literal)
        if builtin is not None:
            needed = literal.variables() if literal.negated else _inputs(literal, builtin)
            pending.append((literal, needed))
        elif literal.negated:
            negated.append(literal)
        else:
            bound |= literal.variables()
    progress = True
    while pending and progress:
        ready = [(lit, needed) for lit, needed in pending if needed <= bound]
        for literal, _ in ready:
            if not literal.negated:
                bound |= literal.variables()
        # Only what was ready before this round's outputs were added: a builtin made ready by them
        # stays pending until the next round adds its own outputs (chains of any depth).
        pending = [item for item in pending if item not in ready]
        progress = bool(ready)
    unsafe = [(lit, needed - bound) for lit, needed in pending]
    unsafe += [(lit, lit.variables() - bound) for lit in negated if not lit.variables() <= bound]
    if unsafe:
        described = "; ".join(
            f"{lit} (variables {', '.join(sorted(v.name for v in free))})" for lit, free in unsafe
        )
        raise _error(f"Rule {rule} is unsafe: unbound variables in {described}", unsafe[0][0])


def _inputs(literal: Atom, builtin: builtins.Builtin) -> set[Variable]:
    return {t for t in literal.args[: builtin.num_inputs] if isinstance(t, Variable)}


# -- dependencies and stratification ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Dependency:
    """``head`` is computed from ``body``; ``negated`` when through ``not``."""

    head: str
    body: str
    negated: bool


def qualified_name(atom: Atom, policy: str) -> str:
    """The policy-wide table name: ``theory:table`` plus update suffix; own policy if unprefixed."""
    return f"{atom.theory or policy}:{atom.table}{atom.update or ''}"


def dependencies(rule: Rule, policy: str, *, z3: bool = False) -> list[Dependency]:
    """The edges this rule adds: its head table depends on each body table.

    Tables are named ``policy:table`` (``qualified_name``) so the edges of several
    policies can be stratified together. Builtins and modal heads add no edges.
    """
    if rule.head.modal is not None:
        return []
    head = qualified_name(rule.head, policy)
    return [
        Dependency(head, qualified_name(literal, policy), literal.negated)
        for literal in rule.body
        if builtin_of(literal, z3) is None
    ]


def stratify(edges: Iterable[Dependency], *, recursion_allowed: bool = True) -> list[set[str]]:
    """Strata of the tables, lowest first: a table comes after all it depends on,
    strictly after what it depends on negatively.

    Raises ``PolicySyntaxError`` ("Rules are recursive") for a cycle through
    negation, or for any cycle when ``recursion_allowed`` is false.
    """
    edges = list(edges)
    graph: dict[str, list[Dependency]] = {}
    for edge in edges:
        graph.setdefault(edge.head, []).append(edge)
        graph.setdefault(edge.body, [])
    groups = _strongly_connected(graph)
    component_of = {table: i for i, members in enumerate(groups) for table in members}
    for members in groups:
        internal = [e for t in members for e in graph[t] if component_of[e.body] == component_of[t]]
        if not internal:
            continue
        cycle = " -> ".join(sorted(members))
        if not recursion_allowed:
            raise PolicySyntaxError(f"Rules are recursive: {cycle}")
        if any(e.negated for e in internal):
            raise PolicySyntaxError(f"Rules are recursive through negation: {cycle}")
    # Tarjan yields components dependencies-first, so one pass assigns levels.
    level: dict[int, int] = {}
    for index, members in enumerate(groups):
        level[index] = max(
            (
                level[component_of[e.body]] + (1 if e.negated else 0)
                for t in members
                for e in graph[t]
                if component_of[e.body] != index
            ),
            default=0,
        )
    strata: list[set[str]] = [set() for _ in range(max(level.values(), default=-1) + 1)]
    for index, members in enumerate(groups):
        strata[level[index]].update(members)
    return strata


def _strongly_connected(graph: dict[str, list[Dependency]]) -> list[list[str]]:
    """The components of the head -> body graph, dependencies first."""
    return components(graph, {table: [edge.body for edge in out] for table, out in graph.items()})[::-1]
