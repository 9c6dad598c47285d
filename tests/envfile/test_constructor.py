"""umm constructor: --extract-conda-pkgs (then an offline install), --extract-tarball."""
from __future__ import annotations

import hashlib
import io
import json
import shutil
import subprocess
import tarfile
from pathlib import Path

from tests.conftest import umm_command
from tests.envfile.conftest import Umm, installed
from umm.repodata.cache import cache_name_from_url


def _tar(members: dict, compress: str) -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=f"w:{compress}" if compress else "w") as tf:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tf.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def _run(umm: Umm, *args: str, data: bytes = b"") -> subprocess.CompletedProcess:
    return subprocess.run(umm_command() + list(args), input=data, capture_output=True,
                          env=umm.env.environ)


def test_extract_conda_pkgs_then_offline_install(umm: Umm, tmp_path: Path) -> None:
    served = Path(umm.channel.root)
    prefix = tmp_path / "installer"
    pkgs = prefix / "pkgs"
    pkgs.mkdir(parents=True)
    lines = []
    for sub, fn in (("linux-64", "liba-1.0-hl_0.conda"), ("linux-64", "libb-2.0-hl_0.conda"),
                    ("noarch", "app-1.0-0.conda")):
        shutil.copy(served / sub / fn, pkgs / fn)
        md5 = hashlib.md5((pkgs / fn).read_bytes()).hexdigest()
        lines.append(f"{umm.channel.url}/{sub}/{fn}#{md5}")
    (pkgs / "urls").write_text("\n".join(lines) + "\n")
    # the installer's copy of the channel's repodata knows more than index.json
    repodata = json.loads((served / "noarch" / "repodata.json").read_text())
    repodata["packages.conda"]["app-1.0-0.conda"]["license"] = "from-repodata"
    (pkgs / "cache").mkdir()
    key = cache_name_from_url(f"{umm.channel.url}/noarch/repodata.json")
    (pkgs / "cache" / f"{key}.json").write_text(json.dumps(repodata))

    proc = umm("constructor", "-p", str(prefix), "--extract-conda-pkgs")
    assert proc.stdout.splitlines() == [f"Extracting {line.split('#')[0].rsplit('/', 1)[1]}"
                                        for line in lines]
    rec = json.loads((pkgs / "libb-2.0-hl_0" / "info" / "repodata_record.json").read_text())
    data = (pkgs / "libb-2.0-hl_0.conda").read_bytes()
    assert rec["url"] == lines[1].split("#")[0] and rec["depends"] == ["liba >=1.0"]
    assert rec["md5"] == hashlib.md5(data).hexdigest() and rec["size"] == len(data)
    assert rec["sha256"] == hashlib.sha256(data).hexdigest()
    assert rec["channel"] == f"{umm.channel.url}/linux-64"
    app = json.loads((pkgs / "app-1.0-0" / "info" / "repodata_record.json").read_text())
    assert app["license"] == "from-repodata"

    # then the installer installs them offline into its prefix
    explicit = tmp_path / "explicit.txt"
    explicit.write_text("@EXPLICIT\n" + "\n".join(lines) + "\n")
    (prefix / "conda-meta").mkdir()
    umm.channel.reset_log()
    umm("install", "-p", str(prefix), "-f", str(explicit), "--offline", "-y",
        env={"CONDA_PKGS_DIRS": str(pkgs)})
    assert umm.channel.requests() == []
    recs = {p.name: json.loads(p.read_text()) for p in (prefix / "conda-meta").glob("*.json")}
    assert installed(recs) == {"liba": "1.0", "libb": "2.0", "app": "1.0"}


def test_bad_payloads(umm: Umm, tmp_path: Path) -> None:
    prefix = tmp_path / "p"
    (prefix / "pkgs").mkdir(parents=True)
    proc = umm("constructor", "-p", str(prefix), "--extract-conda-pkgs", check=False)
    assert proc.returncode != 0 and "no urls file" in proc.stderr
    (prefix / "pkgs" / "urls").write_text("https://h/noarch/gone-1-0.conda\n")
    proc = umm("constructor", "-p", str(prefix), "--extract-conda-pkgs", check=False)
    assert proc.returncode != 0 and "gone-1-0.conda: listed in the urls file but missing" in proc.stderr
    proc = umm("constructor", "-p", str(prefix), check=False)
    assert proc.returncode == 2 and "nothing to do" in proc.stderr


def test_extract_tarball_from_stdin(umm: Umm, tmp_path: Path) -> None:
    prefix = tmp_path / "target"
    for compress in ("bz2", ""):
        proc = _run(umm, "constructor", "--prefix", str(prefix), "--extract-tarball",
                    data=_tar({"etc/a.txt": b"a", f"share/{compress or 'plain'}.txt": b"b"}, compress))
        assert proc.returncode == 0, proc.stderr
    assert (prefix / "etc/a.txt").read_bytes() == b"a"
    assert (prefix / "share/bz2.txt").exists() and (prefix / "share/plain.txt").exists()
    proc = _run(umm, "constructor", "-p", str(prefix), "--extract-tarball",
                data=_tar({"../escape.txt": b"x"}, "bz2"))
    assert proc.returncode != 0 and not (tmp_path / "escape.txt").exists()
    assert b"Traceback" not in proc.stderr
    proc = _run(umm, "constructor", "-p", str(prefix), "--extract-tarball", data=b"garbage" * 100)
    assert proc.returncode != 0 and b"not a .tar.bz2 or .tar archive" in proc.stderr
