"""End-to-end: create/install/update/remove solved by umm.solver, against served channels
of packages built by the tests (the real solver, fetcher and linker; no stand-ins)."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, Iterator, List

import pytest

from tests.conftest import UmmEnv
from tests.install.conftest import snapshot
from tests.support import builder
from tests.support.builder import File, Package
from tests.support.server import ChannelServer

pytestmark = pytest.mark.e2e


def _pkg(name: str, version: str, depends=(), build: str = "0", **kw) -> Package:
    return Package(name, version, build, noarch="generic", depends=depends,
                   files=[File(f"share/{name}/version.txt", f"{version}\n")], **kw)


def _fake_python(version: str) -> Package:
    # a stand-in interpreter package: the solver and the linker only see its record
    return Package("python", version, "h0_cpython", subdir="linux-64",
                   files=[File("share/python/version.txt", f"{version}\n")])


PACKAGES = [
    _pkg("a", "1.0"), _pkg("a", "2.0"),
    _pkg("b", "1.0"), _pkg("b", "2.0"),
    _pkg("lib", "1.0"), _pkg("app", "1.0", ["lib"]), _pkg("other", "1.0"),
    # c 2.0 needs a newer a: installing c moves a unless --freeze-installed
    _pkg("c", "1.0", ["a"]), _pkg("c", "2.0", ["a >=2"]),
    # an unsatisfiable pair
    _pkg("x", "1.0", ["lib >=2"]), _pkg("y", "1.0", ["a <2"]), _pkg("z", "1.0", ["a >=2"]),
    _fake_python("3.10.1"), _fake_python("3.11.2"),
    _pkg("tool", "1.0", ["python >=3.10"]), _pkg("tool", "2.0", ["python >=3.11"]),
]


@pytest.fixture(scope="module")
def channel(tmp_path_factory) -> Iterator[ChannelServer]:
    root = tmp_path_factory.mktemp("solve-channel") / "channel"
    builder.write_channel(root, PACKAGES, subdirs=["linux-64"])
    srv = ChannelServer(root).start()
    try:
        yield srv
    finally:
        srv.stop()


def _umm(env: UmmEnv, channel: ChannelServer, *args: str, **kw):
    env.environ["MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY"] = "false"
    return env.run(*args, "-c", channel.url, "--override-channels", **kw)


def _versions(env: UmmEnv, name: str) -> Dict[str, str]:
    listed = json.loads(env.run("list", "-n", name, "--json", check=True).stdout)
    return {d["name"]: d["version"] for d in listed}


def _channels(env: UmmEnv, name: str) -> Dict[str, str]:
    listed = json.loads(env.run("list", "-n", name, "--json", check=True).stdout)
    return {d["name"]: d["base_url"] for d in listed}


def test_unsatisfiable_explains_and_leaves_env_alone(umm_env: UmmEnv,
                                                     channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "u"
    _umm(umm_env, channel, "create", "-n", "u", "a=1.0", "-y", check=True)
    before = snapshot(prefix)
    proc = _umm(umm_env, channel, "install", "-n", "u", "y", "z", "-y")
    assert proc.returncode == 1, proc.stderr
    err = proc.stderr
    assert "Traceback" not in err and "Could not solve" in err
    # the tree names both requests and the conflicting versions of a
    assert "y" in err and "z" in err and "a" in err and "\u2514\u2500" in err
    assert "Confirm changes" not in proc.stdout
    assert snapshot(prefix) == before
    # a dependency nobody provides
    proc = _umm(umm_env, channel, "install", "-n", "u", "x", "-y")
    assert proc.returncode == 1 and "lib >=2" in proc.stderr and "available: 1.0" in proc.stderr
    assert snapshot(prefix) == before


def test_strict_flexible_and_disabled_priority(umm_env: UmmEnv, tmp_path: Path,
                                              channel_server: ChannelServer,
                                              make_channel_server) -> None:
    umm_env.environ["MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY"] = "false"
    builder.write_channel(channel_server.root, [_pkg("foo", "1.0"), _pkg("bar", "1.0")])
    second = make_channel_server(builder.write_channel(
        tmp_path / "second",
        [_pkg("foo", "2.0"), _pkg("bar", "2.0"), _pkg("baz", "1.0", ["foo >=2"])]))
    both = ("-c", channel_server.url, "-c", second.url, "--override-channels")

    def create(name: str, *args: str, check: bool = False):
        return umm_env.run("create", "-n", name, "-y", *args, *both, check=check)

    # the first channel wins for foo in strict and flexible mode; disabled takes the newest
    create("s", "foo", "--strict-channel-priority", check=True)
    create("f", "foo", "--channel-priority", "flexible", check=True)
    create("d", "foo", "--no-channel-priority", check=True)
    assert _versions(umm_env, "s") == {"foo": "1.0"}
    assert _channels(umm_env, "s")["foo"] == channel_server.url
    assert _versions(umm_env, "f") == {"foo": "1.0"}
    assert _versions(umm_env, "d") == {"foo": "2.0"}
    # a dependency the first channel cannot satisfy: strict hides the second channel's foo
    proc = create("s2", "baz", "--strict-channel-priority")
    assert proc.returncode == 1 and "foo" in proc.stderr
    assert not (umm_env.root_prefix / "envs/s2").exists()
    create("f2", "baz", "--channel-priority", "flexible", check=True)
    assert _versions(umm_env, "f2") == {"baz": "1.0", "foo": "2.0"}
    assert _channels(umm_env, "f2")["foo"] == second.url
    # channel_priority from an rc file
    rc = tmp_path / "rc.yml"
    rc.write_text("channel_priority: disabled\n")
    create("rc", "bar", "--rc-file", str(rc), check=True)
    assert _versions(umm_env, "rc") == {"bar": "2.0"}


def test_update_one_package_then_all(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "up", "a=1.0", "b=1.0", "-y", check=True)
    proc = _umm(umm_env, channel, "update", "-n", "up", "a", "-y", check=True)
    assert "Upgrade:" in proc.stdout and "Upgrade: 1 packages" in proc.stdout
    assert _versions(umm_env, "up") == {"a": "2.0", "b": "1.0"}
    # nothing newer for a: nothing to do
    proc = _umm(umm_env, channel, "update", "-n", "up", "a", "-y", check=True)
    assert "All requested packages already installed" in proc.stdout
    proc = _umm(umm_env, channel, "update", "-n", "up", "--all", "-y", check=True)
    assert "- b" in proc.stdout and "+ b" in proc.stdout
    assert _versions(umm_env, "up") == {"a": "2.0", "b": "2.0"}
    proc = _umm(umm_env, channel, "update", "-n", "up", "other", "-y")
    assert proc.returncode != 0 and "not installed" in proc.stderr


def test_python_minor_version_is_kept(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "py", "python=3.10", "-y", check=True)
    # tool 2.0 needs python 3.11: installing tool keeps python 3.10 and takes tool 1.0
    _umm(umm_env, channel, "install", "-n", "py", "tool", "-y", check=True)
    assert _versions(umm_env, "py") == {"python": "3.10.1", "tool": "1.0"}
    # update --all keeps the minor version too
    _umm(umm_env, channel, "update", "-n", "py", "--all", "-y", check=True)
    assert _versions(umm_env, "py") == {"python": "3.10.1", "tool": "1.0"}
    # --no-py-pin lets python move
    dry = json.loads(_umm(umm_env, channel, "install", "-n", "py", "tool>=2", "--no-py-pin",
                          "--dry-run", "--json", check=True).stdout)
    assert sorted((x["name"], x["version"]) for x in dry["actions"]["LINK"]) == \
        [("python", "3.11.2"), ("tool", "2.0")]
    # without it, asking for tool>=2 conflicts with the pin, explained
    proc = _umm(umm_env, channel, "install", "-n", "py", "tool>=2", "-y")
    assert proc.returncode == 1 and "excluded by the pin python=3.10" in proc.stderr
    # naming python lifts the pin
    _umm(umm_env, channel, "install", "-n", "py", "python=3.11", "tool>=2", "-y", check=True)
    assert _versions(umm_env, "py") == {"python": "3.11.2", "tool": "2.0"}


def test_remove_with_dependents_prune_and_force(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "r", "app", "other", "-y", check=True)
    assert set(_versions(umm_env, "r")) == {"app", "lib", "other"}
    # removing lib takes app (depends on it) too
    dry = json.loads(_umm(umm_env, channel, "remove", "-n", "r", "lib", "--dry-run", "--json",
                          check=True).stdout)
    assert [x["name"] for x in dry["actions"]["UNLINK"]] == ["app", "lib"]  # dependents first
    # --force: only lib, app stays (broken)
    _umm(umm_env, channel, "remove", "-n", "r", "lib", "--force", "-y", check=True)
    assert set(_versions(umm_env, "r")) == {"app", "other"}
    _umm(umm_env, channel, "install", "-n", "r", "lib", "-y", check=True)
    # removing app prunes lib (a dependency nothing else needs) unless --no-prune
    dry = json.loads(_umm(umm_env, channel, "remove", "-n", "r", "app", "--no-prune", "--dry-run",
                          "--json", check=True).stdout)
    assert [x["name"] for x in dry["actions"]["UNLINK"]] == ["app"]
    # lib was installed by request above: it stays; make a fresh env where it is a dependency
    _umm(umm_env, channel, "create", "-n", "r2", "app", "other", "-y", check=True)
    _umm(umm_env, channel, "remove", "-n", "r2", "app", "-y", check=True)
    assert set(_versions(umm_env, "r2")) == {"other"}
    history = (umm_env.root_prefix / "envs/r2/conda-meta/history").read_text()
    assert '# remove specs: ["app"]' in history


def test_inconsistent_env_is_kept_as_it_is(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "inc"
    _umm(umm_env, channel, "create", "-n", "inc", "app", "other", "b=1.0", "-y", check=True)
    _umm(umm_env, channel, "remove", "-n", "inc", "lib", "--force", "-y", check=True)
    # app misses lib now: other commands warn, leave app alone and do not bring lib back
    proc = _umm(umm_env, channel, "remove", "-n", "inc", "other", "-y", check=True)
    assert "app-1.0-0 needs lib, which is not installed" in proc.stderr
    proc = _umm(umm_env, channel, "install", "-n", "inc", "a", "-y", check=True)
    assert _versions(umm_env, "inc") == {"app": "1.0", "a": "2.0", "b": "1.0"}
    # a reinstall of the broken package writes its real record back
    _umm(umm_env, channel, "install", "-n", "inc", "app", "--force-reinstall", "-y", check=True)
    meta = json.loads(next((prefix / "conda-meta").glob("app-1.0-0.json")).read_text())
    assert meta["depends"] == ["lib"] and not any(k.startswith("umm_") for k in meta)
    # updating everything repairs it
    _umm(umm_env, channel, "update", "-n", "inc", "--all", "-y", check=True)
    assert _versions(umm_env, "inc") == {"app": "1.0", "a": "2.0", "b": "2.0", "lib": "1.0"}


def test_force_reinstall(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "fr"
    _umm(umm_env, channel, "create", "-n", "fr", "app", "-y", check=True)
    (prefix / "share/lib/version.txt").unlink()
    proc = _umm(umm_env, channel, "install", "-n", "fr", "lib", "--force-reinstall", "-y",
                check=True)
    assert "Reinstall: 1 packages" in proc.stdout
    assert (prefix / "share/lib/version.txt").read_text() == "1.0\n"
    meta = json.loads(next((prefix / "conda-meta").glob("lib-1.0-0.json")).read_text())
    assert meta["requested_spec"] == "lib" and meta["files"] == ["share/lib/version.txt"]


def test_freeze_installed(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "fr", "a=1.0", "-y", check=True)
    dry = json.loads(_umm(umm_env, channel, "install", "-n", "fr", "c", "--dry-run", "--json",
                          check=True).stdout)
    assert {x["name"]: x["version"] for x in dry["actions"]["LINK"]} == {"a": "2.0", "c": "2.0"}
    _umm(umm_env, channel, "install", "-n", "fr", "c", "--freeze-installed", "-y", check=True)
    assert _versions(umm_env, "fr") == {"a": "1.0", "c": "1.0"}


def test_no_deps_and_only_deps(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "nd", "app", "--no-deps", "-y", check=True)
    assert set(_versions(umm_env, "nd")) == {"app"}
    _umm(umm_env, channel, "create", "-n", "od", "app", "--only-deps", "-y", check=True)
    assert set(_versions(umm_env, "od")) == {"lib"}
    _umm(umm_env, channel, "install", "-n", "od", "c", "--only-deps", "-y", check=True)
    assert _versions(umm_env, "od") == {"lib": "1.0", "a": "2.0"}


def test_pins_from_pinned_file_and_config(umm_env: UmmEnv, channel: ChannelServer,
                                         tmp_path: Path) -> None:
    prefix = umm_env.root_prefix / "envs" / "pin"
    _umm(umm_env, channel, "create", "-n", "pin", "a=1.0", "b=1.0", "-y", check=True)
    (prefix / "conda-meta" / "pinned").write_text("# keep a\na 1.*\n")
    proc = _umm(umm_env, channel, "update", "-n", "pin", "a", "-y", check=True)
    assert "All requested packages already installed" in proc.stdout
    proc = _umm(umm_env, channel, "install", "-n", "pin", "a=2", "-y")
    assert proc.returncode == 1 and "excluded by the pin a=1" in proc.stderr
    # pinned_packages from an rc file, on top
    rc = tmp_path / "rc.yml"
    rc.write_text("pinned_packages: [b <2]\n")
    _umm(umm_env, channel, "update", "-n", "pin", "--all", "--rc-file", str(rc), "-y", check=True)
    assert _versions(umm_env, "pin") == {"a": "1.0", "b": "1.0"}
    # and in a new environment (nothing installed yet)
    _umm(umm_env, channel, "create", "-n", "pin2", "b", "--rc-file", str(rc), "-y", check=True)
    assert _versions(umm_env, "pin2") == {"b": "1.0"}
    # --no-pin ignores both
    _umm(umm_env, channel, "update", "-n", "pin", "--all", "--no-pin", "--rc-file", str(rc), "-y",
         check=True)
    assert _versions(umm_env, "pin") == {"a": "2.0", "b": "2.0"}


def test_json_actions_after_a_real_solve(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "js"
    _umm(umm_env, channel, "create", "-n", "js", "a=1.0", "-y", check=True)
    proc = _umm(umm_env, channel, "install", "-n", "js", "app", "a=2.0", "--json", check=True)
    doc = json.loads(proc.stdout)  # stdout is one JSON document
    assert doc["success"] is True and doc["dry_run"] is False and doc["prefix"] == str(prefix)
    actions = doc["actions"]
    assert actions["PREFIX"] == str(prefix)
    link: List[dict] = actions["LINK"]
    assert [x["name"] for x in link].index("lib") < [x["name"] for x in link].index("app")
    assert sorted(x["dist_name"] for x in link) == ["a-2.0-0", "app-1.0-0", "lib-1.0-0"]
    assert [x["dist_name"] for x in actions["UNLINK"]] == ["a-1.0-0"]
    for entry in link + actions["UNLINK"]:
        assert set(entry) == {"base_url", "build_number", "build_string", "channel", "dist_name",
                              "name", "platform", "version"}
        assert entry["base_url"] == channel.url and entry["platform"] == "noarch"
    fetched = {x["name"]: x for x in actions["FETCH"]}
    assert set(fetched) == {"a", "app", "lib"}
    assert fetched["app"]["depends"] == ["lib"] and len(fetched["app"]["md5"]) == 32
    assert fetched["app"]["url"] == f"{channel.url}/noarch/app-1.0-0.conda"
    assert _versions(umm_env, "js") == {"a": "2.0", "app": "1.0", "lib": "1.0"}
    # nothing to do: a document all the same
    doc = json.loads(_umm(umm_env, channel, "install", "-n", "js", "app", "--json",
                          check=True).stdout)
    assert doc["success"] is True and "LINK" not in doc["actions"]
    assert doc["message"] == "All requested packages already installed"


def _generated_channel(n: int) -> List[Package]:
    """``n`` packages in layers (each depends on two of the layer below) and ``top``
    needing the last layer; every package ships a few files."""
    pkgs: List[Package] = []
    width = 10
    for i in range(n):
        layer = i // width
        deps = [] if layer == 0 else [f"gen{(layer - 1) * width + (i + k) % width:03d} >=1"
                                      for k in (0, 1)]
        files = [File(f"share/gen/gen{i:03d}/file{j}.txt", f"{i}-{j}\n") for j in range(3)]
        pkgs.append(Package(f"gen{i:03d}", "1.0", "0", noarch="generic", depends=deps, files=files))
        if i % 7 == 0:  # an older build the solver must not pick
            pkgs.append(Package(f"gen{i:03d}", "0.9", "0", noarch="generic", depends=deps))
    last = (n - 1) // width
    pkgs.append(Package("top", "1.0", "0", noarch="generic",
                        depends=[f"gen{last * width + k:03d}" for k in range(width)
                                 if last * width + k < n]))
    return pkgs


def test_create_from_a_150_package_channel(umm_env: UmmEnv, channel_server: ChannelServer) -> None:
    pkgs = _generated_channel(150)
    builder.write_channel(channel_server.root, pkgs)
    umm_env.environ["MAMBA_ADD_PIP_AS_PYTHON_DEPENDENCY"] = "false"
    proc = umm_env.run("create", "-n", "big", "top", "-y", "-c", channel_server.url,
                       "--override-channels", check=True)
    assert "Install: 151 packages" in proc.stdout
    versions = _versions(umm_env, "big")
    assert len(versions) == 151 and set(versions.values()) == {"1.0"}
    prefix = umm_env.root_prefix / "envs" / "big"
    assert len(list((prefix / "share/gen").iterdir())) == 150
    assert (prefix / "share/gen/gen000/file2.txt").read_text() == "0-2\n"
    # removing a package at the bottom takes everything that depends on it (and, pruning,
    # everything: top was the only request); without pruning, only the dependents
    proc = umm_env.run("remove", "-n", "big", "gen000", "--dry-run", "--json", check=True)
    assert len(json.loads(proc.stdout)["actions"]["UNLINK"]) == 151
    proc = umm_env.run("remove", "-n", "big", "gen000", "--no-prune", "--dry-run", "--json",
                       check=True)
    unlink = [x["name"] for x in json.loads(proc.stdout)["actions"]["UNLINK"]]
    assert "top" in unlink and "gen000" in unlink and "gen001" not in unlink
    deps = {p.name: [d.split()[0] for d in p.depends] for p in pkgs}
    for name in unlink:  # dependents are unlinked before their dependencies
        assert all(unlink.index(d) > unlink.index(name) for d in deps[name] if d in unlink)
    assert all(n in unlink for n, ds in deps.items() if "gen000" in ds)


def test_install_revision_rolls_back_and_forward(umm_env: UmmEnv, channel: ChannelServer) -> None:
    prefix = umm_env.root_prefix / "envs" / "rev"
    _umm(umm_env, channel, "create", "-n", "rev", "a=1.0", "-y", check=True)      # rev 0
    at0 = snapshot(prefix)
    _umm(umm_env, channel, "install", "-n", "rev", "app", "-y", check=True)      # rev 1
    _umm(umm_env, channel, "update", "-n", "rev", "a", "-y", check=True)         # rev 2
    at2 = _versions(umm_env, "rev")
    assert at2 == {"a": "2.0", "app": "1.0", "lib": "1.0"}

    proc = _umm(umm_env, channel, "install", "-n", "rev", "--revision", "0", "-y", check=True)
    assert "Downgrade:" in proc.stdout and "Remove:" in proc.stdout
    assert _versions(umm_env, "rev") == {"a": "1.0"}
    now = snapshot(prefix)
    assert {k: v for k, v in now.items() if k != "conda-meta/history"} == \
        {k: v for k, v in at0.items() if k != "conda-meta/history"}  # as after the create
    revs = umm_env.run("list", "-n", "rev", "--revisions", check=True).stdout
    assert "(rev 3)" in revs and "--revision 0" in (prefix / "conda-meta/history").read_text()

    # forward again, offline with no channel at all: every package is in the cache
    proc = umm_env.run("install", "-n", "rev", "--revision", "2", "-y", "--offline",
                       "-c", "http://127.0.0.1:9/nowhere", "--override-channels", check=True)
    assert _versions(umm_env, "rev") == at2

    # a package gone from the cache comes from the channels
    for entry in (umm_env.root_prefix / "pkgs").iterdir():
        if entry.name.startswith("a-1.0-"):
            if entry.is_dir():
                import shutil

                shutil.rmtree(entry)
            else:
                entry.unlink()
    _umm(umm_env, channel, "install", "-n", "rev", "--revision", "0", "-y", check=True)
    assert _versions(umm_env, "rev") == {"a": "1.0"}


def test_install_revision_errors(umm_env: UmmEnv, channel: ChannelServer) -> None:
    _umm(umm_env, channel, "create", "-n", "reverr", "a=1.0", "-y", check=True)
    proc = _umm(umm_env, channel, "install", "-n", "reverr", "--revision", "7", "-y")
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert "revision 7 not found" in proc.stderr and "0 to 0" in proc.stderr
    proc = _umm(umm_env, channel, "install", "-n", "reverr", "--revision", "0", "b", "-y")
    assert proc.returncode == 2 and "--revision takes no package specs" in proc.stderr
    # a revision whose package is neither cached nor served
    hist = umm_env.root_prefix / "envs" / "reverr" / "conda-meta" / "history"
    hist.write_text(hist.read_text() + "==> 2024-01-01 00:00:00 <==\n# cmd: x\n"
                    "+mychan::ghost-9.9-0\n")
    proc = _umm(umm_env, channel, "install", "-n", "reverr", "--revision", "1", "-y")
    assert proc.returncode != 0 and "cannot restore revision 1" in proc.stderr
    assert "mychan::ghost-9.9-0" in proc.stderr and "Traceback" not in proc.stderr
    assert _versions(umm_env, "reverr") == {"a": "1.0"}
