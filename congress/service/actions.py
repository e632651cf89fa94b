"""Action executions: recorded in the database first, then handed to the datasource over the bus.

Recording is synchronous (an execution is listed by the time the request that
caused it returns); running it is not: one worker thread calls
``bus.call(service, "execute_action", ...)`` in order and records the outcome,
so a slow or failing cloud API never blocks policy evaluation.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Mapping, Sequence
from typing import Any

from congress.db.executions import ExecutionLogRepository
from congress.db.records import ExecutionRecord
from congress.dse.bus import Bus

LOG = logging.getLogger(__name__)

DRY_RUN = "dry-run"
PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"


class ActionDispatcher:
    def __init__(self, bus: Bus, executions: ExecutionLogRepository, *, enabled: bool = True) -> None:
        self._bus = bus
        self._executions = executions
        self._enabled = enabled
        self._queue: queue.Queue[tuple[ExecutionRecord, dict[str, Any]] | None] = queue.Queue()
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        if self._worker is None:
            self._worker = threading.Thread(target=self._run, name="action-dispatcher", daemon=True)
            self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        if self._worker is not None:
            self._queue.put(None)
            self._worker.join(timeout)
            self._worker = None

    def submit(
        self, policy: str, service: str, action: str, positional: Sequence[Any], named: Mapping[str, Any]
    ) -> ExecutionRecord:
        """Record one execution and queue it (or, with execution disabled, only log it as a dry run)."""
        args = list(positional)
        status = PENDING if self._enabled else DRY_RUN
        record = self._executions.append(policy, service, action, args, status=status)
        if self._enabled:
            self._queue.put((record, dict(named)))
        else:
            LOG.info(
                "Dry run (enable_execute_action=False): %s:%s%s from policy %s",
                service,
                action,
                tuple(args),
                policy,
            )
        return record

    def history(self, since: int = 0) -> list[dict[str, Any]]:
        """The executions with a sequence number above ``since``, oldest first."""
        return [
            {
                "seq": r.seq,
                "time": r.time.isoformat(),
                "policy": r.policy,
                "service": r.service,
                "action": r.action,
                "args": r.args,
                "status": r.status,
                "error": r.error,
            }
            for r in self._executions.since(since)
        ]

    def drain(self) -> None:
        """Wait until every queued execution has run (for orderly shutdown and tests)."""
        self._queue.join()

    def _run(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is None:
                    return
                self._execute(*item)
            finally:
                self._queue.task_done()

    def _execute(self, record: ExecutionRecord, named: dict[str, Any]) -> None:
        try:
            self._bus.call(
                record.service,
                "execute_action",
                action=record.action,
                positional_args=list(record.args),
                named_args=named,
            )
        except Exception as exc:  # any failure of a driver is recorded, never raised into the engine
            LOG.warning("Execution %s of %s:%s failed: %s", record.seq, record.service, record.action, exc)
            self._executions.set_status(record.seq, FAILED, f"{type(exc).__name__}: {exc}")
        else:
            self._executions.set_status(record.seq, SUCCEEDED)
