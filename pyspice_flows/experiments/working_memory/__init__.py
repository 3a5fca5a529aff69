"""Working-memory protocols on thermally coupled IPNet arrays.

``protocols`` plans and analyses recency, free recall and interference; ``trials`` runs the
array transients (and the worker pool); ``output`` writes CSVs, figures and the report page.
``python -m pyspice_flows.experiments.working_memory`` runs them.
"""
