"""Tacker (NFV orchestration v1.0): VNF descriptors, VNFs and their management URLs."""

from __future__ import annotations

import json
from typing import Any

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service, openstack_options


def extract_mgmt_urls(mgmt_url: Any) -> Any:
    """Tacker sends ``mgmt_url`` as JSON text (``{"VDU1": "10.0.0.4"}``); decode it into a dict."""
    return json.loads(mgmt_url) if isinstance(mgmt_url, str) else mgmt_url


VNFDS = tr.HDict(
    table="vnfds",
    fields=tr.fields("id", "name", "description", "template_source", "tenant_id", "created_at", "updated_at"),
)
VNFS = tr.HDict(
    table="vnfs",
    fields=(
        *tr.fields(
            "id",
            "name",
            "status",
            "description",
            "vnfd_id",
            "vim_id",
            "tenant_id",
            "instance_id",
            "created_at",
            "updated_at",
            "error_reason",
        ),
        tr.Field(
            "mgmt_url",
            tr.VDict(table="vnfs.instances", parent_key="id", parent_col="vnf_id", extract=extract_mgmt_urls),
        ),
    ),
)


class TackerDriver(OpenStackDriver):
    driver_id = "tacker"
    description = "Datasource driver that interfaces with OpenStack tacker."
    config_options = openstack_options("api_version")
    translators = (VNFDS, VNFS)
    service = Service(("nfv-orchestration",), version="v1.0")
    listings = {"vnfds": Listing("/vnfds", "vnfds"), "vnfs": Listing("/vnfs", "vnfs")}
    rest_actions = {
        "delete_vnf": RestAction("DELETE", "/vnfs/{vnf}", ("vnf",), description="Delete a VNF"),
        "delete_vnfd": RestAction("DELETE", "/vnfds/{vnfd}", ("vnfd",), description="Delete a VNFD"),
    }
