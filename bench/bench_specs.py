#!/usr/bin/env python3
"""Benchmark umm.specs parsing against py-rattler, in one run.

    python3 bench/bench_specs.py [--shared ../shared] [--n 100000] [--repeat 3]

* Versions: 100k *distinct* real version strings (the 28,530 of
  ``shared/data/versions/versions.txt``, then variants ``v.N`` that keep each string's
  shape): cold parse (caches cleared), parse + sort key, cached repeat, sort.
* Match specs: every ``depends``/``constrains`` string of ``shared/data/repodata/*.json``
  and of a ``make_repodata.py --scale small`` channel (generated into ``bench/out``), as
  100k strings in repodata order (with repeats, as a solver meets them) and as the set of
  distinct strings: cold parse, cached repeat.
* Records: ``RepoDataRecord.from_repodata`` for every entry of the small channel.
* Matching: ``VersionSpec.matcher`` and ``MatchSpec.matches`` calls per second.

Each figure is the best of ``--repeat`` runs; py-rattler (a Rust extension) is timed on
the same inputs when it is installed, and the ratio umm/rattler printed.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import subprocess
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Tuple

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from umm.specs import MatchSpec, RepoDataRecord, Version, VersionSpec  # noqa: E402
from umm.specs import matchspec as _ms_mod  # noqa: E402
from umm.specs import version as _v_mod  # noqa: E402
from umm.specs import version_spec as _vs_mod  # noqa: E402

try:
    import rattler  # type: ignore
except ImportError:  # pragma: no cover
    rattler = None


# CPU time of this process: the machine may be shared, and wall time then measures the
# neighbours as much as the code (pass --wall to use time.perf_counter instead).
CLOCK = time.process_time


def clear_caches() -> None:
    _v_mod.clear_cache()
    _v_mod._PART_KEYS.clear()
    _vs_mod.clear_cache()
    _ms_mod._CACHE.clear()


def best(fn: Callable[[], object], repeat: int, setup: Optional[Callable[[], None]] = None) -> float:
    times = []
    for _ in range(repeat):
        if setup:
            setup()
        gc.collect()
        gc.disable()
        t = CLOCK()
        fn()
        times.append(CLOCK() - t)
        gc.enable()
    return min(times)


def us(seconds: float, n: int) -> str:
    return f"{seconds / n * 1e6:7.2f} µs"


def row(label: str, umm_s: float, n: int, rattler_s: Optional[float] = None) -> None:
    line = f"  {label:<46} {us(umm_s, n)}"
    if rattler_s is not None:
        line += f"   rattler {us(rattler_s, n)}   umm/rattler {umm_s / rattler_s:5.2f}x"
    print(line)


# -- inputs ---------------------------------------------------------------------------------
def distinct_versions(shared: Path, n: int) -> List[str]:
    """The real strings, then variants that keep each string's shape (a part appended
    before any local version), so the mix of plain and complex versions stays real."""
    real = [v for v in (shared / "data/versions/versions.txt").read_text().splitlines() if v]
    seen = set(real)
    out = list(real)
    k = 0
    while len(out) < n:
        k += 1
        for v in real:
            main, plus, local = v.partition("+")
            cand = f"{main}.{k}{plus}{local}"
            if cand not in seen:
                seen.add(cand)
                out.append(cand)
                if len(out) >= n:
                    break
    return out[:n]


def small_channel(shared: Path) -> Path:
    out = REPO / "bench" / "out" / "small"
    if not (out / "linux-64" / "repodata.json").exists():
        subprocess.run([sys.executable, str(shared / "bench" / "make_repodata.py"), str(out),
                        "--scale", "small"], check=True, stdout=subprocess.DEVNULL)
    return out


def repodata_files(shared: Path) -> List[Path]:
    chan = small_channel(shared)
    return sorted((shared / "data" / "repodata").glob("*.json")) + \
        [chan / "linux-64" / "repodata.json", chan / "noarch" / "repodata.json"]


def entries(files: Iterable[Path]) -> List[Tuple[str, dict]]:
    out = []
    for f in files:
        data = json.loads(f.read_text())
        for key in ("packages", "packages.conda"):
            out.extend(data.get(key, {}).items())
    return out


# -- benchmarks -------------------------------------------------------------------------------
def bench_versions(shared: Path, n: int, repeat: int) -> None:
    texts = distinct_versions(shared, n)
    print(f"\nVersions: {len(texts):,} distinct strings")

    def parse() -> None:
        for t in texts:
            Version.parse(t)

    def parse_key() -> None:
        for t in texts:
            _ = Version.parse(t).sort_key

    cold = best(parse, repeat, clear_caches)
    cold_key = best(parse_key, repeat, clear_caches)
    parse_key()
    warm = best(parse, repeat)
    r_cold = None
    if rattler:
        R = rattler.Version
        r_cold = best(lambda: [R(t) for t in texts], repeat)
    row("parse, distinct (cold cache)", cold, len(texts), r_cold)
    row("parse + sort key, distinct (cold cache)", cold_key, len(texts), r_cold)
    row("parse, cached repeat", warm, len(texts))
    objs = [Version.parse(t) for t in texts]
    key = Version.sort_key.fget  # type: ignore[attr-defined]
    s_umm = best(lambda: sorted(objs, key=key), repeat)
    r_sort = None
    if rattler:
        robjs = [rattler.Version(t) for t in texts]
        r_sort = best(lambda: sorted(robjs), repeat)
    row("sort 100k versions (per element)", s_umm, len(texts), r_sort)
    verdict = "OK" if cold / len(texts) * 1e6 <= 5 else "ABOVE TARGET"
    print(f"  target <= 5 µs per distinct version: {cold / len(texts) * 1e6:.2f} µs -> {verdict}")


def bench_matchspecs(shared: Path, n: int, repeat: int) -> List[Tuple[str, dict]]:
    ents = entries(repodata_files(shared))
    all_specs = [d for _, e in ents for key in ("depends", "constrains") for d in e.get(key) or ()]
    stream = (all_specs * (n // max(1, len(all_specs)) + 1))[:n]
    distinct = list(dict.fromkeys(all_specs))
    print(f"\nMatch specs: {len(all_specs):,} depends/constrains strings in {len(ents):,} "
          f"records; {len(distinct):,} distinct; stream of {len(stream):,}")

    def parse(items: List[str]) -> Callable[[], None]:
        def run() -> None:
            for s in items:
                MatchSpec.parse(s)
        return run

    d_cold = best(parse(distinct), repeat, clear_caches)
    s_cold = best(parse(stream), repeat, clear_caches)
    warm = best(parse(stream), repeat)
    r_d = r_s = None
    if rattler:
        R = rattler.MatchSpec
        bad = 0
        ok_items = []
        for s in distinct:
            try:
                R(s)
                ok_items.append(s)
            except Exception:
                bad += 1
        r_d = best(lambda: [R(s) for s in ok_items], repeat) * len(distinct) / max(1, len(ok_items))
        ok_set = set(ok_items)
        ok_stream = [s for s in stream if s in ok_set]
        r_s = best(lambda: [R(s) for s in ok_stream], repeat) * len(stream) / max(1, len(ok_stream))
        if bad:
            print(f"  (rattler rejected {bad} of the distinct strings; timed on the rest)")
    row("parse, distinct (cold caches)", d_cold, len(distinct), r_d)
    row("parse, 100k stream with repeats (cold caches)", s_cold, len(stream), r_s)
    row("parse, cached repeat", warm, len(stream))
    str_t = best(lambda: [str(MatchSpec.parse(s)) for s in distinct], 1)
    row("canonical str() of distinct specs (first call)", str_t, len(distinct))
    return ents


def bench_records_and_matching(ents: List[Tuple[str, dict]], repeat: int) -> None:
    print(f"\nRecords: {len(ents):,} repodata entries")
    base = "https://conda.anaconda.org/bench/linux-64/"

    def build() -> List[RepoDataRecord]:
        return [RepoDataRecord.from_repodata(e, fn, base + fn, "bench") for fn, e in ents]

    t = best(build, repeat)
    row("RepoDataRecord.from_repodata", t, len(ents))
    recs = build()
    t_v = best(lambda: [r.version_obj for r in recs], 1, clear_caches)
    row("first .version_obj (parse, cold caches)", t_v, len(recs))

    spec = VersionSpec.parse(">=1.2,<2.0a0|3.*")
    m = spec.matcher
    vers = [r.version_obj for r in recs]
    t_m = best(lambda: [m(v) for v in vers], repeat)
    row("VersionSpec.matcher(version)  '>=1.2,<2.0a0|3.*'", t_m, len(vers))
    ms = MatchSpec.parse("*[version='>=1.2,<2.0a0',build=*_0]")
    t_ms = best(lambda: [ms.matches(r) for r in recs], repeat)
    row("MatchSpec.matches(record)  version+build glob", t_ms, len(recs))


def main(argv: Optional[List[str]] = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--shared", type=Path, default=REPO.parent / "shared")
    ap.add_argument("--n", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--wall", action="store_true", help="time with wall clock, not CPU time")
    args = ap.parse_args(argv)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    print(f"umm.specs benchmark: python {sys.version.split()[0]}, "
          f"py-rattler {getattr(rattler, '__version__', 'not installed')}, "
          f"{os.cpu_count()} cpus, {'wall' if args.wall else 'CPU'} time, best of {args.repeat}")
    bench_versions(args.shared, args.n, args.repeat)
    ents = bench_matchspecs(args.shared, args.n, args.repeat)
    bench_records_and_matching(ents, args.repeat)
    return 0


if __name__ == "__main__":
    sys.exit(main())
