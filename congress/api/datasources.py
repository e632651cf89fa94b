"""/v1/data-sources: the data sources, their schema, status, actions and webhook (contract §5.7-5.10).

The JSON ingester's per-table webhook (route 34) is routed only to say it is not there (404).
"""

from __future__ import annotations

from webob import Request, Response

from congress.api.policies import EXECUTE_FIELDS, parse_action_args
from congress.api.router import Router
from congress.api.webutils import created, empty, json_body, json_object, reply
from congress.service.container import Services
from congress.service.errors import NamedError, NotFound
from congress.service.validation import check_fields

JSON_INGESTER_ABSENT = (
    "The JSON ingester webhook is not available: the JSON ingester ([json_ingester] enable) is not "
    "implemented in this release"
)


def register(router: Router, services: Services) -> None:
    datasources = services.datasources

    def list_(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": datasources.list()})

    def create(req: Request, params: dict[str, str]) -> Response:
        return created(req, datasources.create(json_object(req)))

    def show(req: Request, params: dict[str, str]) -> Response:
        return reply(datasources.get(params["ds"]))

    def delete(req: Request, params: dict[str, str]) -> Response:
        datasources.delete(params["ds"])
        return reply(None)

    def request_refresh(req: Request, params: dict[str, str]) -> Response:
        check_fields(json_object(req, optional=True), (), "request-refresh body ({} or none)")
        datasources.request_refresh(params["ds"])
        return reply(None)

    def execute(req: Request, params: dict[str, str]) -> Response:
        body = json_object(req)
        name = body.get("name")
        if not isinstance(name, str) or not name:
            raise NamedError("service_action_syntax", "execute needs the driver action's name")
        check_fields(body, EXECUTE_FIELDS, "execute request")
        positional, named = parse_action_args(body.get("args"))
        datasources.execute(params["ds"], name, positional, named)
        return reply({})

    def schema(req: Request, params: dict[str, str]) -> Response:
        return reply({"tables": datasources.schema(params["ds"])})

    def spec(req: Request, params: dict[str, str]) -> Response:
        return reply(datasources.table_spec(params["ds"], params["table"]))

    def actions(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": datasources.actions(params["ds"])})

    def status(req: Request, params: dict[str, str]) -> Response:
        return reply(datasources.status(params["ds"]))

    def webhook(req: Request, params: dict[str, str]) -> Response:
        datasources.webhook(params["ds"], json_body(req))
        return empty()

    def json_ingester_webhook(req: Request, params: dict[str, str]) -> Response:
        # The server does not start with [json_ingester] enable = true, so the ingester is never there.
        raise NotFound(JSON_INGESTER_ABSENT)

    router.collection("/v1/data-sources", "datasource", get=list_, post=create)
    router.element(
        "/v1/data-sources/{ds}",
        "datasource",
        get=show,
        delete=delete,
        actions={"request_refresh": request_refresh, "execute": execute},
    )
    router.element("/v1/data-sources/{ds}/schema", "datasource_schema", get=schema)
    router.element("/v1/data-sources/{ds}/tables/{table}/spec", "datasource_schema", get=spec)
    router.collection("/v1/data-sources/{ds}/actions", "datasource_action", get=actions)
    router.element("/v1/data-sources/{ds}/status", "datasource_status", get=status)
    router.collection("/v1/data-sources/{ds}/webhook", "datasource_webhook", post=webhook)
    router.collection(
        "/v1/data-sources/{ds}/tables/{table}/webhook", "datasource_webhook", post=json_ingester_webhook
    )
