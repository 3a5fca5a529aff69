"""Costs from the circuit and from published tables: area from the netlist's device inventory
and the rule deck, memory-cost models, energy per operation, SRAM access, the backbone network.
Their TOML data files live beside them."""
