"""Shell activation speed: umm vs py-rattler, in-process and end to end.

    python3 bench/shell_activation.py [--iterations N]

Prints, for an environment with activate.d scripts and state variables:
* in-process: computing + rendering bash activation code (umm ``Activator`` +
  ``BashShell.render``) vs ``rattler.shell.activate(..., Shell.bash)``, per call;
* end to end: ``umm shell activate -s bash ENV`` (what the hook runs on every
  ``umm activate``) and ``umm run -n ENV true`` wall time, per call.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))


def make_env(prefix: Path) -> None:
    (prefix / "conda-meta").mkdir(parents=True)
    (prefix / "conda-meta" / "history").write_text("")
    (prefix / "conda-meta" / "state").write_text(json.dumps(
        {"env_vars": {f"VAR_{i}": f"value {i}" for i in range(10)}}))
    (prefix / "bin").mkdir()
    for kind in ("activate", "deactivate"):
        d = prefix / "etc" / "conda" / f"{kind}.d"
        d.mkdir(parents=True)
        for i in range(5):
            (d / f"s{i}.sh").write_text(f"export S{i}=1\n")


def per_call(fn, n: int) -> float:
    fn()
    start = time.perf_counter()
    for _ in range(n):
        fn()
    return (time.perf_counter() - start) / n


def wall(argv, env, n: int) -> float:
    times = []
    for _ in range(n):
        t = time.perf_counter()
        subprocess.run(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                       check=True)
        times.append(time.perf_counter() - t)
    return statistics.median(times)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--iterations", type=int, default=2000)
    ap.add_argument("--runs", type=int, default=10)
    a = ap.parse_args()
    from umm.shell.activation import Activator
    from umm.shell.shells import get_shell

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "root"
        prefix = root / "envs" / "bench"
        make_env(prefix)
        environ = dict(os.environ, PS1="$ ", CONDA_SHLVL="0")
        environ.pop("CONDA_PREFIX", None)
        bash = get_shell("bash")

        def umm_once() -> str:
            act = Activator(environ, str(root), script_exts=bash.script_exts,
                            prompt_var=bash.prompt_var)
            return bash.render(act.activate(str(prefix)))

        t_umm = per_call(umm_once, a.iterations)
        print(f"in-process activate+render (bash): umm {t_umm * 1e6:8.1f} us/call")
        try:
            from rattler.shell import ActivationVariables, Shell, activate

            path = environ.get("PATH", "").split(os.pathsep)

            def rattler_once() -> str:
                return activate(prefix, ActivationVariables(None, path), Shell.bash).script

            t_r = per_call(rattler_once, a.iterations)
            print(f"in-process activate+render (bash): py-rattler {t_r * 1e6:8.1f} us/call"
                  f"   ratio umm/rattler = {t_umm / t_r:.2f}")
        except ImportError:
            print("py-rattler not installed: no comparison")

        env = dict(environ, MAMBA_ROOT_PREFIX=str(root),
                   PYTHONPATH=str(REPO) + os.pathsep + environ.get("PYTHONPATH", ""))
        exe = os.environ.get("UMM_EXE", "").split() or [sys.executable, "-m", "umm"]
        t_act = wall(exe + ["shell", "activate", "-s", "bash", "bench"], env, a.runs)
        t_run = wall(exe + ["run", "-n", "bench", "true"], env, a.runs)
        t_ver = wall(exe + ["--version"], env, a.runs)
        print(f"end to end ({' '.join(exe)}): --version {t_ver * 1e3:.0f} ms, "
              f"shell activate {t_act * 1e3:.0f} ms, run true (5 scripts) {t_run * 1e3:.0f} ms "
              f"(median of {a.runs})")


if __name__ == "__main__":
    main()
