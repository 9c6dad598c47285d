"""Fixtures for the query tests: the real conda-forge numpy slice as a channel and as
an installed environment, and small in-memory pools."""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterable, List, Sequence

import pytest

from umm.specs.records import RepoDataRecord

SLICE = "repodata/conda-forge-numpy-linux-64.json"
CONDA_FORGE = "https://conda.anaconda.org/conda-forge/linux-64"
GOLDEN = Path(__file__).parent / "golden"


def rec(name: str, version: str = "1.0", build: str = "0", depends: Sequence[str] = (),
        channel: str = "https://example.com/chan/linux-64", build_number: int = 0,
        **extra: Any) -> RepoDataRecord:
    fn = f"{name}-{version}-{build}.conda"
    d: Dict[str, Any] = {"name": name, "version": version, "build": build,
                         "build_number": build_number, "depends": list(depends),
                         "subdir": channel.rstrip("/").rpartition("/")[2], "fn": fn,
                         "url": f"{channel}/{fn}", "channel": channel}
    d.update(extra)
    return RepoDataRecord.from_json(d)


def golden(name: str) -> str:
    return (GOLDEN / name).read_text(encoding="utf-8")


def write_channel_dir(root: Path, shared_data: Path) -> Path:
    """``root`` as a channel: the numpy slice in linux-64 and an empty noarch."""
    (root / "linux-64").mkdir(parents=True, exist_ok=True)
    (root / "noarch").mkdir(parents=True, exist_ok=True)
    (root / "linux-64" / "repodata.json").write_bytes((shared_data / SLICE).read_bytes())
    (root / "noarch" / "repodata.json").write_text(
        json.dumps({"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}}))
    return root


@pytest.fixture(scope="session")
def numpy_channel(tmp_path_factory: pytest.TempPathFactory, shared_data: Path) -> Path:
    return write_channel_dir(tmp_path_factory.mktemp("numpy-slice") / "chan", shared_data)


def slice_records(shared_data: Path) -> List[Dict[str, Any]]:
    """The slice's records as conda-forge served them (the .conda of a duplicate wins)."""
    doc = json.loads((shared_data / SLICE).read_text())
    out: Dict[str, Dict[str, Any]] = {}
    for key in ("packages", "packages.conda"):
        for fn, raw in doc[key].items():
            d = {k: v for k, v in raw.items() if v is not None}
            d.update(fn=fn, url=f"{CONDA_FORGE}/{fn}", channel=CONDA_FORGE)
            stem = fn.rsplit(".conda", 1)[0].rsplit(".tar.bz2", 1)[0]
            if key == "packages.conda" or stem not in out:
                out[stem] = d
    return list(out.values())


def write_prefix(prefix: Path, records: Iterable[Dict[str, Any]]) -> Path:
    """An environment's ``conda-meta`` holding ``records`` (as an install writes them)."""
    meta = prefix / "conda-meta"
    meta.mkdir(parents=True, exist_ok=True)
    (meta / "history").write_text("")
    for d in records:
        d = dict(d, files=[], paths_data={"paths": [], "paths_version": 1},
                 requested_spec="", link={"source": "", "type": 1})
        (meta / f"{d['name']}-{d['version']}-{d['build']}.json").write_text(json.dumps(d))
    return prefix


@pytest.fixture
def numpy_prefix(tmp_path: Path, shared_data: Path) -> Path:
    return write_prefix(tmp_path / "env", slice_records(shared_data))
