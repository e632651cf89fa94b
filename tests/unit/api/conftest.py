"""The real v1 application over real services: an in-memory SQLite database, the engine, the push driver."""

from __future__ import annotations

import json

import pytest
from webob import Request

from congress.api.app import RootApp, build_router
from congress.api.versions import VersionsApp
from congress.datasources import translator as tr
from congress.datasources.base import PollingDriver
from congress.datasources.nova_driver import NovaDriver
from congress.datasources.push_driver import PushDriver
from congress.db.api import Database
from congress.engine import PolicyEngine
from congress.service.container import build
from congress.service.drivers import DriverCatalog


class Client:
    """Requests through webob.Request.blank against the real WSGI app."""

    def __init__(self, app) -> None:
        self.app = app

    def __call__(self, method: str, path: str, body=None, *, raw: bytes | None = None, headers=None):
        req = Request.blank(path, method=method, headers=headers or {})
        if raw is not None:
            req.body = raw
        elif body is not None:
            req.body = json.dumps(body).encode()
            req.content_type = "application/json"
        resp = req.get_response(self.app)
        return resp.status_int, (json.loads(resp.body) if resp.body else None), resp


class InventoryDriver(PollingDriver):
    """A small real polling driver: a fixed inventory, one lazy-capable table."""

    driver_id = "inventory"
    description = "Fixed inventory for tests"
    translators = (tr.HDict(table="hosts", fields=tr.fields("name")),)

    def fetch(self, root_table: str) -> list[dict]:
        return [{"name": "h1"}]


class UnreachableDriver(InventoryDriver):
    """Its cloud never answers."""

    driver_id = "unreachable"

    def fetch(self, root_table: str) -> list[dict]:
        raise ConnectionError("connection refused")


def _services(tmp_path, drivers):
    db = Database.connect(f"sqlite:///{tmp_path}/congress.sqlite", key_file=tmp_path / "key")
    db.ensure_schema()
    services = build(db, PolicyEngine(), DriverCatalog(drivers))
    services.start()
    return services


@pytest.fixture
def services(tmp_path):
    services = _services(tmp_path, {"push": PushDriver, "nova": NovaDriver})
    yield services
    services.stop()


@pytest.fixture
def api(services) -> Client:
    return Client(RootApp(build_router(services), VersionsApp()))


@pytest.fixture
def lazy_api(tmp_path):
    services = _services(tmp_path, {"inventory": InventoryDriver, "unreachable": UnreachableDriver})
    yield Client(RootApp(build_router(services), VersionsApp()))
    services.stop()
