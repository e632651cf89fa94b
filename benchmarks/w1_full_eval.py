"""W1: the cloud `error` policy evaluated in full from loaded data, against DuckDB.

Both sides start from the four datasource tables already loaded (each side's load
time is printed, not counted). Engine time = insert the rules + first read of
`error`, on a fresh engine each repetition; DuckDB time = the same query over the
same rows.

    python -m benchmarks.w1_full_eval [--sizes 1e3,1e4,1e5] [--repeat K]
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import partial

from benchmarks.cloud import (
    CloudData,
    check_same_errors,
    duckdb_errors,
    engine_errors,
    insert_error_policy,
    load_duckdb,
    load_engine_data,
)
from benchmarks.harness import (
    Result,
    Target,
    duckdb_connect,
    fmt_seconds,
    main_for,
    median,
    new_engine,
    report,
    timed,
)

POLICY = "w1"
DEFAULT_SIZES = "1e3,1e4,1e5"
DEFAULT_REPEAT = 3
TARGET = Target(5.0, relative=True, text="<=5x duckdb @1e5")
TARGET_SIZE = 100_000


def engine_full_eval(cloud: CloudData) -> tuple[dict[str, float], object]:
    """Phase timings on a fresh engine, and the engine (for the correctness check)."""
    engine = new_engine()
    phases = {
        "load": timed(partial(load_engine_data, engine, cloud))[0],
        "rules": timed(partial(insert_error_policy, engine, POLICY))[0],
        "query": timed(partial(engine_errors, engine, POLICY))[0],
    }
    phases["evaluation"] = phases["rules"] + phases["query"]
    return phases, engine


def run(sizes: Sequence[int], repeat: int, seed: int) -> list[Result]:
    results = []
    for n in sizes:
        cloud = CloudData.generate(n, seed)
        report(f"W1 N={n}: {len(cloud.servers)} servers, {len(cloud.ports)} ports, "
               f"{len(cloud.networks)} networks, {len(cloud.projects)} projects")
        con = duckdb_connect()
        duck_load, _ = timed(partial(load_duckdb, con, cloud))
        duck = [timed(partial(duckdb_errors, con))[0] for _ in range(repeat)]
        samples = []
        for _ in range(repeat):
            gc.collect()
            phases, engine = engine_full_eval(cloud)
            samples.append(phases)
        violations = check_same_errors(engine, POLICY, con, f"at N={n}")
        engine_eval = median([s["evaluation"] for s in samples])
        duck_query = median(duck)
        breakdown = ", ".join(f"{k} {fmt_seconds(median([s[k] for s in samples]))}"
                              for k in ("load", "rules", "query"))
        report(f"  engine evaluation {fmt_seconds(engine_eval)} ({breakdown}); "
               f"duckdb query {fmt_seconds(duck_query)} (load {fmt_seconds(duck_load)}); "
               f"ratio {engine_eval / duck_query:.1f}x; error rows {violations} (same as duckdb)")
        results.append(Result("W1 full eval", f"N={n}", engine_eval, duck_query,
                              TARGET if n >= TARGET_SIZE else None, note=f"{violations} error rows"))
    return results


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0], DEFAULT_SIZES, DEFAULT_REPEAT)
