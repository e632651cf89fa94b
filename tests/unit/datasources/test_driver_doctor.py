"""Doctor: inspector events pushed as objects are flattened into the events table."""

import pytest

from congress.datasources.doctor_driver import DoctorDriver
from congress.dse.bus import LocalBus
from congress.dse.messages import TableUpdate, datasource_topic
from congress.exceptions import UpdateNotPermitted

EVENTS = [
    {
        "time": "2016-02-22T11:48:55Z",
        "type": "compute.host.down",
        "details": {
            "hostname": "compute1",
            "status": "down",
            "monitor": "zabbix1",
            "monitor_event_id": "111",
        },
    },
    {
        "time": "2016-02-22T11:49:01Z",
        "type": "compute.host.down",
        "details": {
            "hostname": "compute2",
            "status": "down",
            "monitor": "zabbix1",
            "monitor_event_id": "112",
        },
    },
]


def started():
    bus = LocalBus()
    got: list[TableUpdate] = []
    bus.subscribe(datasource_topic("doctor"), got.append)
    driver = DoctorDriver("doctor", {}, bus)
    driver.start()
    return driver, got


def test_events_table_starts_empty_and_a_push_replaces_it():
    driver, got = started()
    assert got == [TableUpdate("doctor", "events", replace=True)]
    driver.push_rows("events", EVENTS)
    assert set(driver.tables()["events"]) == {
        ("2016-02-22T11:48:55Z", "compute.host.down", "compute1", "down", "zabbix1", "111"),
        ("2016-02-22T11:49:01Z", "compute.host.down", "compute2", "down", "zabbix1", "112"),
    }
    driver.push_rows("events", EVENTS[1:])
    assert got[-1].delete == (
        ("2016-02-22T11:48:55Z", "compute.host.down", "compute1", "down", "zabbix1", "111"),
    )
    assert got[-1].insert == ()
    driver.push_rows("events", [])
    assert driver.tables()["events"] == []


def test_event_without_details_has_none_cells():
    driver, _ = started()
    driver.push_rows("events", [{"time": "t", "type": "compute.host.up"}])
    assert driver.tables()["events"] == [("t", "compute.host.up", "None", "None", "None", "None")]


@pytest.mark.parametrize("rows", [["not an event"], [["a", "b"]]])
def test_bad_events_are_refused_and_change_nothing(rows):
    driver, _ = started()
    driver.push_rows("events", EVENTS)
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("events", rows)
    assert len(driver.tables()["events"]) == 2


def test_only_the_events_table_takes_pushes_and_there_is_no_webhook():
    driver, _ = started()
    with pytest.raises(UpdateNotPermitted):
        driver.push_rows("alarms", EVENTS)
    with pytest.raises(UpdateNotPermitted):
        driver.webhook({"events": EVENTS})
    assert driver.actions() == []
