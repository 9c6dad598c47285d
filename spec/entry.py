"""Entry point of the frozen ``umm`` executable (PyInstaller and Nuitka builds).

Kept out of the ``umm`` package so the package itself stays importable as a
library; it does what ``python -m umm`` does.
"""
from umm.cli.main import main

if __name__ == "__main__":
    raise SystemExit(main())
