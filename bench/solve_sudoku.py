#!/usr/bin/env python3
"""Sudoku channels, solved or refuted by umm and by py-rattler, side by side.

    python3 bench/solve_sudoku.py

* ``easy`` and ``escargot`` from ``../shared/bench/make_sudoku.py`` (must solve);
* libmamba's ``../shared/data/repodata/sudoku-noarch.json`` requested whole, with and
  without its 30 clues (must be refuted, with an explanation).

Each solve runs in its own process; prints seconds (channel loading excluded), the
outcome, umm's decisions and conflicts, and the umm/rattler time ratio.
"""
from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SHARED = REPO.parent / "shared"


def _specs(case: str, workdir: Path) -> tuple:
    if case in ("easy", "escargot"):
        out = workdir / case
        if not (out / "request.txt").is_file():
            subprocess.run([sys.executable, str(SHARED / "bench" / "make_sudoku.py"), str(out),
                            "--puzzle", case], check=True, capture_output=True)
        specs = [s for s in (out / "request.txt").read_text().splitlines() if s.strip()]
        return out / "noarch" / "repodata.json", specs
    sys.path.insert(0, str(SHARED / "bench"))
    from make_sudoku import PUZZLES

    grid = PUZZLES["easy"]
    specs = []
    for y in range(9):
        for x in range(9):
            c = grid[9 * y + x]
            clue = case == "libmamba+clues" and c != "0"
            specs.append(f"sudoku_{x}_{y} =={c}" if clue else f"sudoku_{x}_{y}")
    return SHARED / "data" / "repodata" / "sudoku-noarch.json", specs


def run_umm(path: Path, specs: list) -> dict:
    sys.path.insert(0, str(REPO))
    from tests.solver.support import load_repodata
    from umm.solver import SolveRequest, Unsatisfiable, solve

    src = load_repodata(path, "sudoku")
    t = time.perf_counter()
    try:
        sol = solve(SolveRequest([src], specs))
        outcome, stats = f"solved ({len(sol.records)} cells)", sol.stats
    except Unsatisfiable as exc:
        outcome = f"refuted ({len(exc.explanation.splitlines())}-line explanation)"
        stats = exc.graph.enc.sat.stats
    return {"seconds": time.perf_counter() - t, "outcome": outcome,
            "decisions": stats["decisions"], "conflicts": stats["conflicts"]}


def run_rattler(path: Path, specs: list) -> dict:
    import asyncio
    import shutil

    from rattler import Channel, ChannelConfig, SparseRepoData, solve_with_sparse_repodata

    with tempfile.TemporaryDirectory() as tmp:
        for sub in ("noarch", "linux-64"):
            (Path(tmp) / sub).mkdir()
        shutil.copy(path, Path(tmp) / "noarch" / "repodata.json")
        (Path(tmp) / "linux-64" / "repodata.json").write_text(
            json.dumps({"info": {"subdir": "linux-64"}, "packages": {}}))
        ch = Channel("sudoku", ChannelConfig())
        subdirs = [SparseRepoData(ch, s, str(Path(tmp) / s / "repodata.json"))
                   for s in ("noarch", "linux-64")]
        t = time.perf_counter()
        try:
            recs = asyncio.run(solve_with_sparse_repodata(specs, subdirs))
            outcome = f"solved ({len(recs)} cells)"
        except Exception as exc:  # rattler's SolverError
            outcome = f"refuted ({type(exc).__name__})"
        return {"seconds": time.perf_counter() - t, "outcome": outcome}


def main() -> int:
    if len(sys.argv) > 2 and sys.argv[1] == "--child":
        path, specs = _specs(sys.argv[3], Path(sys.argv[4]))
        fn = run_rattler if sys.argv[2] == "rattler" else run_umm
        print(json.dumps(fn(path, specs)))
        return 0
    print(f"{'case':16} {'umm s':>7} {'rattler s':>9} {'ratio':>6}  {'decisions':>9} "
          f"{'conflicts':>9}  outcome (umm | rattler)")
    with tempfile.TemporaryDirectory(prefix="umm-sudoku-") as tmp:
        for case in ("easy", "escargot", "libmamba", "libmamba+clues"):
            res = {}
            for who in ("umm", "rattler"):
                out = subprocess.run([sys.executable, __file__, "--child", who, case, tmp],
                                     capture_output=True, text=True)
                if out.returncode == 0:
                    res[who] = json.loads(out.stdout.splitlines()[-1])
                else:
                    why = "killed (out of memory?)" if out.returncode in (-9, 137) else \
                        (out.stderr.strip().splitlines() or ["failed"])[-1][:60]
                    res[who] = {"seconds": float("nan"), "outcome": why}
            u, r = res["umm"], res["rattler"]
            print(f"{case:16} {u['seconds']:7.2f} {r['seconds']:9.2f} "
                  f"{u['seconds'] / r['seconds']:6.2f}  {u.get('decisions', 0):9d} "
                  f"{u.get('conflicts', 0):9d}  {u['outcome']} | {r['outcome']}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
