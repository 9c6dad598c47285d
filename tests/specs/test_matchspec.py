"""MatchSpec API beyond the data table: construction, properties, pickling, round trip."""
from __future__ import annotations

import json
import pickle
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umm.specs import (BuildNumberSpec, InvalidMatchSpec, MatchSpec, PackageRecord,
                       RepoDataRecord, VersionSpec)


def test_keywords_equal_parsed() -> None:
    assert MatchSpec(name="numpy", version="1.7*") == MatchSpec.parse("numpy 1.7*")
    assert MatchSpec(name="python", version="2.7.4") == MatchSpec.parse("python 2.7.4")
    assert MatchSpec.parse("python") != MatchSpec.parse("python 2.7.4")
    assert hash(MatchSpec.parse("numpy 1.7*")) == hash(MatchSpec.parse("numpy=1.7"))
    assert str(MatchSpec(track_features="mkl")) == "*[track_features=mkl]"
    assert str(MatchSpec(features="mkl")) == "*[features=mkl]"
    assert MatchSpec(name="foo", version=VersionSpec.parse(">=1")).version == VersionSpec.parse(">=1")


def test_fields_and_replace() -> None:
    ms = MatchSpec.parse("conda-forge/linux-64::numpy>=1.20[build=py3*,build_number='>=2']")
    assert ms.name == "numpy" and ms.exact_name == "numpy"
    assert str(ms.version) == ">=1.20" and ms.build == "py3*"
    assert ms.build_number == BuildNumberSpec.parse(">=2")
    assert ms.channel == "conda-forge" and ms.subdir == "linux-64"
    changed = ms.replace(channel=None, subdir=None, build=None)
    assert str(changed) == "numpy[version='>=1.20',build_number='>=2']"
    assert ms.fields()["build"] == "py3*"
    assert MatchSpec.parse("py*").exact_name is None


def test_flags() -> None:
    assert MatchSpec.parse("numpy").is_name_only
    assert not MatchSpec.parse("numpy 1.2").is_name_only
    assert not MatchSpec.parse("py*").is_name_only
    assert not MatchSpec.parse("conda-forge::numpy").is_name_only
    assert MatchSpec.parse("numpy 1.2 py_0").is_exact
    assert not MatchSpec.parse("numpy 1.2.* py_0").is_exact
    assert MatchSpec.parse("__glibc >=2.17").is_virtual
    # conda's test_strictness
    assert MatchSpec.parse("foo").strictness == 1
    assert MatchSpec.parse("foo 1.2").strictness == 2
    assert MatchSpec.parse("foo 1.2 3").strictness == 3
    assert MatchSpec.parse("foo 1.2 3 [channel=burg]").strictness == 3
    assert MatchSpec.parse("test* 1.2").strictness == 3
    assert MatchSpec(name="foo", build_number=2).strictness == 3


def test_conda_build_form() -> None:
    assert MatchSpec.parse("python").conda_build_form() == "python"
    assert MatchSpec.parse("python * *123*").conda_build_form() == "python * *123*"
    assert MatchSpec.parse("python 3.*").conda_build_form() == "python 3.*"
    assert MatchSpec.parse("python 3.17 *123*").conda_build_form() == "python ==3.17 *123*"


def test_from_record() -> None:
    rec = RepoDataRecord("numpy", "1.26.4", "py312_0", 0, subdir="linux-64",
                         channel="https://conda.anaconda.org/conda-forge/linux-64",
                         url="https://conda.anaconda.org/conda-forge/linux-64/numpy-1.26.4-py312_0.conda")
    ms = MatchSpec.from_record(rec)
    assert str(ms) == "https://conda.anaconda.org/conda-forge/linux-64::numpy==1.26.4=py312_0"
    assert ms.matches(rec)
    assert str(MatchSpec.from_record(rec, with_channel=False)) == "numpy==1.26.4=py312_0"


def test_matches_plain_dicts() -> None:
    record = {"name": "numpy", "version": "1.11.0", "build": "py34_7", "build_number": 7}
    assert MatchSpec.parse("numpy<2").matches(record)
    assert MatchSpec.parse("numpy[build_number='7']").matches(record)
    assert not MatchSpec.parse("numpy[build_number='>7']").matches(record)
    assert MatchSpec.parse("numpy ~=1.10").matches(record)
    assert MatchSpec.parse("*[md5=abc]").matches({"md5": "ABC"}) is True
    assert not MatchSpec.parse("numpy").matches({"md5": "abc"})


def test_real_repodata_depends_parse(shared_data: Path) -> None:
    data = json.loads((shared_data / "repodata" / "conda-forge-numpy-linux-64.json").read_text())
    records = [RepoDataRecord.from_repodata(e, fn, f"https://x/linux-64/{fn}", "conda-forge")
               for key in ("packages", "packages.conda") for fn, e in data[key].items()]
    specs = {d for r in records for d in r.depends + r.constrains}
    assert len(specs) > 20
    for text in specs:
        ms = MatchSpec.parse(text)
        assert MatchSpec.parse(str(ms)) == ms
    by_name = {}
    for r in records:
        by_name.setdefault(r.name, []).append(r)
    numpy = next(r for r in records if r.name == "numpy")
    for dep in numpy.depends:
        ms = MatchSpec.parse(dep)
        if ms.name in by_name:
            assert ms.filter(by_name[ms.name]), dep  # the slice holds a solution


def test_pickle_and_cache() -> None:
    ms = MatchSpec.parse("conda-forge::numpy>=1.2[build=py*]")
    assert pickle.loads(pickle.dumps(ms)) == ms
    assert MatchSpec.parse("conda-forge::numpy>=1.2[build=py*]") is ms
    assert MatchSpec.parse(ms) is ms


def test_immutable() -> None:
    ms = MatchSpec.parse("numpy")
    with pytest.raises(AttributeError):
        ms.name = "scipy"  # type: ignore[misc]


def test_error_carries_data() -> None:
    with pytest.raises(InvalidMatchSpec) as info:
        MatchSpec.parse("numpy>=1.2,,<")
    err = info.value
    assert str(err) == "invalid match spec 'numpy>=1.2,,<': empty version constraint"
    assert err.text == "numpy>=1.2,,<" and err.reason == "empty version constraint"
    assert err.position == 11
    with pytest.raises(InvalidMatchSpec):
        MatchSpec.parse(12)  # type: ignore[arg-type]


def test_record_without_channel_does_not_match_channel_spec() -> None:
    rec = PackageRecord("numpy", "1.0", "0")
    assert MatchSpec.parse("numpy").matches(rec)
    assert not MatchSpec.parse("conda-forge::numpy").matches(rec)
    assert not MatchSpec.parse("numpy[subdir=linux-64]").matches(rec)


# -- property: random specs round-trip through their canonical string --------------------------
_names = st.sampled_from(["numpy", "py*", "*", "_libgcc_mutex", "scikit-learn", "zope.int"])
_versions = st.sampled_from([None, "1.2", "==1.2", "1.2.*", ">=1.2,<2", "!=1.3", "~=1.4.2",
                             ">=1|<0.5", "^1\\..*$", "1.*.3", "=2"])
_builds = st.sampled_from([None, "py_0", "py3*", "*_cpython", "0"])
_channels = st.sampled_from([None, "conda-forge", "pkgs/main", "https://x.org/chan", "conda-*"])
_subdirs = st.sampled_from([None, "linux-64", "noarch"])
_bn = st.sampled_from([None, 0, ">=2", "!=1"])


@settings(max_examples=200, deadline=None)
@given(_names, _versions, _builds, _channels, _subdirs, _bn,
       st.sampled_from([None, "mkl", "mkl debug"]), st.sampled_from([None, "BSD-*"]),
       st.sampled_from([None, "0123456789abcdef0123456789abcdef"]))
def test_canonical_round_trip(name, version, build, channel, subdir, bn, tf, lic, md5) -> None:
    ms = MatchSpec(name=name, version=version, build=build, channel=channel, subdir=subdir,
                   build_number=bn, track_features=tf, license=lic, md5=md5)
    text = str(ms)
    again = MatchSpec.parse(text)
    assert again == ms, text
    assert str(again) == text


def test_fast_path_agrees_with_full_grammar(shared_data: Path) -> None:
    from umm.specs import _spec_parse as P

    texts = set()
    for f in (shared_data / "repodata").glob("*.json"):
        data = json.loads(f.read_text())
        for key in ("packages", "packages.conda"):
            for e in data.get(key, {}).values():
                texts.update(e.get("depends") or ())
                texts.update(e.get("constrains") or ())
    table = Path(__file__).parent / "data" / "matchspecs.yaml"
    import yaml

    texts.update(c["spec"] for c in yaml.safe_load(table.read_text()))
    fast = 0
    for text in texts:
        got = P._fast_fields(text)
        if got is None:
            continue
        fast += 1
        try:
            want = P.parse_fields_full(text)
        except InvalidMatchSpec:
            with pytest.raises(InvalidMatchSpec):
                MatchSpec(**got)
            continue
        assert got == want, text
    assert fast > 1000


@pytest.mark.parametrize("text,canonical", [
    ("conda-forge/linux-64::numpy-1.26.4-py312head63a1_0",
     "conda-forge/linux-64::numpy==1.26.4=py312head63a1_0"),
    ("conda-forge::numpy-1.26.4-py312head63a1_0", "conda-forge::numpy==1.26.4=py312head63a1_0"),
    ("https://repo.anaconda.com/pkgs/main/linux-64::zlib-1.2.11-h7b6447c_3",
     "https://repo.anaconda.com/pkgs/main/linux-64::zlib==1.2.11=h7b6447c_3"),
    ("python-3.6.6-0.tar.bz2", "python==3.6.6=0[fn=python-3.6.6-0.tar.bz2]"),
    ("_libgcc_mutex-0.1-conda_forge", "_libgcc_mutex==0.1=conda_forge"),
    ("x264-1!164.3095-h166bdaf_2", "x264==1!164.3095=h166bdaf_2"),
])
def test_from_dist_str(text: str, canonical: str) -> None:
    ms = MatchSpec.from_dist_str(text)
    assert str(ms) == canonical
    assert MatchSpec.parse(canonical) == ms


@pytest.mark.parametrize("text", ["numpy", "numpy-1.2", "conda-forge::", "a-1..2-0"])
def test_from_dist_str_errors(text: str) -> None:
    with pytest.raises(InvalidMatchSpec) as info:
        MatchSpec.from_dist_str(text)
    assert info.value.text == text
