from __future__ import annotations

from umm.specs import MatchSpec, MemoryRecordSource, RecordSource, RepoDataRecord


def _rec(name: str, version: str, build: str = "0") -> RepoDataRecord:
    return RepoDataRecord(name, version, build, channel="conda-forge", subdir="noarch")


def test_memory_source_is_a_record_source() -> None:
    src = MemoryRecordSource("conda-forge", [_rec("a", "1"), _rec("a", "2"), _rec("b", "1")])
    assert isinstance(src, RecordSource)
    assert src.channel == "conda-forge"
    assert [r.version for r in src.records("a")] == ["1", "2"]
    assert src.records("zzz") == ()
    assert src.names() == ("a", "b") and len(src) == 3
    assert "3 records" in repr(src)
    spec = MatchSpec.parse("a>=2")
    assert [r.version for r in spec.filter(src.records(spec.name))] == ["2"]


def test_protocol_is_structural() -> None:
    class Lazy:
        channel = "x"

        def records(self, name):
            return ()

    assert isinstance(Lazy(), RecordSource)
    assert not isinstance(object(), RecordSource)
