"""Entry point of the frozen ``umm`` executable (PyInstaller and Nuitka builds).

Kept out of the ``umm`` package so the package itself stays importable as a
library; it does what ``python -m umm`` does.

Nuitka's onefile bootstrap hands its child process ``NUITKA_ONEFILE_*``
variables; they are dropped here so programs umm starts (link scripts,
``umm run``, shells) do not inherit them. (PyInstaller's equivalent clean-up is
the runtime hook ``spec/pyi_rth_umm_environ.py``.)

For code that needs the path of the running umm (``MAMBA_EXE`` in shell hooks):
PyInstaller sets ``sys.frozen`` and ``sys.executable`` is the binary; Nuitka sets
``__compiled__`` in every module, and ``sys.argv[0]`` is the binary the user ran:
Nuitka's onefile passes it on, and umm's own launcher (build/onefile), which execs
the unpacked standalone program, sets argv[0] to its own absolute path.
"""
import os

_NUITKA_VARIABLES = ("NUITKA_ONEFILE_PARENT", "NUITKA_ONEFILE_DIRECTORY", "NUITKA_ORIGINAL_ARGV0")


def _restore_environ() -> None:
    if "__compiled__" in globals():
        for name in _NUITKA_VARIABLES:
            os.environ.pop(name, None)


if __name__ == "__main__":
    _restore_environ()
    from umm.cli.main import entry

    entry()
