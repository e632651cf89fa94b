"""W3: reachability (transitive closure) in a materialized policy, against DuckDB's recursive CTE.

Both sides start from the edges already loaded (the engine's load is printed, not
counted). Engine time = materialized policy with the two reach rules + first read
of `reach`, on a fresh engine each repetition. DuckDB time = ``CREATE TABLE reach
AS WITH RECURSIVE ... UNION ...`` over the loaded edges. Both closures must be
equal. Sizes are numbers of edges; each size runs an acyclic and a cyclic graph
(see benchmarks.graph).

    python -m benchmarks.w3_reachability [--sizes 1e3,1e4,1e5] [--repeat K]
"""

from __future__ import annotations

import gc
from collections.abc import Sequence
from functools import partial
from typing import Any

from benchmarks import graph
from benchmarks.harness import (
    BenchmarkMismatch,
    Result,
    Row,
    Target,
    duckdb_connect,
    fmt_seconds,
    main_for,
    median,
    new_engine,
    report,
    timed,
)
from congress.engine.closure import native_closure

POLICY = "w3"
DEFAULT_SIZES = "1e3,1e4,1e5"
DEFAULT_REPEAT = 3
TARGET = Target(5.0, relative=True, text="<=5x duckdb @1e5")
TARGET_SIZE = 100_000
SEARCH = "C search" if native_closure is not None else "Python search (built without the C extension)"


def engine_closure(edges: list[Row]) -> tuple[float, float, set[Row]]:
    """(seconds to load the edges, seconds for the rules and the first read, the closure), fresh engine."""
    engine = new_engine()
    load_s, _ = timed(partial(graph.load_edges, engine, edges))
    rules_s, _ = timed(partial(graph.insert_reach_policy, engine, POLICY))
    query_s, rows = timed(partial(engine.rows, POLICY, "reach"))
    return load_s, rules_s + query_s, set(rows)


def duckdb_reach(con: Any) -> set[Row]:
    return set(con.execute("SELECT x, y FROM reach").fetchall())


def run(sizes: Sequence[int], repeat: int, seed: int) -> list[Result]:
    results = []
    for n in sizes:
        for cyclic in (False, True):
            shape = "cyclic" if cyclic else "acyclic"
            edges = graph.generate(n, cyclic, seed)
            con = duckdb_connect()
            graph.load_duckdb(con, edges)
            duck = [timed(partial(graph.duckdb_closure, con))[0] for _ in range(repeat)]
            samples = []
            for _ in range(repeat):
                gc.collect()
                load_s, eval_s, closure = engine_closure(edges)
                samples.append((eval_s, load_s))
            expected = duckdb_reach(con)
            if closure != expected:
                raise BenchmarkMismatch(f"W3 {shape} {n} edges: engine closure has {len(closure - expected)} "
                                        f"extra and {len(expected - closure)} missing rows")
            total = median([s[0] for s in samples])
            report(f"W3 {shape} {len(edges)} edges: closure {len(closure)} rows (same as duckdb); engine "
                   f"rules+read {fmt_seconds(total)} (load, not counted, "
                   f"{fmt_seconds(median([s[1] for s in samples]))}); duckdb {fmt_seconds(median(duck))}; "
                   f"ratio {total / median(duck):.1f}x")
            results.append(Result(f"W3 reach {shape}", f"E={n}", total, median(duck),
                                  TARGET if n >= TARGET_SIZE else None,
                                  note=f"closure {len(closure)} rows, {SEARCH}"))
    return results


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0], DEFAULT_SIZES, DEFAULT_REPEAT)
