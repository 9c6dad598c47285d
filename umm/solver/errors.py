"""Errors raised by the solver (``umm.solver``)."""
from __future__ import annotations

from typing import Any, Optional, Sequence

from umm.errors import UmmError


class SolverError(UmmError):
    """Base class of the solver's errors."""


class SolveCancelled(SolverError):
    """The caller cancelled the solve (its cancel event was set)."""

    def __init__(self, steps: int) -> None:
        super().__init__(f"the solve was cancelled after {steps} steps")
        self.steps = steps


class StepBudgetExceeded(SolverError):
    """The solve needed more decisions and conflicts than the caller allowed."""

    def __init__(self, budget: int, steps: int) -> None:
        super().__init__(f"the solve gave up after {steps} steps (step budget {budget})")
        self.budget = budget
        self.steps = steps


class InvalidSolveRequest(SolverError):
    """A request the solver cannot even start on (bad option value, bad spec)."""

    def __init__(self, what: str, value: Any = None) -> None:
        super().__init__(f"invalid solve request: {what}")
        self.what = what
        self.value = value


class Unsatisfiable(SolverError):
    """The request cannot be satisfied.

    ``graph`` is the conflict graph (:class:`umm.solver.explain.ConflictGraph`),
    ``explanation`` its rendering as a multi-line tree; ``specs`` the requested
    specs (as text) that take part in the conflict.
    """

    multiline = True

    def __init__(self, explanation: str, graph: Optional[Any] = None,
                 specs: Sequence[str] = ()) -> None:
        super().__init__(explanation)
        self.explanation = explanation
        self.graph = graph
        self.specs = tuple(specs)
