"""Keystone v3 (identity): users, roles, projects, domains."""

from __future__ import annotations

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service


def _patch(kind: str):
    return lambda args: {kind: {k: v for k, v in args.items() if k != kind}}


USERS = tr.HDict(
    table="users",
    selector="dot",
    fields=(
        tr.Field("id", desc="The ID for the user."),
        tr.Field("name", desc="username, unique within domain"),
        tr.Field("enabled", desc="user is enabled or not"),
        tr.Field("default_project_id", desc="ID of the default project for the user"),
        tr.Field("domain_id", desc="The ID of the domain for the user."),
    ),
)
ROLES = tr.HDict(
    table="roles",
    selector="dot",
    fields=(tr.Field("id", desc="role ID"), tr.Field("name", desc="role name")),
)
PROJECTS = tr.HDict(
    table="projects",
    selector="dot",
    fields=(
        tr.Field("enabled", desc="project is enabled or not"),
        tr.Field("description", desc="project description"),
        tr.Field("name", desc="project name"),
        tr.Field("domain_id", desc="The ID of the domain for the project"),
        tr.Field("id", desc="ID for the project"),
    ),
)
DOMAINS = tr.HDict(
    table="domains",
    selector="dot",
    fields=(
        tr.Field("enabled", desc="domain is enabled or disabled"),
        tr.Field("description", desc="domain description"),
        tr.Field("name", desc="domain name"),
        tr.Field("id", desc="domain ID"),
    ),
)


class KeystoneV3Driver(OpenStackDriver):
    driver_id = "keystonev3"
    description = "Datasource driver that interfaces with keystone."
    translators = (USERS, ROLES, PROJECTS, DOMAINS)
    service = Service(("identity",), version="v3")
    listings = {
        "users": Listing("/users", "users"),
        "roles": Listing("/roles", "roles"),
        "projects": Listing("/projects", "projects"),
        "domains": Listing("/domains", "domains"),
    }
    rest_actions = {
        "users.delete": RestAction("DELETE", "/users/{user}", ("user",), description="Delete a user"),
        "users.update": RestAction(
            "PATCH", "/users/{user}", ("user",), _patch("user"), "Update a user's attributes (named args)"
        ),
        "projects.delete": RestAction(
            "DELETE", "/projects/{project}", ("project",), description="Delete a project"
        ),
        "projects.update": RestAction(
            "PATCH", "/projects/{project}", ("project",), _patch("project"), "Update a project's attributes"
        ),
        "roles.delete": RestAction("DELETE", "/roles/{role}", ("role",), description="Delete a role"),
    }
