"""Cloud Foundry (v2 API): organizations, spaces with their apps and service bindings, services.

Not an OpenStack service: ``auth_url`` is the CF API base URL. The driver logs in
as the CF CLI does: ``GET {auth_url}/v2/info`` names the UAA ``token_endpoint``,
then ``POST {token_endpoint}/oauth/token`` (password grant, client ``cf`` with an
empty secret) gives a bearer token, renewed once when a call answers 401.
CF v2 resources (``{"metadata": {...}, "entity": {...}}``) are flattened into one
dict; every page (``next_url``) is read, where the original read only the first.
As in the original, ``services.last_operation`` is left empty (None) and there
are no actions.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import requests

from congress.datasources import translator as tr
from congress.datasources.base import OPTIONAL, REQUIRED, PollingDriver
from congress.dse.bus import Bus

CF_CLIENT_AUTH = ("cf", "")  # the public client id the CF CLI uses


class CloudFoundryError(Exception):
    """A Cloud Foundry call failed (login refused, HTTP error, unexpected body)."""


def flatten(resource: Mapping[str, Any]) -> dict[str, Any]:
    return {**resource.get("metadata", {}), **resource.get("entity", {})}


class CloudFoundryClient:
    """The few CF v2 calls the driver makes, over ``requests`` with a UAA bearer token."""

    def __init__(self, api_url: str, username: str, password: str, timeout: float = 60.0) -> None:
        self.api_url = api_url.rstrip("/")
        self.username = username
        self.password = password
        self.timeout = timeout
        self.http = requests.Session()
        self._token: str | None = None

    def login(self) -> None:
        info = self._checked(self.http.get(f"{self.api_url}/v2/info", timeout=self.timeout)).json()
        response = self.http.post(
            info["token_endpoint"].rstrip("/") + "/oauth/token",
            data={"grant_type": "password", "username": self.username, "password": self.password},
            auth=CF_CLIENT_AUTH,
            headers={"Accept": "application/json"},
            timeout=self.timeout,
        )
        self._token = self._checked(response).json()["access_token"]

    def get(self, path: str) -> Any:
        if self._token is None:
            self.login()
        response = self._get(path)
        if response.status_code == 401:
            self.login()
            response = self._get(path)
        return self._checked(response).json()

    def _get(self, path: str) -> requests.Response:
        return self.http.get(
            self.api_url + path, headers={"Authorization": f"bearer {self._token}"}, timeout=self.timeout
        )

    @staticmethod
    def _checked(response: requests.Response) -> requests.Response:
        if response.status_code >= 400:
            raise CloudFoundryError(f"{response.request.method} {response.url}: HTTP {response.status_code}")
        return response

    def resources(self, path: str) -> list[dict[str, Any]]:
        """Every resource of a paged v2 listing, flattened."""
        found: list[dict[str, Any]] = []
        next_path: str | None = path
        while next_path:
            body = self.get(next_path)
            found.extend(flatten(r) for r in body["resources"])
            next_path = body.get("next_url")
        return found


ORGANIZATIONS = tr.HDict(table="organizations", fields=tr.fields("guid", "name", "created_at", "updated_at"))
APP_FIELDS = (
    "guid", "buildpack", "command", "console", "debug", "detected_buildpack", "detected_start_command",
    "disk_quota", "docker_image", "environment_json", "health_check_timeout", "instances", "memory", "name",
    "package_state", "package_updated_at", "production", "staging_failed_reason", "staging_task_id", "state",
    "version", "created_at", "updated_at",
)  # fmt: skip
SPACES = tr.HDict(
    table="spaces",
    fields=(
        *tr.fields("guid", "name", "created_at", "updated_at"),
        tr.Field(
            "apps",
            tr.HDict(
                table="apps",
                parent_key="guid",
                parent_col="space_guid",
                in_list=True,
                fields=(
                    *tr.fields(*APP_FIELDS),
                    tr.Field(
                        "service_bindings",
                        tr.ListOf(
                            table="service_bindings",
                            parent_key="guid",
                            parent_col="app_guid",
                            val_col="service_instance_guid",
                        ),
                    ),
                ),
            ),
        ),
    ),
)
SERVICES = tr.HDict(
    table="services",
    fields=tr.fields("guid", "space_guid", "name", "bound_app_count", "last_operation", "service_plan_name"),
)


class CloudFoundryV2Driver(PollingDriver):
    driver_id = "cloudfoundryv2"
    description = "Datasource driver that interfaces with cloudfoundry"
    config_options = {"username": REQUIRED, "password": REQUIRED, "poll_time": OPTIONAL, "auth_url": REQUIRED}
    secret = ("password",)
    translators = (ORGANIZATIONS, SPACES, SERVICES)

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        self.cf = CloudFoundryClient(
            self.config["auth_url"], self.config["username"], self.config["password"]
        )

    def _spaces(self) -> list[dict[str, Any]]:
        return [
            space
            for org in self.cf.resources("/v2/organizations")
            for space in self.cf.resources(f"/v2/organizations/{org['guid']}/spaces")
        ]

    def fetch(self, root_table: str) -> list[Any]:
        if root_table == "organizations":
            return self.cf.resources("/v2/organizations")
        spaces = self._spaces()
        if root_table == "spaces":
            for space in spaces:
                space["apps"] = self.cf.resources(f"/v2/spaces/{space['guid']}/apps")
                for app in space["apps"]:
                    bindings = self.cf.resources(f"/v2/apps/{app['guid']}/service_bindings")
                    app["service_bindings"] = [b["service_instance_guid"] for b in bindings]
            return spaces
        services = []
        for space in spaces:
            for service in self.cf.get(f"/v2/spaces/{space['guid']}/summary").get("services", ()):
                services.append(
                    {
                        "guid": service.get("guid"),
                        "space_guid": space["guid"],
                        "name": service.get("name"),
                        "bound_app_count": service.get("bound_app_count"),
                        "service_plan_name": (service.get("service_plan") or {}).get("name"),
                    }
                )
        return services
