"""Transactions: link scripts, clobbering, upgrades, rollback, history, lock."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from tests.install.conftest import Cache, snapshot
from tests.support import builder
from tests.support.builder import File, Package
from umm.install import HistoryEntry, PrefixData, execute, read_history
from umm.install.errors import (LinkError, LinkScriptFailed, PathConflictError, PrefixLocked,
                                TransactionInterrupted)
from umm.install.lock import PrefixLock
from umm.reporter import RecordingReporter

CLOBBER = "packages/clobber"


def test_real_link_scripts_package(cache: Cache, prefix: Path, shared_data: Path) -> None:
    req = cache.add(shared_data / "packages/linux-64/link-scripts-0.1.0-h4616a5c_0.conda")
    rep = RecordingReporter()
    result = execute(prefix, link=[req], reporter=rep)
    assert (prefix / "i-was-post-linked").exists()
    assert "post-link script that just ran" in result.messages
    assert any("post-link script that just ran" in t for t in rep.texts("info"))
    assert not (prefix / ".messages.txt").exists()
    execute(prefix, unlink=["link-scripts"])
    assert not (prefix / "i-was-post-linked").exists()  # pre-unlink removed it


def test_link_script_environment(cache: Cache, prefix: Path, tmp_path: Path) -> None:
    out = tmp_path / "env.txt"
    pkg = builder.link_script_package("envcheck", "1.5", post_link=textwrap.dedent(f"""\
        echo "$PREFIX|$PKG_NAME|$PKG_VERSION|$PKG_BUILDNUM|$ROOT_PREFIX" > {out}
        echo "a message" >> "$PREFIX/.messages.txt"
        """), pre_link=f"test -d \"$PREFIX\" && echo pre > {out}.pre\n",
        files=[File("share/envcheck.txt", "x\n")])
    execute(prefix, link=[cache.add(pkg)], root_prefix=tmp_path / "root")
    assert out.read_text().strip() == f"{prefix}|envcheck|1.5|0|{tmp_path / 'root'}"
    assert Path(f"{out}.pre").read_text() == "pre\n"


def test_failing_post_link_rolls_back(cache: Cache, prefix: Path, shared_data: Path) -> None:
    execute(prefix, link=[cache.add(shared_data / "packages/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2")],
            history=HistoryEntry("umm create", ["zlib"]))
    before = snapshot(prefix)
    good = Package("good", files=[File("share/good.txt", "good\n")])
    bad = builder.link_script_package("bad", post_link="echo broken >&2\nexit 3\n",
                                      files=[File("share/bad.txt", "bad\n")], depends=["good"])
    with pytest.raises(LinkScriptFailed) as err:
        execute(prefix, link=[cache.add(good), cache.add(bad)], unlink=["zlib"],
                history=HistoryEntry("umm install", ["bad"]))
    assert err.value.returncode == 3 and "broken" in err.value.output
    assert snapshot(prefix) == before


def test_clobbering_real_packages(cache: Cache, prefix: Path, shared_data: Path) -> None:
    c1 = cache.add(shared_data / CLOBBER / "clobber-1-0.1.0-h4616a5c_0.tar.bz2")
    c2 = cache.add(shared_data / CLOBBER / "clobber-2-0.1.0-h4616a5c_0.tar.bz2")
    execute(prefix, link=[c1])
    rep = RecordingReporter()
    result = execute(prefix, link=[c2], reporter=rep)
    assert (prefix / "clobber.txt").read_text() == "clobber-2\n"  # last writer wins
    assert ("clobber.txt", "clobber-1", "clobber-2") in result.clobbered
    assert any("clobber.txt" in w for w in rep.texts("warning"))
    # remove the last writer: the other owner's content comes back
    execute(prefix, unlink=["clobber-2"])
    assert (prefix / "clobber.txt").read_text() == "clobber-1\n"
    assert (prefix / "another-clobber.txt").read_text() == "clobber-1\n"
    # again, then remove the first writer: the file stays with clobber-2's content
    execute(prefix, link=[c2])
    execute(prefix, unlink=["clobber-1"])
    assert (prefix / "clobber.txt").read_text() == "clobber-2\n"
    rec = PrefixData.load(prefix).get("clobber-2")
    assert rec is not None and all((prefix / f).exists() for f in rec.files)
    execute(prefix, unlink=["clobber-2"])
    assert not (prefix / "clobber.txt").exists()


def test_clobber_in_one_transaction_and_symlinks(cache: Cache, prefix: Path, shared_data: Path) -> None:
    a = cache.add(shared_data / CLOBBER / "clobber-with-symlink-a-0.1.0-h4616a5c_0.conda")
    b = cache.add(shared_data / CLOBBER / "clobber-with-symlink-b-0.1.0-h4616a5c_0.conda")
    result = execute(prefix, link=[a, b])  # b depends on a: a first, b wins
    assert [r.name for r in result.linked] == ["clobber-with-symlink-a", "clobber-with-symlink-b"]
    assert os.readlink(prefix / "lib/clobber.so") == "clobber-1.txt"
    execute(prefix, unlink=["clobber-with-symlink-b"])
    assert os.readlink(prefix / "lib/clobber.so") == "clobber-2.txt"
    assert (prefix / "lib/clobber.so").read_text() == "clobber-2\n"


def test_file_directory_conflict_is_refused(cache: Cache, prefix: Path, shared_data: Path) -> None:
    execute(prefix, link=[cache.add(shared_data / CLOBBER / "clobber-fd-1-0.1.0-h4616a5c_0.conda")])
    before = snapshot(prefix)
    with pytest.raises(PathConflictError):
        execute(prefix, link=[cache.add(shared_data / CLOBBER / "clobber-fd-2-0.1.0-h4616a5c_0.conda")])
    assert snapshot(prefix) == before


def test_upgrade_replaces_old_files(cache: Cache, prefix: Path, shared_data: Path) -> None:
    old = cache.add(shared_data / CLOBBER / "clobber-directory-upgrade-0.1.0-h4616a5c_0.conda")
    new = cache.add(shared_data / CLOBBER / "clobber-directory-upgrade-0.2.0-h4616a5c_0.conda")
    execute(prefix, link=[old])
    assert (prefix / "xbin/content.txt").exists()
    result = execute(prefix, link=[new])  # same name: the old one is unlinked first
    assert [str(r) for r in result.unlinked] == ["clobber-directory-upgrade-0.1.0-h4616a5c_0"]
    assert (prefix / "xbin").is_file() and (prefix / "bin/content.txt").exists()
    names = sorted(os.listdir(prefix / "conda-meta"))
    assert "clobber-directory-upgrade-0.2.0-h4616a5c_0.json" in names
    assert "clobber-directory-upgrade-0.1.0-h4616a5c_0.json" not in names


def test_error_mid_link_rolls_back_everything(cache: Cache, prefix: Path, monkeypatch) -> None:
    first = Package("first", files=[File(f"share/first/{i}.txt", str(i)) for i in range(5)])
    execute(prefix, link=[cache.add(first)], history=HistoryEntry("umm create", ["first"]))
    before = snapshot(prefix)
    second = Package("second", files=[File(f"share/second/{i}.txt", str(i)) for i in range(20)])
    req = cache.add(second)
    real_link = os.link
    calls = {"n": 0}

    def failing_link(src, dst, *a, **k):
        calls["n"] += 1
        if calls["n"] == 10:
            raise OSError(28, "No space left on device", str(dst))
        return real_link(src, dst, *a, **k)

    monkeypatch.setattr(os, "link", failing_link)
    with pytest.raises(LinkError) as err:
        execute(prefix, link=[req], unlink=["first"], history=HistoryEntry("umm install", ["second"]))
    assert "No space left on device" in str(err.value)
    assert snapshot(prefix) == before


def test_keyboard_interrupt_rolls_back(cache: Cache, prefix: Path, monkeypatch) -> None:
    execute(prefix, link=[cache.add(Package("base", files=[File("share/base.txt", "b")]))])
    before = snapshot(prefix)
    from umm.install import link as link_mod

    real = link_mod.Linker.link_entry
    calls = {"n": 0}

    def interrupted(self, *a, **k):
        calls["n"] += 1
        if calls["n"] == 3:
            raise KeyboardInterrupt
        return real(self, *a, **k)

    monkeypatch.setattr(link_mod.Linker, "link_entry", interrupted)
    pkg = Package("big", files=[File(f"share/big/{i}", "x") for i in range(10)])
    with pytest.raises(TransactionInterrupted):
        execute(prefix, link=[cache.add(pkg)], unlink=["base"])
    assert snapshot(prefix) == before


def test_disk_full_in_a_real_process_rolls_back(cache: Cache, prefix: Path, tmp_path: Path) -> None:
    """A file-size limit (EFBIG, like a full disk) hits a copy mid-transaction."""
    execute(prefix, link=[cache.add(Package("base", files=[File("share/base.txt", "b")]))])
    before = snapshot(prefix)
    big = Package("big", files=[File("share/a-small.txt", "small\n"),
                                File("share/b-big.bin", os.urandom(2_000_000)),
                                File("share/c-small.txt", "small\n")])
    req = cache.add(big)
    code = textwrap.dedent(f"""
        import resource, signal, sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1_000_000, 1_000_000))
        from umm.install import execute, LinkRequest, LinkOptions
        from umm.install.errors import InstallError
        req = LinkRequest({req.record!r}, {str(req.extracted_dir)!r})
        try:
            execute({str(prefix)!r}, link=[req], unlink=["base"], options=LinkOptions(always_copy=True))
        except InstallError as e:
            print("ERR", e)
            sys.exit(7)
    """)
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.returncode == 7, proc.stderr
    assert "File too large" in proc.stdout
    assert snapshot(prefix) == before


def test_sigint_to_a_real_process_rolls_back(cache: Cache, prefix: Path, tmp_path: Path) -> None:
    execute(prefix, link=[cache.add(Package("base", files=[File("share/base.txt", "b")]))])
    before = snapshot(prefix)
    marker = tmp_path / "started"
    slow = builder.link_script_package("slow", post_link=f"touch {marker}\nsleep 30\n",
                                       files=[File(f"share/slow/{i}", "s") for i in range(20)])
    req = cache.add(slow)
    code = textwrap.dedent(f"""
        import sys
        sys.path.insert(0, {str(Path(__file__).resolve().parents[2])!r})
        from umm.install import execute, LinkRequest
        from umm.install.errors import TransactionInterrupted
        try:
            execute({str(prefix)!r}, link=[LinkRequest({req.record!r}, {str(req.extracted_dir)!r})],
                    unlink=["base"])
        except TransactionInterrupted:
            sys.exit(130)
    """)
    proc = subprocess.Popen([sys.executable, "-c", code])
    deadline = time.time() + 30
    while not marker.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert marker.exists()
    proc.send_signal(signal.SIGINT)
    assert proc.wait(timeout=30) == 130
    assert snapshot(prefix) == before


def test_new_prefix_is_removed_on_failure(cache: Cache, prefix: Path) -> None:
    bad = builder.link_script_package("bad", post_link="exit 1\n", files=[File("a.txt", "a")])
    with pytest.raises(LinkScriptFailed):
        execute(prefix, link=[cache.add(bad)])
    assert not prefix.exists()


def test_history_and_requested_specs(cache: Cache, prefix: Path) -> None:
    a = cache.add(Package("a", "1.0", files=[File("a.txt", "a")]), channel="conda-forge")
    b = cache.add(Package("b", "2.0", "h1_0", files=[File("b.txt", "b")]), channel="conda-forge")
    execute(prefix, link=[a], history=HistoryEntry("umm create -n t a", ["a"]))
    execute(prefix, link=[b], unlink=["a"], history=HistoryEntry("umm install b", ["b >=2"], ["a"]))
    text = (prefix / "conda-meta/history").read_text()
    lines = text.splitlines()
    assert lines[0].startswith("==> ") and lines[0].endswith(" <==")
    assert "# cmd: umm create -n t a" in lines and "+conda-forge::a-1.0-0" in lines
    assert "-conda-forge::a-1.0-0" in lines and "+conda-forge::b-2.0-h1_0" in lines
    assert '# update specs: ["b >=2"]' in lines and '# remove specs: ["a"]' in lines
    revs = read_history(prefix)
    assert len(revs) == 2 and revs[1].added == ["conda-forge::b-2.0-h1_0"]
    from umm.install import requested_specs
    assert requested_specs(prefix) == {"b": "b >=2"}


def test_reads_conda_style_history(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta/history").write_text(
        "==> 2019-01-01 10:00:00 <==\n# cmd: conda create -n x python=3.7\n"
        "+defaults::python-3.7.0-h6e4f718_3\n# update specs: ['python=3.7']\n")
    revs = read_history(tmp_path)
    assert revs[0].update_specs == ["python=3.7"] and revs[0].cmd.startswith("conda create")


def test_reads_records_written_by_conda(tmp_path: Path) -> None:
    meta = tmp_path / "conda-meta"
    meta.mkdir()
    rec = {"name": "six", "version": "1.16.0", "build": "pyh6c4a22f_0", "build_number": 0,
           "channel": "https://conda.anaconda.org/conda-forge/noarch", "depends": ["python"],
           "files": ["lib/python3.9/site-packages/six.py"], "noarch": "python",
           "link": {"source": "/opt/conda/pkgs/six-1.16.0-pyh6c4a22f_0", "type": 1},
           "paths_data": {"paths": [{"_path": "lib/python3.9/site-packages/six.py",
                                     "path_type": "hardlink", "sha256": "0" * 64,
                                     "size_in_bytes": 10}], "paths_version": 1},
           "requested_spec": "six", "subdir": "noarch", "url": "https://x/six.conda",
           "some_future_key": {"kept": True}}
    (meta / "six-1.16.0-pyh6c4a22f_0.json").write_text(json.dumps(rec))
    (meta / "history").write_text("")
    pd = PrefixData.load(tmp_path)
    six = pd.get("six")
    assert six is not None and six.to_json() == rec and list(six.files) == rec["files"]
    from umm.install.errors import CorruptPrefixRecord
    (meta / "broken-1-0.json").write_text("{not json")
    with pytest.raises(CorruptPrefixRecord):
        PrefixData.load(tmp_path)


def test_pinned(tmp_path: Path) -> None:
    from umm.install import read_pinned
    (tmp_path / "conda-meta").mkdir()
    assert read_pinned(tmp_path) == []
    (tmp_path / "conda-meta/pinned").write_text("# pins\nzlib 1.2.*\n\npython 3.11.*  # keep\n")
    assert read_pinned(tmp_path) == ["zlib 1.2.*", "python 3.11.*"]


def test_prefix_lock_excludes_other_processes(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    code = ("import sys,time; sys.path.insert(0, %r)\n"
            "from pathlib import Path\nfrom umm.install.lock import PrefixLock\n"
            "l = PrefixLock(Path(%r)); l.acquire(); print('locked', flush=True); time.sleep(30)\n"
            % (str(Path(__file__).resolve().parents[2]), str(tmp_path)))
    holder = subprocess.Popen([sys.executable, "-c", code], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(PrefixLocked):
            PrefixLock(tmp_path, timeout=0.3).acquire()
    finally:
        holder.kill()
        holder.wait()
    with PrefixLock(tmp_path, timeout=5):
        pass
