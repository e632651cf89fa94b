"""W2: one server (with its ports) inserted or deleted via update_table, `error` kept up to date.

An operation = the update_table calls for the servers and ports tables + a
ground query ``error("<id>")`` that must already reflect the change. Half the
operations insert a new server with one port (every other one violating the
policy), half delete an existing server with all its ports. DuckDB runs the
same inserts / deletes followed by the same point query. Every answer is
checked against the known truth, and the whole `error` table against DuckDB's
at the end.

    python -m benchmarks.w2_incremental [--sizes 1e3,1e4,1e5] [--repeat K]
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any

from benchmarks.cloud import (
    CloudData,
    check_same_errors,
    duckdb_error_for,
    duckdb_insert,
    engine_error_for,
    loaded_pair,
)
from benchmarks.harness import (
    Result,
    Row,
    Target,
    fmt_seconds,
    main_for,
    median,
    p99,
    report,
    time_checked,
)

POLICY = "w2"
DEFAULT_SIZES = "1e3,1e4,1e5"
DEFAULT_REPEAT = 200
TARGET = Target(1e-3, relative=False, text="<1 ms/op @1e5")
TARGET_SIZE = 100_000
FLAT = Target(2.0, relative=False, text="<=2x min..max N")


@dataclass(frozen=True, slots=True)
class Change:
    """One server and its ports, to insert (``insert=True``) or delete; ``violates`` = error(server) after."""

    server: Row
    ports: tuple[Row, ...]
    insert: bool
    violates: bool

    @property
    def server_id(self) -> str:
        return self.server[0]


def changes(cloud: CloudData, count: int, seed: int) -> list[Change]:
    """``count`` inserts of new servers interleaved with ``count`` deletes of distinct existing ones."""
    victims = random.Random(seed).sample(cloud.servers, min(count, len(cloud.servers)))
    out = []
    for k, victim in enumerate(victims):
        server, port = cloud.new_server(k, violating=k % 2 == 0)
        out.append(Change(server, (port,), insert=True, violates=k % 2 == 0))
        out.append(Change(victim, tuple(cloud.ports_by_server[victim[0]]), insert=False, violates=False))
    return out


def apply_engine(engine: Any, change: Change) -> bool:
    """Apply ``change`` and answer whether its server is now in `error`."""
    key = "insert" if change.insert else "delete"
    engine.update_table("nova", "servers", **{key: [change.server]})
    engine.update_table("neutronv2", "ports", **{key: change.ports})
    return engine_error_for(engine, POLICY, change.server_id)


def apply_duckdb(con: Any, change: Change) -> bool:
    if change.insert:
        duckdb_insert(con, "nova", "servers", change.server)
        for port in change.ports:
            duckdb_insert(con, "neutronv2", "ports", port)
    else:
        con.execute("DELETE FROM servers WHERE id = ?", [change.server_id])
        con.execute("DELETE FROM ports WHERE device_id = ?", [change.server_id])
    return duckdb_error_for(con, change.server_id)


def describe(change: Change) -> str:
    verb = "insert" if change.insert else "delete"
    return f"error(that server) after the {verb} of {change.server_id}"


def run(sizes: Sequence[int], repeat: int, seed: int) -> list[Result]:
    results, medians = [], {}
    for n in sizes:
        cloud = CloudData.generate(n, seed)
        engine, con = loaded_pair(cloud, POLICY)
        todo = changes(cloud, repeat, seed)
        ours = time_checked("engine", todo, partial(apply_engine, engine), lambda c: c.violates, describe)
        theirs = time_checked("duckdb", todo, partial(apply_duckdb, con), lambda c: c.violates, describe)
        violations = check_same_errors(engine, POLICY, con, f"after {len(todo)} changes at N={n}")
        ins, dels = ours[0::2], ours[1::2]
        medians[n] = median(ours)
        report(f"W2 N={n}: engine median {fmt_seconds(medians[n])}/op (insert {fmt_seconds(median(ins))}, "
               f"delete {fmt_seconds(median(dels))}, p99 {fmt_seconds(p99(ours))}) over {len(ours)} ops; "
               f"duckdb {fmt_seconds(median(theirs))}/op; error rows after: {violations} (same as duckdb)")
        results.append(Result("W2 update+query", f"N={n}", medians[n], median(theirs),
                              TARGET if n >= TARGET_SIZE else None, note="median per op"))
    if len(medians) > 1:
        low, high = min(medians), max(medians)
        growth = medians[high] / medians[low]
        report(f"W2 growth of the median from N={low} to N={high}: {growth:.2f}x")
        results.append(Result("W2 flatness", f"N={low}..{high}", growth, None, FLAT, unit="x",
                              note="median(max N) / median(min N)"))
    return results


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0], DEFAULT_SIZES, DEFAULT_REPEAT)
