"""Configuration benchmarks: loading rc files, virtual packages, CLI start-up.

Compares with py-rattler where it has a counterpart (``rattler.Config.load_from_files``
on equivalent TOML files, ``rattler.VirtualPackage.detect``) and prints ratios
(umm / rattler: below 1 means umm is faster). Run from the repository root:

    python3 bench/bench_config.py [--runs 200]

Targets (checked here, never in unit tests): loading a realistic configuration
(10 rc files, ~40 keys) under 5 ms and under 1 MiB peak; ``umm config list``
under 0.5 s wall time.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path
from typing import Callable, List

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

HOME_RC = """\
channels:
  - conda-forge
  - bioconda
  - defaults
channel_priority: strict
channel_alias: https://conda.anaconda.org
custom_channels:
  internal: https://conda.internal.example/channels
pkgs_dirs:
  - ~/.pkgs-cache
  - ${HOME}/other-cache
envs_dirs:
  - ~/envs
ssl_verify: true
proxy_servers:
  http: http://proxy.example:3128
  https: http://proxy.example:3128
remote_max_retries: 5
remote_connect_timeout_secs: 20
download_threads: 8
always_yes: false
show_channel_urls: true
pinned_packages:
  - python=3.11
  - numpy<2
safety_checks: warn
extract_threads: 2
auto_activate_base: false
changeps1: true
env_prompt: '({name}) '
"""

TOML = """\
default-channels = ["conda-forge", "bioconda", "defaults"]
tls-no-verify = false
pinning-strategy = "semver"

[concurrency]
downloads = 8
solves = 2

[proxy-config]
http = "http://proxy.example:3128"
https = "http://proxy.example:3128"

[repodata-config]
disable-zstd = false
"""


def _timeit(fn: Callable[[], object], runs: int) -> float:
    fn()  # warm up
    samples: List[float] = []
    for _ in range(runs):
        t0 = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def _layout(base: Path) -> dict:
    home, root, etc = base / "home", base / "root", base / "etc"
    target = root / "envs" / "work"
    for d in (home, root / "pkgs", target / "conda-meta", etc / "condarc.d",
              home / ".conda" / "condarc.d"):
        d.mkdir(parents=True, exist_ok=True)
    (home / ".condarc").write_text(HOME_RC)
    (home / ".mambarc").write_text("offline: false\nrepodata_use_zst: true\n")
    (etc / ".condarc").write_text("channels: [conda-forge]\nssl_verify: true\n")
    for i in range(3):
        (etc / "condarc.d" / f"{i}.yml").write_text(f"default_channels: [https://m{i}.example]\n")
        (home / ".conda" / "condarc.d" / f"{i}.yaml").write_text(f"lock_timeout: {i}\n")
    (root / ".condarc").write_text("local_repodata_ttl: 3600\n")
    (target / ".condarc").write_text("channels: [project-chan]\npinned_packages: [scipy]\n")
    tomls = []
    for i in range(10):
        p = base / f"config{i}.toml"
        p.write_text(TOML)
        tomls.append(str(p))
    env = {"HOME": str(home), "MAMBA_ROOT_PREFIX": str(root), "CONDA_PREFIX": str(target),
           "PATH": os.environ.get("PATH", "")}
    return {"home": home, "root": root, "etc": etc, "target": target, "env": env,
            "tomls": tomls}


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=200)
    opts = ap.parse_args()
    from umm.config.loader import load
    from umm.config.virtual import detect

    try:
        import rattler  # type: ignore[import-not-found]
    except ImportError:
        rattler = None

    with tempfile.TemporaryDirectory() as tmp:
        lay = _layout(Path(tmp))
        env = lay["env"]

        def umm_load():
            return load(environ=env, home=str(lay["home"]), system_dirs=[str(lay["etc"])],
                        host_platform="linux-64")

        cfg = umm_load()
        n_files = len(cfg.rc_files)
        t_umm = _timeit(umm_load, opts.runs)
        tracemalloc.start()
        umm_load()
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        print(f"config load: {n_files} rc files -> {t_umm * 1e3:.2f} ms (median of "
              f"{opts.runs}), peak {peak / 1024:.0f} KiB   target < 5 ms, < 1024 KiB")
        if rattler is not None:
            t_rat = _timeit(lambda: rattler.Config.load_from_files(lay["tomls"]), opts.runs)
            print(f"  rattler Config.load_from_files(10 TOML files): {t_rat * 1e3:.2f} ms   "
                  f"ratio umm/rattler = {t_umm / t_rat:.1f}")

        venv = {"CONDA_OVERRIDE_CUDA": ""}
        t_vp = _timeit(lambda: detect("linux-64", venv), opts.runs)
        t_vp_cuda = _timeit(lambda: detect("linux-64", {}), max(5, opts.runs // 10))
        print(f"virtual packages: {t_vp * 1e3:.3f} ms ({t_vp_cuda * 1e3:.3f} ms with the "
              "libcuda probe)")
        if rattler is not None:
            t_rvp = _timeit(rattler.VirtualPackage.detect, max(5, opts.runs // 10))
            print(f"  rattler VirtualPackage.detect(): {t_rvp * 1e3:.3f} ms   ratio "
                  f"umm/rattler = {t_vp_cuda / t_rvp:.2f}")

        cmd_env = dict(env, PYTHONPATH=str(REPO), UMM_SYSTEM_CONFIG_DIRS=str(lay["etc"]))
        exe = os.environ.get("UMM_EXE")
        base_cmd = exe.split() if exe else [sys.executable, "-m", "umm"]
        for args in (["config", "list"], ["info", "--json"], ["env", "list", "--json"]):
            times = []
            for _ in range(5):
                t0 = time.perf_counter()
                subprocess.run(base_cmd + args, env=cmd_env, check=True,
                               stdout=subprocess.DEVNULL)
                times.append(time.perf_counter() - t0)
            print(f"umm {' '.join(args)}: {statistics.median(times) * 1e3:.0f} ms wall "
                  "(median of 5)   target < 500 ms")
        t_py = []
        for _ in range(5):
            t0 = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"], check=True)
            t_py.append(time.perf_counter() - t0)
        print(f"  (bare python start-up: {statistics.median(t_py) * 1e3:.0f} ms)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
