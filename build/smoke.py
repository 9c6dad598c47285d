"""Smoke-test a frozen umm executable right after it is built.

    python build/smoke.py EXE [--version V]

Runs EXE from an empty directory with a minimal environment (no PYTHON*
variables, HOME and MAMBA_ROOT_PREFIX in a temp dir) and checks that
``--version`` prints the version, ``--help`` lists every subcommand, and
``<command> --help`` works for every subcommand: each of those imports its own
``umm.cli`` module lazily, so a module the freezer missed fails here, not for a
user. Then it does the main job: creates an env from ``demo/channel`` (served over
HTTP) and runs a program in it. For a PyInstaller build it also lists the bundle: every module under umm/,
every data file under umm/ and certifi's CA bundle must be inside. Exit status 0
when all pass; failures are listed on stderr.
"""
from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Dict, List, Optional, Sequence

ROOT = Path(__file__).resolve().parent.parent


def commands() -> List[str]:
    """Subcommand names, from the source tree's ``umm.cli.main.COMMANDS``."""
    sys.path.insert(0, str(ROOT))
    try:
        from umm.cli.main import COMMANDS
    finally:
        sys.path.remove(str(ROOT))
    return list(COMMANDS)


def minimal_environ(tmp: Path) -> Dict[str, str]:
    return {
        "HOME": str(tmp / "home"),
        "MAMBA_ROOT_PREFIX": str(tmp / "root"),
        "PATH": "/usr/bin:/bin",
        "LANG": os.environ.get("LANG", "C.UTF-8"),
        "NO_COLOR": "1",
        "TMPDIR": str(tmp),
    }


def check(exe: str, version: Optional[str]) -> List[str]:
    failures: List[str] = []
    with tempfile.TemporaryDirectory(prefix="umm-smoke-") as tmpdir:
        tmp = Path(tmpdir)
        (tmp / "home").mkdir()
        (tmp / "cwd").mkdir()
        env = minimal_environ(tmp)

        def run(*args: str) -> subprocess.CompletedProcess:
            return subprocess.run([exe, *args], capture_output=True, text=True, env=env,
                                  cwd=str(tmp / "cwd"), timeout=120)

        proc = run("--version")
        if proc.returncode != 0 or (version and proc.stdout.strip() != version):
            failures.append(f"--version: exit {proc.returncode}, stdout {proc.stdout!r}, "
                            f"stderr {proc.stderr.strip()[-500:]!r}")
        names = commands()
        proc = run("--help")
        if proc.returncode != 0:
            failures.append(f"--help: exit {proc.returncode}: {proc.stderr.strip()[-500:]}")
        else:
            missing = [n for n in names if n not in proc.stdout]
            if missing:
                failures.append(f"--help does not list {', '.join(missing)}")

        def sub_help(name: str) -> Optional[str]:
            p = run(name, "--help")
            if p.returncode != 0 or "Traceback" in p.stderr:
                return f"{name} --help: exit {p.returncode}: {p.stderr.strip()[-500:]}"
            return None

        with ThreadPoolExecutor(max_workers=2) as pool:
            failures.extend(f for f in pool.map(sub_help, names) if f)
        # the hook calls umm back by the path of the file the user ran (MAMBA_EXE),
        # not by a copy a onefile launcher unpacked somewhere
        proc = run("shell", "hook", "-s", "bash")
        exported = [line.split("=", 1)[1].strip("'\"") for line in proc.stdout.splitlines()
                    if line.startswith("export MAMBA_EXE=")]
        if proc.returncode != 0 or exported != [exe]:
            failures.append(f"shell hook -s bash does not export MAMBA_EXE={exe}: exit "
                            f"{proc.returncode}, {proc.stdout[:300]!r} {proc.stderr[-300:]!r}")
        failures.extend(main_job(run, tmp))
    return failures


def main_job(run, tmp: Path) -> List[str]:
    """The README's main job with the frozen binary: create an env from the bundled
    demo channel, served over HTTP on 127.0.0.1 (the whole network stack must be
    in the bundle), and run a program in it. Both commands carry a ``-c`` argument,
    which a freezer may take as its own (Nuitka refuses it unless built with
    --deployment). zlib's pkg-config file must point at the env."""
    import functools
    import http.server
    import platform
    import threading

    channel = ROOT / "demo" / "channel"
    if not (channel / "linux-64" / "repodata.json").is_file() or \
            (platform.system(), platform.machine()) != ("Linux", "x86_64"):
        return []  # the demo channel's packages are linux-64 ones

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=str(channel)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}"
        p = run("create", "-y", "-n", "smoke", "-c", url, "--override-channels", "zlib")
        if p.returncode != 0:
            return [f"create -c <demo channel over http>: exit {p.returncode}: "
                    f"{p.stderr.strip()[-500:]}"]
    finally:
        server.shutdown()
        server.server_close()
    p = run("run", "-n", "smoke", "sh", "-c", 'cat "$CONDA_PREFIX/lib/pkgconfig/zlib.pc"')
    prefix = str(tmp / "root" / "envs" / "smoke")
    if p.returncode != 0 or f"prefix={prefix}" not in p.stdout:
        return [f"run -n smoke sh -c ...: exit {p.returncode}, stdout {p.stdout[-300:]!r}, "
                f"stderr {p.stderr.strip()[-300:]!r}"]
    return []


def check_pyinstaller_bundle(exe: str) -> List[str]:
    """For a PyInstaller onefile: every umm module and certifi's CA bundle is inside.

    Empty when ``exe`` is not a PyInstaller executable (or PyInstaller is absent).
    """
    try:
        from PyInstaller.archive.readers import CArchiveReader, ZlibArchiveReader
        carchive = CArchiveReader(exe)
    except Exception:  # not a PyInstaller build, or no PyInstaller here
        return []
    sys.path.insert(0, str(ROOT / "build"))
    try:
        import buildlib
    finally:
        sys.path.remove(str(ROOT / "build"))
    failures: List[str] = []
    if "certifi/cacert.pem" not in carchive.toc:
        failures.append("certifi/cacert.pem is not in the bundle")
    with tempfile.TemporaryDirectory(prefix="umm-pyz-") as tmpdir:
        pyz = Path(tmpdir) / "PYZ.pyz"
        pyz.write_bytes(carchive.extract("PYZ.pyz"))
        frozen = set(ZlibArchiveReader(str(pyz)).toc)
    missing = [m for m in buildlib.package_modules(ROOT) if m not in frozen]
    if missing:
        failures.append(f"modules not in the bundle: {', '.join(missing)}")
    datas = {f"{dest}/{Path(src).name}" for src, dest in buildlib.package_data(ROOT)}
    missing_data = sorted(datas - set(carchive.toc))
    if missing_data:
        failures.append(f"data files not in the bundle: {', '.join(missing_data)}")
    return failures


# Extension modules umm needs at full speed that the standard library imports inside
# try/except (a pure-Python fallback exists, so a freezer may leave them out silently).
ACCELERATORS = ("_json", "_bisect", "_heapq", "_struct", "_datetime", "_random")


def check_nuitka_dist(dist: Path) -> List[str]:
    """A Nuitka standalone distribution has certifi's CA bundle and the C accelerators
    (an extension module ``<name>*.so``, unless built into this Python)."""
    failures: List[str] = []
    if not (dist / "certifi" / "cacert.pem").is_file():
        failures.append(f"no certifi/cacert.pem in the Nuitka distribution {dist}")
    for name in ACCELERATORS:
        if name in sys.builtin_module_names:
            continue
        if not any(dist.glob(f"{name}.*so")) and not any(dist.glob(f"{name}.cpython-*.so")):
            failures.append(f"{name} (C accelerator) is not in {dist}: its pure-Python "
                            "fallback would be used")
    return failures


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(prog="smoke.py", description="smoke-test a frozen umm")
    parser.add_argument("exe")
    parser.add_argument("--version", default=None, help="the version --version must print")
    args = parser.parse_args(argv)
    exe = str(Path(args.exe).resolve())
    if not os.access(exe, os.X_OK):
        print(f"smoke: {exe} is not an executable file", file=sys.stderr)
        return 1
    failures = check(exe, args.version) + check_pyinstaller_bundle(exe)
    dist = Path(exe).parent
    if dist.name.endswith(".dist"):
        failures.extend(check_nuitka_dist(dist))
    for f in failures:
        print(f"smoke: FAIL {f}", file=sys.stderr)
    if not failures:
        print(f"smoke: ok {exe}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    raise SystemExit(main())
