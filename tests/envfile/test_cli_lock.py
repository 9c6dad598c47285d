"""umm env export --lock: conda-lock v1 files that conda-lock accepts and umm re-installs
identically."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.envfile.conftest import Umm, comparable, installed, record_diff
from umm.envfile.lockfile import CondaLock


def test_lock_of_an_env_reinstalls_identically(umm: Umm) -> None:
    umm("create", "-n", "lk", "app", "python", "liba<2", "-y")
    before = umm.records("lk")
    text = umm("env", "export", "-n", "lk", "--lock").stdout
    lock = CondaLock.parse(text)
    assert lock.platforms == ("linux-64",) and lock.channels == (umm.channel.url,)
    assert sorted(p.name for p in lock.packages) == ["app", "liba", "libb", "pip", "python"]
    libb = next(p for p in lock.packages if p.name == "libb")
    assert libb.dependencies == (("liba", ">=1.0"),) and libb.md5 and libb.sha256
    path = umm.env.home / "conda-lock.yml"
    path.write_text(text)
    umm("env", "remove", "-n", "lk", "-y")
    umm("create", "-n", "lk", "-f", str(path), "-y")
    assert not record_diff(comparable(before), comparable(umm.records("lk")))


def test_multi_platform_lock_from_a_file(umm: Umm, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(f"channels: [{umm.channel.url}]\ndependencies: [app, extra]\n")
    text = umm("env", "export", "--lock", "-f", str(env), "--platform", "linux-64",
               "--platform", "osx-64").stdout
    lock = CondaLock.parse(text)
    assert lock.platforms == ("linux-64", "osx-64") and lock.sources == (str(env),)
    for plat, tag in (("linux-64", "hl_0"), ("osx-64", "ho_0")):
        sel = lock.select(plat)
        assert sorted(p.name for p in sel.conda) == ["app", "extra", "liba", "libb"]
        assert {p.build for p in sel.conda if p.name.startswith("lib")} == {tag}
    path = tmp_path / "multi-lock.yml"
    path.write_text(text)
    # the osx-64 part downloads for osx-64 (nothing linked); the linux-64 part installs
    proc = umm("create", "-n", "mac", "-f", str(path), "--platform", "osx-64", "--download-only", "-y")
    assert "liba-2.0-ho_0" in " ".join(p.name for p in (umm.root / "pkgs").iterdir())
    assert not umm.prefix("mac").exists(), proc.stdout
    umm("create", "-n", "lin", "-f", str(path), "-y")
    assert installed(umm.records("lin")) == {"app": "1.0", "extra": "1.0", "liba": "2.0", "libb": "2.0"}


def test_lock_export_errors(umm: Umm, tmp_path: Path) -> None:
    umm("create", "-n", "empty", "-y")
    proc = umm("env", "export", "-n", "empty", "--lock", check=False)
    assert proc.returncode != 0 and "nothing to lock" in proc.stderr
    env = tmp_path / "e.yml"
    env.write_text("dependencies: [no-such-package]\n")
    proc = umm("env", "export", "--lock", "-f", str(env), check=False)
    assert proc.returncode != 0 and "no-such-package" in proc.stderr and "Traceback" not in proc.stderr


def test_conda_lock_accepts_umm_lock_files(umm: Umm, tmp_path: Path) -> None:
    conda_lock = pytest.importorskip("conda_lock.lockfile")  # the `test` extra installs it
    env = tmp_path / "environment.yml"
    env.write_text(f"channels: [{umm.channel.url}]\ndependencies: [app, python]\n")
    text = umm("env", "export", "--lock", "-f", str(env)).stdout
    path = tmp_path / "conda-lock.yml"
    path.write_text(text)
    parsed = conda_lock.parse_conda_lock_file(path)
    ours = CondaLock.parse(text)
    theirs = {(p.name, p.version, p.url, p.hash.md5, p.hash.sha256, tuple(sorted(p.categories)))
              for p in parsed.package}
    assert theirs == {(p.name, p.version, p.url, p.md5, p.sha256, ("main",))
                      for p in ours.packages}
    assert list(parsed.metadata.platforms) == ["linux-64"]
    # conda-lock renders an explicit file from it: the same packages umm installs
    subprocess.run([sys.executable, "-m", "conda_lock", "render", "-p", "linux-64", "--kind",
                    "explicit", str(path)], cwd=tmp_path, check=True, capture_output=True)
    rendered = (tmp_path / "conda-linux-64.lock").read_text()
    urls = sorted(line.split("#")[0] for line in rendered.splitlines()
                  if line and not line.startswith(("#", "@")))
    assert urls == sorted(p.url for p in ours.packages)
    umm("create", "-n", "rendered", "-f", str(tmp_path / "conda-linux-64.lock"), "-y")
    umm("create", "-n", "direct", "-f", str(path), "-y")
    assert installed(umm.records("rendered")) == installed(umm.records("direct"))


def test_categories_select_lock_packages(umm: Umm, tmp_path: Path) -> None:
    env = tmp_path / "environment.yml"
    env.write_text(f"channels: [{umm.channel.url}]\ndependencies: [libb, extra]\n")
    lock = CondaLock.parse(umm("env", "export", "--lock", "-f", str(env)).stdout)
    from umm.envfile.lockfile import LockedPackage

    pkgs = [LockedPackage(p.name, p.version, p.manager, p.platform, p.url, p.md5, p.sha256,
                          "dev" if p.name == "extra" else "main", p.name == "extra",
                          p.dependencies) for p in lock.packages]
    path = tmp_path / "cats-lock.yml"
    path.write_text(str(CondaLock(pkgs, lock.platforms, lock.channels)))
    umm("create", "-n", "main", "-f", str(path), "-y")
    assert installed(umm.records("main")) == {"liba": "2.0", "libb": "2.0"}
    umm("create", "-n", "dev", "-f", str(path), "--category", "main", "--category", "dev", "-y")
    assert installed(umm.records("dev")) == {"liba": "2.0", "libb": "2.0", "extra": "1.0"}
    # installing the lock into an env: other packages stay, same builds are not relinked,
    # the lock's builds replace different ones
    umm("create", "-n", "mixed", "app", "liba<2", "-y")
    before = umm.records("mixed")
    proc = umm("install", "-n", "mixed", "-f", str(path), "-y")
    after = umm.records("mixed")
    assert installed(after) == {"app": "1.0", "liba": "2.0", "libb": "2.0"}
    table = proc.stdout.split("Summary")[0]
    assert "liba" in table and "libb" not in table
    assert after["libb-2.0-hl_0.json"] == before["libb-2.0-hl_0.json"]
