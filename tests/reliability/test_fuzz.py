"""Fuzzing umm's parsers with hypothesis: bad input gives an ``UmmError``, never another
exception; what parses round-trips through ``str()``.

Parsers: versions, version specs, match specs (also from dist strings), channels,
platforms, package records, spec files (the plain-text reader of the commands, and
``umm.envfile``'s text/YAML/lock/explicit parsers when present), repodata documents
loaded through ``umm.repodata.load_channels`` from a ``file://`` channel, and the
env checks' own inputs (conda-meta records, a transaction journal).
"""
from __future__ import annotations

import importlib
import json
import tempfile
from pathlib import Path
from typing import Any, Callable, Dict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from umm.errors import UmmError

SPEC_CHARS = "abcxyz019_-.*+!=<>~,|()[]'\" :/@#$^&%\\\t\n\x00\u00e9\u202e\udcff"
spec_text = st.text(alphabet=SPEC_CHARS, max_size=40) | st.text(max_size=25) | \
    st.from_regex(r"[a-z_*-]{1,8}(\s*[<>=!~]{0,2}=?\s*[0-9a-z.*!+_-]{0,8}){0,3}"
                  r"(\[[a-z_]{1,6}=['\"]?[^\]]{0,8}['\"]?\])?", fullmatch=True) | \
    st.from_regex(r"([a-z-]{1,6}(/[a-z0-9-]{1,8})?::)?[a-z]{1,6}([ =][0-9.*]{1,6}([ =][a-z0-9_*]{1,6})?)?",
                  fullmatch=True)
version_text = st.text(alphabet="0123456789.!+_-abcdevpostrcalphaDEV* ", max_size=20) | \
    st.text(max_size=12)
json_atoms = st.none() | st.booleans() | st.integers(-(2 ** 70), 2 ** 70) | \
    st.floats(allow_nan=False) | st.text(max_size=20)
json_values = st.recursive(json_atoms, lambda inner: st.lists(inner, max_size=4)
                           | st.dictionaries(st.text(max_size=8), inner, max_size=4),
                           max_leaves=15)

FAST = dict(deadline=None, database=None,
            suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                   HealthCheck.data_too_large])


def fuzz(tally: Callable[[str, int], None], strategy: Any, check: Callable[[Any], None],
         examples: int) -> None:
    """Run ``check`` on ``examples`` inputs; an ``UmmError`` is a fine answer."""
    seen = [0]

    @settings(max_examples=examples, **FAST)
    @given(strategy)
    def run(value: Any) -> None:
        seen[0] += 1
        try:
            check(value)
        except UmmError as exc:
            assert str(exc), "an error without a message"

    run()
    tally("inputs fuzzed", seen[0])


def test_versions(tally) -> None:
    from umm.specs import Version

    def check(pair: Any) -> None:
        a, b = pair
        va = Version.parse(a)
        assert str(va) == a.strip()  # the original text, as conda, without surrounding blanks
        assert Version.parse(str(va)) == va and hash(Version.parse(a)) == hash(va)
        try:
            vb = Version.parse(b)
        except UmmError:
            return
        assert [va < vb, va == vb, va > vb].count(True) == 1

    fuzz(tally, st.tuples(version_text, version_text), check, 400)


def test_version_specs(tally) -> None:
    from umm.specs import Version, VersionSpec

    probe = [Version.parse(v) for v in ("0", "1.0", "1.2.3", "2!1.0", "1.0a1", "1.0.post1")]

    def check(text: str) -> None:
        spec = VersionSpec.parse(text)
        again = VersionSpec.parse(str(spec))
        for v in probe:
            assert spec.matches(v) == again.matches(v), (text, str(spec), v)

    fuzz(tally, spec_text | version_text, check, 400)


def test_match_specs(tally) -> None:
    from umm.specs import MatchSpec
    from umm.specs.records import PackageRecord

    record = PackageRecord.from_json({"name": "abc", "version": "1.0", "build": "py_0",
                                      "build_number": 0, "depends": [], "subdir": "noarch"})

    def check(text: str) -> None:
        spec = MatchSpec.parse(text)
        again = MatchSpec.parse(str(spec))
        assert again == spec, (text, str(spec), str(again))
        assert spec.matches(record) == again.matches(record)

    fuzz(tally, spec_text, check, 500)


def test_dist_strings(tally) -> None:
    from umm.specs import MatchSpec

    fuzz(tally, spec_text, lambda t: MatchSpec.from_dist_str(t), 200)


def test_channels_and_platforms(tally) -> None:
    from umm.specs import ChannelContext, Platform

    ctx = ChannelContext()

    def check(text: str) -> None:
        try:
            Platform.parse(text)
        except UmmError:
            pass
        for ch in ctx.resolve(text):
            assert ch.canonical_name and "\n" not in str(ch)

    fuzz(tally, spec_text | st.from_regex(r"(https?|file)://[a-z0-9:@/._-]{0,20}", fullmatch=True),
         check, 300)


def test_package_records(tally) -> None:
    from umm.specs.records import PackageRecord, PrefixRecord

    fields = {k: json_values for k in ("name", "version", "build", "build_number", "depends",
                                       "constrains", "track_features", "features", "noarch",
                                       "timestamp", "size", "md5", "sha256", "files",
                                       "paths_data", "subdir", "license")}
    docs = st.fixed_dictionaries({}, optional=fields) | json_values

    def check(doc: Any) -> None:
        for cls in (PackageRecord, PrefixRecord):
            rec = cls.from_json(doc)
            assert cls.from_json(rec.to_json()).to_json() == rec.to_json()

    fuzz(tally, docs, check, 200)


def test_plain_spec_files(tally, tmp_path: Path) -> None:
    # the way `-f specs.txt` reads them (umm.cli._specfiles -> umm.envfile)
    from umm.cli._install import parse_specs
    from umm.envfile import load_spec_files

    path = tmp_path / "specs.txt"

    def check(data: bytes) -> None:
        path.write_bytes(data)
        parse_specs(load_spec_files([str(path)], "linux-64").specs)

    text_lines = st.lists(spec_text, max_size=6).map(lambda ls: "\n".join(ls).encode(
        "utf-8", "surrogateescape"))
    fuzz(tally, text_lines | st.binary(max_size=60), check, 200)


ENVFILE_PARSERS = [("umm.envfile.textfile", "SpecTextFile"),
                   ("umm.envfile.yamlenv", "EnvironmentFile"),
                   ("umm.envfile.lockfile", "CondaLock")]


@pytest.mark.parametrize("module,cls", ENVFILE_PARSERS, ids=[c for _, c in ENVFILE_PARSERS])
def test_env_file_parsers(tally, module: str, cls: str) -> None:
    try:
        parser = getattr(importlib.import_module(module), cls)
    except ImportError:
        pytest.skip(f"{module} is not on this branch yet (umm.envfile)")
    yaml_docs = json_values.map(lambda v: json.dumps(v)) | \
        st.fixed_dictionaries({}, optional={
            "name": json_values, "channels": json_values, "dependencies": json_values,
            "variables": json_values, "version": json_values, "package": json_values,
            "metadata": json_values}).map(_to_yaml)
    texts = yaml_docs | st.text(max_size=80) | st.lists(spec_text, max_size=5).map("\n".join)

    def check(text: str) -> None:
        parser.parse(text, "fuzz.yml")

    # what a file holds once decoded (strict UTF-8: no lone surrogates)
    texts = texts.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))

    fuzz(tally, texts, check, 200)


def test_explicit_lines(tally) -> None:
    try:
        from umm.envfile.explicit import ExplicitPackage
    except ImportError:
        pytest.skip("umm.envfile is not on this branch yet")
    lines = spec_text | st.from_regex(
        r"(https?|file)://[a-z0-9:@/._%-]{0,30}\.(conda|tar\.bz2)(#[0-9a-f]{0,64})?",
        fullmatch=True)
    from umm.envfile.explicit import ExplicitPackageError

    def check(line: str) -> None:
        try:
            ExplicitPackage.parse(line)
        except ExplicitPackageError:
            pass  # its documented answer (the file reader turns it into an UmmError)

    lines = lines.map(lambda t: t.encode("utf-8", "replace").decode("utf-8"))
    fuzz(tally, lines, check, 300)


def _to_yaml(doc: Dict[str, Any]) -> str:
    import yaml

    return yaml.safe_dump(doc)


# -- repodata ----------------------------------------------------------------------------
records = st.fixed_dictionaries({}, optional={
    "name": st.sampled_from(["alpha", "beta", "", "Ä"]) | json_values,
    "version": st.sampled_from(["1.0", "1..0", "2!x", ""]) | json_values,
    "build": st.text(max_size=6) | json_values, "build_number": st.integers() | json_values,
    "depends": st.lists(spec_text, max_size=3) | json_values,
    "constrains": st.lists(spec_text, max_size=2) | json_values,
    "md5": json_values, "sha256": json_values, "size": json_values,
    "noarch": json_values, "timestamp": json_values, "subdir": json_values}) | json_values
repodata_docs = st.fixed_dictionaries({}, optional={
    "packages": st.dictionaries(st.text(max_size=20), records, max_size=4) | json_values,
    "packages.conda": st.dictionaries(st.text(max_size=20), records, max_size=4) | json_values,
    "info": json_values, "repodata_version": json_values, "removed": json_values})


def test_repodata_documents(tally) -> None:
    from umm.net import NetworkOptions
    from umm.net.client import HttpClient
    from umm.repodata.loader import load_channels
    from umm.repodata.options import RepodataOptions
    from umm.reporter import RecordingReporter
    from umm.specs import ChannelContext

    # no retries: a broken document is broken every time (and retries sleep)
    client = HttpClient(NetworkOptions(max_retries=0, backoff_factor=0, use_env_proxies=False))
    options = RepodataOptions(local_repodata_ttl=0)

    def check(args: Any) -> None:
        doc, mangle = args
        data = json.dumps(doc).encode()
        if mangle == 1:
            data = data[: len(data) // 2]
        elif mangle == 2:
            data = data[: len(data) // 3] + b"\xff\x00{[" + data[len(data) // 3:]
        with tempfile.TemporaryDirectory() as tmp:
            channel = Path(tmp, "ch")
            for sub in ("noarch", "linux-64"):
                (channel / sub).mkdir(parents=True)
            (channel / "noarch" / "repodata.json").write_bytes(data)
            (channel / "linux-64" / "repodata.json").write_bytes(b'{"packages": {}}')
            ch = ChannelContext().resolve(channel.as_uri())
            sources = load_channels(ch, ["linux-64"], [Path(tmp, "pkgs")], client, options,
                                    RecordingReporter())
            names = ["alpha", "beta", ""]
            for section in ("packages", "packages.conda"):
                if isinstance(doc.get(section), dict):
                    for rec in doc[section].values():
                        if isinstance(rec, dict) and isinstance(rec.get("name"), str):
                            names.append(rec["name"])
            for src in sources:
                for name in names:
                    for rec in src.records(name):
                        assert isinstance(rec.name, str) and isinstance(str(rec.version), str)
                        assert all(isinstance(d, str) for d in rec.depends)

    fuzz(tally, st.tuples(repodata_docs, st.integers(0, 2)), check, 100)
    client.close()


# -- the env checks' own inputs ----------------------------------------------------------------
def test_conda_meta_records_and_journals(tally, tmp_path: Path) -> None:
    from umm.install.journal import pending, recover
    from umm.install.prefix_data import PrefixData
    from umm.install.verify import verify_prefix

    prefix = tmp_path / "env"
    meta = prefix / "conda-meta"
    rollback = prefix / ".umm-rollback" / "123-ab"
    sentinel = tmp_path / "outside.txt"

    def check(args: Any) -> None:
        record, journal = args
        meta.mkdir(parents=True, exist_ok=True)
        rollback.mkdir(parents=True, exist_ok=True)
        sentinel.write_text("keep me")
        (meta / "x-1-0.json").write_text(json.dumps(record))
        (rollback / "journal").write_bytes(journal)
        report = verify_prefix(prefix, untracked=True)
        assert report.prefix == prefix
        pending(prefix)
        recover(prefix)
        assert sentinel.read_text() == "keep me"  # a journal never reaches outside
        try:
            PrefixData.load(prefix)
        finally:
            import shutil

            shutil.rmtree(prefix, ignore_errors=True)

    lines = st.lists(st.tuples(st.sampled_from(["created", "moved", "mkdir", "rmdir", "x"]),
                               st.sampled_from(["a", "../outside.txt", "/etc", ".", "", "a/b"]),
                               st.sampled_from(["", "../outside.txt", ".umm-rollback/1"])),
                     max_size=5).map(lambda ops: b"".join(json.dumps(list(o)).encode() + b"\n"
                                                          for o in ops))
    journals = lines | st.binary(max_size=80)
    fields = {"name": json_values, "version": json_values, "build": json_values,
              "files": json_values | st.lists(st.sampled_from(["a", "../x", "/etc/passwd"])),
              "paths_data": json_values}
    recs = st.fixed_dictionaries({}, optional=fields) | json_values
    fuzz(tally, st.tuples(recs, journals), check, 200)
