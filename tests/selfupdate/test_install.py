"""Download, verify, check and replace (umm.package.selfupdate.install)."""
from __future__ import annotations

import io
import json
import os
import stat
import subprocess
import tarfile
from pathlib import Path

import pytest

from tests.selfupdate.conftest import leftovers, platform, write_fake
from umm.net.errors import HttpError
from umm.package.errors import DownloadError
from umm.package.selfupdate.errors import (BrokenBinary, InvalidRelease,
                                           ReleaseChecksumMismatch, ReleaseNotFound,
                                           ReplaceFailed)
from umm.package.selfupdate.install import (apply_update, check_binary, child_environ,
                                            replace_binary, version_output_matches)
from umm.package.selfupdate.release import ReleaseSource, plan_update
from umm.reporter import RecordingReporter


def _plan(releases, client, installed, version=None):
    src = ReleaseSource(releases.url, platform())
    return plan_update(client, src, "1.0.0", str(installed), version=version)


def _version_of(path: Path) -> str:
    return subprocess.run([str(path), "--version"], capture_output=True, text=True,
                          check=True).stdout.strip()


def test_update_replaces_the_binary(releases, client, installed):
    releases.add("2.0.0")
    installed.chmod(0o750)
    ino = installed.stat().st_ino
    rep = RecordingReporter()
    result = apply_update(_plan(releases, client, installed), client, reporter=rep)
    assert _version_of(installed) == "2.0.0"
    assert installed.stat().st_ino != ino  # a new file renamed in, not rewritten in place
    assert stat.S_IMODE(installed.stat().st_mode) == 0o750
    assert leftovers(installed.parent) == []
    archive = releases.archive_path("2.0.0")
    assert result.size == archive.stat().st_size
    import hashlib

    assert result.sha256 == hashlib.sha256(archive.read_bytes()).hexdigest()
    assert ("start", "download", archive.name, archive.name, None) in rep.events
    assert releases.server.count(f"/{archive.name}") == 1
    assert releases.server.count(f"/{archive.name}.sha256") == 1


def test_pinned_downgrade(releases, client, installed):
    releases.add("0.9.0", latest=False)
    releases.add("2.0.0")
    apply_update(_plan(releases, client, installed, version="0.9.0"), client)
    assert _version_of(installed) == "0.9.0"


def test_the_old_binary_survives_a_running_process(releases, client, installed, tmp_path):
    """On POSIX the running file keeps its inode: an open handle still reads the old one."""
    releases.add("2.0.0")
    with open(installed, "rb") as held:
        apply_update(_plan(releases, client, installed), client)
        assert b"1.0.0" in held.read()
    assert _version_of(installed) == "2.0.0"


def test_symlinked_binary_updates_the_real_file(releases, client, tmp_path):
    real = write_fake(tmp_path / "opt" / "umm", "1.0.0")
    link = tmp_path / "links" / "umm"
    link.parent.mkdir()
    link.symlink_to(real)
    releases.add("2.0.0")
    from umm.package.selfupdate.exe import Runtime, running_executable

    target = running_executable(Runtime("pyinstaller", str(link)))
    apply_update(_plan(releases, client, Path(target)), client)
    assert link.is_symlink() and _version_of(link) == "2.0.0"


def _assert_untouched(installed: Path, before: bytes) -> None:
    assert installed.read_bytes() == before
    assert leftovers(installed.parent) == []


def test_checksum_mismatch_keeps_the_old_binary(releases, client, installed):
    archive = releases.add("2.0.0")
    sha = archive.with_name(archive.name + ".sha256")
    sha.write_text("0" * 64 + "  " + archive.name + "\n")
    before = installed.read_bytes()
    with pytest.raises(ReleaseChecksumMismatch) as info:
        apply_update(_plan(releases, client, installed), client)
    assert info.value.expected == "0" * 64 and "nothing was changed" in str(info.value)
    _assert_untouched(installed, before)


def test_corrupted_download_is_caught(releases, client, installed):
    archive = releases.add("2.0.0")
    releases.server.fault(f"/{archive.name}", "corrupt")
    before = installed.read_bytes()
    with pytest.raises(ReleaseChecksumMismatch):
        apply_update(_plan(releases, client, installed), client)
    _assert_untouched(installed, before)


def test_broken_transfers_are_retried(releases, client, installed):
    archive = releases.add("2.0.0")
    releases.server.fault(f"/{archive.name}", "reset", times=1, fraction=0.3)
    releases.server.fault(f"/{archive.name}.sha256", "status", status=502, times=1)
    apply_update(_plan(releases, client, installed), client)
    assert _version_of(installed) == "2.0.0"


def test_missing_archive_is_release_not_found(releases, client, installed):
    releases.set_latest("2.0.0")
    (releases.root / f"umm-2.0.0-{platform()}.tar.bz2.sha256").write_text("ab" * 32 + "\n")
    before = installed.read_bytes()
    with pytest.raises(ReleaseNotFound) as info:
        apply_update(_plan(releases, client, installed), client)
    assert info.value.status == 404 and platform() in str(info.value)
    _assert_untouched(installed, before)


def test_missing_checksum_file_is_release_not_found(releases, client, installed):
    archive = releases.add("2.0.0")
    archive.with_name(archive.name + ".sha256").unlink()
    with pytest.raises(ReleaseNotFound, match=r"\.sha256 not found"):
        apply_update(_plan(releases, client, installed), client)
    assert releases.server.count(f"/{archive.name}") == 0  # never downloaded unverifiable


def test_server_error_on_archive(releases, client, installed):
    archive = releases.add("2.0.0")
    releases.server.fault(f"/{archive.name}", "status", status=500)
    before = installed.read_bytes()
    with pytest.raises(DownloadError):
        apply_update(_plan(releases, client, installed), client)
    _assert_untouched(installed, before)


def test_authentication_from_the_client(releases, installed):
    from umm.net import AuthStore, BearerToken, HttpClient, NetworkOptions

    releases.add("2.0.0")
    releases.server.require_auth("bearer", "s3cret")
    anonymous = HttpClient(NetworkOptions(max_retries=0))
    with pytest.raises(HttpError) as info:
        _plan(releases, anonymous, installed)
    assert info.value.status == 401
    host = releases.url.split("://", 1)[1]
    store = AuthStore().with_entry(host, BearerToken("s3cret"))
    with HttpClient(NetworkOptions(max_retries=0), store) as authed:
        apply_update(_plan(releases, authed, installed), authed)
    assert _version_of(installed) == "2.0.0"


BROKEN = {
    "exits 1": "#!/bin/sh\necho boom >&2\nexit 1\n",
    "wrong version": "#!/bin/sh\necho 1.0.0\n",
    "prints nothing": "#!/bin/sh\nexit 0\n",
    "not a program": "\x00\x01\x02 garbage that no kernel can execute\n",
}


@pytest.mark.parametrize("kind", sorted(BROKEN))
def test_a_new_binary_that_does_not_run_is_refused(releases, client, installed, kind):
    releases.add("2.0.0", body=BROKEN[kind])
    before = installed.read_bytes()
    with pytest.raises(BrokenBinary) as info:
        apply_update(_plan(releases, client, installed), client)
    msg = str(info.value)
    assert "2.0.0" in msg and f"{installed} was not changed" in msg and "\n" not in msg
    if kind == "exits 1":
        assert "exited with 1: boom" in msg
    if kind == "wrong version":
        assert "printed '1.0.0'" in msg
    _assert_untouched(installed, before)


def test_a_hanging_binary_times_out(releases, client, installed):
    releases.add("2.0.0", body="#!/bin/sh\nsleep 30\n")
    plan = _plan(releases, client, installed)
    before = installed.read_bytes()
    with pytest.raises(BrokenBinary, match="did not finish within 0.5 seconds"):
        apply_update(plan, client, check_timeout=0.5)
    _assert_untouched(installed, before)


def _tar(path: Path, members: dict) -> None:
    with tarfile.open(path, "w:bz2") as tar:
        for name, (data, kind) in members.items():
            ti = tarfile.TarInfo(name)
            if kind == "sym":
                ti.type, ti.linkname = tarfile.SYMTYPE, data
                tar.addfile(ti)
            else:
                ti.size, ti.mode = len(data), 0o755
                tar.addfile(ti, io.BytesIO(data))


def _publish(releases, version: str, members: dict) -> None:
    archive = releases.root / f"umm-{version}-{platform()}.tar.bz2"
    _tar(archive, members)
    digest = releases.release.sha256_file(archive)
    archive.with_name(archive.name + ".sha256").write_text(f"{digest}  {archive.name}\n")
    releases.set_latest(version)


FAKE2 = b"#!/bin/sh\necho 2.0.0\n"


@pytest.mark.parametrize("members,error", [
    ({"info/index.json": (b"{}", "file")}, "does not contain bin/umm"),
    ({"bin/umm": ("../../x", "sym")}, "cannot be extracted"),
    ({"bin/umm": ("umm-real", "sym"), "bin/umm-real": (FAKE2, "file")}, "not a regular file"),
    ({"../bin/umm": (FAKE2, "file")}, "cannot be extracted"),
    ({"bin/umm": (FAKE2, "file"),
      "info/index.json": (json.dumps({"name": "umm", "version": "3.0"}).encode(), "file")},
     "holds umm 3.0, not 2.0.0"),
    ({"bin/umm": (FAKE2, "file"),
      "info/index.json": (json.dumps({"name": "micromamba", "version": "2.0.0"}).encode(),
                          "file")},
     "holds the package 'micromamba'"),
    ({"bin/umm": (FAKE2, "file"),
      "info/paths.json": (json.dumps({"paths": [{"_path": "bin/umm", "sha256": "0" * 64}]})
                          .encode(), "file")},
     "does not match its info/paths.json"),
])
def test_archives_that_are_not_umm_releases(releases, client, installed, members, error):
    _publish(releases, "2.0.0", members)
    before = installed.read_bytes()
    with pytest.raises(InvalidRelease, match=error):
        apply_update(_plan(releases, client, installed), client)
    _assert_untouched(installed, before)


def test_a_minimal_archive_with_only_the_binary_works(releases, client, installed):
    _publish(releases, "2.0.0", {"bin/umm": (FAKE2, "file")})
    apply_update(_plan(releases, client, installed), client)
    assert _version_of(installed) == "2.0.0"


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes anywhere")
def test_read_only_folder_fails_before_downloading(releases, client, installed):
    releases.add("2.0.0")
    installed.parent.chmod(0o555)
    try:
        with pytest.raises(ReplaceFailed, match="no permission to write"):
            apply_update(_plan(releases, client, installed), client)
    finally:
        installed.parent.chmod(0o755)
    assert releases.server.count(f"/umm-2.0.0-{platform()}.tar.bz2") == 0


def test_unwritable_folder_is_checked_first(releases, client, installed, monkeypatch):
    """The same as above where the test runs as root: the permission check is os.access."""
    releases.add("2.0.0")
    real_access = os.access
    folder = str(installed.parent)
    monkeypatch.setattr(os, "access", lambda p, m, **kw: False if str(p) == folder
                        else real_access(p, m, **kw))
    with pytest.raises(ReplaceFailed, match=f"no permission to write in {folder}"):
        apply_update(_plan(releases, client, installed), client)
    assert releases.server.count("/umm-*") == 0  # LATEST only


def test_failed_rename_keeps_the_old_binary(tmp_path, monkeypatch):
    old = write_fake(tmp_path / "umm", "1.0.0")
    new = write_fake(tmp_path / ".umm.new.x", "2.0.0")
    before = old.read_bytes()

    def boom(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", boom)
    with pytest.raises(ReplaceFailed, match="No space left"):
        replace_binary(str(new), str(old))
    assert old.read_bytes() == before and not (tmp_path / "umm.bak").exists()


def test_backup_is_kept_until_the_new_binary_is_in_place(tmp_path, monkeypatch):
    old = write_fake(tmp_path / "umm", "1.0.0")
    new = write_fake(tmp_path / ".umm.new.x", "2.0.0")
    (tmp_path / "umm.bak").write_text("stale backup of an earlier crash")
    seen = {}
    real_replace = os.replace

    def spy(src, dst):
        bak = tmp_path / "umm.bak"
        seen["bak"] = bak.read_bytes() if bak.exists() else None
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", spy)
    replace_binary(str(new), str(old))
    assert seen["bak"] is not None and b"1.0.0" in seen["bak"]
    assert b"2.0.0" in old.read_bytes() and not (tmp_path / "umm.bak").exists()


@pytest.mark.parametrize("output,expected,ok", [
    ("2.0.0\n", "2.0.0", True),
    ("warning: something\n2.0.0\n", "2.0.0", True),
    ("2.0\n", "2.0.0", True),
    ("2.0.1\n", "2.0.0", False),
    ("umm 2.0.0\n", "2.0.0", False),
    ("", "2.0.0", False),
])
def test_version_output(output, expected, ok):
    assert version_output_matches(output, expected) is ok


def test_check_binary_does_not_pass_launcher_state(tmp_path):
    script = write_fake(tmp_path / "umm", "x", body="#!/bin/sh\n"
                        "if [ -n \"$_PYI_APPLICATION_HOME_DIR$NUITKA_ONEFILE_PARENT\" ]; "
                        "then echo leaked; else echo 2.0; fi\n")
    env = dict(os.environ, _PYI_APPLICATION_HOME_DIR="/tmp/_MEI1", NUITKA_ONEFILE_PARENT="1")
    check_binary(str(script), "2.0", str(tmp_path / "target"), environ=env)
    assert "_PYI_APPLICATION_HOME_DIR" not in child_environ(env)
    assert child_environ(env)["PATH"] == env["PATH"]


def test_staged_update_commit_and_discard(releases, client, installed):
    from umm.package.selfupdate.install import prepare_update

    releases.add("2.0.0")
    plan = _plan(releases, client, installed)
    before = installed.read_bytes()
    with prepare_update(plan, client) as staged:
        assert Path(staged.path).parent == installed.parent
        assert version_of_staged(staged.path) == "2.0.0"
        assert installed.read_bytes() == before  # nothing touched before commit
    assert not Path(staged.path).exists() and leftovers(installed.parent) == []
    assert installed.read_bytes() == before
    with pytest.raises(RuntimeError):
        staged.commit()
    staged = prepare_update(plan, client)
    result = staged.commit()
    assert result.plan is plan and _version_of(installed) == "2.0.0"
    with pytest.raises(RuntimeError):
        staged.commit()
    staged.discard()  # a no-op once committed
    assert _version_of(installed) == "2.0.0"


def version_of_staged(path: str) -> str:
    return _version_of(Path(path))
