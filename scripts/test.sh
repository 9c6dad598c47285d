#!/usr/bin/env bash
# Set up .venv and run the whole test-suite (2 workers). Extra args go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test
exec .venv/bin/python -m pytest -n "${UMM_TEST_WORKERS:-2}" -q "$@"
