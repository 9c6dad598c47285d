"""umm.ui.console: message levels, plain and live progress, confirm."""
from __future__ import annotations

import io
import re

from umm.ui.console import ConsoleReporter, confirm, make_reporter


def _run(rep) -> None:
    rep.debug("dbg")
    rep.info("hello")
    rep.warning("careful")
    rep.error("broken")
    rep.start("download", "a.conda", "a.conda", 2000)
    rep.advance("download", "a.conda", 2000)
    rep.finish("download", "a.conda", True)
    rep.start("extract", "a.conda", "a.conda", None)
    rep.finish("extract", "a.conda", True)


def test_plain_lines_when_not_a_tty() -> None:
    out = io.StringIO()
    rep = make_reporter(stream=out)
    _run(rep)
    rep.close()
    text = out.getvalue()
    assert "dbg" not in text
    assert "hello\n" in text and "warning: careful\n" in text and "error: broken\n" in text
    assert "Downloaded a.conda (2.0 kB" in text
    assert "Extracted" not in text and "\x1b[" not in text


def test_verbosity() -> None:
    out = io.StringIO()
    rep = make_reporter(verbose=2, stream=out)
    _run(rep)
    text = out.getvalue()
    assert "debug: dbg" in text and "Extracted a.conda" in text


def test_quiet_and_json_show_only_problems() -> None:
    for kw in ({"quiet": True}, {"json": True}):
        out = io.StringIO()
        rep = make_reporter(stream=out, **kw)
        _run(rep)
        assert out.getvalue() == "warning: careful\nerror: broken\n"


def test_live_block_is_drawn_and_erased() -> None:
    out = io.StringIO()
    rep = ConsoleReporter(out, live=True)
    rep.start("download", "a", "a-1.0-0.conda", 10_000)
    rep.advance("download", "a", 5_000)
    rep.info("a message goes above the bars")
    rep.finish("download", "a", True)
    rep.close()
    text = out.getvalue()
    assert "a-1.0-0.conda" in text and "Downloading 0/1" in text
    assert "\x1b[K\n" in text and "\x1b[F" in text
    assert "a message goes above the bars\n" in text
    last = re.sub(r"\x1b\[\d*[A-Za-z]", "", text.rstrip("\n").rsplit("\n", 1)[-1])
    assert last.startswith("Downloading 1/1  10.0 kB / 10.0 kB  ")  # the summary stays


def test_confirm() -> None:
    def ask(answer: str, default: bool = True) -> bool:
        return confirm("Go on?", default, stdin=io.StringIO(answer), stdout=io.StringIO())

    assert ask("y\n") and ask("YES\n") and not ask("n\n")
    assert ask("\n") and not ask("\n", default=False)
    assert ask("") and not ask("", default=False)  # end of input: the default
    assert ask("maybe\ny\n")
    out = io.StringIO()
    assert confirm("Go on?", False, always_yes=True, stdin=io.StringIO(""), stdout=out)
    assert out.getvalue() == ""
    out = io.StringIO()
    confirm("Remove?", True, stdin=io.StringIO("y\n"), stdout=out)
    assert out.getvalue() == "Remove? [Y/n]: y\n"  # piped answers are echoed
