"""Hostile repodata and odd input on the command line, through the umm executable.

A channel whose repodata mixes good records with hostile ones (deep nesting,
enormous strings, invalid versions, depends and field types) must still serve its
good records: the bad ones are skipped (with a warning), never the whole channel,
never a traceback. A document that cannot be read at all is a one-line error
naming the channel. Specs and spec files with odd bytes end in a one-line error
or work, in bounded time.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Dict, Iterator, List

import pytest

from tests.conftest import UmmEnv
from tests.reliability.checks import env_problems, installed
from tests.reliability.conftest import Channel, Umm, one_error_line
from tests.support.server import ChannelServer

NEST = 100_000
BIG = 8 << 20  # 8 MiB strings


def _hostile_records(good: Dict[str, Any]) -> Dict[str, Any]:
    base = dict(good, name="bad", depends=[])

    def rec(**kw: Any) -> Dict[str, Any]:
        out = dict(base)
        out.update(kw)
        return out

    return {
        "bad-1..0-0.conda": rec(version="1..0"),
        "bad-empty-0.conda": rec(version=""),
        "bad-int-0.conda": rec(version=5),
        "bad-null-0.conda": rec(version=None),
        "bad-2-dep.conda": rec(version="2", depends="alpha"),
        "bad-3-dep.conda": rec(version="3", depends=["alpha >=<1", None, 7]),
        "bad-4-bn.conda": rec(version="4", build_number="many"),
        "bad-5-ts.conda": rec(version="5", timestamp="yesterday"),
        "bad-6-big.conda": rec(version="6", build="b" * BIG),
        "bad-7-lic.conda": rec(version="7", license="L" * BIG),
        "bad-8-manydeps.conda": rec(version="8", depends=[f"d{i}" for i in range(100_000)]),
        "bad-9-name.conda": rec(version="9", name="bad\u0000name"),
        "bad-10-notdict.conda": "a string, not a record",
        "bad-11-list.conda": [1, 2, 3],
        "bad-12-size.conda": rec(version="12", size=-1, sha256="zz", md5=None),
        "bad-13-constrains.conda": rec(version="13", constrains={"x": 1}),
    }


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


@pytest.fixture(scope="module")
def hostile_channel(built_channel: Channel, tmp_path_factory: pytest.TempPathFactory
                    ) -> Iterator[ChannelServer]:
    base = tmp_path_factory.mktemp("hostile-repodata")
    ch = built_channel.copy(base / "channel")
    rd = ch.root / "noarch" / "repodata.json"
    doc = json.loads(rd.read_text())
    good = doc["packages.conda"]["alpha-1.0-0.conda"]
    doc["packages.conda"].update(_hostile_records(good))
    text = json.dumps(doc)
    # a record nested far deeper than any JSON parser's recursion limit
    deep = '"bad-14-deep.conda": {"name": "bad", "version": "14", "build": "0", "depends": ' \
        + _nested(NEST) + "}, "
    text = text.replace('"packages.conda": {', '"packages.conda": {' + deep, 1)
    rd.write_text(text)
    # a second channel whose repodata is unreadable as a whole
    broken = base / "broken"
    (broken / "noarch").mkdir(parents=True)
    (broken / "noarch" / "repodata.json").write_text('{"packages": ' + _nested(NEST) + "}")
    (broken / "linux-64").mkdir()
    (broken / "linux-64" / "repodata.json").write_text('{"packages": {}}')
    srv = ChannelServer(base).start()
    try:
        yield srv
    finally:
        srv.stop()


def test_good_records_survive_hostile_ones(hostile_channel: ChannelServer, umm_env: UmmEnv,
                                           tally) -> None:
    umm = Umm(umm_env, hostile_channel.url + "/channel")
    proc = umm.run("create", "-n", "x", "alpha", "beta", timeout=300)
    tally("hostile inputs", len(_hostile_records({})) + 1)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    assert proc.returncode == 0, proc.stderr
    assert {"alpha-2.0-0", "beta-1.0-0"} == installed(umm.prefix("x"))
    assert env_problems(umm.prefix("x")) == []
    # asking for the hostile package itself: a one-line answer, never a crash
    proc = umm.run("create", "-n", "y", "bad", timeout=300)
    assert "Traceback" not in proc.stderr
    # the invalid records of the package were skipped, and the user was told
    warnings = [ln for ln in proc.stderr.splitlines() if ln.startswith("warning:")]
    assert any("skipped" in w and "bad-1..0-0.conda" in w for w in warnings), proc.stderr
    if proc.returncode != 0:
        assert len(one_error_line(proc.stderr)) < 2000
    else:
        assert env_problems(umm.prefix("y")) == []


def test_unreadable_repodata_is_one_line_naming_the_channel(hostile_channel: ChannelServer,
                                                           umm_env: UmmEnv, tally) -> None:
    url = hostile_channel.url + "/broken"
    umm = Umm(umm_env, url)
    proc = umm.run("create", "-n", "x", "alpha", timeout=300)
    tally("hostile inputs", 1)
    assert proc.returncode != 0
    line = one_error_line(proc.stderr)
    assert "broken" in line, line
    assert not umm.prefix("x").exists()


ODD_SPECS = [
    "alpha\u202e", "ålpha", "alpha=1.0=0=0", "alpha[version='>1", "alpha >=1,<", "\x01alpha",
    "alpha" + "=" * 5000, "a" * 100_000, "alpha[build_number=x]", "::alpha", "alpha ==1.0 |",
    "conda-forge/linux-64::", "alpha[md5=zz, sha256=]", "\udcff",
]


@pytest.mark.parametrize("spec", ODD_SPECS, ids=range(len(ODD_SPECS)))
def test_odd_specs_on_the_command_line(umm: Umm, spec: str, tally) -> None:
    proc = umm.env.run(*umm.args("create", "-n", "o", spec, "--dry-run"), timeout=120,
                       env={"PYTHONIOENCODING": "utf-8:surrogateescape"})
    tally("hostile inputs", 1)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    if proc.returncode != 0:
        one_error_line(proc.stderr)
    assert not umm.prefix("o").exists()


ODD_FILES: List[bytes] = [
    b"alpha\x00beta\n",
    b"\xff\xfe\x00a\x00l\x00p\x00h\x00a\x00",
    b"\xef\xbb\xbfalpha\r\nbeta\r\n",
    b"alpha\n" + b"#" * 1_000_000 + b"\n",
    b"@EXPLICIT\nhttp://127.0.0.1:1/x/../../etc/passwd#00\n",
    b"name: x\ndependencies:\n  - &a [*a, *a]\n",
    b"a: &a [\"lol\",\"lol\"]\nb: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\nc: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
    b"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\ne: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
    b"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\ng: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
    b"dependencies: *g\n",
    b"dependencies:\n  - !!python/object/apply:os.system ['touch /tmp/umm-pwned']\n",
    b"\x1b[31malpha\x1b[0m\n",
]


@pytest.mark.parametrize("suffix", [".txt", ".yml"])
@pytest.mark.parametrize("data", ODD_FILES, ids=range(len(ODD_FILES)))
def test_odd_spec_files(umm: Umm, tmp_path: Path, data: bytes, suffix: str, tally) -> None:
    f = tmp_path / f"specs{suffix}"
    f.write_bytes(data)
    proc = umm.env.run(*umm.args("create", "-n", "o", "-f", str(f), "--dry-run"), timeout=120)
    tally("hostile inputs", 1)
    assert "Traceback" not in proc.stderr and "internal error" not in proc.stderr, proc.stderr
    if proc.returncode != 0:
        assert len(one_error_line(proc.stderr)) < 2000
    assert not umm.prefix("o").exists()
    assert not Path("/tmp/umm-pwned").exists()
