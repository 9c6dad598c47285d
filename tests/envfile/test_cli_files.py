"""-f/--file through create, install, update and env create/update."""
from __future__ import annotations

import json
from pathlib import Path

from tests.envfile.conftest import Umm, installed


def _write(path: Path, text: str) -> str:
    path.write_text(text)
    return str(path)


def test_text_file_specs_with_cli_specs(umm: Umm) -> None:
    f = _write(umm.env.home / "specs.txt", "# my env\nlibb\n\nliba <2  # old one\n")
    umm("create", "-n", "t", "-f", f, "extra", "-y")
    assert installed(umm.records("t")) == {"libb": "2.0", "liba": "1.0", "extra": "1.0"}
    f2 = _write(umm.env.home / "more.txt", "app\n")
    umm("install", "-n", "t", "-f", f2, "-y")
    assert "app" in installed(umm.records("t"))
    f3 = _write(umm.env.home / "up.txt", "liba\n")
    umm("update", "-n", "t", "-f", f3, "-y")
    assert installed(umm.records("t"))["liba"] == "2.0"
    history = (umm.prefix("t") / "conda-meta" / "history").read_text()
    assert '"extra"' in history and '"app"' in history


def test_yaml_name_channels_variables(umm: Umm, second_channel: str) -> None:
    f = _write(umm.env.home / "env.yml", f"name: fromfile\nchannels:\n  - {second_channel}\n"
               "dependencies:\n  - extra\n  - sel(linux): app\n  - sel(win): nothing-here\n"
               "variables:\n  my_var: hello world\n")
    umm("create", "-f", f, "-y")
    recs = umm.records("fromfile")
    assert installed(recs) == {"extra": "2.0", "app": "1.0", "libb": "2.0", "liba": "2.0"}
    state = json.loads((umm.prefix("fromfile") / "conda-meta" / "state").read_text())
    assert state == {"env_vars": {"MY_VAR": "hello world"}}
    listed = umm("env", "config", "vars", "list", "-n", "fromfile").stdout
    assert listed == "MY_VAR = hello world\n"


def test_cli_name_and_channels_win_over_the_file(umm: Umm, second_channel: str) -> None:
    f = _write(umm.env.home / "env.yml", f"name: fromfile\nchannels: [{second_channel}]\n"
               "dependencies: [extra]\n")
    umm("create", "-n", "mine", "-f", f, "-c", umm.channel.url, "--strict-channel-priority", "-y")
    assert not umm.prefix("fromfile").exists()
    assert installed(umm.records("mine")) == {"extra": "1.0"}  # -c comes first
    umm("create", "-n", "filefirst", "-f", f, "--strict-channel-priority", "-y")
    assert installed(umm.records("filefirst")) == {"extra": "2.0"}  # file channel before rc
    target = umm.env.home / "by-path"
    umm("create", "-p", str(target), "-f", f, "-y")
    assert (target / "conda-meta").is_dir() and not umm.prefix("fromfile").exists()


def test_nodefaults_drops_defaults(umm: Umm, second_channel: str) -> None:
    (umm.env.home / ".mambarc").write_text(
        f"default_channels: [{umm.channel.url}]\nchannels: [defaults]\n")
    f = _write(umm.env.home / "env.yml", f"channels: [{second_channel}, nodefaults]\n"
               "dependencies: [extra]\n")
    umm.channel.reset_log()
    umm("create", "-n", "nd", "-f", f, "-y")
    assert installed(umm.records("nd")) == {"extra": "2.0"}
    assert umm.channel.requests() == []  # `defaults` (the served channel) was never asked
    g = _write(umm.env.home / "env2.yml", "dependencies: [app]\n")
    umm("create", "-n", "d", "-f", g, "-y")  # without nodefaults: defaults is used
    assert "app" in installed(umm.records("d"))


def test_refusals_are_one_line_errors(umm: Umm, tmp_path: Path) -> None:
    a = _write(tmp_path / "a.yml", "dependencies: [app]\n")
    b = _write(tmp_path / "b.yml", "dependencies: [extra]\n")
    proc = umm("create", "-n", "x", "-f", a, "-f", b, "-y", check=False)
    assert proc.returncode != 0 and proc.stderr.count("\n") == 1
    assert "Can only handle 1 yaml file!" in proc.stderr and "Traceback" not in proc.stderr
    e = _write(tmp_path / "e.txt", "@EXPLICIT\nhttps://h/noarch/app-1.0-0.conda\n")
    proc = umm("create", "-n", "x", "-f", e, "extra", "-y", check=False)
    assert proc.returncode != 0 and "cannot be combined with package specs" in proc.stderr
    proc = umm("create", "-n", "x", "-f", str(tmp_path / "missing.txt"), "-y", check=False)
    assert proc.returncode != 0 and "missing.txt: cannot read spec file" in proc.stderr
    bad = _write(tmp_path / "bad.yml", "dependencies:\n  - sel(beos): x\n")
    proc = umm("create", "-n", "x", "-f", bad, "-y", check=False)
    assert proc.returncode != 0 and "unknown selector 'sel(beos)'" in proc.stderr
    assert not umm.prefix("x").exists()


def test_env_create_and_update_with_prune(umm: Umm) -> None:
    f = _write(umm.env.home / "env.yml", "name: ev\ndependencies: [app, extra]\n")
    umm("env", "create", "-f", f, "-y")
    assert set(installed(umm.records("ev"))) == {"app", "libb", "liba", "extra"}
    g = _write(umm.env.home / "env2.yml", "name: ev\ndependencies: [liba <2, extra]\n"
               "variables: {STAGE: two}\n")
    umm("env", "update", "-f", g, "-y")
    assert installed(umm.records("ev"))["liba"] == "1.0"
    assert set(installed(umm.records("ev"))) == {"app", "libb", "liba", "extra"}
    umm("env", "update", "-f", g, "--prune", "-y")
    assert set(installed(umm.records("ev"))) == {"liba", "extra"}
    assert "STAGE = two" in umm("env", "config", "vars", "list", "-n", "ev").stdout
