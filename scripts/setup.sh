#!/usr/bin/env bash
# Create .venv with umm installed (editable) plus the test tools.
# Usage: scripts/setup.sh [extra ...]   (extras of pyproject.toml, default: test)
set -euo pipefail
cd "$(dirname "$0")/.."
PY=${PYTHON:-python3}
extras=${*:-test}
extras=${extras// /,}
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[${extras}]"
