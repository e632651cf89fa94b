"""Request bodies hold exactly the documented fields: an unknown one is a 400 that changes nothing,
and every body python-congressclient 2.0.1 sends (client-cli-trace) is accepted."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


def state(api) -> dict:
    """Everything a refused body could have changed."""
    policies = api("GET", "/v1/policies")[1]["results"]
    return {
        "policies": policies,
        "rules": {p["name"]: api("GET", f"/v1/policies/{p['id']}/rules")[1]["results"] for p in policies},
        "datasources": api("GET", "/v1/data-sources")[1]["results"],
        "library": api("GET", "/v1/librarypolicies")[1]["results"],
        "rows": api("GET", "/v1/data-sources/src/tables/t/rows")[1]["results"],
    }


@pytest.fixture
def seeded(api):
    api("POST", "/v1/policies", {"name": "pol"})
    api("POST", "/v1/policies/pol/rules", {"rule": "q(x) :- src:t(x, y)"})
    api(
        "POST", "/v1/data-sources", {"name": "src", "driver": "push", "config": {"schema": {"t": ["a", "b"]}}}
    )
    api("PUT", "/v1/data-sources/src/tables/t/rows", [[1, 2]])
    return api


UNKNOWN_FIELD = [
    ("POST", "/v1/policies", {"name": "newpol", "description": "d", "bogus": 1}),
    ("POST", "/v1/policies", {"name": "newpol", "rules": [{"rule": "a(1)"}], "bogus": 1}),
    ("POST", "/v1/policies", {"name": "newpol", "rules": [{"rule": "a(1)", "bogus": 1}]}),
    ("POST", "/v1/policies/pol/rules", {"rule": "fresh(1)", "bogus": 1}),
    ("POST", "/v1/policies/pol/rules", {"rule": "fresh(1)", "Name": "typo"}),
    ("POST", "/v1/data-sources", {"name": "newds", "driver": "push", "bogus": 1}),
    ("POST", "/v1/data-sources", {"name": "newds", "driver": "push", "type": None}),
    ("POST", "/v1/librarypolicies", {"name": "newlib", "rules": [], "bogus": 1}),
    ("PUT", "/v1/librarypolicies/{lib}", {"name": "newlib", "rules": [], "bogus": 1}),
    (
        "POST",
        "/v1/policies/pol?action=simulate",
        {"query": "q(x)", "sequence": "src:t+(2, 3)", "action_policy": "action", "bogus": 1},
    ),
    ("POST", "/v1/policies/pol?action=query", {"query": "q(x)", "bogus": 1}),
    ("POST", "/v1/policies/pol?action=execute", {"name": "nova:servers.pause", "bogus": 1}),
    ("POST", "/v1/data-sources/src?action=execute", {"name": "servers.pause", "bogus": 1}),
    ("POST", "/v1/data-sources/src?action=request-refresh", {"bogus": 1}),
    ("PATCH", "/v1/data-sources/src/tables/t/rows", {"insert": [[5, 6]], "upsert": [[7, 8]]}),
]


@pytest.mark.parametrize(("method", "path", "body"), UNKNOWN_FIELD)
def test_unknown_fields_are_400_and_change_nothing(seeded, method, path, body):
    api = seeded
    lib = api("POST", "/v1/librarypolicies", {"name": "lib", "rules": [{"rule": "z(1)"}]})[1]
    before = state(api)
    status, error, resp = api(method, path.format(lib=lib["id"]), body)
    assert status == 400, error
    assert resp.content_type == "application/json"
    assert set(error) == {"error"} and error["error"]["error_code"] in (400,)
    nested = body.get("rules") or [{}]
    unknown = {"bogus", "type", "Name", "upsert"} & (set(body) | set(nested[0]))
    assert unknown and all(field in str(error["error"]) for field in unknown)  # message or error_data
    assert state(api) == before


def test_the_clients_bodies_are_accepted(seeded):
    """The exact bodies of client-cli-trace.md and the Python API."""
    api = seeded
    ok = [
        (
            "POST",
            "/v1/policies",
            {"name": "cli1", "description": "desc", "abbreviation": "abc", "kind": "nonrecursive"},
            201,
        ),
        (
            "POST",
            "/v1/policies",
            {"name": "cli2", "description": None, "abbreviation": None, "kind": None},
            201,
        ),
        (
            "POST",
            "/v1/policies",
            {
                "name": "cli3",
                "description": "from file",
                "kind": "nonrecursive",
                "abbreviation": "fp",
                "rules": [{"rule": "p(x) :- q(x)", "name": "r1", "comment": "c1"}],
            },
            201,
        ),
        ("POST", "/v1/policies/cli1/rules", {"rule": "p(x) :- q(x)", "name": "rule1", "comment": "cmt"}, 201),
        ("POST", "/v1/policies/cli1/rules", {"rule": "p(1)"}, 201),
        (
            "POST",
            "/v1/policies/cli1?action=simulate&trace=False&delta=False",
            {"query": "p(x)", "sequence": "q+(1)", "action_policy": "action"},
            200,
        ),
        ("POST", "/v1/data-sources", {"name": "mypush", "driver": "push", "config": None}, 201),
        (
            "POST",
            "/v1/data-sources",
            {
                "name": "nova1",
                "driver": "nova",
                "description": "nova ds",
                "config": {
                    "username": "admin",
                    "password": "secret",
                    "auth_url": "http://127.0.0.1:9/identity",
                    "project_name": "admin",
                    "poll_time": "0",
                },
            },
            201,
        ),
        (
            "POST",
            "/v1/data-sources",
            {"name": "push2", "driver": "push", "config": None, "description": "d", "enabled": True},
            201,
        ),
        ("POST", "/v1/data-sources/src?action=request-refresh", {}, 200),
        (
            "POST",
            "/v1/policies/cli1?action=execute&trace=False&delta=False",
            {"name": "nova:servers.pause", "args": {"positional": ["x"], "named": {}}},
            200,
        ),
        (
            "POST",
            "/v1/librarypolicies",
            {
                "name": "lib2",
                "description": "",
                "kind": "nonrecursive",
                "abbreviation": "l2",
                "rules": [{"rule": "z(1)", "name": "n", "comment": "c"}],
            },
            201,
        ),
    ]
    for method, path, body, expected in ok:
        status, answer, _ = api(method, path, body)
        assert status == expected, (path, answer)
    assert api("POST", "/v1/data-sources/src?action=request-refresh", raw=b"")[0] == 200


def test_a_datasource_id_cannot_be_chosen(seeded):
    status, error, _ = seeded("POST", "/v1/data-sources", {"name": "withid", "driver": "push", "id": "x"})
    assert (status, error["error"]["error_code"]) == (400, 1001)


LIBRARY = Path(__file__).resolve().parents[3] / "congress" / "library"


@pytest.mark.parametrize("file", sorted(p.name for p in LIBRARY.glob("*.yaml")))
def test_library_files_are_accepted_as_bodies(api, file):
    """The library file format (create-from-file sends it verbatim) includes ``depends-on``."""
    document = yaml.safe_load((LIBRARY / file).read_text())
    status, body, _ = api("POST", "/v1/librarypolicies", document)
    assert status == 201, body


def test_depends_on_is_a_list_of_names(api):
    rules = [{"rule": "p(1)"}]
    assert api("POST", "/v1/policies", {"name": "dep", "depends-on": ["other"], "rules": rules})[0] == 201
    status, body, _ = api("POST", "/v1/policies", {"name": "dep2", "depends-on": "other", "rules": rules})
    assert (status, body["error"]["error_code"]) == (400, 400)
