"""`umm self-update` run by the real frozen binary (``UMM_EXE``; skipped otherwise).

A copy of the binary updates itself from a release served over HTTP:

* the same version in ``LATEST``: "already up to date", nothing downloaded;
* the real binary published as a newer version: it downloads, verifies and
  runs it, sees it print the old version and refuses (a frozen binary cannot
  be relabelled), keeping itself;
* a newer fake ``umm`` (a script printing its version): the frozen binary
  really replaces itself with it.

``scripts/ci-frozen.sh`` runs these (they use ``umm_env``, so they are ``e2e``).
"""
from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path
from typing import Optional

import pytest

from tests.conftest import umm_command, umm_exe_is_external
from tests.selfupdate.conftest import leftovers


def frozen_binary() -> Optional[Path]:
    if not umm_exe_is_external():
        return None
    cmd = umm_command()
    if len(cmd) != 1:
        return None
    from umm.package.selfupdate.exe import looks_like_python

    return None if looks_like_python(cmd[0]) else Path(cmd[0])


@pytest.fixture
def frozen_copy(tmp_path: Path) -> Path:
    binary = frozen_binary()
    if binary is None:
        pytest.skip("UMM_EXE is not a frozen umm binary")
    dest = tmp_path / "bin" / "umm"
    dest.parent.mkdir()
    shutil.copy2(binary, dest)
    return dest


def _version(path: Path, env) -> str:
    proc = subprocess.run([str(path), "--version"], capture_output=True, text=True, env=env,
                          timeout=120)
    assert proc.returncode == 0, proc.stderr
    return proc.stdout.strip()


def _self_update(path: Path, env, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(path), "self-update", *args], capture_output=True, text=True,
                          env=env, stdin=subprocess.DEVNULL, timeout=300)


def test_frozen_binary_updates_itself(umm_env, frozen_copy, releases):
    env = umm_env.environ
    current = _version(frozen_copy, env)
    original = frozen_copy.read_bytes()

    # 1. the same version is already up to date
    releases.set_latest(current)
    proc = _self_update(frozen_copy, env, "--base-url", releases.url)
    assert proc.returncode == 0, proc.stderr
    assert f"Your umm version ({current}) is already up to date." in proc.stdout
    assert releases.server.count("/umm-*") == 0

    # 2. the real binary relabelled as a newer version: it runs, but says `current`
    relabelled = f"{current}.1"
    releases.add(relabelled, binary=frozen_copy)
    proc = _self_update(frozen_copy, env, "--base-url", releases.url, "-y")
    assert proc.returncode == 1
    assert f"printed '{current}', expected '{relabelled}'" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert frozen_copy.read_bytes() == original and leftovers(frozen_copy.parent) == []

    # 3. --dry-run changes nothing
    newer = f"{current}.2"
    releases.add(newer)
    releases.server.reset_log()
    proc = _self_update(frozen_copy, env, "--base-url", releases.url, "--dry-run")
    assert proc.returncode == 0 and "Dry run" in proc.stdout, proc.stderr
    assert releases.server.count("/umm-*") == 0

    # 4. a newer (fake) release really replaces the frozen binary, which then lets the
    #    new umm refresh the shell it had initialised
    init = subprocess.run([str(frozen_copy), "shell", "init", "-s", "bash"], env=env,
                          capture_output=True, text=True, timeout=120)
    assert init.returncode == 0, init.stderr
    proc = _self_update(frozen_copy, env, "--base-url", releases.url, "-y")
    assert proc.returncode == 0, proc.stderr
    assert f"umm {newer} is installed at {frozen_copy.resolve()} (was {current})." \
        in proc.stdout
    assert "Reinitializing all previously initialized shells (bash)" in proc.stdout
    assert "Traceback" not in proc.stderr and "error" not in proc.stderr
    assert _version(frozen_copy, env) == newer
    assert releases.calls() == [f"shell reinit --root-prefix {umm_env.root_prefix}"]
    assert leftovers(frozen_copy.parent) == []


def test_frozen_binary_json_update(umm_env, frozen_copy, releases):
    env = umm_env.environ
    current = _version(frozen_copy, env)
    newer = f"{current}.3"
    releases.add(newer)
    proc = _self_update(frozen_copy, env, "--base-url", releases.url, "--json")
    assert proc.returncode == 0, proc.stderr
    doc = json.loads(proc.stdout)
    assert doc["updated"] and doc["version"] == newer and doc["current_version"] == current
    assert doc["executable"] == str(frozen_copy.resolve())
    assert _version(frozen_copy, env) == newer


def test_frozen_binary_checks_the_checksum(umm_env, frozen_copy, releases):
    env = umm_env.environ
    current = _version(frozen_copy, env)
    archive = releases.add(f"{current}.5")
    archive.with_name(archive.name + ".sha256").write_text("0" * 64 + "\n")
    original = frozen_copy.read_bytes()
    proc = _self_update(frozen_copy, env, "--base-url", releases.url, "-y")
    assert proc.returncode == 1 and "checksum mismatch" in proc.stderr
    assert frozen_copy.read_bytes() == original and leftovers(frozen_copy.parent) == []
