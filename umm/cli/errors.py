"""Turning errors into one-line messages and exit codes (the only place that does)."""
from __future__ import annotations

import os
import sys
from typing import Callable


def _debug_enabled(args) -> bool:
    return bool(getattr(args, "debug", False)) or int(getattr(args, "verbose", 0) or 0) >= 3 \
        or os.environ.get("UMM_DEBUG") == "1"


MAX_LINE = 1000  # an error quoting hostile input (a 1 MB spec, a YAML bomb) stays readable


def format_error(exc: BaseException) -> str:
    text = str(exc).strip() or exc.__class__.__name__
    # one line: the first line of the message, later lines kept only for
    # errors that are deliberately multi-line (solver explanations)
    if getattr(exc, "multiline", False):
        return text
    line = " ".join(text.split("\n")[0].split()) if "\n" in text else text
    if len(line) > MAX_LINE:
        line = f"{line[:MAX_LINE]}... ({len(line) - MAX_LINE} more characters)"
    return line


# What a Ctrl-C does depends on when it comes (see install_interrupt_handler):
# RUNNING while a command works; an exit code once the command is over; STARTING
# before (argument parsing, imports).
STARTING, RUNNING = -1, -2
_state = STARTING


def _on_sigint(signum: int, frame: object) -> None:
    if _state == RUNNING:
        raise KeyboardInterrupt  # the command cleans up (rolls back) and reports
    code = _state
    if code == STARTING:
        code = 130
        try:
            sys.stderr.write("\nerror: interrupted\n")
        except Exception:
            pass
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except Exception:
            pass
    os._exit(code)


def install_interrupt_handler() -> None:
    """Ctrl-C raises KeyboardInterrupt only while a command runs (run_guarded).

    Before, nothing has started: exit 130 at once. After, only the interpreter's own
    shutdown is left (atexit joining worker threads and closing pooled HTTP
    connections), where a KeyboardInterrupt would print a traceback ("Exception
    ignored in atexit callback"): exit at once with the command's exit code. For
    the process entry point only; a SIGINT the parent set to be ignored stays so.
    """
    import _signal  # the C module: `signal` would import enum on the --version path

    try:
        if _signal.getsignal(_signal.SIGINT) is _signal.SIG_IGN:
            return
        _signal.signal(_signal.SIGINT, _on_sigint)
    except (ValueError, OSError):  # not the main thread
        pass


def run_guarded(fn: Callable[[], int], args) -> int:
    global _state
    from umm.errors import UmmError

    try:
        _state = RUNNING
        code = fn()
        _state = code if isinstance(code, int) and 0 <= code < 256 else 1
        return code
    except UmmError as exc:
        _state = 1  # first, and without a call: a Ctrl-C from here on must not raise
        _state = exc.exit_code if isinstance(exc.exit_code, int) else 1
        if _debug_enabled(args):
            import traceback

            traceback.print_exc()
        _emit_error(args, format_error(exc), exc)
        return exc.exit_code
    except KeyboardInterrupt:
        _state = 130
        sys.stderr.write("\nerror: interrupted\n")
        return 130
    except BrokenPipeError:
        _state = 141
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 141
    except Exception as exc:  # a bug: still one line unless debugging
        _state = 1
        if _debug_enabled(args):
            import traceback

            traceback.print_exc()
        sys.stderr.write(
            f"error: internal error: {exc.__class__.__name__}: {exc} "
            "(run with --debug for a traceback)\n"
        )
        return 1


def _emit_error(args, text: str, exc: BaseException) -> None:
    if getattr(args, "json", False):
        import json

        doc = {"success": False, "error": text, "error_type": exc.__class__.__name__}
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    # a multi-line error (a solver explanation) is printed whole, its first line
    # marked like any other error: "error: Could not solve ...", then the tree
    sys.stderr.write(f"error: {text}\n")
