"""Experiments on the devices and neurons: MTJ characterization, switching probability,
plasticity (heat memory) and working memory."""
