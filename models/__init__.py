"""The models the circuits are built from, shipped as package data (read through
:func:`circuits.paths.model_file`): ``devices/*.toml`` (MTJ device files), ``tech/``
(the 28 nm-class BSIM4 library and its matching figures), ``verilog_a/`` (the Verilog-A
models and their include files).  No code."""
