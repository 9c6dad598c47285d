#!/bin/sh
# Install the umm executable: `curl -Ls <url> | tar xj bin/umm`, written out.
#
#   curl -fsSL <base-url>/install.sh | sh
#   sh install.sh [-b BIN_FOLDER] [-v VERSION] [-u BASE_URL] [-p PLATFORM] [--init|--no-init]
#
# Downloads umm-<version>-<platform>.tar.bz2 and its .sha256 from BASE_URL,
# verifies the checksum, extracts bin/umm and places it in BIN_FOLDER. Nothing
# else on the machine is touched unless shell initialisation is asked for.
#
# Environment (the flags above take precedence):
#   BIN_FOLDER       where to put umm                   (default: ~/.local/bin)
#   UMM_VERSION      version to install, or "latest"    (default: latest, read from BASE_URL/LATEST)
#   UMM_BASE_URL     where the release files are        (default: see DEFAULT_BASE_URL)
#   UMM_PLATFORM     conda platform                     (default: detected, e.g. linux-64)
#   INIT_YES         yes|no: run `umm shell init` for your shell   (asked when interactive, else no)
#   PREFIX_LOCATION  root prefix given to `umm shell init`         (default: ~/micromamba)
#   CONDA_FORGE_YES  yes|no: make conda-forge the default channel  (asked when interactive, else no)
#
# Release layout read from BASE_URL (what build/build.sh writes to dist/):
#   LATEST                                  the newest version, one line
#   umm-<version>-<platform>.tar.bz2        bin/umm (+ info/ metadata)
#   umm-<version>-<platform>.tar.bz2.sha256 "<sha256>  <file name>"
set -eu

DEFAULT_BASE_URL="https://github.com/umm-dev/umm/releases/latest/download"

say() { printf '%s\n' "$*" >&2; }
die() { printf 'install.sh: error: %s\n' "$*" >&2; exit 1; }

usage() {
  # the comment block at the top of this file (not available when piped into sh)
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" >&2 2>/dev/null \
    || echo "usage: install.sh [-b BIN_FOLDER] [-v VERSION] [-u BASE_URL] [-p PLATFORM] [--init|--no-init]" >&2
}

# --- arguments ----------------------------------------------------------------
while [ $# -gt 0 ]; do
  case "$1" in
    -b|--bin-folder) [ $# -ge 2 ] || die "$1 needs a value"; BIN_FOLDER="$2"; shift 2 ;;
    -v|--version) [ $# -ge 2 ] || die "$1 needs a value"; UMM_VERSION="$2"; shift 2 ;;
    -u|--base-url) [ $# -ge 2 ] || die "$1 needs a value"; UMM_BASE_URL="$2"; shift 2 ;;
    -p|--platform) [ $# -ge 2 ] || die "$1 needs a value"; UMM_PLATFORM="$2"; shift 2 ;;
    --init) INIT_YES=yes; shift ;;
    --no-init) INIT_YES=no; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument '$1' (try --help)" ;;
  esac
done

BASE_URL="${UMM_BASE_URL:-$DEFAULT_BASE_URL}"
BASE_URL="${BASE_URL%/}"

# --- platform -------------------------------------------------------------------
detect_platform() {
  os="$(uname -s)"
  arch="$(uname -m)"
  case "$os" in
    Linux) os=linux ;;
    Darwin) os=osx ;;
    *) die "unsupported operating system '$os' (set UMM_PLATFORM)" ;;
  esac
  case "$arch" in
    x86_64|amd64) arch=64 ;;
    aarch64|arm64) if [ "$os" = osx ]; then arch=arm64; else arch=aarch64; fi ;;
    ppc64le) arch=ppc64le ;;
    *) die "unsupported machine '$arch' (set UMM_PLATFORM)" ;;
  esac
  printf '%s-%s\n' "$os" "$arch"
}
PLATFORM="${UMM_PLATFORM:-$(detect_platform)}"

# --- tools ----------------------------------------------------------------------
fetch() {  # fetch URL FILE
  if command -v curl >/dev/null 2>&1; then
    curl -fsSL --retry 3 -o "$2" "$1" || die "download failed: $1"
  elif command -v wget >/dev/null 2>&1; then
    wget -q -O "$2" "$1" || die "download failed: $1"
  else
    die "neither curl nor wget is installed"
  fi
}

sha256_of() {  # sha256_of FILE
  if command -v sha256sum >/dev/null 2>&1; then
    sha256sum "$1" | cut -d' ' -f1
  elif command -v shasum >/dev/null 2>&1; then
    shasum -a 256 "$1" | cut -d' ' -f1
  elif command -v openssl >/dev/null 2>&1; then
    openssl dgst -sha256 "$1" | sed 's/^.*= *//'
  else
    die "no sha256sum, shasum or openssl to verify the download with"
  fi
}

command -v tar >/dev/null 2>&1 || die "tar is not installed"
command -v bzip2 >/dev/null 2>&1 || say "install.sh: warning: bzip2 not found; tar may not read .tar.bz2"

TMP="$(mktemp -d 2>/dev/null || mktemp -d -t umm-install)"
trap 'rm -rf "$TMP"' EXIT
trap 'exit 130' INT TERM

# --- version --------------------------------------------------------------------
VERSION="${UMM_VERSION:-latest}"
if [ "$VERSION" = latest ]; then
  fetch "$BASE_URL/LATEST" "$TMP/LATEST"
  VERSION="$(tr -d ' \t\r\n' <"$TMP/LATEST")"
  [ -n "$VERSION" ] || die "$BASE_URL/LATEST is empty"
fi
case "$VERSION" in
  *[!A-Za-z0-9._+-]*) die "invalid version '$VERSION'" ;;
esac

# --- download and verify ---------------------------------------------------------
ARCHIVE="umm-$VERSION-$PLATFORM.tar.bz2"
say "Downloading umm $VERSION for $PLATFORM from $BASE_URL"
fetch "$BASE_URL/$ARCHIVE" "$TMP/$ARCHIVE"
fetch "$BASE_URL/$ARCHIVE.sha256" "$TMP/$ARCHIVE.sha256"
expected="$(sed -n '1s/^\([0-9A-Fa-f]\{64\}\).*/\1/p' "$TMP/$ARCHIVE.sha256" | tr 'A-F' 'a-f')"
[ -n "$expected" ] || die "$ARCHIVE.sha256 does not hold a sha256 checksum"
actual="$(sha256_of "$TMP/$ARCHIVE")"
[ "$actual" = "$expected" ] || die "checksum mismatch for $ARCHIVE: expected $expected, got $actual"

mkdir "$TMP/x"
(cd "$TMP/x" && tar -xjf "../$ARCHIVE" bin/umm) || die "$ARCHIVE does not contain bin/umm"
[ -f "$TMP/x/bin/umm" ] || die "$ARCHIVE does not contain bin/umm"

# --- install ------------------------------------------------------------------------
BIN_FOLDER="${BIN_FOLDER:-$HOME/.local/bin}"
case "$BIN_FOLDER" in "~"|"~/"*) BIN_FOLDER="$HOME${BIN_FOLDER#\~}" ;; esac
mkdir -p "$BIN_FOLDER" || die "cannot create $BIN_FOLDER"
chmod 755 "$TMP/x/bin/umm"
# copy next to the target, then rename: a running umm is never half-overwritten
NEW="$BIN_FOLDER/.umm.new.$$"
cp "$TMP/x/bin/umm" "$NEW" || die "cannot write to $BIN_FOLDER"
if ! "$NEW" --version >/dev/null 2>&1; then
  rm -f "$NEW"
  die "the downloaded umm does not run on this machine ($PLATFORM); nothing was installed"
fi
mv -f "$NEW" "$BIN_FOLDER/umm" || { rm -f "$NEW"; die "cannot write $BIN_FOLDER/umm"; }
UMM="$BIN_FOLDER/umm"
say "Installed umm $VERSION to $UMM"

# --- optional set-up ------------------------------------------------------------------
ask() {  # ask QUESTION: yes/no from the terminal, default no when there is none
  if [ -r /dev/tty ] && [ -w /dev/tty ] && (: </dev/tty) 2>/dev/null; then
    printf '%s [y/N] ' "$1" >/dev/tty
    read -r answer </dev/tty || answer=""
    case "$answer" in [Yy]|[Yy][Ee][Ss]) echo yes ;; *) echo no ;; esac
  else
    echo no
  fi
}

shell_name="$(basename "${SHELL:-sh}")"
case "$shell_name" in
  bash|zsh|fish|xonsh|tcsh|dash|nu) ;;
  csh) shell_name=tcsh ;;
  *) shell_name=posix ;;
esac

[ -n "${INIT_YES:-}" ] || INIT_YES="$(ask "Initialize $shell_name to use umm (umm shell init)?")"
case "$INIT_YES" in
  [Yy]|[Yy][Ee][Ss]|1|true)
    PREFIX_LOCATION="${PREFIX_LOCATION:-$HOME/micromamba}"
    case "$PREFIX_LOCATION" in "~"|"~/"*) PREFIX_LOCATION="$HOME${PREFIX_LOCATION#\~}" ;; esac
    "$UMM" shell init --shell "$shell_name" --root-prefix "$PREFIX_LOCATION" \
      || die "umm shell init --shell $shell_name failed"
    say "Shell initialised; open a new terminal to use 'umm activate'." ;;
esac

[ -n "${CONDA_FORGE_YES:-}" ] || CONDA_FORGE_YES="$(ask "Use conda-forge as the default channel?")"
case "$CONDA_FORGE_YES" in
  [Yy]|[Yy][Ee][Ss]|1|true)
    "$UMM" config append channels conda-forge && "$UMM" config set channel_priority strict \
      || die "could not configure conda-forge" ;;
esac

case ":${PATH}:" in
  *":$BIN_FOLDER:"*) ;;
  *) say "Note: $BIN_FOLDER is not on your PATH; add it to run 'umm'." ;;
esac
