#!/usr/bin/env bash
# CI, after the main test run: build the PyInstaller binary, then run the
# end-to-end subset of the suite (tests marked e2e: every test using umm_env,
# plus the frozen-binary checks) against it.
#
# The tests run from an empty directory, with UMM_EXE pointing at a copy of the
# binary, and with the Python that built it (and the venvs) removed from PATH
# and PYTHONPATH/PYTHONHOME unset: the binary must stand on its own. pytest
# itself runs on the test venv's interpreter by absolute path.
#
#   scripts/ci-frozen.sh [extra pytest args]
# Environment: UMM_TEST_WORKERS (default 2), PYTHON (build interpreter).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

start=$(date +%s)
bash build/build.sh pyinstaller
echo "ci-frozen: build took $(( $(date +%s) - start ))s" >&2

[ -x .venv/bin/python ] || scripts/setup.sh test >/dev/null
TEST_PY="$ROOT/.venv/bin/python"

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/umm-ci-frozen.XXXXXX")"
trap 'rm -rf "$RUN_DIR"' EXIT
mkdir -p "$RUN_DIR/bin" "$RUN_DIR/work" "$RUN_DIR/tmp"
cp dist/umm "$RUN_DIR/bin/umm"

# Directories that hold the build Python: the venvs and the interpreter's own
# directory (both as found on PATH and resolved, e.g. pyenv shims and versions).
drop=("$ROOT/build/.venv/bin" "$ROOT/.venv/bin")
build_py="$(command -v "${PYTHON:-python3}" || true)"
if [ -n "$build_py" ]; then
  drop+=("$(dirname "$build_py")")
  drop+=("$(dirname "$(readlink -f "$build_py")")")
  real="$("$build_py" -c 'import sys; print(sys.executable)' 2>/dev/null || true)"
  [ -n "$real" ] && drop+=("$(dirname "$real")" "$(dirname "$(readlink -f "$real")")")
fi
clean_path=""
IFS=: read -r -a entries <<<"$PATH"
for entry in "${entries[@]}"; do
  [ -n "$entry" ] || continue
  resolved="$(readlink -f "$entry" 2>/dev/null || echo "$entry")"
  keep=1
  for d in "${drop[@]}"; do
    if [ "$entry" = "$d" ] || [ "$resolved" = "$(readlink -f "$d" 2>/dev/null || echo "$d")" ]; then
      keep=0
    fi
  done
  [ "$keep" = 1 ] && clean_path="${clean_path:+$clean_path:}$entry"
done
echo "ci-frozen: PATH for the tests: $clean_path" >&2

cd "$RUN_DIR/work"
# TMPDIR inside RUN_DIR: the onefile binary unpacks itself under $TMPDIR/_MEI*, and a
# SIGKILLed run (tests/reliability) cannot remove its unpack dir; the trap does.
env -u PYTHONPATH -u PYTHONHOME PATH="$clean_path" UMM_EXE="$RUN_DIR/bin/umm" TMPDIR="$RUN_DIR/tmp" \
  "$TEST_PY" -m pytest "$ROOT/tests" -c "$ROOT/pyproject.toml" --rootdir "$ROOT" \
  -p no:cacheprovider -m e2e -n "${UMM_TEST_WORKERS:-2}" -q "$@"
