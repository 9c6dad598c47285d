"""Malicious packages served by a channel, installed with the umm executable.

Archive tricks (path traversal, absolute names, symlink then write-through, hard
links out, lying sizes, devices, duplicated members) and hostile metadata
(``paths.json``, ``index.json``, ``link.json`` entry points, legacy ``info/files``
and ``has_prefix``, repodata records whose build or file name is a path). Each
install must end in a one-line error (or, for the harmless duplicate, succeed
with the right files); nothing may appear outside the env and the cache, the env
must be exactly as before, and the package cache must hold nothing bad.
"""
from __future__ import annotations

import json
import tarfile
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

from tests.conftest import UmmEnv
from tests.package.archives import member
from tests.reliability.checks import cache_problems, env_problems, env_state, installed
from tests.reliability.conftest import Channel, Umm, one_error_line
from tests.reliability.hostile import (add_to_channel, directory, evil_package, file_entry, hard,
                                       index_json, paths_json, reg, sym)
from tests.support import builder
from tests.support.builder import Package
from tests.support.server import ChannelServer

ESCAPE = "escape-"  # every file or dir a hostile package tries to create outside starts so


def _cases(abs_dir: Path) -> Dict[str, Callable[[Path], Path]]:
    """name -> function writing the hostile package into a noarch dir."""
    a = str(abs_dir)

    def pkg(name: str, members, **kw) -> Callable[[Path], Path]:
        return lambda d: evil_package(d, name, pkg=members, **kw)

    ok_file = reg("share/ok.txt", b"ok\n")
    return {
        "traversal": pkg("evil-trav", [ok_file, reg("../../../escape-trav", b"pwned")]),
        "traversal-bz2": pkg("evil-travbz", [reg("share/../../../../escape-travbz", b"x")],
                             fmt=".tar.bz2"),
        "absolute": pkg("evil-abs", [reg(f"{a}/escape-abs", b"pwned")]),
        "symlink-out": pkg("evil-symout", [sym("share/out", "../../../../../escape-sym")]),
        "symlink-abs": pkg("evil-symabs", [sym("share/out", f"{a}/escape-symabs")]),
        "write-through": pkg("evil-wt", [sym("lnk", "../../.."), reg("lnk/escape-wt", b"x")]),
        "write-through-inside": pkg("evil-wti", [directory("d"), sym("lnk", "d"),
                                                 reg("lnk/x", b"x")]),
        "write-through-dup": pkg("evil-wtd", [sym("share/f", f"{a}/escape-wtd"),
                                              reg("share/f", b"x")]),
        "hardlink-out": pkg("evil-hl", [hard("share/h", "../../../escape-hl")]),
        "hardlink-abs": pkg("evil-hlabs", [hard("share/h", "/etc/passwd")]),
        "huge-size": pkg("evil-huge", [reg("share/big", b"", size=1 << 40)]),
        "device": pkg("evil-dev", [member("share/dev", type=tarfile.CHRTYPE)]),
        # metadata
        "paths-dir-out": pkg("evil-pdir", [ok_file], paths=paths_json([
            file_entry("share/ok.txt", b"ok\n"),
            {"_path": "../../../escape-pdir/sub", "path_type": "directory"}])),
        "paths-dir-abs": pkg("evil-pdabs", [ok_file], paths=paths_json([
            {"_path": f"{a}/escape-pdabs", "path_type": "directory"}])),
        "paths-file-out": pkg("evil-pfile", [ok_file], paths=paths_json([
            file_entry("share/../../../escape-pfile", b"ok\n")])),
        "paths-not-json": pkg("evil-pnj", [ok_file], paths=b"{not json"),
        "paths-not-a-list": pkg("evil-pnl", [ok_file], paths=b'{"paths": {"_path": "x"}}'),
        "paths-entry-string": pkg("evil-pes", [ok_file], paths=b'{"paths": ["share/ok.txt"]}'),
        "paths-no-path": pkg("evil-pnp", [ok_file], paths=b'{"paths": [{"path_type": "hardlink"}]}'),
        "paths-int-path": pkg("evil-pip", [ok_file], paths=b'{"paths": [{"_path": 7}]}'),
        "paths-bad-type": pkg("evil-pbt", [ok_file], paths=paths_json([
            {"_path": "share/ok.txt", "path_type": {"x": 1}}])),
        "paths-nul": pkg("evil-pnul", [ok_file], paths=paths_json([
            {"_path": "share/ok.txt\u0000../../x", "path_type": "hardlink"}])),
        "index-not-json": pkg("evil-inj", [ok_file], index=b"\xff\xfe garbage"),
        "index-a-list": pkg("evil-ial", [ok_file], index=b'["name", "evil-ial"]'),
        "legacy-files-out": lambda d: evil_package(d, "evil-leg", pkg=[ok_file], info=[
            member("info/index.json", index_json("evil-leg")),
            member("info/files", b"share/ok.txt\n../../../escape-leg\n")]),
        "legacy-bad-has-prefix": lambda d: evil_package(d, "evil-lhp", pkg=[ok_file], info=[
            member("info/index.json", index_json("evil-lhp")),
            member("info/files", b"share/ok.txt\n"),
            member("info/has_prefix", b'"/opt/anaconda1anaconda2anaconda3 text share/ok.txt\n')]),
        "link-json-garbage": pkg("evil-lj", [ok_file], extra_info=[
            member("info/link.json", b'{"noarch": [1, 2], "package_metadata_version": 1}')]),
    }


ENTRY_POINTS = {
    "entry-point-out": "../../../escape-ep = os:getcwd",
    "entry-point-abs": "/ABS/escape-epabs = os:getcwd",
}


class Hostile:
    def __init__(self, channel: Channel, server: ChannelServer, outside: Path) -> None:
        self.channel, self.server, self.outside = channel, server, outside


@pytest.fixture(scope="module")
def hostile(built_channel: Channel, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Hostile]:
    base = tmp_path_factory.mktemp("hostile")
    outside = base / "abs-target"
    outside.mkdir()
    ch = built_channel.copy(base / "channel")
    noarch = ch.root / "noarch"
    for make in _cases(outside).values():
        add_to_channel(ch.root, make(noarch))
    # noarch: python packages with hostile entry points, and a stand-in python
    py = builder.write_channel(base / "py", [Package("python", "3.11.0", "0", files=[
        builder.File("share/python-standin.txt", "no interpreter\n")])], subdirs=["linux-64"])
    arch = next((py / "linux-64").glob("python-*.conda"))
    (ch.root / "linux-64" / arch.name).write_bytes(arch.read_bytes())
    add_to_channel(ch.root, ch.root / "linux-64" / arch.name,
                   {"subdir": "linux-64", "noarch": None}, subdir="linux-64")
    for i, ep in enumerate(ENTRY_POINTS.values()):
        name = f"evil-ep{i}"
        link = json.dumps({"noarch": {"type": "python", "entry_points": [
            ep.replace("/ABS", str(outside))]}, "package_metadata_version": 1}).encode()
        path = evil_package(noarch, name, pkg=[reg("site-packages/evil_ep.py", b"x = 1\n")],
                            index=index_json(name, noarch="python", depends=["python"]),
                            extra_info=[member("info/link.json", link)])
        add_to_channel(ch.root, path, {"noarch": "python", "depends": ["python"]})
    # repodata records whose build string or file name is a path
    good = evil_package(noarch, "evil-build", pkg=[reg("share/ok.txt", b"ok\n")])
    add_to_channel(ch.root, good, {"build": "0/../../../../../escape-build"})
    doc = json.loads((noarch / "repodata.json").read_text())
    rec = dict(doc["packages.conda"]["alpha-1.0-0.conda"], name="evil-fn")
    doc["packages.conda"]["../../../escape-fn.conda"] = rec
    (noarch / "repodata.json").write_text(json.dumps(doc, indent=1))
    srv = ChannelServer(ch.root).start()
    try:
        yield Hostile(Channel(ch.root), srv, outside)
    finally:
        srv.stop()


def _escapes(root: Path, outside: Path) -> List[str]:
    """Anything named ``escape-*`` in the ancestors of ``root`` or in ``outside``."""
    found = []
    for d in [outside, *list(root.parents)[:6]]:
        try:
            found += [str(p) for p in d.iterdir() if p.name.startswith(ESCAPE)]
        except OSError:
            pass
    return found


PACKAGE_CASES = [
    ("traversal", "evil-trav"), ("traversal-bz2", "evil-travbz"), ("absolute", "evil-abs"),
    ("symlink-out", "evil-symout"), ("symlink-abs", "evil-symabs"), ("write-through", "evil-wt"),
    ("write-through-inside", "evil-wti"), ("write-through-dup", "evil-wtd"),
    ("hardlink-out", "evil-hl"), ("hardlink-abs", "evil-hlabs"), ("huge-size", "evil-huge"),
    ("device", "evil-dev"), ("paths-dir-out", "evil-pdir"), ("paths-dir-abs", "evil-pdabs"),
    ("paths-file-out", "evil-pfile"), ("paths-not-json", "evil-pnj"),
    ("paths-not-a-list", "evil-pnl"), ("paths-entry-string", "evil-pes"),
    ("paths-no-path", "evil-pnp"), ("paths-int-path", "evil-pip"),
    ("paths-bad-type", "evil-pbt"), ("paths-nul", "evil-pnul"),
    ("index-not-json", "evil-inj"), ("index-a-list", "evil-ial"),
    ("legacy-files-out", "evil-leg"), ("legacy-bad-has-prefix", "evil-lhp"),
    ("link-json-garbage", "evil-lj"), ("entry-point-out", "evil-ep0"),
    ("entry-point-abs", "evil-ep1"), ("repodata-build", "evil-build"),
    ("repodata-fn", "evil-fn"),
]


@pytest.mark.parametrize("case,name", PACKAGE_CASES, ids=[c for c, _ in PACKAGE_CASES])
def test_hostile_package_is_refused(hostile: Hostile, umm_env: UmmEnv, tally, case: str,
                                    name: str) -> None:
    umm = Umm(umm_env, hostile.server.url)
    umm.run("create", "-n", "e", "alpha=1.0", "python", check=True)
    prefix = umm.prefix("e")
    before = env_state(prefix)
    proc = umm.run("install", "-n", "e", name, timeout=120)
    tally("hostile inputs", 1)
    assert _escapes(umm.root, hostile.outside) == []
    assert "Traceback" not in proc.stderr
    if proc.returncode == 0:
        # only acceptable if the package got in safely
        assert case in ("repodata-build", "repodata-fn", "link-json-garbage"), proc.stdout
        assert env_problems(prefix) == []
    else:
        line = one_error_line(proc.stderr)
        assert len(line) < 600, line
        assert env_state(prefix) == before
    assert cache_problems(umm.pkgs, hostile.channel.sha256) == []
    # the env still works afterwards
    umm.run("install", "-n", "e", "beta", check=True)
    assert "beta-1.0-0" in installed(prefix) and env_problems(prefix) == []


def test_harmless_duplicates_last_one_wins(hostile: Hostile, umm_env: UmmEnv, tmp_path: Path,
                                           tally) -> None:
    """A symlink member followed by a file of the same name: the file replaces the link,
    the link's target is never written through."""
    umm = Umm(umm_env, hostile.server.url)
    noarch = hostile.channel.root / "noarch"
    path = evil_package(noarch, "dup-ok", pkg=[
        reg("share/target.txt", b"target\n"), sym("share/l", "target.txt"),
        reg("share/l", b"replaced\n")], paths=paths_json([
            file_entry("share/target.txt", b"target\n"), file_entry("share/l", b"replaced\n")]))
    add_to_channel(hostile.channel.root, path)
    umm.run("create", "-n", "d", "dup-ok", check=True)
    prefix = umm.prefix("d")
    assert (prefix / "share/target.txt").read_bytes() == b"target\n"
    assert (prefix / "share/l").read_bytes() == b"replaced\n"
    assert not (prefix / "share/l").is_symlink()
    assert env_problems(prefix) == []
    tally("hostile inputs", 1)
