"""The test package builder writes archives that other tools read."""
from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path

import pytest

from tests.support import builder
from tests.support.builder import File, Package


def _pkg() -> Package:
    return Package("demo", "1.2", "h0_1", build_number=1, depends=["zlib >=1.2"], files=[
        File.text("etc/demo.cfg", f"root={builder.TEXT_PLACEHOLDER}/etc\n", placeholder=True),
        File("bin/demo", "#!/bin/sh\necho hi\n", 0o755),
        File.link("bin/demo-alias", "demo"),
        File.dir("var/empty"),
    ])


@pytest.mark.parametrize("fmt", [".conda", ".tar.bz2"])
def test_roundtrip_through_conda_package_handling(tmp_path: Path, fmt: str) -> None:
    cph = pytest.importorskip("conda_package_handling.api")
    archive = builder.build(_pkg(), tmp_path / "out", fmt)
    assert archive.name == "demo-1.2-h0_1" + fmt
    dest = tmp_path / "x"
    cph.extract(str(archive), dest_dir=str(dest))
    index = json.loads((dest / "info/index.json").read_text())
    assert index["name"] == "demo" and index["depends"] == ["zlib >=1.2"]
    assert os.readlink(dest / "bin/demo-alias") == "demo"
    assert os.stat(dest / "bin/demo").st_mode & 0o777 == 0o755
    paths = {p["_path"]: p for p in json.loads((dest / "info/paths.json").read_text())["paths"]}
    assert paths["etc/demo.cfg"]["prefix_placeholder"] == builder.TEXT_PLACEHOLDER
    assert paths["etc/demo.cfg"]["file_mode"] == "text"
    assert paths["bin/demo-alias"]["path_type"] == "softlink"
    assert paths["var/empty"]["path_type"] == "directory"
    assert (dest / "info/has_prefix").read_text().split() == [
        builder.TEXT_PLACEHOLDER, "text", "etc/demo.cfg"]
    # our own extractor (the tests' stand-in) agrees
    mine = builder.extract(archive, tmp_path / "mine")
    assert (mine / "etc/demo.cfg").read_bytes() == (dest / "etc/demo.cfg").read_bytes()
    assert builder.read_index(archive) == index


def test_write_channel_with_real_and_built_packages(tmp_path: Path, shared_data: Path) -> None:
    zlib = shared_data / "packages/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2"
    ch = builder.write_channel(tmp_path / "ch", [_pkg(), zlib], subdirs=["linux-64"])
    linux = json.loads((ch / "linux-64/repodata.json").read_text())
    noarch = json.loads((ch / "noarch/repodata.json").read_text())
    assert set(linux["packages.conda"]) == {"demo-1.2-h0_1.conda"}
    rec = linux["packages"]["zlib-1.2.11-h7b6447c_3.tar.bz2"]
    assert rec["size"] == zlib.stat().st_size and len(rec["sha256"]) == 64
    import hashlib
    assert rec["md5"] == hashlib.md5(zlib.read_bytes()).hexdigest()
    assert noarch["packages"] == {} and noarch["info"]["subdir"] == "noarch"


def test_c_program_embeds_long_placeholder(tmp_path: Path) -> None:
    pkg = builder.c_program()
    assert len(builder.BINARY_PLACEHOLDER) == 255
    exe = next(f for f in pkg.files if f.path == "bin/prefix-echo")
    assert exe.content.count(builder.BINARY_PLACEHOLDER.encode()) == 2
    out = tmp_path / "prefix-echo"
    out.write_bytes(exe.content)
    out.chmod(0o755)
    assert subprocess.run([str(out)], capture_output=True, text=True).stdout.strip() == \
        builder.BINARY_PLACEHOLDER


def test_venv_python_runs_from_its_own_prefix(tmp_path: Path) -> None:
    pkg = builder.venv_python()
    prefix = builder.extract(builder.build(pkg, tmp_path), tmp_path / "env")
    env = dict(os.environ, PREFIX=str(prefix))
    subprocess.run(["sh", str(prefix / "bin/.python-post-link.sh")], env=env, check=True)
    out = subprocess.run([str(prefix / "bin/python"), "-c", "import sys; print(sys.prefix)"],
                         capture_output=True, text=True, check=True).stdout.strip()
    assert out == str(prefix)
