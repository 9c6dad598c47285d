"""Value types: YAML values, env-var text, expansion."""
from __future__ import annotations

import pytest

from umm.config import types as t
from umm.config.keys import GROUPS, KEYS, Key, get, iter_keys
from umm.config.errors import UnknownConfigKey

EX = t.Expander({"HOST": "example.org", "EMPTY": ""}, "/home/u", "/work")


@pytest.mark.parametrize("raw,value", [(True, True), ("yes", True), ("TRUE", True), ("0", False),
                                       (1, True), ("off", False), ("<false>", False)])
def test_bool(raw, value):
    assert t.BOOL.from_yaml(raw, EX) is value


@pytest.mark.parametrize("raw", ["maybe", 2, None, [True], 1.5])
def test_bool_rejects(raw):
    with pytest.raises(t.TypeMismatch) as exc:
        t.BOOL.from_yaml(raw, EX)
    assert "boolean" in exc.value.expected


def test_ints_and_floats():
    assert t.INT.from_text(" -3 ", EX) == -3
    assert t.POS_INT.from_yaml(4.0, EX) == 4
    for bad in (0, True, "x", "1.5"):
        with pytest.raises(t.TypeMismatch):
            t.POS_INT.from_python(bad, EX)
    assert t.FLOAT.from_text("2.5", EX) == 2.5 and t.FLOAT.from_yaml(3, EX) == 3.0
    with pytest.raises(t.TypeMismatch):
        t.FLOAT.from_yaml(False, EX)


def test_enum_with_aliases():
    prio = KEYS["channel_priority"].type
    assert prio.from_yaml("Strict", EX) == "strict"
    assert prio.from_yaml(True, EX) == "flexible"
    assert prio.from_yaml(False, EX) == "disabled"
    with pytest.raises(t.TypeMismatch) as exc:
        prio.from_yaml("sometimes", EX)
    assert "'strict'" in exc.value.expected
    assert KEYS["log_level"].type.from_text("warn", EX) == "warning"


def test_ssl_verify_is_bool_or_path():
    s = t.SSL_VERIFY
    assert s.from_yaml(False, EX) is False
    assert s.from_text("<false>", EX) is False
    assert s.from_text("", EX) is True and s.from_text("true", EX) is True
    assert s.from_text("~/ca.pem", EX) == "/home/u/ca.pem"
    assert s.from_text("certs/ca.pem", EX) == "/work/certs/ca.pem"
    with pytest.raises(t.TypeMismatch):
        s.from_yaml([1], EX)


def test_paths_are_expanded_and_absolute():
    assert t.PATH.from_text("~", EX) == "/home/u"
    assert t.PATH.from_text("a/../b/", EX) == "/work/b"
    with pytest.raises(t.TypeMismatch):
        t.PATH.from_text("  ", EX)


def test_lists_from_yaml_and_text():
    assert t.STR_LIST.from_yaml(["a", "b", "a"], EX) == ["a", "b"]
    assert t.STR_LIST.from_yaml(None, EX) == []
    assert t.STR_LIST.from_text("a, b,,c", EX) == ["a", "b", "c"]
    assert t.STR_LIST.from_text("[x, 'y,z']", EX) == ["x", "y,z"]
    assert t.PATH_LIST.from_text("~/a,/b", EX) == ["/home/u/a", "/b"]
    with pytest.raises(t.TypeMismatch):
        t.STR_LIST.from_yaml("conda-forge", EX)
    with pytest.raises(t.TypeMismatch):
        t.STR_LIST.from_yaml([{"a": 1}], EX)


def test_maps_from_yaml_and_text():
    assert t.STR_MAP.from_text("a=https://x, b = y", EX) == {"a": "https://x", "b": "y"}
    assert t.STR_MAP.from_text("{a: b}", EX) == {"a": "b"}
    assert t.STR_LIST_MAP.from_yaml({"m": ["a", "b"]}, EX) == {"m": ["a", "b"]}
    for bad in ("novalue", "=x"):
        with pytest.raises(t.TypeMismatch):
            t.STR_MAP.from_text(bad, EX)
    with pytest.raises(t.TypeMismatch):
        t.STR_LIST_MAP.from_yaml({"m": "a"}, EX)


def test_expander_vars():
    assert EX.vars("${HOST}/x/$HOST") == "example.org/x/example.org"
    assert EX.vars("${NOPE}-$EMPTY-$") == "${NOPE}--$"


def test_registry():
    names = [k.name for k in iter_keys()]
    assert len(names) == len(set(names))
    for required in ("channels", "default_channels", "channel_alias", "custom_channels",
                     "custom_multichannels", "mirrored_channels", "channel_priority",
                     "override_channels_enabled", "pkgs_dirs", "envs_dirs", "root_prefix",
                     "platform", "always_yes", "dry_run", "offline", "json", "quiet",
                     "verbose", "log_level", "show_banner", "ssl_verify", "client_ssl_cert",
                     "client_ssl_cert_key", "proxy_servers", "remote_connect_timeout_secs",
                     "remote_max_retries", "remote_backoff_factor", "download_threads",
                     "extract_threads", "local_repodata_ttl", "repodata_use_zst",
                     "use_sharded_repodata", "pinned_packages", "add_pip_as_python_dependency",
                     "allow_softlinks", "always_copy", "always_softlink", "safety_checks",
                     "extra_safety_checks", "shortcuts", "auto_activate_base", "changeps1",
                     "env_prompt", "use_lockfiles", "allow_uninstall", "allow_downgrade"):
        key = get(required)
        assert key.description and key.group in GROUPS
        assert "MAMBA_" + required.upper() in key.env_vars
    assert KEYS["pkgs_dirs"].env_vars == ("MAMBA_PKGS_DIRS", "CONDA_PKGS_DIRS")
    assert "CONDA_ENVS_PATH" in KEYS["envs_dirs"].env_vars
    assert KEYS["platform"].env_vars[0] == "CONDA_SUBDIR"
    assert KEYS["safety_checks"].env_vars == ("CONDA_SAFETY_CHECKS", "MAMBA_SAFETY_CHECKS")
    assert not KEYS["dry_run"].rc and KEYS["envs_dirs"].rc_level == "home"
    with pytest.raises(UnknownConfigKey):
        get("nope")
    with pytest.raises(AttributeError):
        KEYS["channels"].name = "x"  # type: ignore[misc]
    assert isinstance(KEYS["channels"], Key)


def test_aliases_are_consistent():
    from umm.config.keys import ALIASES, ALIASES_OF

    assert {a: c for c, al in ALIASES_OF.items() for a in al} == ALIASES
    assert all(c in KEYS and a not in KEYS for a, c in ALIASES.items())
