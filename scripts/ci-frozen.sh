#!/usr/bin/env bash
# CI, after the main test run: build each frozen variant and run the end-to-end
# subset of the suite (tests marked e2e: every test using umm_env, plus the
# frozen-binary checks) against it: the Nuitka build in umm's exec launcher (the
# release) and the PyInstaller onefile. Each build also smoke-tests its binary
# (build/smoke.py: every subcommand, and the main job over HTTP).
#
# The tests run from an empty directory, with UMM_EXE pointing at a copy of the
# binary, and with the Python that built it (and the venvs) removed from PATH
# and PYTHONPATH/PYTHONHOME unset: the binary must stand on its own. pytest
# itself runs on the test venv's interpreter by absolute path.
#
#   scripts/ci-frozen.sh [extra pytest args]
# Environment: UMM_TEST_WORKERS (default 2), PYTHON (build interpreter),
# UMM_FROZEN_VARIANTS (tested, default "nuitka pyinstaller"), UMM_FROZEN_BUILD_ONLY (built
# and smoke-tested, default none; e.g. "nuitka-onefile"). The tests see the variant in
# UMM_EXE_VARIANT.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

[ -x .venv/bin/python ] || scripts/setup.sh test >/dev/null
TEST_PY="$ROOT/.venv/bin/python"

RUN_DIR="$(mktemp -d "${TMPDIR:-/tmp}/umm-ci-frozen.XXXXXX")"
trap 'rm -rf "$RUN_DIR"' EXIT

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

status=0
for variant in ${UMM_FROZEN_VARIANTS-nuitka pyinstaller}; do
  case "$variant" in
    pyinstaller) exe="dist/pyinstaller/umm"; name=pyinstaller ;;
    nuitka) exe="dist/nuitka/umm"; name=nuitka ;;
    nuitka-onefile) exe="dist/nuitka-onefile/umm"; name=nuitka-onefile ;;
    *) echo "ci-frozen: unknown variant $variant" >&2; exit 2 ;;
  esac
  start=$(date +%s)
  (cd "$ROOT" && bash build/build.sh "$variant")
  echo "ci-frozen: $name build took $(( $(date +%s) - start ))s" >&2
  run="$RUN_DIR/$name"
  mkdir -p "$run/bin" "$run/work" "$run/tmp"
  cp "$ROOT/$exe" "$run/bin/umm"
  echo "ci-frozen: e2e tests against $name" >&2
  # TMPDIR inside RUN_DIR: a onefile binary unpacks itself under $TMPDIR (PyInstaller's
  # _MEI*), and a SIGKILLed run (tests/reliability) cannot remove it; the trap does.
  # umm's own launcher unpacks once, into UMM_ONEFILE_DIR (tests pass it on).
  (cd "$run/work" && env -u PYTHONPATH -u PYTHONHOME PATH="$clean_path" \
    UMM_EXE="$run/bin/umm" UMM_EXE_VARIANT="$name" TMPDIR="$run/tmp" XDG_CACHE_HOME="$run/tmp" \
    UMM_ONEFILE_DIR="$run/unpack" \
    "$TEST_PY" -m pytest "$ROOT/tests" -c "$ROOT/pyproject.toml" --rootdir "$ROOT" \
    -p no:cacheprovider -m e2e -n "${UMM_TEST_WORKERS:-2}" -q "$@") || status=1
done
for variant in ${UMM_FROZEN_BUILD_ONLY-}; do
  start=$(date +%s)
  (cd "$ROOT" && UMM_RELEASE=none bash build/build.sh "$variant") || status=1
  echo "ci-frozen: $variant build and smoke test took $(( $(date +%s) - start ))s" >&2
done
exit $status
