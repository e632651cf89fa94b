"""Vitrage: webhook notifications become alarm rows, replaced by vitrage_id and purged by age."""

import datetime

import pytest

from congress.datasources.base import DriverConfigError
from congress.datasources.vitrage_driver import VitrageDriver
from congress.dse.bus import LocalBus
from congress.exceptions import UpdateNotPermitted

FMT = "%Y-%m-%dT%H:%M:%SZ"


def notification(vitrage_id="11", state="Active", updated=None, **extra):
    updated = updated or datetime.datetime.now(datetime.UTC).strftime(FMT)
    return {
        "notification": "vitrage.alarm.activate",
        "payload": {
            "vitrage_id": vitrage_id,
            "name": "Instance memory high",
            "state": state,
            "vitrage_type": "vitrage",
            "vitrage_operational_severity": "WARNING",
            "update_timestamp": updated,
            "vitrage_is_deleted": False,
            "resource": {
                "vitrage_id": "437f1f4c-ccce-40a4-ac62-1c2f1fd9f6ac",
                "name": "app-server",
                "id": "3dcee183-ca42-4ccb-84af-9f0196b2e160",
                "project_id": "8f007e5ba0944e84baa6f2a4f2b5d03a",
                "vitrage_operational_state": "OK",
                "vitrage_type": "nova.instance",
            },
            **extra,
        },
    }


def started(**config):
    driver = VitrageDriver("vitrage", config, LocalBus())
    driver.start()
    return driver


def test_a_notification_gives_one_flattened_row_with_the_receive_time():
    driver = started()
    before = datetime.datetime.now(datetime.UTC).replace(tzinfo=None, microsecond=0)
    driver.webhook(notification(updated="2030-01-01T00:00:00Z"))
    (row,) = driver.tables()["alarms"]
    received = datetime.datetime.strptime(row[6], FMT)
    assert before <= received <= datetime.datetime.now(datetime.UTC).replace(tzinfo=None)
    assert row[:6] + row[7:] == (
        "Instance memory high",
        "Active",
        "vitrage",
        "WARNING",
        "11",
        "2030-01-01T00:00:00Z",
        "app-server",
        "3dcee183-ca42-4ccb-84af-9f0196b2e160",
        "437f1f4c-ccce-40a4-ac62-1c2f1fd9f6ac",
        "8f007e5ba0944e84baa6f2a4f2b5d03a",
        "OK",
        "nova.instance",
    )


def test_same_vitrage_id_replaces_other_ids_accumulate():
    driver = started()
    driver.webhook(notification("11", "Active"))
    driver.webhook(notification("12", "Active"))
    driver.webhook(notification("11", "Inactive"))
    assert sorted((r[4], r[1]) for r in driver.tables()["alarms"]) == [("11", "Inactive"), ("12", "Active")]


def test_old_alarms_are_purged_when_a_notification_arrives():
    driver = started(hours_to_keep_alarm="1")
    old = (datetime.datetime.now(datetime.UTC) - datetime.timedelta(hours=2)).strftime(FMT)
    driver.webhook(notification("old", updated=old))
    driver.webhook(notification("new"))
    assert [r[4] for r in driver.tables()["alarms"]] == ["new"]


def test_alarm_without_resource_has_none_resource_columns():
    driver = started()
    body = notification()
    del body["payload"]["resource"]
    driver.webhook(body)
    (row,) = driver.raw_tables()["alarms"]
    assert row[7:] == (None,) * 6


@pytest.mark.parametrize("payload", [None, [], {"payload": "x"}, {"payload": {"name": "no id"}}])
def test_bad_notifications_are_refused(payload):
    driver = started()
    driver.webhook(notification())
    with pytest.raises(UpdateNotPermitted):
        driver.webhook(payload)
    assert len(driver.tables()["alarms"]) == 1


def test_hours_to_keep_must_be_a_number():
    with pytest.raises(DriverConfigError):
        VitrageDriver("v", {"hours_to_keep_alarm": "soon"}, LocalBus())


def test_hours_to_keep_must_be_positive():
    with pytest.raises(DriverConfigError, match="positive"):
        VitrageDriver("v", {"hours_to_keep_alarm": 0}, LocalBus())
