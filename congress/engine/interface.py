"""The policy engine as the rest of Congress sees it.

The server, the datasource plumbing and the benchmarks talk to the engine only
through this protocol and these value types; ``congress.engine.PolicyEngine``
implements it. The engine is a plain in-memory library: no threads, no I/O, not
thread-safe (the service that owns it serializes calls).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Protocol

from congress.datalog.ast import Atom, Rule, Value

Row = tuple[Value, ...]

POLICY_KINDS = ("nonrecursive", "action", "database", "materialized", "z3", "datasource")


@dataclass(frozen=True, slots=True)
class TableDelta:
    """The change of one table of one policy, emitted after each engine update."""

    policy: str
    table: str
    inserted: tuple[Row, ...]
    deleted: tuple[Row, ...]


@dataclass(frozen=True, slots=True)
class ExecutionRequest:
    """A new row of an ``execute[service:action(args)]`` head, for reactive enforcement."""

    policy: str
    service: str
    action: str
    args: Row


@dataclass(frozen=True, slots=True)
class StoredRule:
    id: str
    rule: Rule
    text: str


@dataclass(frozen=True, slots=True)
class SimulationResult:
    answers: list[Atom | Rule]
    trace: str | None = None


@dataclass(frozen=True, slots=True)
class Proof:
    """Why a row holds: the rule that derived it and the proofs of its body literals.

    ``rule`` is None for a row that is stored (a fact or a datasource row) or
    for a builtin / negated literal that simply holds.
    """

    atom: Atom
    rule: Rule | None
    children: tuple[Proof, ...] = ()


DeltaListener = Callable[[Sequence[TableDelta]], None]
ExecutionListener = Callable[[ExecutionRequest], None]


class PolicyEngineProtocol(Protocol):
    # -- policies ---------------------------------------------------------
    def create_policy(self, name: str, kind: str = "nonrecursive") -> None: ...

    def create_datasource(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        """A policy of kind ``datasource`` whose tables have these ordered columns."""

    def add_datasource_tables(self, name: str, schema: Mapping[str, Sequence[str]]) -> None:
        """More tables (or columns for a table still empty) of a datasource policy."""

    def delete_policy(self, name: str) -> None: ...

    def policy_kind(self, name: str) -> str: ...

    def policy_names(self) -> list[str]: ...

    # -- rules ------------------------------------------------------------
    def insert_rule(self, policy: str, rule: str | Rule, rule_id: str | None = None) -> StoredRule:
        """Check and add one rule; raises CongressError subclasses, leaving state untouched."""

    def delete_rule(self, policy: str, rule_id: str) -> StoredRule: ...

    def rules(self, policy: str) -> list[StoredRule]: ...

    # -- datasource data --------------------------------------------------
    def replace_table(self, datasource: str, table: str, rows: Iterable[Sequence[Value]]) -> None: ...

    def update_table(
        self,
        datasource: str,
        table: str,
        insert: Iterable[Sequence[Value]] = (),
        delete: Iterable[Sequence[Value]] = (),
    ) -> None:
        """Apply one delta (deletes first); rows of the wrong width raise UpdateNotPermitted."""

    # -- reading ----------------------------------------------------------
    def select(self, policy: str, query: str | Atom | Sequence[Atom] | Rule) -> list[Atom | Rule]:
        """Answers to an atom, a conjunction (its instantiated literals) or a rule (instantiated rules)."""

    def rows(self, policy: str, table: str) -> list[Row]: ...

    def tables(self, policy: str) -> list[str]: ...

    def simulate(
        self,
        policy: str,
        query: str | Atom,
        sequence: str | Sequence[Rule],
        action_policy: str,
        delta: bool = False,
        trace: bool = False,
    ) -> SimulationResult:
        """Apply ``sequence`` temporarily, answer ``query``, undo. A sequence given as parsed
        rules (one step each) skips parsing, for callers that build them."""

    def explain(self, policy: str, atom: str | Atom) -> list[Proof]:
        """One proof per row matching ``atom``; ``congress.engine.render_proof`` prints them."""

    # -- streams ----------------------------------------------------------
    def add_delta_listener(self, listener: DeltaListener) -> None: ...

    def add_execution_listener(self, listener: ExecutionListener) -> None: ...
