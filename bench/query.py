#!/usr/bin/env python3
"""Benchmark: repoquery on a large generated channel, umm vs py-rattler.

Each measurement runs in a fresh Python process (imports included) and reports wall
time and peak RSS; the best of N runs is printed with the ratio umm/rattler.

* search one name: umm's lazy index (``PackagePool.matching``) vs rattler's
  ``SparseRepoData.load_records`` (both read the same repodata.json files; umm's
  index is built once beforehand, like after a download);
* dependency closure: umm ``depends --tree`` vs rattler ``load_records_recursive``
  (rattler loads every version's dependencies, umm follows the best record);
* reverse dependencies: umm ``whoneeds`` (one regex pass, then only the candidates are
  parsed) vs rattler ``load_all_records`` + a filter (rattler has no reverse query).

    python3 bench/query.py [--scale small|medium|full] [--runs 3] [--work DIR]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from pathlib import Path
from typing import Dict, List, Tuple

REPO = Path(__file__).resolve().parent.parent
SHARED_BENCH = REPO.parent / "shared" / "bench"

HWM = r"""
def hwm():
    # peak RSS of this process image in kB (ru_maxrss would include the parent's, from fork)
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1])
    import resource
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
"""

UMM = HWM + r"""
import json, sys, time
t0 = time.perf_counter()
from umm.net.client import HttpClient
from umm.query.pool import PackagePool
from umm.query.result import run_query
from umm.repodata import load_channels
from umm.repodata import UrlChannel
from umm.specs import MatchSpec
kind, spec, tree, chan, pkgs = sys.argv[1:6]
src = load_channels([UrlChannel(chan)], ["linux-64"], [pkgs], HttpClient())
pool = PackagePool(src)
if kind == "index":
    n = sum(len(s.names()) for s in src)
else:
    r = run_query(pool, kind, [MatchSpec.parse(spec)], tree=tree == "1")
    n = len(r.nodes)
print(json.dumps({"s": time.perf_counter() - t0, "n": n, "loaded": len(pool.loaded_names()),
                  "rss": hwm()}))
"""

RATTLER = HWM + r"""
import json, sys, time
t0 = time.perf_counter()
from rattler import Channel, PackageName, SparseRepoData
kind, name, root = sys.argv[1:4]
ch = Channel("bench")
subs = [SparseRepoData(ch, sd, f"{root}/{sd}/repodata.json") for sd in ("linux-64", "noarch")]
if kind == "search":
    n = sum(len(s.load_records(PackageName(name))) for s in subs)
elif kind == "depends":
    n = sum(len(x) for x in SparseRepoData.load_records_recursive(subs, [PackageName(name)]))
else:
    n = 0
    for s in subs:
        for r in s.load_all_records():
            if any(d.split()[0] == name for d in r.depends):
                n += 1
print(json.dumps({"s": time.perf_counter() - t0, "n": n, "rss": hwm()}))
"""


def run(code: str, args: List[str], runs: int) -> Dict[str, float]:
    env = dict(os.environ, PYTHONPATH=str(REPO))
    best: Dict[str, float] = {}
    for _ in range(runs):
        out = subprocess.run([sys.executable, "-c", code] + args, capture_output=True, text=True,
                             env=env, check=True).stdout
        got = json.loads(out.strip().splitlines()[-1])
        if not best or got["s"] < best["s"]:
            best = got
    return best


def reverse_targets(channel: Path) -> List[Tuple[str, int]]:
    """Names for the reverse query: the one most records depend on (not python), and
    one with about 200 dependent records (a typical library)."""
    count: Counter = Counter()
    for sd in ("linux-64", "noarch"):
        doc = json.loads((channel / sd / "repodata.json").read_text())
        for key in ("packages", "packages.conda"):
            for raw in doc.get(key, {}).values():
                for dep in set(d.split()[0] for d in raw.get("depends") or []):
                    count[dep] += 1
    ranked = [(n, c) for n, c in count.most_common()
              if n not in ("python", "python_abi") and not n.startswith("__")]
    if not ranked:
        raise SystemExit("no dependencies in the channel")
    typical = min(ranked, key=lambda item: (abs(item[1] - 200), item[0]))
    return [ranked[0], typical]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scale", default="medium", choices=["small", "medium", "full"])
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    try:
        import rattler  # noqa: F401
    except ImportError:
        print("py-rattler is not installed (pip install py-rattler)", file=sys.stderr)
        return 2
    work = args.work or Path(tempfile.gettempdir()) / f"umm-bench-query-{args.scale}"
    channel = work / "channel"
    if not (channel / "linux-64" / "repodata.json").exists():
        print(f"generating the {args.scale} channel in {channel} ...", flush=True)
        subprocess.run([sys.executable, str(SHARED_BENCH / "make_repodata.py"), str(channel),
                        "--scale", args.scale], check=True, stdout=subprocess.DEVNULL)
    pkgs = work / "pkgs"
    chan_url = channel.as_uri()
    size = sum((channel / sd / "repodata.json").stat().st_size for sd in ("linux-64", "noarch"))
    targets = reverse_targets(channel)
    print(f"channel: {channel} ({size / 1e6:.0f} MB of repodata.json)")
    shutil.rmtree(pkgs, ignore_errors=True)  # the index is built by the first load
    first = run(UMM, ["index", "", "0", chan_url, str(pkgs)], 1)
    print(f"umm first load (scan + index build, once per download): {first['s']:.2f}s, "
          f"{first['rss'] / 1024:.0f} MB peak")
    cases = [
        ("search numpy", ["search", "numpy", "0"], ["search", "numpy"]),
        ("depends --tree numpy", ["depends", "numpy", "1"], ["depends", "numpy"]),
    ] + [(f"whoneeds {lib} ({n} records)", ["whoneeds", lib, "0"], ["whoneeds", lib])
         for lib, n in targets]
    print(f"{'query':<44} {'umm':>8} {'rattler':>8} {'ratio':>6}  {'umm RSS':>8} "
          f"{'rattler RSS':>11}")
    for label, uargs, rargs in cases:
        u = run(UMM, uargs + [chan_url, str(pkgs)], args.runs)
        r = run(RATTLER, rargs + [str(channel)], args.runs)
        print(f"{label:<44} {u['s']:>7.3f}s {r['s']:>7.3f}s {u['s'] / r['s']:>5.2f}x  "
              f"{u['rss'] / 1024:>6.0f}MB {r['rss'] / 1024:>9.0f}MB"
              f"   (umm: {u['n']} nodes, {u['loaded']} names parsed; rattler: {r['n']} records)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
