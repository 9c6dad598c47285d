"""umm env list/remove/config vars."""
from __future__ import annotations

import json

from tests.envfile.conftest import Umm


def test_env_remove_and_list(umm: Umm) -> None:
    umm("create", "-n", "gone", "app", "-y")
    prefix = umm.prefix("gone")
    assert str(prefix) in umm("env", "list").stdout
    dry = umm("env", "remove", "-n", "gone", "--dry-run", "-y")
    assert "- app" in dry.stdout and prefix.exists()
    declined = umm("env", "remove", "-n", "gone", input="n\n", check=False)
    assert declined.returncode != 0 and prefix.exists()
    proc = umm("env", "remove", "-n", "gone", "-y")
    assert f"Environment removed at prefix: {prefix}" in proc.stdout
    assert not prefix.exists()
    listed = json.loads(umm("env", "list", "--json").stdout)
    assert str(prefix) not in listed["envs"]
    proc = umm("env", "remove", "-n", "gone", "-y", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr


def test_base_cannot_be_removed(umm: Umm) -> None:
    (umm.root / "conda-meta").mkdir(parents=True, exist_ok=True)
    proc = umm("env", "remove", "-p", str(umm.root), "-y", check=False)
    assert proc.returncode == 2 and "cannot remove the base environment" in proc.stderr
    assert umm.root.exists()


def test_config_vars(umm: Umm) -> None:
    umm("create", "-n", "v", "-y")
    out = umm("env", "config", "vars", "set", "-n", "v", "a_b=1", "PATHY=x=y").stdout
    assert "reactivate" in out
    assert umm("env", "config", "vars", "list", "-n", "v").stdout == "A_B = 1\nPATHY = x=y\n"
    proc = umm("env", "config", "vars", "unset", "-n", "v", "a_b", "missing")
    assert "missing was not set" in proc.stderr
    doc = json.loads(umm("env", "config", "vars", "list", "-n", "v", "--json").stdout)
    assert doc == {"PATHY": "x=y"}
    state = json.loads((umm.prefix("v") / "conda-meta" / "state").read_text())
    assert state == {"env_vars": {"PATHY": "x=y"}}
    bad = umm("env", "config", "vars", "set", "-n", "v", "NOEQUALS", check=False)
    assert bad.returncode != 0 and "expected KEY=VALUE" in bad.stderr
    assert "vars" in umm("env", "config", "-n", "v").stdout  # help


def test_install_file_with_only_variables(umm: Umm, tmp_path) -> None:
    umm("create", "-n", "w", "extra", "-y")
    f = tmp_path / "vars.yml"
    f.write_text("dependencies: []\nvariables: {STAGE: prod}\n")
    umm("install", "-n", "w", "-f", str(f), "-y")
    assert umm("env", "config", "vars", "list", "-n", "w").stdout == "STAGE = prod\n"
