"""The other process of the bus tests: a MessagingBus peer driven over stdin, reporting on stdout.

Usage: ``python dse_peer.py TRANSPORT_URL NAMESPACE NODE_ID``. The peer registers the
service ``peer`` (see ``PeerService``), subscribes to the topic ``to-peer``, runs the
real push datasource driver ``pushds`` (table ``servers(id, owner)``) and prints
``ready``. Then each stdin line is a command:

- ``publish TOPIC COUNT``: publish COUNT numbered ``TableUpdate`` on TOPIC, print ``published``;
- ``stop``: close the bus, print ``closed SECONDS``, exit 0 (also on end of input).
"""

from __future__ import annotations

import sys
import threading
import time
import warnings

from congress.datasources.base import ActionError
from congress.datasources.push_driver import PushDriver
from congress.dse.messages import TableUpdate
from congress.dse.messaging import MessagingBus
from congress.exceptions import PolicyNotExists, PolicySyntaxError

ANSWER_TIMEOUT = 2
PUSH_DATASOURCE = "pushds"
PUSH_SCHEMA = {"servers": ["id", "owner"]}


class PeerOnlyError(PolicyNotExists):
    """Known only in this process: the caller gets its nearest congress ancestor."""


def numbered_updates(topic: str, count: int) -> list[TableUpdate]:
    """Update ``i`` inserts ``(i, i + 0.5, float(i), str(i))``; ints, floats and integral floats."""
    return [TableUpdate(topic, "t", insert=((i, i + 0.5, float(i), str(i)),)) for i in range(count)]


class PeerService:
    def __init__(self, bus: MessagingBus) -> None:
        self._bus = bus
        self._received: list[TableUpdate] = []
        self._lock = threading.Lock()

    def echo(self, value: object) -> object:
        return value

    def publish(self, topic: str, count: int) -> int:
        for update in numbered_updates(topic, count):
            self._bus.publish(topic, update)
        return count

    def fail(self, kind: str) -> None:
        if kind == "syntax":
            raise PolicySyntaxError("unexpected ')'", line=3, column=7)
        if kind == "action":
            raise ActionError("no action servers.explode", data={"known": ["servers.pause"]})
        if kind == "peer-only":
            raise PeerOnlyError("policy alpha does not exist")
        raise ValueError(f"bad kind {kind}")

    def unsendable(self) -> object:
        return object()

    def slow(self, seconds: float) -> str:
        time.sleep(seconds)
        return "done"

    def record(self, update: TableUpdate) -> None:
        with self._lock:
            self._received.append(update)

    def received(self) -> list[TableUpdate]:
        with self._lock:
            return list(self._received)


def main(url: str, namespace: str, node_id: str) -> int:
    bus = MessagingBus(url, node_id, namespace=namespace, answer_timeout=ANSWER_TIMEOUT, call_timeout=20)
    service = PeerService(bus)
    bus.subscribe("to-peer", service.record)
    bus.register_service("peer", service)
    driver = PushDriver(
        PUSH_DATASOURCE, {"description": "rows pushed by the tests", "schema": PUSH_SCHEMA}, bus
    )
    driver.start()
    print("ready", flush=True)
    for line in sys.stdin:
        command = line.split()
        if command[:1] == ["publish"]:
            service.publish(command[1], int(command[2]))
            print("published", flush=True)
        elif command == ["stop"]:
            break
    driver.stop()
    started = time.monotonic()
    bus.close()
    print(f"closed {time.monotonic() - started:.2f}", flush=True)
    return 0


if __name__ == "__main__":
    warnings.simplefilter("ignore", DeprecationWarning)
    sys.exit(main(*sys.argv[1:4]))
