"""The package cache: layout, reuse, validity, several pkgs dirs, locks, concurrency."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Dict, List

import pytest

from tests.package.archives import member, write_package
from tests.package.pkgs import build_package, make_channel
from umm.net import HttpClient, NetworkOptions
from umm.package.cache import PackageCache, dist_name, is_valid_extracted, record_matches
from umm.package.errors import CacheError, ChecksumMismatch, DownloadError, LockTimeout, \
    UnsafeArchive
from umm.package.lock import FileLock
from umm.reporter import RecordingReporter

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture
def client():
    c = HttpClient(NetworkOptions(backoff_factor=0, max_retries=2, read_timeout=10,
                                  use_env_proxies=False))
    yield c
    c.close()


@pytest.fixture
def channel(channel_server) -> List[Dict[str, object]]:
    return make_channel(channel_server.root, 6, channel_server.url)


def assert_valid_cache(pkgs: Path, records) -> None:
    for rec in records:
        d = pkgs / dist_name(rec)
        assert is_valid_extracted(str(d), rec), d
        assert (pkgs / rec["fn"]).is_file()
        stored = json.loads((d / "info" / "repodata_record.json").read_text())
        assert stored["sha256"] == rec["sha256"] and stored["url"] == rec["url"]


def test_layout_and_repodata_record(channel_server, channel, client, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    rep = RecordingReporter()
    out = PackageCache([pkgs]).ensure(channel, client, rep, download_threads=3, extract_threads=2)
    assert set(out) == {r["fn"] for r in channel}
    for rec in channel:
        assert out[rec["fn"]] == str(pkgs / dist_name(rec))
    assert_valid_cache(pkgs, channel)
    stored = json.loads((pkgs / "pkg1-1.0-0" / "info" / "repodata_record.json").read_text())
    assert stored["channel"] == channel_server.url and stored["fn"] == "pkg1-1.0-0.conda"
    assert stored["subdir"] == "noarch" and stored["license"] == "BSD-3-Clause"
    urls = (pkgs / "urls.txt").read_text().split()
    assert sorted(urls) == sorted(r["url"] for r in channel)
    assert {e[1] for e in rep.events} == {"download", "extract"}
    assert not any(p.name.endswith(".partial") for p in pkgs.iterdir())
    assert list((pkgs / ".umm_trash").iterdir()) == []


def test_reuse_without_network(channel_server, channel, client, tmp_path: Path) -> None:
    cache = PackageCache([tmp_path / "pkgs"])
    first = cache.ensure(channel, client)
    before = channel_server.count()
    channel_server.stop()
    again = PackageCache([tmp_path / "pkgs"]).ensure(channel, None, offline=True)
    assert again == first
    assert channel_server.count() == before


def test_tarball_without_dir_is_extracted_not_downloaded(channel_server, channel, client,
                                                         tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    PackageCache([pkgs]).ensure(channel, client)
    import shutil

    shutil.rmtree(pkgs / "pkg2-1.0-0")
    n = channel_server.count()
    PackageCache([pkgs]).ensure(channel, client)
    assert channel_server.count() == n
    assert_valid_cache(pkgs, channel)


def test_corrupt_tarball_and_stale_dir_are_replaced(channel_server, channel, client,
                                                    tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    PackageCache([pkgs]).ensure(channel, client)
    rec0, rec1 = channel[0], channel[1]
    import shutil

    shutil.rmtree(pkgs / dist_name(rec0))
    (pkgs / rec0["fn"]).write_bytes(b"garbage")
    rr = pkgs / dist_name(rec1) / "info" / "repodata_record.json"
    doc = json.loads(rr.read_text())
    doc["sha256"] = "0" * 64
    rr.write_text(json.dumps(doc))
    assert not is_valid_extracted(str(pkgs / dist_name(rec1)), rec1)
    channel_server.reset_log()
    PackageCache([pkgs]).ensure(channel, client)
    assert channel_server.count(f"/noarch/{rec0['fn']}") == 1
    assert channel_server.count(f"/noarch/{rec1['fn']}") == 0  # its tarball was fine
    assert_valid_cache(pkgs, channel)


def test_checksum_mismatch_caches_nothing(channel_server, channel, client, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    rec = channel[4]
    channel_server.fault(f"/noarch/{rec['fn']}", "corrupt")
    with pytest.raises(ChecksumMismatch) as err:
        PackageCache([pkgs]).ensure([rec], client)
    assert rec["fn"] in str(err.value)
    assert not (pkgs / rec["fn"]).exists()
    assert not (pkgs / dist_name(rec)).exists()
    assert not (pkgs / (rec["fn"] + ".partial")).exists()
    assert not (pkgs / "urls.txt").exists()


def test_404_names_the_url(channel_server, channel, client, tmp_path: Path) -> None:
    rec = dict(channel[0], url=f"{channel_server.url}/noarch/gone-1.0-0.conda",
               fn="gone-1.0-0.conda", name="gone")
    with pytest.raises(DownloadError) as err:
        PackageCache([tmp_path / "pkgs"]).ensure([rec], client)
    assert rec["url"] in str(err.value) and err.value.status == 404


def test_truncated_transfer_is_retried(channel_server, channel, client, tmp_path: Path) -> None:
    rec = channel[5]
    channel_server.fault(f"/noarch/{rec['fn']}", "truncate", times=1, fraction=0.5)
    PackageCache([tmp_path / "pkgs"]).ensure([rec], client)
    assert_valid_cache(tmp_path / "pkgs", [rec])
    assert channel_server.count(f"/noarch/{rec['fn']}") == 2


def test_offline_without_the_package(channel, tmp_path: Path) -> None:
    with pytest.raises(CacheError, match="offline"):
        PackageCache([tmp_path / "pkgs"]).ensure(channel[:1], None, offline=True)


def test_several_pkgs_dirs(channel_server, channel, client, tmp_path: Path) -> None:
    shared = tmp_path / "shared-pkgs"
    PackageCache([shared]).ensure(channel[:3], client)
    blocker = tmp_path / "not-a-dir"
    blocker.write_text("a file: nothing can be created below it")
    mine = tmp_path / "my-pkgs"
    cache = PackageCache([blocker / "pkgs", mine, shared])
    assert cache.writable_dir() == str(mine)
    channel_server.reset_log()
    out = cache.ensure(channel, client)
    for rec in channel[:3]:  # read from the other cache, not copied
        assert out[rec["fn"]] == str(shared / dist_name(rec))
        assert not (mine / dist_name(rec)).exists()
    for rec in channel[3:]:
        assert out[rec["fn"]] == str(mine / dist_name(rec))
    assert channel_server.count() == 3
    with pytest.raises(CacheError, match="no writable package cache"):
        PackageCache([blocker / "a", blocker / "b"]).writable_dir()


def test_tarball_from_another_cache_is_extracted_into_the_writable_one(
        channel_server, channel, client, tmp_path: Path) -> None:
    other = tmp_path / "other"
    PackageCache([other]).ensure(channel[:1], client)
    import shutil

    shutil.rmtree(other / dist_name(channel[0]))
    channel_server.reset_log()
    out = PackageCache([tmp_path / "mine", other]).ensure(channel[:1], client)
    assert out[channel[0]["fn"]] == str(tmp_path / "mine" / dist_name(channel[0]))
    assert channel_server.count() == 0


def test_file_url_channel(tmp_path: Path) -> None:
    chan = tmp_path / "chan"
    rec = build_package(tmp_path / "src", chan / "noarch", "local", fmt=".tar.bz2")
    rec["url"] = (chan / "noarch" / rec["fn"]).as_uri()
    out = PackageCache([tmp_path / "pkgs"]).ensure([rec])
    assert Path(out[rec["fn"]], "bin", "local").is_file()


def test_record_merging_fills_from_index(channel_server, tmp_path: Path, client) -> None:
    chan = channel_server.root
    rec = build_package(tmp_path / "src", chan / "noarch", "dep", depends=["python >=3.8"])
    url = f"{channel_server.url}/noarch/{rec['fn']}"
    bare = {"url": url, "fn": rec["fn"], "name": "dep", "version": "1.0", "build": "0",
            "depends": [], "channel": channel_server.url}
    out = PackageCache([tmp_path / "pkgs"]).ensure([bare], client)
    stored = json.loads(Path(out[rec["fn"]], "info", "repodata_record.json").read_text())
    assert stored["depends"] == ["python >=3.8"]
    assert stored["sha256"] == rec["sha256"] and stored["md5"] == rec["md5"]
    assert stored["size"] == rec["size"] and stored["url"] == url


def test_record_matching() -> None:
    stored = {"name": "a", "version": "1", "build": "0", "sha256": "ab", "md5": "cd", "size": 3}
    assert record_matches(stored, {"name": "a", "version": "1", "build": "0", "sha256": "AB"})
    assert not record_matches(stored, {"name": "a", "version": "1", "build": "0", "sha256": "ff"})
    assert record_matches(stored, {"name": "a", "md5": "cd"})
    assert not record_matches(stored, {"name": "a", "size": 4})
    assert not record_matches(stored, {"name": "b"})


def test_hostile_package_leaves_no_dir(channel_server, client, tmp_path: Path) -> None:
    import hashlib

    path = write_package(channel_server.root / "evil-1.0-0.conda", [member("../../x", b"x")])
    data = path.read_bytes()
    rec = {"url": f"{channel_server.url}/evil-1.0-0.conda", "fn": "evil-1.0-0.conda",
           "name": "evil", "version": "1.0", "build": "0", "size": len(data),
           "sha256": hashlib.sha256(data).hexdigest()}
    pkgs = tmp_path / "pkgs"
    with pytest.raises(UnsafeArchive):
        PackageCache([pkgs]).ensure([rec], client)
    assert not (pkgs / "evil-1.0-0").exists()
    assert list((pkgs / ".umm_trash").iterdir()) == []
    assert not (tmp_path / "x").exists()


def test_waits_for_the_package_lock(channel_server, channel, client, tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    pkgs.mkdir()
    rec = channel[0]
    lock_file = pkgs / (dist_name(rec) + ".lock")
    holder = subprocess.Popen(
        [sys.executable, "-c",
         "import sys, time; sys.path.insert(0, sys.argv[1]);"
         "from umm.package.lock import FileLock\n"
         "with FileLock(sys.argv[2]):\n print('locked', flush=True); time.sleep(1.0)",
         str(REPO), str(lock_file)], stdout=subprocess.PIPE, text=True)
    assert holder.stdout.readline().strip() == "locked"
    rep = RecordingReporter()
    PackageCache([pkgs]).ensure([rec], client, rep)
    holder.wait()
    assert any("waiting for the lock on " + dist_name(rec) in t for t in rep.texts("info"))
    assert_valid_cache(pkgs, [rec])
    other = channel[1]
    with FileLock(pkgs / (dist_name(other) + ".lock")):
        with pytest.raises(LockTimeout) as err:
            PackageCache([pkgs], lock_timeout=0.2).ensure([other], client)
        assert str(os.getpid()) in str(err.value)
    assert not (pkgs / dist_name(other)).exists()


FILLER = """
import json, sys
sys.path.insert(0, {repo!r})
from umm.net import HttpClient, NetworkOptions
from umm.package.cache import PackageCache
records = json.load(open({records!r}))
client = HttpClient(NetworkOptions(backoff_factor=0, use_env_proxies=False))
out = PackageCache([{pkgs!r}]).ensure(records, client, download_threads=4, extract_threads=2)
print(len(out), flush=True)
"""


def test_two_processes_fill_one_cache(channel_server, tmp_path: Path) -> None:
    records = make_channel(channel_server.root, 16, channel_server.url, prefix="con",
                           sizes=200_000)
    channel_server.fault("/noarch/*", "delay", seconds=0.05)
    (tmp_path / "records.json").write_text(json.dumps(records))
    pkgs = tmp_path / "pkgs"
    script = FILLER.format(repo=str(REPO), records=str(tmp_path / "records.json"), pkgs=str(pkgs))
    procs = [subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outs = [p.communicate(timeout=120) for p in procs]
    for p, (out, err) in zip(procs, outs):
        assert p.returncode == 0, err
        assert out.strip() == "16"
    assert_valid_cache(pkgs, records)
    urls = (pkgs / "urls.txt").read_text().split()
    assert sorted(urls) == sorted(r["url"] for r in records)  # each downloaded once
    for rec in records:
        assert channel_server.count(f"/noarch/{rec['fn']}") == 1


INTERRUPTED = """
import json, sys
sys.path.insert(0, {repo!r})
from umm.net import HttpClient, NetworkOptions
from umm.package.cache import PackageCache
records = json.load(open({records!r}))
print("go", flush=True)
PackageCache([{pkgs!r}]).ensure(records, HttpClient(NetworkOptions(use_env_proxies=False)))
"""


def test_ctrl_c_leaves_no_half_file(channel_server, tmp_path: Path, client) -> None:
    records = make_channel(channel_server.root, 4, channel_server.url, prefix="int",
                           sizes=1_000_000)
    channel_server.fault("/noarch/*", "stall", fraction=0.9, seconds=60)
    (tmp_path / "records.json").write_text(json.dumps(records))
    pkgs = tmp_path / "pkgs"
    proc = subprocess.Popen([sys.executable, "-c", INTERRUPTED.format(
        repo=str(REPO), records=str(tmp_path / "records.json"), pkgs=str(pkgs))],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert proc.stdout.readline().strip() == "go"
    deadline = time.time() + 20
    while time.time() < deadline and not any(p.stat().st_size for p in pkgs.glob("*.partial")):
        time.sleep(0.05)
    proc.send_signal(signal.SIGINT)
    proc.communicate(timeout=20)  # at once, not after the 60 s stall
    assert proc.returncode != 0
    names = {p.name for p in pkgs.iterdir()}
    for rec in records:
        assert rec["fn"] not in names and dist_name(rec) not in names
    assert any(n.endswith(".partial") for n in names)
    channel_server.clear_faults()
    PackageCache([pkgs]).ensure(records, client)
    assert_valid_cache(pkgs, records)


def test_with_repodata_records(channel_server, channel, client, tmp_path: Path) -> None:
    from umm.specs.records import RepoDataRecord

    records = [RepoDataRecord.from_json(r) for r in channel]
    out = PackageCache([tmp_path / "pkgs"]).ensure(records, client)
    assert set(out) == set(records)
    for rec in records:
        assert out[rec] == str(tmp_path / "pkgs" / rec.dist_name)
        stored = json.loads(Path(out[rec], "info", "repodata_record.json").read_text())
        assert RepoDataRecord.from_json(stored).sha256 == rec.sha256
        assert stored["url"] == rec.url and stored["fn"] == rec.fn


def test_malformed_metadata(channel_server, client, tmp_path: Path) -> None:
    import hashlib

    from tests.package.archives import write_conda

    path = write_conda(channel_server.root / "odd-1.0-0.conda",
                       [member("info/index.json", b"{not json"),
                        member("info/paths.json", b'{"paths": [], "paths_version": 1}')],
                       [member("lib/x", b"x")])
    data = path.read_bytes()
    rec = {"url": f"{channel_server.url}/odd-1.0-0.conda", "fn": "odd-1.0-0.conda",
           "name": "odd", "version": "1.0", "build": "0", "sha256": hashlib.sha256(data).hexdigest()}
    pkgs = tmp_path / "pkgs"
    out = PackageCache([pkgs]).ensure([rec], client)
    stored = json.loads(Path(out[rec["fn"]], "info", "repodata_record.json").read_text())
    assert stored["name"] == "odd" and stored["size"] == len(data)
    # a corrupt repodata_record.json makes the dir invalid: extracted again, no download
    Path(out[rec["fn"]], "info", "repodata_record.json").write_text("garbage")
    n = channel_server.count()
    PackageCache([pkgs]).ensure([rec], client)
    assert channel_server.count() == n
    assert json.loads(Path(out[rec["fn"]], "info", "repodata_record.json").read_text())["name"] \
        == "odd"


@pytest.mark.parametrize("fn", ["../evil-1.0-0.conda", "a/b-1.0-0.conda", "..", "x.zip", ""])
def test_hostile_file_names_in_records(fn: str, tmp_path: Path) -> None:
    rec = {"url": "http://127.0.0.1:9/x/" + fn, "fn": fn, "name": "x", "version": "1",
           "build": "0"}
    with pytest.raises(CacheError, match="file name"):
        PackageCache([tmp_path / "pkgs"]).ensure([rec], None)
    assert not (tmp_path / "evil-1.0-0.conda").exists()


def test_tarball_path(channel_server, channel, client, tmp_path: Path) -> None:
    other = tmp_path / "other"
    PackageCache([other]).ensure(channel[:1], client)
    cache = PackageCache([tmp_path / "mine", other])
    assert cache.tarball_path(channel[0]) == str(other / channel[0]["fn"])
    assert cache.tarball_path(channel[1]) == str(tmp_path / "mine" / channel[1]["fn"])


def test_conflicting_records_for_one_dist(channel, tmp_path: Path) -> None:
    other = dict(channel[0], sha256="f" * 64, url="http://127.0.0.1:9/other/" + channel[0]["fn"])
    with pytest.raises(CacheError, match="two different packages"):
        PackageCache([tmp_path / "pkgs"]).ensure([channel[0], other], None)
