"""Download + verify + extract N packages from a local HTTP server: umm vs py-rattler.

    python3 bench/download.py [--count 200] [--kb 300] [--threads 5] [--reps 2]

Generates ``count`` packages (about ``kb`` kB of payload each, half random,
half zeros; every third a .tar.bz2) into a channel served by the test server
(tests/support/server.py, 127.0.0.1) running in its own process (in-process,
its threads would compete with umm's for the GIL, not with rattler's), then:

* umm: ``PackageCache.ensure`` into an empty cache (``--threads`` downloads,
  2 extractions at once), then again with everything cached (reuse);
* py-rattler: ``package_streaming.download_and_extract`` of every URL with
  the same concurrency (asyncio, bounded by a semaphore).

Prints packages/s, MB/s of archives downloaded, and the ratio.
"""
from __future__ import annotations

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from pathlib import Path
from typing import Dict, List, Optional

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from tests.package.pkgs import make_channel  # noqa: E402
from umm.net import HttpClient, NetworkOptions  # noqa: E402
from umm.package.cache import PackageCache  # noqa: E402


class ServerProcess:
    """tests/support/server.py's ChannelServer in a child process."""

    def __init__(self, root: Path) -> None:
        import subprocess

        root.mkdir(parents=True, exist_ok=True)
        self.root = root
        code = ("import sys, time; sys.path.insert(0, sys.argv[1]);"
                "from tests.support.server import ChannelServer;"
                "s = ChannelServer(sys.argv[2]).start(); print(s.url, flush=True);"
                "sys.stdin.read()")
        self.proc = subprocess.Popen([sys.executable, "-c", code, str(REPO), str(root)],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.url = self.proc.stdout.readline().strip()

    def stop(self) -> None:
        if self.proc.poll() is None:
            assert self.proc.stdin is not None
            self.proc.stdin.close()
            self.proc.wait(timeout=10)


def run_umm(records: List[Dict[str, object]], pkgs: Path, threads: int) -> float:
    shutil.rmtree(pkgs, ignore_errors=True)
    client = HttpClient(NetworkOptions(use_env_proxies=False), pool_size=threads * 2)
    t0 = time.perf_counter()
    out = PackageCache([pkgs]).ensure(records, client, download_threads=threads,
                                      extract_threads=2)
    dt = time.perf_counter() - t0
    assert len(out) == len(records)
    client.close()
    return dt


def run_umm_cached(records: List[Dict[str, object]], pkgs: Path) -> float:
    t0 = time.perf_counter()
    PackageCache([pkgs]).ensure(records, None, offline=True)
    return time.perf_counter() - t0


def run_rattler(records: List[Dict[str, object]], dest: Path, threads: int) -> float:
    import rattler.package_streaming as rps
    from rattler.networking import Client

    shutil.rmtree(dest, ignore_errors=True)
    dest.mkdir(parents=True)

    async def main() -> None:
        client = Client()
        sem = asyncio.Semaphore(threads)

        async def one(rec: Dict[str, object]) -> None:
            async with sem:
                sha = bytes.fromhex(str(rec["sha256"]))
                await rps.download_and_extract(client, str(rec["url"]),
                                               dest / str(rec["fn"]).rsplit(".", 1)[0],
                                               expected_sha=sha)

        await asyncio.gather(*(one(r) for r in records))

    t0 = time.perf_counter()
    asyncio.run(main())
    return time.perf_counter() - t0


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--count", type=int, default=200)
    ap.add_argument("--kb", type=int, default=300)
    ap.add_argument("--threads", type=int, default=5)
    ap.add_argument("--reps", type=int, default=2)
    args = ap.parse_args()
    work = Path(tempfile.mkdtemp(prefix="umm-bench-dl-"))
    srv: Optional[ServerProcess] = None
    try:
        t0 = time.perf_counter()
        srv = ServerProcess(work / "channel")
        records = make_channel(srv.root, args.count, srv.url, prefix="bench",
                               sizes=args.kb * 1000)
        total = sum(int(r["size"]) for r in records)
        print(f"generated {args.count} packages ({total / 1e6:.1f} MB of archives) "
              f"in {time.perf_counter() - t0:.1f}s; server {srv.url}")
        results: Dict[str, float] = {}
        cpu: Dict[str, float] = {}
        c0 = time.process_time()
        umm_times = [run_umm(records, work / "pkgs", args.threads) for _ in range(args.reps)]
        cpu["umm"] = (time.process_time() - c0) / args.reps
        results["umm"] = min(umm_times)
        cached = run_umm_cached(records, work / "pkgs")
        try:
            import rattler  # noqa: F401

            c0 = time.process_time()
            results["rattler"] = min(run_rattler(records, work / "rattler", args.threads)
                                     for _ in range(args.reps))
            cpu["rattler"] = (time.process_time() - c0) / args.reps
        except ImportError:
            print("py-rattler not installed: skipped")
        print(f"\n== download + verify + extract, {args.threads} at a time, best of {args.reps}")
        for name, dt in results.items():
            print(f"  {name:8s} {dt:6.2f}s  {args.count / dt:7.1f} pkg/s  "
                  f"{total / dt / 1e6:7.1f} MB/s   cpu {cpu[name]:.2f}s")
        print(f"  umm, everything cached (validity checks only): {cached:6.3f}s  "
              f"{args.count / cached:7.0f} pkg/s")
        if "rattler" in results:
            r = results["rattler"] / results["umm"]
            print(f"  ratio umm vs rattler: {r:.2f}x ({'umm faster' if r >= 1 else 'umm slower'})")
    finally:
        if srv is not None:
            srv.stop()
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
