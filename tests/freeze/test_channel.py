"""The stand-in demo channel is a real channel: py-rattler solves and installs it."""
from __future__ import annotations

import asyncio
import subprocess

import pytest

from tests.freeze.channel import build_channel


def test_rattler_installs_the_demo_channel(tmp_path):
    rattler = pytest.importorskip("rattler")
    channel = build_channel(tmp_path / "channel")
    prefix = tmp_path / "env"

    async def solve_and_install():
        records = await rattler.solve(sources=[rattler.Channel(channel.as_uri())],
                                      specs=["umm-hello"], platforms=["linux-64", "noarch"])
        await rattler.install(records, target_prefix=prefix, cache_dir=tmp_path / "cache",
                              show_progress=False)
        return sorted(r.name.normalized for r in records)

    assert asyncio.run(solve_and_install()) == ["umm-hello", "umm-hello-data"]
    out = subprocess.run([str(prefix / "bin" / "umm-hello")], capture_output=True, text=True)
    assert out.stdout.strip() == f"hello from umm-hello, data: {prefix}"
