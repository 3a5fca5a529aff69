"""Where the repository's files are: the one definition of the repository root."""

from __future__ import annotations

from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
"""The repository root (the folder that holds ``circuits/`` and ``models/``)."""

VERILOG_A_DIR = REPO_ROOT / "models" / "verilog_a"
DEVICES_DIR = REPO_ROOT / "models" / "devices"
BUILD_DIR = REPO_ROOT / "build"
