"""VersionSpec: conda's test_version.py cases, grammar, canonical form, errors."""
from __future__ import annotations

import pickle
from typing import List

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umm.specs import InvalidVersionSpec, Version, VersionSpec


def ok(version: str, spec: str) -> bool:
    return VersionSpec.parse(spec).matches(version)


@pytest.mark.parametrize("version,spec,expected", [
    ("1.7.0", "==1.7", True), ("1.7.0", "<=1.7", True), ("1.7.0", "<1.7", False),
    ("1.7.0", ">=1.7", True), ("1.7.0", ">1.7", False), ("1.6.7", ">=1.7", False),
    ("2013a", ">2013b", False), ("2013k", ">2013b", True), ("3.0.0", ">2013b", False),
    ("1.0.0", ">1.0.0a", True), ("1.0.0", ">1.0.0*", True), ("1.0", "1.0*", True),
    ("1.0.0", "1.0*", True), ("1.0", "1.0.0*", True), ("1.0.1", "1.0.0*", False),
    ("2013a", "2013a*", True), ("2013a", "2013b*", False), ("2013ab", "2013a*", True),
    ("1.3.4", "1.2.4*", False), ("1.2.3+4.5.6", "1.2.3*", True),
    ("1.2.3+4.5.6", "1.2.3+4*", True), ("1.2.3+4.5.6", "1.2.3+5*", False),
    ("1.2.3+4.5.6", "1.2.4+5*", False),
    # conda's test_not_eq_star / test_compatible_release_versions
    ("3.3.1", "=3.3", True), ("3.3", "=3.3", True), ("3.4", "=3.3", False),
    ("3.3.1", "3.3.*", True), ("3.3", "3.3.*", True), ("3.4", "3.3.*", False),
    ("3.3.1", "=3.3.*", True), ("3.4", "=3.3.*", False),
    ("3.3.1", "!=3.3.*", False), ("3.4", "!=3.3.*", True), ("3.4.1", "!=3.3.*", True),
    ("3.3.1", "!=3.3", True), ("3.3.0.0", "!=3.3", False), ("3.3.0.0", "!=3.3.*", False),
    ("1.11.0", "~=1.10", True), ("1.11.0", "~=1.10.0", False), ("3.4.0", "~=3.3.2", False),
    ("3.3.1", "~=3.3.2", False), ("3.3.2.0", "~=3.3.2", True), ("3.3.3", "~=3.3.2", True),
    ("2.2.0", "~=3.3.2|==2.2", True), ("3.3.3", "~=3.3.2|==2.2", True),
    ("2.2.1", "~=3.3.2|==2.2", False),
    # PEP 440 style prefix and whitespace variants
    ("1.7.3", "==1.7.*", True), ("1.8", "==1.7.*", False), ("1.7.1", ">= 1.7", True),
    ("1.7.1", " >=1.7 , <2 ", True), ("2.0", ">=1.7 ,<2", False), ("1.2", ">=1.2.*", True),
    ("1.1.9", ">=1.2.*", False), ("5.0", "*", True), ("5.0", "=*", True),
])
def test_conda_matches(version: str, spec: str, expected: bool) -> None:
    assert ok(version, spec) is expected


@pytest.mark.parametrize("spec,expected", [
    ("1.7.*", True), ("1.7.1", True), ("1.7.0", False), ("1.7", False), ("1.5.*", False),
    (">=1.5", True), ("!=1.5", True), ("!=1.7.1", False), ("==1.7.1", True), ("==1.7", False),
    ("==1.7.2", False), ("==1.7.1.0", True), ("1.7.*|1.8.*", True), (">1.7,<1.8", True),
    (">1.7.1,<1.8", False), ("^1.7.1$", True), (r"^1\.7\.1$", True), (r"^1\.7\.[0-9]+$", True),
    (r"^1\.8.*$", False), (r"^1\.[5-8]\.1$", True), (r"^[^1].*$", False),
    (r"^[0-9+]+\.[0-9+]+\.[0-9]+$", True), ("^$", False), ("^.*$", True),
    ("1.7.*|^0.*$", True), ("1.6.*|^0.*$", False), ("1.6.*|^0.*$|1.7.1", True),
    ("^0.*$|1.7.1", True), (r"1.6.*|^.*\.7\.1$|0.7.1", True), ("*", True), ("1.*.1", True),
    ("1.5.*|>1.7,<1.8", True), ("1.5.*|>1.7,<1.7.1", False),
])
def test_conda_match_171(spec: str, expected: bool) -> None:
    vs = VersionSpec.parse(spec)
    assert vs.matches("1.7.1") is expected
    assert vs.matcher(Version.parse("1.7.1")) is expected
    assert VersionSpec.parse(str(vs)) == vs


def test_compound() -> None:
    vs = VersionSpec.parse(">=2.7, !=3.0.*, !=3.1.*, !=3.2.*, !=3.3.*")
    assert str(vs) == ">=2.7,!=3.0.*,!=3.1.*,!=3.2.*,!=3.3.*"
    assert [vs.matches(v) for v in ("2.6.8", "2.7.2", "3.3", "3.3.4", "3.4", "3.4a")] == [
        False, True, False, False, True, True]


def test_local_identifier() -> None:
    for v in ("1.7.0", "1.7.0.post123", "1.7.0.post123.gabcdef9", "1.7.0.post123+gabcdef9"):
        assert VersionSpec.parse(v).matches(v)


@pytest.mark.parametrize("text,canonical", [
    ("1.7.1", "==1.7.1"), ("==1.7.1", "==1.7.1"), ("1.7.1*", "1.7.1.*"), ("1.7.1.*", "1.7.1.*"),
    ("=1.7.1", "1.7.1.*"), ("=1.7.1.*", "1.7.1.*"), ("=1.7*", "1.7.*"), ("==1.7.*", "1.7.*"),
    (">= 1.2", ">=1.2"), (" > 1.2 , < 2 ", ">1.2,<2"), ("!=1.2.*", "!=1.2.*"),
    (">=1.2.*", ">=1.2"), ("<2.0.*", "<2.0"), ("~=1.4.2", "~=1.4.2"), ("*", "*"), ("1.*", "1.*"),
    ("( (1.5|((1.6|1.7), 1.8), 1.9 |2.0))|2.1", "==1.5|(==1.6|==1.7),==1.8,==1.9|==2.0|==2.1"),
    ("(>=1,<2)|>3", ">=1,<2|>3"), (">=3,(<4|<5)", ">=3,(<4|<5)"), ("((1.2))", "==1.2"),
    ("1.*.1", "1.*.1"), ("^1\\.2$", "^1\\.2$"), ("1.7.1*,1.8.1*", "1.7.1.*,1.8.1.*"),
])
def test_canonical(text: str, canonical: str) -> None:
    vs = VersionSpec.parse(text)
    assert str(vs) == canonical
    assert VersionSpec.parse(canonical) == vs
    assert hash(VersionSpec.parse(canonical)) == hash(vs)


def test_semantic_equality() -> None:
    P = VersionSpec.parse
    assert P("1.7.1") == P("==1.7.1.0") and hash(P("1.7.1")) == hash(P("==1.7.1.0"))
    assert P("1.7.1*") == P("1.7.1.*") == P("=1.7.1")
    assert P("1.7.1*,1.8.1*") == P("1.7.1.*,1.8.1.*")
    assert P(">=1.0") == P(">=1.0.0")
    assert P("1.7.1") != P("1.7.1*")
    assert P("1.7") != P("1.7.0.*")  # starts-with depends on the written prefix
    assert P("1.2") != "1.2"


def test_properties() -> None:
    vs = VersionSpec.parse(">=1.2,<2|3.*")
    assert vs.kind == "|" and len(vs.children) == 2 and vs.is_group
    assert [leaf.operator for leaf in vs.leaves()] == [">=", "<", "="]
    assert VersionSpec.parse("1.2").is_exact and not VersionSpec.parse("1.2.*").is_exact
    assert VersionSpec.parse("*").is_any
    assert VersionSpec.parse("1.2").version == Version.parse("1.2")
    assert VersionSpec.parse("^1$").pattern == "^1$"
    assert VersionSpec.parse(">=1.2") is VersionSpec.parse(">=1.2")  # cached
    with pytest.raises(AttributeError):
        vs.kind = "x"  # type: ignore[misc]


def test_combinators() -> None:
    a, b = VersionSpec.parse(">=1.2"), VersionSpec.parse("<2|>=3")
    both = a & b
    assert str(both) == ">=1.2,(<2|>=3)"
    assert both.matches("1.5") and not both.matches("2.5") and both.matches("3.1")
    assert str(a | VersionSpec.parse("0.9")) == ">=1.2|==0.9"
    assert VersionSpec.all_of(["*", ">=1"]) == VersionSpec.parse(">=1")
    assert VersionSpec.any_of(["*", ">=1"]).is_any
    assert VersionSpec.parse(">=1").filter(["0.5", "1.0", "2"]) == ["1.0", "2"]


def test_pickle() -> None:
    vs = VersionSpec.parse(">=1.2,<2|3.*")
    assert pickle.loads(pickle.dumps(vs)) == vs


@pytest.mark.parametrize("text,reason,pos", [
    ("(1.5", "missing ')'", 0), ("1.5)", "unbalanced ')'", 3),
    ("1.5||1.6", "empty version constraint", 4), (">=1.2,,<", "empty version constraint", 6),
    (",1", "empty version constraint", 0), ("1|", "empty version constraint", 2),
    ("^1.5", "regex specs must start with '^' and end with '$'", 0),
    ("1.5$", "regex specs must start with '^' and end with '$'", 0),
    ("~", "invalid operator", 0), ("^", "regex specs", 0), ("!", "invalid operator", 0),
    ("1.2+", "empty version component", 0), ("+1.2", "missing version before local", 0),
    ("==", "missing version after '=='", 2), ("=", "missing version after '='", 1),
    (">=", "missing version after '>='", 2), ("<=", "missing version after '<='", 2),
    ("~=3.3.2.*", "invalid operator '~=' with '.*'", 0), ("===3.3.2", "invalid operator", 0),
    ("><2.4.5", "invalid version '<2.4.5'", 1), ("!!2.4.5", "invalid operator", 0),
    ("~=1", "needs at least two version components", 2), ("", "empty version spec", 0),
    ("^(a$", "invalid regex", 0), ("1.2 3", "invalid character", 0), ("1.*?", "invalid character", 0),
    ("c +, 0/|0 *", "invalid version 'c +'", 0), ("!=*", "needs a version", 2),
])
def test_errors(text: str, reason: str, pos: int) -> None:
    with pytest.raises(InvalidVersionSpec) as info:
        VersionSpec.parse(text)
    err = info.value
    assert reason in err.reason
    assert err.position == pos
    assert err.text == text
    assert str(err) == f"invalid version spec '{text}': {err.reason}"


# -- property: canonical strings re-parse to equal specs with the same answers -------------------
_versions = st.sampled_from(["1", "1.2", "1.2.3", "2.0a1", "1!1.0", "0.9.post1", "3.1.dev2",
                             "1.2+local"])
_leaf = st.one_of(
    st.builds(lambda op, v: op + v, st.sampled_from(["==", "!=", "<", "<=", ">", ">=", "=", ""]),
              _versions),
    _versions.map(lambda v: v.split("+")[0] + ".*"),
    st.just("*"),
    st.just("^1\\.[0-9]+$"),
)


def _tree(depth: int) -> st.SearchStrategy:
    if depth == 0:
        return _leaf
    sub = _tree(depth - 1)
    return st.one_of(
        _leaf,
        st.lists(sub, min_size=2, max_size=3).map(",".join),
        st.lists(sub, min_size=2, max_size=3).map("|".join),
        sub.map(lambda s: f"( {s} )"),
    )


_probe = ["0.5", "1", "1.0", "1.2", "1.2.0", "1.2.3", "1.3", "2.0a1", "2.0", "1!1.0", "0.9.post1",
          "3.1.dev2", "1.2+local", "1.10"]


@settings(max_examples=150, deadline=None)
@given(_tree(2))
def test_round_trip_and_same_answers(text: str) -> None:
    vs = VersionSpec.parse(text)
    again = VersionSpec.parse(str(vs))
    assert again == vs and str(again) == str(vs)
    assert [vs.matches(v) for v in _probe] == [again.matches(v) for v in _probe]


def test_precedence() -> None:
    # ',' binds tighter than '|'
    vs = VersionSpec.parse("1.5|1.6,1.7")
    assert vs.matches("1.5") and not vs.matches("1.6")
    vs = VersionSpec.parse("(1.5|1.6),1.6")
    assert vs.matches("1.6") and not vs.matches("1.5")


def test_filtering_versions_keeps_order() -> None:
    versions: List[str] = ["1.0", "1.1", "1.2", "2.0", "2.1"]
    assert VersionSpec.parse(">1.0,<2|>=2.1").filter(versions) == ["1.1", "1.2", "2.1"]
