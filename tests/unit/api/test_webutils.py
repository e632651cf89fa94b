"""JSON body rules of contract §1.3 and the error body of §2."""

import json

import pytest
from webob import Request

from congress.api import errors
from congress.api.webutils import flag, json_body, reply
from congress.exceptions import CongressError, PolicyNotExists, RuleNotExists
from congress.service.errors import BadRequest, MalformedRequest, NamedError, NotFound


def _req(body=b"{}", content_type=None, query=""):
    req = Request.blank("/x" + query, method="POST")
    req.body = body
    if content_type is None:
        req.environ.pop("CONTENT_TYPE", None)
    else:
        req.headers["Content-Type"] = content_type
    return req


@pytest.mark.parametrize(
    "ctype",
    [
        None,
        "application/json",
        "APPLICATION/JSON",
        "application/json; charset=UTF-8",
        "application/json;charset=utf-8; x=y",
    ],
)
def test_accepted_content_types(ctype):
    assert json_body(_req(b'{"a": 1}', ctype)) == {"a": 1}


@pytest.mark.parametrize(
    ("ctype", "message"),
    [
        ("text/plain", "Unsupported Content-Type; must be 'application/json'"),
        ("application/json; charset=latin-1", "Unsupported charset: must be 'UTF-8'"),
    ],
)
def test_refused_content_types(ctype, message):
    with pytest.raises(MalformedRequest) as exc:
        json_body(_req(b"{}", ctype))
    assert exc.value.message == message


@pytest.mark.parametrize("body", [b"", b"{", b"\xff"])
def test_invalid_or_empty_json_is_400(body):
    with pytest.raises(MalformedRequest) as exc:
        json_body(_req(body, "application/json"))
    assert exc.value.message.startswith("Failed to parse body as application/json: ")


def test_optional_body_reads_empty_as_object():
    assert json_body(_req(b"", None), optional=True) == {}


def test_flags_accept_any_case_true_and_1():
    assert flag(_req(query="?trace=True"), "trace") and flag(_req(query="?trace=1"), "trace")
    assert not flag(_req(query="?trace=False"), "trace") and not flag(_req(), "trace")
    assert flag(_req(), "include_rules", True)


def test_floats_keep_a_fraction():
    assert reply({"data": [3.0, 3]}).body == b'{"data":[3.0,3]}\n'


def test_values_of_any_size_are_encoded_exactly():
    """Ints beyond 64 bits (a pushed row may hold one) and non-ASCII text survive the fast encoder."""
    body = {"results": [{"data": [10**30, -(2**64), "é✓", 2.5, True, None]}]}
    resp = reply(body)
    assert json.loads(resp.body) == body and resp.body.endswith(b"\n")
    rows = [{"data": [1, "a"]}, {"data": [2**63, "b"]}]
    assert json.loads(reply(rows).body) == rows and reply(rows).body.startswith(b"[\n  {")


def _error(exc):
    resp = errors.from_congress_error(exc)
    return resp.status_int, resp.json["error"]


def test_named_errors_append_detail_or_the_numbered_text():
    assert _error(PolicyNotExists("Policy ID x does not exist")) == (
        404,
        {
            "message": "The specified policy does not exist.::Policy ID x does not exist",
            "error_code": 1020,
            "error_data": None,
        },
    )
    assert _error(NamedError("incomplete_simulate_args"))[1]["message"] == (
        "Simulate requires parameters: query, sequence, action_policy::(1004) Simulate requires parameters: "
        "query, sequence, action_policy"
    )


def test_generic_errors_use_reason_phrase_and_status_as_code():
    assert _error(NotFound("No policy found with name or id foo")) == (
        404,
        {"message": "Not Found::No policy found with name or id foo", "error_code": 404, "error_data": None},
    )
    assert _error(BadRequest("bad", data={"x": 1}))[1]["error_data"] == {"x": 1}


def test_unknown_rule_is_404_and_unlisted_codes_are_unknown_error():
    assert _error(RuleNotExists("ID: r, policy_name: p"))[0] == 404

    class Odd(CongressError):
        code = "never_heard_of"

    assert _error(Odd("x")) == (400, {"message": "Unknown error::x", "error_code": 1000, "error_data": None})
