"""The v1 API end to end in-process: every resource through the real router and services."""

from __future__ import annotations

import pytest


def test_versions_and_fallbacks(api):
    status, body, _ = api("GET", "/")
    assert status == 200 and body["versions"][0]["id"] == "v1"
    assert body["versions"][0]["links"] == [{"rel": "self", "href": "http://localhost/v1/"}]
    status, body, _ = api("GET", "/fake")
    assert status == 300 and body["choices"][0]["links"][0]["href"] == "http://localhost/v1/fake"
    for path in ("/v1", "/v1/"):
        status, body, _ = api("GET", path)
        assert status == 200 and body["version"]["id"] == "v1"
    assert api("GET", "/v1/fake")[0] == 404
    assert api("GET", "/v1/policies/")[0] == 404


def test_system_policies_exist_and_cannot_be_deleted(api):
    status, body, _ = api("GET", "/v1/policies")
    by_name = {p["name"]: p for p in body["results"]}
    assert by_name["classification"]["kind"] == "nonrecursive"
    assert by_name["action"] == {
        **by_name["action"],
        "kind": "action",
        "abbreviation": "actio",
        "description": "default action policy",
        "owner_id": "user",
    }
    status, body, _ = api("DELETE", "/v1/policies/classification")
    assert status == 404 and "system-maintained" in body["error"]["message"]


def test_policy_create_show_delete_by_name_and_id(api):
    status, created, resp = api(
        "POST",
        "/v1/policies",
        {"name": "alpha", "description": None, "abbreviation": None, "kind": "Materialized"},
    )
    assert status == 201
    assert created == {
        "id": created["id"],
        "name": "alpha",
        "abbreviation": "alpha",
        "description": "",
        "owner_id": "user",
        "kind": "materialized",
    }
    assert resp.location == f"http://localhost/v1/policies/{created['id']}"
    assert api("GET", f"/v1/policies/{created['id']}")[1] == created
    assert api("GET", "/v1/policies/alpha")[1] == created
    status, body, _ = api("POST", "/v1/policies", {"name": "alpha"})
    assert status == 409
    assert api("DELETE", f"/v1/policies/{created['id']}")[1] == created
    status, body, _ = api("GET", "/v1/policies/alpha")
    assert status == 404 and body["error"]["message"] == "Not Found::No policy found with name or id alpha"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ({}, 400, 1010),
        ({"name": "x", "abbreviation": "toolong"}, 400, 1022),
        ({"name": "x", "id": "abc"}, 400, 1015),
        ({"name": "7*7"}, 400, 400),
        ({"name": "x", "kind": "foo"}, 400, 400),
        ({"name": "x", "rules": [{"name": "r"}]}, 400, 400),
    ],
)
def test_policy_create_errors(api, body, status, code):
    got_status, got, _ = api("POST", "/v1/policies", body)
    assert (got_status, got["error"]["error_code"]) == (status, code)
    assert "x" not in {p["name"] for p in api("GET", "/v1/policies")[1]["results"]}


def test_create_with_rules_is_atomic_and_echoes_pretty_rules(api):
    rules = [{"rule": "p(x) :- q(x), r(x)", "name": "r1", "comment": "c"}, {"rule": "q(1)"}]
    status, body, _ = api("POST", "/v1/policies", {"name": "withrules", "description": "d", "rules": rules})
    assert status == 201
    assert body["rules"] == [
        {"rule": "p(x) :-\n  q(x),\n  r(x)", "name": "r1", "comment": "c"},
        {"rule": "q(1)", "name": None, "comment": ""},
    ]
    listed = api("GET", "/v1/policies/withrules/rules")[1]["results"]
    assert [(r["rule"], r["name"], r["comment"]) for r in listed] == [
        ("p(x) :- q(x), r(x)", "r1", "c"),
        ("q(1)", None, ""),
    ]
    status, body, _ = api(
        "POST", "/v1/policies", {"name": "broken", "rules": [{"rule": "a(1)"}, {"rule": "b(x"}]}
    )
    assert status == 400 and body["error"]["error_code"] == 1002
    assert api("GET", "/v1/policies/broken")[0] == 404


def test_rules_lifecycle_and_errors(api):
    pid = api("POST", "/v1/policies", {"name": "rp"})[1]["id"]
    status, rule, resp = api("POST", "/v1/policies/rp/rules", {"rule": "p(x) :- q(x)", "name": "n"})
    assert status == 201 and rule["rule"] == "p(x) :-\n  q(x)" and rule["comment"] == ""
    assert resp.location.endswith(f"/v1/policies/rp/rules/{rule['id']}")
    assert (
        api("POST", f"/v1/policies/{pid}/rules", {"rule": "p(x) :- q(x)"})[1]["error"]["error_code"] == 1008
    )
    assert api("POST", "/v1/policies/rp/rules", {"rule": "p(x) :- "})[1]["error"]["error_code"] == 1002
    assert api("POST", "/v1/policies/rp/rules", {"rule": "a(1) b(2)"})[1]["error"]["error_code"] in (
        1002,
        1003,
    )
    assert api("POST", "/v1/policies/nope/rules", {"rule": "a(1)"})[0] == 404
    assert api("GET", f"/v1/policies/rp/rules/{rule['id']}")[1]["rule"] == "p(x) :- q(x)"
    assert api("GET", f"/v1/policies/{pid}/rules/{rule['id']}/status")[1] == {
        "name": "n",
        "id": rule["id"],
        "comment": "",
        "original_str": "p(x) :- q(x)",
    }
    assert api("GET", f"/v1/policies/{pid}/status")[1] == {"name": "rp", "id": pid}
    assert api("DELETE", f"/v1/policies/rp/rules/{rule['id']}")[0] == 200
    status, body, _ = api("DELETE", f"/v1/policies/rp/rules/{rule['id']}")
    assert status == 404
    assert api("PUT", f"/v1/policies/rp/rules/{rule['id']}", {})[0] == 501


def test_tables_rows_trace_query_and_simulate(api):
    api("POST", "/v1/policies", {"name": "ev"})
    for text in ("q(1)", "q(2)", "r(2)", "p(x) :- q(x), r(x)", "f(2.0)"):
        assert api("POST", "/v1/policies/ev/rules", {"rule": text})[0] == 201
    assert {t["id"] for t in api("GET", "/v1/policies/ev/tables")[1]["results"]} == {"q", "r", "p", "f"}
    assert api("GET", "/v1/policies/ev/tables/p")[1] == {"id": "p"}
    assert api("GET", "/v1/policies/ev/tables/zz")[0] == 404
    assert api("GET", "/v1/policies/ev/tables/p/rows")[1] == {"results": [{"data": [2]}]}
    _, _, resp = api("GET", "/v1/policies/ev/tables/f/rows")
    assert b"2.0" in resp.body
    status, body, _ = api("GET", "/v1/policies/ev/tables/p/rows?trace=True")
    assert isinstance(body["trace"], str) and body["trace"]
    assert api("POST", "/v1/policies/ev?action=query", {"query": "p(x)"})[1] == {"result": ["p(2)"]}
    status, body, _ = api(
        "POST",
        "/v1/policies/ev?action=simulate&delta=False&trace=False",
        {"query": "p(x)", "sequence": "r+(1)", "action_policy": "action"},
    )
    assert status == 200 and sorted(body["result"]) == ["p(1)", "p(2)"]
    assert api("GET", "/v1/policies/ev/tables/p/rows")[1] == {"results": [{"data": [2]}]}
    status, body, _ = api("POST", "/v1/policies/ev?action=simulate", {"query": "p(x)"})
    assert (status, body["error"]["error_code"]) == (400, 1004)
    status, body, _ = api(
        "POST",
        "/v1/policies/ev?action=simulate",
        {"query": "p(x", "sequence": "r+(1)", "action_policy": "action"},
    )
    assert (status, body["error"]["error_code"]) == (500, 1007)


def test_push_datasource_tables_rows_and_policy_view(api):
    ds_body = {"name": "cmdb", "driver": "push", "config": {"schema": '{"servers": ["id", "name", "owner"]}'}}
    status, created, _ = api("POST", "/v1/data-sources", ds_body)
    assert status == 201 and created["type"] is None and created["enabled"] is True
    assert api("GET", "/v1/data-sources/cmdb/tables")[1] == {"results": [{"id": "servers"}]}
    status, _, resp = api(
        "PUT", "/v1/data-sources/cmdb/tables/servers/rows", [["s1", "web", "alice"], ["s2", "db", "bob"]]
    )
    assert status == 200 and resp.body == b""
    assert api("PUT", "/v1/data-sources/cmdb/tables/servers/rows", [["s1", "web"]])[0] == 400
    assert (
        api(
            "PATCH",
            "/v1/data-sources/cmdb/tables/servers/rows",
            {"insert": [["s3", "x", "carol"]], "delete": [["s2", "db", "bob"]]},
        )[0]
        == 200
    )
    rows = api("GET", f"/v1/data-sources/{created['id']}/tables/servers/rows")[1]["results"]
    assert sorted(r["data"][0] for r in rows) == ["s1", "s3"]
    assert sorted(
        r["data"][0] for r in api("GET", "/v1/policies/cmdb/tables/servers/rows")[1]["results"]
    ) == ["s1", "s3"]
    status, body, _ = api("POST", "/v1/policies/cmdb/rules", {"rule": "servers(1,2,3)"})
    assert (status, body["error"]["error_code"]) == (400, 1019)
    api("POST", "/v1/policies", {"name": "use"})
    api("POST", "/v1/policies/use/rules", {"rule": "owned(o) :- cmdb:servers(i, n, o)"})
    assert sorted(api("POST", "/v1/policies/use?action=query", {"query": "owned(x)"})[1]["result"]) == [
        'owned("alice")',
        'owned("carol")',
    ]
    assert api("GET", "/v1/data-sources/cmdb/schema")[1] == {
        "tables": [
            {
                "table_id": "servers",
                "columns": [
                    {"name": "id", "description": None},
                    {"name": "name", "description": None},
                    {"name": "owner", "description": None},
                ],
            }
        ]
    }
    assert api("GET", "/v1/data-sources/cmdb/tables/servers/spec")[1]["table_id"] == "servers"
    assert api("GET", "/v1/data-sources/cmdb/tables/nope/spec")[0] == 404
    assert api("GET", "/v1/data-sources/cmdb/actions")[1] == {"results": []}
    status_doc = api("GET", "/v1/data-sources/cmdb/status")[1]
    assert status_doc["initialized"] == "True" and status_doc["subscribers"] == ["__engine"]
    assert api("POST", "/v1/data-sources/cmdb?action=request-refresh", raw=b"")[0] == 200
    assert api("POST", "/v1/data-sources", ds_body)[0] == 409
    api("DELETE", "/v1/policies/use")  # its rule reads cmdb:servers (deleting cmdb is refused until then)
    status, body, _ = api("DELETE", "/v1/data-sources/cmdb")
    assert (status, body) == (200, None)
    assert api("DELETE", "/v1/data-sources/cmdb")[0] == 404


@pytest.mark.parametrize(
    "body",
    [
        {"name": "x", "driver": "nosuch"},
        {"name": "_x", "driver": "push"},
        {"name": "", "driver": "push"},
        {"name": "x", "driver": "push", "config": {"nosuchoption": "1"}},
    ],
)
def test_datasource_create_errors(api, body):
    status, got, _ = api("POST", "/v1/data-sources", body)
    assert status == 400 and got["error"]["error_code"] == 400
    assert api("GET", "/v1/data-sources")[1] == {"results": []}


def test_system_drivers(api):
    listed = api("GET", "/v1/system/drivers")[1]["results"]
    assert [d["id"] for d in listed] == ["nova", "push"] and set(listed[1]) == {"id", "description"}
    shown = api("GET", "/v1/system/drivers/push")[1]
    assert shown["id"] == "push" and "tables" in shown and "secret" not in shown
    nova = api("GET", "/v1/system/drivers/nova")[1]
    assert nova["secret"] == ["password"] and nova["config"]["auth_url"] == "required"
    assert {"table_id": "servers"}.items() <= nova["tables"][0].items()
    assert api("GET", "/v1/system/drivers/nope")[0] == 404


def test_secrets_are_masked_on_every_read(api):
    config = {
        "auth_url": "http://127.0.0.1:9/v3",
        "username": "u",
        "password": "s3cret",
        "project_name": "p",
        "poll_time": "0",
    }
    status, created, _ = api("POST", "/v1/data-sources", {"name": "nova", "driver": "nova", "config": config})
    assert status == 201 and created["config"] == config
    masked = {**config, "password": "<hidden>"}
    assert api("GET", "/v1/data-sources")[1]["results"][0]["config"] == masked
    assert api("GET", "/v1/data-sources/nova")[1]["config"] == masked
    assert api("GET", f"/v1/data-sources/{created['id']}")[1]["config"] == masked
    assert api("GET", "/v1/data-sources/nova/actions")[1]["results"], "nova declares actions"
    status, body, _ = api(
        "POST", "/v1/data-sources", {"name": "nova2", "driver": "nova", "config": {"username": "u"}}
    )
    assert status == 400 and "Missing required config options" in body["error"]["message"]


def test_rules_subscribe_lazy_datasource_tables(lazy_api):
    api = lazy_api
    assert (
        api(
            "POST",
            "/v1/data-sources",
            {"name": "inv", "driver": "inventory", "config": {"poll_time": "0", "lazy_tables": "hosts"}},
        )[0]
        == 201
    )
    assert api("POST", "/v1/data-sources/inv?action=request-refresh", {})[0] == 200
    assert api("GET", "/v1/data-sources/inv/tables/hosts/rows")[1] == {"results": []}
    api("POST", "/v1/policies", {"name": "lazy"})
    assert api("POST", "/v1/policies/lazy/rules", {"rule": "h(x) :- inv:hosts(name=x)"})[0] == 201
    assert api("POST", "/v1/data-sources/inv?action=request-refresh", {})[0] == 200
    assert api("GET", "/v1/data-sources/inv/tables/hosts/rows")[1] == {"results": [{"data": ["h1"]}]}
    assert api("POST", "/v1/policies/lazy?action=query", {"query": "h(x)"})[1] == {"result": ['h("h1")']}


def test_a_failed_refresh_is_reported_in_status_not_as_an_error(lazy_api):
    api = lazy_api
    assert (
        api(
            "POST",
            "/v1/data-sources",
            {"name": "gone", "driver": "unreachable", "config": {"poll_time": "0"}},
        )[0]
        == 201
    )
    assert api("POST", "/v1/data-sources/gone?action=request-refresh", raw=b"")[0:2] == (200, None)
    assert "connection refused" in api("GET", "/v1/data-sources/gone/status")[1]["last_error"]


def test_webhook_on_a_driver_without_one_is_refused(api):
    api("POST", "/v1/data-sources", {"name": "hook", "driver": "push", "config": {"schema": {"t": ["a"]}}})
    assert api("POST", "/v1/data-sources/hook/webhook", {"event": 1})[0] == 400
    assert api("POST", "/v1/data-sources/nosuch/webhook", {"event": 1})[0] == 404


def test_datasources_created_elsewhere_are_picked_up_by_sync(api, services):
    services.db.datasources.create("late", "push", config={"schema": {"t": ["a"]}, "description": "x"})
    assert api("GET", "/v1/data-sources/late/tables")[0] == 404
    services.datasources.sync()
    assert api("GET", "/v1/data-sources/late/tables")[1] == {"results": [{"id": "t"}]}
    services.db.datasources.delete("late")
    services.datasources.sync()
    assert api("GET", "/v1/policies/late/tables")[0] == 404


def test_library_policies_and_create_from_library(api):
    body = {"name": "lib1", "rules": [{"rule": "p(x) :- q(x)", "name": "r1", "comment": "c"}]}
    status, lib, _ = api("POST", "/v1/librarypolicies", body)
    assert status == 201 and lib["abbreviation"] == "lib1" and lib["kind"] == "nonrecursive"
    assert lib["rules"] == body["rules"]
    assert "rules" not in api("GET", f"/v1/librarypolicies/{lib['id']}?include_rules=False")[1]
    assert [p["id"] for p in api("GET", "/v1/librarypolicies?name=lib1")[1]["results"]] == [lib["id"]]
    assert api("GET", "/v1/librarypolicies/nope")[0] == 404
    assert api("GET", "/v1/librarypolicies/lib1")[1] == lib
    assert api("POST", "/v1/librarypolicies", body)[0] == 409
    assert api("POST", "/v1/librarypolicies", {"name": "x"})[0] == 400
    status, policy, _ = api("POST", f"/v1/policies?library_policy={lib['id']}", raw=b"")
    assert status == 201 and policy["name"] == "lib1" and policy["rules"][0]["rule"] == "p(x) :-\n  q(x)"
    assert api("POST", "/v1/policies?library_policy=nope", {})[0] == 404
    assert api("POST", f"/v1/policies?library_policy={lib['id']}", {"name": "z"})[0] == 400
    status, replaced, _ = api("PUT", f"/v1/librarypolicies/{lib['id']}", {**body, "description": "new"})
    assert status == 200 and replaced["id"] == lib["id"] and replaced["description"] == "new"
    assert api("DELETE", f"/v1/librarypolicies/{lib['id']}")[1]["rules"] == body["rules"]
    assert api("DELETE", f"/v1/librarypolicies/{lib['id']}")[0] == 404


def test_execute_records_executions_and_validates_syntax(api, services):
    assert (
        api(
            "POST",
            "/v1/policies/classification?action=execute",
            {"name": "nova:servers.pause", "args": {"positional": ["vm1"]}},
        )[1]
        == {}
    )
    services.actions.drain()
    results = api("GET", "/v1/action-executions?since=0")[1]["results"]
    assert [(e["seq"], e["service"], e["action"], e["args"], e["status"]) for e in results] == [
        (1, "nova", "servers.pause", ["vm1"], "failed")
    ]
    assert "nova" in results[0]["error"]
    assert api("GET", "/v1/action-executions?since=1")[1] == {"results": []}
    assert api("GET", "/v1/action-executions?since=x")[0] == 400
    bad = api("POST", "/v1/policies/classification?action=execute", {"name": "novapause"})
    assert bad[1]["error"]["error_code"] == 1017
    bad = api("POST", "/v1/policies/classification?action=execute", {"name": "a:b", "args": []})
    assert bad[1]["error"]["error_code"] == 1018


def test_policy_execute_rules_record_executions(api):
    api("POST", "/v1/policies", {"name": "react"})
    api("POST", "/v1/policies/react/rules", {"rule": "execute[nova:servers.pause(x)] :- bad(x)"})
    assert api("GET", "/v1/action-executions")[1] == {"results": []}
    api("POST", "/v1/policies/react/rules", {"rule": 'bad("vm1")'})
    results = api("GET", "/v1/action-executions")[1]["results"]
    assert [(e["policy"], e["service"], e["action"], e["args"]) for e in results] == [
        ("react", "nova", "servers.pause", ["vm1"])
    ]


def test_body_rules_on_real_routes(api):
    status, body, _ = api("POST", "/v1/policies", raw=b"", headers={"Content-Type": "application/json"})
    assert status == 400 and body["error"]["message"].startswith("Failed to parse body as application/json")
    status, body, _ = api(
        "POST", "/v1/policies", raw=b'{"name": "a"}', headers={"Content-Type": "text/plain"}
    )
    assert status == 400
    assert api("POST", "/v1/policies/classification", {})[0] == 400
    assert api("PATCH", "/v1/data-sources/x", {})[0] == 501


def test_a_policy_deleted_and_recreated_with_other_arities_works(api):
    """What the conformance runner does between cases, on one long-lived server."""
    api("POST", "/v1/policies", {"name": "th"})
    for text in ("p(x,y) :- q(x,z), r(z, y)", "q(1,1)", "r(1,3)"):
        assert api("POST", "/v1/policies/th/rules", {"rule": text})[0] == 201
    assert api("POST", "/v1/policies/th?action=query", {"query": "p(x,3)"})[1] == {"result": ["p(1, 3)"]}
    assert api("DELETE", "/v1/policies/th")[0] == 200
    api("POST", "/v1/policies", {"name": "th"})
    for text in ("q(1)", "r(1)", "p(x) :- q(x), r(x)"):
        assert api("POST", "/v1/policies/th/rules", {"rule": text})[0] == 201
    assert api("POST", "/v1/policies/th?action=query", {"query": "p(x)"})[1] == {"result": ["p(1)"]}
    assert api("DELETE", "/v1/policies/th")[0] == 200


def test_a_refused_create_with_rules_executes_nothing(api):
    rules = [{"rule": "execute[nova:servers.pause(x)] :- bad(x)"}, {"rule": 'bad("vm1")'}, {"rule": "oops("}]
    status, body, _ = api("POST", "/v1/policies", {"name": "atomic", "rules": rules})
    assert (status, body["error"]["error_code"]) == (400, 1002)
    assert api("GET", "/v1/action-executions")[1] == {"results": []}
    assert api("GET", "/v1/policies/atomic")[0] == 404
    status, _, _ = api("POST", "/v1/policies", {"name": "atomic", "rules": rules[:2]})
    assert status == 201
    assert [e["args"] for e in api("GET", "/v1/action-executions")[1]["results"]] == [["vm1"]]
