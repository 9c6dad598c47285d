#!/usr/bin/env python3
"""Benchmark: link an environment of 150 packages (~20k files) from a warm cache.

umm's transaction executor and py-rattler's installer (``rattler.install``) link
the same records from the same extracted package cache into fresh prefixes; the
best of N runs of each is printed with the ratio umm/rattler (target <= 1.5x).

    python3 bench/install.py [--packages 150] [--files 133] [--runs 3] [--work DIR]
"""
from __future__ import annotations

import argparse
import asyncio
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.support import builder  # noqa: E402
from tests.support.builder import File, Package  # noqa: E402


def make_packages(n: int, files: int):
    pkgs = []
    for i in range(n):
        name = f"bench-pkg-{i:03d}"
        fs = []
        for j in range(files):
            size = 200 + (i * 37 + j * 101) % 4000
            body = (f"{name} file {j}\n".encode() * (size // 24 + 1))[:size]
            fs.append(File(f"share/{name}/d{j % 8}/f{j:04d}.dat", body))
        fs[0] = File.text(f"share/{name}/config.txt", f"prefix={builder.TEXT_PLACEHOLDER}\n",
                          placeholder=True)
        deps = [f"bench-pkg-{k:03d}" for k in (i - 1, i // 2) if 0 <= k < i]
        pkgs.append(Package(name, "1.0", "0", noarch="generic", files=fs, depends=sorted(set(deps))))
    return pkgs


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--packages", type=int, default=150)
    ap.add_argument("--files", type=int, default=133)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--work", type=Path, default=None)
    args = ap.parse_args()
    try:
        import rattler
    except ImportError:
        print("py-rattler is not installed (pip install py-rattler)", file=sys.stderr)
        return 2
    from umm.install import LinkRequest, execute

    work = args.work or Path(tempfile.mkdtemp(prefix="umm-bench-install-"))
    work.mkdir(parents=True, exist_ok=True)
    channel = work / "channel"
    cache = work / "pkgs"
    stamp = channel / f".built-{args.packages}-{args.files}"
    if not stamp.exists():
        shutil.rmtree(channel, ignore_errors=True)
        shutil.rmtree(cache, ignore_errors=True)
        t0 = time.perf_counter()
        builder.write_channel(channel, make_packages(args.packages, args.files))
        stamp.touch()
        print(f"built channel: {args.packages} packages in {time.perf_counter() - t0:.1f}s")
    repodata = json.loads((channel / "noarch/repodata.json").read_text())
    url = channel.as_uri()
    records = rattler.RepoData.from_path(str(channel / "noarch/repodata.json")).into_repo_data(
        rattler.Channel(url))
    # warm rattler's cache (download from file:// and extract)
    asyncio.run(rattler.install(records, target_prefix=str(work / "warm"), cache_dir=str(cache),
                                show_progress=False, execute_link_scripts=False))
    shutil.rmtree(work / "warm")

    requests = []
    nfiles = 0
    for fn, rec in repodata["packages.conda"].items():
        stem = fn[:-len(".conda")]
        d = cache / stem
        if not (d / "info/index.json").exists():
            print(f"unexpected cache layout: {d} missing", file=sys.stderr)
            return 2
        nfiles += len(json.loads((d / "info/paths.json").read_text())["paths"])
        requests.append(LinkRequest(dict(rec, fn=fn, channel=url, url=f"{url}/noarch/{fn}"), d,
                                    rec["name"], str(cache / fn)))
    print(f"{len(requests)} packages, {nfiles} files, warm cache {cache}")

    def run_rattler(prefix: Path) -> None:
        asyncio.run(rattler.install(records, target_prefix=str(prefix), cache_dir=str(cache),
                                    show_progress=False, execute_link_scripts=False))

    def run_umm(prefix: Path) -> None:
        execute(prefix, link=requests)

    results = {}
    for label, fn in (("rattler", run_rattler), ("umm", run_umm)):
        times = []
        for i in range(args.runs):
            prefix = work / f"env-{label}-{i}"
            shutil.rmtree(prefix, ignore_errors=True)
            t0 = time.perf_counter()
            fn(prefix)
            times.append(time.perf_counter() - t0)
            n = sum(len(fs) for _, _, fs in os.walk(prefix))
            shutil.rmtree(prefix)
        results[label] = min(times)
        print(f"{label:8s} best {min(times):.3f}s  runs " + " ".join(f"{t:.3f}" for t in times)
              + f"  ({n} files in prefix)")
    ratio = results["umm"] / results["rattler"]
    print(f"ratio umm/rattler: {ratio:.2f}x (target <= 1.5x)")
    if args.work is None:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
