"""Ironic (bare metal v1): chassis, nodes with their properties, ports, drivers and their hosts.

Every listing follows Ironic's absolute ``next`` links until the last page, as
ironicclient's ``limit=0`` did. Requests carry the API microversion 1.9 (the
client's default), under which nodes still report ``properties``.
"""

from __future__ import annotations

from typing import Any

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service

API_VERSION = "1.9"


def port_vif(extra: Any) -> Any:
    """A port's ``extra["vif_port_id"]``; ``""`` when the port has none."""
    return (extra or {}).get("vif_port_id", "")


CHASSIS = tr.HDict(
    table="chassises",
    selector="dot",
    fields=(tr.Field("uuid", col="id"), *tr.fields("created_at", "updated_at")),
)
NODES = tr.HDict(
    table="nodes",
    selector="dot",
    fields=(
        tr.Field("uuid", col="id", desc=""),
        tr.Field("chassis_uuid", col="owner_chassis", desc=""),
        tr.Field("power_state", desc=""),
        tr.Field("maintenance", desc=""),
        tr.Field("driver"),
        tr.Field("instance_uuid", col="running_instance"),
        *tr.fields("created_at", "provision_updated_at", "updated_at"),
        tr.Field(
            "properties",
            tr.HDict(
                table="node_properties",
                parent_key="id",
                parent_col="properties",
                fields=tr.fields("memory_mb", "cpu_arch", "local_gb", "cpus"),
            ),
        ),
    ),
)
PORTS = tr.HDict(
    table="ports",
    selector="dot",
    fields=(
        tr.Field("uuid", col="id"),
        tr.Field("node_uuid", col="owner_node"),
        tr.Field("address", col="mac_address"),
        tr.Field("extra", tr.Scalar(extract=port_vif), col="vif_port_id"),
        *tr.fields("created_at", "updated_at"),
    ),
)
DRIVERS = tr.HDict(
    table="drivers",
    selector="dot",
    fields=(
        tr.Field("name"),
        tr.Field(
            "hosts", tr.ListOf(table="active_hosts", parent_key="name", parent_col="name", val_col="hosts")
        ),
    ),
)


class IronicDriver(OpenStackDriver):
    driver_id = "ironic"
    description = "Datasource driver that interfaces with OpenStack bare metal aka ironic."
    translators = (CHASSIS, NODES, PORTS, DRIVERS)
    service = Service(("baremetal",), version="v1")
    listings = {
        "chassises": Listing("/chassis/detail", "chassis"),
        "nodes": Listing("/nodes/detail", "nodes"),
        "ports": Listing("/ports/detail", "ports"),
        "drivers": Listing("/drivers", "drivers"),
    }
    rest_actions = {
        "node.set_maintenance": RestAction(
            "PUT",
            "/nodes/{node_id}/maintenance",
            ("node_id", "reason"),
            lambda a: {"reason": a["reason"]},
            "Put a node in maintenance mode",
        ),
        "node.set_power_state": RestAction(
            "PUT",
            "/nodes/{node_id}/states/power",
            ("node_id", "state"),
            lambda a: {"target": a["state"]},
            "Set a node's power state (power on, power off, rebooting)",
        ),
        "node.delete": RestAction("DELETE", "/nodes/{node_id}", ("node_id",), description="Delete a node"),
        "port.delete": RestAction("DELETE", "/ports/{port_id}", ("port_id",), description="Delete a port"),
        "chassis.delete": RestAction(
            "DELETE", "/chassis/{chassis_id}", ("chassis_id",), description="Delete a chassis"
        ),
    }

    def request_headers(self) -> dict[str, str]:
        return {"X-OpenStack-Ironic-API-Version": API_VERSION}

    def fetch(self, root_table: str) -> list[Any]:
        listing = self.listings[root_table]
        objects: list[Any] = []
        url: str | None = listing.path
        while url:
            body = self.client.get(url)
            objects.extend(body[listing.key])
            url = body.get("next")
        return objects
