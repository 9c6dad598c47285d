"""`umm config`, `umm info` and `umm env list` end to end (isolated HOME and /etc)."""
from __future__ import annotations

import json
import os

import pytest
import yaml

MICROMAMBA_INFO_KEYS = {
    "libmamba version", "curl version", "libarchive version", "envs directories",
    "package cache", "environment", "env location", "user config files",
    "populated config files", "virtual packages", "channels", "base environment", "platform"}


def _rc(uenv, text, name=".condarc"):
    path = uenv.home / name
    path.write_text(text)
    return path


def _mkenv(path):
    (path / "conda-meta").mkdir(parents=True)
    (path / "conda-meta" / "history").write_text("")


def test_config_list_sources(uenv):
    _rc(uenv, "channels:\n  - conda-forge\nchannel_priority: strict\n")
    (uenv.etc / ".condarc").write_text("channels: [defaults]\n")
    proc = uenv.run("config", "list", "--sources", check=True,
                    env={"MAMBA_ALWAYS_YES": "true"})
    assert proc.stdout.splitlines() == [
        "channels:",
        "  - conda-forge  # '~/.condarc'",
        f"  - defaults  # '{uenv.etc / '.condarc'}'",
        "channel_priority: strict  # '~/.condarc'",
        "always_yes: true  # 'MAMBA_ALWAYS_YES'",
    ]
    plain = uenv.run("config", "list", "channels", "-v", check=True)
    assert yaml.safe_load(plain.stdout) == {"channels": ["conda-forge", "defaults"]}


@pytest.mark.parametrize("command", [["info"], ["config", "list"], ["env", "list"],
                                     ["info", "--json"]])
def test_broken_condarc_is_a_one_line_error(uenv, command):
    path = _rc(uenv, "channels:\n  - conda-forge\n bad: [\n")
    proc = uenv.run(*command)
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1, proc.stderr
    assert lines[0].startswith(f"error: invalid configuration file {path}:3")
    assert "'channels'" in lines[0]


def test_wrong_type_in_condarc(uenv):
    path = _rc(uenv, "always_yes: sure\n")
    proc = uenv.run("config", "list")
    assert proc.returncode == 1
    assert proc.stderr.strip() == (f"error: invalid configuration file {path}:1: key "
                                   "'always_yes': expected a boolean (true or false), got 'sure'")


def test_set_append_prepend_remove_round_trip(uenv):
    rc = uenv.home / ".condarc"
    rc.write_text("# personal settings\nalways_yes: false\n")
    uenv.run("config", "set", "channel_priority", "strict", check=True)
    uenv.run("config", "append", "channels", "conda-forge", check=True)
    uenv.run("config", "append", "channels", "bioconda", "pinned_packages", "python=3.11",
             check=True)
    uenv.run("config", "prepend", "channels", "local-first", check=True)
    assert yaml.safe_load(rc.read_text()) == {
        "always_yes": False, "channel_priority": "strict",
        "channels": ["local-first", "conda-forge", "bioconda"],
        "pinned_packages": ["python=3.11"]}
    assert rc.read_text().startswith("# personal settings\n")
    got = uenv.run("config", "get", "channels", check=True)
    assert got.stdout == "channels:\n  - local-first\n  - conda-forge\n  - bioconda\n"
    listed = uenv.run("config", "list", check=True)
    assert yaml.safe_load(listed.stdout)["channels"] == ["local-first", "conda-forge", "bioconda"]
    uenv.run("config", "remove", "channels", "conda-forge", check=True)
    uenv.run("config", "remove-key", "pinned_packages", check=True)
    assert yaml.safe_load(rc.read_text()) == {
        "always_yes": False, "channel_priority": "strict",
        "channels": ["local-first", "bioconda"]}
    missing = uenv.run("config", "get", "pinned_packages", check=True)
    assert missing.stdout.strip() == "Key is not present in file"


def test_config_write_targets(uenv, tmp_path):
    uenv.run("config", "set", "always_yes", "true", "--env", "-n", "foo", check=True)
    assert yaml.safe_load((uenv.root_prefix / "envs" / "foo" / ".condarc").read_text()) == \
        {"always_yes": True}
    other = tmp_path / "other.yml"
    uenv.run("config", "append", "channels", "x", "--file", other, check=True)
    assert yaml.safe_load(other.read_text()) == {"channels": ["x"]}
    uenv.run("config", "set", "offline", "true", "--system", check=True)
    assert yaml.safe_load((uenv.etc / ".condarc").read_text()) == {"offline": True}
    # the target prefix's rc file is read for that env only
    shown = uenv.run("config", "list", "always_yes", "-n", "foo", "-s", check=True)
    assert shown.stdout.strip() == \
        f"always_yes: true  # '{uenv.root_prefix / 'envs' / 'foo' / '.condarc'}'"
    base = uenv.run("config", "list", "always_yes", check=True)
    assert base.stdout.strip() == "always_yes: false"


@pytest.mark.parametrize("args,message", [
    (["config", "set", "no_such_key", "1"], "unknown configuration key 'no_such_key'"),
    (["config", "set", "channel_priority", "maybe"], "expected one of 'strict'"),
    (["config", "set", "dry_run", "true"], "cannot be set in an rc file"),
    (["config", "append", "always_yes", "x"], "it is not a list"),
    (["config", "append", "channels"], "expected KEY VALUE pairs"),
    (["config", "describe", "nope"], "unknown configuration key 'nope'"),
    (["config", "get", "channels", "--file", "/nonexistent/rc.yml"], "rc file does not exist"),
])
def test_config_errors(uenv, args, message):
    proc = uenv.run(*args)
    assert proc.returncode != 0 and "Traceback" not in proc.stderr
    assert message in proc.stderr


def test_config_sources_and_describe(uenv):
    _rc(uenv, "channels: [a]\n")
    _rc(uenv, "", ".mambarc")
    proc = uenv.run("config", "sources", check=True)
    assert proc.stdout.splitlines() == ["Configuration files (by precedence order):",
                                        "~/.mambarc (invalid)", "~/.condarc"]
    no_rc = uenv.run("config", "sources", "--no-rc", check=True)
    assert no_rc.stdout.strip() == "Configuration files disabled by --no-rc flag"
    desc = uenv.run("config", "describe", "channels", "ssl_verify", check=True)
    assert desc.stdout.startswith("# channels\n#   Define the list of channels\n")
    assert "# ssl_verify" in desc.stdout


def test_rc_file_no_rc_no_env_from_the_command_line(uenv, tmp_path):
    _rc(uenv, "channels: [home]\n")
    extra = tmp_path / "extra.yml"
    extra.write_text("channels: [extra]\n")
    env = {"CONDA_CHANNELS": "envchan"}

    def channels(*args):
        out = uenv.run("config", "list", "channels", *args, env=env, check=True).stdout
        return yaml.safe_load(out)["channels"]

    assert channels() == ["envchan", "home"]
    assert channels("--rc-file", extra) == ["envchan", "extra"]
    assert channels("--no-rc") == ["envchan"]
    assert channels("--no-env") == ["home"]
    assert channels("--no-env", "--no-rc") == ["conda-forge"]
    missing = uenv.run("config", "list", "--rc-file", tmp_path / "missing.yml")
    assert missing.returncode == 1 and "configuration file does not exist" in missing.stderr


def test_unknown_rc_key_warns_on_stderr(uenv):
    path = _rc(uenv, "channels: [a]\nfrobnicate: 1\n")
    proc = uenv.run("config", "list", check=True)
    assert proc.stderr.strip() == \
        f"warning: {path}:2: unknown configuration key 'frobnicate' (ignored)"
    quiet = uenv.run("config", "list", "--json", check=True)
    assert quiet.stderr == "" and json.loads(quiet.stdout)["channels"] == ["a"]


def test_info_json_matches_micromamba_keys(uenv):
    _rc(uenv, "channels: [conda-forge]\n")
    proc = uenv.run("info", "--json", check=True,
                    env={"CONDA_OVERRIDE_GLIBC": "2.28", "CONDA_OVERRIDE_CUDA": "",
                         "CONDA_SUBDIR": "linux-64"})
    doc = json.loads(proc.stdout)
    assert MICROMAMBA_INFO_KEYS <= set(doc)
    assert {"umm version", "user agent"} <= set(doc)
    root = str(uenv.root_prefix)
    assert doc["base environment"] == root and doc["env location"] == root
    assert doc["environment"] == "base"
    assert doc["envs directories"] == [os.path.join(root, "envs")]
    assert doc["package cache"] == [os.path.join(root, "pkgs"),
                                    str(uenv.home / ".mamba" / "pkgs")]
    assert doc["populated config files"] == [str(uenv.home / ".condarc")]
    assert doc["user config files"] == [str(uenv.home / ".mambarc")]
    assert doc["platform"] == "linux-64"
    assert doc["channels"] == ["https://conda.anaconda.org/conda-forge/linux-64",
                               "https://conda.anaconda.org/conda-forge/noarch"]
    assert "__glibc=2.28=0" in doc["virtual packages"]
    assert not [v for v in doc["virtual packages"] if v.startswith("__cuda")]


def test_info_environment_labels(uenv):
    root = uenv.root_prefix
    _mkenv(root / "envs" / "foo")
    (root / "envs" / "plain").mkdir(parents=True)
    out = uenv.run("info", "-n", "foo", check=True).stdout
    assert "environment : foo\n" in out and f"env location : {root / 'envs' / 'foo'}" in out
    active = uenv.run("info", env={"CONDA_PREFIX": str(root / "envs" / "foo")},
                      check=True).stdout
    assert "environment : foo (active)" in active
    assert "environment : plain (not env)" in uenv.run("info", "-n", "plain", check=True).stdout
    assert "environment : nope (not found)" in uenv.run("info", "-n", "nope", check=True).stdout
    assert f"base environment : {root}" in out


def test_info_base_envs_licenses(uenv):
    root = uenv.root_prefix
    _mkenv(root / "envs" / "foo")
    assert uenv.run("info", "--base", check=True).stdout.strip() == f"base environment : {root}"
    assert json.loads(uenv.run("info", "--base", "--json", check=True).stdout) == \
        {"base environment": str(root)}
    envs = json.loads(uenv.run("info", "--envs", "--json", check=True).stdout)
    assert envs == {"envs": [str(root), str(root / "envs" / "foo")]}
    lic = uenv.run("info", "--licenses", check=True).stdout
    for name in ("umm", "urllib3", "zstandard", "pyyaml", "certifi"):
        assert f"\n{name}\n" in "\n" + lic


def test_env_list(uenv, tmp_path):
    root = uenv.root_prefix
    _mkenv(root / "envs" / "foo")
    elsewhere = tmp_path / "elsewhere"
    _mkenv(elsewhere)
    (uenv.home / ".conda").mkdir()
    (uenv.home / ".conda" / "environments.txt").write_text(f"{elsewhere}\n/does/not/exist\n")
    doc = json.loads(uenv.run("env", "list", "--json", check=True).stdout)
    assert doc == {"envs": sorted([str(root), str(root / "envs" / "foo"), str(elsewhere)])}
    table = uenv.run("env", "list", env={"CONDA_PREFIX": str(root / "envs" / "foo")},
                     check=True).stdout.splitlines()
    assert table[0].split() == ["Name", "Active", "Path"]
    rows = {line.split()[-1]: line.split()[:-1] for line in table[2:]}
    assert rows[str(root)] == ["base"]
    assert rows[str(root / "envs" / "foo")] == ["foo", "*"]
    assert rows[str(elsewhere)] == []


def test_env_export_of_missing_env_is_one_line_error(uenv):
    proc = uenv.run("env", "export", "-n", "foo")
    assert proc.returncode != 0
    assert "Traceback" not in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "foo" in proc.stderr


def test_print_config_only(uenv):
    _rc(uenv, "channels: [a]\n")
    proc = uenv.run("env", "list", "--print-config-only", check=True)
    loaded = yaml.safe_load(proc.stdout)
    assert loaded["channels"] == ["a"] and loaded["root_prefix"] == str(uenv.root_prefix)
    assert "  - a  # '~/.condarc'" in proc.stdout
    ctx = json.loads(uenv.run("info", "--print-context-only", check=True).stdout)
    assert ctx["prefixes"]["root_prefix"] == str(uenv.root_prefix)
    assert ctx["channels"] == ["a"]


def test_bare_config_lists_and_bare_env_prints_help(uenv):
    _rc(uenv, "channels: [a]\n")
    assert yaml.safe_load(uenv.run("config", check=True).stdout) == {"channels": ["a"]}
    helped = uenv.run("env", check=True).stdout
    for name in ("list", "create", "update", "export", "remove", "config"):
        assert name in helped


def test_envs_dirs_from_env_var_names_the_env(uenv, tmp_path):
    envs = tmp_path / "envs-here"
    proc = uenv.run("info", "-n", "proj", "--json", env={"CONDA_ENVS_PATH": str(envs)},
                    check=True)
    doc = json.loads(proc.stdout)
    assert doc["envs directories"] == [str(envs)]
    assert doc["env location"] == str(envs / "proj")
    assert doc["environment"] == "proj (not found)"
