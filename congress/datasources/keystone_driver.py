"""Keystone with the v2.0 tables (users, roles, tenants), filled from the Identity v3 API.

Keystone removed the v2.0 API (Queens), so the original's ``keystoneclient.v2_0``
calls cannot work any more. This driver keeps the v2 driver's id, class path and
schema for existing policies, and maps v3 objects onto the v2 columns:
``username`` and ``name`` <- v3 ``name``; ``tenantId`` <- ``default_project_id``;
``tenants`` <- ``/v3/projects``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service


def v2_users(users: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """v3 users with the v2 attribute names added."""
    return [
        {**u, "username": u.get("name"), "tenantId": u.get("default_project_id", u.get("tenantId"))}
        for u in users
    ]


USERS = tr.HDict(
    table="users",
    selector="dot",
    extract=v2_users,
    fields=tr.fields("username", "name", "enabled", "tenantId", "id", "email"),
)
ROLES = tr.HDict(table="roles", selector="dot", fields=tr.fields("id", "name"))
TENANTS = tr.HDict(table="tenants", selector="dot", fields=tr.fields("enabled", "description", "name", "id"))


class KeystoneDriver(OpenStackDriver):
    driver_id = "keystone"
    description = "Datasource driver that interfaces with keystone."
    translators = (USERS, ROLES, TENANTS)
    service = Service(("identity",), version="v3")
    listings = {
        "users": Listing("/users", "users"),
        "roles": Listing("/roles", "roles"),
        "tenants": Listing("/projects", "projects"),
    }
    rest_actions = {
        "users.delete": RestAction("DELETE", "/users/{user}", ("user",), description="Delete a user"),
        "tenants.delete": RestAction(
            "DELETE", "/projects/{tenant}", ("tenant",), description="Delete a tenant (v3 project)"
        ),
        "roles.delete": RestAction("DELETE", "/roles/{role}", ("role",), description="Delete a role"),
    }
