"""Sudokus as conda channels: solvable puzzles must give valid grids, libmamba's
unsatisfiable channel must be refuted with an explanation."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from typing import Dict, List, Tuple

import pytest

from tests.solver.support import load_repodata, problems
from umm.solver import SolveRequest, Unsatisfiable, solve


def _make_sudoku_module(shared_bench: Path):
    spec = importlib.util.spec_from_file_location("make_sudoku", shared_bench / "make_sudoku.py")
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def puzzles(shared_bench: Path) -> Dict[str, str]:
    return dict(_make_sudoku_module(shared_bench).PUZZLES)


def _generate(shared_bench: Path, out: Path, puzzle: str) -> Tuple[Path, List[str]]:
    subprocess.run([sys.executable, str(shared_bench / "make_sudoku.py"), str(out),
                    "--puzzle", puzzle], check=True, capture_output=True)
    request = (out / "request.txt").read_text().split("\n")
    return out / "noarch" / "repodata.json", [line for line in request if line.strip()]


def _grid(records) -> Dict[Tuple[int, int], int]:
    out = {}
    for r in records:
        _, x, y = r.name.split("_")
        out[int(x), int(y)] = int(r.version)
    return out


@pytest.mark.parametrize("puzzle", ["easy", "escargot"])
def test_puzzle_solves_to_a_valid_grid(puzzle: str, shared_bench: Path, tmp_path: Path,
                                       puzzles: Dict[str, str]) -> None:
    path, specs = _generate(shared_bench, tmp_path, puzzle)
    src = load_repodata(path, "sudoku")
    sol = solve(SolveRequest([src], specs))
    assert len(sol.records) == 81
    assert problems(sol.records, specs) == []
    grid = _grid(sol.records)
    given = puzzles[puzzle]
    for y in range(9):
        for x in range(9):
            c = given[9 * y + x]
            if c != "0":
                assert grid[x, y] == int(c)
        assert sorted(grid[x, y] for x in range(9)) == list(range(1, 10))      # rows
        assert sorted(grid[y, x] for x in range(9)) == list(range(1, 10))      # columns
    for bx in range(3):
        for by in range(3):
            box = [grid[3 * bx + i, 3 * by + j] for i in range(3) for j in range(3)]
            assert sorted(box) == list(range(1, 10))


def _libmamba_specs(puzzles: Dict[str, str], clues: bool) -> List[str]:
    grid = puzzles["easy"]
    out = []
    for y in range(9):
        for x in range(9):
            c = grid[9 * y + x]
            out.append(f"sudoku_{x}_{y} =={c}" if clues and c != "0" else f"sudoku_{x}_{y}")
    return out


@pytest.fixture(scope="module")
def libmamba_sudoku(shared_data: Path):
    return load_repodata(shared_data / "repodata" / "sudoku-noarch.json", "sudoku")


@pytest.mark.parametrize("clues", [False, True], ids=["no clues", "30 clues"])
def test_libmamba_sudoku_channel_is_refuted(clues: bool, libmamba_sudoku,
                                           puzzles: Dict[str, str]) -> None:
    specs = _libmamba_specs(puzzles, clues)
    if clues:
        assert "sudoku_0_0 ==5" in specs and "sudoku_1_0 ==3" in specs
        assert sum("==" in s for s in specs) == 30
    with pytest.raises(Unsatisfiable) as info:
        solve(SolveRequest([libmamba_sudoku], specs))
    text = info.value.explanation
    lines = text.splitlines()
    assert lines[:2] == ["Could not solve for environment specs",
                         "The following packages are incompatible"]
    assert "is requested" in text and "sudoku_" in text
    assert len(lines) > 3
    assert info.value.specs and all(s.startswith("sudoku_") for s in info.value.specs)
