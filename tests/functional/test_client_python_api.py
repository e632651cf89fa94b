"""The routes only python-congressclient 2.0.1's Python API uses (the CLI has no command for them).

Each call runs ``congressclient.v1.client.Client`` inside the client venv (see ``ClientEnv.api``):
library policies (list/show/create/delete), policy create from a library policy, data-source show, and
``request_refresh`` with no body at all.
"""

from __future__ import annotations

import time
import uuid

import pytest
import requests

from tests.functional.clientenv import ApiError, ClientEnv, client_or_skip


@pytest.fixture(scope="module")
def cli() -> ClientEnv:
    return client_or_skip()


@pytest.fixture(scope="module")
def url(congress_server) -> str:
    return congress_server.url


def unique(prefix: str) -> str:
    return f"{prefix}_{uuid.uuid4().hex[:8]}"


def test_library_policy_lifecycle(cli, url):
    name = unique("lib")
    body = {
        "name": name,
        "description": "library test",
        "kind": "nonrecursive",
        "abbreviation": "lib",
        "rules": [{"rule": "p(x) :- q(x)", "name": "r1", "comment": "c1"}, {"rule": "q(1)"}],
    }
    created = cli.api(url, "create_library_policy", body)
    assert created["name"] == name
    # rules are kept as submitted (text not pretty-printed)
    assert [r["rule"] for r in created["rules"]] == ["p(x) :- q(x)", "q(1)"]
    assert (created["rules"][0]["name"], created["rules"][0]["comment"]) == ("r1", "c1")
    lib_id = created["id"]
    uuid.UUID(lib_id)

    listed = {p["name"]: p for p in cli.api(url, "list_library_policy")["results"]}
    assert listed[name]["id"] == lib_id
    assert [r["rule"] for r in listed[name]["rules"]] == ["p(x) :- q(x)", "q(1)"]
    without_rules = {p["name"]: p for p in cli.api(url, "list_library_policy", False)["results"]}
    assert "rules" not in without_rules[name]

    shown = cli.api(url, "show_library_policy", lib_id)
    assert shown["description"] == "library test" and shown["abbreviation"] == "lib"
    assert cli.api(url, "show_library_policy", name)["id"] == lib_id, "a library policy is found by name too"
    assert "rules" not in cli.api(url, "show_library_policy", lib_id, include_rules=False)

    # a live policy copied from the library
    live_name = None
    try:
        live = cli.api(url, "create_policy", {}, library_policy_id=lib_id)
        live_name = live["name"]
        assert live_name == name
        assert [r["rule"].split() for r in live["rules"]] == [["p(x)", ":-", "q(x)"], ["q(1)"]]
        rows = cli.api(url, "list_policy_rows", name, "p")["results"]
        assert rows == [{"data": [1]}]
    finally:
        if live_name:
            cli.api(url, "delete_policy", live_name)

    deleted = cli.api(url, "delete_library_policy", lib_id)
    assert deleted["name"] == name
    with pytest.raises(ApiError) as err:
        cli.api(url, "show_library_policy", lib_id)
    assert err.value.status == 404
    with pytest.raises(ApiError) as err:
        cli.api(url, "delete_library_policy", lib_id)
    assert err.value.status == 404


def test_library_policy_create_errors(cli, url):
    with pytest.raises(ApiError) as err:
        cli.api(url, "create_library_policy", {"name": unique("norules")})
    assert err.value.status == 400
    with pytest.raises(ApiError) as err:
        cli.api(url, "create_policy", {}, library_policy_id=str(uuid.uuid4()))
    assert err.value.status == 404


def test_create_policy_from_library_with_no_body(cli, url):
    """``create_policy(None, library_policy_id=...)`` sends no body: the server treats it as {}."""
    name = unique("nobody")
    lib = cli.api(url, "create_library_policy", {"name": name, "rules": [{"rule": "p(1)"}]})
    try:
        live = cli.api(url, "create_policy", None, library_policy_id=lib["id"])
        assert live["name"] == name
        cli.api(url, "delete_policy", name)
    finally:
        cli.api(url, "delete_library_policy", lib["id"])


def test_datasource_show_and_refresh_without_body(cli, url):
    name = unique("ds")
    created = cli.api(url, "create_datasource", {"name": name, "driver": "push",
                                                 "config": {"description": "api test"}})
    try:
        shown = cli.api(url, "show_datasource", name)
        assert shown["id"] == created["id"] and shown["driver"] == "push"
        assert cli.api(url, "show_datasource", created["id"])["name"] == name
        assert cli.api(url, "request_refresh", created["id"]) is None
    finally:
        cli.api(url, "delete_datasource", name)
    with pytest.raises(ApiError) as err:
        cli.api(url, "show_datasource", name)
    assert err.value.status == 404


def test_execute_actions(cli, url):
    """``execute_policy_action(p, 'execute', ...)`` queues the action; ``execute_datasource_action`` runs it
    now, so a driver failure (its cloud is unreachable here) is a 500 "Error in execution procedure"."""
    name = unique("nova")
    config = {"auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "p",
              "poll_time": "0"}
    try:
        cli.api(url, "create_datasource", {"name": name, "driver": "nova", "config": config})
    except ApiError as exc:
        pytest.skip(f"no nova driver on this server: {exc}")
    try:
        body = {"name": f"{name}:servers.delete", "args": {"positional": ["vm1"]}}
        assert cli.api(url, "execute_policy_action", "classification", "execute", False, False, body) == {}
        ran = wait_for_execution(url, name)
        assert (ran["action"], ran["args"], ran["status"]) == ("servers.delete", ["vm1"], "failed")
        with pytest.raises(ApiError) as err:
            cli.api(url, "execute_policy_action", "classification", "execute", False, False,
                    {"name": "nocolon"})
        assert err.value.status == 400 and "Incorrect action syntax" in err.value.message

        with pytest.raises(ApiError) as err:
            cli.api(url, "execute_datasource_action", name, "execute",
                    {"name": "servers.delete", "args": {"positional": ["vm1"]}})
        assert err.value.status == 500 and "Error in execution procedure" in err.value.message
        with pytest.raises(ApiError) as err:
            cli.api(url, "execute_datasource_action", name, "execute",
                    {"name": "servers.delete", "args": ["vm1"]})
        assert err.value.status == 400 and "Incorrect argument syntax" in err.value.message
    finally:
        cli.api(url, "delete_datasource", name)


def wait_for_execution(url: str, service: str, timeout: float = 20) -> dict:
    """The first entry of the server's action log (GET /v1/action-executions) for ``service``."""
    deadline = time.monotonic() + timeout
    while True:
        log = requests.get(f"{url}/v1/action-executions", timeout=10).json()["results"]
        done = [e for e in log if e["service"] == service and e["status"] != "pending"]
        if done or time.monotonic() > deadline:
            assert done, f"no finished execution for {service} in {log}"
            return done[0]
        time.sleep(0.2)


LIBRARY_DRIVERS = ("nova", "neutronv2", "glancev2", "keystonev3", "cinder")  # the tables the library uses
# Known not to activate yet (a server finding), with the error it gives: the bundled UnsafeTraffic holds the
# same rule twice. The test xfails while this (and only this) fails, and passes once it activates.
KNOWN_BROKEN_LIBRARY = {"UnsafeTraffic": "Rule already exists"}


def test_bundled_library_policies_become_live_policies(cli, url):
    """Every policy of the bundled library (seeded at start-up) activates as is once the datasources it
    names exist (their clouds unreachable, polling off): column references need the driver schemas, and
    some library policies use tables of others, so they activate in dependency order."""
    library = {entry["name"]: entry for entry in cli.api(url, "list_library_policy")["results"]}
    assert library, "the server seeds the bundled policy library"
    config = {"auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "p", "project_name": "p",
              "poll_time": "0"}
    for driver in LIBRARY_DRIVERS:
        cli.api(url, "create_datasource", {"name": driver, "driver": driver, "config": config})
    active: list[str] = []
    try:
        pending, failures = dict(library), {}
        while pending:
            failures = {}
            for name, entry in list(pending.items()):
                try:
                    live = cli.api(url, "create_policy", {}, library_policy_id=entry["id"])
                except ApiError as exc:
                    failures[name] = exc.message
                    continue
                del pending[name]
                active.append(name)
                assert live["name"] == name and len(live["rules"]) == len(entry["rules"])
            if len(failures) == len(pending):
                break  # no progress: what is left never activates
        live_names = {p["name"] for p in cli.api(url, "list_policy")["results"]}
        assert set(active) <= live_names
        unexpected = {name: msg for name, msg in failures.items()
                      if KNOWN_BROKEN_LIBRARY.get(name, "\0") not in msg}
        assert not unexpected, f"library policies that do not activate: {unexpected}"
        if failures:
            pytest.xfail(f"known server findings: {sorted(failures)}")
    finally:
        for name in reversed(active):
            cli.api(url, "delete_policy", name)
        for driver in LIBRARY_DRIVERS:
            cli.api(url, "delete_datasource", driver)
