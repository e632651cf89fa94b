"""The OpenAPI 3.1 document of the whole REST API, served at ``GET /v1/openapi.json``.

Written by hand from the wire contract (not generated from the router), so that
tests/functional/test_openapi.py can hold the two against each other: every
route and method the router serves is documented and vice versa, and real
responses validate against the schemas here.

OpenAPI allows one ``POST`` per path, so an element's actions (``?action=simulate``...)
share one operation whose ``action`` parameter is an enum and whose body and
response are a ``oneOf`` of the actions' shapes.
"""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import json_response

Schema = dict[str, Any]


def ref(name: str) -> Schema:
    return {"$ref": f"#/components/schemas/{name}"}


def obj(
    required: dict[str, Schema], optional: dict[str, Schema] | None = None, *, closed: bool = True
) -> Schema:
    """An object schema; ``closed`` forbids keys that are not listed."""
    schema: Schema = {"type": "object", "properties": {**required, **(optional or {})}}
    if required:
        schema["required"] = list(required)
    if closed:
        schema["additionalProperties"] = False
    return schema


def results(item: Schema) -> Schema:
    return obj({"results": {"type": "array", "items": item}})


STR: Schema = {"type": "string"}
OPT_STR: Schema = {"type": ["string", "null"]}
SCALAR: Schema = {"type": ["string", "number", "boolean", "null"]}
ANY: Schema = {}
# The library file format's list of the policies whose tables the rules use (informational).
DEPENDS_ON: Schema = {"type": ["array", "null"], "items": STR}

_RULE_IN_POLICY = obj({"rule": STR}, {"name": OPT_STR, "comment": OPT_STR})
_TABLE_SCHEMA = obj(
    {
        "table_id": STR,
        "columns": {"type": "array", "items": obj({"name": STR, "description": OPT_STR})},
    }
)
_VERSION = obj(
    {
        "id": STR,
        "status": STR,
        "updated": STR,
        "links": {"type": "array", "items": obj({"rel": STR, "href": STR}, {"type": STR})},
    }
)

SCHEMAS: dict[str, Schema] = {
    "Error": obj(
        {
            "error": obj(
                {"message": STR, "error_code": {"type": "integer"}, "error_data": ANY},
            )
        }
    ),
    "Policy": obj(
        {"id": STR, "name": STR, "abbreviation": STR, "description": STR, "owner_id": STR, "kind": STR}
    ),
    "PolicyWithRules": obj(
        {
            "id": STR,
            "name": STR,
            "abbreviation": STR,
            "description": STR,
            "owner_id": STR,
            "kind": STR,
            "rules": {"type": "array", "items": _RULE_IN_POLICY},
        }
    ),
    "PolicyCreate": obj(
        {"name": {"type": "string", "minLength": 1, "maxLength": 255}},
        {
            "description": OPT_STR,
            "abbreviation": {"type": ["string", "null"], "minLength": 1, "maxLength": 5},
            "kind": {"enum": ["nonrecursive", "action", "database", "materialized", None]},
            "depends-on": DEPENDS_ON,
            "rules": {
                "type": "array",
                "items": obj(
                    {"rule": STR},
                    {
                        "name": {"type": "string", "maxLength": 255},
                        "comment": {"type": "string", "maxLength": 255},
                    },
                ),
            },
        },
    ),
    "Rule": obj({"id": STR, "name": OPT_STR, "comment": STR, "rule": STR}),
    "RuleCreate": obj({"rule": STR}, {"name": OPT_STR, "comment": OPT_STR}),
    "RuleStatus": obj({"id": STR}, {"name": STR, "comment": STR, "original_str": STR}),
    "PolicyStatus": obj({"name": STR, "id": STR}),
    "Table": obj({"id": STR}),
    "Rows": obj(
        {"results": {"type": "array", "items": obj({"data": {"type": "array", "items": SCALAR}})}},
        {"trace": STR},
    ),
    "RowsReplace": {"type": "array", "items": {"type": ["array", "object"]}},
    "RowsDelta": obj(
        {},
        {
            "insert": {"type": "array", "items": {"type": "array", "items": SCALAR}},
            "delete": {"type": "array", "items": {"type": "array", "items": SCALAR}},
        },
    ),
    "SimulateRequest": obj({"query": STR, "sequence": STR, "action_policy": STR}),
    "QueryRequest": obj({"query": STR}),
    "ExecuteRequest": obj(
        {"name": STR},
        {
            "args": {
                **obj({}, {"positional": {"type": "array"}, "named": {"type": "object"}}),
                "type": ["object", "null"],
            }
        },
    ),
    "QueryResult": obj({"result": {"type": "array", "items": STR}}, {"trace": STR}),
    "Empty": obj({}),
    "DataSource": obj(
        {
            "id": STR,
            "name": STR,
            "driver": STR,
            "description": STR,
            "type": {"type": "null"},
            "enabled": {"type": "boolean"},
            "config": {"type": ["object", "null"]},
        }
    ),
    "DataSourceCreate": obj(
        {"name": STR, "driver": STR},
        {
            "config": {"type": ["object", "null"]},
            "description": OPT_STR,
            "enabled": {"type": "boolean"},
        },
    ),
    "DataSourceStatus": obj(
        {
            "last_updated": STR,
            "last_error": STR,
            "number_of_updates": STR,
            "initialized": STR,
            "subscriptions": {"type": "array"},
            "subscribers": {"type": "array", "items": STR},
        }
    ),
    "Schema": obj({"tables": {"type": "array", "items": _TABLE_SCHEMA}}),
    "TableSchema": _TABLE_SCHEMA,
    "DriverAction": obj(
        {
            "name": STR,
            "args": {"type": "array", "items": obj({"name": STR, "description": OPT_STR})},
            "description": OPT_STR,
        }
    ),
    "DriverSummary": obj({"id": STR, "description": STR}),
    "Driver": obj(
        {
            "id": STR,
            "description": STR,
            "config": {"type": "object", "additionalProperties": {"enum": ["required", "(optional)"]}},
            "tables": {"type": "array", "items": _TABLE_SCHEMA},
        },
        {"secret": {"type": "array", "items": STR}},
    ),
    "LibraryPolicy": obj(
        {"id": STR, "name": STR, "abbreviation": STR, "description": STR, "kind": STR},
        {"rules": {"type": "array", "items": _RULE_IN_POLICY}},
    ),
    "LibraryPolicyCreate": obj(
        {
            "name": {"type": "string", "minLength": 1, "maxLength": 255},
            "rules": {"type": "array", "items": _RULE_IN_POLICY},
        },
        {
            "description": STR,
            "abbreviation": {"type": ["string", "null"], "minLength": 1, "maxLength": 5},
            "kind": {"enum": ["nonrecursive", "action", "database", "materialized", None]},
            "depends-on": DEPENDS_ON,
        },
    ),
    "ActionExecution": obj(
        {
            "seq": {"type": "integer"},
            "time": STR,
            "policy": OPT_STR,
            "service": STR,
            "action": STR,
            "args": ANY,
            "status": STR,
            "error": OPT_STR,
        }
    ),
    "Version": _VERSION,
    "VersionList": obj({"versions": {"type": "array", "items": _VERSION}}),
    "VersionChoices": obj({"choices": {"type": "array", "items": _VERSION}}),
    "VersionShow": obj({"version": _VERSION}),
}

_ERROR_TEXT = {
    400: "Bad request: malformed body, wrong types, invalid names, rule syntax errors",
    401: "No valid token (auth_strategy = keystone)",
    403: "The authorization policy forbids it (auth_strategy = keystone)",
    404: "Not found",
    409: "Conflict: the name or rule already exists",
    413: "The request body exceeds max_request_body_size",
    500: "An error the contract reports as 500 (simulate 1007, execute 1016, create 1014)",
    501: "Not supported",
    503: "A service the request needs is unavailable",
}

# Statuses every /v1 operation may give: authentication and authorization (keystone only).
_AUTH = (401, 403)
# ...and every operation with a body: a body the API cannot read, or one that is too large.
_BODY = (400, 413)


def _json(schema: Schema) -> dict[str, Any]:
    return {"content": {"application/json": {"schema": schema}}}


def _param(name: str, where: str, schema: Schema, description: str, required: bool = False) -> dict:
    return {
        "name": name,
        "in": where,
        "required": required or where == "path",
        "schema": schema,
        "description": description,
    }


def _path_params(path: str) -> list[dict]:
    names = [part[1:-1] for part in path.split("/") if part.startswith("{")]
    return [_param(n, "path", {"type": "string", "pattern": "^[^/]+$"}, _PATH_PARAMS[n]) for n in names]


_PATH_PARAMS = {
    "policy": "Policy name or UUID",
    "rule": "Rule UUID",
    "table": "Table name",
    "ds": "Data-source name or UUID",
    "driver": "Driver id",
    "id": "Library policy UUID",
}
_TRACE = _param("trace", "query", {"type": "string"}, "true/1 (any case) adds a proof trace")
_INCLUDE_RULES = _param("include_rules", "query", {"type": "string"}, "false leaves the rules out")


def operation(
    summary: str,
    ok: tuple[int, Schema | None] | None,
    errors: tuple[int, ...] = (),
    *,
    body: Schema | None = None,
    body_required: bool = True,
    params: tuple[dict, ...] = (),
    auth: bool = True,
) -> dict[str, Any]:
    """One operation: its success response (``None`` schema: empty body; ``ok`` None: it never succeeds)
    and its error statuses."""
    responses: dict[str, Any] = {}
    if ok is not None:
        status, schema = ok
        responses[str(status)] = {"description": summary, **({} if schema is None else _json(schema))}
        if status == 201:
            location = {"schema": STR, "description": "URL of the new object"}
            responses["201"]["headers"] = {"Location": location}
    codes = set(errors) | (set(_BODY) if body is not None else set()) | (set(_AUTH) if auth else set())
    for code in sorted(codes):
        responses[str(code)] = {"$ref": f"#/components/responses/E{code}"}
    op: dict[str, Any] = {"summary": summary, "responses": responses}
    if params:
        op["parameters"] = list(params)
    if body is not None:
        op["requestBody"] = {"required": body_required, **_json(body)}
    return op


def _action_param(actions: list[str]) -> dict:
    return _param("action", "query", {"enum": actions}, "The action to run", required=True)


def _paths() -> dict[str, dict[str, Any]]:
    policy_post = operation(
        "Run an action on a policy: simulate, query or execute",
        (200, {"oneOf": [ref("QueryResult"), ref("Empty")]}),
        (400, 404, 500, 501),
        body={"oneOf": [ref("SimulateRequest"), ref("QueryRequest"), ref("ExecuteRequest")]},
        params=(
            _action_param(["simulate", "query", "execute"]),
            _TRACE,
            _param("delta", "query", {"type": "string"}, "true/1: answer changed instances (p+, p-)"),
        ),
    )
    ds_post = operation(
        "Run an action on a data source: request-refresh or execute",
        (200, {"oneOf": [{"type": "null"}, ref("Empty")]}),
        (404, 500, 501),
        body={"oneOf": [ref("ExecuteRequest"), ref("Empty")]},
        body_required=False,
        params=(_action_param(["request-refresh", "execute"]),),
    )
    versions = {"get": operation("The v1 version document", (200, ref("VersionShow")), auth=False)}
    return {
        "/": {
            "get": operation("The API versions (no authentication)", (200, ref("VersionList")), auth=False)
        },
        "/v1": versions,
        "/v1/": versions,
        "/v1/openapi.json": {"get": operation("This document", (200, {"type": "object"}))},
        "/v1/policies": {
            "get": operation("List policies", (200, results(ref("Policy")))),
            "post": operation(
                "Create a policy (plain, with rules, or from a library policy with an empty body)",
                (201, {"oneOf": [ref("Policy"), ref("PolicyWithRules")]}),
                (400, 404, 409),
                body=ref("PolicyCreate"),
                params=(_param("library_policy", "query", STR, "Library policy UUID to copy"),),
            ),
        },
        "/v1/policies/{policy}": {
            "get": operation("Show a policy", (200, ref("Policy")), (404,)),
            "delete": operation("Delete a policy and its rules", (200, ref("Policy")), (404,)),
            "post": policy_post,
        },
        "/v1/policies/{policy}/status": {
            "get": operation("Policy status", (200, ref("PolicyStatus")), (404,)),
        },
        "/v1/policies/{policy}/rules": {
            "get": operation("List a policy's rules", (200, results(ref("Rule"))), (404,)),
            "post": operation("Create a rule", (201, ref("Rule")), (400, 404, 409), body=ref("RuleCreate")),
        },
        "/v1/policies/{policy}/rules/{rule}": {
            "get": operation("Show a rule", (200, ref("Rule")), (404,)),
            "delete": operation("Delete a rule", (200, ref("Rule")), (404,)),
        },
        "/v1/policies/{policy}/rules/{rule}/status": {
            "get": operation("Rule status", (200, ref("RuleStatus")), (404,)),
        },
        "/v1/policies/{policy}/tables": {
            "get": operation("List a policy's tables", (200, results(ref("Table"))), (404,)),
        },
        "/v1/policies/{policy}/tables/{table}": {
            "get": operation("Show a policy table", (200, ref("Table")), (404,)),
        },
        "/v1/policies/{policy}/tables/{table}/rows": {
            "get": operation("A policy table's rows", (200, ref("Rows")), (400, 404), params=(_TRACE,)),
        },
        "/v1/data-sources": {
            "get": operation("List data sources (secrets masked)", (200, results(ref("DataSource")))),
            "post": operation(
                "Create a data source",
                (201, ref("DataSource")),
                (400, 409, 503),
                body=ref("DataSourceCreate"),
            ),
        },
        "/v1/data-sources/{ds}": {
            "get": operation("Show a data source", (200, ref("DataSource")), (404,)),
            "delete": operation(
                "Delete a data source (refused with 400, error_code 409, while rules read its tables)",
                (200, {"type": "null"}),
                (400, 404),
            ),
            "post": ds_post,
        },
        "/v1/data-sources/{ds}/schema": {
            "get": operation("A data source's schema", (200, ref("Schema")), (404,)),
        },
        "/v1/data-sources/{ds}/tables/{table}/spec": {
            "get": operation("One table's schema", (200, ref("TableSchema")), (404,)),
        },
        "/v1/data-sources/{ds}/actions": {
            "get": operation("A driver's actions", (200, results(ref("DriverAction"))), (404,)),
        },
        "/v1/data-sources/{ds}/status": {
            "get": operation("Data-source status", (200, ref("DataSourceStatus")), (404,)),
        },
        "/v1/data-sources/{ds}/tables": {
            "get": operation("List a data source's tables", (200, results(ref("Table"))), (404,)),
        },
        "/v1/data-sources/{ds}/tables/{table}": {
            "get": operation("Show a data-source table", (200, ref("Table")), (404,)),
        },
        "/v1/data-sources/{ds}/tables/{table}/rows": {
            "get": operation("A data-source table's rows", (200, ref("Rows")), (400, 404)),
            "put": operation(
                "Replace a push data source's table (empty answer)",
                (200, None),
                (404,),
                body=ref("RowsReplace"),
            ),
            "patch": operation(
                "Apply a delta to a push data source's table: deletes, then inserts (empty answer)",
                (200, None),
                (404,),
                body=ref("RowsDelta"),
            ),
        },
        "/v1/data-sources/{ds}/webhook": {
            "post": operation(
                "Notify a data source's driver (empty answer)", (200, None), (404, 501), body=ANY
            ),
        },
        "/v1/data-sources/{ds}/tables/{table}/webhook": {
            "post": operation(
                "The JSON ingester's webhook, not in this release: always 404 (the server refuses to start "
                "with [json_ingester] enable = true)",
                None,
                (404,),
                body=ANY,
            ),
        },
        "/v1/system/drivers": {
            "get": operation("List drivers", (200, results(ref("DriverSummary")))),
        },
        "/v1/system/drivers/{driver}": {
            "get": operation("Show a driver: config options and schema", (200, ref("Driver")), (404,)),
        },
        "/v1/librarypolicies": {
            "get": operation(
                "List library policies",
                (200, results(ref("LibraryPolicy"))),
                params=(_INCLUDE_RULES, _param("name", "query", STR, "Only the library policy of this name")),
            ),
            "post": operation(
                "Create a library policy",
                (201, ref("LibraryPolicy")),
                (409,),
                body=ref("LibraryPolicyCreate"),
            ),
        },
        "/v1/librarypolicies/{id}": {
            "get": operation(
                "Show a library policy", (200, ref("LibraryPolicy")), (404,), params=(_INCLUDE_RULES,)
            ),
            "delete": operation("Delete a library policy", (200, ref("LibraryPolicy")), (404,)),
            "put": operation(
                "Replace a library policy",
                (200, ref("LibraryPolicy")),
                (404, 409),
                body=ref("LibraryPolicyCreate"),
            ),
        },
        "/v1/action-executions": {
            "get": operation(
                "Actions policies asked services to run, oldest first (extension)",
                (200, results(ref("ActionExecution"))),
                (400,),
                params=(
                    _param(
                        "since", "query", {"type": "string"}, "Only executions after this sequence number"
                    ),
                ),
            ),
        },
    }


def _with_path_params(paths: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    out = {}
    for path, item in paths.items():
        params = _path_params(path)
        out[path] = {**item, "parameters": params} if params else item
    return out


@cache
def document() -> dict[str, Any]:
    """The OpenAPI document (built once)."""
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Congress REST API",
            "version": "v1",
            "description": "Policy as a service for clouds. Errors are "
            '{"error": {"message", "error_code", "error_data"}}; error_code may differ from the HTTP status. '
            "A method a path does not list answers 501 (Method not supported), as do the routes kept only "
            "for that (.../rows/{row}); an unknown path under /v1 answers 404, one outside /v1 the 300 "
            "version choices.",
        },
        "paths": _with_path_params(_paths()),
        "components": {
            "schemas": SCHEMAS,
            "responses": {
                f"E{code}": {"description": text, **_json(ref("Error"))} for code, text in _ERROR_TEXT.items()
            },
            "securitySchemes": {
                "keystone": {"type": "apiKey", "in": "header", "name": "X-Auth-Token"},
            },
        },
    }


@cache
def _encoded() -> bytes:
    return (json.dumps(document()) + "\n").encode()


def register(router: Router) -> None:
    def show(req: Request, params: dict[str, str]) -> Response:
        return json_response(200, _encoded())

    router.element("/v1/openapi.json", "openapi", get=show)
