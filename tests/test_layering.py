"""Imports only point down (DEVELOPERS.md): a module may import its own area and
the areas below it, never one above. Checked statically over every module's AST,
including imports inside functions (the lazy ones)."""
from __future__ import annotations

import ast
from pathlib import Path
from typing import Dict, List, Set

import pytest

UMM = Path(__file__).resolve().parent.parent / "umm"

BASE = {"errors", "reporter", "__init__", "__main__", "__version__"}
# area -> the areas it may import (besides itself and BASE)
ALLOWED: Dict[str, Set[str]] = {
    "specs": set(),
    "config": {"specs"},
    "net": {"specs", "config"},
    "repodata": {"specs", "config", "net"},
    "solver": {"specs", "config"},
    "package": {"specs", "config", "net"},
    "query": {"specs", "config", "net", "repodata"},
    "install": {"specs", "config", "net", "package", "solver"},
    "envfile": {"specs", "config", "net", "repodata", "solver", "package", "install"},
    "shell": {"specs", "config", "install"},
    "ui": {"specs", "config"},
}


def _area(path: Path) -> str:
    rel = path.relative_to(UMM)
    return rel.parts[0] if len(rel.parts) > 1 else rel.stem


def _imported_areas(path: Path) -> List[str]:
    tree = ast.parse(path.read_text(), str(path))
    out: List[str] = []
    for node in ast.walk(tree):
        names: List[str] = []
        if isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module]
            if node.module == "umm":
                names = ["umm." + a.name for a in node.names]
        for name in names:
            parts = name.split(".")
            if parts[0] == "umm" and len(parts) > 1:
                out.append(parts[1])
    return out


MODULES = sorted(p for p in UMM.rglob("*.py") if _area(p) not in BASE | {"cli"})


@pytest.mark.parametrize("path", MODULES, ids=lambda p: str(p.relative_to(UMM)))
def test_imports_point_down(path: Path) -> None:
    area = _area(path)
    allowed = ALLOWED[area] | {area} | BASE
    bad = sorted(set(_imported_areas(path)) - allowed)
    assert not bad, f"umm/{path.relative_to(UMM)} ({area}) imports {bad}"


def test_base_modules_import_nothing_of_umm() -> None:
    for name in ("errors.py", "reporter.py"):
        assert _imported_areas(UMM / name) == []


def test_library_code_never_prints() -> None:
    offenders = []
    for path in MODULES:
        tree = ast.parse(path.read_text(), str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) \
                    and node.func.id == "print" and _area(path) != "ui":
                offenders.append(f"{path.relative_to(UMM)}:{node.lineno}")
    assert not offenders, offenders
