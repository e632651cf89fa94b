"""MessagingBus in one process on oslo.messaging's in-memory ``fake://`` transport (no broker needed).

It must behave like LocalBus for this process's own subscribers and services;
what crosses processes is tested against RabbitMQ in tests/functional/test_dse_messaging.py.
"""

from __future__ import annotations

import socket
import time
import uuid
from collections.abc import Iterator

import pytest

from congress.dse import make_bus
from congress.dse.bus import LocalBus, ServiceUnavailable
from congress.dse.codec import CodecError
from congress.dse.messages import TableUpdate
from congress.dse.messaging import MessagingBus

UPDATE = TableUpdate("nova", "servers", insert=(("vm1", 1),))


class Echo:
    def same(self, value):
        return value


@pytest.fixture
def bus() -> Iterator[MessagingBus]:
    bus = make_bus("fake://", namespace=f"unit-{uuid.uuid4().hex[:8]}", answer_timeout=2, call_timeout=2)
    assert isinstance(bus, MessagingBus)
    yield bus
    bus.close()


def test_make_bus_is_local_without_a_transport_url():
    assert isinstance(make_bus(None), LocalBus) and isinstance(make_bus(""), LocalBus)


def test_local_subscribers_get_each_payload_once_synchronously_in_subscription_order(bus):
    seen = []
    bus.subscribe("t", lambda u: seen.append(("first", u)))
    bus.subscribe("t", lambda u: seen.append(("second", u)))
    bus.subscribe("other", lambda u: seen.append(("other", u)))
    bus.publish("t", UPDATE)
    assert seen == [("first", UPDATE), ("second", UPDATE)]  # already there when publish returns
    time.sleep(0.3)  # this process's own copy from the fanout must not be delivered again
    assert seen == [("first", UPDATE), ("second", UPDATE)]


def test_a_failing_local_handler_fails_the_publish_like_local_bus(bus):
    def broken(update):
        raise ValueError("handler bug")

    bus.subscribe("t", broken)
    with pytest.raises(ValueError, match="handler bug"):
        bus.publish("t", UPDATE)


def test_unsubscribed_handlers_get_nothing_more(bus):
    seen = []
    bus.subscribe("t", seen.append)
    bus.publish("t", 1)
    bus.unsubscribe("t", seen.append)
    bus.unsubscribe("t", seen.append)  # twice is harmless
    bus.publish("t", 2)
    assert seen == [1]


def test_a_payload_that_cannot_travel_reaches_nobody(bus):
    seen = []
    bus.subscribe("t", seen.append)
    with pytest.raises(CodecError):
        bus.publish("t", TableUpdate("ds", "t", insert=((object(),),)))
    assert seen == []


def test_a_local_service_is_called_directly(bus):
    bus.register_service("echo", Echo())
    live = object()  # could not travel: the call stays in this process
    assert bus.call("echo", "same", value=live) is live


def test_an_unregistered_service_is_unavailable_after_a_bounded_wait(bus):
    bus.register_service("echo", Echo())
    bus.unregister_service("echo")
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="echo"):
        bus.call("echo", "same", value=1)
    assert time.monotonic() - started < 5


def test_answer_timeout_must_be_whole_seconds_of_at_least_two():
    for bad in (1, 1.5, 100):
        with pytest.raises(ValueError, match="answer_timeout"):
            MessagingBus("fake://", answer_timeout=bad, call_timeout=60)


def test_a_closed_bus_refuses_work_and_closes_once():
    bus = make_bus("fake://", namespace=f"unit-{uuid.uuid4().hex[:8]}")
    bus.subscribe("t", print)
    bus.register_service("svc", Echo())
    started = time.monotonic()
    bus.close()
    assert time.monotonic() - started < 5
    bus.close()
    for use in (
        lambda: bus.publish("t", 1),
        lambda: bus.subscribe("t", print),
        lambda: bus.register_service("svc", Echo()),
        lambda: bus.call("svc", "same", value=1),
    ):
        with pytest.raises(ServiceUnavailable, match="closed"):
            use()
    bus.unsubscribe("t", print)
    bus.unregister_service("svc")


def test_publishing_without_a_reachable_broker_fails_after_the_bounded_retries():
    with socket.socket() as probe:  # a port nobody listens on: connections are refused at once
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    bus = MessagingBus(f"rabbit://guest:guest@127.0.0.1:{port}/", namespace="unreachable", retry=1)
    started = time.monotonic()
    with pytest.raises(ServiceUnavailable, match="cannot reach the message bus"):
        bus.publish("t", UPDATE)
    assert time.monotonic() - started < 5
    bus.close()
