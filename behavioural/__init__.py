"""SPICE-calibrated behavioural models of the IPNet neurons (plain numpy).

Behavioural neuron v2, of IPNet neuron v4 (the heat-gated stochastic neuron; ``make
behavioural``, docs/behavioural.md):

- :mod:`behavioural.v4_model`: :class:`V4Calibration`, :func:`run` (slots in, seeded spikes
  out, vectorized over neurons), :func:`gain_by_lag`;
- :mod:`behavioural.v4_calibrate`, :mod:`behavioural.v4_validate`: calibration per design,
  device and temperature, held-out validation (``build/behavioural/summary.json``);
- :mod:`behavioural.v4_layer`: a layer of them at an event sensor, read by a probe;
- :mod:`behavioural.events`, :mod:`behavioural.readout`, :mod:`behavioural.network`,
  :mod:`behavioural.network_report`: the network-level memory test (``make network``,
  docs/network.md).

Behavioural neuron v1, of the latency neuron (IPNet neuron v2; ``make behavioural-v2``,
docs/behavioural_neuron.md):

- :mod:`behavioural.params`: :class:`NeuronParams` (device physics + fitted circuit terms),
  :func:`load_calibration` (``build/behavioural/calibration.json``);
- :mod:`behavioural.model`: :class:`InputEvents`, :class:`NeuronState`, :func:`simulate`
  (event-driven, vectorized over neurons);
- :mod:`behavioural.stimuli`: characterization and held-out stimuli;
- :mod:`behavioural.spice`: the same stimuli on the SPICE circuit;
- :mod:`behavioural.calibrate`: fit and validation (``python -m behavioural.calibrate``);
- :mod:`behavioural.layer`: the recency protocol on a layer of neurons.

:mod:`behavioural.bench`: the benchmark entries (f) (v1 recency layer) and (g) (the v4
layer through 100 event streams).
"""
