"""End-to-end: the umm executable against a served channel of real + built packages."""
from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Iterator

import pytest

from tests.conftest import UmmEnv, umm_command
from tests.install.conftest import activated, snapshot
from tests.support import builder
from tests.support.builder import File, Package
from tests.support.server import ChannelServer

pytestmark = pytest.mark.e2e
XY = f"{sys.version_info.major}.{sys.version_info.minor}"


def _packages(shared: Path, marker_dir: Path):
    real = shared / "data" / "packages"
    greet = builder.noarch_python("greet", "1.0", modules={
        "greet/__init__.py": "import sys\n\ndef main():\n    print('greet', sys.prefix)\n    return 0\n"},
        entry_points=["greet = greet:main"])
    return [
        real / "linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2",
        real / "linux-64/link-scripts-0.1.0-h4616a5c_0.conda",
        real / "noarch/andes-1.8.3-pyhd8ed1ab_0.conda",
        Package("libgcc-ng", "12.2.0", "h0_0", files=[File("share/libgcc-ng.txt", "x\n")]),
        builder.c_program("prefix-echo", "1.0", "h0_0"),
        builder.venv_python(),
        greet,
        Package("hello", "1.0", "0", noarch="generic", files=[File("share/hello.txt", "1\n")]),
        Package("hello", "2.0", "0", noarch="generic", files=[File("share/hello.txt", "2\n")]),
        Package("needs-hello", "1.0", "0", noarch="generic", depends=["hello"],
                files=[File("share/needs-hello.txt", "n\n")]),
        builder.link_script_package("bad-post-link", post_link="echo nope >&2\nexit 5\n",
                                    files=[File("share/bad.txt", "bad\n")]),
        builder.link_script_package("slow-post-link", post_link=(
            f"touch {marker_dir}/slow-started\nsleep 60\n"), files=[File("share/slow.txt", "s\n")]),
    ] + [Package(name, version, "0", noarch="generic") for name, version in ANDES_DEPS]


# what the real andes package depends on, as empty stand-ins (python is the test one)
ANDES_DEPS = [("chardet", "5.0"), ("coloredlogs", "15.0"), ("dill", "0.3"), ("kvxopt", "1.3.0.0"),
              ("matplotlib-base", "3.7"), ("numba", "0.57"), ("numpy", "1.24"), ("openpyxl", "3.1"),
              ("pandas", "2.0"), ("pathos", "0.3"), ("psutil", "5.9"), ("pyyaml", "6.0"),
              ("scipy", "1.10"), ("sympy", "1.10.1"), ("texttable", "1.6"), ("tqdm", "4.65"),
              ("xlsxwriter", "3.1")]


@pytest.fixture(scope="module")
def channel(tmp_path_factory, shared_data: Path) -> Iterator[ChannelServer]:
    base = tmp_path_factory.mktemp("e2e-channel")
    root = base / "channel"
    builder.write_channel(root, _packages(shared_data.parent, base), subdirs=["linux-64"])
    srv = ChannelServer(root).start()
    srv.marker_dir = base  # type: ignore[attr-defined]
    try:
        yield srv
    finally:
        srv.stop()


def _umm(env: UmmEnv, channel: ChannelServer, *args: str, **kw):
    # the test channel's python has no pip package to depend on
    env.environ["MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY"] = "false"
    return env.run(*args, "-c", channel.url, "--override-channels", **kw)


def _pkg_downloads(channel: ChannelServer) -> int:
    return sum(1 for r in channel.requests() if r.path.endswith((".conda", ".tar.bz2")))


def test_create_runs_programs_then_list_install_update_remove(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "demo"
    proc = _umm(umm_env, channel, "create", "-n", "demo", "zlib", "prefix-echo", "greet", "-y", check=True)
    assert "Transaction" in proc.stdout and "+ zlib" in proc.stdout
    assert "Install: 5 packages" in proc.stdout  # zlib libgcc-ng prefix-echo greet python
    # the env's programs run and see the env
    assert subprocess.run([str(prefix / "bin/prefix-echo")], capture_output=True,
                          text=True).stdout.strip() == str(prefix)
    assert f"prefix={prefix}\n" in (prefix / "lib/pkgconfig/zlib.pc").read_text()
    greet = subprocess.run([str(prefix / "bin/greet")], capture_output=True, text=True,
                           env=activated(prefix))
    assert greet.stdout.strip() == f"greet {prefix}", greet.stderr
    listed = json.loads(umm_env.run("list", "-n", "demo", "--json", check=True).stdout)
    assert sorted(d["name"] for d in listed) == ["greet", "libgcc-ng", "prefix-echo", "python", "zlib"]
    # install: the real link-scripts package; its post-link message is shown
    proc = _umm(umm_env, channel, "install", "-n", "demo", "link-scripts", "hello=1.0", "-y", check=True)
    assert "post-link script that just ran" in proc.stdout
    assert (prefix / "i-was-post-linked").exists()
    assert (prefix / "share/hello.txt").read_text() == "1\n"
    # update one package
    proc = _umm(umm_env, channel, "update", "-n", "demo", "hello", "-y", check=True)
    assert "Upgrade:" in proc.stdout and (prefix / "share/hello.txt").read_text() == "2\n"
    # andes without its dependencies: the entry point runs under the env's python
    _umm(umm_env, channel, "install", "-n", "demo", "andes", "--no-deps", "-y", check=True)
    assert not list((prefix / "conda-meta").glob("xlsxwriter-*.json"))
    andes = subprocess.run([str(prefix / "bin/andes")], capture_output=True, text=True,
                           env=activated(prefix))
    assert f"{prefix}/lib/python{XY}/site-packages/andes/" in andes.stderr
    # remove: pre-unlink of link-scripts runs; andes' files and .pyc go too
    _umm(umm_env, channel, "remove", "-n", "demo", "link-scripts", "andes", "-y", check=True)
    assert not (prefix / "i-was-post-linked").exists()
    assert not (prefix / f"lib/python{XY}/site-packages/andes").exists()
    names = umm_env.run("list", "-n", "demo", "--export", check=True).stdout.split()
    assert [n.split("=")[0] for n in names] == ["greet", "hello", "libgcc-ng", "prefix-echo",
                                                "python", "zlib"]
    history = (prefix / "conda-meta/history").read_text()
    assert history.count("==> ") == 5 and "# remove specs: [\"link-scripts\", \"andes\"]" in history


def test_recreate_over_warm_cache_downloads_nothing(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "one", "zlib", "prefix-echo", "-y", check=True)
    before = _pkg_downloads(channel)
    proc = _umm(umm_env, channel, "create", "-n", "two", "zlib", "prefix-echo", "-y", check=True)
    assert _pkg_downloads(channel) == before
    assert "Cached" in proc.stdout
    # and over an existing env, with -y: replaced
    _umm(umm_env, channel, "create", "-n", "one", "hello", "-y", check=True)
    names = umm_env.run("list", "-n", "one", "--export", check=True).stdout.split()
    assert names == ["hello=2.0=0"]


def test_json_and_dry_run(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "j"
    dry = _umm(umm_env, channel, "create", "-n", "j", "needs-hello", "--json", "--dry-run", check=True)
    doc = json.loads(dry.stdout)
    assert doc["success"] is True and doc["dry_run"] is True and doc["prefix"] == str(prefix)
    assert sorted(x["name"] for x in doc["actions"]["LINK"]) == ["hello", "needs-hello"]
    assert {x["name"] for x in doc["actions"]["FETCH"]} <= {"hello", "needs-hello"}
    assert not prefix.exists()
    real = json.loads(_umm(umm_env, channel, "create", "-n", "j", "needs-hello", "--json", check=True).stdout)
    assert real["dry_run"] is False and (prefix / "share/needs-hello.txt").exists()
    removed = json.loads(_umm(umm_env, channel, "remove", "-n", "j", "hello", "--json", check=True).stdout)
    assert sorted(x["name"] for x in removed["actions"]["UNLINK"]) == ["hello", "needs-hello"]


def test_confirmation_declined_changes_nothing(umm_env: UmmEnv, channel: ChannelServer) -> None:
    proc = _umm(umm_env, channel, "create", "-n", "no", "hello", input="n\n")
    assert proc.returncode != 0 and "Confirm changes: [Y/n]" in proc.stdout
    assert not (umm_env.root_prefix / "envs" / "no").exists()


def test_failing_post_link_leaves_env_as_before(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "f"
    _umm(umm_env, channel, "create", "-n", "f", "hello=1.0", "-y", check=True)
    before = snapshot(prefix)
    proc = _umm(umm_env, channel, "install", "-n", "f", "bad-post-link", "hello=2.0", "-y")
    assert proc.returncode != 0
    err = [ln for ln in proc.stderr.splitlines() if ln.startswith("error:")]
    assert len(err) == 1 and "post-link" in err[0] and "Traceback" not in proc.stderr
    assert snapshot(prefix) == before
    # a failing create leaves no env behind
    assert _umm(umm_env, channel, "create", "-n", "g", "bad-post-link", "-y").returncode != 0
    assert not (umm_env.root_prefix / "envs" / "g").exists()


def test_sigint_mid_transaction_leaves_env_as_before(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "s"
    _umm(umm_env, channel, "create", "-n", "s", "hello=1.0", "zlib", "-y", check=True)
    before = snapshot(prefix)
    marker = channel.marker_dir / "slow-started"  # type: ignore[attr-defined]
    if marker.exists():
        marker.unlink()
    proc = subprocess.Popen(umm_command() + ["install", "-n", "s", "slow-post-link", "hello=2.0",
                                             "-y", "-c", channel.url, "--override-channels"],
                            env=dict(umm_env.environ, MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY="false"), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    deadline = time.time() + 60
    while not marker.exists() and time.time() < deadline and proc.poll() is None:
        time.sleep(0.05)
    assert marker.exists(), proc.communicate()
    proc.send_signal(signal.SIGINT)
    out, err = proc.communicate(timeout=60)
    assert proc.returncode == 130, err
    assert "interrupted" in err
    assert snapshot(prefix) == before


def test_errors_are_one_line(umm_env: UmmEnv, channel: ChannelServer) -> None:
    # a package no channel has: the solver's explanation, exit 1, no env
    proc = _umm(umm_env, channel, "create", "-n", "x", "does-not-exist", "-y")
    assert proc.returncode == 1 and "Traceback" not in proc.stderr
    assert "does-not-exist is requested, but no channel provides does-not-exist" in proc.stderr
    assert not (umm_env.root_prefix / "envs" / "x").exists()
    proc = _umm(umm_env, channel, "create", "-n", "x", "--dry-run", "numpy>=1.2,,<")
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1 and "numpy>=1.2,,<" in proc.stderr
    proc = umm_env.run("install", "-n", "missing-env", "hello", "-y")
    assert proc.returncode != 0 and "missing-env" in proc.stderr
    _umm(umm_env, channel, "create", "-n", "e", "-y", check=True)
    assert (umm_env.root_prefix / "envs/e/conda-meta/history").exists()
    proc = umm_env.run("remove", "-n", "e", "zlib", "-y")
    assert proc.returncode != 0 and "not installed" in proc.stderr


@pytest.mark.parametrize("flag,check", [
    ("--copy", lambda p: p.stat().st_nlink == 1 and not p.is_symlink()),
    ("--always-softlink", lambda p: p.is_symlink()),
    (None, lambda p: p.stat().st_nlink > 1),
])
def test_link_flags(umm_env: UmmEnv, channel: ChannelServer, flag, check) -> None:
    args = ["create", "-n", "l", "hello=1.0", "-y"] + ([flag] if flag else [])
    _umm(umm_env, channel, *args, check=True)
    assert check(umm_env.root_prefix / "envs/l/share/hello.txt")


def test_offline_from_a_warm_cache(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "on", "needs-hello", "-y", check=True)
    before = len(channel.requests())
    proc = _umm(umm_env, channel, "create", "-n", "off", "needs-hello", "-y", "--offline", check=True)
    assert len(channel.requests()) == before, proc.stderr
    assert (umm_env.root_prefix / "envs/off/share/needs-hello.txt").exists()


def test_download_only_fills_the_cache_but_not_the_env(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "d", "hello=1.0", "-y", "--download-only", check=True)
    assert not (umm_env.root_prefix / "envs/d").exists()
    assert (umm_env.root_prefix / "pkgs/hello-1.0-0/info/index.json").exists()
