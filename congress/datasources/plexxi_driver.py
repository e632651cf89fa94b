"""PlexxiCore: hosts, VMs, affinity groups, virtual and Plexxi switches, ports and network links.

**The data path is not real here.** The original polled PlexxiCore through Plexxi's
Python SDK (``plexxi.core.api``), which was never published on PyPI and whose wire
protocol is undocumented, so this driver cannot fetch by itself: every poll fails
with a ``PollError`` saying so (visible in the datasource status). What it does
implement is the original's table declaration and translation, applied to a JSON
inventory that any exporter holding the SDK can post to the datasource's webhook
(``POST /v1/data-sources/<ds>/webhook``)::

    {"hosts": [{"uuid", "name", "macs": [mac], "vms": [vm uuid]}],
     "vms": [{"uuid", "name", "host_uuid", "ip", "macs": [mac]}],
     "affinities": [{"uuid", "name"}],
     "vswitches": [{"uuid", "hosts": [host uuid], "macs": [vnic mac]}],
     "plexxiswitches": [{"uuid", "ip", "status", "macs": [mac]}],
     "ports": [{"uuid", "name", "links": [{"uuid", "name", "start_uuid", "start_name",
                                           "stop_uuid", "stop_name"}]}]}

A posted inventory replaces all tables. As in the original, missing cells are the
string ``"None"``. The ``unique_names`` option (renaming VMs with duplicate names
through the Congress API) is accepted but has no effect.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from congress.datasources.base import OPTIONAL, REQUIRED, PollingDriver, Row
from congress.datasources.handwritten import LiteralSchema
from congress.exceptions import UpdateNotPermitted

MISSING = "None"


class PlexxiUnavailable(Exception):
    """PlexxiCore cannot be polled: its SDK is not available."""


def _cell(obj: Mapping[str, Any], key: str) -> Any:
    value = obj.get(key)
    return MISSING if value is None else value


def _list(obj: Mapping[str, Any], key: str) -> list[Any]:
    value = obj.get(key) or []
    if not isinstance(value, list):
        raise TypeError(f"{key} must be a list")
    return value


def translate_inventory(inventory: Mapping[str, Any]) -> dict[str, set[Row]]:
    """The thirteen tables of a PlexxiCore inventory (see the module docstring)."""
    t: dict[str, set[Row]] = {name: set() for name in PlexxiDriver.table_columns}
    for host in _list(inventory, "hosts"):
        uuid = _cell(host, "uuid")
        macs, vms = _list(host, "macs"), _list(host, "vms")
        t["hosts"].add((uuid, _cell(host, "name"), len(macs), len(vms)))
        t["hosts.macs"].update((uuid, mac) for mac in macs)
        t["hosts.guests"].update((uuid, vm) for vm in vms)
    for vm in _list(inventory, "vms"):
        macs = _list(vm, "macs")
        t["vms"].add(
            (_cell(vm, "uuid"), _cell(vm, "name"), _cell(vm, "host_uuid"), _cell(vm, "ip"), len(macs))
        )
        t["vms.macs"].update((_cell(vm, "uuid"), mac) for mac in macs)
    for group in _list(inventory, "affinities"):
        t["affinities"].add((_cell(group, "uuid"), _cell(group, "name")))
    for vswitch in _list(inventory, "vswitches"):
        uuid = _cell(vswitch, "uuid")
        hosts, macs = _list(vswitch, "hosts"), _list(vswitch, "macs")
        t["vswitches"].add((uuid, len(hosts), len(macs)))
        t["vswitches.macs"].update((uuid, mac) for mac in macs)
        t["vswitches.hosts"].update((uuid, host) for host in hosts)
    for switch in _list(inventory, "plexxiswitches"):
        uuid = _cell(switch, "uuid")
        t["plexxiswitches"].add((uuid, _cell(switch, "ip"), _cell(switch, "status")))
        t["plexxiswitches.macs"].update((uuid, mac) for mac in _list(switch, "macs"))
    for port in _list(inventory, "ports"):
        uuid = _cell(port, "uuid")
        t["ports"].add((uuid, _cell(port, "name")))
        for link in _list(port, "links"):
            t["networklinks"].add(
                (_cell(link, "uuid"), _cell(link, "name"), uuid)
                + tuple(_cell(link, k) for k in ("start_uuid", "start_name", "stop_uuid", "stop_name"))
            )
    return t


class PlexxiDriver(LiteralSchema, PollingDriver):
    driver_id = "plexxi"
    description = "Datasource driver that interfaces with PlexxiCore."
    config_options = {
        "auth_url": REQUIRED,
        "username": REQUIRED,
        "password": REQUIRED,
        "poll_time": OPTIONAL,
        "tenant_name": REQUIRED,
        "unique_names": OPTIONAL,
        "keystone_pass": OPTIONAL,
        "keystone_user": OPTIONAL,
    }
    secret = ("password",)
    persist_by_default = True  # a posted inventory is the whole state: it stands until the next one
    table_columns = {
        "hosts": ("uuid", "name", "mac_count", "vmcount"),
        "hosts.macs": ("Host_uuid", "Mac_Address"),
        "hosts.guests": ("Host_uuid", "VM_uuid"),
        "vms": ("uuid", "name", "host_uuid", "ip", "mac_count"),
        "vms.macs": ("vmID", "Mac_Address"),
        "affinities": ("uuid", "name"),
        "vswitches": ("uuid", "host_count", "vnic_count"),
        "vswitches.macs": ("vswitch_uuid", "Mac_Address"),
        "vswitches.hosts": ("vswitch_uuid", "hostuuid"),
        "plexxiswitches": ("uuid", "ip", "status"),
        "plexxiswitches.macs": ("Switch_uuid", "Mac_Address"),
        "ports": ("uuid", "name"),
        "networklinks": ("uuid", "name", "port_uuid", "start_uuid", "start_name", "stop_uuid", "stop_name"),
    }

    def table_sources(self):
        yield "plexxi", self._no_sdk

    def _no_sdk(self) -> dict[str, set[Row]]:
        raise PlexxiUnavailable(
            "the PlexxiCore SDK (plexxi.core.api) is not available, so PlexxiCore cannot be polled; "
            "post an inventory to the webhook instead"
        )

    def webhook(self, payload: Any, table: str | None = None) -> None:
        if not isinstance(payload, Mapping):
            raise UpdateNotPermitted("a PlexxiCore inventory is a JSON object")
        try:
            tables = translate_inventory(payload)
        except (TypeError, AttributeError) as exc:
            raise UpdateNotPermitted(f"bad PlexxiCore inventory: {exc}") from exc
        self._replace_tables(tables)
