"""Extraction of the real packages of ../shared/data/packages, and of hostile archives."""
from __future__ import annotations

import hashlib
import os
import stat
import tarfile
from pathlib import Path
from typing import Dict

import pytest

from tests.package.archives import INDEX, member, tar_bytes, write_conda, write_package, \
    write_tar_bz2
from umm.package.errors import InvalidArchive, UnsafeArchive
from umm.package.extract import ExtractLimits, extract, extract_many
from umm.reporter import RecordingReporter

SHARED_PACKAGES = Path(__file__).resolve().parents[3] / "shared" / "data" / "packages"
REAL = sorted(p for p in SHARED_PACKAGES.glob("*/*") if p.name.endswith((".conda", ".tar.bz2")))
FORMATS = ["x-1-0.tar.bz2", "x-1-0.conda"]


def tree(root: Path) -> Dict[str, str]:
    """Relative path -> description (sha256 of files, link targets, 'dir')."""
    out: Dict[str, str] = {}
    for top, dirs, files in os.walk(root):
        for name in dirs + files:
            p = Path(top, name)
            rel = p.relative_to(root).as_posix()
            if p.is_symlink():
                out[rel] = "-> " + os.readlink(p)
            elif p.is_dir():
                out[rel] = "dir"
            else:
                out[rel] = hashlib.sha256(p.read_bytes()).hexdigest()
    return out


@pytest.mark.skipif(not REAL, reason="shared packages not found")
@pytest.mark.parametrize("archive", REAL, ids=[p.name for p in REAL])
def test_every_real_package_extracts(archive: Path, tmp_path: Path) -> None:
    res = extract(archive, tmp_path / "out")
    assert (tmp_path / "out" / "info" / "index.json").is_file()
    assert res.members >= 1 and res.size >= 0
    assert res.files == len([k for k, v in tree(tmp_path / "out").items() if v != "dir"])


def test_zlib_both_formats_give_the_same_tree(shared_data: Path, tmp_path: Path) -> None:
    rep = RecordingReporter()
    base = shared_data / "packages" / "linux-64" / "zlib-1.2.11-h7b6447c_3"
    extract(str(base) + ".conda", tmp_path / "a", reporter=rep)
    extract(str(base) + ".tar.bz2", tmp_path / "b")
    assert tree(tmp_path / "a") == tree(tmp_path / "b")
    libz = tmp_path / "a" / "lib" / "libz.so.1.2.11"
    assert hashlib.sha256(libz.read_bytes()).hexdigest() == \
        "79aa69435cd17d98c25fbe1ac03aa6681b6edee04a5fb04c141ab1effcaa3c3f"
    # the .conda's symlinks have an empty target: written as empty files, with a warning
    assert any("empty target" in t for t in rep.texts("warning"))


def test_odd_packages(shared_data: Path, tmp_path: Path) -> None:
    odd = shared_data / "packages" / "odd"
    extract(odd / "dotslash-test-1.0.0-0.conda", tmp_path / "dot")
    assert sorted(tree(tmp_path / "dot")) == ["info", "info/index.json", "lib", "lib/data.txt"]
    extract(odd / "symlink-test-1.0.0-0.conda", tmp_path / "sym")
    lib = tmp_path / "sym" / "lib"
    assert os.readlink(lib / "liblink.so") == "libreal.so.1"
    assert (lib / "libhard.so").read_bytes() == (lib / "libreal.so.1").read_bytes()
    assert os.stat(lib / "libhard.so").st_ino == os.stat(lib / "libreal.so.1").st_ino
    extract(odd / "info-only-1.0.0-0.conda", tmp_path / "info")
    assert sorted(tree(tmp_path / "info")) == ["info", "info/index.json"]
    extract(odd / "sparse-test-1.0.0-0.conda", tmp_path / "sparse")
    assert (tmp_path / "sparse" / "lib" / "blob.bin").stat().st_size == 150000
    assert (tmp_path / "sparse" / "share" / "last-file.txt").is_file()
    extract(odd / "zip64-test-1.0.0-0.conda", tmp_path / "z64")
    assert (tmp_path / "z64" / "bin" / "hello.txt").is_file()


def test_same_tree_as_conda_package_handling(shared_data: Path, tmp_path: Path) -> None:
    cph = pytest.importorskip("conda_package_handling.api")
    for archive in [shared_data / "packages" / "noarch" / "andes-1.8.3-pyhd8ed1ab_0.conda",
                    shared_data / "packages" / "linux-64" / "zlib-1.2.11-h7b6447c_3.tar.bz2",
                    shared_data / "packages" / "odd" / "symlink-test-1.0.0-0.conda",
                    shared_data / "packages" / "noarch" / "test-package-0.1-0.tar.bz2"]:
        ours, theirs = tmp_path / ("u-" + archive.name), tmp_path / ("c-" + archive.name)
        extract(archive, ours)
        cph.extract(str(archive), str(theirs))
        assert tree(ours) == tree(theirs), archive.name


def test_modes_and_mtimes(tmp_path: Path) -> None:
    pkg = write_package(tmp_path / "x-1-0.tar.bz2", [
        member("bin/tool", b"#!/bin/sh\n", mode=0o6755, mtime=1_500_000_000),
        member("share/ro.txt", b"ro", mode=0o444),
        member("share/none.txt", b"none", mode=0o000),
    ])
    extract(pkg, tmp_path / "out")
    tool = tmp_path / "out" / "bin" / "tool"
    mode = stat.S_IMODE(tool.stat().st_mode)
    assert mode & 0o7000 == 0, "setuid/setgid dropped"
    assert mode & 0o100
    assert int(tool.stat().st_mtime) == 1_500_000_000
    assert stat.S_IMODE((tmp_path / "out" / "share" / "ro.txt").stat().st_mode) & 0o222 == 0
    assert (tmp_path / "out" / "share" / "none.txt").read_bytes() == b"none"


def test_extract_many_in_parallel(shared_data: Path, tmp_path: Path) -> None:
    archives = [p for p in REAL if "clobber" in str(p)][:8]
    rep = RecordingReporter()
    results = extract_many([(a, tmp_path / a.name) for a in archives], threads=3, reporter=rep)
    assert [r.archive for r in results] == [str(a) for a in archives]
    assert sum(1 for e in rep.events if e[0] == "finish" and e[3]) == len(archives)


def test_threaded_and_inline_decompression_agree(shared_data: Path, tmp_path: Path) -> None:
    andes = shared_data / "packages" / "noarch" / "andes-1.8.3-pyhd8ed1ab_0.conda"
    extract(andes, tmp_path / "t", threaded=True)
    extract(andes, tmp_path / "i", threaded=False)
    assert tree(tmp_path / "t") == tree(tmp_path / "i")


# -- hostile archives --------------------------------------------------------
@pytest.fixture(params=FORMATS)
def fmt(request) -> str:
    return request.param


def _unsafe(tmp_path: Path, fmt: str, members, name: str) -> UnsafeArchive:
    pkg = write_package(tmp_path / fmt, members)
    with pytest.raises(UnsafeArchive) as err:
        extract(pkg, tmp_path / "dest" / "out")
    assert err.value.member == name
    assert name in str(err.value)
    return err.value


def _outside(tmp_path: Path) -> set:
    """Everything under tmp_path except the archive and the destination."""
    return {p.name for p in tmp_path.iterdir() if p.name not in ("dest",) + tuple(FORMATS)}


def test_absolute_path(tmp_path: Path, fmt: str) -> None:
    evil = tmp_path / "evil-abs"
    _unsafe(tmp_path, fmt, [member(str(evil), b"x")], str(evil))
    assert not evil.exists()


@pytest.mark.parametrize("name", ["../evil", "a/../../evil", "./../evil", "lib/../../../evil"])
def test_dotdot_traversal(tmp_path: Path, fmt: str, name: str) -> None:
    err = _unsafe(tmp_path, fmt, [member(name, b"x")], name)
    assert "'..'" in str(err)
    assert _outside(tmp_path) == set()


def test_symlink_to_absolute_path(tmp_path: Path, fmt: str) -> None:
    _unsafe(tmp_path, fmt, [member("lib/etc", type=tarfile.SYMTYPE, linkname="/etc")], "lib/etc")
    assert not (tmp_path / "dest" / "out" / "lib" / "etc").exists()


@pytest.mark.parametrize("target", ["../..", "../../x", "a/../../..", "../../out/lib"])
def test_symlink_outside(tmp_path: Path, fmt: str, target: str) -> None:
    _unsafe(tmp_path, fmt, [member("lib/up", type=tarfile.SYMTYPE, linkname=target)], "lib/up")


def test_symlinks_inside_are_fine(tmp_path: Path, fmt: str) -> None:
    pkg = write_package(tmp_path / fmt, [
        member("lib/libfoo.so.1", b"elf"),
        member("lib/libfoo.so", type=tarfile.SYMTYPE, linkname="libfoo.so.1"),
        member("bin/foo", type=tarfile.SYMTYPE, linkname="../lib/libfoo.so"),
        member("share/top", type=tarfile.SYMTYPE, linkname=".."),
        member("share/dangling", type=tarfile.SYMTYPE, linkname="nothing/here"),
    ])
    extract(pkg, tmp_path / "dest")
    assert (tmp_path / "dest" / "bin" / "foo").read_bytes() == b"elf"


def test_link_then_write_through(tmp_path: Path, fmt: str) -> None:
    outside = tmp_path / "victim"
    outside.mkdir()
    _unsafe(tmp_path, fmt, [member("lnk", type=tarfile.SYMTYPE, linkname="lib"),
                            member("lib/keep", b"ok"),
                            member("lnk/evil", b"x")], "lnk/evil")
    _unsafe(tmp_path, fmt, [member("esc", type=tarfile.SYMTYPE, linkname=str(outside)),
                            member("esc/evil", b"x")], "esc")
    assert list(outside.iterdir()) == []


def test_write_through_symlink_already_in_dest(tmp_path: Path, fmt: str) -> None:
    victim = tmp_path / "victim"
    victim.mkdir()
    dest = tmp_path / "dest" / "out"
    dest.mkdir(parents=True)
    (dest / "lib").symlink_to(victim)
    pkg = write_package(tmp_path / fmt, [member("lib/evil.so", b"x")])
    with pytest.raises(UnsafeArchive, match="through the symlink 'lib'"):
        extract(pkg, dest)
    assert list(victim.iterdir()) == []


def test_symlink_ordering_trick_is_caught_at_the_end(tmp_path: Path, fmt: str) -> None:
    # r -> p/q/..  is inside while p/q does not exist; once p/q -> .. exists, r
    # points above the root. The final check catches it and removes r.
    pkg = write_package(tmp_path / fmt, [
        member("r", type=tarfile.SYMTYPE, linkname="p/q/../.."),
        member("p/q", type=tarfile.SYMTYPE, linkname=".."),
    ])
    with pytest.raises(UnsafeArchive) as err:
        extract(pkg, tmp_path / "dest")
    assert err.value.member == "r"
    assert not os.path.lexists(tmp_path / "dest" / "r")


def test_symlink_loop(tmp_path: Path, fmt: str) -> None:
    pkg = write_package(tmp_path / fmt, [
        member("a", type=tarfile.SYMTYPE, linkname="b"),
        member("b", type=tarfile.SYMTYPE, linkname="a"),
    ])
    with pytest.raises(UnsafeArchive, match="loop"):
        extract(pkg, tmp_path / "dest")


@pytest.mark.parametrize("linkname", ["/etc/passwd", "../outside", "missing-member"])
def test_hardlink_outside_or_unknown(tmp_path: Path, fmt: str, linkname: str) -> None:
    (tmp_path / "outside").write_text("secret")
    _unsafe(tmp_path, fmt, [member("lib/h", type=tarfile.LNKTYPE, linkname=linkname)], "lib/h")
    assert not (tmp_path / "dest" / "out" / "lib" / "h").exists()


def test_hardlink_through_a_symlink_member_is_refused(tmp_path: Path, fmt: str) -> None:
    (tmp_path / "outside").write_text("secret")
    _unsafe(tmp_path, fmt, [member("s", type=tarfile.SYMTYPE, linkname=str(tmp_path / "outside")),
                            member("h", type=tarfile.LNKTYPE, linkname="s")], "s")


@pytest.mark.parametrize("kind,word", [(tarfile.CHRTYPE, "device"), (tarfile.BLKTYPE, "device"),
                                       (tarfile.FIFOTYPE, "fifo")])
def test_devices_and_fifos(tmp_path: Path, fmt: str, kind: bytes, word: str) -> None:
    err = _unsafe(tmp_path, fmt, [member("dev/thing", type=kind)], "dev/thing")
    assert word in str(err)


def test_huge_declared_size_is_refused_before_writing(tmp_path: Path, fmt: str) -> None:
    err = _unsafe(tmp_path, fmt, [member("big", b"", size=10 ** 14)], "big")
    assert "bomb" in str(err)
    assert not (tmp_path / "dest" / "out" / "big").exists()


def test_ratio_limit(tmp_path: Path, fmt: str) -> None:
    pkg = write_package(tmp_path / fmt, [member("zeros", b"\0" * (4 << 20))])
    limits = ExtractLimits(max_ratio=20, ratio_floor=1 << 16)
    with pytest.raises(UnsafeArchive, match="bomb") as err:
        extract(pkg, tmp_path / "dest", limits=limits)
    assert err.value.member == "zeros"
    extract(pkg, tmp_path / "ok")  # the default limits let it through
    assert (tmp_path / "ok" / "zeros").stat().st_size == 4 << 20


def test_member_count_limit(tmp_path: Path, fmt: str) -> None:
    pkg = write_package(tmp_path / fmt, [member(f"f{i}", b"x") for i in range(10)])
    with pytest.raises(UnsafeArchive, match="limit of 5 members"):
        extract(pkg, tmp_path / "dest", limits=ExtractLimits(max_members=5))


def test_duplicated_members(tmp_path: Path, fmt: str) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("untouched")
    pkg = write_package(tmp_path / fmt, [
        member("a.txt", b"first"),
        member("a.txt", b"second"),
        member("s", type=tarfile.SYMTYPE, linkname="a.txt"),
        member("s", b"replaces the link"),
        member("h.txt", b"hard"),
        member("h2.txt", type=tarfile.LNKTYPE, linkname="h.txt"),
        member("h2.txt", b"new content must not reach h.txt"),
    ])
    extract(pkg, tmp_path / "dest")
    d = tmp_path / "dest"
    assert (d / "a.txt").read_bytes() == b"second"
    assert not (d / "s").is_symlink() and (d / "s").read_bytes() == b"replaces the link"
    assert (d / "a.txt").read_bytes() == b"second"
    assert (d / "h.txt").read_bytes() == b"hard"
    assert victim.read_text() == "untouched"


def test_duplicate_turning_a_file_into_an_escaping_symlink(tmp_path: Path, fmt: str) -> None:
    _unsafe(tmp_path, fmt, [member("x", b"file"),
                            member("x", type=tarfile.SYMTYPE, linkname="../../etc/passwd")], "x")


def test_truncated_and_corrupt_archives(tmp_path: Path, fmt: str) -> None:
    pkg = write_package(tmp_path / fmt, [member(f"f{i}", os.urandom(3000)) for i in range(50)])
    data = pkg.read_bytes()
    cut = tmp_path / ("cut-" + fmt)
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(InvalidArchive):
        extract(cut, tmp_path / "d1")
    garbage = tmp_path / ("garbage-" + fmt)
    garbage.write_bytes(b"this is not an archive" * 100)
    with pytest.raises(InvalidArchive):
        extract(garbage, tmp_path / "d2")


def test_declared_size_larger_than_data(tmp_path: Path) -> None:
    ti, _ = member("liar", b"", size=5000)
    raw = tar_bytes([INDEX], end=False) + ti.tobuf(tarfile.PAX_FORMAT) + b"short"
    import bz2

    pkg = tmp_path / "x-1-0.tar.bz2"
    pkg.write_bytes(bz2.compress(raw))
    with pytest.raises(InvalidArchive, match="truncated") as err:
        extract(pkg, tmp_path / "dest")
    assert err.value.member == "liar"


def test_conda_zip_level_checks(tmp_path: Path) -> None:
    ok = write_conda(tmp_path / "a-1-0.conda", [INDEX], [member("f", b"x")],
                     extra=[("../evil", b"x"), ("/abs", b"x")])
    extract(ok, tmp_path / "d")
    assert not (tmp_path / "evil").exists()
    assert sorted(tree(tmp_path / "d")) == ["f", "info", "info/index.json"]
    with pytest.warns(UserWarning, match="Duplicate name"):
        dup = write_conda(tmp_path / "b-1-0.conda", [INDEX], [member("f", b"x")],
                          extra=[("pkg-b-1-0.tar.zst", b"other")])
    with pytest.raises(InvalidArchive, match="duplicated zip entry|more than one"):
        extract(dup, tmp_path / "d2")
    future = write_conda(tmp_path / "c-1-0.conda", [INDEX], [],
                         metadata=b'{"conda_pkg_format_version": 3}')
    with pytest.raises(InvalidArchive, match="format version 3"):
        extract(future, tmp_path / "d3")


def test_unknown_extension(tmp_path: Path) -> None:
    p = tmp_path / "x.zip"
    p.write_bytes(b"PK")
    with pytest.raises(InvalidArchive, match="not a conda package"):
        extract(p, tmp_path / "d")
    with pytest.raises(InvalidArchive, match="no such file"):
        extract(tmp_path / "missing.conda", tmp_path / "d")


def test_tar_bz2_hostile_via_tarfile_writer(tmp_path: Path) -> None:
    """GNU long names and pax headers (written by tarfile itself) go through the same checks."""
    long_evil = "../" + "d" * 150 + "/evil"
    for fmt_ in (tarfile.GNU_FORMAT, tarfile.PAX_FORMAT):
        ti = tarfile.TarInfo(long_evil)
        raw = ti.tobuf(fmt_, "utf-8", "surrogateescape") + b"\0" * 1024
        import bz2

        pkg = tmp_path / f"g{fmt_}-1-0.tar.bz2"
        pkg.write_bytes(bz2.compress(raw))
        with pytest.raises(UnsafeArchive) as err:
            extract(pkg, tmp_path / "dest")
        assert err.value.member == long_evil
    write_tar_bz2(tmp_path / "ok-1-0.tar.bz2", [INDEX, member("a/" + "n" * 200, b"long")])
    extract(tmp_path / "ok-1-0.tar.bz2", tmp_path / "ok")
    assert (tmp_path / "ok" / "a" / ("n" * 200)).read_bytes() == b"long"
