"""The original Congress tutorial (tenant sharing), end to end through the real CLI on pushed data.

A VM may only attach to a network owned by a tenant of the same group. Instead of real Nova and Neutron,
push datasources named ``nova``, ``neutronv2`` (and ``keystonev3``) declare the reference column order of
``nova:servers``, ``neutronv2:ports``, ``neutronv2:networks`` (and ``keystonev3:projects``) from
drivers.json, so the rules read exactly as they would against the real drivers.

* The tutorial's own rules, typed into ``classification``: the violation shows up in
  ``classification:error``, survives a server restart, and goes away when the offending port is removed.
* The same check as shipped in the policy library (CrossProjectNetwork, with named column references),
  loaded with ``policy create-from-file`` from the project's bundled YAML.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.functional.clientenv import ClientEnv, client_or_skip

SERVERS = ["id", "name", "host_id", "status", "tenant_id", "user_id", "image_id", "flavor_id", "zone",
           "host_name", "created_at"]
PORTS = ["id", "tenant_id", "name", "network_id", "mac_address", "admin_state_up", "status", "device_id",
         "device_owner"]
NETWORKS = ["id", "tenant_id", "name", "status", "admin_state_up", "shared"]
PROJECTS = ["enabled", "description", "name", "domain_id", "id"]
LIBRARY = Path(__file__).resolve().parents[2] / "congress" / "library"

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


@contextmanager
def push_datasources(cli: ClientEnv, url: str, schemas: dict[str, dict[str, list[str]]]) -> Iterator[None]:
    """Push datasources with these names and table schemas (persisted), deleted afterwards."""
    taken = {d["name"] for d in cli.json(url, "datasource", "list")}
    if set(schemas) & taken:
        pytest.skip(f"this server already has a datasource named one of {sorted(schemas)}")
    try:
        for name, schema in schemas.items():
            cli.ok(url, "datasource", "create", "push", name, "--config", f"description=tutorial {name}",
                   "--config", "schema=" + json.dumps(schema), "--config", "persist_data=True")
        yield
    finally:
        for name in schemas:
            cli.run_cli(url, "datasource", "delete", name)


def error_rows(cli: ClientEnv, url: str, policy: str = "classification") -> list[list[str]]:
    """``openstack congress policy row list POLICY error`` as printed (empty output: no rows)."""
    out = cli.ok(url, "policy", "row", "list", policy, "error")
    if not out.strip():
        return []
    _, rows = cli.table(url, "policy", "row", "list", policy, "error")
    return sorted(rows)


def test_tenant_sharing_tutorial(cli, url, congress_server):
    schemas = {"nova": {"servers": SERVERS}, "neutronv2": {"ports": PORTS, "networks": NETWORKS}}
    rule_ids = []
    with push_datasources(cli, url, schemas):
        try:
            for text in [ERROR_RULE, SAME_GROUP_RULE, *GROUP_FACTS]:
                rule_ids.append(cli.json(url, "policy", "rule", "create", "classification", text)["id"])

            # vm1 (tenant carol, group IT) on alice's network (IT): fine.
            # vm2 (tenant alice, IT) on bob's network (Marketing): a violation.
            push(cli, url, "nova", "servers", [server("vm1", "web", "t_carol"),
                                               server("vm2", "db", "t_alice")])
            push(cli, url, "neutronv2", "networks", [network("net_it", "t_alice"),
                                                     network("net_mkt", "t_bob")])
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
            marketing = cli.json(url, "policy", "rule", "create", "classification", GROUP_FACTS[-1])
            rule_ids.append(marketing["id"])
            assert error_rows(cli, url) == [["db"]]

            # simulate detaching the port first: hypothetically no error, nothing persisted
            detach = "neutronv2:ports-({})".format(", ".join(map(json.dumps, port("p2", "net_mkt", "vm2"))))
            out = cli.ok(url, "policy", "simulate", "classification", "error(x)", detach, "action")
            assert out.strip() == ""
            assert error_rows(cli, url) == [["db"]]

            # remove the offending port for real: the error goes away
            push(cli, url, "neutronv2", "ports", [port("p1", "net_it", "vm1")])
            assert error_rows(cli, url) == []
        finally:
            for rule_id in rule_ids:
                cli.run_cli(url, "policy", "rule", "delete", "classification", rule_id)


CROSS_PROJECT_SCHEMAS = {
    "nova": {"servers": SERVERS},
    "neutronv2": {"ports": PORTS, "networks": NETWORKS},
    "keystonev3": {"projects": PROJECTS},
}


def project(project_id: str, name: str) -> list[str]:
    return ["True", f"project {name}", name, "default", project_id]


def test_cross_project_network_library_policy(cli, url):
    """The library's CrossProjectNetwork: groups 1 = {admin, service} and 2 = {demo, alt_demo} by name."""
    if cli.legacy_yaml_reason:
        pytest.skip(cli.legacy_yaml_reason)
    with push_datasources(cli, url, CROSS_PROJECT_SCHEMAS):
        push(cli, url, "keystonev3", "projects", [
            project("p_admin", "admin"), project("p_service", "service"),
            project("p_demo", "demo"), project("p_alt", "alt_demo"),
        ])
        push(cli, url, "neutronv2", "networks", [network("net_demo", "p_demo"),
                                                 network("net_admin", "p_admin")])
        # vm_ok (alt_demo) on demo's network: same group. vm_bad (demo) on admin's network: an error.
        push(cli, url, "nova", "servers", [server("vm_ok", "ok", "p_alt"), server("vm_bad", "bad", "p_demo")])
        push(cli, url, "neutronv2", "ports", [port("port_ok", "net_demo", "vm_ok"),
                                              port("port_bad", "net_admin", "vm_bad")])

        created = cli.json(url, "policy", "create-from-file", str(LIBRARY / "cross_project_network.yaml"))
        try:
            assert created["name"] == "CrossProjectNetwork"
            assert created["rules"].count("project_groups_by_name(") == 5  # 4 facts + 1 rule body, echoed
            assert cli.ok(url, "policy", "rule", "list", "CrossProjectNetwork").count("// ID:") == 10
            assert error_rows(cli, url, "CrossProjectNetwork") == [
                ["demo", "p_demo", "admin", "p_admin", "bad", "vm_bad"]
            ]
            push(cli, url, "neutronv2", "ports", [port("port_ok", "net_demo", "vm_ok")])
            assert error_rows(cli, url, "CrossProjectNetwork") == []
        finally:
            cli.ok(url, "policy", "delete", "CrossProjectNetwork")
