"""The OpenStack drivers against the live openstack-lite services (Keystone, Glance, Neutron, Nova).

Each test drives a real driver object on a LocalBus: a first refresh publishes the snapshot, then
resources with unique names are created through openstacksdk, a refresh shows their rows (column values
compared with what the service itself reports, by the reference column names) and publishes them as
inserts; a driver action is run against the live service; the resources are deleted and the next refresh
removes the rows and publishes the deletes. One more test does the same for Glance through the real
congress-server (POST /v1/data-sources, status, request-refresh, rows, a restart), and one checks that a
wrong password shows up in the data source's status.
"""

from __future__ import annotations

import hashlib
import io
from dataclasses import replace
from typing import Any

import pytest

from congress.datasources.glancev2_driver import GlanceV2Driver
from congress.datasources.keystonev3_driver import KeystoneV3Driver
from congress.datasources.neutronv2_driver import NeutronV2Driver
from congress.datasources.nova_driver import NovaDriver
from congress.datasources.openstack import fetch_listing
from congress.dse.bus import LocalBus
from congress.dse.messages import TableUpdate, datasource_topic
from tests.functional.live.cloud import (
    boot_image,
    boot_server,
    delete_server,
    driver_config,
    tiny_flavor,
    unique,
    wait_status,
    wait_until,
)
from tests.functional.live.congress_api import CongressApi
from tests.functional.live.tables import matching, only

pytestmark = pytest.mark.live


class LiveDriver:
    """A driver on its own LocalBus, with the TableUpdates it published since the last refresh."""

    def __init__(self, cls: type, env: dict[str, str]) -> None:
        self.driver_id = cls.driver_id
        bus = LocalBus()
        self.driver = cls(cls.driver_id, driver_config(env), bus)
        self.updates: list[TableUpdate] = []
        bus.subscribe(datasource_topic(cls.driver_id), self.updates.append)

    def refresh(self) -> dict[str, list[tuple]]:
        self.updates.clear()
        self.driver.request_refresh()
        assert self.driver.status().last_error is None
        return self.driver.tables()

    def inserted(self, table: str) -> set[tuple]:
        return {row for u in self.updates if u.table == table for row in u.insert}

    def deleted(self, table: str) -> set[tuple]:
        return {row for u in self.updates if u.table == table for row in u.delete}

    def rows(self, table: str, **where: Any) -> list[dict[str, Any]]:
        return matching(self.driver_id, table, self.driver.tables()[table], **where)

    def only(self, table: str, **where: Any) -> dict[str, Any]:
        return only(self.driver_id, table, self.driver.tables()[table], **where)

    def start(self) -> LiveDriver:
        """The first refresh: one snapshot (replace) per table, then deltas from here on."""
        self.refresh()
        assert self.updates and all(u.replace for u in self.updates)
        assert {u.table for u in self.updates} == set(self.driver.tables())
        return self


def assert_pages_match(live: LiveDriver, table: str, paging: str) -> None:
    """The driver's listing fetched one object per page (the service's real next links) is the whole list."""
    listing = live.driver.listings[table]
    assert listing.paging == paging
    paged = fetch_listing(live.driver.client, replace(listing, params={**listing.params, "limit": 1}))
    whole = fetch_listing(live.driver.client, listing)
    assert len(whole) >= 2
    assert len(live.driver.client.get(listing.path, {"limit": 1})[listing.key]) == 1  # 1 per page, really
    assert sorted(o["id"] for o in paged) == sorted(o["id"] for o in whole)


def test_keystonev3_users_and_projects(env, admin, cleanup):
    ks = LiveDriver(KeystoneV3Driver, env).start()
    assert ks.only("domains", id="default")["name"] == "Default"
    assert ks.only("projects", name="admin")["id"] == admin.current_project_id

    project = admin.identity.create_project(
        name=unique("cl-proj"), description="congress live", domain_id="default"
    )
    cleanup.add(lambda: admin.identity.delete_project(project.id))
    user = admin.identity.create_user(
        name=unique("cl-user"), password="pw", default_project_id=project.id, domain_id="default"
    )
    cleanup.add(lambda: admin.identity.delete_user(user.id))

    tables = ks.refresh()
    user_row = (user.id, user.name, "True", project.id, "default")
    project_row = ("True", "congress live", project.name, "default", project.id)
    assert user_row in tables["users"] and user_row in ks.inserted("users")
    assert project_row in tables["projects"] and project_row in ks.inserted("projects")

    # a driver action against the live Keystone: disable the user
    ks.driver.execute_action("users.update", [user.id], {"enabled": False})
    ks.refresh()
    assert ks.only("users", id=user.id)["enabled"] == "False"
    assert admin.identity.get_user(user.id).is_enabled is False

    ks.driver.execute_action("users.delete", [user.id])
    admin.identity.delete_project(project.id)
    tables = ks.refresh()
    assert not ks.rows("users", id=user.id) and not ks.rows("projects", id=project.id)
    assert (user.id, user.name, "False", project.id, "default") in ks.deleted("users")
    assert project_row in ks.deleted("projects")


def test_glancev2_images_and_tags(env, admin, cleanup):
    boot_image(admin)  # a second image, so that paging one image at a time has a next page to follow
    gl = LiveDriver(GlanceV2Driver, env).start()
    data = b"congress" * 128
    image = admin.image.create_image(
        name=unique("cl-img"), disk_format="raw", container_format="bare", tags=["cl-a", "cl-b"],
        data=io.BytesIO(data), wait=True,
    )
    cleanup.add(lambda: admin.image.delete_image(image.id))
    image = admin.image.get_image(image.id)
    assert image.status == "active"

    gl.refresh()
    row = gl.only("images", id=image.id)
    assert row == {
        **row,
        "name": image.name,
        "status": "active",
        "container_format": "bare",
        "disk_format": "raw",
        "owner": admin.current_project_id,
        "size": len(data),
        "checksum": hashlib.md5(data).hexdigest(),
        "visibility": image.visibility,
        "protected": "False",
        "min_ram": 0,
        "min_disk": 0,
        "file": f"/v2/images/{image.id}/file",
        "schema": "/v2/schemas/image",
        "created_at": image.created_at,
        "kernel_id": "None",
    }
    assert {r["tag"] for r in gl.rows("tags", image_id=image.id)} == {"cl-a", "cl-b"}
    assert (image.id, "cl-a") in gl.inserted("tags")
    assert_pages_match(gl, "images", "next")

    gl.driver.execute_action("image_tags.update", [image.id, "cl-c"])
    gl.driver.execute_action("images.deactivate", [image.id])
    gl.refresh()
    assert {r["tag"] for r in gl.rows("tags", image_id=image.id)} == {"cl-a", "cl-b", "cl-c"}
    assert gl.only("images", id=image.id)["status"] == admin.image.get_image(image.id).status == "deactivated"

    admin.image.delete_image(image.id)
    gl.refresh()
    assert not gl.rows("images", id=image.id) and not gl.rows("tags", image_id=image.id)
    assert {r[1] for r in gl.deleted("tags") if r[0] == image.id} == {"cl-a", "cl-b", "cl-c"}


def test_neutronv2_networks_subnets_ports_security_groups(env, admin, cleanup):
    nt = LiveDriver(NeutronV2Driver, env).start()
    project = admin.current_project_id
    octet = int(unique("x")[2:4], 16)
    net = admin.network.create_network(name=unique("cl-net"))
    cleanup.add(lambda: admin.network.delete_network(net.id))
    subnet = admin.network.create_subnet(
        name=unique("cl-sub"), network_id=net.id, ip_version=4, cidr=f"10.{octet}.7.0/24",
        dns_nameservers=["192.0.2.53"],
        host_routes=[{"destination": "198.51.100.0/24", "nexthop": f"10.{octet}.7.9"}],
    )
    cleanup.add(lambda: admin.network.delete_subnet(subnet.id))
    group = admin.network.create_security_group(name=unique("cl-sg"), description="congress live sg")
    cleanup.add(lambda: admin.network.delete_security_group(group.id))
    rule = admin.network.create_security_group_rule(
        security_group_id=group.id, direction="ingress", ethertype="IPv4", protocol="tcp",
        port_range_min=22, port_range_max=22, remote_ip_prefix="0.0.0.0/0",
    )
    port = admin.network.create_port(name=unique("cl-port"), network_id=net.id, security_group_ids=[group.id])
    cleanup.add(lambda: admin.network.delete_port(port.id))
    net, port = admin.network.get_network(net.id), admin.network.get_port(port.id)

    nt.refresh()
    assert nt.only("networks", id=net.id) == {
        "id": net.id, "tenant_id": project, "name": net.name, "status": net.status,
        "admin_state_up": "True", "shared": "False",
    }
    assert nt.only("subnets", id=subnet.id) == {
        "id": subnet.id, "tenant_id": project, "name": subnet.name, "network_id": net.id, "ip_version": 4,
        "cidr": subnet.cidr, "gateway_ip": subnet.gateway_ip, "enable_dhcp": "True",
        "ipv6_ra_mode": "None", "ipv6_address_mode": "None",
    }
    pools = [(p["start"], p["end"]) for p in subnet.allocation_pools]
    assert [(r["start"], r["end"]) for r in nt.rows("allocation_pools", subnet_id=subnet.id)] == pools
    assert [r["dns_nameserver"] for r in nt.rows("dns_nameservers", subnet_id=subnet.id)] == ["192.0.2.53"]
    assert nt.only("host_routes", subnet_id=subnet.id)["nexthop"] == f"10.{octet}.7.9"
    assert nt.only("ports", id=port.id) == {
        "id": port.id, "tenant_id": project, "name": port.name, "network_id": net.id,
        "mac_address": port.mac_address, "admin_state_up": "True", "status": port.status,
        "device_id": "", "device_owner": "",
    }
    (fixed,) = port.fixed_ips
    assert nt.only("fixed_ips", port_id=port.id) == {
        "port_id": port.id, "ip_address": fixed["ip_address"], "subnet_id": subnet.id,
    }
    assert nt.only("security_group_port_bindings", port_id=port.id)["security_group_id"] == group.id
    assert nt.only("security_groups", id=group.id) == {
        "id": group.id, "tenant_id": project, "name": group.name, "description": "congress live sg",
    }
    assert nt.only("security_group_rules", id=rule.id) == {
        "security_group_id": group.id, "id": rule.id, "tenant_id": project, "remote_group_id": "None",
        "direction": "ingress", "ethertype": "IPv4", "protocol": "tcp", "port_range_min": 22,
        "port_range_max": 22, "remote_ip_prefix": "0.0.0.0/0",
    }
    # the new security group's default egress rules are there too
    assert {r["direction"] for r in nt.rows("security_group_rules", security_group_id=group.id)} == {
        "ingress", "egress"}
    assert any(r[0] == net.id for r in nt.inserted("networks"))
    assert_pages_match(nt, "security_groups", "links")

    # a driver action against the live Neutron: detach the group from the port
    nt.driver.execute_action("detach_port_security_group", [port.id, group.id])
    nt.refresh()
    assert not nt.rows("security_group_port_bindings", port_id=port.id)
    assert admin.network.get_port(port.id).security_group_ids == []

    admin.network.delete_port(port.id)
    admin.network.delete_security_group(group.id)
    admin.network.delete_subnet(subnet.id)
    admin.network.delete_network(net.id)
    nt.refresh()
    for table, where in [
        ("networks", {"id": net.id}), ("subnets", {"id": subnet.id}), ("ports", {"id": port.id}),
        ("fixed_ips", {"port_id": port.id}), ("allocation_pools", {"subnet_id": subnet.id}),
        ("dns_nameservers", {"subnet_id": subnet.id}), ("host_routes", {"subnet_id": subnet.id}),
        ("security_groups", {"id": group.id}), ("security_group_rules", {"security_group_id": group.id}),
    ]:
        assert not nt.rows(table, **where), table
    assert any(r[0] == net.id for r in nt.deleted("networks"))


def test_nova_servers_flavors_tags(env, admin, cleanup):
    nv = LiveDriver(NovaDriver, env).start()
    assert nv.only("hypervisors", hypervisor_hostname="fake-compute-1")["status"] == "enabled"
    assert nv.rows("services", binary="nova-compute", state="up")
    flavor, image = tiny_flavor(admin), boot_image(admin)
    created = boot_server(admin, cleanup, unique("cl-vm"), admin)
    server = wait_status(admin, created.id, "ACTIVE")
    nv.driver.execute_action("servers.add_tag", [server.id, "congress-live"])

    nv.refresh()
    assert nv.only("servers", id=server.id) == {
        "id": server.id, "name": server.name, "host_id": server.host_id, "status": "ACTIVE",
        "tenant_id": admin.current_project_id, "user_id": admin.current_user_id, "image_id": image.id,
        "flavor_id": flavor.id, "zone": server.availability_zone, "host_name": server.hypervisor_hostname,
        "created_at": server.created_at,
    }
    assert nv.only("tags", server_id=server.id)["tag"] == "congress-live"
    assert nv.only("flavors", id=flavor.id) == {
        "id": flavor.id, "name": flavor.name, "vcpus": 1, "ram": 64, "disk": 1, "ephemeral": 0,
        "rxtx_factor": 1.0,
    }
    assert any(r[0] == server.id for r in nv.inserted("servers"))

    delete_server(admin, server.id)
    nv.refresh()
    assert not nv.rows("servers", id=server.id) and not nv.rows("tags", server_id=server.id)
    assert any(r[0] == server.id for r in nv.deleted("servers"))


def test_glancev2_through_the_server_api(env, admin, cleanup, congress_server):
    api = CongressApi(congress_server.url)
    created = api.create_datasource("glance", "glancev2", driver_config(env, poll_time=30))
    assert created["config"]["password"] == env["OS_PASSWORD"]  # the creator sees what it sent
    try:
        assert api.wait_initialized("glance")["last_error"] == "None"
        assert api.datasources()["glance"]["config"]["password"] == "<hidden>"

        image = admin.image.create_image(
            name=unique("cl-api"), disk_format="raw", container_format="bare", tags=["cl-api"]
        )
        cleanup.add(lambda: admin.image.delete_image(image.id))
        api.refresh("glance")
        row = only("glancev2", "images", api.rows("glance", "images"), id=image.id)
        assert (row["name"], row["status"], row["owner"], row["size"], row["checksum"]) == (
            image.name, "queued", admin.current_project_id, "None", "None")
        assert [image.id, "cl-api"] in api.rows("glance", "tags")

        # after a restart the driver authenticates with the password decrypted from the database
        congress_server.restart()
        api.wait_initialized("glance")
        assert only("glancev2", "images", api.rows("glance", "images"), id=image.id)["name"] == image.name

        admin.image.delete_image(image.id)
        api.refresh("glance")
        assert not matching("glancev2", "images", api.rows("glance", "images"), id=image.id)
        assert [image.id, "cl-api"] not in api.rows("glance", "tags")
    finally:
        api.delete_datasource("glance")


def test_wrong_password_is_reported_in_status(env, congress_server):
    api = CongressApi(congress_server.url)
    api.create_datasource("badnova", "nova", {**driver_config(env, poll_time=30), "password": "wrong"})
    try:
        status = wait_until(
            lambda: (s := api.status("badnova"))["last_error"] != "None" and s, "the failed first poll"
        )
        assert status["initialized"] == "False"
        assert "Unauthorized" in status["last_error"] or "401" in status["last_error"], status
        assert api.rows("badnova", "servers") == []
    finally:
        api.delete_datasource("badnova")
