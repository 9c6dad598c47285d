"""The transaction table and micromamba's --json actions."""
from __future__ import annotations

from umm.ui.transaction import (DOWNGRADE, INSTALL, REINSTALL, REMOVE, UPGRADE, classify,
                                human_size, json_actions, render)


def _r(name: str, version: str, build: str = "0", channel: str = "conda-forge", **kw):
    return dict(name=name, version=version, build=build, channel=channel, **kw)


def test_classify_groups() -> None:
    old = [_r("a", "1.0"), _r("b", "2.0"), _r("c", "1.10"), _r("d", "1.0")]
    new = [_r("a", "1.2"), _r("b", "1.9"), _r("c", "1.10"), _r("e", "0.1")]
    kinds = {c.name: c.kind for c in classify(old, new)}
    assert kinds == {"a": UPGRADE, "b": DOWNGRADE, "c": REINSTALL, "d": REMOVE, "e": INSTALL}
    # version order, not text order
    assert classify([_r("x", "1.9")], [_r("x", "1.10")])[0].kind == UPGRADE


def test_render_table_and_totals() -> None:
    changes = classify([_r("zlib", "1.2.11", "h7b6447c_3", size=5)],
                       [_r("zlib", "1.2.13", "hd590300_5", size=92_000),
                        _r("tool", "3", "h1", "file:///srv/ch/linux-64", subdir="linux-64", size=1_500_000)])
    text = render(changes, "/envs/demo", ["zlib"], cached=lambda r: r["name"] == "tool")
    lines = text.splitlines()
    assert "  Prefix: /envs/demo" in lines and "   - zlib" in lines
    header = next(ln for ln in lines if ln.strip().startswith("Package"))
    assert header.split() == ["Package", "Version", "Build", "Channel", "Size"]
    plus = next(ln for ln in lines if ln.startswith("  + zlib"))
    assert plus.split() == ["+", "zlib", "1.2.13", "hd590300_5", "conda-forge", "92kB"]
    assert next(ln for ln in lines if ln.startswith("  + tool")).split()[-2:] == ["file:///srv/ch", "Cached"]
    assert "  - zlib" in text and "  Upgrade: 1 packages" in lines and "  Install: 1 packages" in lines
    assert "  Total download: 92kB" in lines
    # columns line up: the version column ends at the same place on every row
    rows = [ln for ln in lines if ln.startswith(("  + ", "  - "))]
    ends = {ln.index(ln.split()[2]) + len(ln.split()[2]) for ln in rows}
    assert len(ends) == 1


def test_nothing_to_do() -> None:
    assert "All requested packages already installed" in render([], "/p", ["zlib"])


def test_human_size() -> None:
    assert human_size(0) == "0B" and human_size(999) == "999B"
    assert human_size(106_000) == "106kB" and human_size(3_200_000) == "3MB"
    assert human_size(3_200_000, 2) == "3.20MB"


def test_json_actions_shape() -> None:
    new = _r("zlib", "1.2.13", "hd590300_5", subdir="linux-64", build_number=5,
             url="https://conda.anaconda.org/conda-forge/linux-64/zlib-1.2.13-hd590300_5.conda")
    doc = json_actions("/p", [_r("zlib", "1.2.11", "h7b6447c_3")], [new], [new])
    assert set(doc) == {"FETCH", "LINK", "UNLINK", "PREFIX"} and doc["PREFIX"] == "/p"
    link = doc["LINK"][0]
    assert link == {"base_url": "https://conda.anaconda.org/conda-forge", "build_number": 5,
                    "build_string": "hd590300_5", "channel": "conda-forge",
                    "dist_name": "zlib-1.2.13-hd590300_5", "name": "zlib",
                    "platform": "linux-64", "version": "1.2.13"}
    assert doc["FETCH"][0]["url"].endswith(".conda")
    assert "UNLINK" not in json_actions("/p", [], [new])
