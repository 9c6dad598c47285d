#!/usr/bin/env bash
# The main job: set up umm, create an environment from the bundled demo channel
# (demo/channel) and run programs from it.
set -euo pipefail
cd "$(dirname "$0")/.."
# set up .venv (tests/test_demo.py skips it: no reinstall under the running suite)
[ -n "${UMM_DEMO_SKIP_SETUP:-}" ] || scripts/setup.sh test >/dev/null
UMM=".venv/bin/umm"
export MAMBA_ROOT_PREFIX="${UMM_DEMO_ROOT:-$PWD/demo/root}"
# the demo channel's python has no pip package to depend on
export MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY=false
rm -rf "$MAMBA_ROOT_PREFIX"
"$UMM" --version
CHANNEL="$PWD/demo/channel"
# umm-hello needs the demo channel's venv-style python, which points at the interpreter
# of the machine that made the channel (regenerate with scripts/make_demo_channel.py)
specs=(zlib prefix-echo hello-data=1.0 umm-hello)
"$UMM" create -y -n demo -c "$CHANNEL" --override-channels "${specs[@]}"
ENV="$MAMBA_ROOT_PREFIX/envs/demo"
echo "--- umm run: the C program prints the prefix it was relocated to:"
"$UMM" run -n demo prefix-echo
echo "--- zlib's pkg-config file points at the env:"
grep '^prefix=' "$ENV/lib/pkgconfig/zlib.pc"
if [ -x "$ENV/bin/umm-hello" ]; then
  echo "--- a noarch python entry point, run by the env's python:"
  "$ENV/bin/umm-hello" || echo "(the demo channel's python does not match this machine: run scripts/make_demo_channel.py)"
fi
"$UMM" update -y -n demo -c "$CHANNEL" --override-channels hello-data
cat "$ENV/share/hello-data/where.txt"
"$UMM" list -n demo
