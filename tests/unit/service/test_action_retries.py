"""Action executions: transient failures retried with jittered exponential backoff, refusals failed at once,
evaluation and the API never held up, stop() cancelling what waits.

Real parts throughout: a SQLite database, the LocalBus with services registered on it (test doubles of a
datasource at the bus boundary), the real Nova driver against the HTTP fake of OpenStack, and the real
v1 application over services built by the container.
"""

from __future__ import annotations

import json
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from webob import Request

from congress import config
from congress.api.app import RootApp, build_router
from congress.api.versions import VersionsApp
from congress.datasources.base import ActionError
from congress.datasources.nova_driver import NovaDriver
from congress.datasources.push_driver import PushDriver
from congress.db.api import Database
from congress.db.records import ExecutionRecord
from congress.dse import faults
from congress.dse.bus import LocalBus, RemoteError, ServiceUnavailable
from congress.engine import PolicyEngine
from congress.service.actions import ActionDispatcher, RetryPolicy, is_transient
from congress.service.container import build
from congress.service.drivers import DriverCatalog
from tests.fakes.openstack import FakeOpenStack, SeenRequest

SLACK = 0.5  # scheduling delay allowed on a loaded machine, on top of a wait's upper bound


class FlakyService:
    """A datasource at the bus boundary: raises the given errors, one per call, then succeeds."""

    def __init__(self, *errors: Exception, gate: threading.Event | None = None) -> None:
        self.errors = list(errors)
        self.calls: list[tuple[float, str, list[Any]]] = []
        self.gate = gate
        self.entered = threading.Event()  # a call has begun (and may be held at the gate)

    def execute_action(self, action: str, positional_args: list[Any], named_args: dict[str, Any]) -> None:
        self.entered.set()
        if self.gate is not None:
            self.gate.wait(10)
        self.calls.append((time.monotonic(), action, positional_args))
        if self.errors:
            raise self.errors.pop(0)

    def gaps(self) -> list[float]:
        return [b[0] - a[0] for a, b in zip(self.calls, self.calls[1:], strict=False)]


@pytest.fixture
def db(tmp_path) -> Iterator[Database]:
    database = Database.connect(f"sqlite:///{tmp_path}/congress.sqlite", key_file=tmp_path / "key")
    database.ensure_schema()
    yield database
    database.close()


@pytest.fixture
def bus() -> LocalBus:
    return LocalBus()


@pytest.fixture
def make_dispatcher(db, bus) -> Iterator[Callable[..., ActionDispatcher]]:
    started: list[ActionDispatcher] = []

    def make(retries: int = 3, backoff: float = 0.05, max_backoff: float = 10.0) -> ActionDispatcher:
        dispatcher = ActionDispatcher(bus, db.executions, retry=RetryPolicy(retries, backoff, max_backoff))
        dispatcher.start()
        started.append(dispatcher)
        return dispatcher

    yield make
    for dispatcher in started:
        dispatcher.stop()


def entry(db: Database, seq: int) -> ExecutionRecord:
    (found,) = [r for r in db.executions.since(seq - 1) if r.seq == seq]
    return found


def wait_for(condition: Callable[[], Any], timeout: float = 10.0) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.01)
    return result


# -- classification ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "exc, transient",
    [
        (ServiceUnavailable("no service 'nova' on the bus"), True),
        (ActionError("POST /servers/x/action failed: Service Unavailable (HTTP 503)", http_status=503), True),
        (ActionError("gateway timeout", http_status=504), True),
        (ActionError("too many requests", http_status=429), True),
        (ActionError("Unable to establish connection", unreachable=True), True),
        (ActionError("POST /servers/x/action failed: Conflict (HTTP 409)", http_status=409), False),
        (ActionError("not found", http_status=404), False),
        (ActionError("datasource 'nova' has no action 'servers.fly'"), False),
        (ActionError("action 'servers.pause' is missing arguments: server"), False),
        (ConnectionRefusedError("connection refused"), True),
        (TimeoutError("timed out"), True),
        (RemoteError("nova", "execute_action", "requests.exceptions.ReadTimeout", "read timed out"), True),
        (RemoteError("nova", "execute_action", "builtins.ConnectionResetError", "reset"), True),
        (RemoteError("nova", "execute_action", "builtins.KeyError", "'server'"), False),
        (KeyError("server"), False),
        (ValueError("bad value"), False),
    ],
)
def test_errors_are_classified_transient_or_permanent(exc, transient):
    assert is_transient(exc) is transient


def test_the_http_status_and_unreachability_of_an_action_error_cross_the_message_bus():
    """The messaging bus rebuilds a remote ActionError from its description: the classification holds."""
    for sent in (ActionError("refused", http_status=409), ActionError("no answer", unreachable=True)):
        received = faults.rebuild("nova", "execute_action", faults.describe(sent))
        assert isinstance(received, ActionError)
        assert (received.http_status, received.unreachable) == (sent.http_status, sent.unreachable)
        assert is_transient(received) is is_transient(sent)


def test_the_wait_before_each_retry_doubles_within_jitter_and_is_capped():
    policy = RetryPolicy(retries=6, backoff=0.1, max_backoff=0.5)
    rng = random.Random(7)
    for retry, ceiling in [(1, 0.1), (2, 0.2), (3, 0.4), (4, 0.5), (5, 0.5)]:
        waits = [policy.delay(retry, rng) for _ in range(200)]
        assert all(ceiling / 2 <= w <= ceiling for w in waits)
        assert max(waits) - min(waits) > ceiling / 4  # jittered, not a fixed wait
    assert policy.attempts == 7


def test_the_retry_policy_defaults_to_the_configured_options(db, bus):
    config.CONF.set_override("action_retry_attempts", 1)
    config.CONF.set_override("action_retry_backoff", 0.01)
    try:
        dispatcher = ActionDispatcher(bus, db.executions)
    finally:
        config.CONF.clear_override("action_retry_attempts")
        config.CONF.clear_override("action_retry_backoff")
    service = FlakyService(*[ActionError("down", http_status=503)] * 5)
    bus.register_service("svc", service)
    dispatcher.start()
    try:
        seq = dispatcher.submit("p", "svc", "act", [], {}).seq
        assert dispatcher.drain(5)
    finally:
        dispatcher.stop()
    assert len(service.calls) == 2
    assert entry(db, seq).error.startswith("attempt 2 of 2 failed (no retries left)")


# -- retries through the bus -----------------------------------------------------------------------


def test_transient_failures_are_retried_with_backoff_until_one_succeeds(db, bus, make_dispatcher):
    service = FlakyService(ActionError("busy", http_status=503), ConnectionResetError("reset by peer"))
    bus.register_service("svc", service)
    dispatcher = make_dispatcher(retries=3, backoff=0.1)
    record = dispatcher.submit("p", "svc", "act", ["vm1"], {})
    assert record.status == "pending"
    assert dispatcher.drain(10)
    done = entry(db, record.seq)
    assert (done.status, done.error) == ("succeeded", None)
    assert [(action, args) for _, action, args in service.calls] == [("act", ["vm1"])] * 3
    first, second = service.gaps()
    assert 0.05 <= first <= 0.1 + SLACK
    assert 0.1 <= second <= 0.2 + SLACK


def test_while_waiting_the_log_shows_pending_with_the_attempt_and_the_last_error(db, bus, make_dispatcher):
    bus.register_service(
        "svc", FlakyService(ActionError("GET failed: Bad Gateway (HTTP 502)", http_status=502))
    )
    dispatcher = make_dispatcher(retries=2, backoff=1.0)
    seq = dispatcher.submit("p", "svc", "act", [], {}).seq
    waiting = wait_for(lambda: (e := entry(db, seq)).error and e)
    assert waiting.status == "pending"
    assert waiting.error.startswith("attempt 1 of 3 failed, retrying in ")
    assert waiting.error.endswith("ActionError: GET failed: Bad Gateway (HTTP 502)")
    assert dispatcher.drain(5)
    assert (entry(db, seq).status, entry(db, seq).error) == ("succeeded", None)


def test_a_service_that_joins_the_bus_late_gets_the_retried_execution(db, bus, make_dispatcher):
    dispatcher = make_dispatcher(retries=3, backoff=0.2)
    seq = dispatcher.submit("p", "late", "act", ["x"], {}).seq
    first = wait_for(lambda: (e := entry(db, seq)).error and e)
    assert first.status == "pending" and "ServiceUnavailable: no service 'late' on the bus" in first.error
    service = FlakyService()
    bus.register_service("late", service)
    assert dispatcher.drain(5)
    assert entry(db, seq).status == "succeeded"
    assert len(service.calls) == 1


def test_transient_failures_fail_once_the_retries_are_used_up(db, bus, make_dispatcher):
    service = FlakyService(*[ActionError("down", http_status=503)] * 10)
    bus.register_service("svc", service)
    dispatcher = make_dispatcher(retries=2, backoff=0.02)
    started = time.monotonic()
    seq = dispatcher.submit("p", "svc", "act", [], {}).seq
    assert dispatcher.drain(5)
    assert time.monotonic() - started >= 0.01 + 0.02  # waited at least half of each backoff
    done = entry(db, seq)
    assert done.status == "failed"
    assert done.error == "attempt 3 of 3 failed (no retries left): ActionError: down"
    assert len(service.calls) == 3


@pytest.mark.parametrize(
    "error, expected",
    [
        (
            ActionError("POST failed: Conflict (HTTP 409)", http_status=409),
            "ActionError: POST failed: Conflict",
        ),
        (ActionError("action 'act': bad arguments: 'server'"), "ActionError: action 'act': bad arguments"),
        (KeyError("server"), "KeyError: 'server'"),
    ],
)
def test_permanent_failures_are_not_retried(db, bus, make_dispatcher, error, expected):
    service = FlakyService(error)
    bus.register_service("svc", service)
    dispatcher = make_dispatcher(retries=3, backoff=0.01)
    seq = dispatcher.submit("p", "svc", "act", [], {}).seq
    assert dispatcher.drain(5)
    time.sleep(0.1)  # longer than any retry would have waited
    done = entry(db, seq)
    assert done.status == "failed"
    assert done.error.startswith(f"attempt 1 of 4 failed (not retried): {expected}")
    assert len(service.calls) == 1


def test_an_unknown_action_of_a_real_driver_is_not_retried(db, bus, make_dispatcher):
    driver = PushDriver("inv", {"description": "inventory", "schema": {"vms": ["id"]}}, bus)
    driver.start()
    dispatcher = make_dispatcher(retries=3, backoff=0.01)
    seq = dispatcher.submit("p", "inv", "servers.fly", ["vm1"], {}).seq
    assert dispatcher.drain(5)
    done = entry(db, seq)
    assert done.status == "failed"
    assert done.error == (
        "attempt 1 of 4 failed (not retried): ActionError: datasource 'inv' has no action 'servers.fly'"
    )


def test_other_executions_run_while_one_waits_for_its_retry(db, bus, make_dispatcher):
    flaky = FlakyService(ActionError("busy", http_status=503))
    healthy = FlakyService()
    bus.register_service("flaky", flaky)
    bus.register_service("healthy", healthy)
    dispatcher = make_dispatcher(retries=1, backoff=1.0)
    waiting = dispatcher.submit("p", "flaky", "act", [1], {}).seq
    later = [dispatcher.submit("p", "healthy", "act", [n], {}).seq for n in range(3)]
    wait_for(lambda: all(entry(db, s).status == "succeeded" for s in later), timeout=0.5 + SLACK)
    assert entry(db, waiting).status == "pending"
    assert len(flaky.calls) == 1 and flaky.calls[0][0] < healthy.calls[0][0]
    assert dispatcher.drain(5)
    assert entry(db, waiting).status == "succeeded" and len(flaky.calls) == 2


# -- stopping ----------------------------------------------------------------------------------------


def test_stop_cancels_waiting_retries_and_fails_them(db, bus, make_dispatcher):
    service = FlakyService(*[ActionError("down", http_status=503)] * 5)
    bus.register_service("svc", service)
    dispatcher = make_dispatcher(retries=3, backoff=30.0)
    seq = dispatcher.submit("p", "svc", "act", [], {}).seq
    wait_for(lambda: entry(db, seq).error)
    started = time.monotonic()
    dispatcher.stop()
    assert time.monotonic() - started < 1.0  # no waiting out the 15-30 s backoff
    done = entry(db, seq)
    assert done.status == "failed"
    assert done.error == (
        "attempt 1 of 4 failed; retry cancelled, the action dispatcher was stopped: ActionError: down"
    )
    assert dispatcher.drain(0)
    time.sleep(0.1)
    assert len(service.calls) == 1


def test_stop_lets_the_running_attempt_finish_and_fails_what_was_never_attempted(db, bus, make_dispatcher):
    gate = threading.Event()
    slow = FlakyService(gate=gate)
    bus.register_service("slow", slow)
    dispatcher = make_dispatcher()
    running = dispatcher.submit("p", "slow", "act", [1], {}).seq
    queued = dispatcher.submit("p", "slow", "act", [2], {}).seq
    assert slow.entered.wait(5)
    dispatcher.stop(timeout=0.2)  # the first attempt is still blocked in the service
    assert entry(db, queued).status == "failed"
    assert entry(db, queued).error == "not attempted: the action dispatcher was stopped first"
    assert entry(db, running).status == "pending"
    gate.set()
    wait_for(lambda: entry(db, running).status == "succeeded")
    after = dispatcher.submit("p", "slow", "act", [3], {})
    assert (after.status, after.error) == ("failed", "not attempted: the action dispatcher was stopped first")
    assert [args for _, _, args in slow.calls] == [[1]]


def test_a_transient_failure_ending_after_stop_is_failed_not_rescheduled(db, bus, make_dispatcher):
    gate = threading.Event()
    service = FlakyService(ActionError("down", http_status=503), gate=gate)
    bus.register_service("svc", service)
    dispatcher = make_dispatcher(retries=3, backoff=0.01)
    seq = dispatcher.submit("p", "svc", "act", [], {}).seq
    assert service.entered.wait(5)
    dispatcher.stop(timeout=0.1)
    gate.set()
    done = wait_for(lambda: (e := entry(db, seq)).status != "pending" and e)
    assert done.status == "failed" and "retry cancelled" in done.error
    assert dispatcher.drain(1)


# -- the real Nova driver against an HTTP fake of the cloud -----------------------------------------


class FlakyCloud(FakeOpenStack):
    """Answers the first ``failures`` server actions with 503, then as recorded."""

    failures: int = 0

    def answer(self, seen: SeenRequest):
        if seen.path.endswith("/action") and self.failures:
            self.failures -= 1
            with self._lock:
                self.requests.append(seen)
            return 503, {}, {"error": {"code": 503, "message": "compute is restarting"}}
        return super().answer(seen)


ACTION_PATH = "/compute/v2.1/servers/vm1/action"


def test_nova_5xx_is_retried_and_409_is_not(db, bus, make_dispatcher):
    with FlakyCloud() as cloud:
        cloud.failures = 2
        cloud.respond("POST", ACTION_PATH, None, status=202)
        bus.register_service("nova", NovaDriver("nova", cloud.config(), bus))
        dispatcher = make_dispatcher(retries=3, backoff=0.02)
        paused = dispatcher.submit("p", "nova", "servers.pause", ["vm1"], {}).seq
        assert dispatcher.drain(10)
        assert entry(db, paused).status == "succeeded"
        assert [r.body for r in cloud.requests_to(ACTION_PATH)] == [{"pause": None}] * 3

        cloud.respond("POST", ACTION_PATH, {"conflictingRequest": {"code": 409}}, status=409)
        refused = dispatcher.submit("p", "nova", "servers.pause", ["vm1"], {}).seq
        assert dispatcher.drain(10)
        done = entry(db, refused)
        assert done.status == "failed" and "(not retried)" in done.error and "409" in done.error
        assert len(cloud.requests_to(ACTION_PATH)) == 4


def test_an_unreachable_cloud_is_retried(db, bus, make_dispatcher):
    with FakeOpenStack() as cloud:
        config_ = cloud.config()
    # the fake has stopped: its port refuses connections
    bus.register_service("nova", NovaDriver("nova", config_, bus))
    dispatcher = make_dispatcher(retries=1, backoff=0.01)
    seq = dispatcher.submit("p", "nova", "servers.pause", ["vm1"], {}).seq
    assert dispatcher.drain(30)
    done = entry(db, seq)
    assert done.status == "failed"
    assert done.error.startswith("attempt 2 of 2 failed (no retries left): ActionError: ")


# -- evaluation and the API meanwhile --------------------------------------------------------------


def call(app, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    req = Request.blank(path, method=method)
    if body is not None:
        req.body = json.dumps(body).encode()
        req.content_type = "application/json"
    resp = req.get_response(app)
    return resp.status_int, json.loads(resp.body) if resp.body else None


@pytest.fixture
def services(db, bus):
    """The container's services, with retries configured as an operator would (congress.conf options)."""
    config.CONF.set_override("action_retry_attempts", 2)
    config.CONF.set_override("action_retry_backoff", 2.0)
    try:
        built = build(db, PolicyEngine(), DriverCatalog({"push": PushDriver}), bus=bus)
    finally:
        config.CONF.clear_override("action_retry_attempts")
        config.CONF.clear_override("action_retry_backoff")
    built.start()
    yield built
    built.stop()


def test_evaluation_and_the_api_proceed_while_executions_wait_for_retries(services, bus):
    service = FlakyService(ActionError("busy", http_status=503))
    bus.register_service("compute", service)
    app = RootApp(build_router(services), VersionsApp())
    body = {"name": "inv", "driver": "push", "config": {"schema": {"vms": ["id", "state"]}}}
    assert call(app, "POST", "/v1/data-sources", body)[0] == 201
    call(app, "POST", "/v1/policies", {"name": "enforce"})
    rule = {"rule": 'execute[compute:pause(x)] :- inv:vms(x, "bad")'}
    assert call(app, "POST", "/v1/policies/enforce/rules", rule)[0] == 201

    def log() -> list[dict]:
        return call(app, "GET", "/v1/action-executions")[1]["results"]

    assert call(app, "PUT", "/v1/data-sources/inv/tables/vms/rows", [["vm1", "bad"]])[0] == 200
    wait_for(lambda: log()[0]["error"])
    failed_at = time.monotonic()
    # the first attempt failed; its retry waits 1-2 s: meanwhile data changes, queries answer, and
    # another execution runs to its end
    for n in range(2, 6):
        rows = [["vm1", "bad"]] + [[f"vm{i}", "ok"] for i in range(2, n + 1)]
        assert call(app, "PUT", "/v1/data-sources/inv/tables/vms/rows", rows)[0] == 200
        query = {"query": 'inv:vms(x, "ok")'}
        status, answer = call(app, "POST", "/v1/policies/enforce?action=query", query)
        assert status == 200 and len(answer["result"]) == n - 1
    rows = [["vm1", "bad"], ["vm9", "bad"]]
    assert call(app, "PUT", "/v1/data-sources/inv/tables/vms/rows", rows)[0] == 200
    wait_for(lambda: log()[1]["status"] == "succeeded")
    waiting, new = log()
    assert time.monotonic() - failed_at < 1.0  # all of the above before the retry could have run
    assert waiting["status"] == "pending" and waiting["error"].startswith(
        "attempt 1 of 3 failed, retrying in"
    )
    assert (new["args"], new["error"]) == (["vm9"], None)

    assert services.actions.drain(10)
    assert [(e["args"], e["status"], e["error"]) for e in log()] == [
        (["vm1"], "succeeded", None),
        (["vm9"], "succeeded", None),
    ]
    assert [args for _, _, args in service.calls] == [["vm1"], ["vm9"], ["vm1"]]
