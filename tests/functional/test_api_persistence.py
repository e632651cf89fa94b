"""State survives a restart of congress-server: a clean stop (SIGTERM) and a kill -9."""

from __future__ import annotations

import signal

import pytest
import requests


def snapshot(base: str) -> dict:
    """Everything a restart must keep, as the API shows it."""
    v1 = base + "/v1"
    policies = sorted(
        (p["id"], p["name"], p["kind"], p["abbreviation"], p["description"])
        for p in requests.get(f"{v1}/policies").json()["results"]
    )
    rules = {
        p[1]: sorted(map(str, requests.get(f"{v1}/policies/{p[0]}/rules").json()["results"]))
        for p in policies
    }
    sources = sorted((d["id"], d["name"]) for d in requests.get(f"{v1}/data-sources").json()["results"])
    pushed = sorted(
        r["data"] for r in requests.get(f"{v1}/data-sources/cmdb/tables/servers/rows").json()["results"]
    )
    derived = sorted(
        requests.post(f"{v1}/policies/audit?action=query", json={"query": "orphan(x)"}).json()["result"]
    )
    executions = requests.get(f"{v1}/action-executions").json()["results"]
    library = sorted(p["name"] for p in requests.get(f"{v1}/librarypolicies").json()["results"])
    return {
        "policies": policies,
        "rules": rules,
        "sources": sources,
        "pushed": pushed,
        "derived": derived,
        "executions": [(e["seq"], e["service"], e["action"], e["args"]) for e in executions],
        "library": library,
    }


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGKILL], ids=["sigterm", "kill-9"])
def test_everything_survives_a_restart(server_factory, sig):
    server = server_factory()
    v1 = server.url + "/v1"
    assert (
        requests.post(
            f"{v1}/data-sources",
            json={"name": "cmdb", "driver": "push", "config": {"schema": {"servers": ["id", "owner"]}}},
        ).status_code
        == 201
    )
    assert (
        requests.put(
            f"{v1}/data-sources/cmdb/tables/servers/rows", json=[["s1", "alice"], ["s2", ""], ["s3", 2.0]]
        ).status_code
        == 200
    )
    assert (
        requests.patch(
            f"{v1}/data-sources/cmdb/tables/servers/rows",
            json={"insert": [["s4", ""]], "delete": [["s1", "alice"]]},
        ).status_code
        == 200
    )
    assert (
        requests.post(
            f"{v1}/policies", json={"name": "audit", "kind": "nonrecursive", "description": "who owns what"}
        ).status_code
        == 201
    )
    for text in ('orphan(x) :- cmdb:servers(x, "")', "execute[nova:servers.pause(x)] :- orphan(x)"):
        assert (
            requests.post(f"{v1}/policies/audit/rules", json={"rule": text, "name": "r"}).status_code == 201
        )
    lib = requests.post(f"{v1}/librarypolicies", json={"name": "mylib", "rules": [{"rule": "p(1)"}]})
    assert lib.status_code == 201
    before = snapshot(server.url)
    assert before["pushed"] == [["s2", ""], ["s3", 2.0], ["s4", ""]]
    assert before["derived"] == ['orphan("s2")', 'orphan("s4")']
    assert sorted(e[3] for e in before["executions"]) == [["s2"], ["s4"]]

    server.restart(sig)

    after = snapshot(server.url)
    assert after == before
    # the restored engine keeps working incrementally, and old executions are not re-run
    requests.patch(f"{v1}/data-sources/cmdb/tables/servers/rows", json={"insert": [["s5", ""]]})
    executions = requests.get(f"{v1}/action-executions?since={before['executions'][-1][0]}").json()["results"]
    assert [e["args"] for e in executions] == [["s5"]]


def test_bundled_library_is_loaded_once(server_factory):
    server = server_factory()
    v1 = server.url + "/v1"
    library = {p["name"]: p for p in requests.get(f"{v1}/librarypolicies").json()["results"]}
    assert len(library) >= 5
    gone = next(iter(library.values()))
    assert requests.delete(f"{v1}/librarypolicies/{gone['id']}").status_code == 200
    server.restart()
    names = {p["name"] for p in requests.get(f"{v1}/librarypolicies").json()["results"]}
    assert names == set(library) - {gone["name"]}
