"""Routing and dispatch rules of contract §1.5, on a router with small handlers."""

import json

import pytest
from webob import Request

from congress.api.router import Router
from congress.api.webutils import reply
from congress.exceptions import RuleAlreadyExists


def _echo(name):
    def handler(req, params):
        return reply({"handler": name, "params": params})

    return handler


def _boom(req, params):
    raise RuntimeError("secret internals")


@pytest.fixture
def router():
    r = Router(max_body=100)
    r.collection("/v1/things", "thing", get=_echo("list"), post=_echo("create"))
    r.element("/v1/things/{thing}", "thing", get=_echo("show"), actions={"request_refresh": _echo("refresh")})
    r.element("/v1/boom", "boom", get=_boom)
    r.element("/v1/dup", "dup", get=lambda req, params: (_ for _ in ()).throw(RuleAlreadyExists("")))
    return r


def call(router, path, method="GET", body=None):
    req = Request.blank(path, method=method)
    if body is not None:
        req.body = body.encode()
    resp = router.respond(req)
    return resp.status_int, json.loads(resp.body) if resp.body else None


def test_variables_match_one_segment_and_reach_the_handler(router):
    assert call(router, "/v1/things/abc") == (200, {"handler": "show", "params": {"thing": "abc"}})


@pytest.mark.parametrize("path", ["/v1/things/", "/v1/things/a/b", "/v1/thingsx", "/x/v1/things"])
def test_unknown_paths_and_trailing_slashes_are_404(router, path):
    status, body = call(router, path)
    assert status == 404
    assert body == {
        "error": {"message": "The resource could not be found.", "error_code": 404, "error_data": None}
    }


@pytest.mark.parametrize(
    ("path", "method"),
    [("/v1/things", "PUT"), ("/v1/things", "DELETE"), ("/v1/things/a", "PATCH"), ("/v1/things/a", "DELETE")],
)
def test_methods_a_route_lacks_are_501(router, path, method):
    assert call(router, path, method) == (
        501,
        {"error": {"message": "Method not supported", "error_code": 501, "error_data": None}},
    )


def test_element_post_needs_exactly_one_action(router):
    status, body = call(router, "/v1/things/a", "POST")
    assert (status, body["error"]["message"]) == (400, "Missing required action parameter.")
    status, body = call(router, "/v1/things/a?action=x&action=y", "POST")
    assert (status, body["error"]["message"]) == (400, "Action parameter may not be provided multiple times.")


def test_action_hyphens_become_underscores_and_unknown_actions_are_501(router):
    assert call(router, "/v1/things/a?action=request-refresh", "POST")[1]["handler"] == "refresh"
    assert call(router, "/v1/things/a?action=explode", "POST")[0] == 501


def test_collection_post_creates_without_action(router):
    assert call(router, "/v1/things", "POST", "{}")[1]["handler"] == "create"


def test_unexpected_exceptions_become_a_canned_500_without_internals(router):
    status, body = call(router, "/v1/boom")
    assert status == 500
    assert body == {"error": {"message": "Internal server error", "error_code": 500, "error_data": None}}


def test_congress_errors_use_the_error_table(router):
    status, body = call(router, "/v1/dup")
    assert status == 409
    assert body["error"] == {
        "message": "Rule already exists::(1008) Rule already exists",
        "error_code": 1008,
        "error_data": None,
    }


def test_bodies_over_the_limit_are_413(router):
    status, body = call(router, "/v1/things", "POST", json.dumps({"x": "y" * 200}))
    assert status == 413 and body["error"]["error_code"] == 413


def test_authorizer_sees_rule_and_read_flag_and_can_deny(router):
    from congress.api.authz import Forbidden

    seen = []

    def authorize(req, rule, read):
        seen.append((rule, read))
        if not read:
            raise Forbidden("no")

    r = Router(authorize=authorize)
    r.collection("/v1/things", "thing", get=_echo("list"), post=_echo("create"))
    r.element(
        "/v1/things/{thing}",
        "thing",
        actions={"simulate": _echo("sim")},
        read_actions=frozenset({"simulate"}),
    )
    assert call(r, "/v1/things")[0] == 200
    status, body = call(r, "/v1/things", "POST", "{}")
    assert (status, body["error"]["error_code"]) == (403, 403)
    assert call(r, "/v1/things/a?action=simulate", "POST", "{}")[0] == 200
    assert seen == [("thing:get", True), ("thing:create", False), ("thing:simulate", True)]
    assert r.rules() == [("thing:create", False), ("thing:get", True), ("thing:simulate", True)]


def test_responses_are_json_utf8():
    resp = reply([1, 2])
    assert resp.headers["Content-Type"] == "application/json; charset=UTF-8"
    assert resp.body.endswith(b"\n") and json.loads(resp.body) == [1, 2]
