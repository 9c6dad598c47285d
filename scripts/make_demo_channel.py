#!/usr/bin/env python3
"""Regenerate demo/channel: real packages from ../shared/data/packages plus builder-made ones.

    python3 scripts/make_demo_channel.py [--shared ../shared] [--out demo/channel]

Contents (linux-64 + noarch, each with repodata.json):
* real: zlib 1.2.11, link-scripts, test-package
* built: libgcc-ng (zlib's dependency; an empty placeholder of the system's runtime),
  prefix-echo (a C program printing its relocated prefix), python (venv-style, the
  host's interpreter), umm-hello (a noarch python app with an entry point), and
  hello-data 1.0 / 2.0 (for update demos).

The venv-style python package links to the interpreter of the machine that ran this
script, so the committed channel's python works on machines with the same path
(this one and CI); run the script again elsewhere.
"""
from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support import builder  # noqa: E402
from tests.support.builder import File, Package  # noqa: E402

REAL = ["linux-64/zlib-1.2.11-h7b6447c_3.conda", "linux-64/link-scripts-0.1.0-h4616a5c_0.conda",
        "noarch/test-package-0.1-0.tar.bz2"]


def built_packages():
    hello = builder.noarch_python("umm-hello", "1.0", modules={
        "umm_hello/__init__.py": (
            "import sys\n\n\ndef main():\n"
            "    print(f'hello from umm-hello, running on {sys.executable}')\n"
            "    return 0\n"),
    }, entry_points=["umm-hello = umm_hello:main"])
    return [
        Package("libgcc-ng", "12.2.0", "h0_0", files=[
            File("share/doc/libgcc-ng/README", "Demo stand-in: the system's libgcc is used.\n")]),
        builder.c_program("prefix-echo", "1.0", "h0_0"),
        builder.venv_python(),
        hello,
        Package("hello-data", "1.0", "0", noarch="generic",
                files=[File.text("share/hello-data/where.txt", f"installed in {builder.TEXT_PLACEHOLDER}\n",
                                 placeholder=True)]),
        Package("hello-data", "2.0", "0", noarch="generic",
                files=[File.text("share/hello-data/where.txt", f"v2 installed in {builder.TEXT_PLACEHOLDER}\n",
                                 placeholder=True)]),
    ]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--out", type=Path, default=REPO / "demo" / "channel")
    args = ap.parse_args()
    real = [args.shared / "data" / "packages" / p for p in REAL]
    missing = [str(p) for p in real if not p.exists()]
    if missing:
        print("missing real packages: " + ", ".join(missing), file=sys.stderr)
        return 1
    shutil.rmtree(args.out, ignore_errors=True)
    builder.write_channel(args.out, built_packages() + real, subdirs=["linux-64", "noarch"])
    for sub in ("linux-64", "noarch"):
        names = sorted(p.name for p in (args.out / sub).iterdir() if p.name != "repodata.json")
        print(f"{sub}: {', '.join(names)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
