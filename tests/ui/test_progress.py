"""umm.ui.progress: formatting and the progress model."""
from __future__ import annotations

from umm.ui.progress import (ProgressModel, format_duration, format_size, format_speed,
                             render_bar, render_done, render_lines, render_task, render_totals)


class Clock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def test_formats() -> None:
    assert format_size(0) == "0 B"
    assert format_size(999) == "999 B"
    assert format_size(1234) == "1.2 kB"
    assert format_size(12_345_678) == "12.3 MB"
    assert format_size(3 * 10 ** 12) == "3.0 TB"
    assert format_speed(2_500_000) == "2.5 MB/s"
    assert format_speed(0) == "-- B/s"
    assert format_duration(None) == "--"
    assert format_duration(5.4) == "5s"
    assert format_duration(62) == "1m02s"
    assert format_duration(3700) == "1h01m"


def test_bar() -> None:
    assert render_bar(0.5, 10, ascii_only=True) == "#####-----"
    assert render_bar(1.5, 4, ascii_only=True) == "####"
    assert render_bar(None, 6, ascii_only=True, phase=2) == "--###-"
    assert len(render_bar(0.3, 20)) == 20


def test_model_totals_speed_and_eta() -> None:
    clock = Clock()
    m = ProgressModel(clock)
    m.start("download", "a", "a-1.0-0.conda", 1000)
    m.start("download", "b", "b-1.0-0.conda", 3000)
    clock.t += 2
    m.advance("download", "a", 1000)
    m.advance("download", "b", 1000)
    m.finish("download", "a", True, "")
    t = m.totals("download")
    assert (t.count, t.finished, t.done, t.total) == (2, 1, 2000, 4000)
    assert t.speed == 1000.0 and t.eta == 2.0
    line = render_totals(t, 200)
    assert line.startswith("Downloading 1/2") and "2.0 kB / 4.0 kB" in line and "ETA 2s" in line
    assert [x.key for x in m.active()] == ["b"]
    lines = render_lines(m, 80, ascii_only=True)
    assert len(lines) == 2 and lines[0].startswith("b-1.0-0.conda")
    assert all(len(x) <= 80 for x in lines)


def test_unknown_totals_and_failures() -> None:
    clock = Clock()
    m = ProgressModel(clock)
    m.start("extract", "x", "x.conda", None)
    m.finish("extract", "x", False, "bad archive")
    t = m.totals("extract")
    assert t.total is None and t.failed == 1
    assert "1 failed" in render_totals(t, 100)
    task = m.finish("extract", "x", False, "bad archive")
    assert render_done(task, clock()) == "Failed: extracting x.conda (bad archive)"


def test_task_line_fits_narrow_terminals() -> None:
    clock = Clock()
    m = ProgressModel(clock)
    task = m.start("download", "k", "a-very-long-package-name-1.2.3-h1234567_0.conda", 10 ** 6)
    clock.t += 1
    m.advance("download", "k", 500_000)
    for width in (40, 60, 120):
        line = render_task(task, width, clock(), ascii_only=True)
        assert len(line) <= width and "500.0 kB" in line
    done = m.finish("download", "k", True, "")
    assert render_done(done, clock()).startswith("Downloaded a-very-long-package-name")
