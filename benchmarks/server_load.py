"""Load on the real congress-server: throughput and latency of the hot REST operations.

Starts congress-server (noauth, SQLite, a temp dir), pushes the generated cloud of
benchmarks.cloud (``--servers`` servers, ~3 ports each, networks, projects) through the API
into push data sources named like the real drivers (nova, neutronv2, keystonev3), creates
the `error` policy over them, then drives each operation in turn with concurrent clients
(``--procs`` processes x ``--threads`` threads, each with its own keep-alive connection)
for ``--duration`` seconds:

* GET error rows   ``GET /v1/policies/bench/tables/error/rows``
* rule insert      ``POST …/rules`` of a rule over `error` (each followed by ...)
* rule delete      ``DELETE …/rules/<id>`` (... so the state stays the same)
* push delta       ``PATCH /v1/data-sources/nova/tables/servers/rows`` inserting, then deleting, a server
* simulate         ``POST /v1/policies/bench?action=simulate&delta=true``: would this new server violate?

Every answer must be 2xx, and `error` must equal the generator's truth before and after.

    python -m benchmarks.server_load [--servers 1e4] [--duration 5] [--procs 2] [--threads 4]
                                     [--ops get_rows rules push simulate] [--profile DIR]
"""

from __future__ import annotations

import argparse
import http.client
import json
import os
import statistics
import subprocess
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from benchmarks.cloud import ERROR_RULES, SCHEMAS, CloudData, update_atom
from benchmarks.harness import BenchmarkMismatch, fmt_seconds, parse_sizes, report
from tests.functional.conftest import CongressServer

POLICY = "bench"
TARGET_RPS = {"GET error rows": 1000.0, "simulate": 200.0}
TARGET_P99_S = 0.050
# The pushed tables are larger than the default 1 MiB body limit allows in one PUT.
SERVER_CONF = "max_request_body_size = 67108864"


class Client:
    """One keep-alive HTTP/1.1 connection; lighter than requests, so the server is what is measured."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def call(self, method: str, path: str, body: Any = None) -> tuple[int, Any, float]:
        """(status, decoded JSON or None, seconds taken)."""
        data = None if body is None else json.dumps(body).encode()
        headers = {"Content-Type": "application/json"} if data is not None else {}
        start = time.perf_counter()
        self.conn.request(method, path, body=data, headers=headers)
        resp = self.conn.getresponse()
        raw = resp.read()
        elapsed = time.perf_counter() - start
        return resp.status, (json.loads(raw) if raw else None), elapsed


# -- the operations: each runs one step and returns [(label, status, seconds)] ------------------

Step = Callable[[Client, int, int, CloudData], list[tuple[str, int, float]]]


def get_error_rows(client: Client, tid: int, i: int, cloud: CloudData) -> list[tuple[str, int, float]]:
    status, _, t = client.call("GET", f"/v1/policies/{POLICY}/tables/error/rows")
    return [("GET error rows", status, t)]


def rule_insert_delete(client: Client, tid: int, i: int, cloud: CloudData) -> list[tuple[str, int, float]]:
    rule = f'watch_{tid}_{i}(s) :- error(s), nova:servers(s, n, h, "ACTIVE", t, u, im, f, z, hn, c)'
    status, created, t1 = client.call("POST", f"/v1/policies/{POLICY}/rules", {"rule": rule})
    out = [("rule insert", status, t1)]
    if status == 201:
        status, _, t2 = client.call("DELETE", f"/v1/policies/{POLICY}/rules/{created['id']}")
        out.append(("rule delete", status, t2))
    return out


def push_delta(client: Client, tid: int, i: int, cloud: CloudData) -> list[tuple[str, int, float]]:
    server, _ = cloud.new_server(tid * 1_000_000 + i, violating=bool(i % 2))
    path = "/v1/data-sources/nova/tables/servers/rows"
    s1, _, t1 = client.call("PATCH", path, {"insert": [list(server)]})
    s2, _, t2 = client.call("PATCH", path, {"delete": [list(server)]})
    return [("push delta", s1, t1), ("push delta", s2, t2)]


def simulate(client: Client, tid: int, i: int, cloud: CloudData) -> list[tuple[str, int, float]]:
    violating = bool(i % 2)
    server, port = cloud.new_server(tid * 1_000_000 + i, violating)
    sequence = f"{update_atom('nova', 'servers', '+', server)} {update_atom('neutronv2', 'ports', '+', port)}"
    body = {"query": "error(x)", "sequence": sequence, "action_policy": "action"}
    status, result, t = client.call("POST", f"/v1/policies/{POLICY}?action=simulate&delta=true", body)
    if status == 200 and result["result"] != ([f'error+("{server[0]}")'] if violating else []):
        raise BenchmarkMismatch(
            f"simulate answered {result} for {'a violating' if violating else 'a clean'} server"
        )
    return [("simulate", status, t)]


OPERATIONS: dict[str, Step] = {
    "get_rows": get_error_rows,
    "rules": rule_insert_delete,
    "push": push_delta,
    "simulate": simulate,
}


# -- driving --------------------------------------------------------------------------------


def drive(port: int, op: str, duration: float, threads: int, proc: int, n_servers: int) -> list[tuple]:
    """One client process: ``threads`` threads run ``op`` for ``duration`` seconds; every sample."""
    cloud = CloudData.generate(n_servers) if op == "simulate" or op == "push" else None
    step = OPERATIONS[op]
    samples: list[tuple] = []
    lock = threading.Lock()
    deadline = time.perf_counter() + duration

    failures: list[BaseException] = []

    def loop(tid: int) -> None:
        client, mine, i = Client(port), [], 0
        try:
            while time.perf_counter() < deadline:
                mine.extend(step(client, tid, i, cloud))
                i += 1
        except BaseException as exc:  # a wrong answer or a lost connection: the run is void
            failures.append(exc)
        with lock:
            samples.extend(mine)

    workers = [threading.Thread(target=loop, args=(proc * 100 + t,)) for t in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    if failures:
        raise failures[0]
    return samples


@dataclass
class Figures:
    label: str
    count: int
    errors: int
    rps: float
    p50: float
    p99: float
    server_cpu: float  # server CPU seconds per request of this operation (all its labels together)

    def verdict(self) -> str:
        ok = self.errors == 0 and self.p99 < TARGET_P99_S and self.rps >= TARGET_RPS.get(self.label, 0)
        return "PASS" if ok else "MISS"


def cpu_seconds(pid: int) -> float:
    """User + system CPU time the process has used (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def measure(server: CongressServer, op: str, args: argparse.Namespace) -> list[Figures]:
    port, pid = server.port, server.proc.pid
    cpu_before = cpu_seconds(pid)
    with ProcessPoolExecutor(args.procs) as pool:
        futures = [
            pool.submit(drive, port, op, args.duration, args.threads, p, args.servers)
            for p in range(args.procs)
        ]
        samples = [s for f in futures for s in f.result()]
    cpu = (cpu_seconds(pid) - cpu_before) / max(1, len(samples))
    figures = []
    for label in dict.fromkeys(s[0] for s in samples):
        times = sorted(s[2] for s in samples if s[0] == label)
        errors = sum(1 for s in samples if s[0] == label and not 200 <= s[1] < 300)
        p99 = times[min(len(times) - 1, int(len(times) * 0.99))]
        figures.append(
            Figures(label, len(times), errors, len(times) / args.duration, statistics.median(times), p99, cpu)
        )
    return figures


# -- set-up ---------------------------------------------------------------------------------


def expected_errors(cloud: CloudData) -> set[str]:
    """The generator's truth: servers with a port on a network owned by a project of another domain."""
    network_domain = {net[0]: cloud.domain_of_project[net[1]] for net in cloud.networks}
    return {
        server[0]
        for server in cloud.servers
        if any(
            network_domain[p[3]] != cloud.domain_of_project[server[4]]
            for p in cloud.ports_by_server[server[0]]
        )
    }


def load(client: Client, cloud: CloudData) -> None:
    for datasource, tables in SCHEMAS.items():
        schema = {table: list(columns) for table, columns in tables.items()}
        body = {"name": datasource, "driver": "push", "config": {"schema": schema}}
        status, answer, _ = client.call("POST", "/v1/data-sources", body)
        assert status == 201, answer
    for datasource, table, rows in cloud.tables():
        status, answer, t = client.call("PUT", f"/v1/data-sources/{datasource}/tables/{table}/rows", rows)
        assert status == 200, answer
        report(f"  pushed {len(rows)} rows into {datasource}:{table} in {fmt_seconds(t)}")
    status, answer, t = client.call(
        "POST", "/v1/policies", {"name": POLICY, "rules": [{"rule": r} for r in ERROR_RULES]}
    )
    assert status == 201, answer
    report(f"  created policy {POLICY} (the error rules) in {fmt_seconds(t)}")


def check_errors(client: Client, truth: set[str], when: str) -> None:
    status, answer, t = client.call("GET", f"/v1/policies/{POLICY}/tables/error/rows")
    got = {row["data"][0] for row in answer["results"]}
    if status != 200 or got != truth:
        raise BenchmarkMismatch(f"error rows {when}: {len(got)} rows, expected {len(truth)}")
    report(f"  error has the expected {len(got)} rows {when} (GET took {fmt_seconds(t)})")


@contextmanager
def profiled(pid: int, op: str, args: argparse.Namespace) -> Iterator[None]:
    """With ``--profile DIR``: py-spy samples the server (the thread holding the GIL: where CPU goes)
    while ``op`` runs, into DIR/<op>.txt (collapsed
    stacks, one ``frame;frame;... count`` line each: feed to flamegraph.pl or sort by count)."""
    if args.profile is None:
        yield
        return
    args.profile.mkdir(parents=True, exist_ok=True)
    out = args.profile / f"{op}.txt"
    spy = subprocess.Popen(
        [
            "py-spy",
            "record",
            "-p",
            str(pid),
            "-d",
            str(int(args.duration)),
            "-r",
            "100",
            "-f",
            "raw",
            "-o",
            str(out),
            "--nonblocking",
            "--gil",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield
    finally:
        spy.wait(timeout=args.duration + 30)
        report(f"  profile of the server during {op}: {out}")


def run(args: argparse.Namespace) -> list[Figures]:
    cloud = CloudData.generate(args.servers)
    truth = expected_errors(cloud)
    with tempfile.TemporaryDirectory(prefix="congress-load-") as state:
        server = CongressServer(Path(state), SERVER_CONF)
        server.start()
        try:
            report(f"congress-server pid {server.proc.pid} on {server.url} (state in {state})")
            client = Client(server.port)
            start = time.perf_counter()
            load(client, cloud)
            loaded = time.perf_counter() - start
            report(f"loaded {args.servers} servers, {len(cloud.ports)} ports in {loaded:.1f} s")
            check_errors(client, truth, "after loading")
            figures = []
            for op in args.ops:
                report(f"driving {op} for {args.duration:g} s with {args.procs}x{args.threads} clients ...")
                with profiled(server.proc.pid, op, args):
                    figures.extend(measure(server, op, args))
            check_errors(Client(server.port), truth, "after the load")  # the first one timed out idle
            return figures
        finally:
            server.stop()


def table(figures: list[Figures], args: argparse.Namespace) -> str:
    header = ("operation", "requests", "errors", "req/s", "p50", "p99", "server CPU/req", "target", "verdict")
    rows = [
        (
            f.label,
            str(f.count),
            str(f.errors),
            f"{f.rps:.0f}",
            fmt_seconds(f.p50),
            fmt_seconds(f.p99),
            fmt_seconds(f.server_cpu),
            (f">= {TARGET_RPS[f.label]:.0f} req/s, " if f.label in TARGET_RPS else "") + "p99 < 50 ms",
            f.verdict(),
        )
        for f in figures
    ]
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip() for r in [header, *rows]]
    lines.insert(1, "  ".join("-" * w for w in widths))
    lines.append(
        f"{args.servers} servers; {args.procs} client processes x {args.threads} threads, keep-alive; "
        f"{args.duration:g} s per operation; load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores "
        "(client and server share them)"
    )
    lines.append(
        "server CPU/req: server process CPU time over the requests of that operation (1 / it bounds req/s"
    )
    lines.append("on one core: the GIL keeps the server on about one)")
    return "\n".join(lines)


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--servers", type=lambda s: parse_sizes(s)[0], default=10_000, help="servers (1e4)")
    parser.add_argument("--duration", type=float, default=5.0, help="seconds per operation (5)")
    parser.add_argument("--procs", type=int, default=2, help="client processes (2)")
    parser.add_argument("--threads", type=int, default=4, help="threads per client process (4)")
    parser.add_argument("--ops", nargs="+", choices=list(OPERATIONS), default=list(OPERATIONS))
    parser.add_argument("--profile", type=Path, help="write py-spy profiles of the server to this directory")
    return parser.parse_args(argv)


def main() -> None:
    args = parse_args()
    figures = run(args)
    print()
    print(table(figures, args))


if __name__ == "__main__":
    main()
