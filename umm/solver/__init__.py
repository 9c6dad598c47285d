"""umm.solver: a hand-written CDCL solver with conda semantics.

Public API (imported lazily; nothing runs at import time)::

    from umm.solver import SolveRequest, solve, Solution, Unsatisfiable, Transaction
    sol = solve(SolveRequest(sources=[...], specs=["numpy"], installed=[...], ...))
    tx = Transaction.plan(installed, sol, requested=["numpy"], force_reinstall=False)

Layers: :mod:`umm.solver.sat` (integers and clauses only), :mod:`umm.solver.conda`
(records, candidates, lazy encoding), :mod:`umm.solver.solving` (request semantics),
:mod:`umm.solver.explain` (conflict graph and tree), :mod:`umm.solver.transaction`.
"""
from __future__ import annotations

from typing import Any, Dict, List

_EXPORTS: Dict[str, str] = {
    "SolveRequest": "umm.solver.request",
    "Solution": "umm.solver.request",
    "solve": "umm.solver.solving",
    "Transaction": "umm.solver.transaction",
    "Action": "umm.solver.transaction",
    "ConflictGraph": "umm.solver.explain",
    "SatSolver": "umm.solver.sat",
    "SolverError": "umm.solver.errors",
    "Unsatisfiable": "umm.solver.errors",
    "SolveCancelled": "umm.solver.errors",
    "StepBudgetExceeded": "umm.solver.errors",
    "InvalidSolveRequest": "umm.solver.errors",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module 'umm.solver' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> List[str]:
    return sorted(list(globals()) + __all__)
