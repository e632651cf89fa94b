"""Polling behaviour of a real driver against the HTTP fake: deltas, failures, lazy tables, the thread."""

from __future__ import annotations

import threading
import time

import pytest

from congress.datasources.base import PollError
from congress.datasources.glancev2_driver import GlanceV2Driver
from congress.datasources.keystonev3_driver import KeystoneV3Driver
from congress.datasources.nova_driver import NovaDriver
from congress.dse.bus import LocalBus
from congress.dse.messages import TableUpdate, datasource_topic
from tests.fakes.openstack import FakeOpenStack, recorded_case

USERS = "/v3/users"


def users_body():
    return next(r["body"] for r in recorded_case("keystonev3")["responses"] if r["path"] == USERS)


def listen(bus: LocalBus, name: str = "ds") -> list[TableUpdate]:
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic(name), got.append)
    return got


@pytest.fixture
def cloud():
    with FakeOpenStack.for_driver("keystonev3") as fake:
        yield fake


def test_a_changed_response_publishes_only_the_delta(cloud):
    bus = LocalBus()
    got = listen(bus)
    driver = KeystoneV3Driver("ds", cloud.config(), bus)
    driver.request_refresh()
    assert len(got) == 4 and all(u.replace for u in got)

    body = users_body()
    body["users"][1]["enabled"] = True  # bob enabled
    body["users"].append({"id": "c" * 32, "name": "carol", "enabled": False, "domain_id": "default"})
    cloud.respond("GET", USERS, body)
    driver.request_refresh()

    assert len(got) == 5
    delta = got[-1]
    assert (delta.table, delta.replace) == ("users", False)
    assert set(delta.delete) == {
        ("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "bob", "False", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "default")
    }
    assert set(delta.insert) == {
        ("bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb", "bob", "True", "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa", "default"),
        ("c" * 32, "carol", "False", "None", "default"),
    }
    driver.request_refresh()
    assert len(got) == 5  # nothing changed, nothing published
    assert driver.status().number_of_updates == 3


def test_a_failing_poll_keeps_the_last_state_and_records_the_error(cloud):
    bus = LocalBus()
    got = listen(bus)
    driver = KeystoneV3Driver("ds", cloud.config(), bus)
    driver.request_refresh()
    before, published = driver.tables(), len(got)

    cloud.respond("GET", USERS, {"error": {"code": 500, "message": "boom"}}, status=500)
    with pytest.raises(PollError):
        driver.request_refresh()
    status = driver.status()
    assert status.last_error is not None and "500" in status.last_error
    assert driver.tables() == before and len(got) == published
    assert status.number_of_updates == 1 and status.table_row_counts["users"] == 2

    cloud.respond("GET", USERS, users_body())
    driver.request_refresh()
    assert driver.status().last_error is None


def test_bad_credentials_and_a_missing_region_are_poll_errors_not_crashes(cloud):
    bus = LocalBus()
    wrong = KeystoneV3Driver("ds", cloud.config(password="wrong"), bus)
    with pytest.raises(PollError):
        wrong.request_refresh()
    assert "Unauthorized" in wrong.status().last_error
    elsewhere = KeystoneV3Driver("ds", cloud.config(region="RegionTwo"), bus)
    with pytest.raises(PollError):
        elsewhere.request_refresh()
    assert "identity" in elsewhere.status().last_error
    assert wrong.tables() == {} and not wrong.status().initialized


def test_endpoint_override_is_used_instead_of_the_catalog():
    with FakeOpenStack() as cloud:
        for r in recorded_case("glancev2")["responses"]:
            cloud.respond(
                r["method"], "/mirror" + r["path"].removeprefix("/image"), r["body"], query=r.get("query")
            )
        driver = GlanceV2Driver("ds", cloud.config(endpoint=cloud.url + "/mirror"), LocalBus())
        driver.request_refresh()
        assert len(driver.tables()["images"]) == 2  # both pages, the second via the next link
        assert cloud.requests_to("/image/v2/images") == []


def test_lazy_tables_are_not_fetched_until_subscribed():
    with FakeOpenStack.for_driver("nova") as cloud:
        driver = NovaDriver("ds", cloud.config(lazy_tables="flavors,servers"), LocalBus())
        driver.request_refresh()
        assert cloud.requests_to("/compute/v2.1/flavors/detail") == []
        assert "servers.addresses" not in driver.tables() and "hypervisors" in driver.tables()
        assert driver.lazy_tables() == {"flavors", "servers", "servers.addresses", "tags"}
        driver.subscribe_table("flavors")
        driver.request_refresh()
        assert len(driver.tables()["flavors"]) == 4
        assert "servers" not in driver.tables()


def test_nova_sends_its_api_microversion():
    with FakeOpenStack.for_driver("nova") as nova_cloud:
        NovaDriver("ds", nova_cloud.config(api_version="2.30"), LocalBus()).request_refresh()
        sent = nova_cloud.requests_to("/compute/v2.1/servers/detail")[0]
        assert sent.headers["x-openstack-nova-api-version"] == "2.30"
        assert sent.query == {"all_tenants": "1"}


def test_the_poll_thread_publishes_backs_off_on_errors_and_stops(cloud):
    bus = LocalBus()
    got = listen(bus)
    arrived = threading.Event()
    bus.subscribe(datasource_topic("ds"), lambda update: arrived.set())
    driver = KeystoneV3Driver("ds", cloud.config(poll_time=0.05), bus)
    driver.start()
    try:
        assert arrived.wait(10)
        cloud.respond("GET", USERS, {}, status=500)
        deadline = time.monotonic() + 10
        while driver.consecutive_failures < 2 and time.monotonic() < deadline:
            time.sleep(0.02)
        assert driver.consecutive_failures >= 2
        assert driver.next_delay() == pytest.approx(0.05 * 2**driver.consecutive_failures)
        assert driver.status().last_error and len(driver.tables()["users"]) == 2
        cloud.respond("GET", USERS, users_body())
        deadline = time.monotonic() + 10
        while driver.status().last_error and time.monotonic() < deadline:
            time.sleep(0.02)
        assert driver.status().last_error is None
    finally:
        driver.stop()
    assert not any(t.name == "poll-ds" for t in threading.enumerate())
    assert got[0].replace
