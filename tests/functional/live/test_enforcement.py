"""Policy monitoring and reactive enforcement through the real congress-server against live Nova and Neutron.

The server runs real ``nova`` and ``neutronv2`` data sources (poll_time 2 s) on the openstack-lite cloud.

* The original tenant-sharing tutorial: a network owned by project ``admin``, a port on it owned by project
  ``demo``, a ``demo`` server on that port; ``classification:error`` lists the server because the two
  projects are in different groups, and deleting the port clears it within one poll.
* ``execute[nova:servers.pause(x)]``: the rule fires once Nova lists the new server ACTIVE, the execution is
  logged (GET /v1/action-executions) and succeeds, and Nova then reports the server PAUSED. Unpaused
  through ``POST /v1/data-sources/nova?action=execute``, it is paused again by the policy; a pause Nova
  refuses is logged as failed.
* The library's BadFlavors and PauseBadFlavors, made live, pause a server booted with an unwanted flavor.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import pytest

from tests.functional.live.cloud import (
    Cleanup,
    boot_image,
    boot_server,
    connect,
    delete_server,
    driver_config,
    unique,
    wait_status,
    wait_until,
)
from tests.functional.live.congress_api import CongressApi
from tests.functional.live.tables import matching, only

pytestmark = pytest.mark.live

POLL_TIME_S = 2
SERVERS_ARGS = (
    "vm_id, vm_name, host_id, vm_status, vm_tenant, user_id, image_id, flavor_id, zone, host, created"
)
ERROR_RULE = f"""error(vm_name) :-
    neutronv2:ports(port_id, port_tenant, port_name, network_id, mac, port_up, port_status, vm_id, owner),
    nova:servers({SERVERS_ARGS}),
    neutronv2:networks(network_id, net_tenant, net_name, net_status, net_up, shared),
    not same_group(vm_tenant, net_tenant)"""
SAME_GROUP_RULE = "same_group(x, y) :- group(x, g), group(y, g)"


@pytest.fixture(scope="module")
def api(env, congress_server) -> Iterator[CongressApi]:
    """The server with live ``nova`` and ``neutronv2`` data sources, both past their first poll."""
    api = CongressApi(congress_server.url)
    for name in ("nova", "neutronv2"):
        api.create_datasource(name, name, driver_config(env, poll_time=POLL_TIME_S))
    for name in ("nova", "neutronv2"):
        api.wait_initialized(name)
    yield api
    api.clear_policies()
    for name in ("nova", "neutronv2"):
        api.delete_datasource(name)


def demo_project(admin):
    """The tutorial's ``demo`` project (kept across runs)."""
    return admin.identity.find_project("demo", domain_id="default") or admin.identity.create_project(
        name="demo", domain_id="default", description="Congress tutorial tenant"
    )


def demo_connection(env, admin, cleanup: Cleanup, project):
    """A connection as a new user with the member role in ``project``."""
    user = admin.identity.create_user(name=unique("cl-demo"), password="demo-pw", domain_id="default")
    cleanup.add(lambda: admin.identity.delete_user(user.id))
    admin.identity.assign_project_role_to_user(project, user, admin.identity.find_role("member"))
    return connect(env, username=user.name, password="demo-pw", project_id=project.id)


def pause_rule(server_name: str) -> str:
    """Pause the ACTIVE server called ``server_name``."""
    args = SERVERS_ARGS.replace("vm_name", f'"{server_name}"').replace("vm_status", '"ACTIVE"')
    return f"execute[nova:servers.pause(vm_id)] :- nova:servers({args})"


def rows_where(api: CongressApi, datasource: str, table: str, **where: str) -> list[dict]:
    """A table's rows from the API as records (the datasources here are named after their drivers)."""
    return matching(datasource, table, api.rows(datasource, table), **where)


def updates(api: CongressApi, datasource: str) -> int:
    return int(api.status(datasource)["number_of_updates"])


def test_tenant_sharing_tutorial(env, admin, api, cleanup):
    demo = demo_project(admin)
    api.add_rule("classification", ERROR_RULE)
    api.add_rule("classification", SAME_GROUP_RULE)
    api.add_rule("classification", f'group("{admin.current_project_id}", "operators")')
    api.add_rule("classification", f'group("{demo.id}", "customers")')
    baseline = api.policy_rows("classification", "error")

    # shared, or Nova (acting as the demo user, who could not see it) would boot without the port
    net = admin.network.create_network(name=unique("cl-tut-net"), is_shared=True)
    cleanup.add(lambda: admin.network.delete_network(net.id))
    admin.network.create_subnet(network_id=net.id, ip_version=4, cidr="10.201.0.0/24")
    port = admin.network.create_port(name=unique("cl-tut-port"), network_id=net.id, project_id=demo.id)
    cleanup.add(lambda: admin.network.delete_port(port.id))
    demo_conn = demo_connection(env, admin, cleanup, demo)
    server = boot_server(demo_conn, cleanup, unique("cl-tut-vm"), admin, networks=[{"port": port.id}])

    # the datasources see the admin network, the demo port bound to the demo server, and the server
    wait_until(lambda: admin.network.get_port(port.id).device_id == server.id, "the port bound to the server")
    started = time.monotonic()
    wait_until(
        lambda: [server.name] in api.policy_rows("classification", "error"),
        "error(vm) for the demo server on the admin network",
        timeout=60,
    )
    seen_after = time.monotonic() - started
    assert api.policy_rows("classification", "error") == sorted([*baseline, [server.name]])
    assert only("nova", "servers", api.rows("nova", "servers"), id=server.id)["tenant_id"] == demo.id
    port_row = only("neutronv2", "ports", api.rows("neutronv2", "ports"), id=port.id)
    assert (port_row["tenant_id"], port_row["device_id"]) == (demo.id, server.id)
    # Nova reports the port's address once its network info cache is filled
    (fixed_ip,) = port.fixed_ips
    address = wait_until(
        lambda: rows_where(api, "nova", "servers.addresses", server_id=server.id),
        "nova:servers.addresses of the demo server",
    )
    assert address == [{
        "server_id": server.id, "network_name": net.name, "address": fixed_ip["ip_address"], "version": 4,
        "mac_address": port.mac_address, "address_type": "fixed",
    }]
    net_row = only("neutronv2", "networks", api.rows("neutronv2", "networks"), id=net.id)
    assert (net_row["tenant_id"], net_row["shared"]) == (admin.current_project_id, "True")

    # remove the offending port: the error is gone within one poll of neutronv2
    admin.network.delete_port(port.id)
    polls_at_delete = updates(api, "neutronv2")
    deleted = time.monotonic()
    while True:
        # a poll that started before the delete may still see the port; the next one must not. The count
        # is read first: a poll's rows reach the policy before the count moves.
        polls = updates(api, "neutronv2")
        if [server.name] not in api.policy_rows("classification", "error"):
            break
        assert polls < polls_at_delete + 2, "error still listed after a full poll"
        time.sleep(0.2)
    cleared_after = time.monotonic() - deleted
    assert api.policy_rows("classification", "error") == baseline
    print(f"error listed {seen_after:.1f} s after the port was bound, gone {cleared_after:.1f} s after")


def test_execute_pauses_a_live_server(admin, api, cleanup):
    name = unique("cl-pause-vm")
    api.create_policy("enforce")
    since = max([e["seq"] for e in api.executions()], default=0)
    api.add_rule("enforce", pause_rule(name))
    started = time.monotonic()
    server = boot_server(admin, cleanup, name, admin)  # not waiting for ACTIVE: the policy may pause it first

    def settled_pauses(count: int) -> list[dict]:
        done = [e for e in api.executions(since) if e["status"] != "pending"]
        pauses = [e for e in done if e["action"] == "servers.pause"]
        return pauses if len(pauses) >= count else []

    (execution,) = wait_until(lambda: settled_pauses(1), "the pause execution to run", timeout=60)
    assert (execution["policy"], execution["service"], execution["args"], execution["status"]) == (
        "enforce", "nova", [server.id], "succeeded"), execution
    wait_status(admin, server.id, "PAUSED")
    paused_after = time.monotonic() - started
    wait_until(
        lambda: only("nova", "servers", api.rows("nova", "servers"), id=server.id)["status"] == "PAUSED",
        "nova:servers to report PAUSED",
    )
    # PAUSED no longer matches the rule: nothing fired again
    assert [e["args"] for e in api.executions(since)] == [[server.id]]
    print(f"server PAUSED {paused_after:.1f} s after the boot request")

    # an operator unpauses it through the data source's execute API; the next poll sees it ACTIVE and the
    # policy pauses it again
    api.execute("nova", "servers.unpause", [server.id])
    again = wait_until(lambda: settled_pauses(2), "the second pause execution", timeout=60)
    assert [(e["args"], e["status"]) for e in again] == [([server.id], "succeeded")] * 2
    wait_status(admin, server.id, "PAUSED")

    # an execution Nova refuses (pausing a paused server: 409) is logged as failed with Nova's answer
    last = max(e["seq"] for e in again)
    api.execute_in_policy("enforce", "nova:servers.pause", [server.id])
    (refused,) = wait_until(
        lambda: [e for e in api.executions(last) if e["status"] != "pending"], "the refused pause"
    )
    assert refused["status"] == "failed" and "409" in refused["error"], refused


def test_library_pause_bad_flavors(admin, api, cleanup):
    """The shipped BadFlavors and PauseBadFlavors library policies, activated, pause a server for real."""
    bad = admin.compute.create_flavor(name=unique("cl-bad"), ram=64, vcpus=1, disk=1)
    cleanup.add(lambda: admin.compute.delete_flavor(bad.id))
    since = max([e["seq"] for e in api.executions()], default=0)
    bad_flavors = api.create_policy_from_library("BadFlavors")
    assert len(bad_flavors["rules"]) == 4
    # customize (as the library comment asks): every flavor but ours is permitted, so the policy can never
    # touch servers that other tests on this cloud boot
    api.add_rule("BadFlavors", f'unwanted_flavor("{bad.name}")')
    api.add_rule("BadFlavors", "permitted_flavor(name) :- nova:flavors(id, name, c, r, d, e, x), "
                               "not unwanted_flavor(name)")
    api.create_policy_from_library("PauseBadFlavors")
    try:
        server = admin.compute.create_server(
            name=unique("cl-badflavor-vm"), flavor_id=bad.id, image_id=boot_image(admin).id, networks="none"
        )
        cleanup.add(lambda: delete_server(admin, server.id))
        wait_until(lambda: [server.id] in api.policy_rows("BadFlavors", "error"), "BadFlavors:error", 60)
        wait_status(admin, server.id, "PAUSED")
        executions = wait_until(
            lambda: [e for e in api.executions(since) if e["status"] != "pending"], "the pause to run"
        )
        assert [(e["policy"], e["action"], e["args"], e["status"]) for e in executions] == [
            ("PauseBadFlavors", "servers.pause", [server.id], "succeeded")
        ]
    finally:
        api.delete_policy("PauseBadFlavors")
        api.delete_policy("BadFlavors")
