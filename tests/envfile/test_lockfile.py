"""Lock files: every shared lock file loads or fails as it should; categories,
platforms, deduplication, round trips of what umm writes."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umm.envfile.errors import (ConflictingPackages, InvalidLockFile, LockPlatformMissing,
                                UnsupportedLockFile)
from umm.envfile.loader import load_spec_files
from umm.envfile.lockfile import CondaLock, LockedPackage, is_lock_file_name

# file -> (platform, number of conda packages, number of pip packages) for main
GOOD = {
    "good_multiple_categories-lock.yaml": ("linux-64", 3, 5),
    "good_multiple_packages-lock.yaml": ("linux-64", 6, 2),
    "good_no_package-lock.yaml": ("linux-64", 0, 0),
    "good_one_package-lock.yaml": ("win-64", 1, 0),
    "good_one_package_missing_category-lock.yaml": ("win-64", 1, 0),
    "good_overlap_categories-lock.yaml": ("linux-64", 0, 0),
    "good_multiple_packages-lock.json": ("emscripten-wasm32", 41, 10),
    "good_no_package-lock.json": ("emscripten-wasm32", 0, 0),
    "good_one_package-lock.json": ("emscripten-wasm32", 1, 0),
    "good_one_package_missing_category-lock.json": ("emscripten-wasm32", 1, 0),
    "rattler-v0/python-conda-lock.yml": ("linux-64", 22, 0),
    "rattler-v0/pypi-matplotlib-conda-lock.yml": ("linux-64", 24, 12),
}
BAD = {
    "bad_package-lock.yaml": (InvalidLockFile, "missing field(s) manager, hash"),
    "bad_package-lock.json": (InvalidLockFile, "invalid JSON"),
    "bad_version-lock.yaml": (UnsupportedLockFile, "version -1"),
    "bad_version-lock.json": (UnsupportedLockFile, "lockVersion 0.0.0"),
    "rattler-v4/python-lock.yml": (UnsupportedLockFile, "pixi/rattler lock files (version 4)"),
    "rattler-v4/numpy-lock.yml": (UnsupportedLockFile, "pixi/rattler"),
    "rattler-v4/pypi-matplotlib-lock.yml": (UnsupportedLockFile, "pixi/rattler"),
}


def test_every_shared_lock_file_is_covered(shared_data: Path) -> None:
    d = shared_data / "lockfiles"
    found = {str(p.relative_to(d)) for p in d.rglob("*") if p.is_file()}
    assert found == set(GOOD) | set(BAD)


@pytest.mark.parametrize("name", sorted(GOOD))
def test_good_lock_files_load(shared_data: Path, name: str) -> None:
    platform, nconda, npip = GOOD[name]
    res = load_spec_files([str(shared_data / "lockfiles" / name)], platform)
    assert res.is_explicit and len(res.explicit) == nconda and res.specs == ()
    pip_lines = [line for req in res.pip for line in req.requirements]
    assert len(pip_lines) == npip
    for req in res.pip:
        assert req.no_deps


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_lock_files_fail_naming_the_problem(shared_data: Path, name: str) -> None:
    kind, text = BAD[name]
    with pytest.raises(kind) as err:
        load_spec_files([str(shared_data / "lockfiles" / name)], "linux-64")
    assert text in str(err.value) and name.split("/")[-1] in str(err.value)


def test_platform_not_in_the_lock(shared_data: Path) -> None:
    with pytest.raises(LockPlatformMissing) as err:
        load_spec_files([str(shared_data / "lockfiles/rattler-v0/python-conda-lock.yml")],
                        "win-arm64")
    assert "linux-aarch64" in str(err.value) and "--platform" in str(err.value)
    res = load_spec_files([str(shared_data / "lockfiles/rattler-v0/python-conda-lock.yml")],
                          "osx-arm64")
    assert all(p.subdir in ("osx-arm64", "noarch") for p in res.explicit)


def test_categories(shared_data: Path) -> None:
    path = str(shared_data / "lockfiles/good_multiple_categories-lock.yaml")
    main = load_spec_files([path], "linux-64")
    dev = load_spec_files([path], "linux-64", ["dev"])
    both = load_spec_files([path], "linux-64", ["main", "dev"])
    assert len(main.explicit) == 3 and len(dev.explicit) == 28
    names = [p.name for p in both.explicit]
    assert len(names) == len(set(names))  # each package once
    assert set(names) >= {p.name for p in dev.explicit} | {p.name for p in main.explicit}


def test_overlapping_categories_are_deduplicated(shared_data: Path) -> None:
    path = str(shared_data / "lockfiles/good_overlap_categories-lock.yaml")
    foo = load_spec_files([path], "linux-64", ["foo"])
    both = load_spec_files([path], "linux-64", ["foo", "bar"])
    assert [p.name for p in foo.explicit] == ["pkg-a"]
    assert sorted(p.name for p in both.explicit) == ["pkg-a", "pkg-b"]
    pip = [line.split(" @ ")[0] for r in both.pip for line in r.requirements]
    assert pip == ["pip_a", "pip_b", "pip_c"]
    assert all("--hash=sha256:" in line for r in both.pip for line in r.requirements)


def test_lock_hashes_reach_the_explicit_packages(shared_data: Path) -> None:
    lock = CondaLock.parse((shared_data / "lockfiles/good_multiple_packages-lock.yaml").read_text())
    sel = lock.select("linux-64")
    assert all(p.md5 and p.sha256 for p in sel.conda)


def test_same_package_two_urls_is_a_conflict() -> None:
    pkgs = [LockedPackage("a", "1", "conda", "linux-64", f"https://x/linux-64/a-1-{b}.conda",
                          md5="0" * 32, category=c) for b, c in (("0", "main"), ("1", "dev"))]
    with pytest.raises(ConflictingPackages, match="package a is given twice"):
        CondaLock(pkgs, ["linux-64"]).select("linux-64", ["main", "dev"])


@pytest.mark.parametrize("entry,reason", [
    ("name: a\n    version: '1'\n    manager: npm\n    platform: linux-64\n    url: https://x/a-1-0.conda\n"
     "    hash: {md5: " + "0" * 32 + "}", "unsupported manager 'npm'"),
    ("name: a\n    version: '1'\n    manager: conda\n    platform: linux-64\n    url: https://x/a.whl\n"
     "    hash: {md5: " + "0" * 32 + "}", "not a .conda or .tar.bz2"),
    ("name: a\n    version: '1'\n    manager: conda\n    platform: linux-64\n    url: https://x/a-1-0.conda\n"
     "    hash: {}", "'hash' must have an md5 or a sha256"),
    ("name: a\n    version: '1'\n    manager: conda\n    platform: linux-64\n    url: https://x/a-1-0.conda\n"
     "    hash: {size: 3}", "'hash' must have an md5 or a sha256"),
])
def test_invalid_entries(entry: str, reason: str) -> None:
    text = f"version: 1\nmetadata: {{platforms: [linux-64]}}\npackage:\n  - {entry}\n"
    with pytest.raises(InvalidLockFile) as err:
        CondaLock.parse(text, "x-lock.yml")
    assert reason in str(err.value)


def test_lock_file_names() -> None:
    assert is_lock_file_name("conda-lock.yml") and is_lock_file_name("a/b/env-lock.YAML")
    assert not is_lock_file_name("environment.yml") and not is_lock_file_name("x.lock")


def test_a_yaml_lock_not_named_lock_is_detected(tmp_path: Path, shared_data: Path) -> None:
    dst = tmp_path / "pinned.yml"
    dst.write_text((shared_data / "lockfiles/good_multiple_packages-lock.yaml").read_text())
    assert load_spec_files([str(dst)], "linux-64").is_explicit


def test_shared_conda_lock_files_round_trip(shared_data: Path) -> None:
    for name in GOOD:
        if name.endswith(".json"):
            continue
        lock = CondaLock.parse((shared_data / "lockfiles" / name).read_text())
        again = CondaLock.parse(str(lock))
        assert again == lock, name


_word = st.from_regex(r"[a-z][a-z0-9_]{0,6}", fullmatch=True)
_ver = st.from_regex(r"[0-9]{1,2}(\.[0-9]{1,2}){0,2}", fullmatch=True)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.tuples(_word, _ver, st.sampled_from(["linux-64", "osx-arm64"]),
                          st.sampled_from(["main", "dev"]), st.booleans(),
                          st.dictionaries(_word, st.sampled_from(["*", ">=1.0", "1.2 h0_0", ">=2,<3"]),
                                          max_size=3)), max_size=6))
def test_lock_round_trip_property(items) -> None:
    pkgs = [LockedPackage(n, v, "conda", p, f"https://c/x/{p}/{n}-{v}-h0_0.conda",
                          "a" * 32 if md5 else None, "b" * 64, c, c != "main", sorted(d.items()))
            for n, v, p, c, md5, d in items]
    lock = CondaLock(pkgs, ["linux-64", "osx-arm64"], ["conda-forge"], [("linux-64", "ab")],
                     ["environment.yml"])
    assert CondaLock.parse(str(lock)) == lock


def test_values_yaml_12_parsers_would_misread_are_quoted() -> None:
    md5 = "1234567e" + "8" * 24  # a float for YAML 1.2 parsers (conda-lock's ruamel, rattler)
    pkg = LockedPackage("a", "1.10", "conda", "linux-64", "https://x/linux-64/a-1.10-0.conda",
                        md5=md5, dependencies=[("b", "1.0")])
    text = str(CondaLock([pkg], ["linux-64"]))
    assert f'md5: "{md5}"' in text and 'version: "1.10"' in text and 'b: "1.0"' in text
    assert CondaLock.parse(text).packages == (pkg,)
    ruamel = pytest.importorskip("ruamel.yaml")  # installed with conda-lock (test extra)
    doc = ruamel.YAML(typ="safe", pure=True).load(text)
    assert doc["package"][0]["hash"]["md5"] == md5 and doc["package"][0]["version"] == "1.10"
