"""pytest fixtures for the test channel server.

Load them from ``tests/conftest.py`` with ``pytest_plugins = ["tests.support.fixtures"]``
(or import the fixtures into an area's conftest).
"""
from __future__ import annotations

from pathlib import Path
from typing import Callable, Iterator, List

import pytest

from tests.support.server import ChannelServer


@pytest.fixture
def channel_server(tmp_path: Path) -> Iterator[ChannelServer]:
    """A running server over ``tmp_path / "channel"`` (empty; write files into ``.root``)."""
    srv = ChannelServer(tmp_path / "channel").start()
    try:
        yield srv
    finally:
        srv.stop()


@pytest.fixture
def make_channel_server() -> Iterator[Callable[..., ChannelServer]]:
    """Factory: ``make_channel_server(root, auto_zst=False)``; all stopped at teardown."""
    servers: List[ChannelServer] = []

    def make(root: Path, auto_zst: bool = False) -> ChannelServer:
        srv = ChannelServer(root, auto_zst=auto_zst).start()
        servers.append(srv)
        return srv

    try:
        yield make
    finally:
        for srv in servers:
            srv.stop()
