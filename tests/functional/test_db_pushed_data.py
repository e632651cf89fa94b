"""Pushed and webhook-fed datasource tables through a real congress-server: stored row by row, restored at
start (as ``persist_data`` says), refused pushes change nothing, push datasources without a schema learn their
tables."""

from __future__ import annotations

import signal
import sqlite3
import time

import pytest
import requests


@pytest.fixture(scope="module")
def server(server_factory):
    return server_factory()


def _ok(response: requests.Response, status: int = 200) -> requests.Response:
    assert response.status_code == status, response.text
    return response


def _rows(v1: str, ds: str, table: str) -> list:
    return sorted(
        r["data"] for r in _ok(requests.get(f"{v1}/data-sources/{ds}/tables/{table}/rows")).json()["results"]
    )


def _policy_rows(v1: str, policy: str, table: str) -> list:
    return sorted(
        r["data"] for r in _ok(requests.get(f"{v1}/policies/{policy}/tables/{table}/rows")).json()["results"]
    )


def _stored(server, ds: str, table: str) -> list:
    """The row texts the server's database holds for one table."""
    with sqlite3.connect(server.state / "congress.sqlite") as conn:
        found = conn.execute(
            "SELECT row_json FROM datasource_rows JOIN datasources ON datasources.id = datasource_id"
            " WHERE datasources.name = ? AND table_name = ?",
            (ds, table),
        )
        return sorted(row for (row,) in found)


def test_a_push_datasource_without_schema_learns_its_tables_and_keeps_them(server):
    v1 = server.url + "/v1"
    _ok(requests.post(f"{v1}/data-sources", json={"name": "bare", "driver": "push"}), 201)
    assert [t["table_id"] for t in _ok(requests.get(f"{v1}/data-sources/bare/schema")).json()["tables"]] == [
        "data"
    ]
    _ok(requests.put(f"{v1}/data-sources/bare/tables/data/rows", json=[[1, "a"], [2, "b"]]))
    _ok(requests.put(f"{v1}/data-sources/bare/tables/hosts/rows", json=[["h1"]]))
    status = _ok(requests.get(f"{v1}/data-sources/bare/status")).json()
    assert status["initialized"] == "True"
    schema = {
        t["table_id"]: [c["name"] for c in t["columns"]]
        for t in requests.get(f"{v1}/data-sources/bare/schema").json()["tables"]
    }
    assert schema == {"data": ["col0", "col1"], "hosts": ["col0"]}
    _ok(
        requests.post(
            f"{v1}/policies/classification/rules",
            json={"rule": "bare_pair(x, h) :- bare:data(x, y), bare:hosts(h)"},
        ),
        201,
    )
    assert _policy_rows(v1, "classification", "bare_pair") == [[1, "h1"], [2, "h1"]]

    # A refused push (wrong width) changes nothing, on either side.
    refused = requests.put(f"{v1}/data-sources/bare/tables/data/rows", json=[[3, "c"], [4]])
    assert refused.status_code == 400
    refused = requests.patch(f"{v1}/data-sources/bare/tables/data/rows", json={"insert": [[5, 6, 7]]})
    assert refused.status_code == 400
    assert _rows(v1, "bare", "data") == [[1, "a"], [2, "b"]] == _policy_rows(v1, "bare", "data")

    server.restart()
    assert _rows(v1, "bare", "data") == [[1, "a"], [2, "b"]] and _rows(v1, "bare", "hosts") == [["h1"]]
    assert _policy_rows(v1, "classification", "bare_pair") == [[1, "h1"], [2, "h1"]]
    _ok(
        requests.patch(
            f"{v1}/data-sources/bare/tables/data/rows", json={"insert": [[3, "c"]], "delete": [[1, "a"]]}
        )
    )
    assert _policy_rows(v1, "classification", "bare_pair") == [[2, "h1"], [3, "h1"]]


def test_a_delta_is_stored_row_by_row_with_its_types(server):
    v1 = server.url + "/v1"
    config = {"schema": {"t": ["a", "b"]}}
    _ok(requests.post(f"{v1}/data-sources", json={"name": "typed", "driver": "push", "config": config}), 201)
    _ok(requests.put(f"{v1}/data-sources/typed/tables/t/rows", json=[[1, 1.0], [2, None], [3, True]]))
    _ok(
        requests.patch(
            f"{v1}/data-sources/typed/tables/t/rows", json={"insert": [[1.0, 1]], "delete": [[2, None]]}
        )
    )
    assert _stored(server, "typed", "t") == ["[1,1.0]", "[1.0,1]", "[3,true]"]
    server.restart()
    rows = _rows(v1, "typed", "t")
    assert sorted(map(repr, rows)) == ["[1, 1.0]", "[1.0, 1]", "[3, 'True']"]


def test_webhook_fed_tables_survive_a_restart(server):
    v1 = server.url + "/v1"
    config = {"persist_data": "true"}  # as the CLI sends it
    _ok(requests.post(f"{v1}/data-sources", json={"name": "vit", "driver": "vitrage", "config": config}), 201)
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    alarm = {"vitrage_id": "a-1", "name": "host down", "state": "Active", "vitrage_type": "zabbix",
             "vitrage_operational_severity": "CRITICAL", "update_timestamp": stamp,
             "resource": {"name": "compute-1", "id": "c1", "vitrage_id": "r-1", "project_id": None,
                          "vitrage_operational_state": "ERROR", "vitrage_type": "nova.host"}}  # fmt: skip
    _ok(requests.post(f"{v1}/data-sources/vit/webhook", json={"payload": alarm}), requests.codes.ok)
    _ok(requests.post(f"{v1}/data-sources/vit/webhook", json={"payload": {**alarm, "vitrage_id": "a-2"}}))
    before = _rows(v1, "vit", "alarms")
    assert len(before) == 2 and len(_stored(server, "vit", "alarms")) == 2

    server.restart()
    assert _rows(v1, "vit", "alarms") == before == _policy_rows(v1, "vit", "alarms")
    # The restored rows are the driver's own: a new notification for a-1 replaces its row.
    _ok(requests.post(f"{v1}/data-sources/vit/webhook", json={"payload": {**alarm, "state": "Inactive"}}))
    assert sorted(r[1] for r in _rows(v1, "vit", "alarms")) == ["Active", "Inactive"]
    assert len(_stored(server, "vit", "alarms")) == 2


def test_rules_written_before_a_schema_less_tables_first_push_fix_its_width(server):
    v1 = server.url + "/v1"
    _ok(requests.post(f"{v1}/data-sources", json={"name": "early", "driver": "push"}), 201)
    rule = {"rule": "early_seen(x) :- early:data(x, y)"}
    _ok(requests.post(f"{v1}/policies/classification/rules", json=rule), 201)
    refused = requests.put(f"{v1}/data-sources/early/tables/data/rows", json=[[1]])
    assert refused.status_code == 400 and "rules use it with [2] columns" in refused.text
    assert _rows(v1, "early", "data") == [] and _stored(server, "early", "data") == []
    _ok(requests.put(f"{v1}/data-sources/early/tables/data/rows", json=[[1, 2]]))
    assert _policy_rows(v1, "classification", "early_seen") == [[1]]


DOCTOR_EVENT = {
    "time": "2016-02-22T11:48:55Z",
    "type": "compute.host.down",
    "details": {"hostname": "compute1", "status": "down", "monitor": "zabbix1", "monitor_event_id": "111"},
}
# name, driver, config (strings, as the CLI sends them), table, what is pushed, whether a restart keeps it
PERSIST_CASES = [
    ("keep_default", "push", {"schema": '{"t": ["a", "b"]}'}, "t", [[1, "x"], [2, "y"]], True),
    ("keep_true", "push", {"schema": '{"t": ["a", "b"]}', "persist_data": "True"}, "t", [[1, "x"]], True),
    ("drop_false", "push", {"schema": '{"t": ["a", "b"]}', "persist_data": "false"}, "t", [[1, "x"]], False),
    ("drop_bare", "push", {"persist_data": "0"}, "learned", [["h1"]], False),
    ("doctor_default", "doctor", {}, "events", [DOCTOR_EVENT], False),
    ("doctor_true", "doctor", {"persist_data": "yes"}, "events", [DOCTOR_EVENT], True),
]


def test_persist_data_decides_what_a_kill_9_keeps(server):
    v1 = server.url + "/v1"
    before = {}
    for name, driver, config, table, pushed, _ in PERSIST_CASES:
        body = {"name": name, "driver": driver, "config": config}
        _ok(requests.post(f"{v1}/data-sources", json=body), 201)
        _ok(requests.put(f"{v1}/data-sources/{name}/tables/{table}/rows", json=pushed))
        before[name] = _rows(v1, name, table)
        assert before[name] and _policy_rows(v1, name, table) == before[name]
    stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime())
    vitrage = {"vitrage_id": "a-1", "state": "Active", "update_timestamp": stamp, "resource": {}}
    _ok(requests.post(f"{v1}/data-sources", json={"name": "vit_default", "driver": "vitrage"}), 201)
    _ok(requests.post(f"{v1}/data-sources/vit_default/webhook", json={"payload": vitrage}))
    assert len(_rows(v1, "vit_default", "alarms")) == 1
    for name, _, _, table, _, persisted in PERSIST_CASES:
        assert (_stored(server, name, table) != []) is persisted, name
    assert _stored(server, "vit_default", "alarms") == []

    server.restart(signal.SIGKILL)
    for name, _, _, table, _, persisted in PERSIST_CASES:
        if persisted:
            assert _rows(v1, name, table) == before[name] == _policy_rows(v1, name, table), name
        elif table == "learned":  # a schema-less push datasource learns its tables again
            schema = _ok(requests.get(f"{v1}/data-sources/{name}/schema")).json()["tables"]
            assert [t["table_id"] for t in schema] == ["data"]
        else:
            assert _rows(v1, name, table) == [] == _policy_rows(v1, name, table), name
    assert _rows(v1, "vit_default", "alarms") == []
    # A datasource that does not persist still takes pushes after the restart, and still does not store them.
    _ok(requests.put(f"{v1}/data-sources/drop_false/tables/t/rows", json=[[3, "z"]]))
    assert _rows(v1, "drop_false", "t") == [[3, "z"]] and _stored(server, "drop_false", "t") == []


@pytest.mark.parametrize("value", ["sometimes", "", "2", 1])
def test_a_bad_persist_data_is_refused_and_changes_nothing(server, value):
    v1 = server.url + "/v1"
    listed = _ok(requests.get(f"{v1}/data-sources")).json()["results"]
    policies = _ok(requests.get(f"{v1}/policies")).json()["results"]
    body = {"name": "shaky", "driver": "doctor", "config": {"persist_data": value}}
    refused = requests.post(f"{v1}/data-sources", json=body)
    assert refused.status_code == 400
    error = refused.json()["error"]
    assert set(error) == {"message", "error_code", "error_data"} and error["error_code"] == 400
    assert "persist_data" in error["message"] and repr(value) in error["message"]
    assert _ok(requests.get(f"{v1}/data-sources")).json()["results"] == listed
    assert _ok(requests.get(f"{v1}/policies")).json()["results"] == policies
    assert requests.get(f"{v1}/data-sources/shaky").status_code == 404
    # The name is still free.
    _ok(requests.post(f"{v1}/data-sources", json={**body, "config": {"persist_data": "false"}}), 201)
    _ok(requests.delete(f"{v1}/data-sources/shaky"))
