"""Policies, rules, tables, rows, query and simulate over HTTP against a real congress-server."""

from __future__ import annotations

import uuid

import pytest
import requests


@pytest.fixture(scope="module")
def url(congress_server) -> str:
    return congress_server.url + "/v1"


def name(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def error(resp: requests.Response) -> tuple[int, int]:
    assert resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    return resp.status_code, resp.json()["error"]["error_code"]


def test_version_documents_need_no_v1_prefix(congress_server):
    root = requests.get(congress_server.url + "/")
    assert root.status_code == 200 and root.json()["versions"][0]["status"] == "CURRENT"
    assert requests.get(congress_server.url + "/anything").status_code == 300
    assert requests.get(congress_server.url + "/v1/").json()["version"]["id"] == "v1"
    assert error(requests.get(congress_server.url + "/v1/nothing")) == (404, 404)
    # oslo.middleware's request_id filter is in the /v1 pipeline
    assert (
        requests.get(congress_server.url + "/v1/policies")
        .headers["x-openstack-request-id"]
        .startswith("req-")
    )


def test_policy_lifecycle(url):
    pname = name("pol")
    resp = requests.post(
        f"{url}/policies", json={"name": pname, "description": None, "abbreviation": None, "kind": None}
    )
    assert resp.status_code == 201
    created = resp.json()
    assert resp.headers["Location"].endswith(f"/v1/policies/{created['id']}")
    assert created["kind"] == "nonrecursive" and created["abbreviation"] == pname[:5]
    listed = {p["name"]: p for p in requests.get(f"{url}/policies").json()["results"]}
    assert listed[pname] == created and {"classification", "action"} <= set(listed)
    assert requests.get(f"{url}/policies/{created['id']}").json() == created
    assert error(requests.post(f"{url}/policies", json={"name": pname})) == (409, 409)
    assert requests.delete(f"{url}/policies/{pname}").json() == created
    assert error(requests.delete(f"{url}/policies/{pname}")) == (404, 404)


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ({"description": "no name"}, (400, 1010)),
        ({"name": "ok_name", "abbreviation": "toolong"}, (400, 1022)),
        ({"name": "7*7"}, (400, 400)),
        ({"name": "ok_name", "kind": "nosuchkind"}, (400, 400)),
    ],
)
def test_policy_create_errors(url, body, expected):
    assert error(requests.post(f"{url}/policies", json=body)) == expected


def test_rules_duplicates_syntax_and_deletion(url):
    pname = name("rules")
    requests.post(f"{url}/policies", json={"name": pname})
    resp = requests.post(
        f"{url}/policies/{pname}/rules", json={"rule": "p(x) :- q(x), r(x)", "comment": "hi"}
    )
    assert resp.status_code == 201
    rule = resp.json()
    assert rule["rule"] == "p(x) :-\n  q(x),\n  r(x)" and rule["name"] is None and rule["comment"] == "hi"
    assert error(requests.post(f"{url}/policies/{pname}/rules", json={"rule": "p(x) :- r(x), q(x)"})) == (
        409,
        1008,
    )
    assert error(requests.post(f"{url}/policies/{pname}/rules", json={"rule": "p(x) :- q(x"})) == (400, 1002)
    assert error(requests.post(f"{url}/policies/{pname}/rules", json={"rule": "p(x) :- not q(x)"})) == (
        400,
        1002,
    )
    assert error(requests.post(f"{url}/policies/nosuchpolicy/rules", json={"rule": "a(1)"})) == (404, 1020)
    assert error(requests.get(f"{url}/policies/nosuchpolicy/rules")) == (404, 1020)
    listed = requests.get(f"{url}/policies/{pname}/rules").json()["results"]
    assert listed == [{"id": rule["id"], "name": None, "comment": "hi", "rule": "p(x) :- q(x), r(x)"}]
    assert requests.get(f"{url}/policies/{pname}/rules/{rule['id']}").json() == listed[0]
    assert error(requests.get(f"{url}/policies/{pname}/rules/{uuid.uuid4()}")) == (404, 404)
    assert requests.delete(f"{url}/policies/{pname}/rules/{rule['id']}").status_code == 200
    assert requests.delete(f"{url}/policies/{pname}/rules/{rule['id']}").status_code == 404
    assert requests.get(f"{url}/policies/{pname}/rules").json() == {"results": []}


def test_tables_rows_trace_query_simulate(url):
    pname = name("eval")
    pid = requests.post(f"{url}/policies", json={"name": pname}).json()["id"]
    for text in ('vm("a", 1)', 'vm("b", 2.5)', "big(x) :- vm(x, y), gt(y, 2)", "f(3.0)"):
        assert requests.post(f"{url}/policies/{pid}/rules", json={"rule": text}).status_code == 201
    tables = requests.get(f"{url}/policies/{pname}/tables").json()["results"]
    assert {t["id"] for t in tables} == {"vm", "big", "f"}
    assert requests.get(f"{url}/policies/{pname}/tables/big").json() == {"id": "big"}
    assert requests.get(f"{url}/policies/{pname}/tables/nope").status_code == 404
    assert requests.get(f"{url}/policies/{pname}/tables/big/rows").json() == {"results": [{"data": ["b"]}]}
    rows = requests.get(f"{url}/policies/{pname}/tables/f/rows")
    assert rows.json()["results"][0]["data"] == [3.0] and "3.0" in rows.text
    traced = requests.get(f"{url}/policies/{pname}/tables/big/rows?trace=True").json()
    assert traced["results"] == [{"data": ["b"]}] and "big" in traced["trace"]
    assert requests.get(f"{url}/policies/{pname}/tables/big/rows/x").status_code == 501
    resp = requests.post(f"{url}/policies/{pname}?action=query", json={"query": "vm(x, y)"})
    assert sorted(resp.json()["result"]) == ['vm("a", 1)', 'vm("b", 2.5)']
    assert requests.post(f"{url}/policies/{pname}?action=query", json={"query": "vm(x"}).status_code == 400
    sim = {"query": "big(x)", "sequence": 'vm+("c", 7)', "action_policy": "action"}
    resp = requests.post(f"{url}/policies/{pname}?action=simulate&trace=False&delta=False", json=sim)
    assert sorted(resp.json()["result"]) == ['big("b")', 'big("c")'] and "trace" not in resp.json()
    resp = requests.post(f"{url}/policies/{pid}?action=simulate&delta=true&trace=true", json=sim)
    assert resp.json()["result"] == ['big+("c")'] and isinstance(resp.json()["trace"], str)
    assert requests.get(f"{url}/policies/{pname}/tables/big/rows").json() == {"results": [{"data": ["b"]}]}
    assert error(requests.post(f"{url}/policies/{pname}?action=simulate", json={"query": "big(x)"})) == (
        400,
        1004,
    )
    assert error(requests.post(f"{url}/policies/nope?action=simulate", json=sim)) == (500, 1007)


def test_method_and_action_dispatch(url):
    assert error(requests.put(f"{url}/policies", json={})) == (501, 501)
    assert error(requests.post(f"{url}/policies/classification", json={})) == (400, 400)
    assert error(requests.post(f"{url}/policies/classification?action=fly", json={})) == (501, 501)
    assert error(
        requests.post(f"{url}/policies", data="{", headers={"Content-Type": "application/json"})
    ) == (400, 400)
    assert error(requests.post(f"{url}/policies", data="{}", headers={"Content-Type": "text/xml"})) == (
        400,
        400,
    )
    assert requests.get(f"{url}/policies/").status_code == 404
