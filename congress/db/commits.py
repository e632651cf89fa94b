"""Turns for policy and rule writes, and commits they share (group commit) on SQLite.

Policy and rule changes take turns: a writer holds its turn while it changes the
engine and writes the database, so the database sees the changes in engine order.
Its call answers once the change is durable.

SQLite has one writer and pays an fsync per commit, so with one commit per turn
writers queue behind each other's fsync (milliseconds each when the disk is
busy). ``SharedCommits`` lets them share commits: each turn writes into one
open transaction, in a SAVEPOINT of its own (a turn that raises loses all it
wrote; each repository call is a nested one, so a refused call rolls back only
itself), and once no writer is waiting for a turn, one of the writers waiting
for durability commits all turns so far with one fsync. A commit that fails has
made none of them durable: every writer in it gets the error, after the
``on_failure`` callbacks of their turns have run, newest first (the service
takes the engine changes back).

MySQL and PostgreSQL commit concurrent transactions together themselves; there
(and for an in-memory SQLite) ``SerialCommits`` commits every repository call on
its own, inside the turn (a turn that raises keeps what its calls committed: the
service's turns write once, last).
"""

from __future__ import annotations

import logging
import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import Connection, Engine

from congress.db.engine import make_sessionmaker
from congress.db.policies import PolicyRepository

LOG = logging.getLogger(__name__)

MAX_SHARED = 64  # turns one commit may cover: a steady stream of writers still gets commits


class Turn(Protocol):
    """A writer's turn: ``policies`` writes within it; ``on_failure`` runs if its commit fails."""

    policies: PolicyRepository

    def on_failure(self, callback: Callable[[], object]) -> None: ...


class Commits(Protocol):
    def turn(self) -> AbstractContextManager[Turn]: ...

    def close(self) -> None: ...


@dataclass(eq=False)
class _SerialTurn:
    policies: PolicyRepository

    def on_failure(self, callback: Callable[[], object]) -> None:
        """Nothing to do: every repository call was committed (or refused) when it returned."""


class SerialCommits:
    """One turn at a time; every repository call commits on its own."""

    def __init__(self, policies: PolicyRepository) -> None:
        self._turn = _SerialTurn(policies)
        self._lock = threading.RLock()

    @contextmanager
    def turn(self) -> Iterator[Turn]:
        with self._lock:
            yield self._turn

    def close(self) -> None:
        pass


@dataclass(eq=False)
class _Batch:
    """The turns in the open shared transaction; their writers wait on ``durable``."""

    durable: threading.Condition
    undo: list[Callable[[], object]] = field(default_factory=list)
    turns: int = 0
    done: bool = False
    error: BaseException | None = None


@dataclass(eq=False)
class _SharedTurn:
    policies: PolicyRepository
    batch: _Batch
    undo: list[Callable[[], object]] = field(default_factory=list)

    def on_failure(self, callback: Callable[[], object]) -> None:
        self.undo.append(callback)


class SharedCommits:
    """Turns writing into one open transaction on a connection of their own; commits shared (SQLite).

    The writer that ends a turn while nobody waits for one commits (so does the one that ends the
    ``MAX_SHARED``-th turn of a transaction). Turns go first come, first served: the connection is
    handed to the longest waiting writer (a lock would let a newcomer barge in, and some writer wait
    many turns). Waiters are woken one at a time, but for the writers of a finished commit: with the
    GIL, every thread woken for nothing delays the others.
    """

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._connection: Connection | None = None  # opened by the first turn
        self._policies: PolicyRepository | None = None
        self._mutex = threading.Lock()
        self._busy = False  # a turn or a commit is using the connection
        self._queued: deque[threading.Lock] = deque()  # writers waiting for a turn, each on its own lock
        self._batch: _Batch | None = None  # the open shared transaction, if any

    @contextmanager
    def turn(self) -> Iterator[Turn]:
        """Wait for a turn, run the body in the shared transaction, then (if it raised nothing) wait until
        a commit has made it durable; raises that commit's error if it failed."""
        with self._mutex:
            ticket = None
            if self._busy:
                ticket = threading.Lock()
                ticket.acquire()
                self._queued.append(ticket)
            self._busy = True
        if ticket is not None:
            ticket.acquire()  # released by the writer handing the connection over
        try:
            policies, batch = self._begin()
        except BaseException:
            with self._mutex:
                if not self._hand_over() and self._batch is not None:  # a waiting writer commits it
                    self._batch.durable.notify()
            raise
        turn = _SharedTurn(policies, batch)
        try:
            savepoint = self._connected.begin_nested()  # a turn that raises loses all it wrote
            try:
                yield turn
                savepoint.commit()
            except BaseException:
                if savepoint.is_active:
                    savepoint.rollback()
                raise
        except BaseException:
            self._end_turn(None)
            raise
        if not self._end_turn(turn):
            self._wait(turn.batch)
            return
        self._commit(turn.batch)

    def _begin(self) -> tuple[PolicyRepository, _Batch]:
        """The repository working in the shared transaction (begun if none is open)."""
        if self._connection is None or self._policies is None:
            self._connection = self._engine.connect()
            # Each repository call in a turn is a SAVEPOINT of the shared transaction.
            sessions = make_sessionmaker(self._connection, join_transaction_mode="create_savepoint")
            self._policies = PolicyRepository(sessions)
        if self._batch is None:
            try:
                self._connection.begin()
            except BaseException:
                self._drop_connection()  # the next turn tries another
                raise
            self._batch = _Batch(threading.Condition(self._mutex))
        return self._policies, self._batch

    def _end_turn(self, turn: _SharedTurn | None) -> bool:
        """Give the connection back, or keep it to commit (True). ``turn`` None: it raised, and its
        savepoints were rolled back."""
        batch = self._batch
        assert batch is not None and self._connection is not None
        if turn is not None:
            batch.undo.extend(turn.undo)
            batch.turns += 1
        if not self._connection.connection.dbapi_connection.in_transaction:  # type: ignore[union-attr]
            # SQLite rolled the whole transaction back (an I/O error, a full disk): every turn is lost.
            self._connection.rollback()
            self._fail(batch, RuntimeError("SQLite rolled back the transaction of policy and rule writes"))
        elif batch.turns == 0:  # this writer raised; nothing to commit, and nobody who would
            self._connection.rollback()
            self._batch = None
        with self._mutex:
            if batch.error is not None:
                self._finish(batch)
                return False
            if turn is not None and (not self._queued or batch.turns >= MAX_SHARED):
                return True  # still busy: this writer commits
            if not self._hand_over() and self._batch is batch:  # this writer raised: a waiting one commits
                batch.durable.notify()
        return False

    def _hand_over(self) -> bool:
        """(mutex held) Give the connection to the longest waiting writer, if any (True)."""
        if self._queued:
            self._queued.popleft().release()
            return True
        self._busy = False
        return False

    def _wait(self, batch: _Batch) -> None:
        """Until ``batch`` is committed, or this writer is woken to commit it."""
        with self._mutex:
            while not batch.done:
                if not self._busy and self._batch is batch:
                    self._busy = True
                    break
                batch.durable.wait()
            else:
                if batch.error is not None:
                    raise batch.error
                return
        self._commit(batch)

    def _commit(self, batch: _Batch) -> None:
        """Commit the shared transaction (this writer holds the connection)."""
        assert self._connection is not None
        try:
            self._connection.commit()
        except BaseException as exc:
            # A failed COMMIT may leave SQLite's transaction open (SQLAlchemy's would be over): closing
            # the DBAPI connection rolls it back for sure. The next turn opens another.
            self._drop_connection()
            self._fail(batch, exc)
        with self._mutex:
            self._finish(batch)
        if batch.error is not None:
            raise batch.error

    def _fail(self, batch: _Batch, error: BaseException) -> None:
        """Every turn of ``batch`` fails with ``error``; their on_failure callbacks run, newest first."""
        batch.error = error
        for undo in reversed(batch.undo):
            try:
                undo()
            except Exception:
                LOG.exception("Taking back a change whose commit failed failed")
        batch.undo = []

    def _finish(self, batch: _Batch) -> None:
        """(mutex held) ``batch`` is over: its writers return, the next writer gets the connection."""
        batch.done = True
        if self._batch is batch:
            self._batch = None
        batch.durable.notify_all()
        self._hand_over()

    def _drop_connection(self) -> None:
        assert self._connection is not None
        try:
            self._connection.invalidate()
            self._connection.close()
        except Exception:
            LOG.exception("Closing the connection of policy and rule writes failed")
        self._connection = self._policies = None

    @property
    def _connected(self) -> Connection:
        assert self._connection is not None, "only in a turn"
        return self._connection

    def close(self) -> None:
        if self._connection is not None:
            self._connection.close()
