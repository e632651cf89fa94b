"""The original Congress tutorial (tenant sharing), end to end through the real CLI on pushed data.

A VM may only attach to a network owned by a tenant of the same group. Instead of real Nova and Neutron,
two push datasources named ``nova`` and ``neutronv2`` declare the reference column order of
``nova:servers``, ``neutronv2:ports`` and ``neutronv2:networks`` (drivers.json), so the tutorial's rules
read exactly as they would against the real drivers. The violation shows up in ``classification:error``,
survives a server restart, and goes away when the offending port is removed.
"""

from __future__ import annotations

import json

import pytest

from tests.functional.clientenv import ClientEnv, client_or_skip

SERVERS = ["id", "name", "host_id", "status", "tenant_id", "user_id", "image_id", "flavor_id", "zone",
           "host_name", "created_at"]
PORTS = ["id", "tenant_id", "name", "network_id", "mac_address", "admin_state_up", "status", "device_id",
         "device_owner"]
NETWORKS = ["id", "tenant_id", "name", "status", "admin_state_up", "shared"]

ERROR_RULE = """error(vm_name) :-
    neutronv2:ports(port_id, port_tenant, port_name, network_id, mac, port_up, port_status, vm_id, owner),
    nova:servers(vm_id, vm_name, host_id, vm_status, vm_tenant, user_id, image_id, flavor_id, zone, host,
                 created),
    neutronv2:networks(network_id, net_tenant, net_name, net_status, net_up, shared),
    not same_group(vm_tenant, net_tenant)"""
SAME_GROUP_RULE = "same_group(x, y) :- group(x, g), group(y, g)"
GROUP_FACTS = ['group("t_alice", "IT")', 'group("t_carol", "IT")', 'group("t_bob", "Marketing")']


def server(vm_id: str, name: str, tenant: str) -> list[str]:
    return [vm_id, name, "host1", "ACTIVE", tenant, "u1", "img1", "flv1", "nova", "hv1", "2024-01-01"]


def port(port_id: str, network: str, device: str) -> list[str]:
    return [port_id, "t_any", port_id, network, "fa:16:3e:00:00:01", "True", "ACTIVE", device, "compute:nova"]


def network(net_id: str, tenant: str) -> list[str]:
    return [net_id, tenant, net_id, "ACTIVE", "True", "False"]


@pytest.fixture(scope="module")
def cli() -> ClientEnv:
    return client_or_skip()


@pytest.fixture(scope="module")
def url(congress_server) -> str:
    return congress_server.url


def push(cli: ClientEnv, url: str, ds: str, table: str, rows: list[list[str]]) -> None:
    cli.ok(url, "datasource", "row", "update", ds, table, json.dumps(rows))


def error_rows(cli: ClientEnv, url: str) -> list[list[str]]:
    """``openstack congress policy row list classification error`` as printed (empty output: no rows)."""
    out = cli.ok(url, "policy", "row", "list", "classification", "error")
    if not out.strip():
        return []
    _, rows = cli.table(url, "policy", "row", "list", "classification", "error")
    return sorted(rows)


def test_tenant_sharing_tutorial(cli, url, congress_server):
    taken = {d["name"] for d in cli.json(url, "datasource", "list")}
    if {"nova", "neutronv2"} & taken:
        pytest.skip("this server already has a datasource named nova or neutronv2")
    schemas = {"nova": {"servers": SERVERS}, "neutronv2": {"ports": PORTS, "networks": NETWORKS}}
    for name, schema in schemas.items():
        cli.ok(url, "datasource", "create", "push", name, "--config", f"description=tutorial {name}",
               "--config", "schema=" + json.dumps(schema), "--config", "persist_data=True")
    rule_ids = []
    try:
        for text in [ERROR_RULE, SAME_GROUP_RULE, *GROUP_FACTS]:
            rule_ids.append(cli.json(url, "policy", "rule", "create", "classification", text)["id"])

        # vm1 (tenant carol, group IT) on alice's network (IT): fine.
        # vm2 (tenant alice, IT) on bob's network (Marketing): a violation.
        push(cli, url, "nova", "servers", [server("vm1", "web", "t_carol"), server("vm2", "db", "t_alice")])
        push(cli, url, "neutronv2", "networks", [network("net_it", "t_alice"), network("net_mkt", "t_bob")])
        push(cli, url, "neutronv2", "ports", [port("p1", "net_it", "vm1"), port("p2", "net_mkt", "vm2")])
        assert error_rows(cli, url) == [["db"]]
        out = cli.ok(url, "policy", "row", "list", "classification", "error")
        assert "| Col0 |" in out and "| db   |" in out

        # rules and pushed rows survive a restart of the server
        congress_server.restart()
        assert error_rows(cli, url) == [["db"]]

        # the datasource tables print under the reference column names
        headers, _ = cli.table(url, "datasource", "row", "list", "neutronv2", "ports")
        assert headers == PORTS

        # bob joins IT: no violation; back to Marketing: the violation returns
        cli.ok(url, "policy", "rule", "delete", "classification", rule_ids.pop())
        bob_it = cli.json(url, "policy", "rule", "create", "classification", 'group("t_bob", "IT")')
        assert error_rows(cli, url) == []
        cli.ok(url, "policy", "rule", "delete", "classification", bob_it["id"])
        rule_ids.append(cli.json(url, "policy", "rule", "create", "classification", GROUP_FACTS[-1])["id"])
        assert error_rows(cli, url) == [["db"]]

        # simulate detaching the port first: hypothetically no error, nothing persisted
        detach = "neutronv2:ports-({})".format(", ".join(json.dumps(v) for v in port("p2", "net_mkt", "vm2")))
        out = cli.ok(url, "policy", "simulate", "classification", "error(x)", detach, "action")
        assert out.strip() == ""
        assert error_rows(cli, url) == [["db"]]

        # remove the offending port for real: the error goes away
        push(cli, url, "neutronv2", "ports", [port("p1", "net_it", "vm1")])
        assert error_rows(cli, url) == []
    finally:
        for rule_id in rule_ids:
            cli.run_cli(url, "policy", "rule", "delete", "classification", rule_id)
        for name in schemas:
            cli.run_cli(url, "datasource", "delete", name)
