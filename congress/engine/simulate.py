"""``simulate``: apply a sequence of updates and actions temporarily, answer, undo.

Each step of the sequence is applied through the same incremental machinery
as a real update (so its cost is proportional to what it changes), and logged;
after answering, the log is undone in reverse order, which restores every
table exactly. Listeners hear nothing while simulating.

A step is one of:

* ``p+(1)`` / ``nova:servers-(...)``: insert/delete a row of a policy table or a
  datasource table (unprefixed: the simulated policy);
* ``q+(x) :- body`` / ``error-(x) :- body``: insert/delete a rule of a policy;
* an action call ``set(101, 5)`` declared by ``action("set")`` in the action
  policy, whose effects are the heads of the action policy's ``+``/``-`` rules
  (their unprefixed body tables read the simulated policy); several heads in one
  statement (``q(1), r(1) :- true``) are one action. The action policy's plain
  rules that read the events (``rebooting(x) :- reboot(x)``) are evaluated
  first, in dependency order, and their tables are read like events. Within one
  action an insert beats a delete of the same row.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from congress.datalog.ast import Atom, Constant, Rule
from congress.datalog.graph import components
from congress.datalog.parser import parse_ground_updates, parse_sequence_steps
from congress.engine import query as querying
from congress.engine.compiled import CompiledRule, RelKey, compile_rule
from congress.engine.interface import SimulationResult, StoredRule
from congress.engine.plan import PlanSpec, get_plan
from congress.engine.policy import Policy
from congress.engine.values import Row, norm, plain_row
from congress.exceptions import CongressError, SimulateError

if TYPE_CHECKING:
    from congress.engine.engine import PolicyEngine

_EVENTS = "__simulate_events__"
_SET = PlanSpec(emit="set")


def simulate(
    engine: PolicyEngine,
    policy_name: str,
    query: str | Atom,
    sequence: str | Sequence[Rule],
    action_policy: str,
    delta: bool,
    trace: bool,
) -> SimulationResult:
    policy = engine.policy(policy_name)
    actions = engine.policies.get(action_policy)
    if actions is None:
        raise SimulateError(f"Error in simulate procedure: unknown action policy {action_policy}")
    parsed_query = _parse_query(query)
    ground = parse_ground_updates(sequence) if isinstance(sequence, str) else None  # the common case, fast
    steps = [] if ground is not None else _parse_sequence(sequence)
    run = _Simulation(engine, policy, actions, trace)
    with engine.quiet() as changes:
        try:
            for theory, table, update, values in ground or ():
                run.change_rows(theory, table, [tuple(map(norm, values))], update)
            for step in steps:
                run.step(step)
            run.flush()
            if delta:
                answers = _delta_answers(engine, policy, parsed_query, changes)
            else:
                answers = querying.select(engine, policy, parsed_query)
            if trace:
                run.note(f"answer: {', '.join(sorted(map(str, answers))) or '(none)'}")
        finally:
            run.undo()
    return SimulationResult(answers, "\n".join(run.lines) if trace else None)


def _parse_query(query: str | Atom) -> Atom | tuple[Atom, ...] | Rule:
    if not isinstance(query, str):
        return query
    try:
        return querying.parse_query_text(query)
    except CongressError as error:
        raise SimulateError(f"Error in simulate procedure: query: {error.message}") from None


def _parse_sequence(sequence: str | Sequence[Rule]) -> list[tuple[Rule, ...]]:
    if not isinstance(sequence, str):
        return [(rule,) for rule in sequence]
    try:
        return parse_sequence_steps(sequence)
    except CongressError as error:
        raise SimulateError(f"Error in simulate procedure: sequence: {error.message}") from None


def _delta_answers(
    engine: PolicyEngine, policy: Policy, query, changes: list[tuple[RelKey, list[Row], list[Row]]]
) -> list[Atom]:
    if not isinstance(query, Atom):
        raise SimulateError("Error in simulate procedure: a delta query must be a single literal")
    key = (query.theory or policy.name, query.table + (query.update or ""))
    inserted: dict[Row, None] = {}
    deleted: dict[Row, None] = {}
    for changed, ins, dels in changes:
        if changed != key:
            continue
        for row in dels:
            if row in inserted:
                del inserted[row]
            else:
                deleted[row] = None
        for row in ins:
            if row in deleted:
                del deleted[row]
            else:
                inserted[row] = None
    answers = []
    for sign, rows in (("+", inserted), ("-", deleted)):
        for row in rows:
            if _matches(query, row):
                args = tuple(Constant(v) for v in plain_row(row))
                answers.append(Atom(query.table, args, query.theory, query.modal, sign))
    return answers


def _matches(atom: Atom, row: Row) -> bool:
    if len(atom.args) != len(row):
        return False
    binding: dict[str, object] = {}
    for term, value in zip(atom.args, row, strict=True):
        if isinstance(term, Constant):
            if norm(term.value) != value:
                return False
        elif binding.setdefault(term.name, value) != value:
            return False
    return True


@dataclass
class _Simulation:
    engine: PolicyEngine
    policy: Policy
    actions: Policy
    tracing: bool
    log: list[tuple] = field(default_factory=list)
    lines: list[str] = field(default_factory=list)
    rule_orders: dict[str, list[str]] = field(default_factory=dict)
    pending: list[tuple[RelKey, list[Row], list[Row]]] = field(default_factory=list)
    pending_keys: set[RelKey] = field(default_factory=set)

    def note(self, line: str) -> None:
        if self.tracing:
            self.lines.append(line)

    # -- steps ------------------------------------------------------------------
    def step(self, rules: tuple[Rule, ...]) -> None:
        updates = [rule for rule in rules if rule.head.update is not None]
        events = [rule for rule in rules if rule.head.update is None]
        for rule in updates:
            if rule.body:
                self.change_rule(rule)
            else:
                self.change_rows(rule.head.theory, rule.head.table, [_ground(rule.head)], rule.head.update)
        if events:
            self.act(events)

    def flush(self) -> None:
        """Apply the row changes buffered so far, in one propagation."""
        if self.pending:
            self.engine.flow.change_base(self.pending)
            self.pending = []
            self.pending_keys = set()

    def change_rule(self, rule: Rule) -> None:
        self.flush()
        head = rule.head
        target = self.target_policy(head.theory)
        plain_head = Atom(
            head.table, head.args, modal=head.modal, column_refs=head.column_refs, location=head.location
        )
        engine = self.engine
        try:
            checked = engine.check(target, Rule(plain_head, rule.body, location=rule.location))
        except CongressError as error:
            raise SimulateError(f"Error in simulate procedure: {error.message}") from None
        if head.update == "-":
            rule_id = target.keys.get(checked.key())
            if rule_id is not None:
                self.remember_order(target)
                compiled = target.compiled.get(rule_id)
                stored = engine._remove_rule(target, rule_id)  # noqa: SLF001
                self.log.append(("rule-", target, stored, compiled))
                self.note(f"delete rule {checked} from {target.name}")
            return
        if checked.key() in target.keys:
            return
        compiled = None if checked.is_fact else engine._compile(target, checked)  # noqa: SLF001
        try:
            if compiled is not None:
                engine._check_recursion(target, compiled)  # noqa: SLF001
        except CongressError as error:
            raise SimulateError(f"Error in simulate procedure: {error.message}") from None
        self.remember_order(target)
        stored = StoredRule(f"simulate-{len(self.log)}", checked, str(checked))
        engine._add(target, stored, compiled)  # noqa: SLF001
        self.log.append(("rule+", target, stored.id))
        self.note(f"insert rule {checked} into {target.name}")

    def act(self, events: list[Rule]) -> None:
        self.flush()
        declared = self.declared_actions()
        if not any(rule.head.table in declared and rule.head.theory is None for rule in events):
            names = ", ".join(str(rule.head) for rule in events)
            raise SimulateError(f"Error in simulate procedure: {names}: not an update nor a declared action")
        flow = self.engine.flow
        event_rows: dict[str, list[Row]] = {}
        for rule in events:
            event_rows.setdefault(rule.head.table, []).append(_ground(rule.head))
        helpers = self.helper_rules(set(event_rows))
        derived = set(event_rows) | {rule.head.table for rule in helpers}
        relations = {table: flow.relation((_EVENTS, table)) for table in derived}
        for table, rows in event_rows.items():
            relations[table].add(set(rows))
        effects: dict[tuple[str | None, str], dict[str, set[Row]]] = {}
        try:
            self.derive_helpers(helpers, derived, relations)
            for compiled, head in self.effect_rules(derived):
                out: set[Row] = set()
                if querying.fits(self.engine, compiled):
                    get_plan(compiled, _SET, flow.relation)(None, None, out, 0)
                change = effects.setdefault((head.theory, head.table), {"+": set(), "-": set()})
                change[head.update].update(out)
        finally:
            for relation in relations.values():
                relation.clear()
        self.note(f"action {', '.join(str(rule.head) for rule in events)}")
        for (theory, table), change in effects.items():
            self.change_rows(theory, table, list(change["-"] - change["+"]), "-")
            self.change_rows(theory, table, list(change["+"]), "+")

    def declared_actions(self) -> set[str]:
        relation = self.engine.flow.relations.get((self.actions.name, "action"))
        return {row[0] for row in relation.rows if len(row) == 1} if relation else set()

    def helper_rules(self, event_tables: set[str]) -> list[Rule]:
        """The action policy's plain rules that read (through each other) the tables of these events."""
        reading = set(event_tables)
        found: dict[int, Rule] = {}
        grown = True
        while grown:
            grown = False
            for stored in self.actions.rules.values():
                rule = stored.rule
                plain = rule.head.update is None and rule.head.modal is None and rule.body
                if plain and id(rule) not in found and _reads(rule, reading):
                    found[id(rule)] = rule
                    reading.add(rule.head.table)
                    grown = True
        return list(found.values())

    def derive_helpers(self, helpers: list[Rule], derived: set[str], relations: dict) -> None:
        """Evaluate the helper rules into their event-side relations, component by component in
        dependency order, each to its fixpoint."""
        by_head: dict[str, list[Rule]] = {}
        for rule in helpers:
            by_head.setdefault(rule.head.table, []).append(rule)
        edges = {table: {head for head, rules in by_head.items() if any(_reads(r, {table}) for r in rules)}
                 for table in by_head}
        compiled = dict(zip(map(id, helpers), self.compiled_against(helpers, derived), strict=True))
        for component in components(list(by_head), edges):
            grown = True
            while grown:
                grown = False
                for table in component:
                    for rule in by_head[table]:
                        out: set[Row] = set()
                        if querying.fits(self.engine, compiled[id(rule)]):
                            get_plan(compiled[id(rule)], _SET, self.engine.flow.relation)(None, None, out, 0)
                        new = out.difference(relations[table].rows)
                        if new:
                            relations[table].add(list(new))
                            grown = True

    def compiled_against(self, rules: list[Rule], derived: set[str]) -> list[CompiledRule]:
        """Action policy rules compiled for this simulation: unprefixed tables of events and helpers are
        the simulation's, the other unprefixed ones the simulated policy's. Cached across simulations."""
        actions, engine = self.actions, self.engine
        base_resolve = engine._resolver(actions)  # noqa: SLF001

        def resolve(atom: Atom):
            if atom.theory is None and atom.update is None and atom.table in derived:
                return (_EVENTS, atom.table), None
            key, builtin = base_resolve(atom)
            if builtin is None and atom.theory is None:
                key = (self.policy.name, key[1])
            return key, builtin

        cache = engine.query_plans  # compiled plans are reused across simulations, forgotten with queries'
        tables = frozenset(derived)
        found = []
        for rule in rules:
            cache_key = ("effect", actions.name, rule, self.policy.name, tables)
            compiled = cache.get(cache_key)
            if compiled is None:
                compiled = cache[cache_key] = compile_rule(rule, actions.name, resolve)
            found.append(compiled)
        return found

    def effect_rules(self, derived: set[str]) -> list[tuple[CompiledRule, Atom]]:
        """The action policy's ``+``/``-`` rules these events (or their helpers) trigger."""
        rules = [stored.rule for stored in self.actions.rules.values()
                 if stored.rule.head.update is not None and stored.rule.body and _reads(stored.rule, derived)]
        return [(compiled, rule.head) for rule, compiled in zip(rules, self.compiled_against(rules, derived),
                                                                  strict=True)]

    # -- rows -------------------------------------------------------------------
    def change_rows(self, theory: str | None, table: str, rows: list[Row], update: str) -> None:
        if not rows:
            return
        engine = self.engine
        target = self.target_policy(theory)
        key = (target.name, table)
        if key in self.pending_keys:
            self.flush()
        width = engine._known_arity(target.name, target.name, table)  # noqa: SLF001
        if width is None:  # a table nothing uses yet: its rows still share one width
            present = engine.flow.relation(key).rows
            width = len(next(iter(present))) if present else len(rows[0])
        if target.schema is not None and table not in target.schema:
            raise SimulateError(f"Error in simulate procedure: {target.name} has no table {table}")
        for row in rows:
            if width is not None and len(row) != width:
                raise SimulateError(
                    f"Error in simulate procedure: {table} has {width} columns, not {len(row)}"
                )
        base = engine.flow.base_rows(key)
        if update == "+":
            added, removed = [r for r in dict.fromkeys(rows) if r not in base], []
        else:
            added, removed = [], [r for r in dict.fromkeys(rows) if r in base]
        if not added and not removed:
            return
        self.log.append(("rows", key, added, removed))
        self.pending.append((key, added, removed))
        self.pending_keys.add(key)
        if self.tracing:
            for row in added:
                self.note(f"insert {target.name}:{table}{tuple(plain_row(row))}")
            for row in removed:
                self.note(f"delete {target.name}:{table}{tuple(plain_row(row))}")

    def target_policy(self, theory: str | None) -> Policy:
        if theory is None:
            return self.policy
        found = self.engine.policies.get(theory)
        if found is None:
            raise SimulateError(f"Error in simulate procedure: unknown policy {theory}")
        return found

    # -- undo -------------------------------------------------------------------
    def remember_order(self, policy: Policy) -> None:
        self.rule_orders.setdefault(policy.name, list(policy.rules))

    def undo(self) -> None:
        self.flush()
        engine = self.engine
        for entry in reversed(self.log):
            if entry[0] == "rows":
                _, key, added, removed = entry
                if key in self.pending_keys:
                    self.flush()
                self.pending.append((key, removed, added))
                self.pending_keys.add(key)
                continue
            self.flush()
            if entry[0] == "rule+":
                _, target, rule_id = entry
                engine._remove_rule(target, rule_id)  # noqa: SLF001
            else:
                _, target, stored, compiled = entry
                engine._add(target, stored, compiled)  # noqa: SLF001
        self.flush()
        for name, order in self.rule_orders.items():
            policy = engine.policies[name]
            policy.rules = {rule_id: policy.rules[rule_id] for rule_id in order}
        self.log.clear()


def _reads(rule: Rule, tables: set[str]) -> bool:
    """Whether the rule's body reads one of these unprefixed tables of the action policy."""
    return any(lit.theory is None and lit.update is None and lit.table in tables for lit in rule.body)


def _ground(atom: Atom) -> Row:
    values = [t.value for t in atom.args if type(t) is Constant]
    if len(values) != len(atom.args) or atom.column_refs:
        raise SimulateError(f"Error in simulate procedure: {atom} is not ground")
    return tuple(map(norm, values))
