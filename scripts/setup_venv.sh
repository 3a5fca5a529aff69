#!/usr/bin/env bash
# Create the project-local virtual environment (.venv) and install the project into it.
# Idempotent: reinstalls only when pyproject.toml is newer than the last install.
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv
STAMP=$VENV/.installed
PYTHON=${PYTHON:-python3}

if [ -f "$STAMP" ] && [ "$STAMP" -nt pyproject.toml ] && [ -x "$VENV/bin/python" ]; then
    exit 0
fi
if [ ! -x "$VENV/bin/python" ]; then
    if ! "$PYTHON" -m venv "$VENV" 2>/dev/null; then
        rm -rf "$VENV"
        if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
            echo "setup_venv: installing python3-venv"
            DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null \
                || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null; }
            "$PYTHON" -m venv "$VENV"
        else
            echo "setup_venv: '$PYTHON -m venv' failed; install Python 3.11+ with venv support" >&2
            exit 1
        fi
    fi
fi
echo "setup_venv: installing Python dependencies into $VENV"
"$VENV/bin/python" -m pip install -q --upgrade pip
"$VENV/bin/python" -m pip install -q -e '.[test]'
touch "$STAMP"
