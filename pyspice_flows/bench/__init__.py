"""Benchmarks of the simulation stack; ``python -m pyspice_flows.bench`` -> build/bench.json."""
