"""Retries of action executions in the real server: congress.conf's action_retry_* options are honoured,
and stopping the server while a retry waits ends that execution failed (not pending forever)."""

from __future__ import annotations

import time

import requests


def executions(server) -> list[dict]:
    return requests.get(f"{server.url}/v1/action-executions", timeout=10).json()["results"]


def wait_for(condition, timeout: float = 20.0):
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        assert time.monotonic() < deadline, "condition not met in time"
        time.sleep(0.05)
    return result


def execute_pause(server) -> None:
    body = {"name": "nova:servers.pause", "args": {"positional": ["vm1"]}}
    response = requests.post(f"{server.url}/v1/policies/classification?action=execute", json=body, timeout=10)
    assert response.status_code == 200, response.text


def test_the_configured_number_of_retries_is_made(server_factory):
    server = server_factory("action_retry_attempts = 2\naction_retry_backoff = 0.05")
    execute_pause(server)  # no datasource "nova" is on the bus: transient, retried
    (done,) = wait_for(lambda: [e for e in executions(server) if e["status"] != "pending"])
    assert done["status"] == "failed"
    assert done["error"].startswith("attempt 3 of 3 failed (no retries left): ServiceUnavailable: ")


def test_a_stop_while_a_retry_waits_fails_the_execution_and_a_restart_does_not_rerun_it(server_factory):
    server = server_factory("action_retry_attempts = 1\naction_retry_backoff = 60")
    execute_pause(server)
    (waiting,) = wait_for(lambda: [e for e in executions(server) if e["error"]])
    assert waiting["status"] == "pending"
    assert waiting["error"].startswith("attempt 1 of 2 failed, retrying in ")
    assert requests.get(f"{server.url}/v1/policies", timeout=10).status_code == 200  # the API is not held

    started = time.monotonic()
    assert server.stop() == 0
    assert time.monotonic() - started < 15  # not waiting out the 30-60 s backoff
    server.start()
    (after,) = executions(server)
    assert (after["seq"], after["status"]) == (waiting["seq"], "failed")
    assert after["error"].startswith(
        "attempt 1 of 2 failed; retry cancelled, the action dispatcher was stopped"
    )
    time.sleep(0.5)
    assert executions(server) == [after]
