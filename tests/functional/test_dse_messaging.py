"""The multi-process bus over a real RabbitMQ: this process and ``dse_peer.py`` subprocesses.

Needs a broker at ``CONGRESS_TEST_TRANSPORT_URL`` (default the local RabbitMQ,
guest/guest); skips cleanly without one. Each test run (and each peer that is
killed or stopped) gets its own namespace, so runs sharing a broker never see
each other's messages.
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import socket
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest

from congress.datasources.base import ActionError
from congress.dse.bus import RemoteError, ServiceUnavailable
from congress.dse.codec import CodecError
from congress.dse.messages import TableUpdate, datasource_topic
from congress.dse.messaging import MessagingBus
from congress.engine import PolicyEngine
from congress.exceptions import PolicyNotExists, PolicySyntaxError, UpdateNotPermitted
from tests.functional.dse_peer import ANSWER_TIMEOUT, PUSH_DATASOURCE, PUSH_SCHEMA, numbered_updates

PEER = Path(__file__).with_name("dse_peer.py")
REPO_ROOT = Path(__file__).resolve().parents[2]
# Queues vanish with their consumers (those of killed peers a minute later), so test runs leave
# nothing behind on the broker. Without AMQP heartbeats a consumer polls every second instead of
# every few, which is how fast it stops.
URL = os.environ.get(
    "CONGRESS_TEST_TRANSPORT_URL",
    "rabbit://guest:guest@127.0.0.1:5672/"
    "?amqp_auto_delete=true&rabbit_transient_queues_ttl=60&heartbeat_timeout_threshold=0",
)
SLACK = 3.0  # seconds of scheduling noise allowed on a busy 2-core machine


def _broker_reachable(url: str) -> bool:
    parts = urlsplit(url)
    try:
        socket.create_connection((parts.hostname or "127.0.0.1", parts.port or 5672), timeout=1).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(not _broker_reachable(URL), reason=f"no message broker at {URL}")


class Peer:
    """A ``dse_peer.py`` subprocess; its stdout lines are read by a thread so waits are bounded."""

    def __init__(self, namespace: str) -> None:
        self.proc = subprocess.Popen(
            [sys.executable, str(PEER), URL, namespace, f"peer-{uuid.uuid4().hex[:6]}"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=REPO_ROOT,
            env={**os.environ, "PYTHONPATH": str(REPO_ROOT)},
        )
        self._lines: queue.Queue[str] = queue.Queue()
        threading.Thread(target=self._read, daemon=True).start()
        self.expect("ready", timeout=30)

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self._lines.put(line.strip())

    def send(self, command: str) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()

    def expect(self, word: str, timeout: float) -> str:
        try:
            line = self._lines.get(timeout=timeout)
        except queue.Empty:
            raise AssertionError(f"peer did not say {word!r} within {timeout} s") from None
        assert line.split()[0] == word, line
        return line

    def stop(self) -> None:
        """Close the peer's bus (its queues go with it), or kill it if it does not exit in time."""
        if self.proc.poll() is None:
            try:
                self.send("stop")
                self.proc.wait(20)
            except (OSError, subprocess.TimeoutExpired):
                self.kill()

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)


def unique_namespace() -> str:
    return f"congress-test-{uuid.uuid4().hex[:10]}"


def wait_for(condition: Callable[[], bool], timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.02)


def make_bus(namespace: str) -> MessagingBus:
    return MessagingBus(URL, f"test-{os.getpid()}", namespace=namespace, answer_timeout=ANSWER_TIMEOUT)


@pytest.fixture(scope="module")
def namespace() -> str:
    return unique_namespace()


@pytest.fixture(scope="module")
def peer(namespace: str) -> Iterator[Peer]:
    peer = Peer(namespace)
    yield peer
    peer.stop()


@pytest.fixture(scope="module")
def bus(namespace: str, peer: Peer) -> Iterator[MessagingBus]:
    with make_bus(namespace) as bus:
        yield bus


@pytest.fixture
def spawned() -> Iterator[list[Peer]]:
    """Peers a test starts for itself; killed afterwards whatever happened."""
    peers: list[Peer] = []
    yield peers
    for peer in peers:
        peer.kill()


def test_call_results_keep_their_types(bus):
    value = {
        "update": TableUpdate("nova", "servers", insert=(("vm1", 1, 1.0),), replace=True),
        "row": (3, 3.0, True, None, "3"),
        ("tuple", "key"): [frozenset({1}), {2.5}],
    }
    back = bus.call("peer", "echo", value=value)
    assert back == value
    assert [type(v) for v in back["row"]] == [int, float, bool, type(None), str]
    assert type(back[("tuple", "key")][0]) is frozenset and type(back["update"]) is TableUpdate


def test_remote_congress_errors_come_back_as_themselves(bus):
    with pytest.raises(PolicySyntaxError) as syntax:
        bus.call("peer", "fail", kind="syntax")
    assert str(syntax.value) == "line 3, column 7: unexpected ')'"
    assert (syntax.value.line, syntax.value.column, syntax.value.code) == (3, 7, "rule_syntax")

    with pytest.raises(ActionError) as action:
        bus.call("peer", "fail", kind="action")
    assert str(action.value) == "no action servers.explode"
    assert action.value.data == {"known": ["servers.pause"]} and action.value.code == "execute_error"

    # A class only the peer knows arrives as its nearest congress ancestor.
    with pytest.raises(PolicyNotExists) as ancestor:
        bus.call("peer", "fail", kind="peer-only")
    assert type(ancestor.value) is PolicyNotExists and str(ancestor.value) == "policy alpha does not exist"


def test_other_remote_errors_are_remote_errors(bus):
    with pytest.raises(RemoteError) as plain:
        bus.call("peer", "fail", kind="nonsense")
    assert plain.value.exc_type == "builtins.ValueError" and plain.value.message == "bad kind nonsense"
    assert "peer.fail" in str(plain.value)
    with pytest.raises(RemoteError, match="not a public method"):
        bus.call("peer", "_lock")
    with pytest.raises(RemoteError, match="AttributeError"):
        bus.call("peer", "no_such_method")


def test_values_that_cannot_travel_fail_as_codec_errors_on_either_side(bus):
    with pytest.raises(CodecError, match="cannot travel"):
        bus.call("peer", "unsendable")
    with pytest.raises(CodecError, match="cannot travel"):
        bus.call("peer", "echo", value=object())
    assert bus.call("peer", "echo", value="still fine") == "still fine"


def test_updates_from_the_peer_arrive_once_in_order_to_every_handler(bus):
    topic = f"datasource.ds-{uuid.uuid4().hex[:6]}.updates"
    seen: list[tuple[str, TableUpdate]] = []
    bus.subscribe(topic, lambda u: seen.append(("first", u)))
    bus.subscribe(topic, lambda u: seen.append(("second", u)))
    assert bus.call("peer", "publish", topic=topic, count=200) == 200
    wait_for(lambda: len(seen) >= 400)
    time.sleep(0.2)  # nothing more may come
    expected = numbered_updates(topic, 200)
    assert seen == [(name, u) for u in expected for name in ("first", "second")]


def test_resubscribing_at_once_still_delivers_each_update_once(bus):
    topic = f"datasource.ds-{uuid.uuid4().hex[:6]}.updates"
    seen: list[TableUpdate] = []
    bus.subscribe(topic, seen.append)
    bus.unsubscribe(topic, seen.append)  # its consumer stops in the background; a new one starts
    bus.subscribe(topic, seen.append)
    bus.call("peer", "publish", topic=topic, count=20)
    wait_for(lambda: len(seen) >= 20)
    time.sleep(0.5)
    assert seen == numbered_updates(topic, 20)


def test_many_topics_each_resubscribed_at_once_get_every_update_once(namespace, peer, caplog):
    """A consumer stopping in the background must leave its successor's queues alone.

    (They used to share queues: the old one's exit deleted them under the new one, whose
    channel then kept failing; updates were lost, others redelivered, and it never stopped.)
    Many topics make the unlucky timing near certain.
    """
    topics = [f"datasource.ds-{uuid.uuid4().hex[:6]}.updates" for _ in range(8)]
    seen: dict[str, list[TableUpdate]] = {topic: [] for topic in topics}
    bus = MessagingBus(
        URL, f"test-{os.getpid()}-resubscriber", namespace=namespace, answer_timeout=ANSWER_TIMEOUT
    )
    try:
        for topic in topics:
            for action in (bus.subscribe, bus.unsubscribe, bus.subscribe):
                action(topic, seen[topic].append)
        for topic in topics:
            bus.call("peer", "publish", topic=topic, count=5)
        wait_for(lambda: all(len(updates) >= 5 for updates in seen.values()))
        time.sleep(0.5)  # nothing more may come
        assert seen == {topic: numbered_updates(topic, 5) for topic in topics}
    finally:
        started = time.monotonic()
        bus.close(timeout=10)
    assert time.monotonic() - started < 1 + SLACK  # every consumer stops within a poll interval
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []


def test_updates_published_here_reach_the_peer_in_order(bus):
    updates = numbered_updates("to-peer", 50)
    for update in updates:
        bus.publish("to-peer", update)
    wait_for(lambda: len(bus.call("peer", "received")) >= 50)
    assert bus.call("peer", "received") == updates


def test_a_datasource_driver_in_the_peer_feeds_a_policy_engine_here(bus):
    """The real push driver publishes its deltas and serves its calls from the other process."""
    engine, lock = PolicyEngine(), threading.Lock()
    engine.create_datasource(PUSH_DATASOURCE, PUSH_SCHEMA)
    engine.create_policy("alpha")
    engine.insert_rule("alpha", 'mine(x) :- pushds:servers(x, "alice")')

    def apply(update: TableUpdate) -> None:  # what the policy service does with a datasource's updates
        with lock:
            if update.replace:
                engine.replace_table(update.datasource, update.table, update.insert)
            else:
                engine.update_table(update.datasource, update.table, update.insert, update.delete)

    def mine() -> list[tuple]:
        with lock:
            return sorted(engine.rows("alpha", "mine"))

    bus.subscribe(datasource_topic(PUSH_DATASOURCE), apply)
    bus.call(PUSH_DATASOURCE, "push_rows", table="servers", rows=[["vm1", "alice"], ["vm2", "bob"]])
    wait_for(lambda: mine() == [("vm1",)])
    bus.call(
        PUSH_DATASOURCE, "push_delta", table="servers", insert=[["vm3", "alice"]], delete=[["vm1", "alice"]]
    )
    wait_for(lambda: mine() == [("vm3",)])
    assert sorted(bus.call(PUSH_DATASOURCE, "tables")["servers"]) == [("vm2", "bob"), ("vm3", "alice")]

    with pytest.raises(UpdateNotPermitted, match="declares no table"):
        bus.call(PUSH_DATASOURCE, "push_rows", table="flavors", rows=[])
    with pytest.raises(ActionError):
        bus.call(
            PUSH_DATASOURCE,
            "execute_action",
            action="servers.explode",
            positional_args=["vm3"],
            named_args={},
        )


def test_a_call_longer_than_the_answer_timeout_completes(bus):
    # The serving process acknowledges the call while it runs; only silence means "not there".
    assert bus.call("peer", "slow", seconds=ANSWER_TIMEOUT * 2) == "done"


def test_a_service_nobody_registered_is_unavailable_after_a_bounded_wait(bus):
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="nobody"):
        bus.call("nobody", "echo", value=1)
    assert ANSWER_TIMEOUT <= time.monotonic() - started < ANSWER_TIMEOUT + SLACK


def test_a_killed_peer_leaves_this_side_responsive(spawned):
    namespace = unique_namespace()
    spawned.append(peer := Peer(namespace))
    with make_bus(namespace) as bus:
        assert bus.call("peer", "echo", value=1) == 1
        peer.kill()
        started = time.monotonic()
        with pytest.raises(ServiceUnavailable):
            bus.call("peer", "echo", value=2)
        assert time.monotonic() - started < ANSWER_TIMEOUT + SLACK
        started = time.monotonic()
        bus.publish("to-peer", TableUpdate("ds", "t"))  # nobody listens any more: nothing waits
        assert time.monotonic() - started < SLACK
        started = time.monotonic()
    assert time.monotonic() - started < 10 + SLACK


def test_a_subscriber_that_leaves_does_not_hold_up_the_publisher(spawned):
    namespace = unique_namespace()
    spawned.append(peer := Peer(namespace))
    got: list[TableUpdate] = []
    bus = make_bus(namespace)
    bus.subscribe("from-peer", got.append)
    peer.send("publish from-peer 20")
    peer.expect("published", timeout=10)
    wait_for(lambda: len(got) >= 20)
    bus.close()

    peer.send("publish from-peer 20")
    peer.expect("published", timeout=10)
    peer.send("stop")
    closed = peer.expect("closed", timeout=20)
    assert float(closed.split()[1]) < 15
    assert peer.proc.wait(10) == 0
    assert got == numbered_updates("from-peer", 20)
