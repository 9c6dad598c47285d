"""`umm repoquery` / `umm search` end to end: the real numpy slice served from file://,
an installed environment, platforms, channel priority, errors."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import UmmEnv
from tests.query.conftest import golden
from tests.support.server import record, repodata, write_repodata


def umm(env: UmmEnv, *args: Any, code: int = 0):
    proc = env.run(*args)
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert "Traceback" not in proc.stderr
    return proc


def chan(path: Path) -> list:
    return ["-c", path.as_uri(), "--override-channels"]


def test_depends_tree_on_the_channel(umm_env: UmmEnv, numpy_channel: Path) -> None:
    proc = umm(umm_env, "repoquery", "depends", "--tree", "numpy", *chan(numpy_channel))
    assert proc.stdout == golden("numpy-depends-tree.txt")
    assert "Getting repodata from channels..." in proc.stderr


def test_depends_and_whoneeds_on_an_installed_env(umm_env: UmmEnv, numpy_prefix: Path) -> None:
    # depends/whoneeds use the installed packages by default
    proc = umm(umm_env, "repoquery", "depends", "-t", "numpy", "-p", numpy_prefix)
    assert proc.stdout == golden("numpy-depends-tree-installed.txt")
    assert f"Loaded current active prefix: {numpy_prefix}" in proc.stderr
    proc = umm(umm_env, "repoquery", "whoneeds", "libopenblas", "--recursive", "-p", numpy_prefix)
    # conda-meta says https://conda.anaconda.org/conda-forge/linux-64: shown as conda-forge
    assert proc.stdout == golden("libopenblas-whoneeds-recursive-table.txt")
    proc = umm(umm_env, "repoquery", "whoneeds", "--tree", "_libgcc_mutex", "-p", numpy_prefix)
    assert proc.stdout == golden("libgcc-mutex-whoneeds-tree-installed.txt")
    proc = umm(umm_env, "repoquery", "whoneeds", "libgomp", "-p", numpy_prefix)
    lines = proc.stdout.splitlines()
    assert lines[0].split() == ["Name", "Version", "Build", "Depends", "Channel", "Subdir"]
    assert lines[2].split() == ["_openmp_mutex", "4.5", "2_gnu", "libgomp", ">=7.5.0",
                                "conda-forge", "linux-64"]
    assert len(lines) == 3


def test_activated_env_is_the_default_prefix(umm_env: UmmEnv, numpy_prefix: Path) -> None:
    proc = umm_env.run("repoquery", "depends", "libcblas", env={"CONDA_PREFIX": str(numpy_prefix)})
    assert proc.returncode == 0, proc.stderr
    assert [line.split()[0] for line in proc.stdout.splitlines()[2:]] == ["libblas", "libcblas"]


def test_search_views(umm_env: UmmEnv, numpy_channel: Path) -> None:
    proc = umm(umm_env, "search", "numpy", *chan(numpy_channel))
    out = proc.stdout
    assert "numpy 1.26.4 py312head63a1_0\n" in out and " Dependencies:" in out
    assert f" Channel         {numpy_channel.as_uri()}\n" in out
    proc = umm(umm_env, "repoquery", "search", "lib*", *chan(numpy_channel))
    rows = proc.stdout.splitlines()
    assert rows[0].split() == ["Name", "Version", "Build", "Channel", "Subdir"]
    assert [r.split()[0] for r in rows[2:]] == [
        line.split()[0] for line in golden("lib-search-table.txt").splitlines()[2:]]
    # --pretty forces the single-package view, one block per name
    proc = umm(umm_env, "search", "--pretty", "libgf*", *chan(numpy_channel))
    assert proc.stdout.count(" Name            ") == 2
    proc = umm(umm_env, "search", "nothing-like-this", *chan(numpy_channel))
    assert proc.stdout == 'No entries matching "nothing-like-this" found\n'
    assert "Try giving a channel" in proc.stderr


def test_search_installed_and_json(umm_env: UmmEnv, numpy_prefix: Path,
                                   numpy_channel: Path) -> None:
    proc = umm(umm_env, "search", "--use-local", "1", "-p", numpy_prefix, "python", "--json")
    doc = json.loads(proc.stdout)
    assert doc["query"] == {"query": "python", "type": "search"}
    assert [p["name"] for p in doc["result"]["pkgs"]] == ["python"]
    assert doc["result"]["pkgs"][0]["channel"] == "conda-forge"
    assert "files" not in doc["result"]["pkgs"][0]
    assert proc.stderr == ""
    proc = umm(umm_env, "repoquery", "depends", "--json", "numpy", *chan(numpy_channel))
    doc = json.loads(proc.stdout)
    assert doc["query"]["type"] == "depends"
    assert doc["result"]["graph_roots"][0]["name"] == "numpy"
    assert sorted(p["name"] for p in doc["result"]["pkgs"]) == [
        line.split()[0] for line in golden("numpy-depends-table.txt").splitlines()[2:]]
    proc = umm(umm_env, "repoquery", "whoneeds", "--json", "libgomp", "--installed", "-p",
               numpy_prefix)
    assert [p["name"] for p in json.loads(proc.stdout)["result"]["pkgs"]] == ["_openmp_mutex"]


def test_platform_and_channel_priority(umm_env: UmmEnv, tmp_path: Path) -> None:
    one, two = tmp_path / "one", tmp_path / "two"
    write_repodata(one, "linux-64", repodata("linux-64", [
        record("tool", "1.0", "lin_0", depends=["lib"]), record("lib", "1.0")]))
    write_repodata(one, "osx-arm64", repodata("osx-arm64", [
        record("tool", "1.0", "mac_0", subdir="osx-arm64")]))
    write_repodata(one, "noarch", repodata("noarch", []))
    write_repodata(two, "linux-64", repodata("linux-64", [record("lib", "9.0")]))
    write_repodata(two, "noarch", repodata("noarch", []))
    proc = umm(umm_env, "search", "tool", "--platform", "osx-arm64", *chan(one), "--json")
    assert [p["build"] for p in json.loads(proc.stdout)["result"]["pkgs"]] == ["mac_0"]
    proc = umm(umm_env, "search", "tool", "--platform", "linux-64", *chan(one), "--json")
    assert [p["build"] for p in json.loads(proc.stdout)["result"]["pkgs"]] == ["lin_0"]
    # the first channel wins for a dependency, even over a newer version elsewhere
    proc = umm(umm_env, "repoquery", "depends", "-t", "tool", "--platform", "linux-64",
               "-c", one.as_uri(), "-c", two.as_uri(), "--override-channels")
    assert proc.stdout == "tool[1.0]\n  └─ lib[1.0]\n"
    proc = umm(umm_env, "repoquery", "depends", "-t", "tool", "--platform", "linux-64",
               "-c", two.as_uri(), "-c", one.as_uri(), "--override-channels")
    assert proc.stdout == "tool[1.0]\n  └─ lib[9.0]\n"


def test_missing_dependencies_are_shown(umm_env: UmmEnv, tmp_path: Path) -> None:
    root = tmp_path / "c"
    write_repodata(root, "linux-64", repodata("linux-64", [
        record("app", "1", depends=["ghost >=2", "__glibc >=2.17"])]))
    write_repodata(root, "noarch", repodata("noarch", []))
    proc = umm(umm_env, "repoquery", "depends", "--tree", "app", "--platform", "linux-64",
               *chan(root), "--json")
    doc = json.loads(proc.stdout)
    assert doc["result"]["not_found"] == ["ghost >=2"]
    proc = umm_env.run("repoquery", "depends", "--tree", "app", "--platform", "linux-64",
                       *chan(root), env={"CONDA_OVERRIDE_GLIBC": "2.28"})
    assert proc.stdout == ("app[1]\n  ├─ ghost >=2 >>> NOT FOUND <<<\n"
                           "  └─ __glibc[2.28]\n")


@pytest.mark.parametrize("args,code,text", [
    (["repoquery", "depends", "a", "b"], 2, "only one query is supported for 'depends'"),
    (["repoquery", "search", "numpy[version=="], 1, "numpy[version=="),
    (["repoquery", "whoneeds", "x", "-p", "/no/such/env"], 1, "not found"),
    (["search", "x", "--use-local", "0"], 2, "no channels configured"),
    (["search", "x", "--use-local", "maybe"], 2, "expected 0 or 1"),
])
def test_errors_are_one_line(umm_env: UmmEnv, args: list, code: int, text: str) -> None:
    proc = umm_env.run(*args, "--override-channels")
    assert proc.returncode == code, (proc.stdout, proc.stderr)
    assert text in proc.stderr and "Traceback" not in proc.stderr
    assert len([x for x in proc.stderr.splitlines() if x.startswith(("error", "usage"))]) >= 1


def test_remote_whoneeds_with_no_result_gives_no_install_hint(umm_env: UmmEnv,
                                                               numpy_channel: Path) -> None:
    proc = umm(umm_env, "repoquery", "whoneeds", "no-such-package", *chan(numpy_channel))
    assert 'No entries matching "no-such-package" found' in proc.stdout
    assert "may not be installed" not in proc.stderr


def test_depends_of_something_not_installed(umm_env: UmmEnv, numpy_prefix: Path) -> None:
    proc = umm(umm_env, "repoquery", "depends", "scipy", "-p", numpy_prefix)
    assert proc.stdout == 'No entries matching "scipy" found\n'
    assert "may not be installed" in proc.stderr
