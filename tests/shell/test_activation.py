"""Activation as data: the Activator's environment changes, without any shell."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Dict, List

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.shell.conftest import make_env
from umm.reporter import RecordingReporter
from umm.shell.activation import Activator, EnvChange
from umm.shell.envvars import prefix_env_vars, prefix_scripts


def act(env: Dict[str, str], root: Path, **kw) -> Activator:
    kw.setdefault("windows", False)
    return Activator(env, str(root), **kw)


@pytest.fixture
def envs(root: Path):
    a = make_env(root / "envs" / "a", "proga")
    b = make_env(root / "envs" / "b", "progb")
    return a, b


BASE = {"PATH": "/usr/bin:/bin", "PS1": "$ ", "HOME": "/home/u"}


def test_first_activation(root, envs):
    a, _ = envs
    change = act(BASE, root).activate(str(a))
    assert change.path == f"{a}/bin:/usr/bin:/bin"
    assert dict(change.export) == {
        "CONDA_PREFIX": str(a), "CONDA_SHLVL": "1", "CONDA_DEFAULT_ENV": "a",
        "CONDA_PROMPT_MODIFIER": "(a) "}
    assert [k for k, _ in change.export][:3] == ["CONDA_PREFIX", "CONDA_SHLVL", "CONDA_DEFAULT_ENV"]
    assert change.shell_vars == (("PS1", "(a) $ "),)
    assert change.unset == () and change.scripts == ()


def test_replace_then_back(root, envs):
    a, b = envs
    env1 = act(BASE, root).activate(str(a)).apply(BASE)
    env1["PS1"] = "(a) $ "
    change = act(env1, root).activate(str(b))
    assert change.path == f"{b}/bin:/usr/bin:/bin"  # a's bin replaced in place
    exported = dict(change.export)
    assert exported["CONDA_PREFIX_1"] == str(a) and exported["CONDA_SHLVL"] == "2"
    assert "CONDA_STACKED_2" not in exported
    assert change.shell_vars == (("PS1", "(b) $ "),)
    env2 = change.apply(env1)
    env2["PS1"] = "(b) $ "
    back = act(env2, root).deactivate()
    env3 = back.apply(env2)
    assert env3["PATH"] == f"{a}/bin:/usr/bin:/bin"
    assert env3["CONDA_PREFIX"] == str(a) and env3["CONDA_SHLVL"] == "1"
    assert "CONDA_PREFIX_1" not in env3
    assert back.shell_vars == (("PS1", "(a) $ "),)


def test_stack_and_unwind_restores_everything(root, envs):
    a, b = envs
    env = dict(BASE, CONDA_SHLVL="0")
    env = act(env, root).activate(str(a)).apply(env)
    change = act(env, root).activate(str(b), stack=True)
    stacked = change.apply(env)
    assert stacked["PATH"] == f"{b}/bin:{a}/bin:/usr/bin:/bin"
    assert stacked["CONDA_STACKED_2"] == "true"
    assert stacked["CONDA_PROMPT_MODIFIER"] == "(b) "
    one = act(stacked, root).deactivate().apply(stacked)
    assert one["PATH"] == f"{a}/bin:/usr/bin:/bin" and "CONDA_STACKED_2" not in one
    zero = act(one, root).deactivate().apply(one)
    assert zero == dict(BASE, CONDA_SHLVL="0")


def test_stacked_env_prompt(root, envs):
    a, b = envs
    env = act(BASE, root, env_prompt="[{stacked_env}|{name}] ").activate(str(a)).apply(BASE)
    env = act(env, root, env_prompt="[{stacked_env}|{name}] ").activate(
        str(b), stack=True).apply(env)
    assert env["CONDA_PROMPT_MODIFIER"] == "[a;b|b] "
    env2 = act(BASE, root, env_prompt="{prefix}> ").activate(str(a)).apply(BASE)
    assert env2["CONDA_PROMPT_MODIFIER"] == f"{a}> "


def test_activating_previous_env_steps_back(root, envs):
    a, b = envs
    env = act(BASE, root).activate(str(a)).apply(BASE)
    env = act(env, root).activate(str(b)).apply(env)
    change = act(env, root).activate(str(a))
    assert change == act(env, root).deactivate()
    assert change.apply(env)["CONDA_SHLVL"] == "1"


def test_same_env_is_reactivation(root, envs):
    a, _ = envs
    env = act(BASE, root).activate(str(a)).apply(BASE)
    assert act(env, root).activate(str(a)) == act(env, root).reactivate()
    assert act(env, root).reactivate().apply(env) == env


def test_deactivate_without_env_is_empty(root):
    assert act(BASE, root).deactivate().empty
    assert act(BASE, root).reactivate().empty
    assert act(dict(BASE, CONDA_SHLVL="junk"), root).deactivate().empty


def test_root_prefix_is_base_and_path_names(root, tmp_path):
    other = make_env(tmp_path / "elsewhere")
    a = act(BASE, root)
    assert a.env_name(str(root)) == "base"
    assert a.env_name(str(root) + "/") == "base"
    assert a.env_name(str(root / "envs" / "x")) == "x"
    assert a.env_name(str(other)) == str(other)


def test_changeps1_false(root, envs):
    a, _ = envs
    change = act(BASE, root, changeps1=False).activate(str(a))
    assert "CONDA_PROMPT_MODIFIER" not in dict(change.export)
    assert change.shell_vars == ()


def test_prompt_needs_the_variable(root, envs):
    a, _ = envs
    env = {k: v for k, v in BASE.items() if k != "PS1"}
    assert act(env, root).activate(str(a)).shell_vars == ()
    assert act(BASE, root, prompt_var=None).activate(str(a)).shell_vars == ()
    powerline = dict(BASE, PS1="$(POWERLINE_COMMAND)")
    assert act(powerline, root).activate(str(a)).shell_vars == ()


def test_env_vars_clobber_and_restore(root):
    a = make_env(root / "envs" / "a", env_vars={"foo": "from-a", "GONE": "***unset***",
                                                 "NEWVAR": "x"})
    env = dict(BASE, FOO="user", GONE="here", CONDA_SHLVL="0")
    rec = RecordingReporter()
    change = act(env, root, reporter=rec).activate(str(a))
    on = change.apply(env)
    assert on["FOO"] == "from-a" and on["NEWVAR"] == "x" and "GONE" not in on
    assert on["__CONDA_SHLVL_0_FOO"] == "user" and on["__CONDA_SHLVL_0_GONE"] == "here"
    assert "GONE" in change.unset
    assert any("FOO" in t for t in rec.texts("warning"))
    off = act(on, root).deactivate().apply(on)
    assert off == env


def test_env_vars_stacked_same_name(root):
    a = make_env(root / "envs" / "a", env_vars={"X": "a"})
    b = make_env(root / "envs" / "b", env_vars={"X": "b"})
    env = dict(BASE, CONDA_SHLVL="0")
    for stack in (True, False):
        e1 = act(env, root).activate(str(a)).apply(env)
        e2 = act(e1, root).activate(str(b), stack=stack).apply(e1)
        assert e2["X"] == "b"
        e3 = act(e2, root).deactivate().apply(e2)
        assert e3["X"] == "a", stack
        assert act(e3, root).deactivate().apply(e3) == env


def test_reactivate_picks_up_new_state(root):
    a = make_env(root / "envs" / "a", env_vars={"X": "1"})
    env = act(BASE, root).activate(str(a)).apply(BASE)
    (a / "conda-meta" / "state").write_text(json.dumps({"env_vars": {"X": "2"}}))
    change = act(env, root).reactivate()
    assert dict(change.export) == {"X": "2"} and change.path is None


def test_env_vars_sources(root, tmp_path):
    p = make_env(tmp_path / "p", env_vars={"b": "state", "c": "state"})
    d = p / "etc" / "conda" / "env_vars.d"
    d.mkdir(parents=True)
    (d / "1.json").write_text(json.dumps({"a": "pkg1", "b": "pkg1"}))
    (d / "2.json").write_text("not json")
    rec = RecordingReporter()
    assert prefix_env_vars(str(p), rec) == {"A": "pkg1", "B": "state", "C": "state"}
    assert any("2.json" in t for t in rec.texts("warning"))


def test_scripts_order_and_filter(tmp_path):
    p = make_env(tmp_path / "p", scripts={
        "activate.d/b.sh": "", "activate.d/a.sh": "", "activate.d/c.fish": "",
        "deactivate.d/a.sh": "", "deactivate.d/b.sh": ""})
    names = [Path(s).name for s in prefix_scripts(str(p), "activate", (".sh",))]
    assert names == ["a.sh", "b.sh"]
    names = [Path(s).name for s in prefix_scripts(str(p), "deactivate", (".sh",))]
    assert names == ["b.sh", "a.sh"]
    assert [Path(s).name for s in prefix_scripts(str(p), "activate", (".fish",))] == ["c.fish"]
    env = act(BASE, tmp_path).activate(str(p))
    assert [Path(s).name for s in env.activate_scripts] == ["a.sh", "b.sh"]
    on = env.apply(BASE)
    off = act(on, tmp_path).deactivate()
    assert [Path(s).name for s in off.deactivate_scripts] == ["b.sh", "a.sh"]


def test_windows_paths(tmp_path):
    prefix = "C:\\envs\\w"
    env = {"PATH": "C:\\Windows;C:\\Windows\\System32"}
    change = Activator(env, "C:\\root", windows=True).activate(prefix)
    entries = change.path.split(";")
    assert entries[:6] == [prefix, prefix + "\\Library\\mingw-w64\\bin",
                           prefix + "\\Library\\usr\\bin", prefix + "\\Library\\bin",
                           prefix + "\\Scripts", prefix + "\\bin"]
    on = change.apply(env)
    off = Activator(on, "C:\\root", windows=True).deactivate().apply(on)
    assert off["PATH"] == env["PATH"]


def test_envchange_is_immutable_value():
    c = EnvChange("/x", (), ("A",), (), (("B", "1"),), ())
    with pytest.raises(AttributeError):
        c.path = "/y"  # type: ignore[misc]
    assert c == EnvChange("/x", [], ["A"], [], [("B", "1")], [])
    assert hash(c) == hash(EnvChange("/x", [], ["A"], [], [("B", "1")], []))
    assert c.to_json()["export"] == {"B": "1"}


# -- the round-trip property -----------------------------------------------------------
_DIRS = st.sampled_from(["/usr/bin", "/bin", "/opt/x y/bin", "", "/usr/bin", "rel/bin"])


@settings(max_examples=60, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(path=st.lists(_DIRS, max_size=6), ops=st.lists(
    st.tuples(st.sampled_from(["a", "b", "c", "base"]), st.booleans()), min_size=1, max_size=5),
    preload=st.booleans())
def test_any_sequence_unwinds_to_the_original(root, path, ops, preload):
    """Whatever is activated/stacked, deactivating until level 0 restores the
    environment byte for byte, even when PATH already holds an env's bin."""
    for name in ("a", "b", "c"):
        make_env(root / "envs" / name, env_vars={"SHARED": name, f"ONLY_{name.upper()}": "1"})
    entries: List[str] = list(path)
    if preload:
        entries.append(str(root / "envs" / "a" / "bin"))
    start = {"PATH": ":".join(entries), "CONDA_SHLVL": "0", "SHARED": "user", "PS1": "> "}
    env = dict(start)
    for name, stack in ops:
        prefix = str(root) if name == "base" else str(root / "envs" / name)
        change = act(env, root).activate(prefix, stack=stack)
        env = change.apply(env)
        env.update(change.shell_vars)
    for _ in range(20):
        change = act(env, root).deactivate()
        if change.empty:
            break
        env = change.apply(env)
        env.update(change.shell_vars)
    assert env == start
