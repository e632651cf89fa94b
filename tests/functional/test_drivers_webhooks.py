"""Webhook and push drivers through the real congress-server: POST .../webhook, PUT .../rows, policies."""

from __future__ import annotations

import json
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
import requests

DATA = Path(__file__).resolve().parents[1] / "data" / "drivers"


@pytest.fixture(scope="module")
def url(congress_server) -> str:
    return congress_server.url + "/v1"


def create(url: str, driver: str, config: dict | None = None) -> str:
    name = f"{driver}_{uuid.uuid4().hex[:6]}"
    resp = requests.post(f"{url}/data-sources", json={"name": name, "driver": driver, "config": config or {}})
    assert resp.status_code == 201, resp.text
    return name


def rows(url: str, ds: str, table: str) -> list:
    resp = requests.get(f"{url}/data-sources/{ds}/tables/{table}/rows")
    assert resp.status_code == 200, resp.text
    return sorted(r["data"] for r in resp.json()["results"])


def webhook(url: str, ds: str, payload) -> requests.Response:
    return requests.post(f"{url}/data-sources/{ds}/webhook", json=payload)


def test_every_driver_is_offered_by_the_server(url):
    offered = {d["id"] for d in requests.get(f"{url}/system/drivers").json()["results"]}
    assert len(offered) == 24 and {"ceilometer", "vcenter", "config", "plexxi", "doctor"} <= offered


def test_vitrage_notification_and_a_policy_over_it(url):
    ds = create(url, "vitrage")
    body = {
        "notification": "vitrage.alarm.activate",
        "payload": {
            "vitrage_id": "a-1",
            "name": "host down",
            "state": "Active",
            "vitrage_type": "zabbix",
            "vitrage_operational_severity": "CRITICAL",
            "update_timestamp": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
            "resource": {"name": "compute-1", "id": "c1", "vitrage_id": "r-1", "project_id": None,
                         "vitrage_operational_state": "ERROR", "vitrage_type": "nova.host"},
        },
    }  # fmt: skip
    assert webhook(url, ds, body).status_code in (200, 202, 204)
    (row,) = rows(url, ds, "alarms")
    assert row[:6] == [
        "host down",
        "Active",
        "zabbix",
        "CRITICAL",
        "a-1",
        body["payload"]["update_timestamp"],
    ]
    assert row[7:] == ["compute-1", "c1", "r-1", "None", "ERROR", "nova.host"]

    policy = f"p_{uuid.uuid4().hex[:6]}"
    assert requests.post(f"{url}/policies", json={"name": policy}).status_code == 201
    rule = f"down(h) :- {ds}:alarms(name=n, state='Active', resource_name=h, resource_type='nova.host')"
    assert requests.post(f"{url}/policies/{policy}/rules", json={"rule": rule}).status_code == 201
    deadline = time.time() + 10
    while time.time() < deadline:
        got = requests.get(f"{url}/policies/{policy}/tables/down/rows").json().get("results", [])
        if got:
            break
        time.sleep(0.2)
    assert [r["data"] for r in got] == [["compute-1"]]
    assert webhook(url, ds, {"payload": {}}).status_code == 400


def test_monasca_webhook_notification(url):
    ds = create(url, "monasca_webhook", {"hours_to_keep_alarm": "1"})
    body = {
        "alarm_id": "al-1",
        "alarm_definition_id": "d-1",
        "alarm_name": "cpu",
        "alarm_description": "",
        "alarm_timestamp": int(time.time()),
        "state": "ALARM",
        "old_state": "OK",
        "message": "m",
        "tenant_id": "t",
        "metrics": [{"id": "1", "name": "cpu.idle_perc", "dimensions": {"hostname": "h1"}}],
    }
    assert webhook(url, ds, body).status_code in (200, 202, 204)
    assert [r[0] for r in rows(url, ds, "alarm_notification")] == ["al-1"]
    (metric,) = rows(url, ds, "alarms.metrics")
    assert rows(url, ds, "alarms.metrics.dimensions") == [[metric[3], "hostname", "h1"]]


def test_doctor_events_are_pushed_as_rows(url):
    ds = create(url, "doctor")
    events = [
        {
            "time": "2016-02-22T11:48:55Z",
            "type": "compute.host.down",
            "details": {
                "hostname": "compute1",
                "status": "down",
                "monitor": "zabbix1",
                "monitor_event_id": "111",
            },
        }
    ]
    resp = requests.put(f"{url}/data-sources/{ds}/tables/events/rows", json=events)
    assert resp.status_code in (200, 204), resp.text
    assert rows(url, ds, "events") == [["2016-02-22T11:48:55Z", "compute.host.down", "compute1", "down",
                                        "zabbix1", "111"]]  # fmt: skip


def test_config_report_through_the_webhook(url):
    ds = create(url, "config")
    namespace = json.loads((DATA / "config_namespace_oslo_log.json").read_text())
    report = {
        "host": "compute-1",
        "namespaces": {"oslo.log": namespace},
        "templates": {"nova": ["oslo.log"]},
        "files": [
            {"path": "/etc/nova/nova.conf", "template": "nova", "values": {"DEFAULT": {"debug": "true"}}}
        ],
    }
    assert webhook(url, ds, report).status_code in (200, 202, 204)
    assert [r[2] for r in rows(url, ds, "binding")] == ["true"]
    assert [r[1] for r in rows(url, ds, "host")] == ["compute-1"]


def test_config_reporter_posts_a_host_report(url, tmp_path):
    ds = create(url, "config")
    conf = tmp_path / "nova.conf"
    conf.write_text("[DEFAULT]\ndebug = true\n")
    command = [sys.executable, "-m", "congress.datasources.cfgvalidator_report", "--url",
               f"{url}/data-sources/{ds}/webhook", "--host", "compute-9", "--template", "nova=oslo.log",
               "--file", f"{conf}=nova", "--service", "nova-compute=20.0.0"]  # fmt: skip
    subprocess.run(command, check=True, timeout=120, capture_output=True)
    assert [r[1] for r in rows(url, ds, "host")] == ["compute-9"]
    assert [r[2] for r in rows(url, ds, "binding")] == ["true"]
    assert [[r[0], r[2]] for r in rows(url, ds, "service")] == [["nova-compute", "20.0.0"]]
