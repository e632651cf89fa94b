"""A thin client of the real congress-server's /v1 API for the live tests.

Only what those tests need: data sources with their status and rows, policies (also from the library)
and rules, policy rows and the action-executions log. Every call asserts the HTTP status, so a server
error shows up as the failing request rather than as a confusing value later.
"""

from __future__ import annotations

import time
from typing import Any

import requests

TIMEOUT_S = 30


SYSTEM_POLICIES = ("classification", "action")


class CongressApi:
    def __init__(self, url: str) -> None:
        self.v1 = url + "/v1"

    def _call(self, method: str, path: str, expect: int, **kw: Any) -> Any:
        response = requests.request(method, self.v1 + path, timeout=TIMEOUT_S, **kw)
        assert response.status_code == expect, f"{method} {path}: {response.status_code} {response.text}"
        return response.json() if response.content else None

    # -- data sources ---------------------------------------------------------
    def create_datasource(self, name: str, driver: str, config: dict[str, Any]) -> dict[str, Any]:
        body = {"name": name, "driver": driver, "config": config}
        return self._call("POST", "/data-sources", 201, json=body)

    def datasources(self) -> dict[str, dict[str, Any]]:
        return {d["name"]: d for d in self._call("GET", "/data-sources", 200)["results"]}

    def delete_datasource(self, name: str) -> None:
        self._call("DELETE", f"/data-sources/{name}", 200)

    def status(self, datasource: str) -> dict[str, Any]:
        return self._call("GET", f"/data-sources/{datasource}/status", 200)

    def wait_initialized(self, datasource: str, timeout: float = 60) -> dict[str, Any]:
        """Poll the status until the first poll succeeded; a recorded poll error fails at once."""
        deadline = time.monotonic() + timeout
        while True:
            status = self.status(datasource)
            if status["initialized"] == "True":
                return status
            assert status["last_error"] == "None", f"{datasource} failed its first poll: {status}"
            assert time.monotonic() < deadline, f"{datasource} not initialized after {timeout} s: {status}"
            time.sleep(0.2)

    def refresh(self, datasource: str) -> None:
        self._call("POST", f"/data-sources/{datasource}?action=request-refresh", 200)

    def execute(self, datasource: str, action: str, positional: list[Any]) -> None:
        body = {"name": action, "args": {"positional": positional}}
        assert self._call("POST", f"/data-sources/{datasource}?action=execute", 200, json=body) == {}

    def rows(self, datasource: str, table: str) -> list[list[Any]]:
        body = self._call("GET", f"/data-sources/{datasource}/tables/{table}/rows", 200)
        return [r["data"] for r in body["results"]]

    # -- policies -------------------------------------------------------------
    def create_policy(self, name: str) -> None:
        self._call("POST", "/policies", 201, json={"name": name})

    def create_policy_from_library(self, library_name: str) -> dict[str, Any]:
        """A live copy of the library policy called ``library_name``."""
        (library,) = self._call("GET", "/librarypolicies", 200, params={"name": library_name})["results"]
        return self._call("POST", "/policies", 201, params={"library_policy": library["id"]}, json={})

    def delete_policy(self, name: str) -> None:
        self._call("DELETE", f"/policies/{name}", 200)

    def clear_policies(self) -> None:
        """Delete every policy but the system ones, and every rule of those (rules keep datasources alive)."""
        for policy in self._call("GET", "/policies", 200)["results"]:
            if policy["name"] not in SYSTEM_POLICIES:
                self.delete_policy(policy["name"])
                continue
            for rule in self._call("GET", f"/policies/{policy['name']}/rules", 200)["results"]:
                self._call("DELETE", f"/policies/{policy['name']}/rules/{rule['id']}", 200)

    def add_rule(self, policy: str, rule: str) -> str:
        return self._call("POST", f"/policies/{policy}/rules", 201, json={"rule": rule})["id"]

    def policy_rows(self, policy: str, table: str) -> list[list[Any]]:
        body = self._call("GET", f"/policies/{policy}/tables/{table}/rows", 200)
        return sorted(r["data"] for r in body["results"])

    def execute_in_policy(self, policy: str, action: str, positional: list[Any]) -> None:
        """``POST /v1/policies/{policy}?action=execute``: ``action`` is ``datasource:action``."""
        body = {"name": action, "args": {"positional": positional}}
        assert self._call("POST", f"/policies/{policy}?action=execute", 200, json=body) == {}

    def executions(self, since: int = 0) -> list[dict[str, Any]]:
        return self._call("GET", "/action-executions", 200, params={"since": since})["results"]
