"""Prefix resolution, env naming, env listing and environments.txt."""
from __future__ import annotations

import os

import pytest

from umm.config import prefix as P
from umm.config.errors import (ConflictingOptions, InvalidEnvName, NoTargetPrefix,
                               NotACondaPrefix, PrefixNotFound)


def _env(path):
    (path / "conda-meta").mkdir(parents=True)
    (path / "conda-meta" / "history").write_text("")
    return path


def test_prefix_from_name(tmp_path):
    root = str(tmp_path / "root")
    a, b = tmp_path / "a", tmp_path / "b"
    b.mkdir()
    (b / "foo").mkdir()
    assert P.prefix_from_name("base", root, [str(a)]) == root
    # an existing env wins, even in a later envs dir
    assert P.prefix_from_name("foo", root, [str(a), str(b)]) == str(b / "foo")
    # else the first writable envs dir (a does not exist yet but can be created)
    assert P.prefix_from_name("bar", root, [str(a), str(b)]) == str(a / "bar")
    for bad in ("x/y", "", "..", "a\\b"):
        with pytest.raises(InvalidEnvName):
            P.prefix_from_name(bad, root, [str(a)])


@pytest.mark.skipif(os.geteuid() == 0 if hasattr(os, "geteuid") else True,
                    reason="root can write anywhere")
def test_first_writable_envs_dir_skips_read_only(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        rw = tmp_path / "rw"
        assert P.prefix_from_name("x", "/r", [str(ro), str(rw)]) == str(rw / "x")
        assert P.first_writable_envs_dir([str(ro), str(rw)]) == str(rw)
    finally:
        ro.chmod(0o755)


def test_is_writable_dir(tmp_path):
    assert P.is_writable_dir(str(tmp_path / "new" / "deeper"))
    f = tmp_path / "file"
    f.write_text("")
    assert not P.is_writable_dir(str(f))
    assert not P.is_writable_dir(str(f / "below"))


def _resolve(tmp_path, environ=None, **kw):
    args = dict(env_name=None, prefix=None, env_var_prefix=None,
                root_prefix=str(tmp_path / "root"), envs_dirs=[str(tmp_path / "root" / "envs")],
                environ=environ or {}, normalize=lambda p: os.path.normpath(
                    os.path.join(str(tmp_path), os.path.expanduser(p))))
    args.update(kw)
    return P.resolve_target_prefix(**args)


def test_resolve_target_prefix(tmp_path):
    root = str(tmp_path / "root")
    assert _resolve(tmp_path, env_name="x") == (os.path.join(root, "envs", "x"), "name")
    assert _resolve(tmp_path, prefix="./p") == (str(tmp_path / "p"), "path")
    assert _resolve(tmp_path, env_var_prefix="/q") == ("/q", "env_var")
    assert _resolve(tmp_path, {"CONDA_PREFIX": "/act"}) == ("/act", "conda_prefix")
    assert _resolve(tmp_path, {"CONDA_DEFAULT_ENV": "foo"}) == \
        (os.path.join(root, "envs", "foo"), "default_env")
    assert _resolve(tmp_path, {"CONDA_DEFAULT_ENV": "base"}) == (root, "default_env")
    assert _resolve(tmp_path) == (root, "root")
    assert _resolve(tmp_path, {"CONDA_PREFIX": "/act"}, fallbacks=()) == (None, None)
    with pytest.raises(ConflictingOptions):
        _resolve(tmp_path, env_name="x", prefix="/p")


def test_check_prefix(tmp_path):
    env = _env(tmp_path / "env")
    P.check_prefix(str(env))
    with pytest.raises(PrefixNotFound) as exc:
        P.check_prefix(str(tmp_path / "missing"), "missing")
    assert exc.value.name == "missing" and "missing" in str(exc.value)
    P.check_prefix(str(tmp_path / "missing"), allow_missing=True)
    plain = tmp_path / "plain"
    plain.mkdir()
    with pytest.raises(NotACondaPrefix):
        P.check_prefix(str(plain))
    P.check_prefix(str(plain), allow_not_env=True)
    P.check_prefix(str(plain), root_prefix=str(plain))  # the root needs no conda-meta
    with pytest.raises(NoTargetPrefix):
        P.check_prefix(None)


def test_env_name():
    assert P.env_name("/r", "/r", ["/r/envs"]) == "base"
    assert P.env_name("/r/envs/foo", "/r", ["/x", "/r/envs"]) == "foo"
    assert P.env_name("/elsewhere/foo", "/r", ["/r/envs"]) == ""


def test_list_envs_and_environments_txt(tmp_path):
    home, root = tmp_path / "home", tmp_path / "root"
    envs = root / "envs"
    _env(envs / "b")
    _env(envs / "a")
    (envs / "not-an-env").mkdir()
    other = _env(tmp_path / "other")
    gone = tmp_path / "gone"
    assert P.register_env(str(other), str(home))
    assert not P.register_env(str(other) + "/", str(home))
    assert P.register_env(str(gone), str(home))
    txt = home / ".conda" / "environments.txt"
    assert txt.read_text().splitlines() == [str(other), str(gone)]
    found = P.list_envs(str(root), [str(envs)], str(home))
    assert found == sorted([str(root), str(envs / "a"), str(envs / "b"), str(other)])
    assert P.unregister_env(str(other), str(home))
    assert txt.read_text() == ""  # the stale entry went too
    assert not P.unregister_env(str(other), str(home))
