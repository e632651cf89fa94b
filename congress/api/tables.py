"""Table lists and table documents, of policies and of data sources (contract §5.4)."""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import reply
from congress.service.container import Services


def register(router: Router, services: Services) -> None:
    policies = services.policies
    datasources = services.datasources

    def policy_tables(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": [{"id": t} for t in policies.tables(params["policy"])]})

    def policy_table(req: Request, params: dict[str, str]) -> Response:
        return reply({"id": policies.table(params["policy"], params["table"])})

    def ds_tables(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": [{"id": t} for t in datasources.tables(params["ds"])]})

    def ds_table(req: Request, params: dict[str, str]) -> Response:
        return reply({"id": datasources.table(params["ds"], params["table"])})

    router.collection("/v1/policies/{policy}/tables", "policy_table", get=policy_tables)
    router.element("/v1/policies/{policy}/tables/{table}", "policy_table", get=policy_table)
    router.collection("/v1/data-sources/{ds}/tables", "datasource_table", get=ds_tables)
    router.element("/v1/data-sources/{ds}/tables/{table}", "datasource_table", get=ds_table)
