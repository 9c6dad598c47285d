"""Linking files: link modes, prefix replacement, shebangs, real zlib."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.install.conftest import Cache
from tests.support import builder
from tests.support.builder import File, Package
from umm.install import LinkOptions, PrefixData, execute
from umm.install.errors import BinaryPrefixTooLong
from umm.install.relocate import replace_binary, replace_text, rewrite_long_shebang
from umm.reporter import RecordingReporter


@pytest.mark.parametrize("fmt", [".conda", ".tar.bz2"])
def test_real_zlib_pc_points_at_the_env(cache: Cache, prefix: Path, shared_data: Path, fmt: str) -> None:
    req = cache.add(shared_data / f"packages/linux-64/zlib-1.2.11-h7b6447c_3{fmt}")
    execute(prefix, link=[req])
    pc = (prefix / "lib/pkgconfig/zlib.pc").read_text()
    assert f"prefix={prefix}\n" in pc and "anaconda1anaconda2" not in pc
    # the relocated file is a copy; the others are hard links into the cache
    assert (prefix / "lib/pkgconfig/zlib.pc").stat().st_nlink == 1
    assert (prefix / "include/zlib.h").stat().st_ino == (req.extracted_dir / "include/zlib.h").stat().st_ino
    rec = json.loads((prefix / "conda-meta/zlib-1.2.11-h7b6447c_3.json").read_text())
    pc_entry = next(p for p in rec["paths_data"]["paths"] if p["_path"] == "lib/pkgconfig/zlib.pc")
    assert pc_entry["prefix_placeholder"] == "/opt/anaconda1anaconda2anaconda3"
    assert pc_entry["file_mode"] == "text" and pc_entry["sha256_in_prefix"] != pc_entry["sha256"]
    assert rec["link"] == {"source": str(req.extracted_dir), "type": 1}
    assert rec["fn"] == f"zlib-1.2.11-h7b6447c_3{fmt}" and rec["requested_spec"] == "zlib"
    assert set(rec["files"]) <= {p["_path"] for p in rec["paths_data"]["paths"]}
    for f in rec["files"]:
        assert os.path.lexists(prefix / f)


def test_c_program_prints_the_env_prefix(cache: Cache, prefix: Path) -> None:
    execute(prefix, link=[cache.add(builder.c_program())])
    exe = prefix / "bin/prefix-echo"
    assert os.access(exe, os.X_OK)
    assert subprocess.run([str(exe)], capture_output=True, text=True).stdout.strip() == str(prefix)
    assert subprocess.run([str(exe), "--libdir"], capture_output=True, text=True).stdout.strip() \
        == f"{prefix}/lib/prefix-echo"
    assert (prefix / "share/prefix-echo/config.txt").read_text() == f"prefix={prefix}\n"
    assert exe.stat().st_size == len(next(f for f in builder.c_program().files
                                          if f.path == "bin/prefix-echo").content)


def test_binary_placeholder_refuses_a_longer_prefix(cache: Cache, tmp_path: Path) -> None:
    req = cache.add(builder.c_program())
    deep = tmp_path / ("d" * 200) / ("e" * 60)
    with pytest.raises(BinaryPrefixTooLong) as err:
        execute(deep, link=[req])
    assert err.value.path == "bin/prefix-echo"
    assert not deep.exists()  # the whole transaction was rolled back, prefix included


def test_replace_binary_pads_each_string() -> None:
    ph = "/ph" + "x" * 20
    data = b"A\0" + ph.encode() + b"/lib:" + ph.encode() + b"/bin\0tail\0" + ph.encode() + b"\0"
    out = replace_binary(data, ph, "/new")
    assert len(out) == len(data)
    assert out.split(b"\0")[1] == b"/new/lib:/new/bin"
    assert b"tail" in out and ph.encode() not in out
    assert replace_binary(b"nothing here", ph, "/new") == b"nothing here"


def test_long_shebang_becomes_env_form() -> None:
    long = "/p" * 80 + "/bin/python3.11"
    text = f"#!{long} -E\nprint(1)\n".encode()
    assert rewrite_long_shebang(text) == b"#!/usr/bin/env python3.11 -E\nprint(1)\n"
    short = b"#!/usr/bin/python\nx\n"
    assert rewrite_long_shebang(short) == short
    assert replace_text(b"#!/ph/bin/perl\n", "/ph", "/q" * 70).startswith(b"#!/usr/bin/env perl\n")


def test_text_script_with_long_prefix_gets_env_shebang(cache: Cache, tmp_path: Path) -> None:
    pkg = Package("tool", files=[File.text("bin/tool", f"#!{builder.TEXT_PLACEHOLDER}/bin/sh\necho ok\n",
                                           mode=0o755, placeholder=True)])
    prefix = tmp_path / ("long" * 30) / "env"
    execute(prefix, link=[cache.add(pkg)])
    body = (prefix / "bin/tool").read_text()
    assert body.startswith("#!/usr/bin/env sh\n")
    assert os.stat(prefix / "bin/tool").st_mode & 0o777 == 0o755
    assert subprocess.run([str(prefix / "bin/tool")], capture_output=True, text=True).stdout == "ok\n"


def _simple() -> Package:
    return Package("simple", files=[File("share/simple/data.txt", "data\n"),
                                    File("bin/simple", "#!/bin/sh\necho simple\n", 0o755),
                                    File.link("bin/simple-link", "simple"),
                                    File.dir("var/simple/empty")])


@pytest.mark.parametrize("options,kind", [
    (LinkOptions(), "hard"), (LinkOptions(always_copy=True), "copy"),
    (LinkOptions(always_softlink=True), "soft")])
def test_link_modes(cache: Cache, prefix: Path, options: LinkOptions, kind: str) -> None:
    req = cache.add(_simple())
    execute(prefix, link=[req], options=options)
    target, source = prefix / "share/simple/data.txt", req.extracted_dir / "share/simple/data.txt"
    if kind == "hard":
        assert target.stat().st_ino == source.stat().st_ino
    elif kind == "copy":
        assert not target.is_symlink() and target.stat().st_ino != source.stat().st_ino
    else:
        assert target.is_symlink() and os.readlink(target) == str(source)
    assert target.read_text() == "data\n"
    assert os.stat(prefix / "bin/simple").st_mode & 0o777 == 0o755
    assert os.readlink(prefix / "bin/simple-link") == "simple"
    assert (prefix / "var/simple/empty").is_dir()
    rec = PrefixData.load(prefix).get("simple")
    assert rec is not None and rec.link["type"] == options.link_type
    assert "var/simple/empty" not in rec.files


def test_hardlink_falls_back_to_copy_across_devices(cache: Cache, prefix: Path, monkeypatch) -> None:
    import errno

    def no_link(src, dst):
        raise OSError(errno.EXDEV, "Invalid cross-device link")

    monkeypatch.setattr(os, "link", no_link)
    req = cache.add(_simple())
    execute(prefix, link=[req])
    assert (prefix / "share/simple/data.txt").stat().st_ino != \
        (req.extracted_dir / "share/simple/data.txt").stat().st_ino
    execute(prefix, unlink=["simple"])
    execute(prefix, link=[req], options=LinkOptions(allow_softlinks=True))
    assert (prefix / "share/simple/data.txt").is_symlink()


def test_unlink_removes_files_and_empty_dirs(cache: Cache, prefix: Path) -> None:
    execute(prefix, link=[cache.add(_simple())])
    (prefix / "share/keep.txt").write_text("user file\n")
    result = execute(prefix, unlink=["simple"])
    assert [str(r) for r in result.unlinked] == ["simple-1.0-0"]
    assert not (prefix / "bin").exists() and not (prefix / "var").exists()
    assert (prefix / "share/keep.txt").exists() and not (prefix / "share/simple").exists()
    assert len(PrefixData.load(prefix)) == 0


def test_reporter_sees_link_tasks(cache: Cache, prefix: Path) -> None:
    rep = RecordingReporter()
    execute(prefix, link=[cache.add(_simple())], reporter=rep)
    assert ("finish", "link", "simple", True, "") in rep.events


def test_extra_safety_checks_catch_a_corrupt_cache(cache: Cache, prefix: Path) -> None:
    from umm.install.errors import SafetyCheckFailed

    req = cache.add(_simple())
    execute(prefix, link=[cache.add(Package("base", files=[File("share/base.txt", "b")]))])
    from tests.install.conftest import snapshot
    before = snapshot(prefix)
    (req.extracted_dir / "share/simple/data.txt").write_text("tampered\n")
    execute(prefix.parent / "unchecked", link=[req])  # without the option nothing is read back
    with pytest.raises(SafetyCheckFailed) as err:
        execute(prefix, link=[req], options=LinkOptions(extra_safety_checks=True))
    assert err.value.path == "share/simple/data.txt"
    assert snapshot(prefix) == before
