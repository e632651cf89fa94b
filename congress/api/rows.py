"""Rows of policy and data-source tables, and pushing rows into push data sources (contract §5.5).

Extensions: ``PUT`` replaces a push table with ``[[...], ...]``; ``PATCH`` applies
``{"insert": [[...]], "delete": [[...]]}`` (deletes first).
"""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import empty, flag, json_body, json_object, reply
from congress.service.container import Services
from congress.service.errors import BadRequest


def _results(rows: list) -> list[dict]:
    return [{"data": list(row)} for row in rows]


def _row_list(value: object, what: str) -> list:
    if not isinstance(value, list):
        raise BadRequest(f"{what} must be a JSON array of rows")
    return value


def register(router: Router, services: Services) -> None:
    policies = services.policies
    datasources = services.datasources

    def policy_rows(req: Request, params: dict[str, str]) -> Response:
        rows, trace = policies.rows(params["policy"], params["table"], trace=flag(req, "trace"))
        result: dict[str, object] = {"results": _results(rows)}
        if trace is not None:
            result["trace"] = trace
        return reply(result)

    def ds_rows(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": _results(datasources.rows(params["ds"], params["table"]))})

    def ds_replace(req: Request, params: dict[str, str]) -> Response:
        rows = _row_list(json_body(req), "The body")
        datasources.replace_rows(params["ds"], params["table"], rows)
        return empty()

    def ds_update(req: Request, params: dict[str, str]) -> Response:
        body = json_object(req)
        unknown = set(body) - {"insert", "delete"}
        if unknown:
            raise BadRequest(f"Unknown keys {sorted(unknown)}; a delta has 'insert' and 'delete'")
        insert = _row_list(body.get("insert", []), "insert")
        delete = _row_list(body.get("delete", []), "delete")
        datasources.update_rows(params["ds"], params["table"], insert=insert, delete=delete)
        return empty()

    router.collection("/v1/policies/{policy}/tables/{table}/rows", "policy_row", get=policy_rows)
    router.element("/v1/policies/{policy}/tables/{table}/rows/{row}", "policy_row")
    router.collection(
        "/v1/data-sources/{ds}/tables/{table}/rows",
        "datasource_row",
        get=ds_rows,
        put=ds_replace,
        patch=ds_update,
    )
    router.element("/v1/data-sources/{ds}/tables/{table}/rows/{row}", "datasource_row")
