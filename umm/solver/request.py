"""What the solver is asked (:class:`SolveRequest`) and what it answers (:class:`Solution`)."""
from __future__ import annotations

from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from umm.reporter import NULL, Reporter
from umm.solver.errors import InvalidSolveRequest

CHANNEL_PRIORITIES = ("strict", "flexible", "disabled")


def _specs(values: Iterable[Any], what: str) -> Tuple[Any, ...]:
    from umm.specs.matchspec import MatchSpec

    out = []
    for v in values or ():
        if isinstance(v, MatchSpec):
            out.append(v)
        elif isinstance(v, str):
            out.append(MatchSpec.parse(v))   # InvalidMatchSpec is a UmmError already
        else:
            raise InvalidSolveRequest(f"{what} must be match specs, got {type(v).__name__}", v)
    return tuple(out)


class SolveRequest:
    """Everything one solve needs. Immutable; specs may be given as strings.

    * ``sources``: ``RecordSource`` objects (``.channel``, ``.records(name)``), highest
      priority first.
    * ``specs``: the requested match specs; ``installed``: the prefix's records;
      ``virtual``: virtual package records (``__glibc`` ...).
    * ``pins``: specs constraining a name if it is installed (``pinned_packages``,
      ``conda-meta/pinned``), never pulling it in.
    * ``remove``: specs of installed packages to remove (with what depends on them).
    * ``update_all`` / ``update_names``: installed packages not to hold at their
      version; ``update_deps``: also the dependencies of the requested specs.
    * ``freeze_installed``: installed packages not named by a spec keep their exact
      build; ``prune``: installed packages nobody asked for and nothing needs go.
    * ``no_deps`` / ``only_deps``: keep only the requested packages / only their
      dependencies out of the solution. ``force_reinstall``: for the transaction.
    * ``channel_priority``: ``strict``, ``flexible`` or ``disabled``.
    * ``step_budget``: give up after so many decisions + conflicts; ``cancel``: an
      object with ``is_set()`` (a ``threading.Event``) or a callable.
    """

    __slots__ = ("sources", "specs", "installed", "virtual", "pins", "remove", "update_all",
                 "update_names", "freeze_installed", "no_deps", "only_deps",
                 "force_reinstall", "prune", "update_deps", "channel_priority",
                 "add_pip_as_python_dependency", "step_budget", "cancel", "reporter")

    def __init__(self, sources: Sequence[Any] = (), specs: Iterable[Any] = (),
                 installed: Iterable[Any] = (), virtual: Iterable[Any] = (),
                 pins: Iterable[Any] = (), remove: Iterable[Any] = (), *,
                 update_all: bool = False, update_names: Iterable[str] = (),
                 freeze_installed: bool = False, no_deps: bool = False,
                 only_deps: bool = False, force_reinstall: bool = False, prune: bool = False,
                 update_deps: bool = False, channel_priority: str = "strict",
                 add_pip_as_python_dependency: bool = True, step_budget: Optional[int] = None,
                 cancel: Optional[Any] = None, reporter: Reporter = NULL) -> None:
        cp = str(channel_priority or "strict").lower()
        if cp not in CHANNEL_PRIORITIES:
            raise InvalidSolveRequest(
                f"channel_priority must be one of {', '.join(CHANNEL_PRIORITIES)}, not {cp!r}",
                channel_priority)
        if no_deps and only_deps:
            raise InvalidSolveRequest("no_deps and only_deps exclude each other")
        if step_budget is not None and step_budget < 1:
            raise InvalidSolveRequest("step_budget must be positive", step_budget)
        s = object.__setattr__
        s(self, "sources", tuple(sources))
        s(self, "specs", _specs(specs, "specs"))
        s(self, "installed", tuple(installed))
        s(self, "virtual", tuple(virtual))
        s(self, "pins", _specs(pins, "pins"))
        s(self, "remove", _specs(remove, "remove"))
        s(self, "update_all", bool(update_all))
        s(self, "update_names", tuple(str(n).lower() for n in update_names))
        s(self, "freeze_installed", bool(freeze_installed))
        s(self, "no_deps", bool(no_deps))
        s(self, "only_deps", bool(only_deps))
        s(self, "force_reinstall", bool(force_reinstall))
        s(self, "prune", bool(prune))
        s(self, "update_deps", bool(update_deps))
        s(self, "channel_priority", cp)
        s(self, "add_pip_as_python_dependency", bool(add_pip_as_python_dependency))
        s(self, "step_budget", step_budget)
        s(self, "cancel", cancel)
        s(self, "reporter", reporter)

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("SolveRequest is immutable")

    def replace(self, **changes: Any) -> "SolveRequest":
        fields: Dict[str, Any] = {k: getattr(self, k) for k in self.__slots__}
        fields.update(changes)
        return SolveRequest(**fields)

    def __repr__(self) -> str:
        return (f"SolveRequest(specs={[str(s) for s in self.specs]}, "
                f"{len(self.installed)} installed, {len(self.sources)} sources)")


class Solution:
    """The environment a solve arrived at.

    ``records``: the final environment's records, sorted by name (installed records
    that stay are the installed objects themselves; virtual packages are left out).
    ``requested``: the specs asked for; ``stats``: solver statistics.
    """

    __slots__ = ("records", "requested", "stats", "_by_name")

    def __init__(self, records: Iterable[Any], requested: Sequence[Any] = (),
                 stats: Optional[Dict[str, Any]] = None) -> None:
        recs = sorted(records, key=lambda r: r.name)
        object.__setattr__(self, "records", recs)
        object.__setattr__(self, "requested", tuple(requested))
        object.__setattr__(self, "stats", dict(stats or {}))
        object.__setattr__(self, "_by_name", {r.name: r for r in recs})

    def __setattr__(self, key: str, value: Any) -> None:
        raise AttributeError("Solution is immutable")

    def __getitem__(self, name: str) -> Any:
        return self._by_name[name]

    def get(self, name: str, default: Any = None) -> Any:
        return self._by_name.get(name, default)

    def __contains__(self, name: object) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.records)

    def __len__(self) -> int:
        return len(self.records)

    def names(self) -> List[str]:
        return [r.name for r in self.records]

    def __repr__(self) -> str:
        return f"Solution({', '.join(r.dist_name for r in self.records)})"


RequestLike = Union[SolveRequest, Dict[str, Any]]
