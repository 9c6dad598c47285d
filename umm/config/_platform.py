"""The host platform (conda subdir)."""
from __future__ import annotations


def current_platform() -> str:
    """``linux-64``, ``osx-arm64``, ``win-64`` ... for this machine."""
    from umm.specs import Platform

    return str(Platform.current())
