"""benchmarks.server_load on a small cloud for a moment: every operation runs and answers correctly."""

from __future__ import annotations

from benchmarks.server_load import parse_args, run


def test_server_load_runs_every_operation():
    args = parse_args(["--servers", "300", "--duration", "0.3", "--procs", "1", "--threads", "2"])
    figures = run(args)  # checks the error rows against the generator before and after the load
    assert {f.label for f in figures} == {
        "GET error rows",
        "rule insert",
        "rule delete",
        "push delta",
        "simulate",
    }
    assert all(f.count > 0 and f.errors == 0 and f.p50 <= f.p99 for f in figures)
