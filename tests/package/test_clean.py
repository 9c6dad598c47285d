"""umm.package.clean: what is found, what is kept, what is removed."""
from __future__ import annotations

import json
import os
from pathlib import Path

from umm.package.clean import (CleanItem, find_locks, find_packages, find_tarballs, find_trash,
                               remove, tree_size, used_packages, writable_caches)
from umm.package.lock import FileLock


def _pkg(pkgs: Path, dist: str, size: int = 100) -> Path:
    d = pkgs / dist
    (d / "info").mkdir(parents=True)
    (d / "info" / "index.json").write_text("{}")
    (d / "data").write_bytes(b"x" * size)
    return d


def test_tree_size_counts_hardlinks_once_and_skips_symlinks(tmp_path: Path) -> None:
    (tmp_path / "a").write_bytes(b"x" * 1000)
    os.link(tmp_path / "a", tmp_path / "b")
    (tmp_path / "c").symlink_to("a")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "d").write_bytes(b"y" * 10)
    assert tree_size(str(tmp_path)) == 1010
    assert tree_size(str(tmp_path / "a")) == 1000
    assert tree_size(str(tmp_path / "missing")) == 0


def test_used_packages_from_conda_meta(tmp_path: Path) -> None:
    env = tmp_path / "env"
    (env / "conda-meta").mkdir(parents=True)
    (env / "conda-meta" / "a-1-0.json").write_text("{}")
    (env / "conda-meta" / "weird.json").write_text(json.dumps(
        {"fn": "b-2-0.tar.bz2", "extracted_package_dir": "/somewhere/pkgs/c-3-0"}))
    (env / "conda-meta" / "broken.json").write_text("{not json")
    (env / "conda-meta" / "history").write_text("")
    used = used_packages([str(env), str(tmp_path / "no-env")])
    assert {"a-1-0", "b-2-0", "c-3-0", "weird", "broken"} <= used.names
    assert used.uses("/other/pkgs/a-1-0") and used.uses("/somewhere/pkgs/c-3-0")
    assert not used.uses("/x/pkgs/d-4-0")


def test_find_and_remove(tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    _pkg(pkgs, "keep-1-0")
    _pkg(pkgs, "drop-1-0", 5000)
    (pkgs / "nodir").write_text("")
    (pkgs / "x-1-0.conda").write_bytes(b"c" * 10)
    (pkgs / "y-1-0.tar.bz2.partial").write_bytes(b"p" * 5)
    (pkgs / "notes.txt.partial").write_bytes(b"n")
    env = tmp_path / "env"
    (env / "conda-meta").mkdir(parents=True)
    (env / "conda-meta" / "keep-1-0.json").write_text("{}")
    caches = writable_caches([str(pkgs), str(tmp_path / "absent")])
    assert caches == [str(pkgs)]
    unused, in_use = find_packages(caches, [str(env)])
    assert [i.name for i in unused] == ["drop-1-0"] and [i.name for i in in_use] == ["keep-1-0"]
    tarballs = find_tarballs(caches)
    assert sorted(i.name for i in tarballs) == ["x-1-0.conda", "y-1-0.tar.bz2.partial"]
    freed, failures = remove(unused + tarballs)
    assert failures == [] and freed == unused[0].size + 15
    assert sorted(p.name for p in pkgs.iterdir()) == ["keep-1-0", "nodir", "notes.txt.partial"]


def test_busy_locks_and_scratch_are_kept(tmp_path: Path) -> None:
    pkgs = tmp_path / "pkgs"
    pkgs.mkdir()
    (pkgs / "free.lock").write_text("")
    (pkgs / ".umm_trash" / "busy-1-0.extract-abcd").mkdir(parents=True)
    (pkgs / ".umm_trash" / "idle-1-0.extract-abcd").mkdir(parents=True)
    with FileLock(pkgs / "busy-1-0.lock"), FileLock(pkgs / "cache" / "x.json.lock"):
        locks = find_locks([str(pkgs)])
        assert sorted(i.name for i in locks) == ["busy-1-0.lock", "free.lock", "x.json.lock"]
        trash = find_trash([str(pkgs)], [])
        _, failures = remove(locks + trash)
        kept = sorted(i.name for i, _ in failures)
        assert kept == ["busy-1-0.extract-abcd", "busy-1-0.lock", "x.json.lock"]
    assert sorted(p.name for p in (pkgs / ".umm_trash").iterdir()) == ["busy-1-0.extract-abcd"]
    assert not (pkgs / "free.lock").exists()
    assert CleanItem("lock", "/a", 1, "/") == CleanItem("lock", "/a", 2, "/")
