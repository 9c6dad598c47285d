"""Fuzzing the repodata parser and record builder: only UmmErrors, never a crash."""
from __future__ import annotations

import json
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from umm.errors import UmmError
from umm.repodata.index import build_index
from umm.repodata.records import RecordBuilder
from umm.reporter import RecordingReporter

atoms = (st.none() | st.booleans() | st.integers(min_value=-10 ** 20, max_value=10 ** 20)
         | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30))
anything = st.recursive(atoms, lambda inner: st.lists(inner, max_size=4)
                        | st.dictionaries(st.text(max_size=8), inner, max_size=4), max_leaves=12)
names = st.sampled_from(["a", "b", "python", "ü", ""]) | st.text(max_size=6)
field_values = {
    "name": names | anything, "version": st.sampled_from(["1.0", "1..0", "", "2!x"]) | anything,
    "build": st.text(max_size=10) | anything, "build_number": st.integers() | anything,
    "depends": st.lists(st.text(max_size=12), max_size=4) | anything,
    "constrains": st.lists(st.text(max_size=12), max_size=3) | anything,
    "track_features": st.text(max_size=10) | anything, "timestamp": st.integers() | anything,
    "md5": anything, "sha256": anything, "size": anything, "noarch": anything,
}
records = st.fixed_dictionaries({}, optional=field_values) | anything
sections = st.dictionaries(st.text(max_size=20), records, max_size=6) | anything
documents = st.fixed_dictionaries({}, optional={
    "packages": sections, "packages.conda": sections, "info": anything,
    "repodata_version": anything, "removed": anything})


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])
@given(doc=documents, mangle=st.integers(min_value=0, max_value=3), cut=st.integers(0, 400))
def test_fuzzed_repodata_never_crashes(tmp_path: Path, doc: dict, mangle: int, cut: int) -> None:
    data = json.dumps(doc).encode()
    if mangle == 1:
        data = data[:cut]
    elif mangle == 2:
        data = data[:cut] + b"\x00\xff{[" + data[cut:]
    p = tmp_path / "r.json"
    p.write_bytes(data)
    rep = RecordingReporter()
    builder = RecordBuilder("fuzz", "linux-64", "https://h/fuzz/linux-64", {}, True, rep)
    try:
        idx = build_index(p, tmp_path / "r.idx", builder)
    except UmmError:
        return
    import os

    fd = os.open(idx.path, os.O_RDONLY)
    try:
        for name in idx.names:
            problems, count = idx.problems(name)
            for r in builder.to_records(name, idx.wire(fd, name), problems, count):
                assert isinstance(r.name, str) and isinstance(r.version, str)
                assert all(isinstance(d, str) for d in r.depends)
                assert r.url.startswith("https://h/") and r.to_json()["fn"] == r.fn
    finally:
        os.close(fd)

