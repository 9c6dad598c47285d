"""Editing rc files: only the changed key's block is rewritten."""
from __future__ import annotations

import pytest
import yaml

from umm.config import rcedit as R
from umm.config.errors import (ConfigFileError, ConfigValueError, NotASequenceKey,
                               NotRcConfigurable, RcFileNotFound, UnknownConfigKey)
from umm.config.types import Expander

EX = Expander({}, "/home/u", "/work")

ORIGINAL = """\
# my settings
channels:   # the channels I use
  - conda-forge
  - bioconda

# keep this comment
channel_priority: flexible  # was strict
custom_channels:
  mine: https://example.org/conda
unknown_thing: 42
"""


def _doc(tmp_path, text=ORIGINAL):
    p = tmp_path / ".condarc"
    p.write_text(text)
    return R.RcDocument.load(str(p))


def test_set_scalar_keeps_everything_else(tmp_path):
    doc = _doc(tmp_path)
    R.set_key(doc, "channel_priority", "STRICT", EX)
    R.set_key(doc, "always_yes", "yes", EX)
    doc.save()
    text = (tmp_path / ".condarc").read_text()
    assert text == ORIGINAL.replace("channel_priority: flexible  # was strict",
                                    "channel_priority: strict") + "always_yes: true\n"


def test_append_prepend_remove_round_trip(tmp_path):
    doc = _doc(tmp_path)
    R.add_to_sequence(doc, "channels", ["defaults"], EX)
    R.add_to_sequence(doc, "channels", ["bioconda,first"], EX, prepend=True)
    doc.save()
    loaded = yaml.safe_load((tmp_path / ".condarc").read_text())
    assert loaded["channels"] == ["bioconda", "first", "conda-forge", "defaults"]
    text = (tmp_path / ".condarc").read_text()
    assert "# keep this comment" in text and "# my settings" in text
    assert "channel_priority: flexible  # was strict" in text
    doc = R.RcDocument.load(str(tmp_path / ".condarc"))
    assert R.remove_from_sequence(doc, "channels", "first", EX)
    assert not R.remove_from_sequence(doc, "channels", "absent", EX)
    assert doc.get("channels") == ["bioconda", "conda-forge", "defaults"]
    for c in ("bioconda", "conda-forge", "defaults"):
        assert R.remove_from_sequence(doc, "channels", c, EX)
    assert not doc.has("channels")  # an emptied list goes away
    assert yaml.safe_load(doc.text)["channel_priority"] == "flexible"


def test_remove_key_and_map_entries(tmp_path):
    doc = _doc(tmp_path)
    R.set_key(doc, "custom_channels.other", "https://other.example", EX)
    assert doc.get("custom_channels") == {"mine": "https://example.org/conda",
                                          "other": "https://other.example"}
    assert doc.block_text("custom_channels.other") == \
        "custom_channels:\n  other: https://other.example\n"
    assert R.remove_key(doc, "custom_channels.mine")
    assert R.remove_key(doc, "unknown_thing")  # unknown keys can be removed too
    assert not R.remove_key(doc, "unknown_thing")
    assert R.remove_key(doc, "channel_priority")
    assert yaml.safe_load(doc.text) == {"channels": ["conda-forge", "bioconda"],
                                        "custom_channels": {"other": "https://other.example"}}
    assert "# keep this comment" in doc.text


def test_values_are_checked(tmp_path):
    doc = _doc(tmp_path)
    with pytest.raises(ConfigValueError):
        R.set_key(doc, "download_threads", "0", EX)
    with pytest.raises(UnknownConfigKey):
        R.set_key(doc, "nope", "1", EX)
    with pytest.raises(NotRcConfigurable):
        R.set_key(doc, "dry_run", "true", EX)
    with pytest.raises(NotASequenceKey):
        R.add_to_sequence(doc, "channel_priority", ["x"], EX)
    with pytest.raises(UnknownConfigKey):
        R.set_key(doc, "channels.x", "1", EX)
    R.set_key(doc, "pkgs_dirs", "~/pkgs,/opt/pkgs", EX)
    R.set_key(doc, "ssl_verify", "~/ca.pem", EX)
    R.set_key(doc, "remote_backoff_factor", "1.5", EX)
    data = yaml.safe_load(doc.text)
    assert data["pkgs_dirs"] == ["~/pkgs", "/opt/pkgs"]  # written as given, not expanded
    assert data["ssl_verify"] == "~/ca.pem" and data["remote_backoff_factor"] == 1.5


def test_append_to_a_non_list_value_names_the_line(tmp_path):
    doc = _doc(tmp_path, "a: 1\nchannels: conda-forge\n")
    with pytest.raises(ConfigFileError) as exc:
        R.add_to_sequence(doc, "channels", ["x"], EX)
    assert exc.value.line == 2 and exc.value.key == "channels"


def test_create_missing_file_and_flow_documents(tmp_path):
    p = tmp_path / "sub" / "rc.yml"
    with pytest.raises(RcFileNotFound):
        R.RcDocument.load(str(p))
    doc = R.RcDocument.load(str(p), create=True)
    R.add_to_sequence(doc, "channels", ["a"], EX)
    doc.save()
    assert p.read_text() == "channels:\n  - a\n"
    flow = _doc(tmp_path, "{channels: [a], always_yes: true}\n")
    R.set_key(flow, "always_yes", "false", EX)
    assert yaml.safe_load(flow.text) == {"channels": ["a"], "always_yes": False}


def test_file_without_final_newline(tmp_path):
    doc = _doc(tmp_path, "always_yes: true")
    R.set_key(doc, "offline", "true", EX)
    assert doc.text == "always_yes: true\noffline: true\n"
