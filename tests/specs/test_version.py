"""Version: conda's split on every real version, ordering, hashing, errors."""
from __future__ import annotations

import json
import random
from functools import cmp_to_key
from pathlib import Path
from typing import List, Tuple

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umm.specs import InvalidVersion, Version
from umm.specs.version import _eq_parts


def _load_parsed(shared_data: Path) -> List[Tuple[str, list]]:
    out = []
    for line in (shared_data / "versions" / "parsed_versions.txt").read_text().splitlines():
        if not line or line.startswith("#"):
            continue
        text, _, parts = line.partition("=")
        out.append((text, json.loads(parts.replace("'", '"').replace("inf", "Infinity"))))
    return out


@pytest.fixture(scope="module")
def parsed(shared_data: Path) -> List[Tuple[str, list]]:
    return _load_parsed(shared_data)


@pytest.fixture(scope="module")
def real_versions(shared_data: Path) -> List[str]:
    return (shared_data / "versions" / "versions.txt").read_text().splitlines()


def test_every_real_version_splits_like_conda(parsed: List[Tuple[str, list]]) -> None:
    assert len(parsed) == 28530
    bad = [(t, exp) for t, exp in parsed if [list(p) for p in Version.parse(t).parts] != exp]
    assert not bad, bad[:5]


def test_every_real_version_parses(real_versions: List[str]) -> None:
    assert len(real_versions) == 28530
    for text in real_versions:
        v = Version.parse(text)
        assert str(v) == text
        assert v == Version(text)  # a fresh, uncached parse agrees


# conda's own ordering test (tests/models/test_version.py), in increasing order
CONDA_ORDER = """0.4 0.4.0 0.4.1a.vc11 0.4.1.rc 0.4.1.vc11 0.4.1 0.5* 0.5a1 0.5b3 0.5C1 0.5z 0.5za
0.5 0.5_5 0.5-5 0.9.6 0.960923 1.0 1.0.4a3 1.0.4b1 1.0.4 1.1dev1 1.1_ 1.1a1 1.1.dev1 1.1.a1
1.1 1.1.post1 1.1.1dev1 1.1.1rc1 1.1.1 1.1.1post1 1.1post1 2g6 2.0b1pr0 2.2be.ta29 2.2be5ta29
2.2beta29 2.2.0.1 3.1.1.6 3.2.p.r0 3.2.pr0 3.2.pr.1 5.5.kw 11g 14.3.1 14.3.1.post26.g9d75ca2
1996.07.12 1!0.4.1 1!3.1.1.6 2!0.4.1""".split()

OPENSSL_ORDER = ("1.0.1dev 1.0.1_ 1.0.1a 1.0.1b 1.0.1c 1.0.1d 1.0.1r 1.0.1rc 1.0.1rc1 1.0.1rc2 "
                 "1.0.1s 1.0.1 1.0.1post.a 1.0.1post.b 1.0.1post.z 1.0.1post.za 1.0.2").split()

PEP440_ORDER = """1.0a1 1.0a2.dev456 1.0a12.dev456 1.0a12 1.0b1.dev456 1.0b2 1.0b2.post345.dev456
1.0b2.post345 1.0c1.dev456 1.0c1 1.0c3 1.0rc2 1.0.dev456 1.0 1.0.post456.dev34 1.0.post456
1.1.dev1 1.2.r32+123456 1.2.rev33+123456 1.2+abc 1.2+abc123def 1.2+abc123 1.2+123abc
1.2+123abc456 1.2+1234.abc 1.2+123456 1!1.0a1 1!1.0a2.dev456 1!1.0a12.dev456 1!1.0a12
1!1.0b1.dev456 1!1.0b2 1!1.0b2.post345.dev456 1!1.0b2.post345 1!1.0c1.dev456 1!1.0c1 1!1.0c3
1!1.0rc2 1!1.0.dev456 1!1.0 1!1.0.post456.dev34 1!1.0.post456 1!1.1.dev1 1!1.2.r32+123456
1!1.2.rev33+123456 1!1.2+abc 1!1.2+abc123def 1!1.2+abc123 1!1.2+123abc 1!1.2+123abc456
1!1.2+1234.abc 1!1.2+123456""".split()


@pytest.mark.parametrize("ordered", [CONDA_ORDER, OPENSSL_ORDER, PEP440_ORDER,
                                     ["0.3.0.dev", "0.3.3"]])
def test_sorted_like_conda(ordered: List[str]) -> None:
    versions = [Version.parse(v) for v in ordered]
    shuffled = versions[:]
    random.Random(4).shuffle(shuffled)
    assert sorted(shuffled) == versions
    assert sorted(shuffled, key=lambda v: v.sort_key) == versions
    for a, b in zip(versions, versions[1:]):
        assert a <= b and b >= a
        assert (a < b) == (a != b)


def test_conda_splits() -> None:
    assert [list(p) for p in Version.parse("1.1dev1").parts] == [[0], [1], [1, "DEV", 1]]
    assert [list(p) for p in Version.parse("1.1_").parts] == [[0], [1], [1, "_"]]
    assert [list(p) for p in Version.parse("1.1.post1").parts] == [[0], [1], [1],
                                                                    [0, float("inf"), 1]]
    assert [list(p) for p in Version.parse("0.5-5").parts] == [[0], [0], [5], [5]]
    assert [list(p) for p in Version.parse("1!3.1.1.6").parts] == [[1], [3], [1], [1], [6]]
    v = Version.parse("1.2.3+4.5_6")
    assert v.local == ((4,), (5,), (6,)) and v.has_local and v.epoch == 0
    assert Version.parse("2!1.0").epoch == 2
    assert Version.parse("1.0-2").normalized == "1.0_2"
    assert Version.parse("1.0.RC1").normalized == "1.0.rc1"


def test_equality_padding_and_case() -> None:
    assert Version.parse("0.4") == Version.parse("0.4.0")
    assert Version.parse("0.4") != Version.parse("0.4.1")
    assert Version.parse("0.4.a1") == Version.parse("0.4.0a1")
    assert Version.parse("0.4.a1") != Version.parse("0.4.1a1")
    assert Version.parse("  0.4.rc  ") == Version.parse("0.4.RC")
    assert Version.parse("1.0") == Version.parse("1.0.0.0")
    assert Version.parse("1.0+0") == Version.parse("1.0")
    assert Version.parse("0!1.0") == Version.parse("1.0")
    assert hash(Version.parse("1.0")) == hash(Version.parse("1.0.0"))
    assert len({Version.parse(x) for x in ("1", "1.0", "1.0.0", "01.0")}) == 1


def test_str_is_original_text() -> None:
    for text in ("1.0-2", "1.0.RC1", "2!1.0", "1.2.3+abc", "1.0_"):
        assert str(Version.parse(text)) == text
        assert repr(Version.parse(text)) == f"Version('{text}')"


def test_parse_cache() -> None:
    assert Version.parse("4.5.6") is Version.parse("4.5.6")
    v = Version.parse("4.5.7")
    assert Version.parse(v) is v


def test_immutable() -> None:
    v = Version.parse("1.2")
    with pytest.raises(AttributeError):
        v.epoch = 3  # type: ignore[misc]
    with pytest.raises(AttributeError):
        v.other = 1  # type: ignore[attr-defined]


def test_startswith() -> None:
    V = Version.parse
    assert V("0.4.1").startswith(V("0"))
    assert V("0.4.1").startswith(V("0.4"))
    assert V("0.4.1p1").startswith(V("0.4"))
    assert V("0.4.1p1").startswith(V("0.4.1p"))
    assert not V("0.4.1p1").startswith(V("0.4.1q1"))
    assert not V("0.4").startswith(V("0.4.1"))
    assert V("0.4.1+1.3").startswith(V("0.4.1"))
    assert V("0.4.1+1.3").startswith(V("0.4.1+1"))
    assert not V("0.4.1").startswith(V("0.4.1+1.3"))
    assert not V("0.4.1+1").startswith(V("0.4.1+1.3"))
    assert V("1.0").startswith(V("1.0.0"))
    assert V("2013ab").startswith(V("2013a"))


def test_compatible_with() -> None:
    V = Version.parse
    assert V("1.11.0").compatible_with(V("1.10"))
    assert not V("1.11.0").compatible_with(V("1.10.0"))
    assert V("3.3.3").compatible_with(V("3.3.2"))
    assert not V("3.3.1").compatible_with(V("3.3.2"))
    assert not V("3.4.0").compatible_with(V("3.3.2"))
    with pytest.raises(InvalidVersion):
        V("2.0").compatible_with(V("2"))


@pytest.mark.parametrize("text,reason", [
    ("", "empty version string"), ("  ", "empty version string"),
    ("3.5&1", "invalid character"), ("5.5++", "duplicated local version separator"),
    ("5.5..mw", "empty version component"), ("!", "epoch must be an integer"),
    ("a!1.0", "epoch must be an integer"), ("a!b!1.0", "duplicated epoch separator"),
    ("1.2+", "empty version component"), ("+1.2", "missing version before local"),
    ("1-2_3", "invalid character"), ("1.0 2", "invalid character"), ("1!", "missing version"),
])
def test_invalid(text: str, reason: str) -> None:
    with pytest.raises(InvalidVersion) as info:
        Version.parse(text)
    assert reason in info.value.reason
    assert str(info.value) == f"invalid version '{text}': {info.value.reason}"
    assert isinstance(info.value, ValueError)


def test_not_a_string() -> None:
    with pytest.raises(InvalidVersion):
        Version.parse(1.5)  # type: ignore[arg-type]


# -- properties ---------------------------------------------------------------------------
def _conda_cmp(a: Version, b: Version) -> int:
    """conda's VersionOrder.__lt__/__eq__, written out on the component lists."""
    for t1, t2 in ((a.parts, b.parts), (a.local, b.local)):
        for i in range(max(len(t1), len(t2))):
            v1 = t1[i] if i < len(t1) else ()
            v2 = t2[i] if i < len(t2) else ()
            for j in range(max(len(v1), len(v2))):
                c1 = v1[j] if j < len(v1) else 0
                c2 = v2[j] if j < len(v2) else 0
                if c1 == c2:
                    continue
                if isinstance(c1, str) and not isinstance(c2, str):
                    return -1
                if isinstance(c2, str) and not isinstance(c1, str):
                    return 1
                return -1 if c1 < c2 else 1
    return 0


_component = st.one_of(
    st.integers(0, 30).map(str),
    st.sampled_from(["a", "b", "rc", "dev", "post", "alpha", "z", "*"]),
)
_part = st.lists(_component, min_size=1, max_size=3).map("".join)
version_text = st.builds(
    lambda epoch, parts, local: (f"{epoch}!" if epoch else "") + ".".join(parts)
    + ("+" + ".".join(local) if local else ""),
    st.sampled_from([None, None, None, 1, 2]),
    st.lists(_part, min_size=1, max_size=5),
    st.one_of(st.just([]), st.lists(_part, min_size=1, max_size=2)),
)


@settings(max_examples=150, deadline=None)
@given(version_text, version_text)
def test_order_matches_conda_reference(a: str, b: str) -> None:
    va, vb = Version.parse(a), Version.parse(b)
    c = _conda_cmp(va, vb)
    assert (va < vb) == (c < 0)
    assert (va == vb) == (c == 0)
    assert (va == vb) == (_eq_parts(va.parts, vb.parts) and _eq_parts(va.local, vb.local))
    if va == vb:
        assert hash(va) == hash(vb)
    assert (va < vb) + (va == vb) + (va > vb) == 1  # trichotomy


@settings(max_examples=80, deadline=None)
@given(st.lists(version_text, min_size=3, max_size=6))
def test_total_order_transitive(texts: List[str]) -> None:
    vs = [Version.parse(t) for t in texts]
    ordered = sorted(vs)
    for i in range(len(ordered)):
        for j in range(i, len(ordered)):
            assert ordered[i] <= ordered[j]
            assert not ordered[j] < ordered[i]
    assert ordered == sorted(vs, key=cmp_to_key(_conda_cmp))


@settings(max_examples=200, deadline=None)
@given(version_text)
def test_str_round_trip(text: str) -> None:
    v = Version.parse(text)
    assert str(v) == text
    assert Version.parse(str(v)) == v


def test_real_versions_total_order_sample(real_versions: List[str]) -> None:
    rng = random.Random(11)
    sample = [Version.parse(t) for t in rng.sample(real_versions, 400)]
    by_key = sorted(sample)
    by_conda = sorted(sample, key=cmp_to_key(_conda_cmp))
    assert [v.sort_key for v in by_key] == [v.sort_key for v in by_conda]
    for a, b in zip(by_key, by_key[1:]):
        assert _conda_cmp(a, b) <= 0


def _conda_startswith(self: Version, other: Version) -> bool:
    """conda's VersionOrder.startswith, transcribed on the component lists."""
    def eq(t1, t2) -> bool:
        for i in range(max(len(t1), len(t2))):
            v1 = t1[i] if i < len(t1) else ()
            v2 = t2[i] if i < len(t2) else ()
            for j in range(max(len(v1), len(v2))):
                if (v1[j] if j < len(v1) else 0) != (v2[j] if j < len(v2) else 0):
                    return False
        return True

    if other.local:
        if not eq(self.parts, other.parts):
            return False
        t1, t2 = self.local, other.local
    else:
        t1, t2 = self.parts, other.parts
    nt = len(t2) - 1
    if not eq(t1[:nt], t2[:nt]):
        return False
    v1 = t1[nt] if len(t1) > nt else ()
    v2 = t2[nt]
    nc = len(v2) - 1
    if not eq([v1[:nc]], [v2[:nc]]):
        return False
    c1 = v1[nc] if len(v1) > nc else 0
    c2 = v2[nc]
    if isinstance(c2, str):
        return isinstance(c1, str) and c1.startswith(c2)
    return c1 == c2


@settings(max_examples=300, deadline=None)
@given(version_text, version_text)
def test_startswith_matches_conda_reference(a: str, b: str) -> None:
    va, vb = Version.parse(a), Version.parse(b)
    assert va.startswith(vb) == _conda_startswith(va, vb)
    assert va.startswith(va) == _conda_startswith(va, va)


def test_startswith_on_real_versions(real_versions: List[str]) -> None:
    rng = random.Random(5)
    vs = [Version.parse(t) for t in rng.sample(real_versions, 300)]
    prefixes = [Version.parse(p) for p in ("1", "1.0", "0.1", "2.1.0", "1.2a", "0", "3.1.1.6",
                                           "2019", "1.0.0+1", "1!1")]
    for v in vs:
        for p in prefixes:
            assert v.startswith(p) == _conda_startswith(v, p), (v, p)
