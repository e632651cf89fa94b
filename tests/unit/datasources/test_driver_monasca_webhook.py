"""monasca_webhook: alarm notifications replace their alarm's rows; dimensions get content-hash ids."""

import time

import pytest

from congress.datasources.monasca_driver import MonascaWebhookDriver
from congress.dse.bus import LocalBus
from congress.exceptions import UpdateNotPermitted

DIMS = {
    "component": "monasca-persister",
    "hostname": "ceilosca",
    "service": "monitoring",
    "url": "http://localhost:8091/metrics",
}
DIMS_ID = "e138b5d90a4265c7525f480dd988210b"  # translator_semantics.md section 6 check value


def notification(alarm_id="a1", state="ALARM", timestamp=None, metrics=None):
    return {
        "alarm_id": alarm_id,
        "alarm_definition_id": "d1",
        "alarm_name": "persister down",
        "alarm_description": "",
        "alarm_timestamp": time.time() if timestamp is None else timestamp,
        "state": state,
        "old_state": "OK",
        "message": "Thresholds were exceeded",
        "tenant_id": "0123456789abcdef0123456789abcdef",
        "metrics": [{"id": None, "name": "http_status", "dimensions": DIMS}] if metrics is None else metrics,
    }


def started(**config):
    driver = MonascaWebhookDriver("mw", config, LocalBus())
    driver.start()
    return driver


def test_a_notification_fills_the_three_tables():
    driver = started()
    body = notification(timestamp=1_900_000_000)
    driver.webhook(body)
    raw = driver.raw_tables()
    assert raw["alarm_notification"] == {
        (
            "a1",
            "d1",
            "persister down",
            "",
            1_900_000_000,
            "ALARM",
            "OK",
            "Thresholds were exceeded",
            "0123456789abcdef0123456789abcdef",
        )
    }
    assert raw["alarms.metrics"] == {("a1", None, "http_status", DIMS_ID)}
    assert raw["alarms.metrics.dimensions"] == {(DIMS_ID, k, v) for k, v in DIMS.items()}
    assert ("a1", "None", "http_status", DIMS_ID) in driver.tables()["alarms.metrics"]


def test_same_alarm_id_replaces_and_unreferenced_dimensions_go():
    driver = started()
    driver.webhook(notification("a1"))
    driver.webhook(notification("a2", metrics=[{"id": "m", "name": "cpu", "dimensions": {"hostname": "h1"}}]))
    driver.webhook(notification("a1", state="OK", metrics=[]))
    raw = driver.raw_tables()
    assert sorted((r[0], r[5]) for r in raw["alarm_notification"]) == [("a1", "OK"), ("a2", "ALARM")]
    assert {r[0] for r in raw["alarms.metrics"]} == {"a2"}
    assert {(r[1], r[2]) for r in raw["alarms.metrics.dimensions"]} == {("hostname", "h1")}


def test_alarms_older_than_hours_to_keep_are_dropped():
    driver = started(hours_to_keep_alarm=1)
    driver.webhook(notification("old", timestamp=time.time() - 7200))
    driver.webhook(notification("new"))
    assert [r[0] for r in driver.tables()["alarm_notification"]] == ["new"]
    assert {r[0] for r in driver.tables()["alarms.metrics"]} == {"new"}


@pytest.mark.parametrize("payload", [None, "x", {"state": "ALARM"}, {**notification(), "metrics": "bad"}])
def test_bad_notifications_are_refused(payload):
    driver = started()
    driver.webhook(notification())
    with pytest.raises(UpdateNotPermitted):
        driver.webhook(payload)
    assert len(driver.tables()["alarm_notification"]) == 1
