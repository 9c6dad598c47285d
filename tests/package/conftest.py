"""Fixtures of the package tests: the local channel server (tests/support)."""
from tests.support.fixtures import channel_server, make_channel_server  # noqa: F401
