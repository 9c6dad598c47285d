"""Every ``make_repodata.py --scale small`` query, through the real repodata loader.

The channel is generated once per session, served from ``file://`` and loaded with
``umm.repodata.load_channels`` (fetch into a package cache, per-name index); every
query but ``unsat`` must solve to a consistent environment, ``unsat`` must be
refuted with the explanation in ``golden/generated_unsat.txt``.
"""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any, Dict, List

import pytest

from tests.solver.support import problems
from umm.solver import SolveRequest, Unsatisfiable, solve
from umm.specs import MatchSpec

GOLDEN = Path(__file__).parent / "golden"


@pytest.fixture(scope="module")
def generated(shared_bench: Path, tmp_path_factory: pytest.TempPathFactory) -> Dict[str, Any]:
    out = tmp_path_factory.mktemp("small-channel")
    channel = out / "channel"
    subprocess.run([sys.executable, str(shared_bench / "make_repodata.py"), str(channel),
                    "--scale", "small"], check=True, capture_output=True)
    from umm.net import HttpClient, NetworkOptions
    from umm.repodata import RepodataOptions, UrlChannel, load_channels

    sources = load_channels([UrlChannel(channel.as_uri())], ["linux-64"], [out / "pkgs"],
                            HttpClient(NetworkOptions()),
                            RepodataOptions(use_sharded_repodata=False))
    queries = json.loads((channel / "queries.json").read_text())
    return {"sources": sources, "queries": queries}


QUERIES = ["python", "numpy", "stack20", "stack60", "old-python"]


@pytest.mark.parametrize("query", QUERIES)
def test_query_solves_consistently(query: str, generated: Dict[str, Any]) -> None:
    specs: List[str] = generated["queries"][query]
    sol = solve(SolveRequest(generated["sources"], specs))
    assert problems(sol.records, specs) == []
    names = {r.name for r in sol.records}
    assert {MatchSpec.parse(s).name for s in specs} <= names
    # python, and the ABI package matching it, always come along
    py = sol["python"]
    abi = sol.get("python_abi")
    if abi is not None:
        assert abi.version == ".".join(py.version.split(".")[:2])
    assert sol.stats["names"] >= len(names)


def test_requested_python_gets_its_newest_installable_build(generated: Dict[str, Any]) -> None:
    sources = generated["sources"]
    sol = solve(SolveRequest(sources, ["python 3.11.*"]))
    chosen = sol["python"]
    key = (chosen.version_obj.sort_key, chosen.build_number)
    better = [r for s in sources for r in s.records("python")
              if r.version.startswith("3.11.") and not r.track_features
              and (r.version_obj.sort_key, r.build_number) > key]
    for r in better:   # each better build really cannot be installed
        with pytest.raises(Unsatisfiable):
            solve(SolveRequest(sources, [f"python =={r.version}={r.build}"]))


def test_unsat_query_is_explained(generated: Dict[str, Any]) -> None:
    specs = generated["queries"]["unsat"]
    with pytest.raises(Unsatisfiable) as info:
        solve(SolveRequest(generated["sources"], specs))
    text = info.value.explanation
    path = GOLDEN / "generated_unsat.txt"
    if os.environ.get("UMM_UPDATE_GOLDEN") == "1":
        path.write_text(text + "\n", encoding="utf-8")
    assert text + "\n" == path.read_text(encoding="utf-8"), text
    assert set(info.value.specs) == {str(MatchSpec.parse(s)) for s in specs}
