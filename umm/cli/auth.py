"""`umm auth` (not implemented yet: its issue has not landed)."""
from umm.cli._notyet import configure, run  # noqa: F401
