"""The WSGI applications and their paste.deploy factories (see etc/api-paste.ini).

``root_factory`` is a composite: ``/v1`` and everything under it go to the v1
pipeline (authenticated with keystone, or not with noauth), every other path to
the version app, which never needs a token. The server hands its ``Services``
to the factories through ``load_app``.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from oslo_config import cfg
from paste import deploy

from congress.api import (
    datasources,
    drivers,
    executions,
    library,
    openapi,
    policies,
    router,
    rows,
    rules,
    tables,
    versions,
)
from congress.api.authz import Authorizer
from congress.service.container import Services

WSGIApp = Callable[..., Any]

_MODULES = (policies, rules, tables, rows, datasources, drivers, library, executions)
_context: dict[str, Any] = {}


def build_router(
    services: Services | Any, authorize: router.Authorizer | None = None, max_body: int | None = None
) -> router.Router:
    api = router.Router(authorize=authorize or (lambda req, rule, read: None), max_body=max_body)
    versions.register(api)
    openapi.register(api)
    for module in _MODULES:
        module.register(api, services)
    return api


def route_table() -> list[tuple[str, bool]]:
    """Every authorization rule the routes check (no service is called)."""
    unbound = SimpleNamespace(policies=None, datasources=None, library=None, drivers=None, actions=None)
    return build_router(unbound).rules()


class RootApp:
    """Sends /v1 and /v1/... to the API, everything else to the version documents."""

    def __init__(self, v1: WSGIApp, other: WSGIApp) -> None:
        self._v1 = v1
        self._other = other

    def __call__(self, environ: dict, start_response: Callable) -> Any:
        path = environ.get("PATH_INFO", "")
        app = self._v1 if path == "/v1" or path.startswith("/v1/") else self._other
        return app(environ, start_response)


# -- paste.deploy factories ------------------------------------------------------------------
def root_factory(loader: Any, global_conf: dict, **local_conf: str) -> RootApp:
    return RootApp(
        loader.get_app(local_conf["v1"], global_conf), loader.get_app(local_conf["versions"], global_conf)
    )


def versions_factory(global_conf: dict, **local_conf: str) -> versions.VersionsApp:
    return versions.VersionsApp()


def v1_factory(global_conf: dict, **local_conf: str) -> router.Router:
    conf: cfg.ConfigOpts = _context["conf"]
    authorize = Authorizer(conf, route_table()) if conf.auth_strategy == "keystone" else None
    return build_router(_context["services"], authorize, conf.max_request_body_size)


def keystone_filter_factory(global_conf: dict, **local_conf: str) -> Callable[[WSGIApp], WSGIApp]:
    """keystonemiddleware's auth_token, configured from [keystone_authtoken] of congress.conf."""
    from keystonemiddleware import auth_token

    def wrap(app: WSGIApp) -> WSGIApp:
        return auth_token.AuthProtocol(app, {**local_conf, "oslo_config_config": _context["conf"]})

    return wrap


def paste_file(conf: cfg.ConfigOpts) -> Path:
    """api_paste_config as found next to the config files, else the copy shipped in the package."""
    configured = conf.find_file(conf.api_paste_config) if conf.api_paste_config else None
    if configured:
        return Path(configured).resolve()
    return Path(__file__).with_name("api-paste.ini")


def load_app(conf: cfg.ConfigOpts, services: Services) -> WSGIApp:
    """The whole WSGI pipeline, pipeline ``congress-<auth_strategy>`` of the paste file."""
    _context.update(conf=conf, services=services)
    return deploy.loadapp(f"config:{paste_file(conf)}", name=f"congress-{conf.auth_strategy}")
