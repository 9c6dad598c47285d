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


def run_guarded(fn: Callable[[], int], args) -> int:
    from umm.errors import UmmError

    try:
        return fn()
    except UmmError as exc:
        if _debug_enabled(args):
            import traceback

            traceback.print_exc()
        _emit_error(args, format_error(exc), exc)
        return exc.exit_code
    except KeyboardInterrupt:
        sys.stderr.write("\nerror: interrupted\n")
        return 130
    except BrokenPipeError:
        try:
            sys.stdout = open(os.devnull, "w")
        except OSError:
            pass
        return 141
    except Exception as exc:  # a bug: still one line unless debugging
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
