"""The log of actions policies asked to execute, read by sequence number."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from congress.db.models import ActionExecution
from congress.db.records import ExecutionRecord
from congress.db.repository import Repository
from congress.db.types import dump_json, load_json, utcnow


class ExecutionLogRepository(Repository):
    def append(
        self,
        policy: str,
        service: str,
        action: str,
        args: Any,
        *,
        status: str,
        error: str | None = None,
        time: datetime | None = None,
    ) -> ExecutionRecord:
        """Record one execution; ``args`` is any JSON value (e.g. {"positional": [...], "named": {...}}).

        Sequence numbers start at 1 and only grow.
        """
        entry = ActionExecution(
            time=time or utcnow(),
            policy=policy,
            service=service,
            action=action,
            args=dump_json(args),
            status=status,
            error=error,
        )
        with self._transaction() as session:
            session.add(entry)
            session.flush()
            return _record(entry)

    def set_status(self, seq: int, status: str, error: str | None = None) -> ExecutionRecord:
        """Record how an execution ended (KeyError for an unknown seq: a caller's bug, not user input)."""
        with self._transaction() as session:
            entry = session.get(ActionExecution, seq, with_for_update=True)
            if entry is None:
                raise KeyError(seq)
            entry.status = status
            entry.error = error
            return _record(entry)

    def since(self, seq: int = 0, limit: int | None = None) -> list[ExecutionRecord]:
        """Entries with a sequence number above ``seq``, oldest first, at most ``limit`` of them."""
        query = select(ActionExecution).where(ActionExecution.seq > seq).order_by(ActionExecution.seq)
        if limit is not None:
            query = query.limit(limit)
        with self._transaction(read_only=True) as session:
            return [_record(e) for e in session.scalars(query)]


def _record(e: ActionExecution) -> ExecutionRecord:
    return ExecutionRecord(e.seq, e.time, e.policy, e.service, e.action, load_json(e.args), e.status, e.error)
