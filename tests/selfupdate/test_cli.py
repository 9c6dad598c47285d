"""`umm self-update` from the command line.

Most tests run the CLI in-process with the running executable injected (the
fake ``tmp/bin/umm`` stands for the frozen binary, version 1.0.0); the refusal
when umm runs from Python runs the real ``python -m umm`` in a subprocess.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO, clean_environ
from tests.selfupdate.conftest import leftovers, platform


@pytest.fixture
def cli(isolated, installed, monkeypatch, capsys):
    import umm
    from umm.package.selfupdate import exe

    monkeypatch.setattr(umm, "__version__", "1.0.0")
    runtime = exe.Runtime("pyinstaller", str(installed), str(installed))
    monkeypatch.setattr(exe.Runtime, "current", classmethod(lambda cls: runtime))

    def run(*args: str, stdin: str = ""):
        from umm.cli.main import main

        monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
        code = main(["self-update", *args])
        out, err = capsys.readouterr()
        return code, out, err

    return run


def version_of(path: Path) -> str:
    return subprocess.run([str(path), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def archive_requests(releases) -> int:
    return releases.server.count("/umm-*")


def test_already_up_to_date(cli, releases, installed):
    releases.add("1.0.0")
    code, out, err = cli("--base-url", releases.url)
    assert code == 0, err
    assert "Your umm version (1.0.0) is already up to date." in out
    assert archive_requests(releases) == 0 and version_of(installed) == "1.0.0"


def test_newer_than_latest(cli, releases):
    releases.add("0.9.0")
    code, out, _ = cli("--base-url", releases.url)
    assert code == 0 and "newer than the latest release (0.9.0)" in out
    assert archive_requests(releases) == 0


def test_update(cli, releases, installed):
    releases.add("2.0.0")
    code, out, err = cli("--base-url", releases.url, "-y")
    assert code == 0, err
    assert "Updating umm 1.0.0 -> 2.0.0" in out
    assert f"umm 2.0.0 is installed at {installed} (was 1.0.0)." in out
    assert version_of(installed) == "2.0.0" and leftovers(installed.parent) == []


def test_confirmation(cli, releases, installed):
    releases.add("2.0.0")
    code, out, err = cli("--base-url", releases.url, stdin="n\n")
    assert code == 1 and "Confirm changes [Y/n]" in out
    assert err.strip() == "error: self-update cancelled: nothing was changed"
    assert archive_requests(releases) == 0 and version_of(installed) == "1.0.0"
    code, out, err = cli("--base-url", releases.url, stdin="y\n")
    assert code == 0, err
    assert version_of(installed) == "2.0.0"


def test_json(cli, releases, installed):
    archive = releases.add("2.0.0")
    code, out, err = cli("--base-url", releases.url, "--json")
    assert code == 0, err
    doc = json.loads(out)
    assert doc["success"] and doc["updated"] and not doc["dry_run"]
    assert (doc["current_version"], doc["version"]) == ("1.0.0", "2.0.0")
    assert doc["executable"] == str(installed) and doc["platform"] == platform()
    assert doc["url"] == f"{releases.url}/{archive.name}"
    assert doc["sha256"] == releases.release.sha256_file(archive)
    assert doc["reinit"] == []
    releases.set_latest("1.0.0")  # the in-process "running" version stays 1.0.0
    code, out, _ = cli("--base-url", releases.url, "--json")
    doc = json.loads(out)
    assert code == 0 and doc["up_to_date"] and not doc["updated"]


def test_dry_run(cli, releases, installed):
    releases.add("2.0.0")
    code, out, err = cli("--base-url", releases.url, "--dry-run")
    assert code == 0, err
    assert "Updating umm 1.0.0 -> 2.0.0" in out and "Dry run: nothing was downloaded" in out
    assert archive_requests(releases) == 0 and version_of(installed) == "1.0.0"
    code, out, _ = cli("--base-url", releases.url, "--dry-run", "--json")
    doc = json.loads(out)
    assert code == 0 and doc["dry_run"] and not doc["updated"] and doc["version"] == "2.0.0"


def test_pinned_version(cli, releases, installed):
    releases.add("0.8.0", latest=False)
    releases.add("2.0.0")
    code, out, err = cli("--base-url", releases.url, "--version", "0.8.0", "-y")
    assert code == 0, err
    assert "Downgrading umm 1.0.0 -> 0.8.0" in out and version_of(installed) == "0.8.0"
    assert releases.server.count("/LATEST") == 0
    code, out, _ = cli("--base-url", releases.url, "--version", "1.0.0")
    assert code == 0 and "already up to date" in out


def _one_error_line(err: str) -> str:
    """The one error line (progress lines such as "Downloaded ..." may come before it)."""
    lines = [ln for ln in err.strip().splitlines() if ln.startswith("error")]
    assert len(lines) == 1 and err.strip().endswith(lines[0]), err
    assert "Traceback" not in err
    return lines[0]


def test_checksum_mismatch(cli, releases, installed):
    archive = releases.add("2.0.0")
    archive.with_name(archive.name + ".sha256").write_text("f" * 64 + "\n")
    before = installed.read_bytes()
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 1
    assert "checksum mismatch" in _one_error_line(err)
    assert installed.read_bytes() == before and leftovers(installed.parent) == []


def test_release_missing(cli, releases, installed):
    releases.set_latest("2.0.0")
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 1
    line = _one_error_line(err)
    assert "not found" in line and "404" in line and version_of(installed) == "1.0.0"


def test_no_release_directory(cli, releases):
    code, _, err = cli("--base-url", releases.url + "/nothing-here")
    assert code == 1 and "LATEST not found" in _one_error_line(err)


def test_broken_new_binary(cli, releases, installed):
    releases.add("2.0.0", body="#!/bin/sh\nexit 3\n")
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 1
    assert "does not work on this machine" in _one_error_line(err)
    assert version_of(installed) == "1.0.0" and leftovers(installed.parent) == []


def test_bad_arguments(cli, releases):
    code, _, err = cli("--base-url", releases.url, "--version", "1.0/../x")
    assert code == 2 and "invalid umm version" in _one_error_line(err)
    code, _, err = cli("--base-url", releases.url, "--offline")
    assert code == 2 and "offline" in _one_error_line(err)
    assert releases.server.count() == 0


def test_offline_from_a_local_release_directory(cli, releases, installed):
    releases.add("2.0.0")
    code, _, err = cli("--base-url", str(releases.root), "--offline", "-y")
    assert code == 0, err
    assert version_of(installed) == "2.0.0" and releases.server.count() == 0


def test_base_url_sources(cli, releases, isolated, monkeypatch, tmp_path):
    releases.add("1.0.0")
    other = tmp_path / "elsewhere"
    other.mkdir()
    (other / "LATEST").write_text("1.0.0\n")
    # rc file key
    (isolated / ".mambarc").write_text(f"self_update_url: {releases.url}\n")
    assert cli()[0] == 0 and releases.server.count("/LATEST") == 1
    # env vars beat rc files; MAMBA_SELF_UPDATE_URL beats UMM_BASE_URL (install.sh's)
    monkeypatch.setenv("UMM_BASE_URL", str(other))
    assert cli()[0] == 0 and releases.server.count("/LATEST") == 1
    monkeypatch.setenv("MAMBA_SELF_UPDATE_URL", releases.url)
    assert cli()[0] == 0 and releases.server.count("/LATEST") == 2
    # the command line beats everything
    assert cli("--base-url", str(other))[0] == 0 and releases.server.count("/LATEST") == 2


def test_network_settings_apply(cli, releases, isolated):
    releases.add("2.0.0")
    rc = isolated / ".mambarc"
    rc.write_text("remote_max_retries: 0\n")
    releases.server.fault("/LATEST", "status", status=503, times=1)
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 1 and "HTTP 503" in _one_error_line(err)
    rc.write_text("remote_max_retries: 2\nremote_backoff_factor: 0\n")
    releases.server.fault(f"/umm-2.0.0-{platform()}.tar.bz2", "reset", times=2)
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 0, err


def test_credentials_from_the_auth_file(cli, releases, isolated, installed):
    releases.add("2.0.0")
    releases.server.require_auth("bearer", "t0ps3cret")
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 1 and "401" in err and "t0ps3cret" not in err
    auth = isolated / ".mamba" / "auth" / "authentication.json"
    auth.parent.mkdir(parents=True)
    host = releases.url.split("://", 1)[1]
    auth.write_text(json.dumps({host: {"type": "BearerToken", "token": "t0ps3cret"}}))
    code, _, err = cli("--base-url", releases.url, "-y")
    assert code == 0, err
    assert version_of(installed) == "2.0.0"


def test_initialized_shells_are_reinitialized(cli, releases, isolated, installed, tmp_path,
                                              capsys):
    from umm.cli.main import main

    assert main(["shell", "init", "-s", "bash", "-r", str(tmp_path / "root")]) == 0
    capsys.readouterr()
    releases.add("2.0.0")
    code, out, err = cli("--base-url", releases.url, "-y")
    assert code == 0, err
    assert "Reinitializing all previously initialized shells (bash)" in out
    calls = releases.calls()
    assert calls == [f"shell reinit --root-prefix {tmp_path / 'root'}"]


def test_failed_reinit_is_a_warning(cli, releases, isolated, tmp_path, capsys):
    from umm.cli.main import main

    assert main(["shell", "init", "-s", "bash", "-r", str(tmp_path / "root")]) == 0
    capsys.readouterr()
    releases.add("2.0.0", body='#!/bin/sh\n[ "$1" = --version ] && echo 2.0.0 && exit 0\n'
                              'echo "cannot reinit" >&2; exit 4\n')
    code, out, err = cli("--base-url", releases.url, "-y", "--json")
    assert code == 0
    assert json.loads(out)["reinit"] == []
    assert "warning: `umm shell reinit` exited with 4: cannot reinit" in err


def test_python_runs_refuse(releases, tmp_path):
    """`python -m umm self-update` never overwrites anything and says how to update."""
    releases.add("2.0.0")
    env = clean_environ(tmp_path / "home", tmp_path / "root")
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.run([sys.executable, "-m", "umm", "self-update", "--base-url",
                           releases.url, "-y"], capture_output=True, text=True, env=env,
                          cwd=str(tmp_path))
    assert proc.returncode == 1
    line = _one_error_line(proc.stderr)
    assert "running from Python" in line and "-m pip install --upgrade umm" in line
    assert releases.server.count() == 0
    assert os.listdir(tmp_path / "channel") and not list(tmp_path.rglob("*.bak"))
