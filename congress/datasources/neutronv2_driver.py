"""Neutron (network v2.0): networks, ports, subnets, routers, security groups, floating IPs."""

from __future__ import annotations

import json
from typing import Any

import yaml

from congress.datalog.ast import Value
from congress.datasources import translator as tr
from congress.datasources.base import ActionError, driver_action
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service
from congress.datasources.values import Bool, EnumType, Int, IPAddress, IPNetwork, Str

NeutronStatus = EnumType("NeutronStatus", ("ACTIVE", "DOWN", "BUILD", "ERROR"), "OTHER")
FloatingIPStatus = EnumType("FloatingIPStatus", ("ACTIVE", "DOWN", "ERROR"), "OTHER")
IngressEgress = EnumType("IngressEgress", ("ingress", "egress"))
IPv4IPv6 = EnumType("IPv4IPv6", (4, 6))


def f(name: str, desc: str, data_type=Str) -> tr.Field:
    return tr.Field(name, tr.Scalar(type=data_type), desc=desc)


def child(
    name: str, table: str, parent_col: str, desc: str, *fields: tr.Field, parent_key: str = "id"
) -> tr.Field:
    """An in-list child table linked to the parent's ``parent_key`` column."""
    return tr.Field(
        name,
        tr.HDict(
            table=table,
            parent_key=parent_key,
            parent_col=parent_col,
            parent_key_desc=desc,
            in_list=True,
            fields=fields,
        ),
    )


def values(name: str, table: str, parent_col: str, desc: str, val_col: str, val_desc: str) -> tr.Field:
    return tr.Field(
        name,
        tr.ListOf(
            table=table,
            parent_key="id",
            parent_col=parent_col,
            parent_key_desc=desc,
            val_col=val_col,
            val_col_desc=val_desc,
        ),
    )


NETWORKS = tr.HDict(
    table="networks",
    fields=(
        f("id", "Network ID"),
        f("tenant_id", "Tenant ID"),
        f("name", "Network name"),
        f("status", "Network status", NeutronStatus),
        f("admin_state_up", "Administrative state of the network (true/false)", Bool),
        f("shared", "Indicates if network is shared across all tenants", Bool),
    ),
)
PORTS = tr.HDict(
    table="ports",
    fields=(
        f("id", "UUID of port"),
        f("tenant_id", "tenant ID"),
        f("name", "port name"),
        f("network_id", "UUID of attached network"),
        f("mac_address", "MAC address of the port"),
        f("admin_state_up", "Administrative state of the port", Bool),
        f("status", "Port status", NeutronStatus),
        f("device_id", "The ID of the device that uses this port"),
        f("device_owner", "The entity type that uses this port.E.g., compute:nova, network:router_interface"),
        child(
            "fixed_ips",
            "fixed_ips",
            "port_id",
            "UUID of Port",
            f("ip_address", "The IP addresses for the port", IPAddress),
            f("subnet_id", "The UUID of the subnet to which the port is attached"),
        ),
        values(
            "security_groups",
            "security_group_port_bindings",
            "port_id",
            "UUID of port",
            "security_group_id",
            "UUID of security group",
        ),
    ),
)
SUBNETS = tr.HDict(
    table="subnets",
    fields=(
        f("id", "UUID of subnet"),
        f("tenant_id", "tenant ID"),
        f("name", "subnet name"),
        f("network_id", "UUID of attached network"),
        f("ip_version", "The IP version, which is 4 or 6", IPv4IPv6),
        f("cidr", "The CIDR", IPNetwork),
        f("gateway_ip", "The gateway IP address", IPAddress),
        f("enable_dhcp", "Is DHCP is enabled or not", Bool),
        f("ipv6_ra_mode", "The IPv6 RA mode"),
        f("ipv6_address_mode", "The IPv6 address mode"),
        child(
            "allocation_pools",
            "allocation_pools",
            "subnet_id",
            "UUID of subnet",
            f("start", "The start address for the allocation pools"),
            f("end", "The end address for the allocation pools"),
        ),
        values(
            "dns_nameservers",
            "dns_nameservers",
            "subnet_id",
            "UUID of subnet",
            "dns_nameserver",
            "The DNS server",
        ),
        child(
            "host_routes",
            "host_routes",
            "subnet_id",
            "UUID of subnet",
            f("destination", "The destination for static route"),
            f("nexthop", "The next hop for the destination"),
        ),
    ),
)
ROUTERS = tr.HDict(
    table="routers",
    fields=(
        f("id", "uuid of the router"),
        f("tenant_id", "tenant ID"),
        f("status", "router status", NeutronStatus),
        f("admin_state_up", "administrative state of router", Bool),
        f("name", "router name"),
        f("distributed", "indicates if it's distributed router ", Bool),
        tr.Field(
            "external_gateway_info",
            tr.HDict(
                table="external_gateway_infos",
                parent_key="id",
                parent_col="router_id",
                parent_key_desc="UUID of router",
                fields=(
                    f("network_id", "Network ID"),
                    f("enable_snat", "current Source NAT status for router", Bool),
                    child(
                        "external_fixed_ips",
                        "external_fixed_ips",
                        "router_id",
                        "UUID of router",
                        f("subnet_id", "UUID of the subnet"),
                        f("ip_address", "IP Address", IPAddress),
                        parent_key="router_id",
                    ),
                ),
            ),
        ),
    ),
)
SECURITY_GROUPS = tr.HDict(
    table="security_groups",
    fields=(
        f("id", "The UUID for the security group"),
        f("tenant_id", "Tenant ID"),
        f("name", "The security group name"),
        f("description", "security group description"),
        child(
            "security_group_rules",
            "security_group_rules",
            "security_group_id",
            "uuid of security group",
            f("id", "The UUID of the security group rule"),
            f("tenant_id", "tenant ID"),
            f("remote_group_id", "remote group id to associate with security group rule"),
            f("direction", "Direction in which the security group rule is applied", IngressEgress),
            f("ethertype", "IPv4 or IPv6"),
            f("protocol", "protocol that is matched by the security group rule."),
            f("port_range_min", "Min port number in the range", Int),
            f("port_range_max", "Max port number in the range", Int),
            f("remote_ip_prefix", "Remote IP prefix to be associated"),
        ),
    ),
)
FLOATING_IPS = tr.HDict(
    table="floating_ips",
    fields=(
        f("id", "The UUID of the floating IP address"),
        f("router_id", "UUID of router"),
        f("tenant_id", "Tenant ID"),
        f("floating_network_id", "The UUID of the network associated with floating IP"),
        f("fixed_ip_address", "Fixed IP address associated with floating IP address", IPAddress),
        f("floating_ip_address", "The floating IP address", IPAddress),
        f("port_id", "UUID of port"),
        f("status", "The floating IP status", FloatingIPStatus),
    ),
)

# neutronclient resource name -> collection path (the generic create/show/update/delete_<resource> actions)
RESOURCES = {
    "network": "networks",
    "port": "ports",
    "subnet": "subnets",
    "router": "routers",
    "security_group": "security-groups",
    "security_group_rule": "security-group-rules",
    "floatingip": "floatingips",
}


def parse_body(text: Any) -> Any:
    """The ``body`` argument as rules pass it: JSON or YAML text (or already a dict)."""
    if not isinstance(text, str):
        return text
    try:
        return json.loads(text)
    except ValueError:
        return yaml.safe_load(text)


def _resource_actions() -> dict[str, RestAction]:
    actions = {}
    for resource, collection in RESOURCES.items():
        item = f"/{collection}/{{{resource}}}"
        actions[f"create_{resource}"] = RestAction(
            "POST", f"/{collection}", ("body",), lambda a: parse_body(a["body"]), f"Create a {resource}"
        )
        actions[f"show_{resource}"] = RestAction("GET", item, (resource,), description=f"Show a {resource}")
        actions[f"update_{resource}"] = RestAction(
            "PUT", item, (resource, "body"), lambda a: parse_body(a["body"]), f"Update a {resource}"
        )
        actions[f"delete_{resource}"] = RestAction(
            "DELETE", item, (resource,), description=f"Delete a {resource}"
        )
    return actions


class NeutronV2Driver(OpenStackDriver):
    driver_id = "neutronv2"
    description = "Datasource driver that interfaces with OpenStack Networking aka Neutron."
    translators = (NETWORKS, PORTS, SUBNETS, ROUTERS, SECURITY_GROUPS, FLOATING_IPS)
    service = Service(("network",), version="v2.0")
    listings = {
        "networks": Listing("/networks", "networks", paging="links"),
        "ports": Listing("/ports", "ports", paging="links"),
        "subnets": Listing("/subnets", "subnets", paging="links"),
        "routers": Listing("/routers", "routers", paging="links"),
        "security_groups": Listing("/security-groups", "security_groups", paging="links"),
        "floating_ips": Listing("/floatingips", "floatingips", paging="links"),
    }
    rest_actions = _resource_actions()

    def _port_security_groups(self, port_id: Value) -> list[str]:
        port = self.call("GET", f"/ports/{port_id}")
        try:
            return list(port["port"]["security_groups"])
        except (KeyError, TypeError) as exc:
            raise ActionError(f"port {port_id}: unexpected answer {port!r}") from exc

    def _set_port_security_groups(self, port_id: Value, groups: list[str]) -> Any:
        return self.call("PUT", f"/ports/{port_id}", {"port": {"security_groups": groups}})

    @driver_action(
        "Attach a security group to port (WARNING: may overwrite concurrent changes to "
        "port's security groups list.",
        (("port_id", "ID of target port"), ("security_group_id", "ID security group to be attached")),
    )
    def attach_port_security_group(self, port_id: Value, security_group_id: Value) -> Any:
        groups = self._port_security_groups(port_id)
        if str(security_group_id) in groups:
            return None
        return self._set_port_security_groups(port_id, [*groups, str(security_group_id)])

    @driver_action(
        "Detach a security group to port (WARNING: may overwrite concurrent changes to "
        "port's security groups list.",
        (("port_id", "ID of target port"), ("security_group_id", "ID security group to be detached")),
    )
    def detach_port_security_group(self, port_id: Value, security_group_id: Value) -> Any:
        groups = self._port_security_groups(port_id)
        if str(security_group_id) not in groups:
            return None
        return self._set_port_security_groups(port_id, [g for g in groups if g != str(security_group_id)])

    @driver_action(
        "A wrapper for update_<resource_type>()",
        (
            ("resource_type", "resource type (e.g. port, network, subnet)"),
            ("id", "ID of the resource"),
            ("attr1", "attribute name to update (e.g. admin_state_up)"),
            ("attr1-value", "updated attr1 value"),
            ("attrN", "attribute name to update"),
            ("attrN-value", "updated attrN value"),
        ),
    )
    def update_resource_attrs(self, resource_type: Value, resource_id: Value, *pairs: Value) -> Any:
        collection = RESOURCES.get(str(resource_type))
        if collection is None:
            raise ActionError(f"unknown neutron resource type {resource_type!r}")
        if not pairs or len(pairs) % 2:
            raise ActionError("update_resource_attrs needs attribute/value pairs")
        attrs = {str(k): v for k, v in zip(pairs[::2], pairs[1::2], strict=True)}
        return self.call("PUT", f"/{collection}/{resource_id}", {str(resource_type): attrs})
