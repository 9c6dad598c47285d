"""compress / transmute: valid archives, deterministic, read back identically by cph."""
from __future__ import annotations

import os
import tarfile
import zipfile
from pathlib import Path

import pytest

from tests.package.archives import INDEX, member, write_package
from tests.package.test_extract import tree
from umm.package.compress import compress, member_names, transmute
from umm.package.errors import CompressError, InvalidArchive
from umm.package.extract import extract

cph = pytest.importorskip("conda_package_handling.api")


def make_folder(root: Path) -> Path:
    (root / "info").mkdir(parents=True)
    (root / "info" / "index.json").write_text('{"name": "demo", "version": "1.0", "build": "0"}')
    (root / "info" / "paths.json").write_text('{"paths": [], "paths_version": 1}')
    (root / "bin").mkdir()
    tool = root / "bin" / "tool"
    tool.write_text("#!/bin/sh\necho hi\n")
    tool.chmod(0o755)
    (root / "lib").mkdir()
    (root / "lib" / "libdemo.so.1").write_bytes(os.urandom(70000) + b"\0" * 50000)
    (root / "lib" / "libdemo.so").symlink_to("libdemo.so.1")
    (root / "share" / "empty-dir").mkdir(parents=True)
    (root / "share" / "ünïcode name.txt").write_text("utf-8 names")
    (root / "share" / ("deep/" * 30)).mkdir(parents=True)
    (root / "share" / ("deep/" * 30) / "long.txt").write_text("long path")
    for p in root.rglob("*"):
        if not p.is_symlink():
            os.utime(p, (1_600_000_000, 1_600_000_000))
    return root


@pytest.mark.parametrize("ext", [".conda", ".tar.bz2"])
def test_compress_reads_back_identically_with_cph(tmp_path: Path, ext: str) -> None:
    src = make_folder(tmp_path / "src")
    out = compress(src, tmp_path / f"demo-1.0-0{ext}")
    cph.extract(out, str(tmp_path / "cph"))
    extract(out, tmp_path / "umm")
    assert tree(tmp_path / "cph") == tree(src)
    assert tree(tmp_path / "umm") == tree(src)
    assert os.stat(tmp_path / "umm" / "bin" / "tool").st_mode & 0o111
    assert int(os.stat(tmp_path / "umm" / "lib" / "libdemo.so.1").st_mtime) == 1_600_000_000


def test_conda_layout(tmp_path: Path) -> None:
    src = make_folder(tmp_path / "src")
    out = compress(src, tmp_path / "demo-1.0-0.conda")
    with zipfile.ZipFile(out) as zf:
        names = [i.filename for i in zf.infolist()]
        assert names == ["metadata.json", "pkg-demo-1.0-0.tar.zst", "info-demo-1.0-0.tar.zst"]
        assert all(i.compress_type == zipfile.ZIP_STORED for i in zf.infolist())
        assert zf.read("metadata.json") == b'{"conda_pkg_format_version": 2}'
    comps = member_names(out)
    assert [n for c, n in comps if c == "info"] == ["info/index.json", "info/paths.json"]
    pkg = [n for c, n in comps if c == "pkg"]
    assert pkg == sorted(pkg) and not any(n.startswith("info") for n in pkg)


def test_tar_bz2_puts_info_first(tmp_path: Path) -> None:
    src = make_folder(tmp_path / "src")
    out = compress(src, tmp_path / "demo-1.0-0.tar.bz2")
    names = [n for _, n in member_names(out)]
    assert names[:2] == ["info/index.json", "info/paths.json"]
    with tarfile.open(out) as tf:
        for m in tf.getmembers():
            assert (m.uid, m.gid, m.uname, m.gname) == (0, 0, "", "")


@pytest.mark.parametrize("ext", [".conda", ".tar.bz2"])
def test_deterministic(tmp_path: Path, ext: str) -> None:
    src = make_folder(tmp_path / "src")
    a = compress(src, tmp_path / "a" / f"demo-1.0-0{ext}")
    b = compress(src, tmp_path / "b" / f"demo-1.0-0{ext}")
    assert Path(a).read_bytes() == Path(b).read_bytes()


def test_source_date_epoch_clamps_mtimes(tmp_path: Path, monkeypatch) -> None:
    src = make_folder(tmp_path / "src")
    monkeypatch.setenv("SOURCE_DATE_EPOCH", "1000000000")
    out = compress(src, tmp_path / "demo-1.0-0.tar.bz2")
    with tarfile.open(out) as tf:
        assert {m.mtime for m in tf.getmembers()} == {1_000_000_000}


def test_levels_and_threads(tmp_path: Path) -> None:
    import random

    src = make_folder(tmp_path / "src")
    rnd = random.Random(1)
    words = ["alpha", "beta", "gamma", "delta", "import", "return", "numpy", "conda"]
    (src / "share" / "text.txt").write_text(" ".join(rnd.choice(words) for _ in range(80000)))
    fast = compress(src, tmp_path / "f" / "demo-1.0-0.conda", level=1)
    best = compress(src, tmp_path / "b" / "demo-1.0-0.conda", level=19, threads=2)
    assert os.path.getsize(best) < os.path.getsize(fast)
    extract(best, tmp_path / "x")
    assert tree(tmp_path / "x") == tree(src)
    with pytest.raises(CompressError, match="1-22"):
        compress(src, tmp_path / "demo-1.0-0.conda", level=23)
    with pytest.raises(CompressError, match="0-9"):
        compress(src, tmp_path / "demo-1.0-0.tar.bz2", level=10)


def test_compress_errors(tmp_path: Path) -> None:
    with pytest.raises(CompressError, match="not a directory"):
        compress(tmp_path / "missing", tmp_path / "x-1-0.conda")
    src = make_folder(tmp_path / "src")
    with pytest.raises(CompressError, match=".conda or .tar.bz2"):
        compress(src, tmp_path / "x.zip")
    os.mkfifo(src / "fifo")
    with pytest.raises(CompressError, match="only files"):
        compress(src, tmp_path / "x-1-0.conda")
    assert not (tmp_path / "x-1-0.conda").exists()
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_transmute_both_ways(tmp_path: Path, shared_data: Path) -> None:
    src_pkg = shared_data / "packages" / "noarch" / "test-package-0.1-0.tar.bz2"
    work = tmp_path / "test-package-0.1-0.tar.bz2"
    work.write_bytes(src_pkg.read_bytes())
    conda = transmute(work)
    assert conda == str(tmp_path / "test-package-0.1-0.conda")
    with zipfile.ZipFile(conda) as zf:
        assert sorted(zf.namelist()) == ["info-test-package-0.1-0.tar.zst", "metadata.json",
                                         "pkg-test-package-0.1-0.tar.zst"]
    extract(src_pkg, tmp_path / "orig")
    cph.extract(conda, str(tmp_path / "cph-conda"))
    assert tree(tmp_path / "cph-conda") == tree(tmp_path / "orig")
    work.unlink()
    back = transmute(conda)
    assert back == str(work)
    cph.extract(back, str(tmp_path / "cph-back"))
    assert tree(tmp_path / "cph-back") == tree(tmp_path / "orig")


def test_transmute_real_conda_with_links(tmp_path: Path, shared_data: Path) -> None:
    for name in ["odd/symlink-test-1.0.0-0.conda", "linux-64/link-scripts-0.1.0-h4616a5c_0.conda"]:
        src = shared_data / "packages" / name
        out = transmute(src, tmp_path / (Path(name).name[:-6] + ".tar.bz2"))
        extract(src, tmp_path / ("a-" + src.name))
        cph.extract(out, str(tmp_path / ("b-" + src.name)))
        assert tree(tmp_path / ("a-" + src.name)) == tree(tmp_path / ("b-" + src.name))


def test_transmute_refuses_hostile_archives(tmp_path: Path) -> None:
    bad = write_package(tmp_path / "x-1-0.tar.bz2", [member("../evil", b"x")])
    with pytest.raises(InvalidArchive):
        transmute(bad)
    assert not (tmp_path / "x-1-0.conda").exists()
    dev = write_package(tmp_path / "y-1-0.conda", [member("d", type=tarfile.CHRTYPE)])
    with pytest.raises(InvalidArchive, match="device"):
        transmute(dev)
    with pytest.raises(CompressError, match="same format"):
        transmute(dev, tmp_path / "z-1-0.conda")
    assert INDEX  # the helper package always carries info/index.json
