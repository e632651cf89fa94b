"""All workloads in one run, then one summary table (medians, DuckDB's figure, ratio, target, verdict).

W1, W2 and W3 run at every size (servers for W1/W2, edges for W3); W4 and the
memory figure at the largest. ``--repeat`` overrides every workload's own count.

    python -m benchmarks.run_all [--sizes 1e3,1e4,1e5] [--repeat K] [--seed S]
"""

from __future__ import annotations

import argparse

from benchmarks import memory, w1_full_eval, w2_incremental, w3_reachability, w4_simulate
from benchmarks.harness import format_table, parse_sizes, report

WORKLOADS = (w1_full_eval, w2_incremental, w3_reachability, w4_simulate, memory)
ALL_SIZES = (w1_full_eval, w2_incremental, w3_reachability)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=parse_sizes, default=parse_sizes("1e3,1e4,1e5"))
    parser.add_argument("--repeat", type=int, default=None, help="repetitions for every workload")
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    results = []
    for workload in WORKLOADS:
        sizes = args.sizes if workload in ALL_SIZES else [max(args.sizes)]
        results += workload.run(sizes, args.repeat or workload.DEFAULT_REPEAT, args.seed)
        report("")
    print(format_table(results))


if __name__ == "__main__":
    main()
