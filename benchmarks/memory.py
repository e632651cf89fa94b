"""Peak memory of the engine holding the W1 cloud data and policy, against the raw data size.

Raw data size = the generated rows as Python objects: the lists, the row tuples
and every distinct value they hold (sys.getsizeof, shared values counted once).
Engine extra = the largest amount tracemalloc saw allocated, above what was
allocated before, while a fresh engine loaded that data, inserted the rules and
answered `error`. The engine keeps the rows it is given (the tuples and strings
are shared, not copied), so its footprint once the caller drops its lists is
raw + extra: that is the figure held against the target. tracemalloc slows
Python down, so this runs apart from the timed workloads.

    python -m benchmarks.memory [--sizes 1e5]
"""

from __future__ import annotations

import gc
import sys
import tracemalloc
from collections.abc import Iterable, Sequence

from benchmarks.cloud import CloudData, engine_errors, insert_error_policy, load_engine_data
from benchmarks.harness import Result, Row, Target, fmt_bytes, main_for, new_engine, report

POLICY = "mem"
DEFAULT_SIZES = "1e5"
DEFAULT_REPEAT = 1
TARGET = Target(3.0, relative=True, text="<=3x raw data")


def raw_size(tables: Iterable[list[Row]]) -> int:
    """Bytes of the row lists, their tuples and their distinct values."""
    total, seen = 0, set()
    for rows in tables:
        total += sys.getsizeof(rows)
        for row in rows:
            total += sys.getsizeof(row)
            for value in row:
                if id(value) not in seen:
                    seen.add(id(value))
                    total += sys.getsizeof(value)
    return total


def engine_peak(cloud: CloudData) -> tuple[int, int, int]:
    """(peak bytes, bytes held after, error rows) of a fresh engine computing `error` over ``cloud``."""
    gc.collect()
    tracemalloc.start()
    try:
        base = tracemalloc.get_traced_memory()[0]
        engine = new_engine()
        load_engine_data(engine, cloud)
        insert_error_policy(engine, POLICY)
        violations = len(engine_errors(engine, POLICY))
        current, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    return peak - base, current - base, violations


def run(sizes: Sequence[int], repeat: int, seed: int) -> list[Result]:
    results = []
    for n in sizes:
        cloud = CloudData.generate(n, seed)
        raw = raw_size(rows for _, _, rows in cloud.tables())
        peak, held, violations = engine_peak(cloud)
        report(f"memory N={n}: raw data {fmt_bytes(raw)}; engine extra at peak {fmt_bytes(peak)} "
               f"({peak / raw:.2f}x raw), held after {fmt_bytes(held)} ({held / raw:.2f}x raw); "
               f"footprint raw+peak {(raw + peak) / raw:.2f}x raw; {violations} error rows")
        results.append(Result("memory", f"N={n}", raw + peak, raw, TARGET, unit="bytes",
                              note=f"engine = raw + extra at peak; peer = raw data; extra {peak / raw:.2f}x"))
    return results


if __name__ == "__main__":
    main_for(run, __doc__.splitlines()[0], DEFAULT_SIZES, DEFAULT_REPEAT)
