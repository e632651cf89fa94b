"""Neutron QoS extension (network v2.0): ports' QoS policy bindings, QoS policies and their rules.

The original read a port field ``qos_policies`` that Neutron never returns, so its
``qos_policy_port_bindings`` table stayed empty against a real cloud. Ports carry
``qos_policy_id``; this driver binds that id (and still accepts a ``qos_policies`` list).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from congress.datasources import translator as tr
from congress.datasources.openstack import Listing, OpenStackDriver, Service


def port_policies(ports: Iterable[Mapping[str, Any]]) -> list[dict[str, Any]]:
    """Each port with ``qos_policies``: its listed policies plus its ``qos_policy_id``, if set."""
    out = []
    for port in ports:
        policies = list(port.get("qos_policies") or ())
        if port.get("qos_policy_id") and port["qos_policy_id"] not in policies:
            policies.append(port["qos_policy_id"])
        out.append({**port, "qos_policies": policies})
    return out


def _f(name: str, desc: str) -> tr.Field:
    return tr.Field(name, desc=desc)


PORTS = tr.HDict(
    table="ports",
    extract=port_policies,
    fields=(
        _f("id", "UUID of port"),
        tr.Field(
            "qos_policies",
            tr.ListOf(
                table="qos_policy_port_bindings",
                parent_key="id",
                parent_col="port_id",
                parent_key_desc="UUID of port",
                val_col="qos_policy_id",
                val_col_desc="UUID of qos policy",
            ),
        ),
    ),
)
POLICIES = tr.HDict(
    table="policies",
    fields=(
        _f("id", "The UUID for the qos policy"),
        _f("tenant_id", "Tenant ID"),
        _f("name", "The qos policy name"),
        _f("description", "qos policy description"),
        _f("shared", "The qos policy share"),
        tr.Field(
            "rules",
            tr.HDict(
                table="rules",
                parent_key="id",
                parent_col="qos_policy_id",
                parent_key_desc="uuid of qos policy",
                in_list=True,
                fields=(
                    _f("id", "The UUID for the QoS minimumbandwidth rule translator"),
                    _f("min_kbps", "min_kbps bandwidth limit rule"),
                    _f("direction", "minimum bandwidth rule direction"),
                    _f("type", "type of qos rule"),
                    _f("dscp_mark", "mark of the dscp rule"),
                    _f("max_burst_kbps", "max_burst_kps limit"),
                    _f("max_kbps", "max_kps bandwidth limit"),
                ),
            ),
        ),
    ),
)


class NeutronV2QosDriver(OpenStackDriver):
    """Read-only, as the original (not an execution driver: no actions)."""

    driver_id = "neutronv2_qos"
    description = "Datasource driver that interfaces with QoS extension of OpenStack Networking aka Neutron."
    translators = (PORTS, POLICIES)
    service = Service(("network",), version="v2.0")
    listings = {
        "ports": Listing("/ports", "ports", paging="links"),
        "policies": Listing("/qos/policies", "policies", paging="links"),
    }
