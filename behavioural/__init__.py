"""SPICE-calibrated behavioural model of the IPNet neuron (plain numpy).

- :mod:`behavioural.params`: :class:`NeuronParams` (device physics + fitted circuit terms),
  :func:`load_calibration` (``build/behavioural/calibration.json``);
- :mod:`behavioural.model`: :class:`InputEvents`, :class:`NeuronState`, :func:`simulate`
  (event-driven, vectorized over neurons);
- :mod:`behavioural.stimuli`: characterization and held-out stimuli;
- :mod:`behavioural.spice`: the same stimuli on the SPICE circuit;
- :mod:`behavioural.calibrate`: fit and validation (``python -m behavioural.calibrate``);
- :mod:`behavioural.layer`: the recency protocol on a layer of neurons;
- :mod:`behavioural.bench`: its benchmark entry.

Interface and provenance: docs/behavioural_neuron.md.
"""
