#!/usr/bin/env python3
"""Load what a query needs from a big channel: umm (cold, warm) vs py-rattler.

    python3 bench/load.py [--scale full] [--query stack60] [--out bench/out]

Generates ``<out>/<scale>`` with ``../shared/bench/make_repodata.py`` when
missing, then runs each contender in its own process (so ``ru_maxrss`` is its
own peak) and loads the transitive closure over ``depends`` of the query's
names from linux-64 + noarch, materializing every record of every reached
name:

* umm cold: empty package cache; fetch from ``file://`` into ``<pkgs>/cache``,
  build the index (in forked processes, one per CPU up to 4), then load the closure;
* umm cold, 1 process: the same with the index built in the process itself;
* umm warm: the same cache again (index reused; only reached names are parsed);
* rattler: ``SparseRepoData`` on the same repodata.json files plus
  ``load_records_recursive`` (py-rattler has no derived cache: cold = warm).

Prints seconds, records, peak RSS and the umm/rattler ratios. Targets: warm no
slower than py-rattler, under 300 MB peak.
"""
from __future__ import annotations

import argparse
import json
import os
import re
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"
NAME_RE = re.compile(r"\s*([^\s<>=!~\[\(,|]+)")


def roots_of(channel: Path, query: str) -> list:
    specs = json.loads((channel / "queries.json").read_text())[query]
    return [NAME_RE.match(s).group(1) for s in specs]  # type: ignore[union-attr]


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0




def cpu_s() -> float:
    t = os.times()
    return t.user + t.system


def run_umm(channel: Path, pkgs: Path, query: str, processes=None) -> dict:
    sys.path.insert(0, str(REPO))
    from umm.net import HttpClient, NetworkOptions
    from umm.repodata import RepodataOptions, load_channels, load_closure
    from umm.specs import ChannelContext

    c0, t0 = cpu_s(), time.perf_counter()
    sources = load_channels([ChannelContext().resolve_one(channel.resolve().as_uri())],
                            ["linux-64"], [pkgs],
                            HttpClient(NetworkOptions()),
                            RepodataOptions(use_sharded_repodata=False,
                                            add_pip_as_python_dependency=False,
                                            index_processes=processes))
    t1 = time.perf_counter()
    names = load_closure(sources, roots_of(channel, query))
    records = [r for src in sources for n in names for r in src.records(n)]
    t2 = time.perf_counter()
    found = {n for n in names if any(src.records(n) for src in sources)}
    forks = resource.getrusage(resource.RUSAGE_CHILDREN)  # the index's forked shares
    return {"open": t1 - t0, "load": t2 - t1, "total": t2 - t0,
            "cpu": cpu_s() - c0 + forks.ru_utime + forks.ru_stime,
            "records": len(records), "names": len(found), "peak_mb": peak_mb(),
            "children_peak_mb": forks.ru_maxrss / 1024.0}


def run_rattler(channel: Path, query: str) -> dict:
    from rattler import Channel, ChannelConfig, PackageName, SparseRepoData

    c0, t0 = cpu_s(), time.perf_counter()
    ch = Channel("bench", ChannelConfig())
    subdirs = [SparseRepoData(ch, s, str(channel / s / "repodata.json"))
               for s in ("linux-64", "noarch")]
    t1 = time.perf_counter()
    res = SparseRepoData.load_records_recursive(
        subdirs, [PackageName(n) for n in roots_of(channel, query)])
    t2 = time.perf_counter()
    return {"open": t1 - t0, "load": t2 - t1, "total": t2 - t0, "cpu": cpu_s() - c0,
            "records": sum(len(r) for r in res), "names": len({r.name.normalized
                                                                for rs in res for r in rs}),
            "peak_mb": peak_mb()}


def child(mode: str, channel: Path, pkgs: Path, query: str) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--channel", str(channel),
           "--pkgs", str(pkgs), "--query", query]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scale", default="full", choices=("small", "medium", "full"))
    ap.add_argument("--query", default="stack60")
    ap.add_argument("--out", type=Path, default=REPO / "bench" / "out")
    ap.add_argument("--repeat", type=int, default=1, help="warm runs (best is reported)")
    ap.add_argument("--child", default=None, help=argparse.SUPPRESS)
    ap.add_argument("--channel", type=Path, default=None, help=argparse.SUPPRESS)
    ap.add_argument("--pkgs", type=Path, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.child:
        result = run_rattler(a.channel, a.query) if a.child == "rattler" else \
            run_umm(a.channel, a.pkgs, a.query, 1 if a.child == "umm1" else None)
        print(json.dumps(result))
        return 0
    channel = a.out / a.scale
    if not (channel / "queries.json").is_file():
        print(f"generating {channel} ...", flush=True)
        subprocess.run([sys.executable, str(SHARED_BENCH / "make_repodata.py"), str(channel),
                        "--scale", a.scale], check=True)
    size = sum((channel / s / "repodata.json").stat().st_size for s in ("linux-64", "noarch"))
    print(f"channel {channel} ({size / 1e6:.0f} MB of JSON), query {a.query}")
    with tempfile.TemporaryDirectory(prefix="umm-bench-") as tmp:
        pkgs = Path(tmp) / "pkgs"
        results = {"umm cold": child("umm", channel, pkgs, a.query)}
        pkgs1 = Path(tmp) / "pkgs1"
        results["umm cold 1p"] = child("umm1", channel, pkgs1, a.query)
        warm = [child("umm", channel, pkgs, a.query) for _ in range(max(1, a.repeat))]
        results["umm warm"] = min(warm, key=lambda r: r["total"])
        try:
            rat = [child("rattler", channel, pkgs, a.query) for _ in range(max(1, a.repeat))]
            results["py-rattler"] = min(rat, key=lambda r: r["total"])
        except subprocess.CalledProcessError as exc:
            print(f"py-rattler unavailable: {exc.stderr.strip().splitlines()[-1:]}")
    print(f"{'':12} {'open s':>8} {'load s':>8} {'total s':>8} {'cpu s':>7} {'names':>7} "
          f"{'records':>8} {'peak MB':>8}")
    for k, r in results.items():
        forks = f"  (+ forked shares, largest {r['children_peak_mb']:.0f} MB)" \
            if r.get("children_peak_mb") else ""
        print(f"{k:12} {r['open']:8.2f} {r['load']:8.2f} {r['total']:8.2f} {r['cpu']:7.2f} "
              f"{r['names']:7d} {r['records']:8d} {r['peak_mb']:8.0f}{forks}")
    if "py-rattler" in results:
        ref = results["py-rattler"]
        for k in ("umm cold", "umm cold 1p", "umm warm"):
            r = results[k]
            print(f"{k} / py-rattler: time x{r['total'] / ref['total']:.2f}, "
                  f"cpu x{r['cpu'] / ref['cpu']:.2f}, "
                  f"peak memory x{r['peak_mb'] / ref['peak_mb']:.2f}")
    w = results["umm warm"]
    verdict = "OK" if w["peak_mb"] < 300 and (
        "py-rattler" not in results or w["total"] <= results["py-rattler"]["total"]) else "MISSED"
    print(f"target (warm <= py-rattler time, < 300 MB): {verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
