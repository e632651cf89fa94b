"""``PolicyEngine``: policies, rules and datasource data over one incremental dataflow.

Every policy's tables live in one ``Dataflow`` keyed ``(policy, table)``, so a
rule may read another policy's or a datasource's tables and a change anywhere
reaches everything that depends on it. This module does the bookkeeping
around it: static checks, duplicate/arity/recursion rules, rule ids, and the
streams of table deltas and execution requests emitted after each update.

While nobody listens to those streams, new rules are added deferred (see
``dataflow``): their tables are evaluated at the first read, once, however many
rules arrived meanwhile. Every method that reads tables settles them first.
"""

from __future__ import annotations

import gc
import logging
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

from congress.datalog import checks
from congress.datalog.ast import Atom, Rule
from congress.datalog.builtins import Builtin
from congress.datalog.graph import components
from congress.datalog.parser import parse_rule
from congress.engine import explain as explaining
from congress.engine import query as querying
from congress.engine import simulate as simulating
from congress.engine.compiled import NEGATIVE, CompiledRule, RelKey, compile_rule, table_name
from congress.engine.dataflow import Dataflow
from congress.engine.interface import (
    DeltaListener,
    ExecutionListener,
    ExecutionRequest,
    Proof,
    Row,
    SimulationResult,
    StoredRule,
    TableDelta,
)
from congress.engine.policy import SYSTEM_POLICIES, Policy, check_name, normalize_kind
from congress.engine.values import ingest_rows, norm, plain_row, plain_rows
from congress.exceptions import (
    PolicyAlreadyExists,
    PolicyNameInvalid,
    PolicyNotExists,
    PolicySyntaxError,
    RuleAlreadyExists,
    RuleNotExists,
    RuleNotPermitted,
    TableNotFound,
    UpdateNotPermitted,
)

EXECUTE_PREFIX = "execute["
LOG = logging.getLogger(__name__)


class PolicyEngine:
    """The in-memory policy engine (see ``interface.PolicyEngineProtocol``)."""

    def __init__(self) -> None:
        self.flow = Dataflow()
        self.flow.on_change = self._record_change
        self.policies: dict[str, Policy] = {}
        self._arity_uses: dict[tuple[str, str], Counter[int]] = {}
        self._delta_listeners: list[DeltaListener] = []
        self._execution_listeners: list[ExecutionListener] = []
        self._changes: list[tuple[RelKey, list[Row], list[Row]]] = []
        self._quiet = 0
        self.query_plans: dict = {}
        for name, kind in SYSTEM_POLICIES.items():
            self.create_policy(name, kind)

    # -- policies -------------------------------------------------------------
    def create_policy(self, name: str, kind: str = "nonrecursive") -> None:
        check_name(name)
        kind = normalize_kind(kind)
        if kind == "datasource":
            raise PolicyNameInvalid("Use create_datasource for a datasource policy")
        if name in self.policies:
            raise PolicyAlreadyExists(f"Policy {name} already exists")
        self.policies[name] = Policy(name, kind)
        querying.forget_plans(self)

    def create_datasource(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        check_name(name)
        if name in self.policies:
            raise PolicyAlreadyExists(f"Policy {name} already exists")
        self._check_widths(name, schema)
        self.policies[name] = Policy.datasource(name, schema)
        querying.forget_plans(self)

    def _check_widths(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        """Rules that already read ``name:table`` (a datasource may come after them) fix its width."""
        for table, columns in schema.items():
            uses = self._arity_uses.get((name, table))
            if uses and len(columns) not in uses:
                raise UpdateNotPermitted(
                    f"Datasource {name} table {table}: rules use it with {sorted(uses)} columns, "
                    f"not {len(columns)}"
                )

    def add_datasource_tables(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        """Declare tables of a datasource policy after its creation (a push datasource without a declared
        schema learns each table's columns from its first rows). A table already declared may change its
        columns only while it holds no rows; rules must already use it with the new width, if at all."""
        policy = self.policy(name)
        if policy.schema is None:
            raise UpdateNotPermitted(f"Policy {name} is not a datasource")
        for table, columns in schema.items():
            if policy.schema.get(table) not in (None, tuple(columns)) and self.flow.base_rows((name, table)):
                raise UpdateNotPermitted(f"Datasource {name} table {table} already holds rows")
        self._check_widths(name, schema)
        policy.schema.update((table, tuple(columns)) for table, columns in schema.items())
        querying.forget_plans(self)

    def delete_policy(self, name: str) -> None:
        policy = self.policy(name)
        if name in SYSTEM_POLICIES:
            raise PolicyNameInvalid(f"Cannot delete system policy {name}")
        with self._update():
            self.flow.settle()
            for rule_id in list(policy.rules):
                self._remove_rule(policy, rule_id)
            if policy.schema is not None:
                self.flow.change_base(
                    ((name, table), (), list(self.flow.base_rows((name, table)))) for table in policy.schema
                )
        del self.policies[name]
        querying.forget_plans(self)

    def policy_kind(self, name: str) -> str:
        return self.policy(name).kind

    def policy_names(self) -> list[str]:
        return list(self.policies)

    def policy(self, name: str) -> Policy:
        found = self.policies.get(name)
        if found is None:
            raise PolicyNotExists(f"Policy {name} does not exist")
        return found

    # -- rules ----------------------------------------------------------------
    def insert_rule(self, policy: str, rule: str | Rule, rule_id: str | None = None) -> StoredRule:
        target = self.policy(policy)
        if target.is_datasource:
            raise RuleNotPermitted(f"Rules cannot be inserted into datasource policy {policy}")
        text = rule if isinstance(rule, str) else str(rule)
        parsed = parse_rule(rule) if isinstance(rule, str) else rule
        checked = self.check(target, parsed)
        if checked.key() in target.keys:
            raise RuleAlreadyExists("Rule already exists")
        compiled = None if checked.is_fact else self._compile(target, checked)
        if compiled is not None:
            self._check_recursion(target, compiled)
        stored = StoredRule(rule_id or str(uuid.uuid4()), checked, text)
        if stored.id in target.rules:
            raise RuleAlreadyExists(f"Rule id {stored.id} already exists")
        with self._update():
            self._add(target, stored, compiled)
        return stored

    def delete_rule(self, policy: str, rule_id: str) -> StoredRule:
        target = self.policy(policy)
        if rule_id not in target.rules:
            raise RuleNotExists("rule_not_exists")
        with self._update():
            self.flow.settle()
            return self._remove_rule(target, rule_id)

    def rules(self, policy: str) -> list[StoredRule]:
        return list(self.policy(policy).rules.values())

    def check(self, policy: Policy, rule: Rule) -> Rule:
        """The rule as checked and rewritten for ``policy`` (raises PolicySyntaxError)."""
        checked = checks.check_rule(
            rule,
            policy_kind=policy.kind,
            schemas=self._schema_of,
            known_arity=lambda theory, table: self._known_arity(policy.name, theory, table),
        )
        if policy.kind != "action":
            for atom in (checked.head, *checked.body):
                if atom.update is not None and atom is not checked.head:
                    raise PolicySyntaxError(f"Update literal {atom} is only allowed in action policies")
        return checked

    def _schema_of(self, theory: str | None, table: str) -> Sequence[str] | None:
        source = self.policies.get(theory) if theory else None
        if source is None or source.schema is None:
            return None
        return source.schema.get(table)

    def _known_arity(self, policy: str, theory: str | None, table: str) -> int | None:
        columns = self._schema_of(theory, table)
        if columns is not None:
            return len(columns)
        uses = self._arity_uses.get((theory or policy, table))
        if uses:
            return next(iter(uses))
        return None

    def _arity_keys(self, policy: str, rule: Rule) -> Iterator[tuple[tuple[str, str], int]]:
        literals = rule.body if rule.head.modal else (rule.head, *rule.body)
        for atom in literals:
            if checks.builtin_of(atom, self.policies[policy].kind == "z3") is None:
                yield (atom.theory or policy, atom.table), atom.arity

    def _resolver(self, policy: Policy):
        z3 = policy.kind == "z3"

        def resolve(atom: Atom) -> tuple[RelKey | None, Builtin | None]:
            builtin = checks.builtin_of(atom, z3)
            if builtin is not None:
                return None, builtin
            return (atom.theory or policy.name, atom.table + (atom.update or "")), None

        return resolve

    def _compile(self, policy: Policy, rule: Rule) -> CompiledRule:
        return compile_rule(rule, policy.name, self._resolver(policy))

    def _check_recursion(self, policy: Policy, rule: CompiledRule) -> None:
        """Reject a rule that would make a cycle its policy may not have (state is untouched)."""
        edges = {key: set(heads) for key, heads in self.flow.edges().items()}
        negative: set[tuple[RelKey, RelKey]] = set()
        for rules in self.flow.rules_by_head.values():
            for other in rules:
                negative.update((lit.key, other.head_key) for lit in other.body if lit.kind == NEGATIVE)
        for lit in rule.body:
            if lit.key is not None:
                edges.setdefault(lit.key, set()).add(rule.head_key)
                if lit.kind == NEGATIVE:
                    negative.add((lit.key, rule.head_key))
        nodes = set(edges) | {rule.head_key}
        for component in components(sorted(nodes), edges):
            if rule.head_key not in component:
                continue
            members = set(component)
            if len(members) == 1 and rule.head_key not in edges.get(rule.head_key, ()):
                return
            if any(a in members and b in members for a, b in negative):
                raise PolicySyntaxError("Rules are recursive: negation inside a cycle is not stratified")
            if not policy.allows_recursion:
                raise PolicySyntaxError(f"Rules are recursive (policy {policy.name} is {policy.kind})")
            if {key[0] for key in members} != {policy.name}:
                raise PolicySyntaxError("Rules are recursive across policies")
            return

    def _add(self, policy: Policy, stored: StoredRule, compiled: CompiledRule | None) -> None:
        rule = stored.rule
        policy.rules[stored.id] = stored
        policy.keys[rule.key()] = stored.id
        policy.table_uses.update(self._table_names(policy, rule))
        for key, arity in self._arity_keys(policy.name, rule):
            self._arity_uses.setdefault(key, Counter())[arity] += 1
        if compiled is not None:
            policy.compiled[stored.id] = compiled
            listened = self._quiet or self._delta_listeners or self._execution_listeners
            self.flow.add_rule(compiled, defer=not listened)
        elif rule.head.table not in ("true", "false"):
            row = tuple(norm(t.value) for t in rule.head.args)
            self.flow.change_base([((policy.name, table_name(rule.head, policy.name)), [row], [])])

    def _remove_rule(self, policy: Policy, rule_id: str) -> StoredRule:
        stored = policy.rules.pop(rule_id)
        rule = stored.rule
        del policy.keys[rule.key()]
        policy.table_uses.subtract(self._table_names(policy, rule))
        compiled = policy.compiled.pop(rule_id, None)
        if compiled is not None:
            self.flow.remove_rule(compiled)
        elif rule.head.table not in ("true", "false"):
            row = tuple(norm(t.value) for t in rule.head.args)
            self.flow.change_base([((policy.name, table_name(rule.head, policy.name)), [], [row])])
        for key, arity in self._arity_keys(policy.name, rule):
            uses = self._arity_uses[key]
            uses[arity] -= 1
            if uses[arity] <= 0:
                del uses[arity]
            if not uses:
                del self._arity_uses[key]
                if self.flow.forget(key):  # the table may come back with another arity
                    querying.forget_plans(self)
        if compiled is not None and self.flow.forget(compiled.head_key):
            querying.forget_plans(self)
        return stored

    # -- datasource data --------------------------------------------------------
    def replace_table(self, datasource: str, table: str, rows: Iterable[Sequence]) -> None:
        key, width = self._datasource_table(datasource, table)
        new = self._ingest(rows, width, datasource, table)
        with self._update():
            current = self.flow.base_rows(key)
            if not current:
                self.flow.change_base([(key, new, ())])
            else:
                new_set = set(new)
                self.flow.change_base([(key, new_set, current - new_set)])

    def update_table(
        self, datasource: str, table: str, insert: Iterable[Sequence] = (), delete: Iterable[Sequence] = ()
    ) -> None:
        key, width = self._datasource_table(datasource, table)
        inserted = self._ingest(insert, width, datasource, table)
        deleted = self._ingest(delete, width, datasource, table)
        with self._update():
            self.flow.change_base([(key, inserted, deleted)])

    def _datasource_table(self, datasource: str, table: str) -> tuple[RelKey, int]:
        source = self.policy(datasource)
        if source.schema is None:
            raise UpdateNotPermitted(f"Policy {datasource} is not a datasource")
        columns = source.schema.get(table)
        if columns is None:
            raise UpdateNotPermitted(f"Datasource {datasource} has no table {table}")
        return (datasource, table), len(columns)

    @staticmethod
    def _ingest(rows: Iterable[Sequence], width: int, datasource: str, table: str) -> list[Row]:
        converted = ingest_rows(rows)
        if converted and set(map(len, converted)) != {width}:
            row = next(row for row in converted if len(row) != width)
            raise UpdateNotPermitted(
                f"Update not permitted: row {list(row)} of {datasource}:{table} has {len(row)} "
                f"columns but exactly {width} are permitted"
            )
        return converted

    # -- reading ----------------------------------------------------------------
    def select(self, policy: str, query: str | Atom | Sequence[Atom] | Rule) -> list[Atom | Rule]:
        self.settle()
        return querying.select(self, self.policy(policy), query)

    def rows(self, policy: str, table: str) -> list[Row]:
        key = self.table_key(self.policy(policy), table)
        self.settle()
        relation = self.flow.relations.get(key)
        return plain_rows(relation.rows) if relation is not None else []

    def tables(self, policy: str) -> list[str]:
        found = self.policy(policy)
        if found.schema is not None:
            return sorted(found.schema)
        return sorted(name for name, uses in found.table_uses.items() if uses > 0)

    def _table_names(self, policy: Policy, rule: Rule) -> Iterator[str]:
        """The tables a rule contributes to ``tables``: its head unless modal, its body's non-builtins."""
        if not rule.head.modal:
            yield table_name(rule.head, policy.name)
        for atom in rule.body:
            if checks.builtin_of(atom, policy.kind == "z3") is None and not checks.is_true_literal(atom):
                yield table_name(atom, policy.name)

    def table_key(self, policy: Policy, table: str) -> RelKey:
        """The key of a table as ``rows`` names it (``p``, ``beta:q``); TableNotFound if unknown."""
        if table not in self.tables(policy.name):
            raise TableNotFound(f"table '{table}' doesn't exist")
        theory, _, name = table.rpartition(":")
        return (theory or policy.name, name)

    def simulate(
        self,
        policy: str,
        query: str | Atom,
        sequence: str | Sequence[Rule],
        action_policy: str,
        delta: bool = False,
        trace: bool = False,
    ) -> SimulationResult:
        self.settle()
        with _collector_paused():
            return simulating.simulate(self, policy, query, sequence, action_policy, delta, trace)

    def explain(self, policy: str, atom: str | Atom) -> list[Proof]:
        self.settle()
        return explaining.explain(self, self.policy(policy), atom)

    def settle(self) -> None:
        """Evaluate the tables whose rules were added deferred (emitting their changes)."""
        if self.flow.stale:
            with self._update():
                self.flow.settle()

    # -- streams ------------------------------------------------------------------
    def add_delta_listener(self, listener: DeltaListener) -> None:
        self.settle()  # from now on rules are evaluated as they come: a listener hears every change
        self._delta_listeners.append(listener)

    def add_execution_listener(self, listener: ExecutionListener) -> None:
        self.settle()
        self._execution_listeners.append(listener)

    @contextmanager
    def quiet(self) -> Iterator[list[tuple[RelKey, list[Row], list[Row]]]]:
        """Changes made inside are recorded (and yielded) but not emitted to listeners."""
        self._quiet += 1
        saved, self._changes = self._changes, []
        try:
            yield self._changes
        finally:
            self._changes = saved
            self._quiet -= 1

    @contextmanager
    def _update(self) -> Iterator[None]:
        """One update: changes are emitted at the end. The cyclic garbage collector is paused
        meanwhile (rows and indexes make no cycles, and it would rescan them all repeatedly)."""
        if self._quiet:
            yield
            return
        self._changes = []
        try:
            with _collector_paused():
                yield
        finally:
            changes, self._changes = self._changes, []
            self._emit(changes)

    def _record_change(self, key: RelKey, inserted: list[Row], deleted: list[Row]) -> None:
        self._changes.append((key, inserted, deleted))

    def _emit(self, changes: list[tuple[RelKey, list[Row], list[Row]]]) -> None:
        deltas = []
        requests = []
        for (namespace, table), inserted, deleted in changes:
            policy = self.policies.get(namespace)
            if policy is None or policy.is_datasource:
                continue
            if table.startswith(EXECUTE_PREFIX):
                requests.extend(_execution_requests(namespace, table, inserted))
                continue
            if self._delta_listeners:
                rows_in, rows_out = tuple(map(plain_row, inserted)), tuple(map(plain_row, deleted))
                deltas.append(TableDelta(namespace, table, rows_in, rows_out))
        if deltas:
            for listener in self._delta_listeners:
                _notify(listener, deltas)
        for request in requests:
            for listener in self._execution_listeners:
                _notify(listener, request)


# An update that left more new container objects than this promotes them to the oldest generation.
PROMOTE_AFTER = 10_000


@contextmanager
def _collector_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for one update.

    Rows are tuples of atoms: they can never be part of a cycle, yet CPython tracks every new tuple and,
    once collection resumes, scans the update's survivors through the young generations again and again
    (for an update of 1e5 rows that costs about as much as computing them). After a big update the
    survivors are moved straight to the oldest generation (``freeze`` then ``unfreeze``, both O(1)), which
    the next full collection scans once, as it would have anyway; nothing is exempt from collection.
    A process that keeps objects frozen itself (congress-server freezes what start-up made) is left to
    its own policy: ``unfreeze`` would put all of those back in the collector's way."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            if gc.get_count()[0] > PROMOTE_AFTER and not gc.get_freeze_count():
                gc.freeze()
                gc.unfreeze()
            gc.enable()


def _notify(listener: Callable[[Any], None], event: Any) -> None:
    """Call a listener; its failure is logged, never undoes the update nor starves the others."""
    try:
        listener(event)
    except Exception:
        LOG.exception("engine listener %r failed", listener)


def _execution_requests(policy: str, table: str, rows: list[Row]) -> Iterator[ExecutionRequest]:
    target = table[len(EXECUTE_PREFIX):-1]
    service, _, action = target.rpartition(":")
    for row in rows:
        yield ExecutionRequest(policy, service or policy, action, plain_row(row))
