"""umm env export: YAML, --no-build, --from-history, --channel-subdir, --explicit, --json."""
from __future__ import annotations

import json

import yaml

from tests.envfile.conftest import Umm, installed


def test_export_formats(umm: Umm) -> None:
    umm("create", "-n", "ex", "app", "liba<2", "-y")
    umm("env", "config", "vars", "set", "-n", "ex", "FOO=bar")
    url = umm.channel.url
    text = umm("env", "export", "-n", "ex").stdout
    doc = yaml.safe_load(text)
    assert doc == {"name": "ex", "channels": [url],
                   "dependencies": ["app=1.0=0", "liba=1.0=hl_0", "libb=2.0=hl_0"],
                   "variables": {"FOO": "bar"}}
    nob = yaml.safe_load(umm("env", "export", "-n", "ex", "--no-build").stdout)
    assert nob["dependencies"] == ["app=1.0", "liba=1.0", "libb=2.0"]
    hist = yaml.safe_load(umm("env", "export", "-n", "ex", "--from-history").stdout)
    assert hist["dependencies"] == ["app", "liba[version='<2']"]  # as conda writes history
    sub = yaml.safe_load(umm("env", "export", "-n", "ex", "--channel-subdir").stdout)
    assert sub["dependencies"][0] == f"{url}/noarch::app=1.0=0"
    assert sub["dependencies"][1] == f"{url}/linux-64::liba=1.0=hl_0"
    js = json.loads(umm("env", "export", "-n", "ex", "--json").stdout)
    assert js == doc


def test_export_explicit_checksums(umm: Umm) -> None:
    umm("create", "-n", "ee", "libb", "-y")
    recs = {r["name"]: r for r in umm.records("ee").values()}
    md5 = umm("env", "export", "-n", "ee", "--explicit").stdout.splitlines()
    assert md5[:4] == ["# This file may be used to create an environment using:",
                       "# $ conda create --name <env> --file <this file>",
                       "# platform: linux-64", "@EXPLICIT"]
    assert md5[4:] == [f"{recs[n]['url']}#{recs[n]['md5']}" for n in ("liba", "libb")]
    sha = umm("env", "export", "-n", "ee", "-e", "--sha256").stdout.splitlines()
    assert sha[4:] == [f"{recs[n]['url']}#sha256:{recs[n]['sha256']}" for n in ("liba", "libb")]
    none = umm("env", "export", "-n", "ee", "-e", "--no-md5").stdout.splitlines()
    assert none[4:] == [recs[n]["url"] for n in ("liba", "libb")]
    listed = umm("list", "-n", "ee", "--explicit", "--md5").stdout
    assert listed.splitlines()[4:] == md5[4:]


def test_exported_yaml_recreates_the_env(umm: Umm) -> None:
    umm("create", "-n", "src", "app", "extra", "liba<2", "-y")
    path = umm.env.home / "exported.yml"
    path.write_text(umm("env", "export", "-n", "src").stdout.replace("name: src", "name: dst"))
    umm("env", "create", "-f", str(path), "-y")
    assert installed(umm.records("dst")) == installed(umm.records("src"))


def test_export_errors(umm: Umm) -> None:
    proc = umm("env", "export", "-n", "nope", check=False)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr and proc.stderr.count("\n") == 1
    umm("create", "-n", "e", "-y")
    proc = umm("env", "export", "-n", "e", "-e", "--json", check=False)
    assert proc.returncode == 2 and "cannot be used together" in proc.stderr
    empty = yaml.safe_load(umm("env", "export", "-n", "e").stdout)
    assert empty == {"name": "e", "channels": [], "dependencies": []}
