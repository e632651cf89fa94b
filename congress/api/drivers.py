"""/v1/system/drivers: the loaded, enabled datasource drivers (contract §5.11)."""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import reply
from congress.service.container import Services


def register(router: Router, services: Services) -> None:
    drivers = services.drivers

    def list_(req: Request, params: dict[str, str]) -> Response:
        return reply({"results": drivers.list_drivers()})

    def show(req: Request, params: dict[str, str]) -> Response:
        return reply(drivers.show_driver(params["driver"]))

    router.collection("/v1/system/drivers", "driver", get=list_)
    router.element("/v1/system/drivers/{driver}", "driver", get=show)
