"""`config list`/`describe` rendering."""
from __future__ import annotations

import json

import yaml

from umm.config.dump import ListOptions, render_all, render_json, render_yaml, scalar_text


def test_list_shows_configured_rc_keys_with_sources(layout):
    layout.write(layout.home / ".condarc", "channels: [conda-forge]\nchannel_priority: strict\n")
    layout.write(layout.etc / ".condarc", "channels: [defaults]\nenv_prompt: '({name}) '\n")
    layout.environ["MAMBA_CHANNEL_PRIORITY"] = "disabled"
    cfg = layout.load({"always_yes": True})
    text = render_yaml(cfg, [], ListOptions(sources=True))
    etc = str(layout.etc / ".condarc")
    assert text.splitlines() == [
        "channels:",
        "  - conda-forge  # '~/.condarc'",
        f"  - defaults  # '{etc}'",
        "channel_priority: disabled  # 'MAMBA_CHANNEL_PRIORITY' > '~/.condarc'",
        "always_yes: true  # 'CLI'",
        f"env_prompt: '({{name}}) '  # '{etc}'",
    ]
    plain = render_yaml(cfg, [], ListOptions())
    assert yaml.safe_load(plain) == {"channels": ["conda-forge", "defaults"],
                                     "channel_priority": "disabled", "always_yes": True,
                                     "env_prompt": "({name}) "}


def test_list_selected_keys_all_and_groups(layout):
    cfg = layout.load()
    text = render_yaml(cfg, ["offline", "channels"], ListOptions())
    assert text == "channels:\n  - conda-forge\noffline: false"
    everything = yaml.safe_load(render_yaml(cfg, [], ListOptions(all_rc=True)))
    assert "ssl_verify" in everything and "dry_run" not in everything
    all_keys = yaml.safe_load(render_yaml(cfg, [], ListOptions(all_keys=True)))
    assert "dry_run" in all_keys and "root_prefix" in all_keys
    grouped = render_yaml(cfg, [], ListOptions(all_rc=True, groups=True, descriptions=True))
    assert "#               Channels Configuration               #" in grouped
    assert "# channels\n#   Define the list of channels\nchannels:" in grouped


def test_describe_without_values(layout):
    text = render_yaml(None, ["channels"], ListOptions(descriptions=True, values=False))
    assert text.splitlines() == [
        "# channels", "#   Define the list of channels",
        '#   type: a list of strings; default: ["conda-forge"]',
        "#   env: MAMBA_CHANNELS, CONDA_CHANNELS; rc files: yes"]
    long = render_yaml(None, ["always_softlink"], ListOptions(long_descriptions=True,
                                                              values=False))
    assert "corruption of long-lived" in long.replace("\n#   ", " ")


def test_json(layout):
    layout.write(layout.home / ".condarc", "channels: [a]\n")
    cfg = layout.load()
    assert json.loads(render_json(cfg, [], ListOptions())) == {"channels": ["a"]}
    doc = json.loads(render_json(cfg, [], ListOptions(sources=True)))
    assert doc == {"channels": {"value": ["a"], "source": ["~/.condarc"]}}
    doc = json.loads(render_json(cfg, ["offline"], ListOptions(descriptions=True)))
    assert doc == {"offline": {"description": "Force use cached repodata", "value": False}}


def test_render_all_and_scalars(layout):
    text = render_all(layout.load())
    loaded = yaml.safe_load(text)
    assert loaded["root_prefix"] == str(layout.root) and "no_env" in loaded
    assert "root_prefix: " + str(layout.root) + "  # 'MAMBA_ROOT_PREFIX'" in text
    assert scalar_text("yes") == "'yes'" and scalar_text("a: b") == "'a: b'"
    assert scalar_text(None) == "null" and scalar_text(1.5) == "1.5"
