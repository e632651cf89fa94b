"""Bad input against the real server: always a 4xx with the JSON error shape, and nothing changes.

Every test runs between two snapshots of the server's state (policies, rules, data sources,
pushed rows, a derived table, library policies): a refused request must leave them exactly as
they were, and the server must keep serving.
"""

from __future__ import annotations

import json
import socket
import time
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.functional.apischema import ApiDoc, assert_error

MAX_BODY = 1048576  # the server's default max_request_body_size

VALID_RULES = (
    'p(x) :- q(x, "a"), not r(x)',
    "s(x, y) :- rb_ds:vms(x, y), x > 1",
    "t(x) :- q(x, y), builtin:plus(x, 1, y)",
    'execute[nova:servers.pause(x)] :- q(x, "b")',
    'u(1.5, -2, "str")',
)


@pytest.fixture(scope="module")
def base(congress_server) -> str:
    url = congress_server.url + "/v1"
    setup = (
        ("POST", "/policies", {"name": "rb"}),
        ("POST", "/policies/rb/rules", {"rule": "q(x, y) :- rb_ds:vms(x, y)", "name": "q"}),
        ("POST", "/policies/rb/rules", {"rule": "r(3)"}),
        (
            "POST",
            "/data-sources",
            {"name": "rb_ds", "driver": "push", "config": {"schema": {"vms": ["id", "n"]}}},
        ),
        ("PUT", "/data-sources/rb_ds/tables/vms/rows", [[1, "a"], [2, "b"], [3, "c"]]),
        ("POST", "/librarypolicies", {"name": "rb_lib", "rules": [{"rule": "z(1)"}]}),
    )
    for method, path, body in setup:
        resp = requests.request(method, url + path, json=body, timeout=30)
        assert resp.status_code in (200, 201), resp.text
    return url


def snapshot(base: str) -> dict[str, Any]:
    """Everything a refused request could have damaged."""
    get = lambda path: requests.get(base + path, timeout=30).json()  # noqa: E731
    policies = sorted(get("/policies")["results"], key=lambda p: p["id"])
    return {
        "policies": policies,
        "rules": {
            p["name"]: sorted(get(f"/policies/{p['id']}/rules")["results"], key=lambda r: r["id"])
            for p in policies
        },
        "datasources": sorted(get("/data-sources")["results"], key=lambda d: d["id"]),
        "pushed": sorted(r["data"] for r in get("/data-sources/rb_ds/tables/vms/rows")["results"]),
        "derived": sorted(r["data"] for r in get("/policies/rb/tables/q/rows")["results"]),
        "library": sorted(get("/librarypolicies")["results"], key=lambda p: p["id"]),
    }


@pytest.fixture(autouse=True)
def state_intact(base: str) -> Iterator[None]:
    before = snapshot(base)
    assert before["derived"] == [[1, "a"], [2, "b"], [3, "c"]]
    yield
    assert snapshot(base) == before


def refused(resp: requests.Response, status: int | tuple[int, ...] = 400) -> dict[str, Any]:
    """A refusal: the given 4xx status, the JSON error shape, and documented for the operation."""
    error = assert_error(resp, status)
    ApiDoc().check(resp)
    return error


# Every operation that reads a body, with a valid body that would nevertheless change nothing
# (it names things that do not exist, or repeats what exists) when the check under test is skipped.
BODY_OPERATIONS: list[tuple[str, str, Any]] = [
    (
        "POST",
        "/policies",
        {"name": "rb_new", "description": "d", "abbreviation": "rbn", "kind": "nonrecursive"},
    ),
    ("POST", "/policies/rb/rules", {"rule": "fresh(1)", "name": "n", "comment": "c"}),
    (
        "POST",
        "/policies/rb?action=simulate",
        {"query": "q(x, y)", "sequence": "r+(1)", "action_policy": "action"},
    ),
    ("POST", "/policies/rb?action=query", {"query": "q(x, y)"}),
    ("POST", "/policies/rb?action=execute", {"name": "nosuch:act", "args": {"positional": [], "named": {}}}),
    (
        "POST",
        "/data-sources",
        {"name": "rb_new_ds", "driver": "push", "config": None, "description": "d", "enabled": True},
    ),
    (
        "POST",
        "/data-sources/rb_ds?action=execute",
        {"name": "nosuch", "args": {"positional": [], "named": {}}},
    ),
    ("PUT", "/data-sources/rb_ds/tables/vms/rows", [[1, "a"], [2, "b"], [3, "c"]]),
    ("PATCH", "/data-sources/rb_ds/tables/vms/rows", {"insert": [[1, "a"]], "delete": [[9, "z"]]}),
    ("POST", "/data-sources/rb_ds/webhook", {"any": "thing"}),
    (
        "POST",
        "/librarypolicies",
        {
            "name": "rb_new_lib",
            "rules": [{"rule": "y(1)"}],
            "description": "d",
            "abbreviation": "x",
            "kind": "nonrecursive",
        },
    ),
]
# Where an absent body means "{}" (contract §8 #12).
OPTIONAL_BODY = {("POST", "/data-sources/rb_ds?action=request-refresh")}

MALFORMED = [
    b"{",
    b"{'name': 'x'}",
    b'{"name": "x",}',
    b"[1, 2",
    b"\xff\xfe{}",
    b'{"name": "\xc3"}',
    b"nul",
    b"{}{}",
    b'"unterminated',
    b"[" * 100_000,
    b'{"a": NaN}',
    b"[[Infinity, 1]]",
    b"[[1e400, 1]]",
    b'{"rule": -Infinity}',
    b"\x00",
]


@pytest.mark.parametrize("method,path,valid", BODY_OPERATIONS, ids=lambda v: v if isinstance(v, str) else "")
def test_malformed_and_empty_bodies_are_400(base, method, path, valid):
    for raw in [*MALFORMED, b"", b"   "]:
        error = refused(requests.request(method, base + path, data=raw, timeout=30))
        assert error["error_code"] == 400


def test_optional_body_may_be_empty_but_not_malformed(base):
    for method, path in OPTIONAL_BODY:
        assert requests.request(method, base + path, data=b"", timeout=30).status_code == 200
        refused(requests.request(method, base + path, data=b"{", timeout=30))


WRONG_VALUES = [0, 1.5, True, None, "text", [], ["a"], {}, {"k": "v"}]


def _violates(doc: ApiDoc, value: Any, schema: dict[str, Any]) -> bool:
    try:
        doc.validate(value, schema)
    except Exception:
        return True
    return False


def _field_schemas(doc: ApiDoc, method: str, path: str) -> dict[str, dict[str, Any]]:
    """The documented body fields of an operation (the action's body for element POSTs)."""
    schema = doc.operation(method, "/v1" + path.split("?")[0])["requestBody"]["content"]["application/json"][
        "schema"
    ]
    if "?action=" in path:
        action = path.split("action=")[1]
        name = {"simulate": "SimulateRequest", "query": "QueryRequest", "execute": "ExecuteRequest"}[action]
        schema = {"$ref": f"#/components/schemas/{name}"}
    while "$ref" in schema:
        schema = doc.doc["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema.get("properties", {})


@pytest.mark.parametrize(
    "method,path,valid",
    [op for op in BODY_OPERATIONS if isinstance(op[2], dict) and "webhook" not in op[1]],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_wrong_types_in_every_body_field_are_400(base, method, path, valid):
    doc = ApiDoc()
    fields = _field_schemas(doc, method, path)
    assert set(valid) <= set(fields)
    tried = 0
    for field, schema in fields.items():
        for value in WRONG_VALUES:
            if not _violates(doc, value, schema):
                continue
            tried += 1
            resp = requests.request(method, base + path, json={**valid, field: value}, timeout=30)
            # simulate's and execute's own failures are 500 by contract (1007, 1016): a wrong type must
            # not get that far.
            refused(resp, (400, 404))
    assert tried


@pytest.mark.parametrize("body", [[], "x", 1, None, True], ids=repr)
def test_non_object_bodies_are_400(base, body):
    for method, path, valid in BODY_OPERATIONS:
        if isinstance(valid, dict) and "webhook" not in path:
            refused(requests.request(method, base + path, json=body, timeout=30))


@pytest.mark.parametrize(
    "rows",
    [[[1, "x", 3]], [["x"]], [1, 2], ["ab"], [{"id": 1, "n": "x"}], [[]], [[1, "x"], [2]], [None]],
    ids=repr,
)
def test_bad_rows_are_refused_whole(base, rows):
    """A push with one bad row changes nothing (not even the good rows before it)."""
    path = f"{base}/data-sources/rb_ds/tables/vms/rows"
    refused(requests.put(path, json=[[9, "good"], *rows], timeout=30))
    refused(requests.patch(path, json={"insert": [[9, "good"], *rows]}, timeout=30))
    refused(requests.patch(path, json={"delete": rows}, timeout=30))


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", "/policies", {"name": "rb_x", "bogus": 1}),
        (
            "POST",
            "/policies",
            {"name": "rb_x", "description": None, "abbreviation": None, "kind": None, "x": 1},
        ),
        ("POST", "/policies", {"name": "rb_x", "rules": [], "bogus": 1}),
        ("POST", "/policies", {"name": "rb_x", "rules": [{"rule": "a(1)", "bogus": 1}]}),
        ("POST", "/policies/rb/rules", {"rule": "extra(1)", "bogus": [1]}),
        ("POST", "/policies/rb/rules", {"rule": "extra(1)", "comments": "typo"}),
        ("POST", "/data-sources", {"name": "rb_x", "driver": "push", "bogus": 1}),
        ("POST", "/data-sources", {"name": "rb_x", "driver": "push", "type": None}),
        ("PATCH", "/data-sources/rb_ds/tables/vms/rows", {"insert": [], "upsert": [[1, "a"]]}),
        ("POST", "/librarypolicies", {"name": "rb_x", "rules": [], "bogus": 1}),
        ("POST", "/policies/rb?action=execute", {"name": "a:b", "args": {"positional": [], "extra": 1}}),
        ("POST", "/policies/rb?action=execute", {"name": "a:b", "bogus": 1}),
        ("POST", "/policies/rb?action=query", {"query": "q(x, y)", "bogus": 1}),
        (
            "POST",
            "/policies/rb?action=simulate",
            {"query": "q(x, y)", "sequence": "r+(1)", "action_policy": "action", "bogus": 1},
        ),
        ("POST", "/data-sources/rb_ds?action=execute", {"name": "nosuch", "bogus": 1}),
        ("POST", "/data-sources/rb_ds?action=request-refresh", {"bogus": 1}),
    ],
)
def test_unknown_fields_are_400(base, method, path, body):
    """Every body holds exactly its documented fields: a misspelt one is refused, not silently ignored."""
    refused(requests.request(method, base + path, json=body, timeout=30))


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "multipart/form-data; boundary=x",
        "application/json; charset=latin-1",
        "application/json; charset=utf-16",
        "application/jsonx",
        "json",
    ],
)
def test_bad_content_type_or_charset_is_400(base, content_type):
    body = json.dumps({"rule": "ct(1)"}).encode()
    resp = requests.post(
        f"{base}/policies/rb/rules", data=body, headers={"Content-Type": content_type}, timeout=30
    )
    message = refused(resp)["message"]
    assert "Content-Type" in message or "charset" in message


def test_json_content_type_in_any_case_with_utf8_is_accepted(base):
    for content_type in (
        "APPLICATION/JSON",
        "application/json; charset=UTF-8",
        'application/json;charset="utf-8"',
    ):
        resp = requests.post(
            f"{base}/policies/rb/rules",
            data=b'{"rule": "ct(2)"}',
            headers={"Content-Type": content_type},
            timeout=30,
        )
        assert resp.status_code == 201, resp.text
        requests.delete(f"{base}/policies/rb/rules/{resp.json()['id']}", timeout=30).raise_for_status()


def test_bodies_over_the_limit_are_413(base):
    big = b'{"rule": "' + b"a" * MAX_BODY + b'"}'
    refused(requests.post(f"{base}/policies/rb/rules", data=big, timeout=60), 413)
    chunks = iter([big[i : i + 65536] for i in range(0, len(big), 65536)])
    refused(requests.put(f"{base}/data-sources/rb_ds/tables/vms/rows", data=chunks, timeout=60), 413)
    # just under the limit: read, and refused for what it says
    near = b'{"rule": "' + b"(" * (MAX_BODY - 20) + b'"}'
    refused(requests.post(f"{base}/policies/rb/rules", data=near, timeout=60))


@pytest.mark.parametrize(
    "name", ["7*7", "", " ", "builtin", "a b", "x" * 300, "é", "-x", "a:b", "a\nb", "1abc", 5, None]
)
def test_invalid_policy_and_datasource_names_are_400(base, name):
    refused(requests.post(f"{base}/policies", json={"name": name, "kind": None}, timeout=30))
    refused(requests.post(f"{base}/data-sources", json={"name": name, "driver": "push"}, timeout=30))
    refused(requests.post(f"{base}/librarypolicies", json={"name": name, "rules": []}, timeout=30))


@pytest.mark.parametrize("kind", ["foo", "datasource", "delta", 7, ["action"]])
def test_invalid_kinds_are_400(base, kind):
    refused(requests.post(f"{base}/policies", json={"name": "rb_kind", "kind": kind}, timeout=30))


@pytest.mark.parametrize(
    "path",
    [
        "/policies/%00",
        "/policies/..%2F..",
        "/policies/" + "x" * 5000,
        "/data-sources/%E2%80%AE/tables",
        "/policies/rb/rules/not-a-uuid",
        "/librarypolicies/'; DROP TABLE x; --",
    ],
)
def test_odd_paths_are_404(base, path):
    refused(requests.get(base + path, timeout=30), 404)


@pytest.mark.parametrize(
    "method,path",
    [("GET", "/%ff"), ("GET", "/v1/policies/rb/tables/%ff/rows"), ("POST", "/v1/policies/rb?action=%ff")],
)
def test_urls_that_are_not_utf8_are_400(congress_server, method, path):
    assert_error(requests.request(method, congress_server.url + path, json={}, timeout=30), 400)


@pytest.mark.parametrize("rule", ["big(1e400)", "big(-1e999)", "big(" + "9" * 5000 + ")"])
def test_numbers_no_value_can_hold_are_rule_syntax_errors(base, rule):
    assert (
        refused(requests.post(f"{base}/policies/rb/rules", json={"rule": rule}, timeout=30))["error_code"]
        == 1002
    )


@pytest.mark.parametrize(
    "method,path,status",
    [
        ("GET", "/action-executions?since=abc", 400),
        ("GET", "/action-executions?since=1e3", 400),
        ("POST", "/policies?library_policy=00000000-0000-0000-0000-000000000000", 404),
        ("POST", "/policies?library_policy=", 404),
        ("POST", "/policies/rb", 400),
        ("POST", "/policies/rb?action=simulate&action=query", 400),
        ("POST", "/policies/rb?action=", 501),
        ("POST", "/policies/rb?action=delete", 501),
        ("POST", "/data-sources/rb_ds?action=simulate", 501),
        ("PUT", "/policies/rb", 501),
        ("PATCH", "/policies/rb/rules", 501),
        ("DELETE", "/policies", 501),
        ("POST", "/system/drivers", 501),
        ("POST", "/policies/rb/tables/q/rows", 501),
    ],
)
def test_bad_query_parameters_and_unsupported_methods(base, method, path, status):
    error = assert_error(requests.request(method, base + path, json={}, timeout=30), status)
    if status == 501:
        assert error["message"] == "Method not supported"


def test_flags_other_than_true_are_false(base):
    for value in ("maybe", "", "yes", "TRUE", "1"):
        resp = requests.get(f"{base}/policies/rb/tables/q/rows?trace={value}", timeout=30)
        assert resp.status_code == 200 and ("trace" in resp.json()) == (value in ("TRUE", "1"))


def test_slow_clients_do_not_stall_the_others(congress_server):
    """A few connections stuck mid-request (fewer than the server's worker threads) leave it serving."""
    stuck = []
    try:
        for _ in range(6):
            sock = socket.create_connection(("127.0.0.1", congress_server.port))
            sock.sendall(b"POST /v1/policies HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n{")
            stuck.append(sock)
        start = time.monotonic()
        assert requests.get(congress_server.url + "/v1/policies", timeout=30).status_code == 200
        assert time.monotonic() - start < 5
    finally:
        for sock in stuck:
            sock.close()


def _mutate(text: str, edits: list[tuple[int, int, str]]) -> str:
    for kind, pos, char in edits:
        pos %= len(text) + 1
        if kind == 0:
            text = text[:pos] + char + text[pos:]
        elif kind == 1:
            text = text[:pos] + text[pos + 1 :]
        else:
            text = text[:pos] + char + text[pos + 1 :]
    return text


DATALOG_CHARS = st.sampled_from(list("()[],:-.=\"'_ \n\tabpqxyzXY0129+*<>!#\\"))
mutated_rules = st.builds(
    _mutate,
    st.sampled_from(VALID_RULES),
    st.lists(st.tuples(st.integers(0, 2), st.integers(0, 200), DATALOG_CHARS), min_size=1, max_size=4),
)
garbage_rules = st.one_of(
    mutated_rules,
    st.text(DATALOG_CHARS, max_size=60),
    st.text(max_size=40),
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(text=garbage_rules)
def test_garbage_rules_are_refused_or_created_cleanly(base, text):
    resp = requests.post(f"{base}/policies/rb/rules", json={"rule": text}, timeout=30)
    if resp.status_code == 201:  # a mutation that still parses: a real rule, removed again
        requests.delete(f"{base}/policies/rb/rules/{resp.json()['id']}", timeout=30).raise_for_status()
        return
    assert refused(resp, (400, 409))["error_code"] in (1002, 1003, 1008, 400)
    # a policy created with rules gets all of them or does not exist
    rules = [{"rule": "ok(1)"}, {"rule": text}]
    created = requests.post(f"{base}/policies", json={"name": "rb_atomic", "rules": rules}, timeout=30)
    if created.status_code == 201:  # the text was fine in a fresh policy (e.g. it clashed only in rb)
        requests.delete(f"{base}/policies/rb_atomic", timeout=30).raise_for_status()
    else:
        refused(created)
    query = requests.post(f"{base}/policies/rb?action=query", json={"query": text}, timeout=30)
    assert query.status_code in (200, 400), query.text
    body = {"query": "q(x, y)", "sequence": text, "action_policy": "action"}
    sim = requests.post(f"{base}/policies/rb?action=simulate", json=body, timeout=30)
    assert sim.status_code == 200 or assert_error(sim, 500)["error_code"] == 1007, sim.text
