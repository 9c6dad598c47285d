"""Extraction throughput: umm vs conda-package-handling vs py-rattler, same run.

    python3 bench/extract.py [--size-mb 100] [--reps 3] [--workdir DIR]

1. every real package of ../shared/data/packages (one after the other, then
   umm's extract_many with 2 threads);
2. a generated ~SIZE MB .conda (incompressible blobs plus text, thousands of
   files), extracted by each tool in turn; best and median of ``--reps``.

Prints MB/s of extracted bytes and the ratio umm / other (> 1: umm faster).
Target: umm at least as fast as conda-package-handling on the big .conda.
"""
from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable, Dict, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from umm.package.compress import compress  # noqa: E402
from umm.package.extract import extract, extract_many  # noqa: E402

SHARED = REPO.parent / "shared" / "data" / "packages"
WORDS = ("lorem ipsum dolor sit amet consectetur adipiscing elit sed do eiusmod tempor "
         "incididunt ut labore et dolore magna aliqua numpy array dtype import def return "
         "class self none true false while for in if else elif try except finally").split()


def tools() -> Dict[str, Callable[[str, str], object]]:
    out: Dict[str, Callable[[str, str], object]] = {"umm": lambda a, d: extract(a, d)}
    try:
        import conda_package_handling.api as cph

        out["cph"] = lambda a, d: cph.extract(a, d)
    except ImportError:
        print("conda-package-handling not installed: skipped")
    try:
        import rattler.package_streaming as rps

        out["rattler"] = lambda a, d: rps.extract(a, d)
    except ImportError:
        print("py-rattler not installed: skipped")
    return out


def tree_bytes(root: str) -> int:
    total = 0
    for top, _dirs, files in os.walk(root):
        for f in files:
            p = os.path.join(top, f)
            if not os.path.islink(p):
                total += os.path.getsize(p)
    return total


def make_big_conda(workdir: Path, size_mb: int) -> Path:
    out = workdir / f"bigpkg-{size_mb}-0.conda"
    if out.exists():
        return out
    rnd = random.Random(42)
    src = workdir / "bigpkg-src"
    if src.exists():
        shutil.rmtree(src)
    (src / "info").mkdir(parents=True)
    (src / "info" / "index.json").write_text('{"name": "bigpkg", "version": "%d", "build": "0"}'
                                             % size_mb)
    (src / "info" / "paths.json").write_text('{"paths": [], "paths_version": 1}')
    blob_total = size_mb * 800_000  # incompressible part, about 80% of the archive
    n = 0
    while blob_total > 0:
        size = min(blob_total, rnd.randint(20_000, 400_000))
        d = src / "lib" / f"mod{n % 40}"
        d.mkdir(parents=True, exist_ok=True)
        (d / f"lib{n}.so").write_bytes(rnd.randbytes(size))
        blob_total -= size
        n += 1
    text_files = size_mb * 25
    for i in range(text_files):
        d = src / "site-packages" / f"pkg{i % 97}"
        d.mkdir(parents=True, exist_ok=True)
        words = rnd.choices(WORDS, k=rnd.randint(500, 12_000))
        (d / f"module{i}.py").write_text(" ".join(words))
    for i in range(200):
        (src / "bin").mkdir(exist_ok=True)
        os.symlink(f"../lib/mod{i % 40}", src / "bin" / f"link{i}")
    compress(src, out, level=3, threads=2)
    shutil.rmtree(src)
    return out


def timed(fn: Callable[[str, str], object], archive: str, dest: str) -> Tuple[float, float]:
    """(wall, cpu) seconds; cpu counts every thread of this process."""
    if os.path.exists(dest):
        shutil.rmtree(dest)
    t0, c0 = time.perf_counter(), time.process_time()
    fn(archive, dest)
    return time.perf_counter() - t0, time.process_time() - c0


def bench_big(archive: Path, workdir: Path, reps: int) -> Dict[str, List[float]]:
    ts = tools()
    times: Dict[str, List[float]] = {name: [] for name in ts}
    cpus: Dict[str, List[float]] = {name: [] for name in ts}
    for _ in range(reps):
        for name, fn in ts.items():
            wall, cpu = timed(fn, str(archive), str(workdir / f"out-{name}"))
            times[name].append(wall)
            cpus[name].append(cpu)
    out_bytes = tree_bytes(str(workdir / "out-umm"))
    print(f"\n== {archive.name}: {archive.stat().st_size / 1e6:.1f} MB archive, "
          f"{out_bytes / 1e6:.1f} MB extracted, into {workdir}, best of {reps}")
    best = {name: min(v) for name, v in times.items()}
    cpu = {name: min(v) for name, v in cpus.items()}
    for name, v in times.items():
        print(f"  {name:8s} wall best {best[name]:6.3f}s  median {statistics.median(v):6.3f}s  "
              f"{out_bytes / best[name] / 1e6:7.1f} MB/s   cpu {cpu[name]:6.3f}s")
    for name in best:
        if name != "umm":
            print(f"  ratio umm vs {name}: wall {best[name] / best['umm']:.2f}x, "
                  f"cpu {cpu[name] / cpu['umm']:.2f}x "
                  f"({'umm faster' if best['umm'] <= best[name] else 'umm SLOWER'})")
    for name in times:
        shutil.rmtree(workdir / f"out-{name}", ignore_errors=True)
    return times


def bench_real(workdir: Path, reps: int) -> None:
    archives = sorted(str(p) for p in SHARED.glob("*/*") if p.name.endswith((".conda", ".tar.bz2")))
    if not archives:
        print("no shared packages found")
        return
    size = sum(os.path.getsize(a) for a in archives)
    print(f"\n== {len(archives)} real packages from {SHARED} ({size / 1e6:.1f} MB archives)")
    results: Dict[str, float] = {}
    for name, fn in tools().items():
        best: Optional[float] = None
        failures = 0
        for _ in range(reps):
            root = workdir / f"real-{name}"
            shutil.rmtree(root, ignore_errors=True)
            root.mkdir()
            t0 = time.perf_counter()
            failures = 0
            for a in archives:
                try:
                    fn(a, str(root / os.path.basename(a)))
                except Exception:
                    failures += 1
            dt = time.perf_counter() - t0
            best = dt if best is None else min(best, dt)
        assert best is not None
        extracted = tree_bytes(str(workdir / f"real-{name}"))
        results[name] = best
        note = f"  ({failures} failed)" if failures else ""
        print(f"  {name:8s} {best:6.3f}s  {len(archives) / best:7.1f} pkg/s  "
              f"{extracted / best / 1e6:7.1f} MB/s{note}")
        shutil.rmtree(workdir / f"real-{name}", ignore_errors=True)
    for name in results:
        if name != "umm":
            print(f"  ratio umm vs {name}: {results[name] / results['umm']:.2f}x")
    root = workdir / "real-many"
    best = None
    for _ in range(reps):
        shutil.rmtree(root, ignore_errors=True)
        t0 = time.perf_counter()
        extract_many([(a, str(root / os.path.basename(a))) for a in archives], threads=2)
        dt = time.perf_counter() - t0
        best = dt if best is None else min(best, dt)
    assert best is not None
    print(f"  umm extract_many(threads=2): {best:6.3f}s  {len(archives) / best:7.1f} pkg/s")
    shutil.rmtree(root, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--size-mb", type=int, default=100)
    ap.add_argument("--reps", type=int, default=3)
    ap.add_argument("--workdir", default=None, help="keeps the generated package between runs")
    ap.add_argument("--outdir", default=None,
                    help="where packages are extracted (default: the workdir; try /dev/shm)")
    args = ap.parse_args()
    workdir = Path(args.workdir) if args.workdir else Path(tempfile.mkdtemp(prefix="umm-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    try:
        bench_real(workdir, args.reps)
        t0 = time.perf_counter()
        big = make_big_conda(workdir, args.size_mb)
        print(f"\n(generated {big.name} in {time.perf_counter() - t0:.1f}s)")
        bench_big(big, Path(args.outdir) if args.outdir else workdir, args.reps)
    finally:
        if not args.workdir:
            shutil.rmtree(workdir, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
