"""Data-driven MatchSpec cases: tests/specs/data/matchspecs.yaml (see its header)."""
from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Dict, List

import pytest
import yaml

from umm.specs import InvalidMatchSpec, MatchSpec, RepoDataRecord
from umm.specs.matchspec import FIELDS

DATA = Path(__file__).parent / "data"
CASES: List[Dict[str, Any]] = yaml.safe_load((DATA / "matchspecs.yaml").read_text())
RECORDS_RAW: Dict[str, Dict[str, Any]] = yaml.safe_load(
    (DATA / "matchspec_records.yaml").read_text())
GOOD = [c for c in CASES if "error" not in c]
BAD = [c for c in CASES if "error" in c]


@pytest.fixture(scope="module")
def records() -> Dict[str, RepoDataRecord]:
    out = {}
    for key, fields in RECORDS_RAW.items():
        for f in ("name", "version", "build"):
            assert isinstance(fields[f], str), (key, f)  # unquoted YAML numbers
        out[key] = RepoDataRecord.from_json(dict(fields)).validate()
    return out


def _field_text(spec: MatchSpec, field: str) -> Any:
    value = getattr(spec, field)
    if value is None:
        return None
    if field in ("track_features", "features"):
        return " ".join(value)
    return str(value)


def test_table_is_big_enough() -> None:
    assert len(GOOD) >= 200
    assert len(BAD) >= 25
    assert len({c["spec"] for c in CASES}) == len(CASES), "duplicate spec in the table"


@pytest.mark.parametrize("case", GOOD, ids=[c["spec"] for c in GOOD])
def test_case(case: Dict[str, Any], records: Dict[str, RepoDataRecord]) -> None:
    if case.get("posix_only") and os.name == "nt":
        pytest.skip("POSIX path")
    spec = MatchSpec.parse(case["spec"])
    expected = case["fields"]
    for field in FIELDS:
        assert _field_text(spec, field) == expected.get(field), field
    text = str(spec)
    assert text == case["str"]
    again = MatchSpec.parse(text)
    assert again == spec and hash(again) == hash(spec)
    assert str(again) == text
    for key in case["match"]:
        assert spec.matches(records[key]), f"should match {key}"
        assert spec.matches(records[key].to_json()), f"dict form should match {key}"
    for key in case["nomatch"]:
        assert not spec.matches(records[key]), f"should not match {key}"


@pytest.mark.parametrize("case", BAD, ids=[c["spec"] or "<empty>" for c in BAD])
def test_error(case: Dict[str, Any]) -> None:
    with pytest.raises(InvalidMatchSpec) as info:
        MatchSpec.parse(case["spec"])
    err = info.value
    message = str(err)
    assert case["error"] in message
    assert "\n" not in message
    assert message.startswith(f"invalid match spec '{case['spec']}'")
    assert err.text == case["spec"]
    assert isinstance(err, ValueError)
