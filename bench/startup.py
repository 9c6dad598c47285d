"""Start-up time of umm: python -m umm vs the frozen builds, side by side.

    python3 bench/startup.py [-n RUNS] [--dist DIR] [--importtime] [--json FILE]

Measures wall time per run (median, min, mean in ms over RUNS runs after warm-up)
for ``umm --version``, ``umm --help``, ``umm shell hook -s bash`` and
``umm activate`` (the last two once they are implemented) from:

* ``python -m umm`` and ``python -S -m umm`` (this checkout; -S skips site, whose
  .pth files can cost more than umm itself),
* the PyInstaller onefile binary   dist/pyinstaller/umm
* the Nuitka standalone binary     dist/nuitka-standalone/umm.dist/umm
* the Nuitka standalone dir in umm's exec launcher   dist/nuitka/umm (build/onefile;
  warm unpack cache, its first, cold run is reported separately)
* Nuitka's own onefile binary      dist/nuitka-onefile/umm  (warm unpack cache;
  its first, cold run is reported separately)
* dist/umm, the release binary,

next to ``python -c pass`` (the floor of any Python program) and
``python -c "import rattler"`` (py-rattler, when installed). Ratios are
against ``python -c pass``. Also prints binary and archive sizes. Build the
binaries first with ``build/build.sh all``. Target: umm --version < 60 ms frozen.

``--importtime`` prints, for python -m umm, the slowest imports of each fast
path (``python -X importtime``), to find imports that should be lazy.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional, Sequence, Tuple

ROOT = Path(__file__).resolve().parent.parent
COMMANDS: List[Tuple[str, List[str]]] = [
    ("--version", ["--version"]),
    ("--help", ["--help"]),
    ("shell hook -s bash", ["shell", "hook", "-s", "bash"]),
    ("activate", ["activate"]),
]


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_runs(argv: Sequence[str], env: Dict[str, str], runs: int, warmup: int = 2,
               cwd: Optional[str] = None) -> List[Tuple[float, float]]:
    """(wall ms, CPU ms) of ``runs`` runs (after ``warmup`` untimed ones).

    CPU time (user + system of the process and its children, e.g. a onefile's
    unpacked program) hardly depends on what else the machine is doing; wall time does.
    """
    times: List[Tuple[float, float]] = []
    for i in range(warmup + runs):
        cpu0 = _children_cpu()
        start = time.perf_counter()
        subprocess.run(argv, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        elapsed = (time.perf_counter() - start) * 1000
        cpu = (_children_cpu() - cpu0) * 1000
        if i >= warmup:
            times.append((elapsed, cpu))
    return times


def works(argv: Sequence[str], env: Dict[str, str]) -> bool:
    proc = subprocess.run(argv, env=env, capture_output=True, text=True)
    return proc.returncode == 0


def size_of(path: Path) -> int:
    if path.is_dir():
        return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return path.stat().st_size


def mb(n: int) -> str:
    return f"{n / 1e6:.1f} MB"


def variants(dist: Path) -> List[Tuple[str, List[str], Optional[Path]]]:
    """(label, command prefix, file to size) of every umm we can run."""
    found: List[Tuple[str, List[str], Optional[Path]]] = [
        ("python -m umm", [sys.executable, "-m", "umm"], None),
        # without site: .pth files of the host's site-packages can cost more than umm
        ("python -S -m umm", [sys.executable, "-S", "-m", "umm"], None)]
    for label, path in (("pyinstaller onefile", dist / "pyinstaller" / "umm"),
                        ("nuitka standalone", dist / "nuitka-standalone" / "umm.dist" / "umm"),
                        ("nuitka + umm launcher", dist / "nuitka" / "umm"),
                        ("nuitka onefile", dist / "nuitka-onefile" / "umm"),
                        ("release dist/umm", dist / "umm")):
        if path.is_file() and os.access(path, os.X_OK):
            sized = path.parent if label == "nuitka standalone" else path
            found.append((label, [str(path)], sized))
    return found


def importtime(env: Dict[str, str], top: int = 12) -> None:
    """Print the slowest cumulative imports of each fast path under python -m umm."""
    for title, args in COMMANDS:
        argv = [sys.executable, "-S", "-X", "importtime", "-m", "umm", *args]
        proc = subprocess.run(argv, env=env, capture_output=True, text=True)
        if proc.returncode != 0:
            continue
        rows = []
        for line in proc.stderr.splitlines():
            if not line.startswith("import time:") or "cumulative" in line:
                continue
            self_us, cum_us, name = (p.strip() for p in line.split(":", 1)[1].split("|"))
            rows.append((int(cum_us), int(self_us), name))
        rows.sort(reverse=True)
        print(f"\n-S -X importtime, umm {title}: {len(rows)} modules imported; slowest (cumulative):")
        for cum, own, name in rows[:top]:
            print(f"  {cum / 1000:7.1f} ms  (self {own / 1000:5.1f})  {name}")


def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("-n", "--runs", type=int, default=30)
    parser.add_argument("--dist", type=Path, default=ROOT / "dist")
    parser.add_argument("--importtime", action="store_true")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    args = parser.parse_args(argv)

    tmp = Path(tempfile.mkdtemp(prefix="umm-startup-"))
    try:
        env = {
            "HOME": str(tmp / "home"), "MAMBA_ROOT_PREFIX": str(tmp / "root"),
            "XDG_CACHE_HOME": str(tmp / "cache"), "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "LANG": "C.UTF-8", "NO_COLOR": "1", "PYTHONPATH": str(ROOT), "TERM": "dumb",
        }
        (tmp / "home").mkdir()
        # every (variant, command) to time, then run them round-robin so that load
        # from other processes on the machine hits all of them alike
        cases: List[Tuple[str, str, List[str]]] = [
            ("python", "-c pass", [sys.executable, "-c", "pass"]),
            ("python -I -S", "-c pass", [sys.executable, "-I", "-S", "-c", "pass"]),
        ]
        rattler_cmd = [sys.executable, "-c", "import rattler"]
        if works(rattler_cmd, env):
            cases.append(("py-rattler", "import rattler", rattler_cmd))
        sizes: Dict[str, int] = {}
        cold: Dict[str, float] = {}
        for label, prefix, sized in variants(args.dist):
            if label in ("nuitka onefile", "nuitka + umm launcher"):  # the first run unpacks
                cold_env = dict(env, XDG_CACHE_HOME=str(tmp / "cold-cache"))
                start = time.perf_counter()
                subprocess.run(prefix + ["--version"], env=cold_env, stdout=subprocess.DEVNULL)
                cold[label] = (time.perf_counter() - start) * 1000
            for title, cmd in COMMANDS:
                if title not in ("--version", "--help") and not works(prefix + cmd, env):
                    continue  # not implemented yet
                cases.append((label, title, prefix + cmd))
            if sized is not None:
                sizes[label] = size_of(sized)

        times: Dict[int, List[Tuple[float, float]]] = {i: [] for i in range(len(cases))}
        for _l, _t, argv_ in cases:  # warm-up: page cache, unpack caches
            timed_runs(argv_, env, 0, warmup=2)
        for _ in range(args.runs):
            for i, (_l, _t, argv_) in enumerate(cases):
                times[i].extend(timed_runs(argv_, env, 1, warmup=0))

        floor = statistics.median(w for w, _c in times[0])
        print(f"{sys.executable} ({sys.version.split()[0]}), {args.runs} runs each "
              f"(interleaved), {os.cpu_count()} CPUs, load {os.getloadavg()[0]:.2f}")
        print("wall: elapsed ms (median, min); cpu: user+sys ms of the process tree "
              "(median); x floor: wall median / python -c pass\n")
        header = (f"{'variant':24} {'command':20} {'wall':>7} {'min':>7} {'cpu':>7} "
                  f"{'x floor':>8}")
        print(header)
        print("-" * len(header))
        results: Dict[str, Dict[str, float]] = {}
        for i, (label, title, _argv) in enumerate(cases):
            walls = [w for w, _c in times[i]]
            cpus = [c for _w, c in times[i]]
            med = statistics.median(walls)
            cpu = statistics.median(cpus)
            results[f"{label} | {title}"] = {"median_ms": med, "min_ms": min(walls),
                                             "mean_ms": statistics.fmean(walls),
                                             "cpu_median_ms": cpu}
            print(f"{label:24} {title:20} {med:7.1f} {min(walls):7.1f} {cpu:7.1f} "
                  f"{med / floor:8.2f}")
        for label, ms in cold.items():
            results[f"{label} (cold) | --version"] = {"median_ms": ms, "min_ms": ms,
                                                      "mean_ms": ms}
            print(f"{label + ' (cold)':24} {'--version':20} {ms:7.1f}   (first run: unpacks)")
        if sizes:
            print("\nsizes:")
            for label, n in sizes.items():
                print(f"  {label:24} {mb(n)}")
        for archive in sorted(args.dist.glob("umm-*.tar.bz2")):
            sizes[archive.name] = archive.stat().st_size
            print(f"  {archive.name:24} {mb(archive.stat().st_size)}  (target <= 25 MB)")
        if args.importtime:
            importtime(env)
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps({"floor_ms": floor, "results": results,
                                             "sizes": sizes}, indent=2))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
