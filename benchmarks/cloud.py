"""Generated cloud data (servers, ports, networks, projects) and the `error` policy over it.

The shape follows the real datasource schemas (nova servers, neutronv2 ports and
networks, keystonev3 projects). Projects are grouped in domains; a server
violates the policy when one of its ports is on a network owned by a project of
another domain:

    error(s) :- nova:servers(id=s, tenant_id=t), neutronv2:ports(device_id=s, network_id=n),
                neutronv2:networks(id=n, tenant_id=o), not same_group(t, o)
    same_group(x, y) :- keystonev3:projects(domain_id=g, id=x), keystonev3:projects(domain_id=g, id=y)

Everything is derived from a seed, so the engine and DuckDB see the same rows
and a run can be repeated exactly.
"""

from __future__ import annotations

import random
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from benchmarks.harness import BenchmarkMismatch, Row, duckdb_connect, duckdb_load, new_engine

SCHEMAS: dict[str, dict[str, tuple[str, ...]]] = {
    "nova": {
        "servers": ("id", "name", "host_id", "status", "tenant_id", "user_id", "image_id", "flavor_id",
                    "zone", "host_name", "created_at"),
    },
    "neutronv2": {
        "ports": ("id", "tenant_id", "name", "network_id", "mac_address", "admin_state_up", "status",
                  "device_id", "device_owner"),
        "networks": ("id", "tenant_id", "name", "status", "admin_state_up", "shared"),
    },
    "keystonev3": {
        "projects": ("enabled", "description", "name", "domain_id", "id"),
    },
}


def positional(datasource: str, table: str, bound: Mapping[str, str], fresh: str) -> str:
    """A body atom in positional form: bound columns get their variable, the others ``<fresh><i>``."""
    columns = SCHEMAS[datasource][table]
    unknown = set(bound) - set(columns)
    if unknown:
        raise ValueError(f"{datasource}:{table} has no column {sorted(unknown)}")
    args = [bound.get(col, f"{fresh}{i}") for i, col in enumerate(columns)]
    return f"{datasource}:{table}({', '.join(args)})"


ERROR_RULES: tuple[str, ...] = (
    "error(s) :- "
    + ", ".join([
        positional("nova", "servers", {"id": "s", "tenant_id": "t"}, "a"),
        positional("neutronv2", "ports", {"device_id": "s", "network_id": "n"}, "b"),
        positional("neutronv2", "networks", {"id": "n", "tenant_id": "o"}, "c"),
        "not same_group(t, o)",
    ]),
    "same_group(x, y) :- "
    + ", ".join([
        positional("keystonev3", "projects", {"domain_id": "g", "id": "x"}, "d"),
        positional("keystonev3", "projects", {"domain_id": "g", "id": "y"}, "e"),
    ]),
)

# The same query in SQL; ``{extra}`` narrows it to one server for point queries.
_ERROR_SQL = """
SELECT DISTINCT s.id FROM servers s
JOIN ports p ON p.device_id = s.id
JOIN networks n ON n.id = p.network_id
WHERE NOT EXISTS (
    SELECT 1 FROM projects a JOIN projects b ON a.domain_id = b.domain_id
    WHERE a.id = s.tenant_id AND b.id = n.tenant_id){extra}
"""
ERROR_SQL = _ERROR_SQL.format(extra="")
ERROR_SQL_ONE_SERVER = _ERROR_SQL.format(extra=" AND s.id = ?")


def render(value: Any) -> str:
    """A value as a Datalog constant (strings double-quoted; the generator never puts quotes in them)."""
    return f'"{value}"' if isinstance(value, str) else repr(value)


def update_atom(datasource: str, table: str, sign: str, row: Row) -> str:
    """``nova:servers+("srv-1", ...)``: one update of a simulate sequence."""
    return f"{datasource}:{table}{sign}({', '.join(render(v) for v in row)})"


@dataclass
class CloudData:
    """The generated rows plus the indexes the incremental workloads need."""

    seed: int
    servers: list[Row]
    ports: list[Row]
    networks: list[Row]
    projects: list[Row]
    ports_by_server: dict[str, list[Row]] = field(repr=False)
    domain_of_project: dict[str, str] = field(repr=False)
    networks_by_domain: dict[str, list[str]] = field(repr=False)

    @classmethod
    def generate(cls, n_servers: int, seed: int = 1, violation_rate: float = 0.01) -> CloudData:
        """``n_servers`` servers with 2-4 ports each (3 on average).

        A port lands on a network of its tenant's domain, except with
        probability ``violation_rate`` where it lands on any network.
        """
        rng = random.Random(seed)
        n_projects = max(4, n_servers // 10)
        n_domains = max(2, n_projects // 5)
        n_networks = max(2 * n_domains, n_servers // 20)

        projects = [("True", f"project {j}", f"proj-{j}", f"dom-{j % n_domains:05d}", f"prj-{j:06d}")
                    for j in range(n_projects)]
        domain_of_project = {p[4]: p[3] for p in projects}
        projects_by_domain: dict[str, list[str]] = {}
        for p in projects:
            projects_by_domain.setdefault(p[3], []).append(p[4])

        networks = []
        networks_by_domain: dict[str, list[str]] = {}
        for k in range(n_networks):
            domain = f"dom-{k % n_domains:05d}"
            net_id = f"net-{k:06d}"
            owner = rng.choice(projects_by_domain[domain])
            networks.append((net_id, owner, f"net{k}", "ACTIVE", "True", "False"))
            networks_by_domain.setdefault(domain, []).append(net_id)
        all_networks = [net[0] for net in networks]

        servers, ports = [], []
        ports_by_server: dict[str, list[Row]] = {}
        statuses = ("ACTIVE", "ACTIVE", "ACTIVE", "SHUTOFF", "ERROR")
        for i in range(n_servers):
            server_id = f"srv-{i:07d}"
            tenant = projects[rng.randrange(n_projects)][4]
            servers.append((server_id, f"vm{i}", f"host-{rng.randrange(1 + n_servers // 40):05d}",
                            rng.choice(statuses), tenant, f"user-{rng.randrange(1000):04d}",
                            f"img-{rng.randrange(20):02d}", rng.randrange(1, 6), f"az{rng.randrange(3)}",
                            f"compute{rng.randrange(1 + n_servers // 40)}",
                            f"2026-01-{1 + i % 28:02d}T00:00:00Z"))
            own = networks_by_domain[domain_of_project[tenant]]
            first = len(ports)
            for _ in range(rng.choice((2, 3, 4))):
                net = rng.choice(all_networks) if rng.random() < violation_rate else rng.choice(own)
                ports.append(_port(len(ports), tenant, net, server_id))
            ports_by_server[server_id] = ports[first:]
        return cls(seed, servers, ports, networks, projects, ports_by_server, domain_of_project,
                   networks_by_domain)

    def tables(self) -> list[tuple[str, str, list[Row]]]:
        """``(datasource, table, rows)`` for every generated table."""
        return [("nova", "servers", self.servers), ("neutronv2", "ports", self.ports),
                ("neutronv2", "networks", self.networks), ("keystonev3", "projects", self.projects)]

    def new_server(self, k: int, violating: bool) -> tuple[Row, Row]:
        """A server that is not in the data yet, with one port; it violates the policy iff ``violating``."""
        rng = random.Random(f"{self.seed}-new-{k}")
        tenant = self.projects[rng.randrange(len(self.projects))][4]
        domain = self.domain_of_project[tenant]
        if violating:
            domain = rng.choice([d for d in self.networks_by_domain if d != domain])
        network = rng.choice(self.networks_by_domain[domain])
        server_id = f"srv-new-{k:07d}"
        server = (server_id, f"new{k}", "host-new", "ACTIVE", tenant, "user-new", "img-00", 1, "az0",
                  "compute0", "2026-02-01T00:00:00Z")
        return server, _port(10**8 + k, tenant, network, server_id)


def _port(index: int, tenant: str, network: str, server_id: str) -> Row:
    return (f"port-{index:09d}", tenant, f"port{index}", network, _mac(index), "True",
            "ACTIVE", server_id, "compute:nova")


def _mac(index: int) -> str:
    return "fa:16:3e:" + ":".join(f"{(index >> shift) & 0xFF:02x}" for shift in (16, 8, 0))


def load_engine_data(engine: Any, cloud: CloudData) -> None:
    """Declare the datasources and give them their snapshots."""
    for datasource, tables in SCHEMAS.items():
        engine.create_datasource(datasource, tables)
    for datasource, table, rows in cloud.tables():
        engine.replace_table(datasource, table, rows)


def insert_error_policy(engine: Any, policy: str) -> None:
    engine.create_policy(policy, "nonrecursive")
    for rule in ERROR_RULES:
        engine.insert_rule(policy, rule)


def engine_errors(engine: Any, policy: str) -> set[str]:
    return {row[0] for row in engine.rows(policy, "error")}


def load_duckdb(con: Any, cloud: CloudData) -> None:
    for datasource, table, rows in cloud.tables():
        duckdb_load(con, table, SCHEMAS[datasource][table], rows)


def duckdb_errors(con: Any) -> set[str]:
    return {row[0] for row in con.execute(ERROR_SQL).fetchall()}


def duckdb_error_for(con: Any, server_id: str) -> bool:
    """Whether ``server_id`` is in DuckDB's `error` (the point query the incremental peers run)."""
    return bool(con.execute(ERROR_SQL_ONE_SERVER, [server_id]).fetchall())


def duckdb_insert(con: Any, datasource: str, table: str, row: Row) -> None:
    marks = ", ".join("?" * len(SCHEMAS[datasource][table]))
    con.execute(f"INSERT INTO {table} VALUES ({marks})", list(row))


def engine_error_for(engine: Any, policy: str, server_id: str) -> bool:
    """Whether ``server_id`` is in the engine's `error`, asked as a ground query (cost independent of N)."""
    return bool(engine.select(policy, f"error({render(server_id)})"))


def loaded_pair(cloud: CloudData, policy: str) -> tuple[Any, Any]:
    """An engine and a DuckDB connection holding ``cloud`` with `error` computed and checked equal."""
    engine = new_engine()
    load_engine_data(engine, cloud)
    insert_error_policy(engine, policy)
    con = duckdb_connect()
    load_duckdb(con, cloud)
    check_same_errors(engine, policy, con, "after loading")
    return engine, con


def check_same_errors(engine: Any, policy: str, con: Any, when: str) -> int:
    """Raise BenchmarkMismatch unless the engine's `error` equals DuckDB's; return its size."""
    ours, theirs = engine_errors(engine, policy), duckdb_errors(con)
    if ours != theirs:
        extra, missing = sorted(ours - theirs), sorted(theirs - ours)
        raise BenchmarkMismatch(f"error differs from DuckDB {when}: {len(extra)} extra (e.g. {extra[:3]}), "
                                f"{len(missing)} missing (e.g. {missing[:3]})")
    return len(ours)
