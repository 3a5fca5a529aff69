"""Working-memory protocols on thermally coupled IPNet arrays.

``protocols`` plans and analyses recency, free recall and interference; ``trials`` runs the
array transients (and the worker pool); ``output`` writes CSVs, figures and the report page.
``python -m pyspice_flows.experiments.working_memory`` (``ipnet working-memory-v2``) runs them
into ``build/working_memory_v2/``; ``ipnet working-memory`` is the protocols of neuron v4
(:mod:`pyspice_flows.experiments.working_memory_v4`).
"""
