"""Action executions: recorded in the database first, then handed to the datasource over the bus.

Recording is synchronous (an execution is listed by the time the request that
caused it returns); running it is not: one worker thread calls
``bus.call(service, "execute_action", ...)`` and records the outcome, so a slow
or failing cloud API never blocks policy evaluation or the API.

A transient failure (``is_transient``: the service is not on the bus, the cloud
gave no answer or a 5xx) is tried again after an exponential, jittered wait
(``RetryPolicy``). Meanwhile the execution stays ``pending`` and its ``error``
says which attempt failed and why; waiting retries sit in a schedule, not in a
sleeping thread, so other executions run in between (a retried execution may
thus finish after later ones). A refusal (HTTP 4xx, bad arguments, unknown
action) fails at once. ``stop()`` cancels what has not run yet: those executions
end ``failed``, since the schedule lives in memory only and a restarted server
never re-runs old executions, so ``pending`` would stay forever.
"""

from __future__ import annotations

import heapq
import logging
import random
import threading
import time
from collections import deque
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from oslo_config import cfg

from congress import config
from congress.datasources.base import ActionError
from congress.db.executions import ExecutionLogRepository
from congress.db.records import ExecutionRecord
from congress.dse.bus import Bus, RemoteError, ServiceUnavailable
from congress.exceptions import CongressError

LOG = logging.getLogger(__name__)

DRY_RUN = "dry-run"
PENDING = "pending"
SUCCEEDED = "succeeded"
FAILED = "failed"

# Failures whose cause may be gone a moment later. By class name, since a failure raised in another
# process arrives as a RemoteError naming its class: builtin, requests', keystoneauth's and
# oslo.messaging's connection failures and timeouts.
TRANSIENT_ERROR_NAMES = frozenset(
    {
        "ConnectionError",
        "ConnectionRefusedError",
        "ConnectionResetError",
        "ConnectionAbortedError",
        "BrokenPipeError",
        "TimeoutError",
        "Timeout",
        "ConnectTimeout",
        "ReadTimeout",
        "ConnectFailure",
        "RetriableConnectionFailure",
        "MessagingTimeout",
    }
)
TRANSIENT_HTTP_STATUSES = frozenset({408, 429})  # request timeout, too many requests; and every 5xx


def transient_status(status: int | None) -> bool:
    return status is not None and (status >= 500 or status in TRANSIENT_HTTP_STATUSES)


def is_transient(exc: BaseException) -> bool:
    """Whether trying the execution that failed with ``exc`` again later may succeed."""
    if isinstance(exc, ServiceUnavailable):  # its datasource is not (yet, or no longer) on the bus
        return True
    if isinstance(exc, ActionError):
        return exc.unreachable or transient_status(exc.http_status)
    if isinstance(exc, CongressError):  # any other refusal in Congress's terms: bad input
        return False
    if isinstance(exc, RemoteError):
        return exc.exc_type.rpartition(".")[2] in TRANSIENT_ERROR_NAMES
    status = getattr(exc, "http_status", None)  # a driver's own keystoneauth HttpError, in this process
    if isinstance(status, int) and status:
        return transient_status(status)
    return any(cls.__name__ in TRANSIENT_ERROR_NAMES for cls in type(exc).__mro__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """At most ``retries`` more attempts after transient failures; before retry k a wait drawn uniformly
    from [d/2, d] with d = min(backoff * 2**(k-1), max_backoff), so many executions failing together do
    not all retry at the same moment."""

    retries: int
    backoff: float
    max_backoff: float

    @classmethod
    def from_conf(cls, conf: cfg.ConfigOpts) -> RetryPolicy:
        return cls(conf.action_retry_attempts, conf.action_retry_backoff, conf.action_retry_max_backoff)

    @property
    def attempts(self) -> int:
        """Attempts in all, the first included."""
        return self.retries + 1

    def delay(self, retry: int, rng: random.Random) -> float:
        ceiling = min(self.backoff * 2 ** (retry - 1), self.max_backoff)
        return rng.uniform(ceiling / 2, ceiling)


@dataclass(slots=True)
class _Job:
    record: ExecutionRecord
    named: dict[str, Any]
    attempts: int = 0  # made so far
    last_error: str = ""


class ActionDispatcher:
    """Runs executions on one worker thread; ``retry`` defaults to the options in ``config.CONF``."""

    def __init__(
        self,
        bus: Bus,
        executions: ExecutionLogRepository,
        *,
        enabled: bool = True,
        retry: RetryPolicy | None = None,
    ) -> None:
        self._bus = bus
        self._executions = executions
        self._enabled = enabled
        self._retry = retry if retry is not None else RetryPolicy.from_conf(config.CONF)
        self._rng = random.Random()
        self._cond = threading.Condition()
        self._ready: deque[_Job] = deque()  # to attempt now, in order
        self._scheduled: list[tuple[float, int, _Job]] = []  # heap of (due on time.monotonic(), seq, job)
        self._busy = False  # the worker is attempting a job
        self._stopped = False
        self._worker: threading.Thread | None = None

    def start(self) -> None:
        if self._worker is None:
            with self._cond:
                self._stopped = False
            self._worker = threading.Thread(target=self._run, name="action-dispatcher", daemon=True)
            self._worker.start()

    def stop(self, timeout: float = 5.0) -> None:
        """Let the attempt in progress finish (up to ``timeout``), then fail every execution not yet run:
        queued ones and those waiting for a retry."""
        with self._cond:
            self._stopped = True
            self._cond.notify_all()
        if self._worker is not None:
            self._worker.join(timeout)
            self._worker = None
        with self._cond:
            left = list(self._ready) + [job for _, _, job in self._scheduled]
            self._ready.clear()
            self._scheduled.clear()
            self._cond.notify_all()
        for job in left:
            self._record(job, FAILED, _cancelled(job, self._retry))

    def submit(
        self, policy: str, service: str, action: str, positional: Sequence[Any], named: Mapping[str, Any]
    ) -> ExecutionRecord:
        """Record one execution and queue it (or, with execution disabled, only log it as a dry run)."""
        args = list(positional)
        if not self._enabled:
            LOG.info(
                "Dry run (enable_execute_action=False): %s:%s%s from policy %s",
                service,
                action,
                tuple(args),
                policy,
            )
            return self._executions.append(policy, service, action, args, status=DRY_RUN)
        record = self._executions.append(policy, service, action, args, status=PENDING)
        job = _Job(record, dict(named))
        with self._cond:
            stopped = self._stopped
            if not stopped:
                self._ready.append(job)
                self._cond.notify_all()
        if stopped:  # checked after recording: a stop() in between has failed what it found queued
            return self._record(job, FAILED, _cancelled(job, self._retry)) or record
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

    def drain(self, timeout: float | None = None) -> bool:
        """Wait until every execution has run to its end, retries included (for orderly shutdown and
        tests); False if ``timeout`` passed first."""
        with self._cond:
            return self._cond.wait_for(lambda: not (self._ready or self._scheduled or self._busy), timeout)

    # -- worker ---------------------------------------------------------------
    def _run(self) -> None:
        while (job := self._next_job()) is not None:
            try:
                self._attempt(job)
            finally:
                with self._cond:
                    self._busy = False
                    self._cond.notify_all()

    def _next_job(self) -> _Job | None:
        """The next job to attempt, waiting for one to be queued or come due; None once stopped."""
        with self._cond:
            while not self._stopped:
                now = time.monotonic()
                while self._scheduled and self._scheduled[0][0] <= now:
                    self._ready.append(heapq.heappop(self._scheduled)[2])
                if self._ready:
                    self._busy = True
                    return self._ready.popleft()
                self._cond.wait(self._scheduled[0][0] - now if self._scheduled else None)
            return None

    def _attempt(self, job: _Job) -> None:
        record = job.record
        job.attempts += 1
        try:
            self._bus.call(
                record.service,
                "execute_action",
                action=record.action,
                positional_args=list(record.args),
                named_args=job.named,
            )
        except Exception as exc:  # any failure of a driver is recorded, never raised into the engine
            job.last_error = f"{type(exc).__name__}: {exc}"
            self._failed(job, is_transient(exc))
        else:
            if job.attempts > 1:
                LOG.info("Execution %s succeeded at attempt %s", record.seq, job.attempts)
            self._record(job, SUCCEEDED, None)

    def _failed(self, job: _Job, transient: bool) -> None:
        seq, total = job.record.seq, self._retry.attempts
        if not transient or job.attempts >= total:
            reason = "no retries left" if transient else "not retried"
            LOG.warning("Execution %s failed (%s): %s", seq, reason, job.last_error)
            self._record(
                job, FAILED, f"attempt {job.attempts} of {total} failed ({reason}): {job.last_error}"
            )
            return
        delay = self._retry.delay(job.attempts, self._rng)
        LOG.warning(
            "Execution %s: attempt %s failed, retrying in %.2f s: %s",
            seq,
            job.attempts,
            delay,
            job.last_error,
        )
        # recorded before it is scheduled, so a stop() that cancels it has the last word
        self._record(
            job,
            PENDING,
            f"attempt {job.attempts} of {total} failed, retrying in {delay:.2f} s: {job.last_error}",
        )
        with self._cond:
            stopped = self._stopped
            if not stopped:
                heapq.heappush(self._scheduled, (time.monotonic() + delay, seq, job))
        if stopped:
            self._record(job, FAILED, _cancelled(job, self._retry))

    def _record(self, job: _Job, status: str, error: str | None) -> ExecutionRecord | None:
        """Store a status; a failure to do so (e.g. the database closed at shutdown) is only logged."""
        try:
            return self._executions.set_status(job.record.seq, status, error)
        except Exception:
            LOG.exception("Cannot record status %s of execution %s", status, job.record.seq)
            return None


def _cancelled(job: _Job, retry: RetryPolicy) -> str:
    if not job.attempts:
        return "not attempted: the action dispatcher was stopped first"
    return (
        f"attempt {job.attempts} of {retry.attempts} failed; retry cancelled, the action dispatcher was "
        f"stopped: {job.last_error}"
    )
