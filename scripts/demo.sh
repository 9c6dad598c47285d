#!/usr/bin/env bash
# The main job: set up umm, create an environment from the bundled demo channel
# (demo/channel) and run a program from it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh test >/dev/null
UMM=".venv/bin/umm"
export MAMBA_ROOT_PREFIX="$PWD/demo/root"
"$UMM" --version
"$UMM" --help
