"""Plain text spec files and @EXPLICIT files."""
from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from umm.envfile.errors import EmptySpecFile, InvalidExplicitLine, InvalidSpecLine
from umm.envfile.explicit import ExplicitPackage, ExplicitPackageError, split_filename
from umm.envfile.textfile import SpecTextFile

MD5 = "d7c89558ba9fa0495403155b64376d81"
SHA = "fe51de6107f9edc7aa4f786a70f4a883943bc9d39b3bb7307c04c41410990726"
URL = "https://conda.anaconda.org/conda-forge/linux-64/_libgcc_mutex-0.1-conda_forge.tar.bz2"


def test_plain_specs_comments_blank_lines_and_trailing_comments() -> None:
    tf = SpecTextFile.parse("# header\n\nnumpy >=1.20\n  python=3.11  # pinned\n@ignored\n"
                            "conda-forge::zlib\n", "f.txt")
    assert not tf.is_explicit
    assert tf.specs == ("numpy >=1.20", "python=3.11", "conda-forge::zlib")
    assert SpecTextFile.parse(str(tf)) == tf


def test_invalid_spec_names_file_line_and_text() -> None:
    with pytest.raises(InvalidSpecLine) as err:
        SpecTextFile.parse("numpy\npython >=>=3\n", "env.txt")
    assert err.value.line == 2 and "env.txt:2" in str(err.value) and "python >=>=3" in str(err.value)


def test_empty_file_is_refused() -> None:
    with pytest.raises(EmptySpecFile, match="empty"):
        SpecTextFile.parse("  \n\n", "e.txt")


def test_explicit_anywhere_with_platform_header() -> None:
    text = f"# platform: osx-arm64\nnumpy\n@EXPLICIT\n# comment\n\n{URL}#{MD5}\n{URL.replace('_libgcc', 'x')}\n"
    tf = SpecTextFile.parse(text, "e.txt")
    assert tf.is_explicit and tf.platform == "osx-arm64" and tf.specs == ()
    assert [p.name for p in tf.explicit] == ["_libgcc_mutex", "x_mutex"]
    assert tf.explicit[0].md5 == MD5 and tf.explicit[1].md5 is None
    again = SpecTextFile.parse(str(tf))
    assert again == tf


@pytest.mark.parametrize("fragment,md5,sha", [
    (MD5, MD5, None), (MD5.upper(), MD5, None), (SHA, None, SHA), (f"sha256:{SHA}", None, SHA),
    (f"md5:{MD5}", MD5, None), (f"sha256={SHA}", None, SHA),
])
def test_checksum_fragments(fragment: str, md5, sha) -> None:
    pkg = ExplicitPackage.parse(f"{URL}#{fragment}")
    assert (pkg.md5, pkg.sha256) == (md5, sha)
    assert ExplicitPackage.parse(str(pkg)) == pkg


@pytest.mark.parametrize("line,reason", [
    (f"{URL}#abc", "neither an md5"), (f"{URL}#{'z' * 32}", "not hexadecimal"),
    (f"{URL}#sha256:{MD5}", "must have 64"), ("https://x/linux-64/foo.whl", "not a .conda"),
    ("https://x/linux-64/foo-1.conda", "name-version-build"),
])
def test_bad_explicit_lines(line: str, reason: str) -> None:
    with pytest.raises(ExplicitPackageError, match=reason):
        ExplicitPackage.parse(line)
    with pytest.raises(InvalidExplicitLine) as err:
        SpecTextFile.parse(f"@EXPLICIT\n{line}\n", "x.txt")
    assert err.value.line == 2


def test_explicit_package_fields_and_record() -> None:
    pkg = ExplicitPackage.parse(f"https://h/t/tok123/conda-forge/linux-64/zlib-1.2.13-hd5_5.conda#{SHA}")
    assert (pkg.name, pkg.version, pkg.build, pkg.subdir) == ("zlib", "1.2.13", "hd5_5", "linux-64")
    assert pkg.platform_url == "https://h/conda-forge/linux-64"  # no token
    rec = pkg.record()
    assert rec.to_json() == {"name": "zlib", "version": "1.2.13", "build": "hd5_5",
                             "fn": "zlib-1.2.13-hd5_5.conda", "url": pkg.url,
                             "channel": "https://h/conda-forge/linux-64", "subdir": "linux-64",
                             "sha256": SHA}
    assert "build_number" not in rec.to_json()  # index.json fills it in the cache


def test_local_paths_become_file_urls(tmp_path: Path) -> None:
    pkg = ExplicitPackage.parse(str(tmp_path / "noarch" / "a-1-0.tar.bz2"))
    assert pkg.url == f"file://{tmp_path}/noarch/a-1-0.tar.bz2" and pkg.subdir == "noarch"


def test_split_filename() -> None:
    assert split_filename("python-3.11.0-he550d4f_1_cpython.conda") == \
        ("python", "3.11.0", "he550d4f_1_cpython")
    assert split_filename("ca-certificates-2022.6.15.1-ha878542_0.tar.bz2") == \
        ("ca-certificates", "2022.6.15.1", "ha878542_0")


def test_shared_text_files(shared_data: Path) -> None:
    d = shared_data / "envfiles"
    expected = {"mamba-apache_arrow_conda_env_sphinx.txt": (17, None),
                "mamba-issue_4274.env.txt": (58, None), "mamba-omni.env.txt": (None, None),
                "rattler-explicit-envs-ros-noetic_linux-64.txt": (None, 568),
                "rattler-explicit-envs-xtensor_linux-64.txt": (None, 7),
                "rattler-python-explicit-env-linux-64.txt": (None, 22),
                "mamba-minrk_environment.py-3.9-linux-64.lock": (None, 170)}
    for name, (nspecs, nexplicit) in expected.items():
        tf = SpecTextFile.parse((d / name).read_text(), name)
        if nexplicit is None:
            assert not tf.is_explicit and (nspecs is None or len(tf.specs) == nspecs), name
        else:
            assert len(tf.explicit) == nexplicit and tf.platform == "linux-64", name
            hashed = [p for p in tf.explicit if p.md5]
            assert len(hashed) == (0 if "ros-noetic" in name else nexplicit), name
            assert SpecTextFile.parse(str(tf)) == tf


_names = st.from_regex(r"[a-z][a-z0-9_]{0,8}", fullmatch=True)
_versions = st.from_regex(r"[0-9]{1,3}(\.[0-9a-z]{1,3}){0,2}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(st.lists(st.tuples(_names, _versions, _names, st.booleans(), st.sampled_from(["md5", "sha256", "none"])),
                max_size=6), st.sampled_from(["linux-64", "noarch", None]))
def test_explicit_round_trip(items, platform) -> None:
    pkgs = []
    for name, version, build, conda, algo in items:
        ext = ".conda" if conda else ".tar.bz2"
        url = f"https://repo.example/chan/{platform or 'linux-64'}/{name}-{version}-{build}{ext}"
        pkgs.append(ExplicitPackage(url, MD5 if algo == "md5" else None,
                                    SHA if algo == "sha256" else None))
    tf = SpecTextFile((), pkgs, platform)
    assert SpecTextFile.parse(str(tf)) == tf
