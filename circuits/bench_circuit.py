"""A PySpice circuit that carries its testbench preamble as data.

The generators (:mod:`circuits.ipnet_neuron`, :mod:`circuits.ipnet_neuron_v4`,
:mod:`circuits.ipnet_array`, :mod:`circuits.lif_neuron`) give a :class:`BenchCircuit` its
comment header, its ``.include`` lines and its simulator options (``sim_options``, e.g.
``{"method": "gear"}``) instead of writing them into ``raw_spice`` themselves.
``str(circuit)`` -- PySpice's netlist, what is golden-tested and simulated -- starts, after
the title, with them in this order: the header, the includes, one ``.options`` card
(:func:`circuits.spice_cards.option_lines`, none for no options), then the raw SPICE the
generator adds (model cards, ``.nodeset``), the subcircuits and the elements.  The options
stay readable and replaceable as data until the text is rendered.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from PySpice.Spice.Netlist import Circuit

from .spice_cards import option_lines


class BenchCircuit(Circuit):
    """A circuit with ``header`` (comment lines), ``includes`` (``.include`` lines) and
    ``sim_options`` (simulator options by name) rendered ahead of its raw SPICE."""

    def __init__(
        self,
        title,
        ground=0,
        global_nodes=(),
        *,
        header: Iterable[str] = (),
        includes: Iterable[str] = (),
        sim_options: Mapping[str, object] | None = None,
    ):
        super().__init__(title, ground, global_nodes)
        self.header = tuple(header)
        self.includes = tuple(includes)
        self.sim_options = dict(sim_options or {})
        for line in (*self.header, *self.includes):
            if not isinstance(line, str) or "\n" in line or not line.strip():
                raise ValueError(f"testbench preamble line {line!r}; allowed one non-empty line")
        option_lines(self.sim_options)  # refuses an option that would not stay one token

    def preamble_lines(self) -> list[str]:
        """The header, the includes and the ``.options`` card, as ``str`` writes them."""
        return [*self.header, *self.includes, *option_lines(self.sim_options)]

    def _str_raw_spice(self) -> str:
        # PySpice's Netlist.__str__ writes raw_spice first (after the title): the preamble
        # goes just ahead of it
        return "".join(ln + "\n" for ln in self.preamble_lines()) + super()._str_raw_spice()

    def clone(self, title=None):
        circuit = super().clone(title)
        circuit.header, circuit.includes = self.header, self.includes
        circuit.sim_options = dict(self.sim_options)
        return circuit
