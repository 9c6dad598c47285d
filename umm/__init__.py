"""umm: a micromamba-compatible conda package manager."""

__version__ = "0.1.0"
