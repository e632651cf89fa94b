"""The one table from error names to (error_code, HTTP status, message), and the JSON error body.

Every error the API reports is ``{"error": {"message", "error_code", "error_data"}}``.
A ``CongressError`` is reported through its ``code``: a named error (1001-1022)
gets its number and status and its text, followed by ``::detail``; a generic
one (``not_found``...) gets the HTTP reason phrase followed by ``::detail``.
"""

from __future__ import annotations

import json
from typing import Any, NamedTuple

from webob import Response

from congress.api.webutils import json_response
from congress.exceptions import CongressError


class ErrorSpec(NamedTuple):
    error_code: int
    status: int
    text: str
    named: bool = True


ERRORS: dict[str, ErrorSpec] = {
    "unknown": ErrorSpec(1000, 400, "Unknown error"),
    "add_item_id": ErrorSpec(1001, 400, "Add item does not support user-chosen ID"),
    "rule_syntax": ErrorSpec(1002, 400, "Syntax error for rule"),
    "multiple_rules": ErrorSpec(1003, 400, "Received string representing more than 1 rule"),
    "incomplete_simulate_args": ErrorSpec(
        1004, 400, "Simulate requires parameters: query, sequence, action_policy"
    ),
    "simulate_without_policy": ErrorSpec(
        1005, 400, "Simulate must be told which policy evaluate the query on"
    ),
    "sequence_syntax": ErrorSpec(1006, 400, "Syntax error in sequence"),
    "simulate_error": ErrorSpec(1007, 500, "Error in simulate procedure"),
    "rule_already_exists": ErrorSpec(1008, 409, "Rule already exists"),
    "schema_get_item_id": ErrorSpec(1009, 400, "Get item for schema does not support user-chosen ID"),
    "policy_name_must_be_provided": ErrorSpec(1010, 400, "A name must be provided when creating a policy"),
    "no_policy_update_owner": ErrorSpec(1012, 400, "The policy owner_id cannot be updated"),
    "no_policy_update_kind": ErrorSpec(1013, 400, "The policy kind cannot be updated"),
    "failed_to_create_policy": ErrorSpec(1014, 500, "A new policy could not be created"),
    "policy_id_must_not_be_provided": ErrorSpec(
        1015, 400, "An ID may not be provided when creating a policy"
    ),
    "execute_error": ErrorSpec(1016, 500, "Error in execution procedure"),
    "service_action_syntax": ErrorSpec(1017, 400, "Incorrect action syntax. Requires: <service>:<action>"),
    "execute_action_args_syntax": ErrorSpec(
        1018,
        400,
        "Incorrect argument syntax. Requires: {'positional': [<args>], 'named': {<key>:<value>,}}",
    ),
    "rule_not_permitted": ErrorSpec(1019, 400, "Rules not permitted on non persisted policies."),
    "policy_not_exist": ErrorSpec(1020, 404, "The specified policy does not exist."),
    "policy_rule_insertion_failure": ErrorSpec(1021, 400, "The policy rule could not be inserted."),
    "policy_abbreviation_error": ErrorSpec(
        1022,
        400,
        "The policy abbreviation must be a string and the length of the string must be equal to or less "
        "than 5 characters.",
    ),
    # Not in the original table; deliberate fix (contract §8 #4): an unknown rule is a 404.
    "rule_not_exists": ErrorSpec(1000, 404, "Unknown error"),
    # Generic errors: error_code equals the HTTP status, the message starts with the reason phrase.
    "bad_request": ErrorSpec(400, 400, "Bad Request", named=False),
    # The API's own request checks (body, Content-Type): the message is the detail alone.
    "malformed_request": ErrorSpec(400, 400, "", named=False),
    "query_syntax": ErrorSpec(400, 400, "Bad Request", named=False),
    "update_not_permitted": ErrorSpec(400, 400, "Bad Request", named=False),
    "policy_name_invalid": ErrorSpec(400, 400, "Bad Request", named=False),  # §8 #5: 400, not 500
    "forbidden": ErrorSpec(403, 403, "Forbidden", named=False),
    "not_found": ErrorSpec(404, 404, "Not Found", named=False),
    "conflict": ErrorSpec(409, 409, "Conflict", named=False),
    # The original's DanglingReference: HTTP 400 with error_code 409 (contract §5.7).
    "dangling_reference": ErrorSpec(409, 400, "Conflict", named=False),
    "policy_already_exists": ErrorSpec(409, 409, "Conflict", named=False),
    "datasource_already_exists": ErrorSpec(409, 409, "Conflict", named=False),
    "datasource_not_found": ErrorSpec(404, 404, "Not Found", named=False),
    "library_policy_not_found": ErrorSpec(404, 404, "Not Found", named=False),
    "request_too_large": ErrorSpec(413, 413, "Request Entity Too Large", named=False),
    "not_implemented": ErrorSpec(501, 501, "Not Implemented", named=False),
    "service_unavailable": ErrorSpec(503, 503, "Service Unavailable", named=False),
    "internal_error": ErrorSpec(500, 500, "Internal Server Error", named=False),
    "secret_key_error": ErrorSpec(500, 500, "Internal Server Error", named=False),
    "schema_not_current": ErrorSpec(500, 500, "Internal Server Error", named=False),
    "datasource_poll_failed": ErrorSpec(500, 500, "Internal Server Error", named=False),
    "invalid_driver_options": ErrorSpec(400, 400, "Bad Request", named=False),
}


def error_response(status: int, message: str, error_code: int | None = None, data: Any = None) -> Response:
    body = {
        "error": {
            "message": message,
            "error_code": status if error_code is None else error_code,
            "error_data": data,
        }
    }
    return json_response(status, (json.dumps(body) + "\n").encode())


def from_congress_error(exc: CongressError) -> Response:
    spec = ERRORS.get(exc.code, ERRORS["unknown"])
    detail = _without_prefix(exc.message, spec.text) or (
        f"({spec.error_code}) {spec.text}" if spec.named else ""
    )
    if detail.lower() == spec.text.lower():  # "Not found": the canned text alone, not "Not Found::Not found"
        message = detail
    else:
        message = f"{spec.text}::{detail}" if spec.text and detail else detail or spec.text
    return error_response(spec.status, message, spec.error_code, exc.data)


def _without_prefix(detail: str, text: str) -> str:
    """The detail without a repeat of the table text (``Error in simulate procedure: unknown policy x``
    -> ``unknown policy x``), so the message does not say it twice."""
    head, sep, rest = detail.partition(":")
    if not text or not sep or head.strip().lower() != text.lower():
        return detail
    return rest.lstrip(": ")


def no_route() -> Response:
    return error_response(404, "The resource could not be found.")


def not_supported() -> Response:
    return error_response(501, "Method not supported")


def not_found() -> Response:
    return error_response(404, "Not found")


def internal_error() -> Response:
    return error_response(500, "Internal server error")
