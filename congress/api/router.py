"""Regex routing and method dispatch for /v1 (contract §1.5).

A route is a path template (``/v1/policies/{policy}/rules``) compiled to a regex
anchored at both ends whose variables match ``[^/]+``. A *collection* route maps
GET/POST/PUT/PATCH to handlers; an *element* route maps GET/DELETE/PUT/PATCH and
turns POST into an action chosen by the ``action`` query parameter. Anything a
route lacks is 501, an unknown path is 404.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from webob import Request, Response

from congress.api import errors
from congress.exceptions import CongressError

LOG = logging.getLogger(__name__)

Handler = Callable[[Request, dict[str, str]], Response]
Authorizer = Callable[[Request, str, bool], None]

READ_METHODS = frozenset({"GET"})


@dataclass(frozen=True)
class Route:
    regex: re.Pattern[str]
    resource: str
    element: bool
    methods: Mapping[str, Handler]
    actions: Mapping[str, Handler] = field(default_factory=dict)
    read_actions: frozenset[str] = frozenset()


_OPS = {"GET": "get", "POST": "create", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}


def compile_template(template: str) -> re.Pattern[str]:
    pattern = re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template)
    return re.compile(f"^{pattern}$")


def _no_auth(req: Request, rule: str, read: bool) -> None:
    return None


class Router:
    """The v1 WSGI application: finds the route, authorizes, calls the handler, renders errors."""

    def __init__(self, authorize: Authorizer = _no_auth, max_body: int | None = None) -> None:
        self._routes: list[Route] = []
        self._authorize = authorize
        self._max_body = max_body

    def collection(self, template: str, resource: str, **methods: Handler) -> None:
        self._routes.append(Route(compile_template(template), resource, False, _upper(methods)))

    def element(
        self,
        template: str,
        resource: str,
        actions: Mapping[str, Handler] | None = None,
        read_actions: frozenset[str] = frozenset(),
        **methods: Handler,
    ) -> None:
        self._routes.append(
            Route(
                compile_template(template), resource, True, _upper(methods), dict(actions or {}), read_actions
            )
        )

    def routes(self) -> tuple[Route, ...]:
        """The registered routes, in matching order."""
        return tuple(self._routes)

    def rules(self) -> list[tuple[str, bool]]:
        """Every (authorization rule name, is-read) the routes can check, for the policy defaults."""
        found: dict[str, bool] = {}
        for route in self._routes:
            for method in route.methods:
                found[f"{route.resource}:{_OPS[method]}"] = method in READ_METHODS
            for action in route.actions:
                found[f"{route.resource}:{action}"] = action in route.read_actions
        return sorted(found.items())

    def _match(self, path: str) -> tuple[Route, dict[str, str]] | None:
        for route in self._routes:
            m = route.regex.match(path)
            if m:
                return route, m.groupdict()
        return None

    def _handler(self, route: Route, req: Request) -> tuple[Handler | None, str, bool]:
        if route.element and req.method == "POST":
            values = req.GET.getall("action")
            if not values:
                raise _ActionError("Missing required action parameter.")
            if len(values) > 1:
                raise _ActionError("Action parameter may not be provided multiple times.")
            action = values[0].replace("-", "_")
            return route.actions.get(action), action, action in route.read_actions
        op = _OPS.get(req.method, req.method.lower())
        return route.methods.get(req.method), op, req.method in READ_METHODS

    def __call__(self, environ: dict, start_response: Callable) -> object:
        req = Request(environ)
        return self.respond(req)(environ, start_response)

    def respond(self, req: Request) -> Response:
        try:
            path = req.path_info
            _ = req.GET  # decoded here once (webob caches it), so handlers never meet bad UTF-8
        except UnicodeDecodeError:
            return errors.error_response(400, "The request URL is not valid UTF-8")
        found = self._match(path)
        if found is None:
            return errors.no_route()
        route, params = found
        try:
            handler, op, read = self._handler(route, req)
            if handler is None:
                return errors.not_supported()
            if self._max_body is not None and self._too_large(req, self._max_body):
                return errors.error_response(413, f"Request body larger than {self._max_body} bytes")
            self._authorize(req, f"{route.resource}:{op}", read)
            return handler(req, params)
        except _ActionError as exc:
            return errors.error_response(400, str(exc))
        except CongressError as exc:
            return errors.from_congress_error(exc)
        except Exception:
            LOG.exception("Unexpected error serving %s %s", req.method, req.path)
            return errors.internal_error()

    @staticmethod
    def _too_large(req: Request, limit: int) -> bool:
        """Whether the body exceeds ``limit``; a chunked body is read (at most limit + 1 bytes) to know."""
        if req.content_length is not None:
            return req.content_length > limit
        if "chunked" not in req.headers.get("Transfer-Encoding", "").lower():
            return False
        data = req.body_file_raw.read(limit + 1)
        req.body = data
        return len(data) > limit


class _ActionError(Exception):
    pass


def _upper(methods: Mapping[str, Handler]) -> dict[str, Handler]:
    return {name.upper(): handler for name, handler in methods.items()}
