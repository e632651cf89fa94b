"""Cinder (block storage v2, else v3): volumes with attachments, snapshots, services."""

from __future__ import annotations

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service

ALL_TENANTS = {"all_tenants": 1}

VOLUMES = tr.HDict(
    table="volumes",
    selector="dot",
    fields=tr.fields(
        "id",
        "size",
        "user_id",
        "status",
        "description",
        "name",
        "bootable",
        "created_at",
        "volume_type",
        "encrypted",
        "availability_zone",
        "replication_status",
        "multiattach",
        "snapshot_id",
        "source_volid",
        "consistencygroup_id",
        "migration_status",
        tr.Field(
            "attachments",
            tr.HDict(
                table="attachments",
                parent_key="id",
                parent_col="volume_id",
                parent_key_desc="UUID of volume",
                in_list=True,
                fields=tr.fields("server_id", "attachment_id", "host_name", "device"),
            ),
        ),
    ),
)
SNAPSHOTS = tr.HDict(
    table="snapshots",
    selector="dot",
    fields=tr.fields("id", "size", "status", "volume_id", "name", "created_at"),
)
SERVICES = tr.HDict(
    table="services",
    selector="dot",
    fields=tr.fields("status", "binary", "zone", "state", "updated_at", "host", "disabled_reason"),
)


class CinderDriver(OpenStackDriver):
    driver_id = "cinder"
    description = "Datasource driver that interfaces with OpenStack cinder."
    translators = (VOLUMES, SNAPSHOTS, SERVICES)
    service = Service(("volumev2", "volumev3", "block-storage"))
    listings = {
        "volumes": Listing("/volumes/detail", "volumes", ALL_TENANTS, paging="links"),
        "snapshots": Listing("/snapshots/detail", "snapshots", ALL_TENANTS, paging="links"),
        "services": Listing("/os-services", "services"),
    }
    rest_actions = {
        "volumes.delete": RestAction(
            "DELETE", "/volumes/{volume}", ("volume",), description="Delete a volume"
        ),
        "volumes.force_delete": RestAction(
            "POST", "/volumes/{volume}/action", ("volume",), lambda a: {"os-force_delete": {}}, "Force-delete"
        ),
        "volumes.reset_state": RestAction(
            "POST",
            "/volumes/{volume}/action",
            ("volume", "state"),
            lambda a: {"os-reset_status": {"status": a["state"]}},
            "Reset a volume's state",
        ),
        "volume_snapshots.delete": RestAction(
            "DELETE", "/snapshots/{snapshot}", ("snapshot",), description="Delete a snapshot"
        ),
    }
