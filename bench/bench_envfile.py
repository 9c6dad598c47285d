"""Spec-file benchmarks: parsing explicit files and conda-lock files, writing lock files.

Compares with py-rattler where it has a counterpart (``ExplicitEnvironmentSpec.from_path``,
``LockFile.from_path`` + ``conda_repodata_records_for_platform``, ``LockFile.to_path``)
and prints ratios (umm / rattler: below 1 means umm is faster). Run from the repository
root:

    python3 bench/bench_envfile.py [--runs 20] [--packages 500]

Targets (checked here, never in unit tests): a 568-package @EXPLICIT file parses in
under 20 ms; a 3-platform lock file of 500 packages a platform (a large real
environment) parses and selects in under 1 s and is written in under 0.5 s.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable, List, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))
DATA = REPO.parent / "shared" / "data"
EXPLICIT = DATA / "envfiles" / "rattler-explicit-envs-ros-noetic_linux-64.txt"
CONDA_LOCK = DATA / "lockfiles" / "rattler-v0" / "pypi-matplotlib-conda-lock.yml"
PLATFORMS = ("linux-64", "osx-arm64", "win-64")


def timed(fn: Callable[[], object], runs: int) -> float:
    """Median seconds of ``runs`` calls (after one warm-up)."""
    fn()
    samples = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def peak_mib(fn: Callable[[], object]) -> float:
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / (1 << 20)
    finally:
        tracemalloc.stop()


def big_lock_records(n: int) -> dict:
    from umm.specs import RepoDataRecord

    out = {}
    for plat in PLATFORMS:
        recs = []
        for i in range(n):
            name = f"pkg{i:05d}"
            recs.append(RepoDataRecord.from_json({
                "name": name, "version": f"{i % 7}.{i % 13}.{i % 5}", "build": f"h{i:08x}_0",
                "build_number": 0, "subdir": plat, "md5": f"{i:032x}", "sha256": f"{i:064x}",
                "depends": [f"pkg{(i * 7 + k) % n:05d} >={k}.0" for k in range(i % 4)],
                "url": f"https://conda.anaconda.org/conda-forge/{plat}/{name}-1-h{i:08x}_0.conda",
                "channel": f"https://conda.anaconda.org/conda-forge/{plat}"}))
        out[plat] = recs
    return out


def report(label: str, ours: float, theirs: Optional[float], target: Optional[float] = None,
           mib: Optional[float] = None) -> None:
    line = f"{label:<44} umm {ours * 1000:9.2f} ms"
    if theirs is not None:
        line += f"   rattler {theirs * 1000:9.2f} ms   ratio {ours / theirs:6.2f}"
    if mib is not None:
        line += f"   peak {mib:6.1f} MiB"
    if target is not None:
        line += f"   target < {target * 1000:.0f} ms: {'ok' if ours < target else 'MISSED'}"
    print(line)


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runs", type=int, default=20)
    ap.add_argument("--packages", type=int, default=500)
    args = ap.parse_args(argv)
    try:
        import rattler
    except ImportError:  # pragma: no cover
        rattler = None
        print("py-rattler not installed: umm figures only")

    from umm.envfile.export import lock_from_records
    from umm.envfile.lockfile import CondaLock
    from umm.envfile.textfile import SpecTextFile

    text = EXPLICIT.read_text()
    ours = timed(lambda: SpecTextFile.parse(text, str(EXPLICIT)), args.runs)
    theirs = None
    if rattler is not None:
        from rattler.explicit_environment import ExplicitEnvironmentSpec

        theirs = timed(lambda: ExplicitEnvironmentSpec.from_path(EXPLICIT), args.runs)
    report("@EXPLICIT parse (568 packages)", ours, theirs, 0.020)

    lock_text = CONDA_LOCK.read_text()
    ours = timed(lambda: CondaLock.parse(lock_text).select("linux-64"), args.runs)
    theirs = None
    if rattler is not None:
        def rattler_lock() -> object:
            env = rattler.LockFile.from_path(CONDA_LOCK).default_environment()
            plat = next(p for p in env.platforms() if str(p.name) == "linux-64")
            return env.conda_repodata_records_for_platform(plat)
        theirs = timed(rattler_lock, args.runs)
    report("conda-lock v1 parse+select (matplotlib)", ours, theirs)

    records = big_lock_records(args.packages)
    runs = max(3, args.runs // 5)
    build = lambda: str(lock_from_records(records, ["conda-forge"], ["environment.yml"]))  # noqa: E731
    ours_write = timed(build, runs)
    big = build()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "big-lock.yml"
        path.write_text(big)
        ours = timed(lambda: CondaLock.parse(big).select("linux-64"), runs)
        mib = peak_mib(lambda: CondaLock.parse(big).select("linux-64"))
        theirs = theirs_write = None
        if rattler is not None:
            def rattler_big() -> object:
                env = rattler.LockFile.from_path(path).default_environment()
                plat = next(p for p in env.platforms() if str(p.name) == "linux-64")
                return env.conda_repodata_records_for_platform(plat)
            theirs = timed(rattler_big, runs)
            lf = rattler.LockFile.from_path(path)
            theirs_write = timed(lambda: lf.to_path(Path(tmp) / "out-lock.yml"), runs)
    n = args.packages * len(PLATFORMS)
    report(f"lock parse+select ({n} packages, 3 platforms)", ours, theirs, 1.0, mib)
    report(f"lock write ({n} packages)", ours_write, theirs_write, 0.5,
           peak_mib(build))
    print(f"lock file size: {len(big) / (1 << 20):.1f} MiB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
