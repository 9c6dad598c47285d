"""load_spec_files: kinds, merging, refusals; pip requests; conda-meta/state."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from umm.envfile import state
from umm.envfile.errors import (ConflictingPackages, ExplicitWithSpecs, InvalidEnvVar,
                                MultipleLockFiles, MultipleYamlFiles, SpecFileNotFound)
from umm.envfile.loader import file_kind, load_spec_files
from umm.envfile.pip import PipRequest, absolutize
from umm.reporter import RecordingReporter

MD5 = "d7c89558ba9fa0495403155b64376d81"


def write(tmp: Path, name: str, text: str) -> str:
    p = tmp / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return str(p)


def test_kinds(tmp_path: Path) -> None:
    assert file_kind("a/env-lock.yml", "") == "lock"
    assert file_kind("env.yaml", "name: x\n") == "yaml"
    assert file_kind("pinned.yml", "version: 1\npackage: []\n") == "lock"
    assert file_kind("specs.txt", "version: 1\n") == "text"


def test_text_and_yaml_files_merge(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", "numpy\npython=3.11\n")
    b = write(tmp_path, "sub/env.yml", "name: demo\nchannels: [conda-forge, nodefaults]\n"
                                      "dependencies:\n  - sel(win): pywin32\n  - scipy\n"
                                      "  - pip:\n    - -r reqs.txt\n    - requests\n"
                                      "variables: {A: '1'}\n")
    res = load_spec_files([a, b], "linux-64")
    assert res.specs == ("numpy", "python=3.11", "scipy") and not res.is_explicit
    assert res.name == "demo" and res.prefix is None
    assert res.channels == ("conda-forge",) and res.nodefaults
    assert res.variables == (("A", "1"),) and res.sources == (a, b)
    (req,) = res.pip
    assert req.requirements == ("-r reqs.txt", "requests") and not req.no_deps
    assert req.base_dir == str(tmp_path / "sub")
    assert req.requirements_text() == f"-r {tmp_path / 'sub' / 'reqs.txt'}\nrequests\n"


def test_yaml_name_that_is_a_path_is_a_prefix(tmp_path: Path) -> None:
    p = write(tmp_path, "e.yml", "name: /opt/envs/x\ndependencies: [a]\n")
    res = load_spec_files([p], "linux-64")
    assert res.prefix == "/opt/envs/x" and res.name is None


def test_only_one_yaml_file(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yml", "dependencies: [a]\n")
    b = write(tmp_path, "b.yaml", "dependencies: [b]\n")
    with pytest.raises(MultipleYamlFiles, match="Can only handle 1 yaml file"):
        load_spec_files([a, b], "linux-64")


def test_only_one_lock_file(tmp_path: Path, shared_data: Path) -> None:
    src = (shared_data / "lockfiles/good_no_package-lock.yaml").read_text()
    a, b = write(tmp_path, "a-lock.yml", src), write(tmp_path, "b-lock.yml", src)
    with pytest.raises(MultipleLockFiles, match="Can only handle 1 lock file"):
        load_spec_files([a, b], "linux-64")


def test_explicit_and_specs_do_not_mix(tmp_path: Path) -> None:
    e = write(tmp_path, "e.txt", f"@EXPLICIT\nhttps://x/linux-64/a-1-0.conda#{MD5}\n")
    s = write(tmp_path, "s.txt", "numpy\n")
    with pytest.raises(ExplicitWithSpecs, match=r"combined with package specs to solve \(numpy\)"):
        load_spec_files([e, s], "linux-64")


def test_several_explicit_files_concatenate_and_deduplicate(tmp_path: Path) -> None:
    a = write(tmp_path, "a.txt", f"@EXPLICIT\nhttps://x/linux-64/a-1-0.conda#{MD5}\n"
                                 "https://x/noarch/b-1-0.conda\n")
    b = write(tmp_path, "b.txt", "@EXPLICIT\nhttps://x/noarch/b-1-0.conda\n"
                                 "https://x/noarch/c-1-0.tar.bz2\n")
    res = load_spec_files([a, b], "linux-64")
    assert [p.name for p in res.explicit] == ["a", "b", "c"]
    c = write(tmp_path, "c.txt", "@EXPLICIT\nhttps://x/noarch/b-2-0.conda\n")
    with pytest.raises(ConflictingPackages, match="package b"):
        load_spec_files([a, c], "linux-64")


def test_explicit_for_another_platform_warns(tmp_path: Path) -> None:
    e = write(tmp_path, "e.txt", "# platform: osx-arm64\n@EXPLICIT\nhttps://x/noarch/a-1-0.conda\n")
    rec = RecordingReporter()
    res = load_spec_files([e], "linux-64", reporter=rec)
    assert res.platform == "osx-arm64"
    assert any("osx-arm64" in t and "linux-64" in t for t in rec.texts("warning"))


def test_missing_and_unreadable_files(tmp_path: Path) -> None:
    with pytest.raises(SpecFileNotFound, match="no such file"):
        load_spec_files([str(tmp_path / "nope.txt")], "linux-64")
    with pytest.raises(SpecFileNotFound, match="cannot read"):
        load_spec_files([str(tmp_path)], "linux-64")
    bad = tmp_path / "bin.txt"
    bad.write_bytes(b"\xff\xfe\x00x")
    with pytest.raises(SpecFileNotFound, match="UTF-8"):
        load_spec_files([str(bad)], "linux-64")


@pytest.mark.parametrize("line,expected", [
    ("-r reqs.txt", "-r /base/reqs.txt"), ("--requirement=../r.txt", "--requirement /r.txt"),
    ("-c c.txt", "-c /base/c.txt"), ("-e .", "-e /base"), ("-e ./src", "-e /base/src"),
    ("-e git+https://h/x.git#egg=x", "-e git+https://h/x.git#egg=x"),
    ("./pkg", "/base/pkg"), ("requests>=2", "requests>=2"), ("x @ https://h/x.whl", "x @ https://h/x.whl"),
    ("-r https://h/r.txt", "-r https://h/r.txt"), ("--index-url file:///idx", "--index-url file:///idx"),
])
def test_pip_paths_are_made_absolute(line: str, expected: str) -> None:
    assert absolutize(line, "/base") == expected


def test_pip_request_value_semantics() -> None:
    a = PipRequest(["x"], "/b", no_deps=True)
    assert a == PipRequest(("x",), "/b", True) and hash(a) == hash(PipRequest(["x"], "/b", True))
    with pytest.raises(AttributeError):
        a.no_deps = False  # type: ignore[misc]


def test_state_file(tmp_path: Path) -> None:
    (tmp_path / "conda-meta").mkdir()
    (tmp_path / "conda-meta" / "state").write_text(json.dumps({"other": 1, "env_vars": {"A": "x"}}))
    assert state.read_env_vars(str(tmp_path)) == {"A": "x"}
    assert state.set_env_vars(str(tmp_path), {"my_var": "v w", "B": ""}) == \
        {"A": "x", "MY_VAR": "v w", "B": ""}
    current, missing = state.unset_env_vars(str(tmp_path), ["a", "nope"])
    assert current == {"MY_VAR": "v w", "B": ""} and missing == ["nope"]
    doc = json.loads((tmp_path / "conda-meta" / "state").read_text())
    assert doc == {"other": 1, "env_vars": {"MY_VAR": "v w", "B": ""}}
    assert state.parse_assignment("K=a=b") == ("K", "a=b")
    for bad in ("K", "1K=x", "A-B=x"):
        with pytest.raises(InvalidEnvVar):
            state.parse_assignment(bad)
    assert state.read_env_vars(str(tmp_path / "none")) == {}
