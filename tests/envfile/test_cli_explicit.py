"""@EXPLICIT files through the CLI: `list --explicit` re-creates the env exactly."""
from __future__ import annotations

from tests.envfile.conftest import Umm, comparable, record_diff


def test_explicit_export_recreates_identical_records(umm: Umm) -> None:
    umm("create", "-n", "one", "app", "python", "-y")
    exp = umm("list", "-n", "one", "--explicit", "--md5").stdout
    assert exp.splitlines()[3] == "@EXPLICIT"
    path = umm.env.home / "one.txt"
    path.write_text(exp)
    before = umm.records("one")
    assert len(before) == 5  # app libb liba python pip
    umm("env", "remove", "-n", "one", "-y")
    assert not umm.prefix("one").exists()
    proc = umm("create", "-n", "one", "-f", str(path), "-y")
    assert "Transaction finished" in proc.stdout
    after = umm.records("one")
    assert not record_diff(comparable(before), comparable(after))
