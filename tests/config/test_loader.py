"""Precedence of every configuration source, and the order the loader resolves things in."""
from __future__ import annotations

from pathlib import Path
from typing import Callable, List, Tuple

import pytest

from umm.config.errors import (ConfigFileError, ConfigValueError, ConflictingOptions,
                               RcFileNotFound, RootPrefixError, UnknownConfigKey)


def _levels(lay) -> List[Tuple[str, Callable[[str, dict, dict], None]]]:
    """Every source, lowest precedence first: (source name, apply(yaml_line, cli, api))."""
    out = []

    def rc(path: Path, name: str):
        def apply(line: str, cli: dict, api: dict) -> None:
            lay.write(path, line + "\n")
        out.append((name, apply))

    home = lay.home
    for d in (lay.etc, lay.varlib):
        rc(d / ".condarc", str(d / ".condarc"))
        rc(d / "condarc", str(d / "condarc"))
        rc(d / "condarc.d" / "a.yml", str(d / "condarc.d" / "a.yml"))
        rc(d / ".mambarc", str(d / ".mambarc"))
    for n in (".condarc", "condarc", "condarc.d/z.yaml", ".mambarc"):
        rc(lay.root / n, str(lay.root / n))
    for n in (".conda/.condarc", ".conda/condarc", ".conda/condarc.d/a.yml", ".condarc",
              ".mambarc"):
        rc(home / n, "~/" + n)
    for n in (".condarc", "condarc", "condarc.d/a.yml", ".mambarc"):
        rc(lay.target / n, str(lay.target / n))
    for var, fname in (("CONDARC", "by-condarc.yml"), ("MAMBARC", "by-mambarc.yml")):
        path = lay.base / fname

        def apply_env(line: str, cli: dict, api: dict, var=var, path=path) -> None:
            lay.write(path, line + "\n")
            lay.environ[var] = str(path)
        out.append((str(path), apply_env))
    return out


SCALAR_SOURCES = 23 + 3  # rc files + env var + CLI + API


@pytest.mark.parametrize("top", range(SCALAR_SOURCES))
def test_each_source_overrides_the_ones_below_for_scalars(layout, top):
    levels = _levels(layout)
    cli = {"target_prefix": str(layout.target)}
    api: dict = {}
    names = [n for n, _ in levels] + ["MAMBA_CHANNEL_ALIAS", "CLI", "API"]
    assert len(names) == SCALAR_SOURCES
    for i in range(top + 1):
        value = f"https://level{i}.example"
        if i < len(levels):
            levels[i][1](f"channel_alias: {value}", cli, api)
        elif names[i] == "MAMBA_CHANNEL_ALIAS":
            layout.environ["MAMBA_CHANNEL_ALIAS"] = value
        elif names[i] == "CLI":
            cli["channel_alias"] = value
        else:
            api["channel_alias"] = value
    cfg = layout.load(cli, api)
    assert cfg.get("channel_alias") == f"https://level{top}.example"
    shown = [s.replace(str(layout.home), "~") for s in names]
    assert cfg.origin("channel_alias")[0] == shown[top]
    # every source below is still recorded, highest first
    assert [s for s, _ in cfg.sources("channel_alias")] == list(reversed(shown[:top + 1]))


def test_sequences_merge_every_source_highest_first(layout):
    levels = _levels(layout)
    cli = {"target_prefix": str(layout.target)}
    api: dict = {}
    for i, (_, apply) in enumerate(levels):
        extra = ", shared" if i in (0, 15) else ""
        apply(f"channels: [c{i}{extra}]", cli, api)
    layout.environ["CONDA_CHANNELS"] = "env-b,c3"
    layout.environ["MAMBA_CHANNELS"] = "env-a"
    cli["channels"] = ["cli"]
    api["channels"] = ["api", "cli"]
    cfg = layout.load(cli, api)
    expected = ["api", "cli", "env-a", "env-b", "c3"]
    expected += [f"c{i}" for i in range(len(levels) - 1, -1, -1) if i != 3]
    expected.insert(expected.index("c15") + 1, "shared")
    assert cfg.get("channels") == expected
    origin = dict(zip(cfg.get("channels"), cfg.origin("channels")))
    assert origin["api"] == "API" and origin["cli"] == "API"
    assert origin["env-a"] == "MAMBA_CHANNELS" and origin["c3"] == "CONDA_CHANNELS"
    assert origin["shared"] == "~/.condarc"  # level 15, the highest that lists it
    assert origin["c0"] == str(layout.etc / ".condarc")


def test_maps_merge_key_wise(layout):
    layout.write(layout.etc / ".condarc", "custom_channels: {a: https://sys/a, b: https://sys/b}\n")
    layout.write(layout.home / ".condarc", "custom_channels:\n  b: https://user/b\n")
    layout.environ["MAMBA_CUSTOM_CHANNELS"] = "c=https://env/c"
    cfg = layout.load()
    assert cfg.get("custom_channels") == {"a": "https://sys/a", "b": "https://user/b",
                                          "c": "https://env/c"}
    assert cfg.origin("custom_channels") == {"a": str(layout.etc / ".condarc"),
                                             "b": "~/.condarc", "c": "MAMBA_CUSTOM_CHANNELS"}


def test_rc_file_option_replaces_the_search(layout):
    layout.write(layout.home / ".condarc", "channel_alias: https://home\nchannels: [home]\n")
    first = layout.write(layout.base / "first.yml", "channel_alias: https://first\nchannels: [a]\n")
    second = layout.write(layout.base / "second.rc", "channel_alias: https://second\n"
                                                     "channels: [b]\nalways_yes: true\n")
    cfg = layout.load({"rc_files": [str(first), str(second)]})
    # like micromamba, the first --rc-file has the highest precedence
    assert cfg.get("channel_alias") == "https://first"
    assert cfg.get("channels") == ["a", "b"]
    assert cfg.get("always_yes") is True
    assert cfg.rc_paths == [str(first), str(second)]


def test_rc_file_must_exist_and_conflicts_with_no_rc(layout):
    with pytest.raises(RcFileNotFound) as exc:
        layout.load({"rc_files": [str(layout.base / "nope.yml")]})
    assert exc.value.path.endswith("nope.yml")
    f = layout.write(layout.base / "x.yml", "always_yes: true\n")
    with pytest.raises(ConflictingOptions):
        layout.load({"rc_files": [str(f)], "no_rc": True})


@pytest.mark.parametrize("how", ["cli", "env"])
def test_no_rc_ignores_every_rc_file(layout, how):
    layout.write(layout.home / ".condarc", "always_yes: true\nchannels: [home]\n")
    layout.write(layout.etc / ".condarc", "offline: true\n")
    layout.environ["MAMBA_CHANNELS"] = "from-env"
    cli = {"no_rc": True} if how == "cli" else {}
    if how == "env":
        layout.environ["MAMBA_NO_RC"] = "true"
    cfg = layout.load(cli)
    assert cfg.get("always_yes") is False and cfg.get("offline") is False
    assert cfg.get("channels") == ["from-env"]
    assert cfg.rc_files == () and cfg.searched == ()


@pytest.mark.parametrize("how", ["cli", "env"])
def test_no_env_ignores_environment_variables(layout, how):
    rc = layout.write(layout.base / "env.yml", "offline: true\n")
    layout.environ.update({"MAMBA_ALWAYS_YES": "1", "CONDA_CHANNELS": "x", "CONDARC": str(rc)})
    layout.write(layout.home / ".condarc", "channels: [home]\n")
    cli = {"no_env": True} if how == "cli" else {}
    if how == "env":
        layout.environ["MAMBA_NO_ENV"] = "yes"
    cfg = layout.load(cli)
    assert cfg.get("always_yes") is False
    assert cfg.get("channels") == ["home"]
    assert cfg.get("offline") is False  # $CONDARC is an environment variable too
    # MAMBA_ROOT_PREFIX is ignored as well: the default root prefix is used
    assert cfg.get("root_prefix") == str(layout.home / "micromamba")


def test_root_prefix_sources(layout):
    cfg = layout.load()
    assert cfg.get("root_prefix") == str(layout.root)
    assert cfg.origin("root_prefix") == ("MAMBA_ROOT_PREFIX",)
    other = layout.base / "other-root"
    cfg = layout.load({"root_prefix": str(other)})
    assert cfg.get("root_prefix") == str(other)
    assert cfg.get("pkgs_dirs") == [str(other / "pkgs"), str(layout.home / ".mamba" / "pkgs")]
    assert cfg.get("envs_dirs") == [str(other / "envs")]
    del layout.environ["MAMBA_ROOT_PREFIX"]
    cfg = layout.load()
    assert cfg.get("root_prefix") == str(layout.home / "micromamba")
    # root prefix is not read from rc files
    layout.write(layout.home / ".condarc", f"root_prefix: {other}\n")
    assert layout.load().get("root_prefix") == str(layout.home / "micromamba")
    assert any("cannot be set in rc files" in t for t in layout.reporter.texts("warning"))


def test_default_root_prefix_must_be_a_conda_root(layout):
    del layout.environ["MAMBA_ROOT_PREFIX"]
    junk = layout.home / "micromamba"
    layout.write(junk / "notes.txt", "not a conda root\n")
    with pytest.raises(RootPrefixError) as exc:
        layout.load()
    assert exc.value.path == str(junk)
    (junk / "pkgs").mkdir()
    assert layout.load().get("root_prefix") == str(junk)


def test_root_prefix_rc_files_follow_the_root_prefix(layout):
    other = layout.base / "other-root"
    layout.write(other / ".condarc", "channel_alias: https://other-root\n")
    layout.write(layout.root / ".condarc", "channel_alias: https://root\n")
    assert layout.load().get("channel_alias") == "https://root"
    assert layout.load({"root_prefix": str(other)}).get("channel_alias") == "https://other-root"


def test_named_env_uses_envs_dirs_then_reads_its_rc_files(layout):
    envs = layout.base / "my-envs"
    layout.write(layout.home / ".condarc", f"envs_dirs: [{envs}]\nchannel_alias: https://home\n")
    layout.write(envs / "foo" / ".condarc", "channel_alias: https://foo\nenvs_dirs: [/elsewhere]\n")
    cfg = layout.load({"env_name": "foo"})
    assert cfg.get("target_prefix") == str(envs / "foo")
    assert cfg.target_origin == "name"
    assert cfg.get("channel_alias") == "https://foo"
    # envs_dirs cannot come from the target prefix's rc files
    assert cfg.get("envs_dirs") == [str(envs)]
    assert any("target prefix's rc file" in t for t in layout.reporter.texts("warning"))


def test_base_is_the_root_prefix_and_its_rc_is_read_once(layout):
    layout.write(layout.root / ".condarc", "channels: [r]\n")
    cfg = layout.load({"env_name": "base"})
    assert cfg.get("target_prefix") == str(layout.root)
    assert cfg.get("channels") == ["r"]
    assert [f.path for f in cfg.rc_files] == [str(layout.root / ".condarc")]


def test_target_prefix_fallbacks(layout):
    active = layout.base / "active"
    layout.write(active / ".condarc", "always_yes: true\n")
    layout.environ["CONDA_PREFIX"] = str(active)
    cfg = layout.load()
    assert cfg.get("target_prefix") == str(active) and cfg.target_origin == "conda_prefix"
    assert cfg.get("always_yes") is True
    assert cfg.origin("target_prefix") == ("CONDA_PREFIX",)
    assert layout.load(fallbacks=()).get("target_prefix") is None
    assert layout.load(fallbacks=("root",)).get("target_prefix") == str(layout.root)
    # MAMBA_TARGET_PREFIX comes before the active env, -p before both
    layout.environ["MAMBA_TARGET_PREFIX"] = str(layout.base / "t")
    assert layout.load().get("target_prefix") == str(layout.base / "t")
    assert layout.load({"target_prefix": str(layout.target)}).get("target_prefix") == \
        str(layout.target)


def test_name_and_prefix_conflict(layout):
    with pytest.raises(ConflictingOptions):
        layout.load({"env_name": "a", "target_prefix": str(layout.target)})


def test_prefix_without_separator_is_an_env_name(layout):
    cfg = layout.load({"target_prefix": "myenv"})
    assert cfg.get("target_prefix") == str(layout.root / "envs" / "myenv")
    assert any("filesystem separator" in t for t in layout.reporter.texts("warning"))
    rel = layout.load({"target_prefix": "./myenv"})
    assert rel.get("target_prefix") == str(layout.base / "myenv")


def test_wrong_type_in_rc_names_file_line_and_key(layout):
    path = layout.write(layout.home / ".condarc", "channels:\n  - a\nalways_yes: maybe\n")
    with pytest.raises(ConfigFileError) as exc:
        layout.load()
    assert (exc.value.path, exc.value.line, exc.value.key) == (str(path), 3, "always_yes")
    assert "boolean" in str(exc.value) and "\n" not in str(exc.value)


def test_malformed_yaml_names_file_and_line(layout):
    path = layout.write(layout.home / ".condarc", "channels:\n  - a\n bad: [\n")
    with pytest.raises(ConfigFileError) as exc:
        layout.load()
    assert exc.value.path == str(path) and exc.value.line == 3
    assert exc.value.key == "channels"


def test_wrong_type_from_env_var_or_cli(layout):
    layout.environ["MAMBA_DOWNLOAD_THREADS"] = "many"
    with pytest.raises(ConfigValueError) as exc:
        layout.load()
    assert exc.value.key == "download_threads"
    assert "MAMBA_DOWNLOAD_THREADS" in str(exc.value)
    del layout.environ["MAMBA_DOWNLOAD_THREADS"]
    with pytest.raises(ConfigValueError) as exc:
        layout.load({"safety_checks": "sometimes"})
    assert "command line" in str(exc.value)
    with pytest.raises(UnknownConfigKey):
        layout.load(api={"no_such_key": 1})


def test_unknown_keys_warn_with_file_and_line(layout):
    path = layout.write(layout.home / ".condarc",
                        "channels: [a]\nfrobnicate: 3\nshow_channel_urls: true\n")
    cfg = layout.load()
    assert cfg.get("channels") == ["a"]
    warnings = layout.reporter.texts("warning")
    assert warnings == [f"{path}:2: unknown configuration key 'frobnicate' (ignored)"]


def test_expansion_of_variables_and_home(layout):
    layout.environ["MIRROR"] = "https://mirror.example"
    layout.write(layout.home / ".condarc",
                 "channel_alias: ${MIRROR}/conda\npkgs_dirs: [~/cache, $NOPE/x]\n"
                 "ssl_verify: ~/ca.pem\n")
    cfg = layout.load()
    assert cfg.get("channel_alias") == "https://mirror.example/conda"
    assert cfg.get("pkgs_dirs") == [str(layout.home / "cache"), str(layout.base / "$NOPE/x")]
    assert cfg.get("ssl_verify") == str(layout.home / "ca.pem")


def test_empty_rc_file_is_not_a_populated_source(layout):
    layout.write(layout.home / ".condarc", "# only a comment\n")
    layout.write(layout.home / ".mambarc", "always_yes: true\n")
    cfg = layout.load()
    assert cfg.rc_paths == [str(layout.home / ".mambarc")]
    assert [(loc.path, ok) for loc, ok in cfg.searched] == [
        (str(layout.home / ".mambarc"), True), (str(layout.home / ".condarc"), False)]


def test_override_channels(layout):
    layout.write(layout.home / ".condarc", "channels: [home]\n")
    cfg = layout.load({"channels": ["cli"], "override_channels": True})
    assert cfg.get("channels") == ["cli"]
    assert layout.load({"channels": ["cli"]}).get("channels") == ["cli", "home"]
    layout.write(layout.home / ".mambarc", "override_channels_enabled: false\n")
    cfg = layout.load({"channels": ["cli"], "override_channels": True})
    assert cfg.get("channels") == ["cli", "home"]
    assert any("override_channels" in t for t in layout.reporter.texts("warning"))


def test_copy_and_softlink_are_exclusive(layout):
    layout.write(layout.home / ".condarc", "always_softlink: true\n")
    assert layout.load().get("always_softlink") is True
    with pytest.raises(ConflictingOptions):
        layout.load({"always_copy": True})


@pytest.mark.parametrize("cli,level", [({}, "warning"), ({"verbose": 1}, "info"),
                                       ({"verbose": 2}, "debug"), ({"verbose": 5}, "trace"),
                                       ({"json": True, "verbose": 2}, "off"),
                                       ({"log_level": "error", "verbose": 2}, "error")])
def test_log_level_follows_verbosity_and_json(layout, cli, level):
    assert layout.load(cli).get("log_level") == level


def test_platform_from_env_and_validation(layout):
    layout.environ["CONDA_SUBDIR"] = "osx-arm64"
    assert layout.load().get("platform") == "osx-arm64"
    assert layout.load({"platform": "win-64"}).get("platform") == "win-64"
    with pytest.raises(ConfigValueError):
        layout.load({"platform": "banana"})


def test_config_is_immutable_and_reads_are_copies(layout):
    cfg = layout.load()
    chans = cfg.get("channels")
    chans.append("x")
    assert cfg.get("channels") == ["conda-forge"]
    with pytest.raises(AttributeError):
        cfg.home = "/"  # type: ignore[misc]
    assert not cfg.is_set("channels") and cfg.sources("channels") == []
