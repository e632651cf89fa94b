"""An HTTP fake of an OpenStack cloud: Keystone v3 auth + catalog, and recorded service responses.

``FakeOpenStack`` runs a threaded ``http.server`` on 127.0.0.1. ``POST /v3/auth/tokens``
checks the password and returns a token whose catalog points every service type
back at this server (see ``CATALOG``); every other request must carry that token
and is answered from recorded responses, matched by method, path and query.
Tests change a response with ``respond(...)`` and read ``requests`` to see what
the driver sent. Bodies may contain ``$BASE``, replaced by the server's URL.

A recorded case, tests/data/drivers/<driver>.json, is
``{"driver", "source", "note", "config": {extra driver config}, "responses": [{"method", "path",
"query"?: {name: value}, "status", "body"}], "expected_tables": {table: [[cell, ...], ...]},
"expected_facts": {...}}``; paths are full paths on this server (service prefix from ``CATALOG``
included) and a recorded ``query`` must equal the request's query exactly.
"""

from __future__ import annotations

import json
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DATA = Path(__file__).resolve().parent.parent / "data" / "drivers"

PROJECT_ID = "0123456789abcdef0123456789abcdef"
USER = "admin"
PASSWORD = "secret"
TOKEN = "fake-token-0001"

# service type -> endpoint path on this server
CATALOG = {
    "identity": "/v3",
    "compute": "/compute/v2.1",
    "network": "/network",
    "image": "/image",
    "volumev2": f"/volume/v2/{PROJECT_ID}",
    "volumev3": f"/volume/v3/{PROJECT_ID}",
    "object-store": f"/swift/v1/AUTH_{PROJECT_ID}",
    "orchestration": f"/heat/v1/{PROJECT_ID}",
    "alarming": "/aodh",
    "baremetal": "/baremetal",
    "workflowv2": "/mistral/v2",
    "monitoring": "/monasca/v2.0",
    "application-catalog": "/murano",
    "nfv-orchestration": "/tacker",
    "metering": "/ceilometer",
    "event": "/panko",
}


@dataclass
class Recorded:
    status: int
    body: Any


@dataclass
class SeenRequest:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: Any


@dataclass
class FakeOpenStack:
    """Start with ``with FakeOpenStack.for_driver("nova") as cloud: ...`` (or start()/stop())."""

    routes: dict[tuple[str, str, tuple], Recorded] = field(default_factory=dict)
    requests: list[SeenRequest] = field(default_factory=list)

    def __post_init__(self) -> None:
        self._lock = threading.Lock()
        self._server: ThreadingHTTPServer | None = None

    @classmethod
    def for_driver(cls, driver: str) -> FakeOpenStack:
        fake = cls()
        for r in recorded_case(driver)["responses"]:
            fake.respond(r["method"], r["path"], r["body"], status=r.get("status", 200), query=r.get("query"))
        return fake

    # ----- recording ---------------------------------------------------------------------------
    def respond(
        self, method: str, path: str, body: Any, *, status: int = 200, query: dict[str, str] | None = None
    ) -> None:
        with self._lock:
            self.routes[(method, path, tuple(sorted((query or {}).items())))] = Recorded(status, body)

    def requests_to(self, path: str) -> list[SeenRequest]:
        with self._lock:
            return [r for r in self.requests if r.path == path]

    # ----- server ------------------------------------------------------------------------------
    @property
    def url(self) -> str:
        assert self._server is not None, "not started"
        host, port = self._server.server_address[:2]
        return f"http://{host}:{port}"

    @property
    def auth_url(self) -> str:
        return self.url + "/v3"

    def config(self, **extra: Any) -> dict[str, Any]:
        """A driver config that authenticates against this fake (polling off unless given)."""
        return {
            "auth_url": self.auth_url,
            "username": USER,
            "password": PASSWORD,
            "project_name": "admin",
            "poll_time": 0,
            **extra,
        }

    def start(self) -> FakeOpenStack:
        handler = type("Handler", (_Handler,), {"fake": self})
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self._server.daemon_threads = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> FakeOpenStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ----- answers -----------------------------------------------------------------------------
    def answer(self, seen: SeenRequest) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(seen)
        if seen.path in ("/v3", "/v3/") and seen.method == "GET":
            return 200, {}, self._version_document()
        if seen.path == "/v3/auth/tokens" and seen.method == "POST":
            return self._issue_token(seen.body)
        if seen.headers.get("x-auth-token") != TOKEN:
            return (
                401,
                {},
                {"error": {"code": 401, "message": "The request you have made requires authentication."}},
            )
        with self._lock:
            recorded = self.routes.get((seen.method, seen.path, tuple(sorted(seen.query.items()))))
        if recorded is None:
            return (
                404,
                {},
                {"error": {"code": 404, "message": f"no recorded response for {seen.method} {seen.path}"}},
            )
        return recorded.status, {}, recorded.body

    def _version_document(self) -> dict[str, Any]:
        return {
            "version": {
                "id": "v3.14",
                "status": "stable",
                "updated": "2020-04-07T00:00:00Z",
                "links": [{"rel": "self", "href": self.url + "/v3/"}],
                "media-types": [
                    {"base": "application/json", "type": "application/vnd.openstack.identity-v3+json"}
                ],
            }
        }

    def _issue_token(self, body: Any) -> tuple[int, dict[str, str], Any]:
        try:
            user = body["auth"]["identity"]["password"]["user"]
            ok = user["name"] == USER and user["password"] == PASSWORD
        except (KeyError, TypeError):
            ok = False
        if not ok:
            return (
                401,
                {},
                {"error": {"code": 401, "message": "The request you have made requires authentication."}},
            )
        catalog = [
            {
                "type": service_type,
                "name": service_type,
                "id": f"svc-{service_type}",
                "endpoints": [
                    {
                        "id": f"ep-{service_type}",
                        "interface": "public",
                        "region": "RegionOne",
                        "region_id": "RegionOne",
                        "url": self.url + path,
                    }
                ],
            }
            for service_type, path in CATALOG.items()
        ]
        token = {
            "token": {
                "methods": ["password"],
                "expires_at": "2099-01-01T00:00:00.000000Z",
                "issued_at": "2020-01-01T00:00:00.000000Z",
                "user": {"id": "u-admin", "name": USER, "domain": {"id": "default", "name": "Default"}},
                "project": {
                    "id": PROJECT_ID,
                    "name": "admin",
                    "domain": {"id": "default", "name": "Default"},
                },
                "roles": [{"id": "r-admin", "name": "admin"}],
                "catalog": catalog,
            }
        }
        return 201, {"X-Subject-Token": TOKEN}, token


class _Handler(BaseHTTPRequestHandler):
    fake: FakeOpenStack
    protocol_version = "HTTP/1.1"

    def _handle(self) -> None:
        parts = urlsplit(self.path)
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length else b""
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            body = raw.decode("utf-8", "replace")
        seen = SeenRequest(
            self.command,
            parts.path,
            dict(parse_qsl(parts.query, keep_blank_values=True)),
            {k.lower(): v for k, v in self.headers.items()},
            body,
        )
        status, headers, answer = self.fake.answer(seen)
        payload = b"" if answer is None else json.dumps(answer).replace("$BASE", self.fake.url).encode()
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        if payload:
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _handle

    def log_message(self, format: str, *args: Any) -> None:  # keep test output quiet
        pass


def recorded_case(driver: str) -> dict[str, Any]:
    """The recorded responses and expected tables of one driver (tests/data/drivers/<driver>.json)."""
    return json.loads((DATA / f"{driver}.json").read_text())
