"""The rc search path and reading rc files."""
from __future__ import annotations

import pytest

from umm.config import sources as S
from umm.config.errors import ConfigFileError


def test_search_path_is_micromamba_order():
    env = {"CONDARC": "~/c.yml", "MAMBARC": "/m.yml"}
    locs = S.search_path("/h", "/r", "/t", env, system_dirs=["/etc/conda", "/var/lib/conda"])
    assert [(loc.path, loc.level) for loc in locs] == [
        ("/etc/conda/.condarc", "system"), ("/etc/conda/condarc", "system"),
        ("/etc/conda/condarc.d", "system"), ("/etc/conda/.mambarc", "system"),
        ("/var/lib/conda/.condarc", "system"), ("/var/lib/conda/condarc", "system"),
        ("/var/lib/conda/condarc.d", "system"), ("/var/lib/conda/.mambarc", "system"),
        ("/r/.condarc", "root"), ("/r/condarc", "root"), ("/r/condarc.d", "root"),
        ("/r/.mambarc", "root"),
        ("/h/.conda/.condarc", "home"), ("/h/.conda/condarc", "home"),
        ("/h/.conda/condarc.d", "home"), ("/h/.condarc", "home"), ("/h/.mambarc", "home"),
        ("/t/.condarc", "target"), ("/t/condarc", "target"), ("/t/condarc.d", "target"),
        ("/t/.mambarc", "target"),
        ("/h/c.yml", "env"), ("/m.yml", "env"),
    ]


def test_search_path_levels_and_duplicates():
    locs = S.search_path("/h", "/r", "/r", {}, system_dirs=[], upto="home")
    assert {loc.level for loc in locs} == {"root", "home"}
    # target == root: each location once, at its lowest precedence
    locs = S.search_path("/h", "/r", "/r", {}, system_dirs=[])
    assert [loc.path for loc in locs].count("/r/.condarc") == 1
    assert all(loc.level != "target" for loc in locs)
    assert not [loc for loc in S.search_path("/h", None, None, {"CONDARC": "/c"}, [],
                                             use_env_vars=False) if loc.level == "env"]


def test_condarc_d_directories_expand_sorted(tmp_path):
    d = tmp_path / "condarc.d"
    d.mkdir()
    for n in ("b.yml", "a.yaml", "notes.txt", "condarc", "c.json"):
        (d / n).write_text("x: 1\n")
    (d / "sub.yml").mkdir()
    found = S.existing_files([S.RcLocation(str(d), "system")])
    assert [loc.path.rsplit("/", 1)[1] for loc in found] == ["a.yaml", "b.yml", "condarc"]


def test_read_rc_file_lines_and_values(tmp_path):
    p = tmp_path / ".condarc"
    p.write_text("# comment\nchannels:\n  - a\n  - ${X}\nalways_yes: yes\n")
    f = S.read_rc_file(S.RcLocation(str(p), "home"), str(tmp_path),
                       lambda s: s.replace("${X}", "b"))
    assert f.valid and f.name == "~/.condarc"
    assert f.entries["channels"].value == ["a", "b"] and f.entries["channels"].line == 2
    assert f.entries["always_yes"].value is True and f.entries["always_yes"].line == 5


@pytest.mark.parametrize("text,line", [
    ("channels: [a\n", 2), ("a: 1\n b: 2\n", 2), ("- a\n- b\n", 1), ("just text\n", 1),
    ("a: 1\n\t- b\n", 2)])
def test_broken_files_name_the_line(tmp_path, text, line):
    p = tmp_path / ".condarc"
    p.write_text(text)
    with pytest.raises(ConfigFileError) as exc:
        S.read_rc_file(S.RcLocation(str(p), "home"), str(tmp_path))
    assert exc.value.path == str(p) and exc.value.line == line
    assert str(p) in str(exc.value) and "\n" not in str(exc.value)


def test_empty_and_binary_files(tmp_path):
    p = tmp_path / ".condarc"
    p.write_text("")
    assert not S.read_rc_file(S.RcLocation(str(p), "home"), "/x").valid
    p.write_bytes(b"a: 1\nb: \xff\xfe\n")
    with pytest.raises(ConfigFileError) as exc:
        S.read_rc_file(S.RcLocation(str(p), "home"), "/x")
    assert exc.value.line == 2


def test_shrink_home():
    assert S.shrink_home("/home/u/.condarc", "/home/u") == "~/.condarc"
    assert S.shrink_home("/home/user2/.condarc", "/home/u") == "/home/user2/.condarc"
