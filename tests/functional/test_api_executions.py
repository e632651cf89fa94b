"""Action executions: listed with seq/time/policy/service/action/args/status/error, dry-run when disabled."""

from __future__ import annotations

import time

import requests


def wait_settled(v1: str, since: int, timeout: float = 30.0) -> list[dict]:
    """Executions run asynchronously (transient failures retry with backoff): wait until none is pending."""
    deadline = time.monotonic() + timeout
    while True:
        results = requests.get(f"{v1}/action-executions", params={"since": since}).json()["results"]
        if all(e["status"] != "pending" for e in results):
            return results
        if time.monotonic() > deadline:
            raise AssertionError(f"executions still pending: {results}")
        time.sleep(0.05)


def test_policy_triggered_and_requested_executions(congress_server):
    v1 = congress_server.url + "/v1"
    start = max([e["seq"] for e in requests.get(f"{v1}/action-executions").json()["results"]], default=0)
    requests.post(
        f"{v1}/data-sources",
        json={"name": "inv", "driver": "push", "config": {"schema": {"vms": ["id", "state"]}}},
    )
    requests.post(f"{v1}/policies", json={"name": "enforce"})
    requests.post(
        f"{v1}/policies/enforce/rules", json={"rule": 'execute[nova:servers.pause(x)] :- inv:vms(x, "bad")'}
    )
    requests.put(f"{v1}/data-sources/inv/tables/vms/rows", json=[["vm1", "bad"], ["vm2", "ok"]])
    # present by the time the request that caused it returned
    listed = requests.get(f"{v1}/action-executions", params={"since": start}).json()["results"]
    assert [(e["policy"], e["service"], e["action"], e["args"]) for e in listed] == [
        ("enforce", "nova", "servers.pause", ["vm1"])
    ]
    assert (
        requests.post(
            f"{v1}/policies/enforce?action=execute",
            json={"name": "nova:servers.unpause", "args": {"positional": ["vm1"]}},
        ).json()
        == {}
    )
    settled = wait_settled(v1, start)
    assert [e["seq"] for e in settled] == [start + 1, start + 2]
    assert {e["status"] for e in settled} == {"failed"}  # no service "nova" is running here
    assert all("nova" in e["error"] and e["time"] for e in settled)
    assert requests.get(f"{v1}/action-executions", params={"since": start + 2}).json() == {"results": []}


def test_dry_run_when_execution_is_disabled(server_factory):
    server = server_factory("enable_execute_action = false")
    v1 = server.url + "/v1"
    requests.post(f"{v1}/policies/classification?action=execute", json={"name": "nova:servers.pause"})
    results = requests.get(f"{v1}/action-executions").json()["results"]
    assert [(e["service"], e["action"], e["status"], e["error"]) for e in results] == [
        ("nova", "servers.pause", "dry-run", None)
    ]
