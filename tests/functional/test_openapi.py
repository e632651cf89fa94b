"""The OpenAPI document against the implementation.

* Every route and method the router serves is documented, and every documented one is routed.
* A scenario that calls every documented operation on a real server: each response's status is
  documented for its operation and its body validates against the documented schema.
* schemathesis, bounded: generated requests for every operation get no unexpected 5xx and only
  documented statuses and shapes.
"""

from __future__ import annotations

import re
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlsplit

import pytest
import requests
from openapi_spec_validator import validate as validate_spec

from congress.api.app import build_router
from congress.api.openapi import document
from tests.functional.apischema import ApiDoc

HTTP_METHODS = {"get", "put", "post", "delete", "patch"}


def _router():
    unbound = SimpleNamespace(policies=None, datasources=None, library=None, drivers=None, actions=None)
    return build_router(unbound)


def test_document_is_valid_openapi():
    validate_spec(document())


def test_routes_and_documented_operations_match():
    routes = _router().routes()
    served = {
        r.regex.pattern: set(r.methods) | ({"POST"} if r.actions else set())
        for r in routes
        if r.methods or r.actions
    }
    documented: dict[str, set[str]] = {}
    for path, item in document()["paths"].items():
        if not path.startswith("/v1"):
            continue  # the version app, outside the router
        concrete = re.sub(r"\{(\w+)\}", r"\1", path)
        route = next((r for r in routes if r.regex.match(concrete)), None)
        assert route is not None, f"documented {path} has no route"
        assert set(route.regex.groupindex) == set(re.findall(r"\{(\w+)\}", path))
        documented.setdefault(route.regex.pattern, set()).update(m.upper() for m in item if m in HTTP_METHODS)
        if route.actions:
            enum = next(p for p in item["post"]["parameters"] if p["name"] == "action")["schema"]["enum"]
            assert {a.replace("-", "_") for a in enum} == set(route.actions)
    assert documented == served


def test_served_document_is_the_document(congress_server):
    resp = requests.get(f"{congress_server.url}/v1/openapi.json", timeout=10)
    assert resp.status_code == 200 and resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert resp.json() == document()


class Recorder:
    """A session whose every response is checked against the document, recording what was covered."""

    def __init__(self, base: str) -> None:
        self.base = base
        self.doc = ApiDoc()
        self.seen: set[tuple[str, str, int]] = set()
        self.session = requests.Session()
        self.session.hooks["response"].append(self._check)

    def _check(self, resp: requests.Response, *args: Any, **kwargs: Any) -> None:
        self.doc.check(resp)
        path = urlsplit(resp.request.url).path
        self.seen.add((resp.request.method or "", self.doc.template(path), resp.status_code))

    def call(self, method: str, path: str, status: int, **kwargs: Any) -> Any:
        resp = self.session.request(method, self.base + path, timeout=30, **kwargs)
        assert resp.status_code == status, f"{method} {path}: {resp.status_code} {resp.text[:300]}"
        return resp.json() if resp.content else None


def test_scenario_responses_conform_to_the_document(congress_server):
    api = Recorder(congress_server.url)
    api.call("GET", "/", 200)
    api.call("GET", "/v1", 200)
    api.call("GET", "/v1/", 200)
    api.call("GET", "/v1/openapi.json", 200)

    # policies and rules
    api.call("GET", "/v1/policies", 200)
    api.call("POST", "/v1/policies", 201, json={"name": "oa", "description": None, "kind": None})
    api.call("POST", "/v1/policies", 409, json={"name": "oa"})
    api.call(
        "POST", "/v1/policies", 201, json={"name": "oa_rules", "rules": [{"rule": "p(1)", "name": "one"}]}
    )
    api.call("GET", "/v1/policies/oa", 200)
    api.call("GET", "/v1/policies/nosuch", 404)
    api.call("GET", "/v1/policies/oa/status", 200)
    rule = api.call(
        "POST", "/v1/policies/oa/rules", 201, json={"rule": "q(x) :- oa_rules:p(x)", "comment": "c"}
    )
    api.call("POST", "/v1/policies/oa/rules", 409, json={"rule": "q(x) :- oa_rules:p(x)"})
    api.call("POST", "/v1/policies/oa/rules", 400, json={"rule": "q(x) :- "})
    api.call("POST", "/v1/policies/oa/rules", 400, data=b"{not json")
    api.call("GET", "/v1/policies/oa/rules", 200)
    api.call("GET", f"/v1/policies/oa/rules/{rule['id']}", 200)
    api.call("GET", f"/v1/policies/oa/rules/{rule['id']}/status", 200)
    assert api.call("GET", "/v1/policies/oa/tables", 200)["results"]
    api.call("GET", "/v1/policies/oa/tables/q", 200)
    rows = api.call("GET", "/v1/policies/oa/tables/q/rows?trace=true", 200)
    assert rows["results"] == [{"data": [1]}] and "trace" in rows
    simulate = {"query": "q(x)", "sequence": "oa_rules:p+(2)", "action_policy": "action"}
    sim = api.call("POST", "/v1/policies/oa?action=simulate&delta=true", 200, json=simulate)
    assert sim == {"result": ["q+(2)"]}
    api.call("POST", "/v1/policies/oa?action=simulate", 400, json={"query": "q(x)"})
    assert api.call("POST", "/v1/policies/oa?action=query", 200, json={"query": "q(x)"}) == {
        "result": ["q(1)"]
    }
    api.call("POST", "/v1/policies/oa?action=execute", 200, json={"name": "nova:servers.pause"})
    api.call("POST", "/v1/policies/oa?action=nosuch", 501, json={})
    api.call("GET", "/v1/action-executions?since=0", 200)

    # data sources
    api.call("GET", "/v1/system/drivers", 200)
    api.call("GET", "/v1/system/drivers/push", 200)
    api.call("GET", "/v1/system/drivers/nosuch", 404)
    ds_body = {"name": "oa_ds", "driver": "push", "config": {"schema": {"vms": ["id", "n"]}}}
    ds = api.call("POST", "/v1/data-sources", 201, json=ds_body)
    api.call("POST", "/v1/data-sources", 409, json=ds_body)
    api.call("GET", "/v1/data-sources", 200)
    api.call("GET", f"/v1/data-sources/{ds['id']}", 200)
    api.call("GET", "/v1/data-sources/oa_ds/schema", 200)
    api.call("GET", "/v1/data-sources/oa_ds/tables/vms/spec", 200)
    api.call("GET", "/v1/data-sources/oa_ds/actions", 200)
    api.call("GET", "/v1/data-sources/oa_ds/status", 200)
    api.call("GET", "/v1/data-sources/oa_ds/tables", 200)
    api.call("GET", "/v1/data-sources/oa_ds/tables/vms", 200)
    api.call("PUT", "/v1/data-sources/oa_ds/tables/vms/rows", 200, json=[["a", 1], ["b", 2.5]])
    api.call(
        "PATCH",
        "/v1/data-sources/oa_ds/tables/vms/rows",
        200,
        json={"insert": [["c", 3]], "delete": [["a", 1]]},
    )
    got = api.call("GET", "/v1/data-sources/oa_ds/tables/vms/rows", 200)["results"]
    assert sorted(r["data"] for r in got) == [["b", 2.5], ["c", 3]]
    api.call("GET", "/v1/data-sources/oa_ds/tables/nosuch/rows", 404)
    api.call("POST", "/v1/data-sources/oa_ds?action=request-refresh", 200)
    api.call("POST", "/v1/data-sources/oa_ds?action=execute", 500, json={"name": "nosuch"})
    api.call("POST", "/v1/data-sources/oa_ds/webhook", 400, json={"x": 1})
    api.call("POST", "/v1/data-sources", 201, json={"name": "oa_mon", "driver": "monasca_webhook"})
    alarm = {
        "alarm_id": "a1",
        "alarm_name": "cpu",
        "state": "ALARM",
        "alarm_timestamp": 4102444800,
        "metrics": [],
    }
    api.call("POST", "/v1/data-sources/oa_mon/webhook", 200, json=alarm)
    assert api.call("GET", "/v1/data-sources/oa_mon/tables/alarm_notification/rows", 200)["results"]
    api.call("DELETE", "/v1/data-sources/oa_mon", 200)

    # library
    api.call("GET", "/v1/librarypolicies?include_rules=false", 200)
    lib = api.call("POST", "/v1/librarypolicies", 201, json={"name": "oa_lib", "rules": [{"rule": "r(1)"}]})
    api.call("GET", f"/v1/librarypolicies/{lib['id']}", 200)
    api.call(
        "PUT", f"/v1/librarypolicies/{lib['id']}", 200, json={"name": "oa_lib", "rules": [{"rule": "r(2)"}]}
    )
    api.call("POST", f"/v1/policies?library_policy={lib['id']}", 201, json={})
    api.call("DELETE", f"/v1/librarypolicies/{lib['id']}", 200)
    api.call("GET", f"/v1/librarypolicies/{lib['id']}", 404)

    # deletions
    api.call("DELETE", f"/v1/policies/oa/rules/{rule['id']}", 200)
    api.call("DELETE", f"/v1/policies/oa/rules/{rule['id']}", 404)
    api.call("DELETE", "/v1/policies/oa", 200)
    api.call("DELETE", "/v1/data-sources/oa_ds", 200)
    api.call("DELETE", "/v1/data-sources/oa_ds", 404)

    uncovered = []
    for path, item in api.doc.doc["paths"].items():
        for method, op in item.items():
            success = (
                next((int(s) for s in op.get("responses", {}) if s.startswith("2")), None)
                if method in HTTP_METHODS
                else None
            )
            if success and (method.upper(), path, success) not in api.seen:
                uncovered.append(f"{method.upper()} {path}")
    assert not uncovered, f"documented operations the scenario never ran successfully: {uncovered}"


def test_every_driver_and_library_policy_conforms(congress_server):
    """Documents the scenario does not reach: every installed driver, the seeded library with its rules."""
    api = Recorder(congress_server.url)
    drivers = api.call("GET", "/v1/system/drivers", 200)["results"]
    assert len(drivers) > 10
    for driver in drivers:
        api.call("GET", f"/v1/system/drivers/{driver['id']}", 200)
    for policy in api.call("GET", "/v1/librarypolicies", 200)["results"]:
        api.call("GET", f"/v1/librarypolicies/{policy['id']}?include_rules=true", 200)


def test_polling_datasource_documents_conform(congress_server):
    """A nova data source (its cloud unreachable: polls fail) answers schema, actions, status conformingly."""
    api = Recorder(congress_server.url)
    config = {"auth_url": "http://127.0.0.1:9/v3", "username": "u", "password": "secret", "project_name": "p"}
    ds = api.call(
        "POST", "/v1/data-sources", 201, json={"name": "oa_nova", "driver": "nova", "config": config}
    )
    assert api.call("GET", "/v1/data-sources", 200)["results"]
    assert api.call("GET", f"/v1/data-sources/{ds['id']}", 200)["config"]["password"] == "<hidden>"
    tables = api.call("GET", "/v1/data-sources/oa_nova/schema", 200)["tables"]
    api.call("GET", f"/v1/data-sources/oa_nova/tables/{tables[0]['table_id']}/spec", 200)
    api.call("GET", f"/v1/data-sources/oa_nova/tables/{tables[0]['table_id']}/rows", 200)
    assert api.call("GET", "/v1/data-sources/oa_nova/actions", 200)["results"]
    # The poll runs now and fails (no cloud): the refresh was only a request (200 null, as the original);
    # the failure shows in the status
    assert api.call("POST", "/v1/data-sources/oa_nova?action=request-refresh", 200, json={}) is None
    assert api.call("GET", "/v1/data-sources/oa_nova/status", 200)["last_error"] != "None"
    api.call("DELETE", "/v1/data-sources/oa_nova", 200)


# -- schemathesis ---------------------------------------------------------------------------------
# Names that exist on the fuzzed server, so generated requests reach past the 404s.
KNOWN = {
    "policy": ["classification", "action", "fz", "fz_ds"],
    "ds": ["fz_ds"],
    "table": ["p", "q", "vms"],
    "driver": ["push", "monasca_webhook"],
}
# 5xx the contract gives on purpose: simulate 1007 and execute 1016 (500), and 501 for a method or
# action a route does not support (the coverage phase sends undocumented methods). Any other 5xx is a bug.
DELIBERATE_5XX = {1007, 1016, 501}


@pytest.fixture(scope="module")
def api_schema(congress_server):
    import schemathesis
    from hypothesis import strategies as st

    base = f"{congress_server.url}/v1"
    for method, path, body in (
        ("POST", "/policies", {"name": "fz"}),
        ("POST", "/policies/fz/rules", {"rule": "p(1)"}),
        ("POST", "/policies/fz/rules", {"rule": "q(x) :- p(x), fz_ds:vms(x, y)"}),
        (
            "POST",
            "/data-sources",
            {"name": "fz_ds", "driver": "push", "config": {"schema": {"vms": ["a", "b"]}}},
        ),
        ("PUT", "/data-sources/fz_ds/tables/vms/rows", [[1, "x"], [2, "y"]]),
    ):
        assert requests.request(method, base + path, json=body, timeout=30).status_code in (200, 201)
    rule = requests.get(f"{base}/policies/fz/rules", timeout=30).json()["results"][0]["id"]
    known = {**KNOWN, "rule": [rule]}
    schema = schemathesis.openapi.from_dict(document())

    @schema.hook
    def flatmap_path_parameters(ctx, path_parameters):
        # DELETEs get generated names only: the known objects must survive for the other operations.
        if not path_parameters or (ctx.operation is not None and ctx.operation.method.upper() == "DELETE"):
            return st.just(path_parameters)
        real = st.fixed_dictionaries(
            {k: st.sampled_from(known.get(k, [v])) for k, v in path_parameters.items()}
        )
        return st.one_of(st.just(path_parameters), real)

    return schema


def _no_unexpected_server_error(response, case) -> None:
    if response.status_code >= 500:
        body = response.json()
        assert body["error"]["error_code"] in DELIBERATE_5XX, (
            f"{case.method} {case.path}: {response.text[:300]}"
        )


try:
    import schemathesis

    fuzzed = schemathesis.pytest.from_fixture("api_schema")
except ImportError:  # schemathesis is in the test extra
    fuzzed = None

if fuzzed is None:

    def test_schemathesis():
        pytest.skip("schemathesis is not installed (pip install -e .[test])")

else:
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import (
        content_type_conformance,
        response_schema_conformance,
        status_code_conformance,
    )

    @fuzzed.parametrize()
    @settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
    def test_schemathesis(case, congress_server):
        response = case.call(base_url=congress_server.url, timeout=30)
        case.validate_response(
            response,
            checks=[status_code_conformance, content_type_conformance, response_schema_conformance],
            additional_checks=[],
        )
        _no_unexpected_server_error(response, case)
        assert requests.get(f"{congress_server.url}/v1/policies/fz/rules", timeout=30).status_code == 200

    def test_schemathesis_stateful(api_schema, congress_server):
        """Sequences along the links schemathesis infers (create -> show -> delete ...), bounded."""
        base_url = congress_server.url
        checks = [status_code_conformance, content_type_conformance, response_schema_conformance]

        class Workflow(api_schema.as_state_machine()):
            def get_call_kwargs(self, case):
                return {"base_url": base_url, "timeout": 30}

            def validate_response(self, response, case, additional_checks=None, **kwargs):
                case.validate_response(response, checks=checks, additional_checks=[])
                _no_unexpected_server_error(response, case)

        Workflow.run(
            settings=settings(
                max_examples=15,
                stateful_step_count=6,
                deadline=None,
                suppress_health_check=list(HealthCheck),
                derandomize=True,
            )
        )
