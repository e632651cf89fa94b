"""Generated network graphs and the reachability (transitive closure) policy over them.

A graph is many small components of ``COMPONENT_NODES`` nodes: a random tree
(each node's parent is an earlier node, edges point away from the root) plus one
extra edge. In the acyclic graph the extra edge is a second forward path (so the
closure has duplicate derivations); in the cyclic one it points from a node back
to one of its ancestors (so the component has a cycle). The closure stays a small
multiple of the edge count while the recursion goes several levels deep.
"""

from __future__ import annotations

import random
from typing import Any

from benchmarks.harness import Row, duckdb_load

COMPONENT_NODES = 8
SCHEMA = {"link": ("src", "dst")}

REACH_RULES = (
    "reach(x, y) :- net:link(x, y)",
    "reach(x, z) :- net:link(x, y), reach(y, z)",
)

REACH_SQL = """
WITH RECURSIVE reach(x, y) AS (
    SELECT src, dst FROM link
    UNION
    SELECT link.src, reach.y FROM link JOIN reach ON link.dst = reach.x)
SELECT x, y FROM reach
"""


def generate(n_edges: int, cyclic: bool, seed: int = 1) -> list[Row]:
    """About ``n_edges`` distinct integer edges (the last component may be cut short)."""
    rng = random.Random(f"{seed}-{cyclic}")
    edges: list[Row] = []
    base = 0
    while len(edges) < n_edges:
        parent = [0] + [rng.randrange(k) for k in range(1, COMPONENT_NODES)]
        tree = {(parent[k], k) for k in range(1, COMPONENT_NODES)}
        if cyclic:
            node = rng.randrange(1, COMPONENT_NODES)
            ancestors = []
            up = node
            while up:
                up = parent[up]
                ancestors.append(up)
            extra = (node, rng.choice(ancestors))
        else:
            pairs = [(i, j) for j in range(COMPONENT_NODES) for i in range(j)]
            extra = rng.choice([pair for pair in pairs if pair not in tree])
        edges.extend((base + a, base + b) for a, b in [*sorted(tree), extra])
        base += COMPONENT_NODES
    return edges[:n_edges]


def load_engine(engine: Any, edges: list[Row], policy: str) -> None:
    """Datasource ``net`` with the edges, and a materialized policy with the reach rules."""
    load_edges(engine, edges)
    insert_reach_policy(engine, policy)


def load_edges(engine: Any, edges: list[Row]) -> None:
    engine.create_datasource("net", SCHEMA)
    engine.replace_table("net", "link", edges)


def insert_reach_policy(engine: Any, policy: str) -> None:
    engine.create_policy(policy, "materialized")
    for rule in REACH_RULES:
        engine.insert_rule(policy, rule)


def load_duckdb(con: Any, edges: list[Row]) -> None:
    duckdb_load(con, "link", SCHEMA["link"], edges)


def duckdb_closure(con: Any) -> int:
    """Materialize the closure of ``link`` as table ``reach``; its size."""
    con.execute(f"CREATE OR REPLACE TABLE reach AS {REACH_SQL}")
    return con.execute("SELECT count(*) FROM reach").fetchone()[0]
