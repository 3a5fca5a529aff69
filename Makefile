# IPNet-SPICE -- `make help` lists the targets.
# Every target does the set-up it needs; finished set-up is skipped in seconds.
SHELL := /bin/bash
.DEFAULT_GOAL := help
PY := .venv/bin/python
TOOLCHAIN_OK := build/.toolchain-ok
PYTEST_ARGS ?=

.PHONY: thermal-spec neuron-v4 working-memory working-memory-v2 working-memory-v4 sweep-v4 help setup ngspice venv osdi netlists test test-fast goldens lint format energy-report readme-numbers sweep bench behavioural behavioural-v4 behavioural-v2 network clean

help: ## list the targets
	@grep -E '^[a-z0-9-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

ngspice: ## install ngspice >= 39 with OSDI + libngspice (Debian 12: from bookworm-backports)
	@bash scripts/setup_ngspice.sh

venv: ## create .venv and install the Python side (PySpice, openvaf-r, numpy, ...)
	@bash scripts/setup_venv.sh

setup: ngspice venv $(TOOLCHAIN_OK) ## all set-up: ngspice, .venv, and a compile+simulate proof

$(TOOLCHAIN_OK): .venv/.installed scripts/setup_ngspice.sh pyspice_flows/sim/session.py
	@$(PY) -m pyspice_flows.sim.toolchain_check
	@mkdir -p build && touch $@

osdi: setup ## compile models/verilog_a/*.va to build/osdi/*.osdi (only what changed)
	@$(PY) -m pyspice_flows.sim.osdi

netlists: osdi ## write the neuron testbench netlists to build/netlists/ (run: ngspice -b build/netlists/<name>.cir)
	@$(PY) -m pyspice_flows.testbenches

lint: venv ## ruff (lint, format check) and the import-direction contract (what CI runs before the tests)
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/lint-imports

format: venv ## ruff: fix imports and reformat the code
	@.venv/bin/ruff check --fix .
	@.venv/bin/ruff format .

test: osdi ## run the whole test suite (what CI runs)
	@$(PY) -m pytest $(PYTEST_ARGS)

test-fast: osdi ## the tests without long transients (pytest -m "not slow")
	@$(PY) -m pytest -m "not slow" $(PYTEST_ARGS)

goldens: osdi ## regenerate tests/golden/ (the report's headline numbers, the testbench netlists) and README's results block after an intended change
	@$(PY) -m tests.regenerate_goldens

energy-report: netlists ## simulate the neurons and write reports/energy_report.{md,html,json} + PNGs
	@$(PY) -m area_energy.report

readme-numbers: venv ## rewrite README.md's results block from reports/energy_report.json (run energy-report first)
	@$(PY) -m area_energy.report.readme

sweep: osdi ## Monte Carlo sweep of the IPNet neuron -> build/sweep/results.csv
	@$(PY) -m pyspice_flows.sweep

working-memory: osdi ## working memory on neuron v4: recency (gain by lag, intervals), free recall (d'), interference vs the layout pitch, with controls -> build/working_memory/
	@$(PY) -m area_energy.working_memory

working-memory-v2: osdi ## the latency protocols of neuron v2 on coupled IPNet arrays -> build/working_memory_v2/
	@$(PY) -m pyspice_flows.experiments.working_memory

sweep-v4: osdi ## variation sweep of neuron v4: firing probabilities and memory gain per corner against the spec -> build/sweep_v4/
	@$(PY) -m pyspice_flows.sweep --spec pyspice_flows/sweeps/ipnet_v4.toml --out build/sweep_v4

neuron-v4: osdi ## heat-gated neuron v4: transfer curve, heat memory + ablation from 200 seeded trials per point -> build/neuron_v4/
	@$(PY) -m pyspice_flows.experiments.neuron_v4

working-memory-v4: working-memory ## alias of working-memory

thermal-spec: venv ## device thermal spec: heat-memory gain over thermal networks (exact switching law) -> build/thermal_spec/
	@$(PY) -m pyspice_flows.experiments.thermal_spec

bench: osdi ## benchmarks -> build/bench.json (with (f): 1,000 neuron-v2 models x recency, (g): 1,000 neuron-v4 models x 100 streams)
	@$(PY) -m pyspice_flows.bench
	@test -f build/behavioural/calibration.json || $(PY) -m behavioural.calibrate
	@test -f build/behavioural/behavioural_v4.json || $(PY) -m behavioural.v4_calibrate
	@$(PY) -m behavioural.bench

behavioural: osdi ## behavioural model of neuron v4 (stochastic), calibrated and validated at 0/27/85 C -> build/behavioural/summary.json
	@$(PY) -m behavioural.v4_calibrate

behavioural-v4: behavioural ## alias of behavioural

behavioural-v2: osdi ## the behavioural model of neuron v2 (latency neuron, 27 C) -> build/behavioural/calibration.json, summary_neuron_v2.json
	@$(PY) -m behavioural.calibrate

network: osdi ## 22-class event streams on a layer of neuron-v4 models, five memory variants -> build/network/
	@test -f build/behavioural/behavioural_v4.json || $(PY) -m behavioural.v4_calibrate
	@$(PY) -m behavioural.network

clean: ## remove build/ and reports/ (keeps .venv)
	rm -rf build reports .pytest_cache
