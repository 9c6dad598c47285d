#!/usr/bin/env bash
# System packages the test-suite uses when present: real shells for the shell
# integration tests. Best effort: skipped without root or apt.
set -uo pipefail
need=()
for sh in zsh fish tcsh dash; do command -v "$sh" >/dev/null 2>&1 || need+=("$sh"); done
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
  export DEBIAN_FRONTEND=noninteractive
  (apt-get update -qq && apt-get install -y -qq --no-install-recommends "${need[@]}") >/dev/null 2>&1 \
    || echo "system-deps: could not install ${need[*]} (shell tests for them will skip)" >&2
else
  echo "system-deps: not root or no apt; missing shells: ${need[*]}" >&2
fi
