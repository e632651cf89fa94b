"""/v1/librarypolicies: policies kept for later activation (contract §5.12)."""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import created, flag, json_object, reply
from congress.service.container import Services


def register(router: Router, services: Services) -> None:
    library = services.library

    def list_(req: Request, params: dict[str, str]) -> Response:
        found = library.list(include_rules=flag(req, "include_rules", True), name=req.GET.get("name"))
        return reply({"results": found})

    def create(req: Request, params: dict[str, str]) -> Response:
        return created(req, library.create(json_object(req)))

    def show(req: Request, params: dict[str, str]) -> Response:
        return reply(library.get(params["id"], include_rules=flag(req, "include_rules", True)))

    def delete(req: Request, params: dict[str, str]) -> Response:
        return reply(library.delete(params["id"]))

    def replace(req: Request, params: dict[str, str]) -> Response:
        return reply(library.replace(params["id"], json_object(req)))

    router.collection("/v1/librarypolicies", "library_policy", get=list_, post=create)
    router.element("/v1/librarypolicies/{id}", "library_policy", get=show, delete=delete, put=replace)
