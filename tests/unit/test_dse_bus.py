import pytest

from congress.dse.bus import LocalBus, ServiceUnavailable


def test_publish_reaches_subscribers_of_that_topic_only():
    bus = LocalBus()
    got_a, got_b = [], []
    bus.subscribe("a", got_a.append)
    bus.subscribe("b", got_b.append)
    bus.publish("a", 1)
    assert (got_a, got_b) == ([1], [])
    bus.unsubscribe("a", got_a.append)
    bus.publish("a", 2)
    assert got_a == [1]


def test_call_dispatches_to_registered_service_and_fails_cleanly_when_absent():
    class Echo:
        def shout(self, text):
            return text.upper()

    bus = LocalBus()
    bus.register_service("echo", Echo())
    assert bus.call("echo", "shout", text="hi") == "HI"
    bus.unregister_service("echo")
    with pytest.raises(ServiceUnavailable):
        bus.call("echo", "shout", text="hi")
