"""Fixtures of the reliability suites: a built test channel, a served copy, counts.

The channel (built once per test process) holds small real packages:

* ``alpha 1.0`` / ``alpha 2.0`` (noarch generic), ``beta`` (needs alpha, has a symlink),
* ``many 1.0`` / ``many 2.0`` (400 files each: linking takes a while),
* ``blob 1.0`` (3 MB of random bytes as ``.tar.bz2``: extraction takes a while),
* ``reloc 1.0`` (a text file with the prefix placeholder: relocated on link),
* ``app 1.0`` (needs beta, many and reloc).
"""
from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
from pathlib import Path
from typing import Callable, Dict, Iterator, List

import pytest

from tests.conftest import UmmEnv
from tests.support import builder
from tests.support.builder import File, Package
from tests.support.server import ChannelServer

# quick network settings: small backoff, two retries, short timeouts
FAST_NET = {
    "MAMBA_REMOTE_MAX_RETRIES": "2",
    "MAMBA_REMOTE_BACKOFF_FACTOR": "0.05",
    "MAMBA_REMOTE_CONNECT_TIMEOUT_SECS": "2",
    "MAMBA_REMOTE_READ_TIMEOUT_SECS": "5",
    "MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY": "false",
}
MAX_RETRIES = 2


def _many(version: str) -> Package:
    rnd = random.Random(f"many-{version}")
    files = [File(f"share/many/d{i % 20}/f{i}.txt",
                  f"many {version} file {i} {rnd.getrandbits(64):x}\n" * 4)
             for i in range(400)]
    return Package("many", version, "0", noarch="generic", files=files)


def packages() -> List[Package]:
    rnd = random.Random(7)
    blob = rnd.randbytes(3 << 20)
    return [
        Package("alpha", "1.0", "0", noarch="generic", files=[
            File("share/alpha/version.txt", "alpha 1.0\n"),
            File("share/alpha/data.txt", "a" * 5000),
            File("bin/alpha", "#!/bin/sh\necho alpha 1.0\n", 0o755)]),
        Package("alpha", "2.0", "0", noarch="generic", files=[
            File("share/alpha/version.txt", "alpha 2.0\n"),
            File("share/alpha/new-in-2.txt", "new\n"),
            File("bin/alpha", "#!/bin/sh\necho alpha 2.0\n", 0o755)]),
        Package("beta", "1.0", "0", noarch="generic", depends=["alpha"], files=[
            File("share/beta/beta.txt", "beta\n"),
            File.link("share/beta/link.txt", "beta.txt")]),
        _many("1.0"),
        _many("2.0"),
        Package("blob", "1.0", "0", noarch="generic", files=[File("share/blob/blob.bin", blob)]),
        Package("reloc", "1.0", "0", noarch="generic", files=[
            File.text("etc/reloc.conf", f"prefix={builder.TEXT_PLACEHOLDER}\n", placeholder=True)]),
        Package("app", "1.0", "0", noarch="generic", depends=["beta", "many", "reloc"], files=[
            File("share/app/app.txt", "app\n")]),
    ]


class Channel:
    """A built channel: its directory and each archive's sha256."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sha256: Dict[str, str] = {}
        for sub in ("noarch", "linux-64"):
            rd = root / sub / "repodata.json"
            if rd.exists():
                doc = json.loads(rd.read_text())
                for key in ("packages", "packages.conda"):
                    for fn, rec in doc.get(key, {}).items():
                        self.sha256[fn] = rec["sha256"]

    def copy(self, dest: Path) -> "Channel":
        shutil.copytree(self.root, dest)
        return Channel(dest)


@pytest.fixture(scope="session")
def built_channel(tmp_path_factory: pytest.TempPathFactory) -> Channel:
    root = tmp_path_factory.mktemp("rel-channel") / "channel"
    pkgs = packages()
    blob = [p for p in pkgs if p.name == "blob"]
    rest = [p for p in pkgs if p.name != "blob"]
    builder.write_channel(root, rest, subdirs=["linux-64"])
    # blob as .tar.bz2 (slow to decompress), added to the same noarch repodata
    path = builder.build(blob[0], root / "noarch", ".tar.bz2")
    rd = root / "noarch" / "repodata.json"
    doc = json.loads(rd.read_text())
    data = path.read_bytes()
    doc["packages"][path.name] = dict(blob[0].index_json(), md5=hashlib.md5(data).hexdigest(),
                                      sha256=hashlib.sha256(data).hexdigest(), size=len(data))
    rd.write_text(json.dumps(doc, indent=1, sort_keys=True))
    return Channel(root)


@pytest.fixture
def server(built_channel: Channel) -> Iterator[ChannelServer]:
    srv = ChannelServer(built_channel.root).start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def tally(record_property: Callable[[str, object], None]) -> Callable[[str, int], None]:
    """``tally("faults injected", n)``: adds to the counts printed at the end of the run."""
    from tests.reliability.counts import PREFIX

    def add(name: str, n: int) -> None:
        record_property(PREFIX + name, int(n))

    return add


class Umm:
    """Runs umm against one channel URL in an isolated root prefix."""

    def __init__(self, env: UmmEnv, url: str) -> None:
        self.env = env
        self.url = url
        env.environ.update(FAST_NET)

    @property
    def root(self) -> Path:
        return self.env.root_prefix

    @property
    def pkgs(self) -> Path:
        return self.env.root_prefix / "pkgs"

    def prefix(self, name: str) -> Path:
        return self.env.root_prefix / "envs" / name

    def args(self, *args: str) -> List[str]:
        return [*args, "-c", self.url, "--override-channels", "-y"]

    def run(self, *args: str, **kw):
        return self.env.run(*self.args(*args), **kw)


@pytest.fixture
def umm(umm_env: UmmEnv, server: ChannelServer) -> Umm:
    return Umm(umm_env, server.url)


def one_error_line(stderr: str) -> str:
    """The single ``error:`` line of a failed run (asserting there is exactly one line)."""
    lines = [ln for ln in stderr.splitlines() if ln.strip()]
    assert "Traceback" not in stderr, stderr
    errors = [ln for ln in lines if ln.startswith("error:")]
    assert len(errors) == 1, stderr
    assert "internal error" not in errors[0], stderr
    return errors[0]


def pkg_files(pkgs: Path) -> List[str]:
    return sorted(os.listdir(pkgs)) if pkgs.is_dir() else []
