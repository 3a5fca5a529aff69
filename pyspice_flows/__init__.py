"""Simulation flows of IPNet-SPICE, one room per job.

``sim`` runs ngspice (session, OSDI cache, toolchain check); ``app`` holds the command-line
plumbing and atomic publishing every command uses; ``measure`` turns waveforms into numbers
(numpy only); ``metrics`` computes each figure of merit once; ``experiments``, ``sweep`` and
``bench`` are the flows built on them, and ``testbenches`` writes the stand-alone netlists
(``ipnet netlists``).  Imports point down that list only.
"""
