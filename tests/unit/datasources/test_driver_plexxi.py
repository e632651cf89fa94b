"""Plexxi: no SDK, so polls fail clearly; an inventory posted to the webhook fills the thirteen tables."""

import pytest

from congress.datasources.base import PollError
from congress.datasources.plexxi_driver import PlexxiDriver
from congress.dse.bus import LocalBus
from congress.exceptions import UpdateNotPermitted

CONFIG = {"auth_url": "http://core:8080/PlexxiCore/api", "username": "u", "password": "p", "tenant_name": "t"}
INVENTORY = {
    "hosts": [
        {"uuid": "h1", "name": "esx-1", "macs": ["00:00:00:00:00:01", "00:00:00:00:00:02"], "vms": ["v1"]}
    ],
    "vms": [
        {"uuid": "v1", "name": "web", "host_uuid": "h1", "ip": "10.0.0.5", "macs": ["00:00:00:00:01:01"]},
        {"uuid": "v2", "name": "orphan"},
    ],
    "affinities": [{"uuid": "a1", "name": "web-tier"}],
    "vswitches": [{"uuid": "s1", "hosts": ["h1"], "macs": ["00:00:00:00:02:01", "00:00:00:00:02:02"]}],
    "plexxiswitches": [{"uuid": "p1", "ip": "10.1.0.1", "status": "healthy", "macs": ["00:00:00:00:03:01"]}],
    "ports": [
        {
            "uuid": "port1",
            "name": "xp-1",
            "links": [
                {"uuid": "l1", "name": "link-1", "start_uuid": "n1", "start_name": "eth1", "stop_uuid": "n2"}
            ],
        }
    ],
}


def driver():
    d = PlexxiDriver("plexxi", CONFIG, LocalBus())
    d.start()
    return d


def test_poll_fails_saying_the_sdk_is_missing():
    d = driver()
    with pytest.raises(PollError, match="SDK"):
        d.request_refresh()
    assert "plexxi.core.api" in d.status().last_error


def test_inventory_becomes_the_tables_with_none_for_missing_cells():
    d = driver()
    d.webhook(INVENTORY)
    tables = {t: sorted(rows) for t, rows in d.tables().items()}
    assert tables == {
        "hosts": [("h1", "esx-1", 2, 1)],
        "hosts.macs": [("h1", "00:00:00:00:00:01"), ("h1", "00:00:00:00:00:02")],
        "hosts.guests": [("h1", "v1")],
        "vms": [("v1", "web", "h1", "10.0.0.5", 1), ("v2", "orphan", "None", "None", 0)],
        "vms.macs": [("v1", "00:00:00:00:01:01")],
        "affinities": [("a1", "web-tier")],
        "vswitches": [("s1", 1, 2)],
        "vswitches.macs": [("s1", "00:00:00:00:02:01"), ("s1", "00:00:00:00:02:02")],
        "vswitches.hosts": [("s1", "h1")],
        "plexxiswitches": [("p1", "10.1.0.1", "healthy")],
        "plexxiswitches.macs": [("p1", "00:00:00:00:03:01")],
        "ports": [("port1", "xp-1")],
        "networklinks": [("l1", "link-1", "port1", "n1", "eth1", "n2", "None")],
    }
    d.webhook({"affinities": [{"uuid": "a2", "name": "db"}]})
    assert d.tables()["affinities"] == [("a2", "db")]
    assert d.tables()["hosts"] == []


@pytest.mark.parametrize("payload", [[], "x", {"hosts": "h1"}, {"vms": ["v1"]}])
def test_bad_inventories_change_nothing(payload):
    d = driver()
    d.webhook(INVENTORY)
    with pytest.raises(UpdateNotPermitted):
        d.webhook(payload)
    assert d.tables()["hosts"] == [("h1", "esx-1", 2, 1)]


def test_schema_is_the_original_literal_one():
    info = PlexxiDriver.info()
    assert [t.table_id for t in info.tables][:3] == ["hosts", "hosts.macs", "hosts.guests"]
    assert info.secret == ("password",)
    assert PlexxiDriver("p", CONFIG, LocalBus()).actions() == []
