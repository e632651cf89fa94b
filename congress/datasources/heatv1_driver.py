"""Heat v1 (orchestration): stacks, their resources and events, software deployments."""

from __future__ import annotations

from typing import Any
from urllib.parse import quote

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service, fetch_listing


def links(table: str, parent_key: str) -> tr.Field:
    """A ``links`` list of {href, rel} linked by the default ``parent_key`` column."""
    return tr.Field(
        "links", tr.HDict(table=table, parent_key=parent_key, in_list=True, fields=tr.fields("href", "rel"))
    )


STACKS = tr.HDict(
    table="stacks",
    selector="dot",
    fields=(
        *tr.fields(
            "id",
            "stack_name",
            "description",
            "creation_time",
            "updated_time",
            "stack_status",
            "stack_status_reason",
            "stack_owner",
            "parent",
        ),
        links("stacks_links", "id"),
    ),
)
DEPLOYMENTS = tr.HDict(
    table="deployments",
    selector="dot",
    fields=(
        *tr.fields("status", "server_id", "config_id", "action", "status_reason", "id"),
        tr.Field(
            "output_values",
            tr.HDict(
                table="deployment_output_values",
                parent_key="id",
                fields=tr.fields("deploy_stdout", "deploy_stderr", "deploy_status_code", "result"),
            ),
        ),
    ),
)
RESOURCES = tr.HDict(
    table="resources",
    fields=(
        *tr.fields(
            "physical_resource_id",
            "logical_resource_id",
            "stack_id",
            "resource_name",
            "resource_type",
            "creation_time",
            "updated_time",
            "resource_status",
            "resource_status_reason",
        ),
        links("resources_links", "physical_resource_id"),
    ),
)
EVENTS = tr.HDict(
    table="events",
    fields=(
        *tr.fields(
            "id",
            "physical_resource_id",
            "logical_resource_id",
            "stack_id",
            "resource_name",
            "event_time",
            "resource_status",
            "resource_status_reason",
        ),
        links("events_links", "id"),
    ),
)

STACK_LIST = Listing("/stacks", "stacks")


class HeatV1Driver(OpenStackDriver):
    driver_id = "heat"
    description = "Datasource driver that interfaces with OpenStack orchestration aka heat."
    translators = (STACKS, DEPLOYMENTS, RESOURCES, EVENTS)
    service = Service(("orchestration",))
    listings = {
        "stacks": STACK_LIST,
        "deployments": Listing("/software_deployments", "software_deployments"),
    }
    rest_actions = {
        "stacks.delete": RestAction(
            "DELETE", "/stacks/{stack_id}", ("stack_id",), description="Delete a stack"
        ),
        "stacks.abandon": RestAction(
            "DELETE", "/stacks/{stack_id}/abandon", ("stack_id",), description="Abandon a stack"
        ),
        "software_deployments.delete": RestAction(
            "DELETE",
            "/software_deployments/{deployment_id}",
            ("deployment_id",),
            description="Delete a deployment",
        ),
    }

    def fetch(self, root_table: str) -> list[Any]:
        if root_table not in ("resources", "events"):
            return super().fetch(root_table)
        found = []
        for stack in fetch_listing(self.client, STACK_LIST):
            path = f"/stacks/{quote(stack['stack_name'], safe='')}/{stack['id']}/{root_table}"
            for item in fetch_listing(self.client, Listing(path, root_table)):
                found.append({**item, "stack_id": stack["id"]})
        return found
