"""VMware vCenter: hosts with DNS servers and NICs, and VMs, over the vSphere Web Services JSON API.

The original used oslo.vmware's SOAP client (PropertyCollector ``RetrievePropertiesEx``
for HostSystem and VirtualMachine objects). This driver asks for the same properties
through the same managed objects, over the JSON protocol of the vSphere Web Services
API (vSphere 8.0 Update 1 and later, base ``{auth_url}/sdk/vim25/{release}``):

1. ``POST SessionManager/SessionManager/Login`` -> ``vmware-api-session-id`` header;
2. ``GET ServiceInstance/ServiceInstance/content`` -> root folder, view manager, property collector;
3. ``POST ViewManager/{id}/CreateContainerView`` for HostSystem (then VirtualMachine);
4. ``POST PropertyCollector/{id}/RetrievePropertiesEx`` with the original's property paths
   and ``maxObjects`` = ``max_hosts`` / ``max_vms`` (default 999; one batch, as the original).

Older vCenters, which speak only SOAP, are not supported: there the login fails and the
poll reports it. ``auth_url`` is the vCenter URL (``https://vc.example.org``) or host name.
There are no actions (the original listed none either).
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Mapping
from typing import Any

import requests

from congress.datasources import translator as tr
from congress.datasources.base import OPTIONAL, REQUIRED, DriverConfigError, PollingDriver
from congress.dse.bus import Bus

RELEASE = "8.0.1.0"
SESSION_HEADER = "vmware-api-session-id"
DEFAULT_MAX = 999
NO_DNS = "No DNS IP adddresses configured"  # sic, the original's value
HOST_PATHS = (
    "name",
    "hardware.systemInfo.uuid",
    "config.network.dnsConfig.address",
    "config.network.pnic",
    "config.network.vnic",
)
VM_PATHS = (
    "name",
    "config.uuid",
    "config.annotation",
    "summary.config.vmPathName",
    "runtime.host",
    "summary.config.memorySizeMB",
    "summary.quickStats",
    "summary.overallStatus",
    "summary.storage",
)


class VSphereError(Exception):
    """A vSphere call failed (login refused, HTTP error, fault)."""


def unbox(value: Any) -> Any:
    """Drop the JSON protocol's boxing of values in ``anyType`` slots (``{"_typeName", "_value"}``)."""
    if isinstance(value, Mapping) and "_value" in value:
        return unbox(value["_value"])
    return value


def dig(value: Any, path: str) -> Any:
    """``a.b.c`` inside nested dicts, None when any step is missing."""
    for step in path.split("."):
        value = unbox(value)
        if not isinstance(value, Mapping):
            return None
        value = value.get(step)
    return unbox(value)


class VSphereClient:
    """The few vSphere Web Services calls the driver makes, in their JSON form."""

    def __init__(self, url: str, username: str, password: str, timeout: float = 60.0) -> None:
        base = url if "://" in url else f"https://{url}"
        self.base = f"{base.rstrip('/')}/sdk/vim25/{RELEASE}"
        self.username = username
        self.password = password
        self.timeout = timeout
        self.http = requests.Session()
        self._content: dict[str, Any] | None = None

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        response = self.http.request(method, f"{self.base}/{path}", json=body, timeout=self.timeout)
        if response.status_code >= 400:
            raise VSphereError(f"{method} {path}: HTTP {response.status_code}: {response.text[:200]}")
        return response.json() if response.content else None

    def login(self) -> None:
        self.http.headers.pop(SESSION_HEADER, None)
        response = self.http.post(
            f"{self.base}/SessionManager/SessionManager/Login",
            json={"userName": self.username, "password": self.password},
            timeout=self.timeout,
        )
        if response.status_code >= 400 or SESSION_HEADER not in response.headers:
            raise VSphereError(f"vCenter login failed: HTTP {response.status_code}")
        self.http.headers[SESSION_HEADER] = response.headers[SESSION_HEADER]
        self._content = self._call("GET", "ServiceInstance/ServiceInstance/content")

    def objects(self, managed_type: str, paths: Iterable[str], limit: int) -> list[dict[str, Any]]:
        """Up to ``limit`` objects of a type: ``{"_ref": moref value, path: value, ...}``."""
        try:
            return self._objects(managed_type, paths, limit)
        except VSphereError:
            self._content = None  # log in again on the next call (the session may have expired)
            raise

    def _objects(self, managed_type: str, paths: Iterable[str], limit: int) -> list[dict[str, Any]]:
        if self._content is None:
            self.login()
        content = self._content or {}
        view = self._call(
            "POST",
            f"ViewManager/{content['viewManager']['value']}/CreateContainerView",
            {"container": content["rootFolder"], "type": [managed_type], "recursive": True},
        )
        spec = {
            "specSet": [
                {
                    "_typeName": "PropertyFilterSpec",
                    "propSet": [{"_typeName": "PropertySpec", "type": managed_type, "pathSet": list(paths)}],
                    "objectSet": [
                        {
                            "_typeName": "ObjectSpec",
                            "obj": view,
                            "skip": True,
                            "selectSet": [
                                {
                                    "_typeName": "TraversalSpec",
                                    "name": "traverseEntities",
                                    "type": "ContainerView",
                                    "path": "view",
                                    "skip": False,
                                }
                            ],
                        }
                    ],
                }
            ],
            "options": {"_typeName": "RetrieveOptions", "maxObjects": limit},
        }
        collector = content["propertyCollector"]["value"]
        result = self._call("POST", f"PropertyCollector/{collector}/RetrievePropertiesEx", spec) or {}
        self._call("POST", f"ContainerView/{view['value']}/DestroyView")
        return [
            {"_ref": o["obj"]["value"], **{p["name"]: unbox(p.get("val")) for p in o.get("propSet", ())}}
            for o in result.get("objects", ())
        ]


def host_row(host: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "name": host.get("name"),
        "uuid": host.get("hardware.systemInfo.uuid"),
        "host.DNS_IPs": list(host.get("config.network.dnsConfig.address") or ()) or [NO_DNS],
    }


def nic_rows(host: Mapping[str, Any], path: str, with_portgroup: bool) -> list[dict[str, Any]]:
    rows = []
    for nic in host.get(path) or ():
        row = {
            "host_uuid": host.get("hardware.systemInfo.uuid"),
            "device": nic.get("device"),
            "mac": dig(nic, "spec.mac") if with_portgroup else nic.get("mac"),
            "ipAddress": dig(nic, "spec.ip.ipAddress"),
            "subnetMask": dig(nic, "spec.ip.subnetMask"),
        }
        if with_portgroup:
            row["portgroup"] = nic.get("portgroup")
        rows.append(row)
    return rows


def vm_row(vm: Mapping[str, Any], host_uuids: Mapping[str, Any]) -> dict[str, Any]:
    stats = vm.get("summary.quickStats") or {}
    storage = vm.get("summary.storage") or {}
    return {
        "name": vm.get("name"),
        "uuid": vm.get("config.uuid"),
        "host_uuid": host_uuids.get((vm.get("runtime.host") or {}).get("value")),
        "pathName": vm.get("summary.config.vmPathName"),
        "status": vm.get("summary.overallStatus"),
        "CpuDemand": stats.get("overallCpuDemand"),
        "CpuUsage": stats.get("overallCpuUsage"),
        "memorySizeMB": vm.get("summary.config.memorySizeMB"),
        "MemoryUsage": stats.get("guestMemoryUsage"),
        "committedStorage": storage.get("committed"),
        "uncommittedStorage": storage.get("uncommitted"),
        "annotation": vm.get("config.annotation"),
    }


HOSTS = tr.HDict(
    table="hosts",
    fields=(
        *tr.fields("name", "uuid"),
        tr.Field(
            "host.DNS_IPs",
            tr.ListOf(table="host.DNS_IPs", id_col="Host:DNS_id", val_col="DNS_IPs"),
            col="Host:DNS_id",
        ),
    ),
)
PNICS = tr.HDict(
    table="host.PNICs", fields=tr.fields("host_uuid", "device", "mac", "ipAddress", "subnetMask")
)
VNICS = tr.HDict(
    table="host.VNICs", fields=tr.fields("host_uuid", "device", "mac", "portgroup", "ipAddress", "subnetMask")
)
VMS = tr.HDict(
    table="vms",
    fields=tr.fields(
        "name",
        "uuid",
        "host_uuid",
        "pathName",
        "status",
        "CpuDemand",
        "CpuUsage",
        "memorySizeMB",
        "MemoryUsage",
        "committedStorage",
        "uncommittedStorage",
        "annotation",
    ),
)


class VCenterDriver(PollingDriver):
    driver_id = "vcenter"
    description = "Datasource driver that interfaces with vcenter"
    config_options = {
        "auth_url": REQUIRED,
        "username": REQUIRED,
        "password": REQUIRED,
        "poll_time": OPTIONAL,
        "max_vms": OPTIONAL,
        "max_hosts": OPTIONAL,
    }
    secret = ("password",)
    translators = (HOSTS, PNICS, VNICS, VMS)

    def __init__(self, name: str, config: Mapping[str, Any] | None, bus: Bus) -> None:
        super().__init__(name, config, bus)
        self.max_hosts = _positive_int(self.config, "max_hosts")
        self.max_vms = _positive_int(self.config, "max_vms")
        self.vsphere = VSphereClient(
            self.config["auth_url"], self.config["username"], self.config["password"]
        )

    def table_sources(self):
        """One unit per poll: the hosts are read once and feed hosts, host.PNICs and host.VNICs."""
        roots = [r for r in self.translators if r.table not in self._lazy]
        yield "vcenter", functools.partial(self._tables, roots)

    def _tables(self, roots: list[tr.HDict]) -> tr.Tables:
        hosts = self.vsphere.objects("HostSystem", HOST_PATHS, self.max_hosts)
        out: tr.Tables = {}
        for root in roots:
            out.update(tr.translate(root, self._objects(root.table, hosts)))
        return out

    def _objects(self, root_table: str, hosts: list[dict[str, Any]]) -> list[dict[str, Any]]:
        if root_table == "hosts":
            return [host_row(h) for h in hosts]
        if root_table == "host.PNICs":
            return [row for h in hosts for row in nic_rows(h, "config.network.pnic", False)]
        if root_table == "host.VNICs":
            return [row for h in hosts for row in nic_rows(h, "config.network.vnic", True)]
        by_ref = {h["_ref"]: h.get("hardware.systemInfo.uuid") for h in hosts}
        return [vm_row(vm, by_ref) for vm in self.vsphere.objects("VirtualMachine", VM_PATHS, self.max_vms)]


def _positive_int(config: Mapping[str, Any], option: str) -> int:
    raw = config.get(option, DEFAULT_MAX)
    try:
        value = int(raw)
    except (TypeError, ValueError) as exc:
        raise DriverConfigError(f"{option} must be a whole number, not {raw!r}") from exc
    if value < 1:
        raise DriverConfigError(f"{option} must be at least 1")
    return value
