"""W4: "would this new server violate the policy?" asked with simulate on a loaded cloud.

One simulate call = a sequence inserting one server and its port
(``nova:servers+(...) neutronv2:ports+(...)``), query ``error(x)``, delta=True;
the answer must be ``error+("<id>")`` exactly when the server violates (every
other one does). DuckDB's figure: the same two inserts and the point query in a
transaction that is rolled back. Afterwards the engine's `error` must be
unchanged.

    python -m benchmarks.w4_simulate [--sizes 1e5] [--repeat K]
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import partial
from operator import attrgetter
from typing import Any

from benchmarks.cloud import (
    CloudData,
    check_same_errors,
    duckdb_error_for,
    duckdb_insert,
    loaded_pair,
    update_atom,
)
from benchmarks.harness import (
    BenchmarkMismatch,
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

POLICY = "w4"
ACTIONS = "w4_actions"
DEFAULT_SIZES = "1e5"
DEFAULT_REPEAT = 200
TARGET = Target(1e-4, relative=False, text="<0.1 ms @1e5")
TARGET_SIZE = 100_000


@dataclass(frozen=True, slots=True)
class NewServer:
    """A server that is not in the data yet, its port, and the simulate sequence inserting both."""

    server: Row
    port: Row
    violates: bool
    sequence: str

    @classmethod
    def make(cls, cloud: CloudData, k: int, violating: bool) -> NewServer:
        server, port = cloud.new_server(k, violating)
        sequence = " ".join([update_atom("nova", "servers", "+", server),
                             update_atom("neutronv2", "ports", "+", port)])
        return cls(server, port, violating, sequence)

    @property
    def expected(self) -> list[str]:
        return [f'error+("{self.server[0]}")'] if self.violates else []


def simulate_engine(engine: Any, case: NewServer) -> list[str]:
    result = engine.simulate(POLICY, "error(x)", case.sequence, ACTIONS, delta=True)
    return sorted(str(answer) for answer in result.answers)


def simulate_duckdb(con: Any, case: NewServer) -> list[str]:
    con.execute("BEGIN TRANSACTION")
    duckdb_insert(con, "nova", "servers", case.server)
    duckdb_insert(con, "neutronv2", "ports", case.port)
    violates = duckdb_error_for(con, case.server[0])
    con.execute("ROLLBACK")
    return [f'error+("{case.server[0]}")'] if violates else []


def describe(case: NewServer) -> str:
    return f"simulate of new server {case.server[0]}"


def run(sizes: Sequence[int], repeat: int, seed: int) -> list[Result]:
    results = []
    for n in sizes:
        cloud = CloudData.generate(n, seed)
        engine, con = loaded_pair(cloud, POLICY)
        engine.create_policy(ACTIONS, "action")
        before = check_same_errors(engine, POLICY, con, "before simulating")
        cases = [NewServer.make(cloud, k, violating=k % 2 == 0) for k in range(repeat)]
        # One side after the other: interleaving DuckDB calls doubled the engine's time per call
        # (caches), which is not what either side costs on its own.
        expected = attrgetter("expected")
        ours = time_checked("engine", cases, partial(simulate_engine, engine), expected, describe)
        theirs = time_checked("duckdb", cases, partial(simulate_duckdb, con), expected, describe)
        after = check_same_errors(engine, POLICY, con, "after simulating")
        if after != before:
            raise BenchmarkMismatch(f"simulate changed error: {before} rows before, {after} after")
        report(f"W4 N={n}: engine simulate median {fmt_seconds(median(ours))} (p99 {fmt_seconds(p99(ours))}) "
               f"over {repeat}; duckdb insert+query+rollback {fmt_seconds(median(theirs))}; error unchanged")
        results.append(Result("W4 simulate", f"N={n}", median(ours), median(theirs),
                              TARGET if n >= TARGET_SIZE else None, note="median per call, delta=True"))
    return results


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0], DEFAULT_SIZES, DEFAULT_REPEAT)
