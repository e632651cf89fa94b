"""Nova (compute): servers with addresses and tags, flavors, hypervisors, services, availability zones."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from congress.datalog.ast import Value
from congress.datasources import translator as tr
from congress.datasources.base import ActionError, driver_action
from congress.datasources.openstack import Listing, OpenStackDriver, RestAction, Service, openstack_options
from congress.datasources.values import Float, Int, Str

DEFAULT_API_VERSION = "2.26"


def safe_id(value: Any) -> Any:
    """An embedded image/flavor's id; a string as is (boot-from-volume image ""); otherwise ``str()``."""
    if isinstance(value, str):
        return value
    try:
        return value["id"]
    except (KeyError, TypeError, IndexError):
        return str(value)


def extract_addresses(addresses: Mapping[str, list[Mapping[str, Any]]]) -> list[dict[str, Any]]:
    """``{network: [address, ...]}`` -> one dict per address, carrying its ``network_name``."""
    return [{**address, "network_name": net} for net, entries in addresses.items() for address in entries]


def _field(name: str, desc: str, data_type=Str, col: str | None = None, extract=None) -> tr.Field:
    return tr.Field(name, tr.Scalar(extract=extract, type=data_type), col=col, desc=desc)


SERVERS = tr.HDict(
    table="servers",
    selector="dot",
    fields=(
        _field("id", "The UUID for the server"),
        _field("name", "Name of the server"),
        _field("hostId", "The UUID for the host", col="host_id"),
        _field("status", "The server status"),
        _field("tenant_id", "The tenant ID"),
        _field("user_id", "The user ID of the user who owns the server"),
        _field("image", "Name or ID of image", None, "image_id", safe_id),
        _field("flavor", "ID of the flavor", None, "flavor_id", safe_id),
        _field("OS-EXT-AZ:availability_zone", "The availability zone of host", col="zone"),
        _field(
            "OS-EXT-SRV-ATTR:hypervisor_hostname",
            "The hostname of hypervisor where the server is running",
            col="host_name",
        ),
        _field("created", "Time at which server is created", col="created_at"),
        tr.Field(
            "addresses",
            tr.HDict(
                table="servers.addresses",
                parent_key="id",
                parent_col="server_id",
                parent_key_desc="UUID of server",
                in_list=True,
                extract=extract_addresses,
                fields=(
                    _field("network_name", "Name of attached network to server"),
                    _field("addr", "IP address of the server", col="address"),
                    _field("version", "Internet Protocol Version of network", Int),
                    _field(
                        "OS-EXT-IPS-MAC:mac_addr",
                        "MAC address associated to the IP of the server",
                        col="mac_address",
                    ),
                    _field("OS-EXT-IPS:type", "IP address type", col="address_type"),
                ),
            ),
        ),
        tr.Field(
            "tags",
            tr.ListOf(
                table="tags",
                parent_key="id",
                parent_col="server_id",
                parent_key_desc="UUID of server",
                val_col="tag",
                val_col_desc="server tag string",
            ),
        ),
    ),
)


def _ephemeral(flavors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """novaclient's ``Flavor.ephemeral`` reads the extension key ``OS-FLV-EXT-DATA:ephemeral``."""
    return [{**f, "ephemeral": f.get("OS-FLV-EXT-DATA:ephemeral", f.get("ephemeral"))} for f in flavors]


FLAVORS = tr.HDict(
    table="flavors",
    selector="dot",
    extract=_ephemeral,
    fields=(
        _field("id", "ID of the flavor"),
        _field("name", "Name of the flavor"),
        _field("vcpus", "Number of vcpus", Int),
        _field("ram", "Memory size in MB", Int),
        _field("disk", "Disk size in GB", Int),
        _field("ephemeral", "Ephemeral space size in GB", Int),
        _field("rxtx_factor", "RX/TX factor", Float),
    ),
)
SERVICES = tr.HDict(
    table="services",
    selector="dot",
    fields=(
        _field("id", "Service ID", Int, col="service_id"),
        _field("binary", "Service binary"),
        _field("host", "Host Name"),
        _field("zone", "Availability Zone"),
        _field("status", "Status of service"),
        _field("state", "State of service"),
        _field("updated_at", "Last updated time"),
        _field("disabled_reason", "Disabled reason"),
    ),
)
HYPERVISORS = tr.HDict(
    table="hypervisors",
    selector="dot",
    fields=(
        _field("hypervisor_hostname", "Hypervisor host"),
        _field("id", "hypervisori id", None),
        _field("state", "State of the hypervisor"),
        _field("status", "Status of the hypervisor"),
    ),
)
AVAILABILITY_ZONES = tr.HDict(
    table="availability_zones",
    selector="dot",
    fields=(
        _field("zoneName", "Availability zone name", col="zone"),
        _field("zoneState", "Availability zone state", col="state"),
    ),
)


def _server_action(name: str, body: Any = None, args: tuple[str, ...] = ("server",)) -> RestAction:
    def build(values: dict[str, Any]) -> Any:
        return {name: body(values) if callable(body) else body}

    return RestAction("POST", "/servers/{server}/action", args, build, f"servers: {name}")


class NovaDriver(OpenStackDriver):
    driver_id = "nova"
    description = "Datasource driver that interfaces with OpenStack Compute aka nova."
    config_options = openstack_options("api_version")
    translators = (SERVERS, FLAVORS, SERVICES, HYPERVISORS, AVAILABILITY_ZONES)
    service = Service(("compute",))
    listings = {
        "servers": Listing("/servers/detail", "servers", {"all_tenants": 1}),
        "flavors": Listing("/flavors/detail", "flavors"),
        "hypervisors": Listing("/os-hypervisors/detail", "hypervisors"),
        "services": Listing("/os-services", "services"),
        "availability_zones": Listing("/os-availability-zone/detail", "availabilityZoneInfo"),
    }
    rest_actions = {
        "servers.delete": RestAction(
            "DELETE", "/servers/{server}", ("server",), description="Delete a server"
        ),
        "servers.pause": _server_action("pause"),
        "servers.unpause": _server_action("unpause"),
        "servers.suspend": _server_action("suspend"),
        "servers.resume": _server_action("resume"),
        "servers.lock": _server_action("lock"),
        "servers.unlock": _server_action("unlock"),
        "servers.start": _server_action("os-start"),
        "servers.stop": _server_action("os-stop"),
        "servers.shelve": _server_action("shelve"),
        "servers.unshelve": _server_action("unshelve"),
        "servers.force_delete": _server_action("forceDelete"),
        "servers.reboot": _server_action("reboot", lambda a: {"type": a.get("reboot_type", "SOFT")}),
        "servers.add_security_group": _server_action(
            "addSecurityGroup", lambda a: {"name": a["security_group"]}, ("server", "security_group")
        ),
        "servers.remove_security_group": _server_action(
            "removeSecurityGroup", lambda a: {"name": a["security_group"]}, ("server", "security_group")
        ),
        "servers.reset_state": _server_action(
            "os-resetState", lambda a: {"state": a.get("state", "error")}, ("server",)
        ),
        "servers.delete_meta": RestAction(
            "DELETE",
            "/servers/{server}/metadata/{key}",
            ("server", "key"),
            description="Delete a metadata key",
        ),
        "servers.add_tag": RestAction(
            "PUT", "/servers/{server}/tags/{tag}", ("server", "tag"), description="Tag"
        ),
        "servers.delete_tag": RestAction(
            "DELETE", "/servers/{server}/tags/{tag}", ("server", "tag"), description="Remove a tag"
        ),
        "flavors.delete": RestAction(
            "DELETE", "/flavors/{flavor}", ("flavor",), description="Delete a flavor"
        ),
    }

    def request_headers(self) -> dict[str, str]:
        version = str(self.config.get("api_version") or DEFAULT_API_VERSION)
        return {"X-OpenStack-Nova-API-Version": version, "OpenStack-API-Version": f"compute {version}"}

    @driver_action(
        "A wrapper for servers.set_meta()",
        (
            ("server", "server id"),
            ("meta-key1", "meta key 1"),
            ("meta-value1", "value for meta key1"),
            ("meta-keyN", "meta key N"),
            ("meta-valueN", "value for meta keyN"),
        ),
    )
    def servers_set_meta(self, server: Value, *pairs: Value) -> Any:
        if not pairs or len(pairs) % 2:
            raise ActionError("servers_set_meta needs a server and key/value pairs")
        metadata = {str(k): str(v) for k, v in zip(pairs[::2], pairs[1::2], strict=True)}
        return self.call("POST", f"/servers/{server}/metadata", {"metadata": metadata})
