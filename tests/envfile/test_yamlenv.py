"""Environment YAML files: fields, selectors, pip, variables, errors, round trips."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umm.envfile.errors import EmptySpecFile, InvalidEnvironmentFile
from umm.envfile.yamlenv import EnvironmentFile, selector_matches


def load(shared: Path, name: str) -> EnvironmentFile:
    path = shared / "envfiles" / name
    return EnvironmentFile.parse(path.read_text(), str(path))


def test_name_channels_dependencies(shared_data: Path) -> None:
    env = load(shared_data, "mamba-env_1.yaml")
    assert env.name == "env_1" and env.channels == ("conda-forge", "bioconda")
    assert env.specs("linux-64") == ("test1", "test2", "test3") and env.pip == ()


@pytest.mark.parametrize("platform,expected", [
    ("linux-64", ("test1-unix", "test1-linux", "test2-linux", "test4")),
    ("linux-aarch64", ("test1-unix", "test1-linux", "test2-linux", "test4")),
    ("osx-arm64", ("test1-unix", "test1-osx", "test4")),
    ("win-64", ("test1-win", "test4")),
])
def test_selectors(shared_data: Path, platform: str, expected) -> None:
    assert load(shared_data, "mamba-env_2.yaml").specs(platform) == expected


def test_selector_rules() -> None:
    assert selector_matches("sel(unix)", "osx-64") and not selector_matches("sel(unix)", "win-64")
    assert selector_matches("sel(linux)", "linux-ppc64le") and not selector_matches("sel(osx)", "linux-64")


def test_pip_sections(shared_data: Path) -> None:
    env = load(shared_data, "mamba-env_3.yaml")
    assert env.pip_requirements("linux-64") == ("pytest", "numpy")
    vq = load(shared_data, "rattler-environments-asymmetric_vqgan.environment.yaml")
    assert vq.name is None and vq.channels == ("pytorch", "defaults")
    reqs = vq.pip_requirements("linux-64")
    assert reqs[0] == "albumentations==0.4.3" and reqs[-1] == "-e ." and len(reqs) == 19


def test_variables_and_nodefaults(shared_data: Path) -> None:
    env = load(shared_data, "rattler-environments-variables.environment.yaml")
    assert env.variables == (("MY_ENV_VAR", "My Value"),)
    dev = load(shared_data, "rattler-environments-conda_lock_dev.environment.yaml")
    assert dev.nodefaults and dev.real_channels == ("conda-forge",)
    assert dev.pip_requirements("linux-64") == ("types-click-default-group",)


def test_other_keys_are_ignored_and_versions_stay_text(shared_data: Path) -> None:
    env = load(shared_data, "rattler-python-environment.yml")
    assert env.specs("linux-64") == ("python =3.11.0",)
    env = EnvironmentFile.parse("name: 2024\ndependencies: [python]\nvariables:\n  V: 1.10\n"
                                "  B: true\n  N:\n")
    assert env.name == "2024" and env.variables == (("V", "1.10"), ("B", "true"), ("N", ""))


@pytest.mark.parametrize("text,reason", [
    ("- a\n- b\n", "must be a mapping"),
    ("channels: conda-forge\ndependencies: [a]\n", "'channels' must be a list"),
    ("dependencies: numpy\n", "'dependencies' must be a list"),
    ("dependencies:\n  - sel(bsd): x\n", "unknown selector"),
    ("dependencies:\n  - sel(linux ): x\n", "unknown selector"),
    ("dependencies:\n  - npm: [x]\n", "unsupported dependency entry 'npm'"),
    ("dependencies:\n  - pip:\n    - pip: [x]\n", "unsupported dependency entry 'pip'"),
    ("dependencies:\n  - numpy >=>=1\n", "invalid spec 'numpy >=>=1'"),
    ("dependencies: [a]\nvariables: [A]\n", "'variables' must be a mapping"),
    ("dependencies: [a\n", "invalid YAML"),
    ("name: [x]\ndependencies: [a]\n", "'name' must be a string"),
])
def test_errors_name_the_problem(text: str, reason: str) -> None:
    with pytest.raises(InvalidEnvironmentFile, match=reason.replace("[", r"\[").replace("(", r"\(")
                       .replace(")", r"\)")) as err:
        EnvironmentFile.parse(text, "env.yml")
    assert str(err.value).startswith("env.yml")


def test_syntax_error_has_a_line_number() -> None:
    with pytest.raises(InvalidEnvironmentFile) as err:
        EnvironmentFile.parse("name: x\ndependencies:\n  - a\n - b: [\n", "e.yml")
    assert err.value.line is not None


def test_empty_file() -> None:
    with pytest.raises(EmptySpecFile):
        EnvironmentFile.parse("# nothing\n", "e.yml")


def test_shared_yaml_files_round_trip(shared_data: Path) -> None:
    for path in sorted((shared_data / "envfiles").glob("*.y*ml")):
        env = EnvironmentFile.parse(path.read_text(), str(path))
        assert EnvironmentFile.parse(str(env)) == env, path.name


_text = st.text(st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=12) \
    .filter(lambda s: s.strip() == s and s)
_spec = st.from_regex(r"[a-z][a-z0-9_-]{0,6}( ?(>=|==|=|<)[0-9]{1,2}(\.[0-9]{1,2})?)?", fullmatch=True)
_entry = st.one_of(_spec, st.tuples(st.sampled_from(["sel(linux)", "sel(osx)", "sel(win)",
                                                     "sel(unix)"]), _spec))


@settings(max_examples=80, deadline=None)
@given(st.one_of(st.none(), _text), st.lists(_text.filter(lambda s: not s.startswith("#")),
                                               max_size=3),
       st.lists(_entry, max_size=5), st.lists(_text.filter(lambda s: not s.startswith("#")),
                                               max_size=3),
       st.dictionaries(st.from_regex(r"[A-Z_][A-Z0-9_]{0,5}", fullmatch=True), st.text(max_size=8),
                       max_size=3))
def test_round_trip_property(name, channels, deps, pip, variables) -> None:
    env = EnvironmentFile(name, channels, deps, pip, sorted(variables.items()))
    assert EnvironmentFile.parse(str(env)) == env
