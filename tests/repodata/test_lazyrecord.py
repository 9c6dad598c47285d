"""IndexedRecord must behave exactly like umm.specs' RepoDataRecord built from JSON."""
from __future__ import annotations

import json
import pickle
from pathlib import Path
from typing import Any, Dict

import pytest

from umm.repodata import wire as W
from umm.repodata.lazyrecord import IndexedRecord, make_records
from umm.specs import MatchSpec, RepoDataRecord

PROPS = ("name", "version", "build", "build_number", "depends", "constrains", "track_features",
         "features", "noarch", "timestamp", "timestamp_ms", "md5", "sha256", "size", "license",
         "license_family", "subdir", "arch", "platform", "python_site_packages_path", "fn",
         "url", "channel", "dist_name", "extra")


def pair(entry: Dict[str, Any], fn: str = "a-1-0.conda", base: str = "https://h/c/linux-64/"):
    channel = base.rstrip("/")
    w = W.to_wire(dict(entry), fn, (base,), channel)
    (lazy,) = make_records([w])
    full = dict(W.to_json(w))
    return lazy, RepoDataRecord.from_json(full)


ENTRIES = [
    {"name": "a", "version": "1", "build": "0", "build_number": 3, "depends": ["b >=1"],
     "md5": "ab" * 16, "sha256": "cd" * 32, "size": 5, "timestamp": 1700000000,
     "license": "MIT", "subdir": "linux-64", "noarch": "python", "track_features": "x y",
     "arch": "x86_64", "platform": "linux", "custom": {"k": [1]}},
    {"name": "a", "version": "1", "build": "0", "constrains": None, "depends": None,
     "timestamp": 1700000000123, "md5": "AB" * 16, "noarch": True, "features": ["f"],
     "track_features": ["t1", "t2"], "license_family": "BSD"},
    {"name": "a", "version": "1", "build": "0"},
]


@pytest.mark.parametrize("entry", ENTRIES)
def test_same_as_a_json_record(entry: Dict[str, Any]) -> None:
    lazy, full = pair(entry)
    assert isinstance(lazy, RepoDataRecord) and isinstance(lazy, IndexedRecord)
    for prop in PROPS:
        assert getattr(lazy, prop) == getattr(full, prop), prop
    assert lazy.to_json() == full.to_json()
    assert lazy == full and hash(lazy) == hash(full)
    assert lazy.version_obj == full.version_obj
    assert lazy.get("custom") == full.get("custom") and ("md5" in lazy) == ("md5" in full)
    assert lazy.validate() is lazy
    again = pickle.loads(pickle.dumps(lazy))
    assert again == lazy and again.to_json() == lazy.to_json()
    assert str(lazy) == "a-1-0" and MatchSpec.parse("a 1.*").matches(lazy)


def test_the_json_object_is_built_only_on_demand() -> None:
    lazy, _ = pair(ENTRIES[0])
    for prop in PROPS[:-1]:
        getattr(lazy, prop)
    hash(lazy)
    with pytest.raises(AttributeError):
        RepoDataRecord.__mro__[1].__dict__["_d"].__get__(lazy, RepoDataRecord)
    assert lazy.get("custom") == {"k": [1]}  # now it exists


def test_real_repodata_records(shared_data: Path) -> None:
    doc = json.loads((shared_data / "repodata" / "conda-forge-numpy-linux-64.json").read_text())
    n = 0
    for section in ("packages", "packages.conda"):
        for fn, entry in doc[section].items():
            for key in ("depends", "constrains"):
                if key in entry and entry[key] is None:
                    entry[key] = []  # the builder normalizes null lists
            lazy, full = pair(entry, fn)
            assert lazy.to_json() == full.to_json(), fn
            for prop in PROPS:
                assert getattr(lazy, prop) == getattr(full, prop), (fn, prop)
            n += 1
    assert n > 30
