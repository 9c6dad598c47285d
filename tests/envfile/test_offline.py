"""The seed document's offline workflow: download for a platform from a lock file,
carry the package cache to a machine without network, create the env there offline."""
from __future__ import annotations

import shutil
import tarfile
from pathlib import Path

from tests.conftest import UmmEnv
from tests.envfile.conftest import Umm, installed
from tests.support.server import free_port


def _pack_cache(pkgs: Path, archive: Path) -> None:
    """``pkgs/`` as a tarball, without the extracted package directories."""
    with tarfile.open(archive, "w:gz") as tf:
        for item in sorted(pkgs.iterdir()):
            if item.is_dir():
                continue  # extracted packages (and the index cache) stay behind
            tf.add(item, arcname=item.name)


def test_offline_round_trip(umm: Umm, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(f"channels: [{umm.channel.url}]\ndependencies: [app, python]\n")
    lock = tmp_path / "conda-lock.yml"
    lock.write_text(umm("env", "export", "--lock", "-f", str(env), "--platform", "linux-64").stdout)

    # machine one: download only, for linux-64
    umm("create", "-n", "off", "-f", str(lock), "--download-only", "--platform", "linux-64", "-y")
    pkgs = umm.root / "pkgs"
    tarballs = sorted(p.name for p in pkgs.iterdir() if p.name.endswith((".conda", ".tar.bz2")))
    assert len(tarballs) == 5 and not umm.prefix("off").exists()
    archive = tmp_path / "pkgs.tar.gz"
    _pack_cache(pkgs, archive)

    # machine two: a fresh root prefix whose channels point at a closed port
    second = UmmEnv(tmp_path / "machine-two")
    closed = f"http://127.0.0.1:{free_port()}/nothing-here"
    (second.home / ".mambarc").write_text(f"channels: [{closed}]\n")
    (second.root_prefix / "pkgs").mkdir()
    with tarfile.open(archive) as tf:
        tf.extractall(second.root_prefix / "pkgs")  # noqa: S202 (our own archive)
    assert not any(p.is_dir() for p in (second.root_prefix / "pkgs").iterdir())

    umm.channel.reset_log()
    proc = second.run("create", "-n", "off", "-f", str(lock), "--offline", "-y", check=True)
    assert "Transaction finished" in proc.stdout
    assert umm.channel.requests() == []  # nothing was fetched from the lock's URLs
    prefix = second.root_prefix / "envs" / "off"
    recs = {r.name: r for r in (prefix / "conda-meta").glob("*.json")}
    assert sorted(n[: n.index("-")] for n in recs) == ["app", "liba", "libb", "pip", "python"]
    assert (prefix / "share/libb/prefix.txt").read_text() == f"prefix={prefix}\n"

    # the same without the cache fails cleanly, still without touching the network
    third = UmmEnv(tmp_path / "machine-three")
    (third.home / ".mambarc").write_text(f"channels: [{closed}]\n")
    proc = third.run("create", "-n", "off", "-f", str(lock), "--offline", "-y")
    assert proc.returncode != 0 and "offline" in proc.stderr and "Traceback" not in proc.stderr
    assert umm.channel.requests() == []
    assert not (third.root_prefix / "envs" / "off" / "conda-meta").exists()


def test_tampered_package_is_refused(umm: Umm, tmp_path: Path) -> None:
    umm("create", "-n", "src", "liba<2", "-y")
    exp = umm("list", "-n", "src", "--explicit", "--md5").stdout
    url, md5 = exp.splitlines()[-1].split("#")
    bad = tmp_path / "bad.txt"
    bad.write_text(exp.replace(md5, "0" * 32))
    shutil.rmtree(umm.root / "pkgs")  # make it download again
    proc = umm("create", "-n", "dst", "-f", str(bad), "-y", check=False)
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1, proc.stderr
    assert "md5 mismatch" in proc.stderr and "0" * 32 in proc.stderr
    assert not (umm.prefix("dst") / "conda-meta").exists() or not umm.records("dst")
    assert installed(umm.records("src")) == {"liba": "1.0"}
