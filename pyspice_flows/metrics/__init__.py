"""Figures of merit computed once from simulations; sweeps, benchmarks and reports call them."""
