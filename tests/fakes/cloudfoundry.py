"""An HTTP fake of a Cloud Foundry v2 API with its UAA login, replaying recorded responses.

``GET /v2/info`` names ``<server>/uaa`` as token endpoint; ``POST /uaa/oauth/token``
takes the CF CLI's password grant (client ``cf``, empty secret, form-encoded) and
returns a bearer token; every other call must carry it. ``revoke()`` invalidates
the current token (the next call gets 401, as after expiry).
"""

from __future__ import annotations

import base64
from typing import Any
from urllib.parse import parse_qsl

from tests.fakes.openstack import PASSWORD, USER, FakeOpenStack, SeenRequest

CF_BASIC = "Basic " + base64.b64encode(b"cf:").decode()


class FakeCloudFoundry(FakeOpenStack):
    issued = 0

    def config(self, **extra: Any) -> dict[str, Any]:
        return {"auth_url": self.url, "username": USER, "password": PASSWORD, "poll_time": 0, **extra}

    def revoke(self) -> None:
        self.issued += 1

    @property
    def token(self) -> str:
        return f"cf-token-{self.issued}"

    def answer(self, seen: SeenRequest) -> tuple[int, dict[str, str], Any]:
        with self._lock:
            self.requests.append(seen)
        if seen.method == "GET" and seen.path == "/v2/info":
            return (
                200,
                {},
                {
                    "name": "",
                    "api_version": "2.141.0",
                    "token_endpoint": self.url + "/uaa",
                    "authorization_endpoint": self.url + "/login",
                },
            )
        if seen.method == "POST" and seen.path == "/uaa/oauth/token":
            form = dict(parse_qsl(seen.body)) if isinstance(seen.body, str) else {}
            ok = seen.headers.get("authorization") == CF_BASIC and form == {
                "grant_type": "password",
                "username": USER,
                "password": PASSWORD,
            }
            if not ok:
                return 401, {}, {"error": "unauthorized", "error_description": "Bad credentials"}
            return 200, {}, {"access_token": self.token, "token_type": "bearer", "expires_in": 599}
        if seen.headers.get("authorization", "").lower() != f"bearer {self.token}":
            return (
                401,
                {},
                {"code": 1000, "description": "Invalid Auth Token", "error_code": "CF-InvalidAuthToken"},
            )
        with self._lock:
            recorded = self.routes.get((seen.method, seen.path, tuple(sorted(seen.query.items()))))
        if recorded is None:
            return 404, {}, {"code": 10000, "description": "Unknown request", "error_code": "CF-NotFound"}
        return recorded.status, {}, recorded.body
