"""The release directory and the update plan (umm.package.selfupdate.release)."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tests.freeze.helpers import REPO
from umm.net.errors import HttpError
from umm.package.selfupdate.errors import (InvalidRelease, InvalidVersionText, OfflineUpdate,
                                           ReleaseNotFound)
from umm.package.selfupdate.release import (ChecksumLine, ReleaseSource, UpdatePlan,
                                            check_version, fetch_checksum, fetch_latest,
                                            normalize_base_url, plan_update)

DIGEST = "ab" * 32


# -- ChecksumLine -----------------------------------------------------------------------
@pytest.mark.parametrize("text,name,binary", [
    (f"{DIGEST}  umm-1.0-linux-64.tar.bz2\n", "umm-1.0-linux-64.tar.bz2", False),
    (f"{DIGEST} *umm-1.0-linux-64.tar.bz2", "umm-1.0-linux-64.tar.bz2", True),
    (f"{DIGEST}\n", None, False),
    (f"\ufeff{DIGEST.upper()}  ./umm.tar.bz2\r\nsecond line\n", "umm.tar.bz2", False),
])
def test_checksum_line_parse(text, name, binary):
    line = ChecksumLine.parse(text)
    assert line.sha256 == DIGEST and line.name == name and line.binary is binary
    assert ChecksumLine.parse(str(line)) == line


@pytest.mark.parametrize("text", ["", "abc  file", "z" * 64 + "  f", DIGEST[:-1] + "  f",
                                  "  " + DIGEST + "x  f"])
def test_checksum_line_rejects_garbage(text):
    with pytest.raises(ValueError):
        ChecksumLine.parse(text)


@given(digest=st.text("0123456789abcdef", min_size=64, max_size=64),
       name=st.one_of(st.none(), st.from_regex(r"[A-Za-z0-9._+-]{1,40}", fullmatch=True)),
       binary=st.booleans())
def test_checksum_line_round_trips(digest, name, binary):
    line = ChecksumLine(digest, name, binary)
    again = ChecksumLine.parse(str(line))
    assert again == line and hash(again) == hash(line) and str(again) == str(line)


def test_checksum_line_is_immutable():
    line = ChecksumLine(DIGEST, "x")
    with pytest.raises(AttributeError):
        line.sha256 = "0" * 64  # type: ignore[misc]


# -- versions and URLs -------------------------------------------------------------------
@pytest.mark.parametrize("text", ["", "1.0/../../etc", "1.0 beta", "1.0;rm", "1.0\n2"])
def test_bad_versions(text):
    with pytest.raises(InvalidVersionText) as info:
        check_version(text, "--version")
    assert info.value.exit_code == 2 and "--version" in str(info.value)


def test_good_versions_parse():
    assert str(check_version("0.2.0+local.1", "x")) == "0.2.0+local.1"


def test_source_urls(tmp_path):
    src = ReleaseSource("https://example.org/rel/", "linux-64")
    assert src.latest_url == "https://example.org/rel/LATEST"
    assert src.archive_url("0.2.0") == "https://example.org/rel/umm-0.2.0-linux-64.tar.bz2"
    assert src.checksum_url("0.2.0").endswith(".tar.bz2.sha256")
    assert src.member == "bin/umm" and not src.is_local
    assert ReleaseSource("https://h/x", "win-64").member == "Library/bin/umm.exe"
    local = ReleaseSource(str(tmp_path), "osx-arm64")
    assert local.is_local and local.base_url == tmp_path.resolve().as_uri()
    assert local == ReleaseSource(tmp_path.as_uri() + "/", "osx-arm64")
    assert "t0ken" not in repr(ReleaseSource("https://h/t/t0ken/rel", "linux-64"))


def test_local_paths_expand_home(monkeypatch, tmp_path):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert normalize_base_url("~/dist") == (tmp_path / "dist").resolve().as_uri()


def test_default_url_is_install_sh_default():
    from umm.config.keys import get

    text = (REPO / "scripts" / "install.sh").read_text()
    default = re.search(r'^DEFAULT_BASE_URL="([^"]+)"', text, re.M).group(1)
    key = get("self_update_url")
    assert key.default(None) == default
    assert key.env_vars == ("MAMBA_SELF_UPDATE_URL", "UMM_BASE_URL")


# -- the plan -------------------------------------------------------------------------------
def plan(current, target, pinned=False):
    return UpdatePlan(current, target, pinned, "/bin/umm", ReleaseSource("https://h", "linux-64"))


@pytest.mark.parametrize("current,target,pinned,up_to_date,downgrade,newer", [
    ("1.0.0", "1.1.0", False, False, False, False),
    ("1.0.0", "1.0.0", False, True, False, False),
    ("1.0.0", "1.0", False, True, False, False),       # conda: 1.0 == 1.0.0
    ("1.1.0", "1.0.0", False, True, True, True),        # a dev build newer than LATEST
    ("1.1.0", "1.0.0", True, False, True, False),       # a pinned downgrade is done
    ("1.0.0", "1.0.0", True, True, False, False),
    ("1.0.0rc1", "1.0.0", False, False, False, False),  # conda ordering, not text
    ("1.9.0", "1.10.0", False, False, False, False),
])
def test_plan_decisions(current, target, pinned, up_to_date, downgrade, newer):
    p = plan(current, target, pinned)
    assert p.up_to_date is up_to_date
    assert p.downgrade is downgrade
    assert p.newer_than_release is newer
    assert p.archive_name == f"umm-{target}-linux-64.tar.bz2"


def test_plan_reads_latest(releases, client):
    releases.set_latest("2.0.0")
    src = ReleaseSource(releases.url, "linux-64")
    p = plan_update(client, src, "1.0.0", "/bin/umm")
    assert (p.current, p.target, p.pinned) == ("1.0.0", "2.0.0", False)
    assert releases.server.count("/LATEST") == 1


def test_pinned_version_reads_nothing(releases, client):
    src = ReleaseSource(releases.url, "linux-64")
    p = plan_update(client, src, "1.0.0", "/bin/umm", version="0.9")
    assert p.pinned and p.target == "0.9" and p.downgrade
    assert releases.server.count() == 0


@pytest.mark.parametrize("content,error", [
    ("", "is empty"),
    ("  \n", "is empty"),
    ("1.0/../x\n", "only letters"),
    ("1.0 2.0\n", "only letters"),
])
def test_bad_latest(releases, client, content, error):
    (releases.root / "LATEST").write_text(content)
    with pytest.raises((InvalidRelease, InvalidVersionText), match=re.escape(error)):
        fetch_latest(client, ReleaseSource(releases.url, "linux-64"))


def test_latest_missing_is_release_not_found(releases, client):
    with pytest.raises(ReleaseNotFound) as info:
        fetch_latest(client, ReleaseSource(releases.url, "linux-64"))
    assert info.value.status == 404 and "LATEST not found" in str(info.value)


def test_latest_from_a_local_directory(tmp_path, client):
    (tmp_path / "LATEST").write_text("3.1\n")
    assert fetch_latest(client, ReleaseSource(str(tmp_path), "linux-64")) == "3.1"
    with pytest.raises(ReleaseNotFound):
        fetch_latest(client, ReleaseSource(str(tmp_path / "nope"), "linux-64"))


def test_server_errors_are_retried_then_reported(releases, client):
    releases.set_latest("2.0")
    releases.server.fault("/LATEST", "status", status=503, times=2)
    assert fetch_latest(client, ReleaseSource(releases.url, "linux-64")) == "2.0"
    assert releases.server.count("/LATEST") == 3
    releases.server.fault("/LATEST", "status", status=500)
    with pytest.raises(HttpError) as info:
        fetch_latest(client, ReleaseSource(releases.url, "linux-64"))
    assert info.value.status == 500


def test_huge_latest_is_refused(releases, client):
    (releases.root / "LATEST").write_text("1" * 100_000)
    with pytest.raises(InvalidRelease, match="more than"):
        fetch_latest(client, ReleaseSource(releases.url, "linux-64"))


def test_offline_needs_a_local_directory(tmp_path, client):
    with pytest.raises(OfflineUpdate) as info:
        plan_update(client, ReleaseSource("https://h/rel", "linux-64"), "1.0", "/bin/umm",
                    offline=True)
    assert info.value.exit_code == 2
    (tmp_path / "LATEST").write_text("1.1\n")
    p = plan_update(client, ReleaseSource(str(tmp_path), "linux-64"), "1.0", "/bin/umm",
                    offline=True)
    assert p.target == "1.1"


def test_checksum_file_must_name_the_archive(releases, client):
    src = ReleaseSource(releases.url, "linux-64")
    p = UpdatePlan("1.0", "2.0", True, "/bin/umm", src)
    sha = Path(releases.root / (p.archive_name + ".sha256"))
    sha.write_text(f"{DIGEST}  umm-2.0-osx-64.tar.bz2\n")
    with pytest.raises(InvalidRelease, match="osx-64"):
        fetch_checksum(client, p)
    sha.write_text("not a checksum\n")
    with pytest.raises(InvalidRelease, match="sha256"):
        fetch_checksum(client, p)
    sha.write_text(f"{DIGEST}  dist/{p.archive_name}\n")
    assert fetch_checksum(client, p).sha256 == DIGEST
