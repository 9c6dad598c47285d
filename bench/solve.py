#!/usr/bin/env python3
"""Solve the benchmark queries with umm and with py-rattler, side by side.

    python3 bench/solve.py [--scale medium full] [--query python numpy ...] [--repeat N]

For each scale, generates ``bench/out/<scale>`` with ``../shared/bench/make_repodata.py``
when missing, warms umm's index cache once (fetch from ``file://`` + per-name index),
then runs every (contender, query) in its own process, so ``ru_maxrss`` is that
solve's own peak:

* umm: ``load_channels`` on the warm cache (index reused, only reached names are
  parsed) + ``umm.solver.solving``; the solution is then checked: one record per name,
  every ``depends`` and ``constrains`` satisfied, the requested specs matched;
* py-rattler: ``SparseRepoData`` on the same repodata.json files +
  ``solve_with_sparse_repodata`` (strict channel priority, pip added to python as
  umm does).

Prints seconds (channel opening + solve, best of ``--repeat``), peak RSS, the
umm/rattler ratios, and whether umm's versions of the requested names are at least
rattler's. Bar: no query slower than 3x py-rattler on ``full``; peak memory below.
"""
from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"
QUERIES = ("python", "numpy", "stack20", "stack60", "old-python")


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def specs_of(channel: Path, query: str) -> list:
    return json.loads((channel / "queries.json").read_text())[query]


def check_solution(records: list, specs: list) -> str:
    """'' when valid, else the first problem found."""
    from umm.specs import MatchSpec

    by = {}
    for r in records:
        if r.name in by:
            return f"two records of {r.name}"
        by[r.name] = r
    for s in specs:
        m = MatchSpec.parse(s)
        if m.name not in by or not m.matches(by[m.name]):
            return f"requested {s} not satisfied"
    for r in records:
        for d in r.depends:
            m = MatchSpec.parse(d)
            if m.name not in by or not m.matches(by[m.name]):
                return f"{r.dist_name} depends on {d}: not satisfied"
        for c in r.constrains:
            m = MatchSpec.parse(c)
            if m.name in by and not m.matches(by[m.name]):
                return f"{r.dist_name} constrains {c}: violated"
    return ""


def open_umm(channel: Path, pkgs: Path) -> list:
    from umm.net import HttpClient, NetworkOptions
    from umm.repodata import RepodataOptions, UrlChannel, load_channels

    return load_channels([UrlChannel(channel.resolve().as_uri())], ["linux-64"], [pkgs],
                         HttpClient(NetworkOptions()),
                         RepodataOptions(use_sharded_repodata=False))


def run_umm(channel: Path, pkgs: Path, query: str) -> dict:
    sys.path.insert(0, str(REPO))
    from umm.solver import SolveRequest, solve

    specs = specs_of(channel, query)
    t0 = time.perf_counter()
    sources = open_umm(channel, pkgs)
    t1 = time.perf_counter()
    sol = solve(SolveRequest(sources, specs))
    t2 = time.perf_counter()
    peak = peak_mb()
    problem = check_solution(sol.records, specs)
    return {"open": t1 - t0, "solve": t2 - t1, "total": t2 - t0, "peak_mb": peak,
            "records": {r.name: [r.version, r.build] for r in sol.records},
            "problem": problem, "stats": sol.stats}


def run_rattler(channel: Path, query: str) -> dict:
    from rattler import Channel, ChannelConfig, SparseRepoData, solve_with_sparse_repodata

    specs = specs_of(channel, query)
    t0 = time.perf_counter()
    ch = Channel("bench", ChannelConfig())
    subdirs = [SparseRepoData(ch, s, str(channel / s / "repodata.json"))
               for s in ("linux-64", "noarch")]
    t1 = time.perf_counter()
    import asyncio

    recs = asyncio.run(solve_with_sparse_repodata(specs, subdirs,
                                                  add_pip_as_python_dependency=True))
    t2 = time.perf_counter()
    return {"open": t1 - t0, "solve": t2 - t1, "total": t2 - t0, "peak_mb": peak_mb(),
            "records": {r.name.normalized: [str(r.version), str(r.build)] for r in recs},
            "problem": "", "stats": {}}


def child(mode: str, channel: Path, pkgs: Path, query: str) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--channel", str(channel),
           "--pkgs", str(pkgs), "--query", query]
    out = subprocess.run(cmd, capture_output=True, text=True)
    if out.returncode != 0:
        raise RuntimeError(f"{mode} {query}: " + (out.stderr.strip().splitlines() or ["?"])[-1])
    return json.loads(out.stdout.strip().splitlines()[-1])


def at_least_as_preferred(umm: dict, rat: dict, names: list) -> str:
    sys.path.insert(0, str(REPO))
    from umm.specs import Version

    worse = []
    for n in names:
        if n in umm and n in rat:
            if Version.parse(umm[n][0]) < Version.parse(rat[n][0]):
                worse.append(f"{n} {umm[n][0]}<{rat[n][0]}")
    return "yes" if not worse else "NO: " + ", ".join(worse[:3])


def bench_scale(out: Path, scale: str, queries: list, repeat: int) -> bool:
    channel = out / scale
    if not (channel / "queries.json").is_file():
        print(f"generating {channel} ...", flush=True)
        subprocess.run([sys.executable, str(SHARED_BENCH / "make_repodata.py"), str(channel),
                        "--scale", scale], check=True)
    pkgs = out / f"pkgs-{scale}"
    t = time.perf_counter()
    child("warm", channel, pkgs, "python")   # cache warm: repodata copied, index built
    size = sum((channel / s / "repodata.json").stat().st_size for s in ("linux-64", "noarch"))
    print(f"\n== {scale}: {channel} ({size / 1e6:.0f} MB of JSON; cache warmed in "
          f"{time.perf_counter() - t:.1f} s)")
    print(f"{'query':11} {'umm s':>7} {'rattler s':>9} {'ratio':>6} {'umm MB':>7} "
          f"{'rat. MB':>7} {'ratio':>6} {'recs':>5} {'valid':>6} {'>= rattler':>10}  "
          f"(open + solve s: umm | rattler)")
    ok = True
    for q in queries:
        try:
            u = min((child("umm", channel, pkgs, q) for _ in range(repeat)),
                    key=lambda r: r["total"])
        except RuntimeError as exc:
            print(f"{q:11} umm failed: {exc}")
            ok = False
            continue
        try:
            r = min((child("rattler", channel, pkgs, q) for _ in range(repeat)),
                    key=lambda r: r["total"])
        except RuntimeError as exc:
            print(f"{q:11} {u['total']:7.2f}  (py-rattler unavailable: {exc})")
            continue
        names = [n.split()[0] for n in specs_of(channel, q)]
        pref = at_least_as_preferred(u["records"], r["records"], names)
        tr, mr = u["total"] / r["total"], u["peak_mb"] / r["peak_mb"]
        valid = "yes" if not u["problem"] else "NO"
        print(f"{q:11} {u['total']:7.2f} {r['total']:9.2f} {tr:6.2f} {u['peak_mb']:7.0f} "
              f"{r['peak_mb']:7.0f} {mr:6.2f} {len(u['records']):5d} {valid:>6} {pref:>10}  "
              f"({u['open']:.2f} + {u['solve']:.2f} | {r['open']:.2f} + {r['solve']:.2f})")
        if u["problem"]:
            print(f"   invalid solution: {u['problem']}")
        if scale == "full" and (tr > 3 or mr >= 1 or u["problem"] or pref != "yes"):
            ok = False
    return ok


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", nargs="+", default=["medium", "full"],
                    choices=("small", "medium", "full"))
    ap.add_argument("--query", nargs="+", default=list(QUERIES))
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--repeat", type=int, default=1, help="runs per contender (best kept)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--channel", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--pkgs", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        # children only: the parent stays small, as ru_maxrss survives fork + exec
        if a.child == "warm":
            sys.path.insert(0, str(REPO))
            open_umm(a.channel, a.pkgs)
            result: dict = {}
        elif a.child == "rattler":
            result = run_rattler(a.channel, a.query[0])
        else:
            result = run_umm(a.channel, a.pkgs, a.query[0])
        print(json.dumps(result))
        return 0
    ok = all([bench_scale(a.out, s, a.query, max(1, a.repeat)) for s in a.scale])
    if "full" in a.scale:
        print("\nbar (full: <= 3x py-rattler time, less peak memory, valid, as preferred): "
              + ("MET" if ok else "MISSED"))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
