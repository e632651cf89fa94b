"""What every workload shares: timing, results with targets, the command line, DuckDB loading.

A workload module provides ``run(sizes, repeat, seed) -> list[Result]`` and calls
``main_for(run, ...)`` from its ``__main__`` block; ``run_all`` collects the results
of all of them into one table.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, TypeVar

Row = tuple[Any, ...]
T = TypeVar("T")


class BenchmarkMismatch(AssertionError):
    """The engine answered differently from DuckDB (or from the generator's known truth)."""


# -- timing -----------------------------------------------------------------


CLOCKS: dict[str, Callable[[], float]] = {"wall": time.perf_counter, "cpu": time.process_time}
_clock = ["wall"]  # the clock timed() reads, chosen once per command with --clock


def use_clock(name: str) -> None:
    """``wall`` (default) or ``cpu``: process CPU time, steadier when the machine is shared.

    Both the engine and DuckDB (one thread) run in this process, so CPU time is
    comparable between them.
    """
    if name not in CLOCKS:
        raise ValueError(f"unknown clock {name!r}: one of {sorted(CLOCKS)}")
    _clock[0] = name


def timed(fn: Callable[[], Any]) -> tuple[float, Any]:
    """Seconds taken by ``fn()`` on the chosen clock, and its result."""
    clock = CLOCKS[_clock[0]]
    start = clock()
    value = fn()
    return clock() - start, value


def time_checked(who: str, cases: Iterable[T], call: Callable[[T], Any], expected: Callable[[T], Any],
                 describe: Callable[[T], str]) -> list[float]:
    """Seconds of ``call(case)`` for each case, in order; a wrong answer raises BenchmarkMismatch."""
    samples = []
    gc.collect()
    for case in cases:
        seconds, answer = timed(partial(call, case))
        want = expected(case)
        if answer != want:
            raise BenchmarkMismatch(f"{who}: {describe(case)} answered {answer}, expected {want}")
        samples.append(seconds)
    return samples


def median(samples: Sequence[float]) -> float:
    return statistics.median(samples)


def p99(samples: Sequence[float]) -> float:
    """99th percentile; the max would mostly show the first call (plans and indexes are built lazily)."""
    return statistics.quantiles(samples, n=100, method="inclusive")[98] if len(samples) > 1 else samples[0]


def fmt_seconds(seconds: float | None) -> str:
    """Plain figure with a unit that keeps 3-4 significant digits readable."""
    if seconds is None:
        return "-"
    if seconds >= 1:
        return f"{seconds:.2f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.2f} ms"
    return f"{seconds * 1e6:.1f} us"


def fmt_bytes(size: float) -> str:
    return f"{size / 2**20:.1f} MiB"


# -- results ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Target:
    """A goal: either ``engine <= limit`` (absolute seconds/ratio) or ``engine / peer <= limit``."""

    limit: float
    relative: bool  # True: limit on engine/peer; False: limit on the engine figure itself
    text: str

    def met(self, engine: float, peer: float | None) -> bool | None:
        if self.relative:
            return None if not peer else engine / peer <= self.limit
        return engine <= self.limit


@dataclass(frozen=True, slots=True)
class Result:
    """One line of the summary table. ``engine``/``peer`` are seconds unless ``unit`` says otherwise."""

    workload: str
    case: str
    engine: float
    peer: float | None
    target: Target | None
    unit: str = "s"
    note: str = ""

    @property
    def ratio(self) -> float | None:
        return self.engine / self.peer if self.peer else None

    @property
    def verdict(self) -> str:
        if self.target is None:
            return "-"
        met = self.target.met(self.engine, self.peer)
        return "-" if met is None else ("PASS" if met else "MISS")

    def figure(self, value: float | None) -> str:
        if value is None:
            return "-"
        if self.unit == "s":
            return fmt_seconds(value)
        if self.unit == "bytes":
            return fmt_bytes(value)
        return f"{value:.2f}{self.unit}"


def format_table(results: Iterable[Result]) -> str:
    header = ("workload", "case", "engine", "peer", "ratio", "target", "verdict", "note")
    lines = [
        (
            r.workload,
            r.case,
            r.figure(r.engine),
            r.figure(r.peer),
            "-" if r.ratio is None else f"{r.ratio:.3g}x",
            r.target.text if r.target else "-",
            r.verdict,
            r.note,
        )
        for r in results
    ]
    widths = [max(len(str(row[i])) for row in [header, *lines]) for i in range(len(header))]
    out = ["  ".join(str(cell).ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
           for row in [header, *lines]]
    out.insert(1, "  ".join("-" * w for w in widths))
    out.append(f"peer = {duckdb_description()} in the same run, unless the note says otherwise; "
               f"{_clock[0]} clock")
    out.append(f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores (busier = noisier)")
    return "\n".join(out)


def report(message: str) -> None:
    """Progress lines of a workload, flushed so long runs show where they are."""
    print(message, flush=True)


# -- command line -----------------------------------------------------------


def parse_sizes(text: str) -> list[int]:
    """``"1e3,1e4"`` -> ``[1000, 10000]``."""
    try:
        sizes = [int(float(part)) for part in text.split(",") if part.strip()]
    except ValueError as exc:
        raise argparse.ArgumentTypeError(f"sizes must be numbers like 1e3,1e4: {text!r}") from exc
    if not sizes or min(sizes) < 1:
        raise argparse.ArgumentTypeError(f"sizes must be positive: {text!r}")
    return sizes


RunFn = Callable[[Sequence[int], int, int], list[Result]]


def parser_for(description: str, default_sizes: str, default_repeat: int | None) -> argparse.ArgumentParser:
    """The options every command shares (``--repeat`` None = each workload's own count)."""
    parser = argparse.ArgumentParser(description=description)
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes(default_sizes),
                        help=f"comma-separated sizes (default {default_sizes})")
    parser.add_argument("--repeat", type=int, default=default_repeat,
                        help=f"repetitions per size (default {default_repeat or 'per workload'})")
    parser.add_argument("--seed", type=int, default=1, help="data generator seed (default 1)")
    parser.add_argument("--clock", choices=sorted(CLOCKS), default="wall",
                        help="wall (default) or cpu: process CPU time, steadier on a busy machine")
    return parser


def main_for(run: RunFn, description: str, default_sizes: str, default_repeat: int) -> None:
    args = parser_for(description, default_sizes, default_repeat).parse_args()
    use_clock(args.clock)
    results = run(args.sizes, args.repeat, args.seed)
    print()
    print(format_table(results))


# -- engine and DuckDB ------------------------------------------------------


def new_engine() -> Any:
    """A fresh ``congress.engine.PolicyEngine`` (imported late: the benchmarks run without it for DuckDB)."""
    from congress.engine import PolicyEngine

    return PolicyEngine()


DUCKDB_THREADS = 1


def duckdb_description() -> str:
    import duckdb

    return f"DuckDB {duckdb.__version__} ({DUCKDB_THREADS} thread)"


def duckdb_connect() -> Any:
    """An in-memory DuckDB limited to one thread, like the engine (and the machine is shared)."""
    import duckdb

    con = duckdb.connect(":memory:")
    con.execute(f"SET threads = {DUCKDB_THREADS}")
    return con


def duckdb_load(con: Any, table: str, columns: Sequence[str], rows: Sequence[Row]) -> None:
    """Create ``table`` holding ``rows``, column types taken from the Python values.

    Columns go through numpy arrays (int64, float64 or object for strings), which
    DuckDB scans directly; row-by-row inserts would take longer than the queries.
    """
    import numpy as np

    data = {}
    for name, values in zip(columns, zip(*rows, strict=True) if rows else [()] * len(columns), strict=True):
        kinds = {type(v) for v in values}
        dtype = np.int64 if kinds == {int} else np.float64 if kinds == {float} else object
        if dtype is object and kinds - {str}:
            raise ValueError(f"column {table}.{name} mixes {kinds}: generate one type per column")
        data[name] = np.array(values, dtype=dtype)
    view = f"_load_{table}"
    con.register(view, data)
    con.execute(f'CREATE OR REPLACE TABLE "{table}" AS SELECT * FROM "{view}"')
    con.unregister(view)
