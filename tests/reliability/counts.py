"""Counts the reliability suites report: faults injected, trials run, inputs fuzzed.

Tests record them with the ``tally`` fixture (``tally("faults injected", n)``),
which stores them as user properties of the test's report; those travel back from
pytest-xdist workers with the reports, so the controller can add them up.
:func:`pytest_terminal_summary` (imported by ``tests/conftest.py``) prints the sums.
"""
from __future__ import annotations

from typing import Any, Dict

PREFIX = "reliability: "


def totals(stats: Dict[str, Any]) -> Dict[str, int]:
    sums: Dict[str, int] = {}
    seen = set()
    for reports in stats.values():
        for rep in reports:
            props = getattr(rep, "user_properties", None)
            if not props or getattr(rep, "when", "call") != "call":
                continue
            if rep.nodeid in seen:
                continue
            seen.add(rep.nodeid)
            for key, value in props:
                if isinstance(key, str) and key.startswith(PREFIX):
                    name = key[len(PREFIX):]
                    sums[name] = sums.get(name, 0) + int(value)
    return sums


def pytest_terminal_summary(terminalreporter: Any) -> None:
    sums = totals(terminalreporter.stats)
    if not sums:
        return
    terminalreporter.section("reliability counts")
    for name in sorted(sums):
        terminalreporter.write_line(f"{name}: {sums[name]}")
