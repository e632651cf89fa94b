"""/v1/action-executions (extension): the actions policies asked services to run, oldest first."""

from __future__ import annotations

from webob import Request, Response

from congress.api.router import Router
from congress.api.webutils import reply
from congress.service.container import Services
from congress.service.errors import BadRequest


def register(router: Router, services: Services) -> None:
    def list_(req: Request, params: dict[str, str]) -> Response:
        since = req.GET.get("since", "0")
        try:
            seq = int(since)
        except ValueError as exc:
            raise BadRequest(f"since must be an integer sequence number, not {since!r}") from exc
        return reply({"results": services.actions.history(seq)})

    router.collection("/v1/action-executions", "action_execution", get=list_)
