"""The error tree and the lazy package interface."""
from __future__ import annotations

import pickle
import subprocess
import sys

import pytest

import umm.specs
from umm.errors import UmmError
from umm.specs import errors as E


@pytest.mark.parametrize("cls,kind", [
    (E.InvalidVersion, "version"), (E.InvalidVersionSpec, "version spec"),
    (E.InvalidMatchSpec, "match spec"), (E.InvalidChannel, "channel"),
    (E.InvalidPlatform, "platform"), (E.InvalidRecord, "record"),
])
def test_error_tree(cls, kind: str) -> None:
    err = cls("bad text", "because", 2)
    assert isinstance(err, E.SpecError) and isinstance(err, UmmError)
    assert isinstance(err, ValueError)
    assert str(err) == f"invalid {kind} 'bad text': because"
    assert (err.text, err.reason, err.position) == ("bad text", "because", 2)
    again = pickle.loads(pickle.dumps(err))
    assert type(again) is cls and str(again) == str(err) and again.position == 2
    assert err.exit_code == 1


def test_record_error_field() -> None:
    err = E.InvalidRecord("a-1-0", "bad", field="md5")
    assert pickle.loads(pickle.dumps(err)).field == "md5"


def test_public_names() -> None:
    for name in umm.specs.__all__:
        assert getattr(umm.specs, name) is not None
    with pytest.raises(AttributeError):
        umm.specs.NoSuchThing  # noqa: B018
    assert "MatchSpec" in dir(umm.specs)


def test_import_is_lazy() -> None:
    code = ("import sys, umm.specs; "
            "print(sorted(m for m in sys.modules if m.startswith('umm.specs.')))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, cwd=str(__import__('pathlib').Path(__file__).parents[2]))
    assert out.stdout.strip() == "[]"
