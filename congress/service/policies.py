"""PolicyService: the policy engine behind a lock, with policies and rules persisted in the database.

The engine is the source of truth for evaluation, the database for what
survives a restart: every change goes to the engine first (which checks it),
then to the database; if the database refuses, the engine change is undone.
At start-up the stored policies and rules are replayed into the engine with
their ids. Executions the engine asks for during a change are recorded and
dispatched once the change is durable.

``_lock`` guards the engine and is held only while it is read or changed, so
readers never wait on the disk. Policy and rule changes take turns
(``congress.db.commits``): a turn changes the engine and writes the database,
so the database sees changes in engine order, and the call answers once the
change is durable; on SQLite turns share their commits.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

from congress.datalog.ast import Atom, Constant
from congress.datalog.parser import parse_rule
from congress.db.commits import Commits, SerialCommits, Turn
from congress.db.datasources import DatasourceRepository
from congress.db.policies import PolicyRepository, unknown_rule
from congress.db.records import DatasourceRecord, NewRule, PolicyRecord, RuleRecord
from congress.dse.bus import Bus, ServiceUnavailable
from congress.dse.messages import TableUpdate, datasource_topic
from congress.engine import render_proof
from congress.engine.interface import ExecutionRequest, PolicyEngineProtocol, StoredRule
from congress.exceptions import (
    CongressError,
    DatasourceNotFound,
    PolicyNotExists,
    RuleAlreadyExists,
    RuleNotExists,
    RuleNotPermitted,
    SimulateError,
    TableNotFound,
)
from congress.service.actions import ActionDispatcher
from congress.service.errors import DanglingReference, NotFound
from congress.service.rendering import pretty_rule
from congress.service.validation import PolicySpec, policy_spec

LOG = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")

SYSTEM_POLICIES = (
    PolicySpec("classification", "class", "default policy", "nonrecursive", None),
    PolicySpec("action", "actio", "default action policy", "action", None),
)
DATASOURCE_KIND = "datasource"
ENGINE = "__engine"  # the policy engine's name on the bus


def policy_document(record: PolicyRecord) -> dict[str, Any]:
    return {
        "id": record.id,
        "name": record.name,
        "abbreviation": record.abbreviation,
        "description": record.description,
        "owner_id": record.owner_id,
        "kind": record.kind,
    }


def rule_document(record: RuleRecord, text: str | None = None) -> dict[str, Any]:
    return {"id": record.id, "name": record.name, "comment": record.comment, "rule": text or record.rule}


@dataclass(eq=False)
class _Writing:
    """A writer's turn and the executions its changes asked for (dispatched once they are durable)."""

    turn: Turn
    requests: list[ExecutionRequest] = field(default_factory=list)

    @property
    def policies(self) -> PolicyRepository:
        return self.turn.policies


class PolicyService:
    def __init__(
        self,
        engine: PolicyEngineProtocol,
        repo: PolicyRepository,
        dispatcher: ActionDispatcher,
        bus: Bus,
        datasources: DatasourceRepository | None = None,
        commits: Commits | None = None,
    ) -> None:
        """``repo`` serves reads; writes go through ``commits`` (by default each commits on its own)."""
        self._engine = engine
        self._repo = repo
        self._commits = commits or SerialCommits(repo)
        self._datasource_repo = datasources  # a datasource's policy is also addressed by the datasource's id
        self._dispatcher = dispatcher
        self._bus = bus
        self._lock = threading.RLock()  # the engine (and _requests): never held across database I/O
        self._requests: list[ExecutionRequest] = []
        engine.add_execution_listener(self._requests.append)
        bus.register_service(ENGINE, self)

    # -- life cycle ---------------------------------------------------------
    def start(self) -> None:
        """Replay the stored policies and rules into the engine; create the system policies if missing."""
        with self._lock:
            stored = {p.name: p for p in self._repo.list()}
            for spec in SYSTEM_POLICIES:
                if spec.name not in stored:
                    stored[spec.name] = self._repo.create(
                        spec.name,
                        kind=spec.kind,
                        abbreviation=spec.abbreviation,
                        description=spec.description,
                    )
            existing = set(self._engine.policy_names())  # the engine makes the system policies itself
            for record in stored.values():
                if record.name not in existing:
                    self._engine.create_policy(record.name, record.kind)
            for policy, rules in self._repo.rules_by_policy().items():
                for rule in rules:
                    try:
                        self._subscribe(self._engine.insert_rule(policy, rule.rule, rule_id=rule.id))
                    except CongressError as exc:
                        LOG.error("Stored rule %s of policy %s no longer loads: %s", rule.id, policy, exc)
            self._requests.clear()  # restoring re-derives old executions; they already ran

    def _mutate(self, change: Callable[[], T]) -> T:
        """An engine-only change (datasource data, datasource policies) under the engine lock, then the
        executions it caused are dispatched. A change that fails has undone itself: what it asked to
        execute is dropped."""
        with self._lock:
            result, requests = self._apply(change)
        self._dispatch(requests)
        return result

    @contextmanager
    def _writing(self) -> Iterator[_Writing]:
        """A turn for policy and rule changes; over once they are durable, then their executions go."""
        with self._commits.turn() as turn:
            writing = _Writing(turn)
            yield writing
        self._dispatch(writing.requests)

    def _write(
        self,
        writing: _Writing,
        apply: Callable[[], T],
        persist: Callable[[T], R],
        undo: Callable[[T], object],
    ) -> tuple[T, R]:
        """A policy or rule change in a turn: ``apply`` to the engine (which checks it) under the engine
        lock, then ``persist`` it (with ``writing.policies``) outside that lock. If ``persist`` fails, or
        later the commit that was to make it durable, ``undo`` takes the engine change back and what it
        asked to execute is dropped."""
        with self._lock:
            applied, requests = self._apply(apply)

        def take_back() -> None:
            with self._lock:
                self._apply(lambda: undo(applied))

        try:
            persisted = persist(applied)
        except BaseException:
            take_back()
            raise
        writing.turn.on_failure(take_back)
        writing.requests.extend(requests)
        return applied, persisted

    def _apply(self, change: Callable[[], T]) -> tuple[T, list[ExecutionRequest]]:
        """Run an engine change (engine lock held) and take the executions it asked for."""
        try:
            result = change()
        except BaseException:
            self._requests.clear()
            raise
        requests, self._requests[:] = list(self._requests), []
        return result, requests

    def _dispatch(self, requests: list[ExecutionRequest]) -> None:
        for request in requests:
            self._dispatcher.submit(request.policy, request.service, request.action, request.args, {})

    # -- lookup -------------------------------------------------------------
    def _engine_policy(self, ref: str) -> str:
        """The engine's name for a user or datasource policy given by name or id.

        A name is answered from the engine: a database lookup per read was half the CPU of GET rows.
        """
        with self._lock:
            if ref in self._engine.policy_names():
                return ref
        try:
            return self._repo.get(ref).name
        except PolicyNotExists:
            found = self._datasource_policy(ref)
            if found is None:
                raise
            return found[0]

    def _datasource_policy(self, ref: str) -> tuple[str, str | None] | None:
        """(name, datasource id) of the datasource policy named ``ref`` or of the datasource whose id it is;
        None if ``ref`` is neither."""
        if self._is_datasource(ref):
            record = self._find_datasource(ref)
            return ref, (record.id if record else None)
        record = self._find_datasource(ref)
        if record is not None and self._is_datasource(record.name):
            return record.name, record.id
        return None

    def _find_datasource(self, ref: str) -> DatasourceRecord | None:
        if self._datasource_repo is None:
            return None
        try:
            return self._datasource_repo.get(ref)
        except DatasourceNotFound:
            return None

    # -- policies -----------------------------------------------------------
    def list_policies(self) -> list[dict[str, Any]]:
        return [policy_document(p) for p in self._repo.list()]

    def get_policy(self, ref: str) -> dict[str, Any]:
        try:
            return policy_document(self._repo.get(ref))
        except PolicyNotExists:
            raise NotFound(f"No policy found with name or id {ref}") from None

    def create_policy(self, body: Mapping[str, Any]) -> dict[str, Any]:
        """Create a policy, with its rules if the body has ``rules`` (all of them or nothing)."""
        spec = policy_spec(body)

        def create() -> list[StoredRule | None]:
            """The stored rule for each submitted one, None for a repeat of an earlier one."""
            self._engine.create_policy(spec.name, spec.kind)
            stored: list[StoredRule | None] = []
            try:
                for rule in spec.rules or ():
                    try:
                        stored.append(self._engine.insert_rule(spec.name, rule.rule))
                    except RuleAlreadyExists:
                        # The policy is new, so only this request holds the rule already (the bundled
                        # UnsafeTraffic repeats one): it is kept once.
                        stored.append(None)
            except BaseException:
                self._engine.delete_policy(spec.name)
                raise
            return stored

        def persist(stored: list[StoredRule | None]) -> PolicyRecord:
            return writing.policies.create(
                spec.name,
                kind=spec.kind,
                abbreviation=spec.abbreviation,
                description=spec.description,
                rules=[
                    NewRule(s.text, r.name, r.comment, s.id)
                    for s, r in zip(stored, spec.rules or (), strict=True)
                    if s is not None
                ],
            )

        with self._writing() as writing:
            stored, record = self._write(
                writing, create, persist, lambda _: self._engine.delete_policy(spec.name)
            )
        for rule in stored:
            if rule is not None:
                self._subscribe(rule)
        document = policy_document(record)
        if spec.rules is not None:
            document["rules"] = [
                {
                    "rule": pretty_rule(s.rule if s else parse_rule(r.rule)),
                    "name": r.name,
                    "comment": r.comment,
                }
                for s, r in zip(stored, spec.rules, strict=True)
            ]
        return document

    def delete_policy(self, ref: str) -> dict[str, Any]:
        with self._writing() as writing:
            return self._delete_policy(writing, ref)

    def _delete_policy(self, writing: _Writing, ref: str) -> dict[str, Any]:
        try:
            record = writing.policies.get(ref)
        except PolicyNotExists:
            raise NotFound(f"Policy Name or ID '{ref}' does not exist") from None
        if record.name in {s.name for s in SYSTEM_POLICIES}:
            raise NotFound(f"Cannot delete system-maintained policy {record.name}")

        def restore(rules: list[StoredRule]) -> None:
            self._engine.create_policy(record.name, record.kind)
            for rule in rules:
                self._engine.insert_rule(record.name, rule.rule, rule_id=rule.id)

        def delete() -> list[StoredRule]:
            rules = self._engine.rules(record.name)
            self._engine.delete_policy(record.name)
            return rules

        self._write(writing, delete, lambda _: writing.policies.delete(record.id), restore)
        return policy_document(record)

    def _subscribe(self, stored: StoredRule) -> None:
        """Tell each datasource a rule reads from that its table is used (lazy tables start being fetched)."""
        for atom in stored.rule.body:
            if atom.theory and atom.theory in self._datasources():
                try:
                    self._bus.call(atom.theory, "subscribe_table", table=atom.table)
                except ServiceUnavailable:  # a disabled data source: nothing is fetched anyway
                    LOG.debug("Data source %s is not running; %s not subscribed", atom.theory, atom.table)

    def _datasources(self) -> set[str]:
        with self._lock:
            return {n for n in self._engine.policy_names() if self._engine.policy_kind(n) == DATASOURCE_KIND}

    # -- rules --------------------------------------------------------------
    def list_rules(self, ref: str) -> list[dict[str, Any]]:
        try:
            return [rule_document(r) for r in self._repo.rules(ref)]
        except PolicyNotExists:
            if self._datasource_policy(ref) is not None:
                return []
            raise

    def _is_datasource(self, ref: str) -> bool:
        with self._lock:
            return ref in self._engine.policy_names() and self._engine.policy_kind(ref) == DATASOURCE_KIND

    def create_rule(
        self, ref: str, text: str, *, name: str | None = None, comment: str = ""
    ) -> dict[str, Any]:
        with self._writing() as writing:  # the policy found is the one the rule goes into
            try:
                policy = writing.policies.get(ref)
            except PolicyNotExists:
                if self._datasource_policy(ref) is not None:
                    raise RuleNotPermitted(
                        f"Policy {ref} is a datasource policy; its rows come from the datasource"
                    ) from None
                raise
            stored, record = self._write(
                writing,
                lambda: self._engine.insert_rule(policy.name, text),
                lambda stored: writing.policies.add_rule(
                    policy, text, name=name, comment=comment, id=stored.id
                ),
                lambda stored: self._engine.delete_rule(policy.name, stored.id),
            )
        self._subscribe(stored)
        return rule_document(record, pretty_rule(stored.rule))

    def get_rule(self, ref: str, rule_id: str) -> dict[str, Any]:
        policy = self._repo.get(ref)
        try:
            return rule_document(self._repo.get_rule(policy.id, rule_id))
        except RuleNotExists:
            raise NotFound("Not found") from None

    def delete_rule(self, ref: str, rule_id: str) -> dict[str, Any]:
        with self._writing() as writing:
            policy = writing.policies.get(ref)

            def delete() -> StoredRule:
                try:
                    return self._engine.delete_rule(policy.name, rule_id)
                except RuleNotExists:  # the database has the rules the engine has: answer as it would
                    raise unknown_rule(rule_id, policy.name) from None

            _, record = self._write(
                writing,
                delete,
                lambda _: writing.policies.delete_rule(policy, rule_id),
                lambda stored: self._engine.insert_rule(policy.name, stored.text, rule_id=rule_id),
            )
        return rule_document(record)

    # -- status -------------------------------------------------------------
    def policy_status(self, ref: str) -> dict[str, Any]:
        try:
            record = self._repo.get(ref)
        except PolicyNotExists:
            found = self._datasource_policy(ref)
            if found is None:
                raise NotFound(f"policy with name or id '{ref}' doesn't exist") from None
            return {k: v for k, v in zip(("name", "id"), found, strict=True) if v is not None}
        return {"name": record.name, "id": record.id}

    def rule_status(self, ref: str, rule_id: str) -> dict[str, Any]:
        try:
            record = self._repo.get_rule(ref, rule_id)
        except (PolicyNotExists, RuleNotExists) as exc:
            raise NotFound(exc.message) from None
        status = {
            "name": record.name,
            "id": record.id,
            "comment": record.comment,
            "original_str": record.rule,
        }
        return {k: v for k, v in status.items() if v is not None}

    # -- reading ------------------------------------------------------------
    def tables(self, ref: str) -> list[str]:
        try:
            policy = self._engine_policy(ref)
        except PolicyNotExists:
            raise NotFound("Not found") from None
        with self._lock:
            return self._engine.tables(policy)

    def table(self, ref: str, table: str) -> str:
        if table not in self.tables(ref):
            raise NotFound("Not found")
        return table

    def rows(self, ref: str, table: str, *, trace: bool = False) -> tuple[list[tuple], str | None]:
        """The rows of a table and, with ``trace``, the proof of each row."""
        try:
            policy = self._engine_policy(ref)
        except PolicyNotExists:
            raise NotFound(f"policy '{ref}' doesn't exist") from None
        with self._lock:
            if table not in self._engine.tables(policy):
                raise TableNotFound(f"table '{table}' doesn't exist")
            rows = self._engine.rows(policy, table)
            if not trace:
                return rows, None
            proofs = []
            for row in rows:
                proofs.extend(self._engine.explain(policy, Atom(table, tuple(Constant(v) for v in row))))
        return rows, (render_proof(proofs) if proofs else "Not available")

    def query(self, ref: str, query: str) -> list[str]:
        policy = self._engine_policy(ref)
        with self._lock:
            return [str(answer) for answer in self._engine.select(policy, query)]

    def simulate(
        self, ref: str, query: str, sequence: str, action_policy: str, *, delta: bool, trace: bool
    ) -> tuple[list[str], str | None]:
        """Every simulate failure is a simulate_error (1007), as in the original."""
        try:
            policy = self._engine_policy(ref)
            with self._lock:
                result = self._engine.simulate(
                    policy, query, sequence, action_policy, delta=delta, trace=trace
                )
        except SimulateError:
            raise
        except CongressError as exc:
            raise SimulateError(exc.message, data=exc.data) from exc
        return [str(answer) for answer in result.answers], result.trace

    # -- actions ------------------------------------------------------------
    def execute(
        self, policy: str, service: str, action: str, positional: Sequence[Any], named: Mapping[str, Any]
    ) -> None:
        """An action a user asked for through the API: recorded and dispatched like a policy's."""
        self._dispatcher.submit(policy, service, action, positional, named)

    # -- datasource policies (called by the datasource service over the bus) ----
    def exists(self, name: str) -> bool:
        """Whether a policy of any kind (datasource policies included) has this name."""
        with self._lock:
            return name in self._engine.policy_names()

    def create_datasource_policy(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        """A datasource's policy, fed from then on by its ``datasource_topic`` updates."""
        with self._lock:
            self._engine.create_datasource(name, schema)
        self._bus.subscribe(datasource_topic(name), self.apply_update)

    def add_datasource_tables(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        """Tables a datasource learned after its policy was made (a push datasource without a schema)."""
        with self._lock:
            self._engine.add_datasource_tables(name, schema)

    def delete_datasource_policy(self, name: str, *, referenced_ok: bool = True) -> None:
        """Drop a datasource's policy. ``referenced_ok`` False (a user deleting the datasource): refused,
        changing nothing, while rules read its tables; they would silently evaluate to nothing."""

        def delete() -> None:
            if not referenced_ok:
                users = self._readers_of(name)
                if users:
                    raise DanglingReference(
                        f"Cannot delete datasource {name}: rules still reference it: {'; '.join(users)}. "
                        "Delete those rules first."
                    )
            self._engine.delete_policy(name)

        self._mutate(delete)
        self._bus.unsubscribe(datasource_topic(name), self.apply_update)

    def _readers_of(self, datasource: str) -> list[str]:
        """``policy rule <id> (<text>)`` for every rule whose body reads a table of ``datasource``."""
        found = []
        for policy in sorted(self._engine.policy_names()):
            if self._engine.policy_kind(policy) == DATASOURCE_KIND:
                continue
            for stored in self._engine.rules(policy):
                if any(atom.theory == datasource for atom in stored.rule.body):
                    found.append(f"policy {policy} rule {stored.id} ({stored.text})")
        return found

    def apply_update(self, update: TableUpdate) -> None:
        """Bus handler of ``datasource_topic(name)``: one datasource table change into the engine."""
        if update.replace:
            self._mutate(lambda: self._engine.replace_table(update.datasource, update.table, update.insert))
        else:
            self._mutate(
                lambda: self._engine.update_table(
                    update.datasource, update.table, insert=update.insert, delete=update.delete
                )
            )
