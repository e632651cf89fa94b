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

import gc
from collections.abc import Sequence
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
    timed,
)

POLICY = "w4"
ACTIONS = "w4_actions"
DEFAULT_SIZES = "1e5"
DEFAULT_REPEAT = 200
TARGET = Target(1e-4, relative=False, text="<0.1 ms @1e5")
TARGET_SIZE = 100_000


def simulate_engine(engine: Any, server: Row, port: Row) -> list[str]:
    sequence = f"{update_atom('nova', 'servers', '+', server)} {update_atom('neutronv2', 'ports', '+', port)}"
    result = engine.simulate(POLICY, "error(x)", sequence, ACTIONS, delta=True)
    return sorted(str(answer) for answer in result.answers)


def simulate_duckdb(con: Any, server: Row, port: Row) -> list[str]:
    con.execute("BEGIN TRANSACTION")
    duckdb_insert(con, "nova", "servers", server)
    duckdb_insert(con, "neutronv2", "ports", port)
    violates = duckdb_error_for(con, server[0])
    con.execute("ROLLBACK")
    return [f'error+("{server[0]}")'] if violates else []


def run(sizes: Sequence[int], repeat: int, seed: int) -> list[Result]:
    results = []
    for n in sizes:
        cloud = CloudData.generate(n, seed)
        engine, con = loaded_pair(cloud, POLICY)
        engine.create_policy(ACTIONS, "action")
        before = check_same_errors(engine, POLICY, con, "before simulating")
        ours, theirs = [], []
        gc.collect()
        for k in range(repeat):
            server, port = cloud.new_server(k, violating=k % 2 == 0)
            expected = [f'error+("{server[0]}")'] if k % 2 == 0 else []
            for who, target, simulate, samples in (("engine", engine, simulate_engine, ours),
                                                   ("duckdb", con, simulate_duckdb, theirs)):
                seconds, answer = timed(lambda s=simulate, t=target, v=server, p=port: s(t, v, p))
                if answer != expected:
                    raise BenchmarkMismatch(f"{who}: simulate of new server {server[0]} answered {answer}, "
                                            f"expected {expected}")
                samples.append(seconds)
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
