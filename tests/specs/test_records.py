"""Records: exact JSON round trip of real repodata and conda-meta objects, lazy fields."""
from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any, Dict, List, Tuple

import pytest

from umm.specs import (InvalidRecord, PackageRecord, PrefixRecord, RepoDataRecord, Version)

REPODATA = ["conda-forge-numpy-linux-64.json", "pytorch-linux-64.json", "r-linux-64.json"]


def _entries(shared_data: Path, name: str) -> List[Tuple[str, Dict[str, Any]]]:
    data = json.loads((shared_data / "repodata" / name).read_text())
    return [(fn, e) for key in ("packages", "packages.conda") for fn, e in data.get(key, {}).items()]


@pytest.mark.parametrize("name", REPODATA)
def test_real_repodata_round_trip(shared_data: Path, name: str) -> None:
    entries = _entries(shared_data, name)
    assert entries
    for fn, entry in entries:
        original = json.dumps(entry)
        for cls in (PackageRecord, RepoDataRecord, PrefixRecord):
            rec = cls.from_json(json.loads(original))
            assert json.dumps(rec.to_json()) == original  # keys, order, nulls, types
        rec = RepoDataRecord.from_repodata(entry, fn, f"https://x.org/c/linux-64/{fn}", "c")
        assert rec.fn == fn and rec.channel == "c"
        out = rec.to_json()
        assert {k: v for k, v in out.items() if k not in ("fn", "url", "channel")} == \
            {k: v for k, v in entry.items() if k not in ("fn", "url", "channel")}
        rec.validate()
        assert isinstance(rec.version_obj, Version)
        assert rec.dist_name == f"{entry['name']}-{entry['version']}-{entry['build']}"
        assert fn.startswith(rec.dist_name)
        assert json.dumps(entry) == original  # the entry was not modified


def test_fields_of_a_real_record(shared_data: Path) -> None:
    entries = dict(_entries(shared_data, "conda-forge-numpy-linux-64.json"))
    entry = entries["numpy-1.26.4-py312head63a1_0.conda"]
    rec = RepoDataRecord.from_repodata(entry, "numpy-1.26.4-py312head63a1_0.conda",
                                       "https://conda.anaconda.org/conda-forge/linux-64/"
                                       "numpy-1.26.4-py312head63a1_0.conda", "conda-forge")
    assert rec.name == "numpy" and rec.version == "1.26.4" and rec.build_number == 0
    assert rec.version_obj == Version.parse("1.26.4")
    assert rec.depends[0] == "libgcc-ng >=12" and isinstance(rec.depends, tuple)
    assert rec.constrains == ("numpy-base <0a0",)
    assert rec.track_features == () and rec.get("track_features") == ""
    assert rec.md5 == "d8285bea2a350f63fab23bf460221f3f" and rec.size == 7484186
    assert rec.timestamp == 1707225809 and rec.timestamp_ms == 1707225809000
    assert rec.subdir == "linux-64" and rec.license == "BSD-3-Clause"
    assert rec.extra == {"build_string": "py312head63a1_0"}
    assert rec.noarch is None
    with pytest.raises(AttributeError):
        rec.name = "scipy"  # type: ignore[misc]


def test_nulls_kept(shared_data: Path) -> None:
    nulls = [(fn, e) for fn, e in _entries(shared_data, "conda-forge-numpy-linux-64.json")
             if any(v is None for v in e.values())]
    assert nulls, "the slice is documented to contain nulls"
    for _fn, e in nulls:
        rec = PackageRecord.from_json(dict(e))
        assert rec.to_json() == e
        for key, value in e.items():
            if value is None:
                assert key in rec.to_json() and rec.to_json()[key] is None


def test_track_features_forms() -> None:
    s = PackageRecord.from_json({"name": "a", "version": "1", "build": "0",
                                 "track_features": "mkl debug"})
    assert s.track_features == ("mkl", "debug")
    assert s.to_json()["track_features"] == "mkl debug"
    lst = PackageRecord.from_json({"name": "a", "version": "1", "build": "0",
                                   "track_features": ["mkl"], "features": "blas,x"})
    assert lst.track_features == ("mkl",) and lst.to_json()["track_features"] == ["mkl"]
    assert lst.features == ("blas", "x")


def test_timestamps() -> None:
    def ts(value: Any) -> PackageRecord:
        return PackageRecord.from_json({"name": "a", "version": "1", "build": "0",
                                        "timestamp": value})
    assert ts(1578324546).timestamp_ms == 1578324546000  # seconds (old records)
    assert ts(1707225809123).timestamp_ms == 1707225809123  # milliseconds
    assert ts(1707225809123).timestamp == 1707225809123
    assert ts(None).timestamp_ms == 0


def test_noarch_forms() -> None:
    def na(value: Any) -> PackageRecord:
        return PackageRecord.from_json({"name": "a", "version": "1", "build": "0",
                                        "noarch": value})
    assert na("python").noarch == "python"
    assert na("generic").noarch == "generic"
    assert na(True).noarch == "generic"
    assert na(None).noarch is None and na(False).noarch is None


def test_keyword_construction() -> None:
    rec = RepoDataRecord("zlib", "1.2.11", "h7b6447c_3", 3, ["libgcc-ng >=7.3.0"],
                         url="https://repo.anaconda.com/pkgs/main/linux-64/zlib-1.2.11-h7b6447c_3.conda",
                         channel="https://repo.anaconda.com/pkgs/main", subdir="linux-64",
                         md5="1f6d87ab0ad5bd7a08cd9e68bd7a5e04", timestamp=1593106946)
    assert rec.fn == "zlib-1.2.11-h7b6447c_3.conda"
    d = rec.to_json()
    assert list(d)[:5] == ["name", "version", "build", "build_number", "depends"]
    assert RepoDataRecord.from_json(d).to_json() == d
    assert rec == RepoDataRecord.from_json(d) and hash(rec) == hash(RepoDataRecord.from_json(d))
    assert PackageRecord("a", "1", "0").fn == "a-1-0.tar.bz2"


def test_to_json_is_a_copy() -> None:
    rec = PackageRecord.from_json({"name": "a", "version": "1", "build": "0", "depends": ["b"]})
    out = rec.to_json()
    out["depends"].append("c")
    out["name"] = "z"
    assert rec.depends == ("b",) and rec.to_json()["depends"] == ["b"] and rec.name == "a"


@pytest.mark.parametrize("d,field", [
    ({"version": "1", "build": "0"}, "name"),
    ({"name": "a", "build": "0"}, "version"),
    ({"name": "a", "version": "1"}, "build"),
])
def test_missing_required(d: Dict[str, Any], field: str) -> None:
    with pytest.raises(InvalidRecord) as info:
        PackageRecord.from_json(d)
    assert info.value.field == field and field in str(info.value)


@pytest.mark.parametrize("changes,field", [
    ({"name": ""}, "name"), ({"version": "1..2"}, "version"), ({"build_number": "3"}, "build_number"),
    ({"build_number": -1}, "build_number"), ({"depends": "b"}, "depends"),
    ({"depends": [1]}, "depends"), ({"size": -5}, "size"), ({"md5": "xyz"}, "md5"),
    ({"sha256": "ab"}, "sha256"), ({"track_features": 3}, "track_features"),
])
def test_validate_is_lazy_and_names_the_field(changes: Dict[str, Any], field: str) -> None:
    d = {"name": "a", "version": "1.0", "build": "0", "build_number": 0, "depends": []}
    d.update(changes)
    rec = PackageRecord.from_json(d)  # cheap construction does not validate
    with pytest.raises(InvalidRecord) as info:
        rec.validate()
    assert info.value.field == field
    assert "\n" not in str(info.value)


def test_not_an_object() -> None:
    with pytest.raises(InvalidRecord):
        PackageRecord.from_json(["a"])  # type: ignore[arg-type]


CONDA_META = {
    "arch": "x86_64", "build": "h7b6447c_3", "build_number": 3,
    "channel": "https://repo.anaconda.com/pkgs/main/linux-64", "constrains": [],
    "depends": ["libgcc-ng >=7.3.0"],
    "extracted_package_dir": "/home/u/micromamba/pkgs/zlib-1.2.11-h7b6447c_3",
    "files": ["include/zconf.h", "include/zlib.h", "lib/libz.so", "lib/libz.so.1",
              "lib/pkgconfig/zlib.pc"],
    "fn": "zlib-1.2.11-h7b6447c_3.tar.bz2", "license": "Zlib",
    "link": {"source": "/home/u/micromamba/pkgs/zlib-1.2.11-h7b6447c_3", "type": 1},
    "md5": "1f6d87ab0ad5bd7a08cd9e68bd7a5e04", "name": "zlib",
    "package_tarball_full_path": "/home/u/micromamba/pkgs/zlib-1.2.11-h7b6447c_3.tar.bz2",
    "paths_data": {"paths": [
        {"_path": "include/zconf.h", "path_type": "hardlink",
         "sha256": "77304005ceb5f0d03ad4c37eb8386a10866e4ceeb204f7c3b6599834c7319541",
         "size_in_bytes": 16262},
        {"_path": "lib/libz.so", "path_type": "softlink", "size_in_bytes": 13},
        {"_path": "lib/pkgconfig/zlib.pc", "file_mode": "text", "path_type": "hardlink",
         "prefix_placeholder": "/opt/anaconda1anaconda2anaconda3",
         "sha256": "357e1c9b6f0a54ab9b0b2d9b3b0aeb7d58b7a0e6c2b5e6e4f3d5b0b6fd57e7a1",
         "size_in_bytes": 262}], "paths_version": 1},
    "platform": "linux", "requested_spec": "zlib", "sha256": None, "size": 108522,
    "subdir": "linux-64", "timestamp": 1593106946,
    "url": "https://repo.anaconda.com/pkgs/main/linux-64/zlib-1.2.11-h7b6447c_3.tar.bz2",
    "version": "1.2.11", "some_future_key": {"nested": [1, None]},
}


def test_prefix_record_round_trip() -> None:
    text = json.dumps(CONDA_META, indent=2, sort_keys=True)
    rec = PrefixRecord.from_json(json.loads(text))
    assert json.dumps(rec.to_json(), indent=2, sort_keys=True) == text
    assert list(rec.to_json()) == list(json.loads(text))
    assert rec.files[1] == "include/zlib.h" and len(rec.paths) == 3
    assert rec.paths[2]["prefix_placeholder"] == "/opt/anaconda1anaconda2anaconda3"
    assert rec.link == {"source": "/home/u/micromamba/pkgs/zlib-1.2.11-h7b6447c_3", "type": 1}
    assert rec.requested_spec == "zlib" and rec.requested_specs == ("zlib",)
    assert rec.package_tarball_full_path.endswith(".tar.bz2")
    assert rec.extracted_package_dir.endswith("h7b6447c_3")
    assert rec.conda_meta_filename == "zlib-1.2.11-h7b6447c_3.json"
    assert rec.sha256 is None and rec.extra == {"some_future_key": {"nested": [1, None]}}
    assert rec.paths_data["paths_version"] == 1


def test_prefix_record_from_repodata_record() -> None:
    repo = RepoDataRecord.from_json({k: v for k, v in CONDA_META.items()
                                     if k not in ("files", "paths_data", "link",
                                                  "requested_spec", "extracted_package_dir",
                                                  "package_tarball_full_path")})
    pref = PrefixRecord.from_repodata_record(repo, files=("a", "b"), requested_spec="zlib 1.2.*",
                                             link={"source": "/x", "type": 1})
    assert isinstance(pref, PrefixRecord) and pref.files == ("a", "b")
    assert pref.to_json()["files"] == ["a", "b"]
    assert pref == repo  # same package identity (channel, subdir, name, version, build)


def test_pickle() -> None:
    rec = RepoDataRecord.from_repodata({"name": "a", "version": "1", "build": "0"}, "a-1-0.conda",
                                       "https://x/noarch/a-1-0.conda", "x")
    again = pickle.loads(pickle.dumps(rec))
    assert again == rec and again.url == rec.url and again.fn == "a-1-0.conda"
    pref = PrefixRecord.from_json(dict(CONDA_META))
    assert pickle.loads(pickle.dumps(pref)).to_json() == pref.to_json()


def test_repr() -> None:
    assert repr(PackageRecord("a", "1", "0")) == "PackageRecord('a-1-0')"
    assert str(PrefixRecord.from_json(dict(CONDA_META))) == "zlib-1.2.11-h7b6447c_3"
