"""Version documents (contract §5.1): ``GET /`` lists, any other path outside /v1 is 300, /v1 describes v1."""

from __future__ import annotations

from collections.abc import Callable

from webob import Request, Response

from congress.api.errors import error_response
from congress.api.router import Router
from congress.api.webutils import reply

_UPDATED = "2013-08-12T17:42:13Z"


def _version(href: str, *extra: dict) -> dict:
    return {
        "id": "v1",
        "status": "CURRENT",
        "updated": _UPDATED,
        "links": [{"rel": "self", "href": href}, *extra],
    }


class VersionsApp:
    """Everything outside /v1: needs no authentication (the client's ``version list`` uses it)."""

    def __call__(self, environ: dict, start_response: Callable) -> object:
        req = Request(environ)
        return self.respond(req)(environ, start_response)

    @staticmethod
    def respond(req: Request) -> Response:
        base = req.host_url
        try:
            path = req.path_info
        except UnicodeDecodeError:
            return error_response(400, "The request URL is not valid UTF-8")
        if path in ("", "/"):
            return reply({"versions": [_version(f"{base}/v1/")]})
        return reply({"choices": [_version(f"{base}/v1{path}")]}, 300)


def register(router: Router) -> None:
    def show(req: Request, params: dict[str, str]) -> Response:
        describedby = {"rel": "describedby", "type": "text/html", "href": "http://congress.readthedocs.org/"}
        return reply({"version": _version(f"{req.host_url}/v1/", describedby)})

    router.element("/v1/?", "versions", get=show)
