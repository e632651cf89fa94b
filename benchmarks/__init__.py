"""Engine benchmarks: one command per workload (python -m benchmarks.<name>) and run_all."""
