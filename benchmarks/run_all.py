"""All workloads in one run, then one summary table (medians, DuckDB's figure, ratio, target, verdict).

W1, W2 and W3 run at every size (servers for W1/W2, edges for W3); W4 and the
memory figure at the largest. ``--repeat`` overrides every workload's own count.

    python -m benchmarks.run_all [--sizes 1e3,1e4,1e5] [--repeat K] [--seed S] [--clock wall|cpu]
"""

from __future__ import annotations

from benchmarks import memory, w1_full_eval, w2_incremental, w3_reachability, w4_simulate
from benchmarks.harness import format_table, parser_for, report, use_clock

WORKLOADS = (w1_full_eval, w2_incremental, w3_reachability, w4_simulate, memory)
ALL_SIZES = (w1_full_eval, w2_incremental, w3_reachability)


def main() -> None:
    args = parser_for(__doc__.splitlines()[0], "1e3,1e4,1e5", None).parse_args()
    use_clock(args.clock)
    results = []
    for workload in WORKLOADS:
        sizes = args.sizes if workload in ALL_SIZES else [max(args.sizes)]
        results += workload.run(sizes, args.repeat or workload.DEFAULT_REPEAT, args.seed)
        report("")
    print(format_table(results))


if __name__ == "__main__":
    main()
