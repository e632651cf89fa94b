"""Data sources over HTTP: the push driver (PUT/PATCH rows), schema, status, errors, system drivers."""

from __future__ import annotations

import json
import uuid

import pytest
import requests


@pytest.fixture(scope="module")
def url(congress_server) -> str:
    return congress_server.url + "/v1"


def push_source(url: str, schema: dict, **extra) -> dict:
    name = f"push_{uuid.uuid4().hex[:8]}"
    resp = requests.post(
        f"{url}/data-sources", json={"name": name, "driver": "push", "config": {"schema": schema}, **extra}
    )
    assert resp.status_code == 201, resp.text
    return resp.json()


def rows(url: str, ds: str, table: str) -> list:
    return sorted(
        r["data"] for r in requests.get(f"{url}/data-sources/{ds}/tables/{table}/rows").json()["results"]
    )


def test_push_replace_and_delta(url):
    ds = push_source(url, {"servers": ["id", "name", "owner"]})
    base = f"{url}/data-sources/{ds['name']}/tables/servers/rows"
    resp = requests.put(base, json=[["s1", "web", "alice"], ["s2", "db", "bob"], ["s4", "n", 1.0]])
    assert resp.status_code == 200 and resp.content == b""
    assert rows(url, ds["id"], "servers") == [["s1", "web", "alice"], ["s2", "db", "bob"], ["s4", "n", 1.0]]
    assert "1.0" in requests.get(base).text
    resp = requests.patch(
        base,
        json={
            "insert": [["s3", "api", "carol"], ["s2", "db", "bob"]],
            "delete": [["s2", "db", "bob"], ["s4", "n", 1.0]],
        },
    )
    assert resp.status_code == 200
    assert rows(url, ds["name"], "servers") == [
        ["s1", "web", "alice"],
        ["s2", "db", "bob"],
        ["s3", "api", "carol"],
    ]
    policy_rows = requests.get(f"{url}/policies/{ds['name']}/tables/servers/rows").json()["results"]
    assert sorted(r["data"] for r in policy_rows) == rows(url, ds["name"], "servers")


def test_push_wrong_width_is_refused_synchronously(url):
    ds = push_source(url, {"t": ["a", "b"]})
    base = f"{url}/data-sources/{ds['name']}/tables/t/rows"
    requests.put(base, json=[[1, 2]])
    resp = requests.put(base, json=[[1, 2], [3]])
    assert resp.status_code == 400 and resp.json()["error"]["error_code"] == 400
    assert requests.patch(base, json={"insert": [[1, 2, 3]]}).status_code == 400
    assert requests.put(f"{url}/data-sources/{ds['name']}/tables/nope/rows", json=[[1, 2]]).status_code == 400
    assert requests.put(base, json={"not": "rows"}).status_code == 400
    assert rows(url, ds["name"], "t") == [[1, 2]]


def test_datasource_documents(url):
    ds = push_source(url, json.dumps({"vms": ["id", "state"]}), description="inventory")
    assert ds["description"] == "inventory" and ds["type"] is None and ds["enabled"] is True
    listed = {d["name"]: d for d in requests.get(f"{url}/data-sources").json()["results"]}
    assert listed[ds["name"]]["id"] == ds["id"]
    assert requests.get(f"{url}/data-sources/{ds['id']}").json()["name"] == ds["name"]
    assert requests.get(f"{url}/data-sources/{ds['name']}/tables").json() == {"results": [{"id": "vms"}]}
    assert requests.get(f"{url}/data-sources/{ds['name']}/tables/vms").json() == {"id": "vms"}
    assert requests.get(f"{url}/data-sources/{ds['name']}/tables/nope").status_code == 404
    schema = requests.get(f"{url}/data-sources/{ds['name']}/schema").json()
    assert schema == {
        "tables": [
            {
                "table_id": "vms",
                "columns": [{"name": "id", "description": None}, {"name": "state", "description": None}],
            }
        ]
    }
    assert requests.get(f"{url}/data-sources/{ds['name']}/tables/vms/spec").json() == schema["tables"][0]
    assert requests.get(f"{url}/data-sources/{ds['name']}/actions").json() == {"results": []}
    status = requests.get(f"{url}/data-sources/{ds['name']}/status").json()
    assert set(status) == {
        "last_updated",
        "last_error",
        "number_of_updates",
        "initialized",
        "subscriptions",
        "subscribers",
    }
    assert requests.post(f"{url}/data-sources/{ds['id']}?action=request-refresh").json() is None
    assert requests.patch(f"{url}/data-sources/{ds['name']}", json={}).status_code == 501
    resp = requests.delete(f"{url}/data-sources/{ds['name']}")
    assert resp.status_code == 200 and resp.json() is None
    assert requests.get(f"{url}/data-sources/{ds['name']}").status_code == 404
    assert requests.get(f"{url}/policies/{ds['name']}/tables").status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x1", "driver": "nosuchdriver"},
        {"name": "_hidden", "driver": "push"},
        {"name": "x2", "driver": "push", "config": {"nosuchoption": "1"}},
        {"name": "x3", "driver": "push", "config": {"schema": "not json"}},
    ],
)
def test_datasource_create_errors(url, body):
    resp = requests.post(f"{url}/data-sources", json=body)
    assert resp.status_code == 400 and resp.json()["error"]["error_code"] == 400
    assert body["name"] not in {d["name"] for d in requests.get(f"{url}/data-sources").json()["results"]}


def test_datasource_name_conflicts(url):
    ds = push_source(url, {"t": ["a"]})
    again = requests.post(f"{url}/data-sources", json={"name": ds["name"], "driver": "push"})
    assert again.status_code == 409
    requests.post(f"{url}/policies", json={"name": "taken_by_policy"})
    assert (
        requests.post(f"{url}/data-sources", json={"name": "taken_by_policy", "driver": "push"}).status_code
        == 409
    )
    rule = requests.post(f"{url}/policies/{ds['name']}/rules", json={"rule": "t(1)"})
    assert rule.status_code == 400 and rule.json()["error"]["error_code"] == 1019


def test_system_drivers(url):
    drivers = {d["id"]: d for d in requests.get(f"{url}/system/drivers").json()["results"]}
    assert set(drivers["push"]) == {"id", "description"}
    push = requests.get(f"{url}/system/drivers/push").json()
    assert push["id"] == "push" and push["config"]["schema"] == "(optional)" and "tables" in push
    resp = requests.get(f"{url}/system/drivers/nosuchdriver")
    assert resp.status_code == 404 and "Driver not found" in resp.json()["error"]["message"]
