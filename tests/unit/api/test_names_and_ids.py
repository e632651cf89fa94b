"""Wherever a name or an id identifies an object, both work (contract §3, recommendation)."""

from __future__ import annotations

import pytest


@pytest.fixture
def objects(api) -> dict[str, dict[str, str]]:
    ds = api(
        "POST", "/v1/data-sources", {"name": "inv", "driver": "push", "config": {"schema": {"t": ["a", "b"]}}}
    )[1]
    api("PUT", "/v1/data-sources/inv/tables/t/rows", [[1, 2]])
    policy = api("POST", "/v1/policies", {"name": "pol"})[1]
    rule = api("POST", "/v1/policies/pol/rules", {"rule": "q(x) :- inv:t(x, y)"})[1]
    lib = api("POST", "/v1/librarypolicies", {"name": "lib", "rules": [{"rule": "z(1)"}]})[1]
    return {
        "ds": {"name": "inv", "id": ds["id"]},
        "policy": {"name": "pol", "id": policy["id"]},
        "rule": {"id": rule["id"]},
        "lib": {"name": "lib", "id": lib["id"]},
    }


def both(objects: dict, kind: str) -> list[str]:
    return [objects[kind]["name"], objects[kind]["id"]]


def test_a_datasource_policy_is_addressed_by_the_datasource_id_too(api, objects):
    for ref in both(objects, "ds"):
        assert api("GET", f"/v1/policies/{ref}/tables")[1] == {"results": [{"id": "t"}]}, ref
        assert api("GET", f"/v1/policies/{ref}/tables/t")[1] == {"id": "t"}
        assert api("GET", f"/v1/policies/{ref}/tables/t/rows")[1] == {"results": [{"data": [1, 2]}]}
        assert api("GET", f"/v1/policies/{ref}/rules")[1] == {"results": []}
        assert api("GET", f"/v1/policies/{ref}/status")[1] == {"name": "inv", "id": objects["ds"]["id"]}
        status, body, _ = api("POST", f"/v1/policies/{ref}/rules", {"rule": "t(5, 6)"})
        assert (status, body["error"]["error_code"]) == (400, 1019)
        assert api("POST", f"/v1/policies/{ref}?action=query", {"query": "t(x, y)"})[1] == {
            "result": ["t(1, 2)"]
        }
        simulated = api(
            "POST",
            f"/v1/policies/{ref}?action=simulate",
            {"query": "t(x, y)", "sequence": "t+(3, 4)", "action_policy": "action"},
        )[1]
        assert sorted(simulated["result"]) == ["t(1, 2)", "t(3, 4)"]
    assert api("GET", "/v1/policies/00000000-0000-0000-0000-000000000000/tables")[0] == 404


def test_policy_routes_take_name_or_id(api, objects):
    rule = objects["rule"]["id"]
    for ref in both(objects, "policy"):
        assert api("GET", f"/v1/policies/{ref}")[1]["name"] == "pol"
        assert [r["id"] for r in api("GET", f"/v1/policies/{ref}/rules")[1]["results"]] == [rule]
        assert api("GET", f"/v1/policies/{ref}/rules/{rule}")[1]["id"] == rule
        assert api("GET", f"/v1/policies/{ref}/rules/{rule}/status")[1]["id"] == rule
        assert api("GET", f"/v1/policies/{ref}/status")[1]["name"] == "pol"
        assert api("GET", f"/v1/policies/{ref}/tables/q/rows")[1] == {"results": [{"data": [1]}]}
        assert api("POST", f"/v1/policies/{ref}?action=query", {"query": "q(x)"})[1] == {"result": ["q(1)"]}
        body = {"query": "q(x)", "sequence": "inv:t+(7, 8)", "action_policy": "action"}
        assert sorted(api("POST", f"/v1/policies/{ref}?action=simulate", body)[1]["result"]) == [
            "q(1)",
            "q(7)",
        ]
        created = api("POST", f"/v1/policies/{ref}/rules", {"rule": "extra(1)"})[1]
        assert api("DELETE", f"/v1/policies/{ref}/rules/{created['id']}")[0] == 200


def test_datasource_routes_take_name_or_id(api, objects):
    for ref in both(objects, "ds"):
        assert api("GET", f"/v1/data-sources/{ref}")[1]["name"] == "inv"
        assert api("GET", f"/v1/data-sources/{ref}/tables")[1] == {"results": [{"id": "t"}]}
        assert api("GET", f"/v1/data-sources/{ref}/tables/t")[1] == {"id": "t"}
        assert api("GET", f"/v1/data-sources/{ref}/schema")[1]["tables"][0]["table_id"] == "t"
        assert api("GET", f"/v1/data-sources/{ref}/tables/t/spec")[1]["table_id"] == "t"
        assert api("GET", f"/v1/data-sources/{ref}/actions")[1] == {"results": []}
        assert api("GET", f"/v1/data-sources/{ref}/status")[0] == 200
        assert api("POST", f"/v1/data-sources/{ref}?action=request-refresh", {})[0] == 200
        assert api("PUT", f"/v1/data-sources/{ref}/tables/t/rows", [[1, 2], [3, 4]])[0] == 200
        assert api("PATCH", f"/v1/data-sources/{ref}/tables/t/rows", {"delete": [[3, 4]]})[0] == 200
        assert api("GET", f"/v1/data-sources/{ref}/tables/t/rows")[1] == {"results": [{"data": [1, 2]}]}


def test_library_routes_take_name_or_id(api, objects):
    for ref in both(objects, "lib"):
        assert api("GET", f"/v1/librarypolicies/{ref}")[1]["id"] == objects["lib"]["id"]
    replaced = api("PUT", "/v1/librarypolicies/lib", {"name": "lib", "rules": [{"rule": "z(2)"}]})[1]
    assert replaced["id"] == objects["lib"]["id"]
    assert api("POST", "/v1/policies?library_policy=lib", {})[1]["name"] == "lib"
    assert api("DELETE", f"/v1/librarypolicies/{objects['lib']['id']}")[0] == 200
