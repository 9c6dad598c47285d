"""A CDCL SAT solver over integer variables and clauses (no conda knowledge).

Variables are ints ``1..n``; the public API takes literals DIMACS-style (``v`` /
``-v``). Internally a literal is ``2*v`` (true) or ``2*v + 1`` (false), so negation
is ``lit ^ 1`` and every per-literal table is a flat list.

* Clauses: two watched literals, unit propagation, 1-UIP conflict analysis with
  learned clauses (locally minimised), non-chronological backjumping, Luby restarts.
* At-most-one groups (``add_at_most_one``) are native: a true member makes the
  others false without O(n^2) binary clauses.
* Requirements (``add_requires``): "``parent`` needs one of ``candidates``", the
  candidates in the caller's preference order. When they all lie in one group,
  the group's other members are *excluded* by a true parent (and a true excluded
  member makes the parent false): the binary implications are propagated natively
  from shared exclusion lists. ``add_constrains`` registers an exclusion alone.
  A requirement on a group the root already requires needs no clause at all.
* Decisions (:mod:`umm.solver.sat_decide`): by default resolvo's strategy — the
  root's requirements first (the first ``root_ordered`` in the order given, the
  rest by fewest undecided candidates), then the open requirements of true
  variables by fewest undecided candidates; the most preferred undecided
  candidate is decided. Conflicts bump variable activities, which drive a VSIDS
  heap (with saved phases) for whatever general clauses leave open. A caller may
  pass its own ``decide``, e.g. to look ahead before deciding.
* What level-0 facts imply is assigned at level 0 even when found deeper in the
  search, and survives backjumps.
* Lazy encoding: ``extend`` runs at each propagation fixpoint and may add clauses
  and requirements; unit or conflicting additions are dealt with on the spot.
* Every clause keeps a kind and the caller's ``info``; learnt clauses remember
  what they were derived from, so :func:`umm.solver.sat_core.unsat_core` can
  list the original constraints behind a refutation.
* A step budget (decisions + conflicts) and cancellation.
"""
from __future__ import annotations

import heapq
from typing import Any, Callable, Dict, Iterable, List, Optional, Sequence, Tuple, Union

from umm.solver.errors import SolveCancelled, StepBudgetExceeded
from umm.solver.sat_decide import Decisions
from umm.solver.sat_propagate import Propagation

# clause kinds (callers may use their own ints >= USER for facts)
FACT, ROOT, REQUIRES, CONSTRAINS, FORBID, LOCK, LEARNT, USER = range(8)
KIND_NAMES = ("fact", "root", "requires", "constrains", "forbid-multiple", "lock", "learnt")

#: a clause id, or ``(u, v)``: the native binary ``not u or not v`` used when ``u``
#: (true) made ``v`` false through a group or an exclusion
Ref = Union[int, Tuple[int, int]]
Conflict = Tuple[List[int], Ref]

_BIG = 1 << 60


def luby(i: int) -> int:
    """The i-th element (0-based) of the Luby sequence 1 1 2 1 1 2 4 ..."""
    size, seq = 1, 0
    while size < i + 1:
        seq += 1
        size = 2 * size + 1
    while size - 1 != i:
        size = (size - 1) >> 1
        seq -= 1
        i = i % size
    return 1 << seq


class SatSolver(Propagation, Decisions):
    """An incremental CDCL solver. See the module docstring."""

    __slots__ = (
        "nvars", "vals", "level", "reason", "var_group", "activity", "phase", "seen",
        "watches", "clauses", "kinds", "infos", "learnt_from", "groups", "group_infos",
        "group_true", "group_false", "pfx", "req_parent", "req_cands", "req_clause", "req_group", "req_excl",
        "req_kind", "req_info", "reqs_of", "root_reqs", "root_groups", "xsets", "x_parents",
        "var_x", "_xid", "trail", "trail_lim", "true_trail", "true_lim", "true_low", "qhead",
        "var_inc", "pending", "pending_excl", "conflict", "ok", "root", "n_general", "stats",
        "cancel", "step_budget", "steps", "restart_base", "_heap", "_heap_on", "root_ordered", "level_id", "held_lvl", "held_id", "_next_id",
    )

    def __init__(self, *, cancel: Optional[Any] = None, step_budget: Optional[int] = None,
                 restart_base: int = 100) -> None:
        self.nvars = 0
        self.vals: List[int] = [0, 0]          # per literal: 1 true, -1 false, 0 unassigned
        self.level: List[int] = [0]            # per variable
        self.reason: List[int] = [-1]          # clause id, -1 decision, <= -2: -2 - implying var
        self.var_group: List[int] = [-1]
        self.activity: List[float] = [0.0]
        self.phase: List[int] = [1]            # saved polarity bit (1 = false)
        self.seen = bytearray(1)
        self.watches: List[List[int]] = [[], []]
        self.clauses: List[List[int]] = []
        self.kinds: List[int] = []
        self.infos: List[Any] = []
        self.learnt_from: Dict[int, Tuple[Ref, ...]] = {}
        self.groups: List[List[int]] = []
        self.group_infos: List[Any] = []
        self.group_true: List[int] = []        # the true member of each group, or 0
        self.group_false: List[int] = []       # how many members are false
        self.pfx: List[int] = []               # per level: requirements of true_trail[:i] hold
        self.req_parent: List[int] = []
        self.req_cands: List[Sequence[int]] = []
        self.req_clause: List[int] = []
        self.req_group: List[int] = []
        self.req_excl: List[Optional[Sequence[int]]] = []
        self.req_kind: List[int] = []
        self.req_info: List[Any] = []
        self.reqs_of: List[Optional[List[int]]] = [None]
        self.root_reqs: List[int] = []
        self.root_groups: set = set()
        self.xsets: List[Sequence[int]] = []   # distinct exclusion lists
        self.x_parents: List[List[int]] = []   # the parents excluding each list
        self.var_x: List[Optional[List[int]]] = [None]   # the lists a variable is in
        self._xid: Dict[int, int] = {}
        self.trail: List[int] = []
        self.trail_lim: List[int] = []
        self.true_trail: List[int] = []        # true variables, in assignment order
        self.true_lim: List[int] = []
        self.true_low = 0                      # lowest true_trail length since reset
        self.qhead = 0
        self.var_inc = 1.0
        self.pending: List[int] = []           # clauses added while unit or conflicting
        self.pending_excl: List[int] = []      # exclusions added with a decided side
        self.conflict: Optional[Conflict] = None
        self.ok = True
        self.n_general = 0
        self.stats = {"decisions": 0, "conflicts": 0, "propagations": 0, "restarts": 0,
                      "learnt": 0}
        self.cancel = cancel
        self.step_budget = step_budget
        self.steps = 0
        self.restart_base = restart_base
        self.root_ordered = 0   # how many of the root's requirements to decide in order
        self.level_id: List[int] = [0]   # a fresh id each time a decision level is made
        self._next_id = 1
        self.held_lvl: List[int] = [_BIG]   # per variable: requirements held at that level
        self.held_id: List[int] = [0]
        self._heap: List[Tuple[float, int]] = []
        self._heap_on = False
        self.root = self.new_var()
        self.add_clause([self.root], ROOT)
        self._take_pending()   # the root is true from the start

    # -- building ----------------------------------------------------------------
    def new_var(self) -> int:
        return self.new_vars(1)[0]

    def new_vars(self, n: int) -> range:
        """``n`` fresh variables, as a range of consecutive ints."""
        first = self.nvars + 1
        self.nvars += n
        self.vals += [0, 0] * n
        self.level += [0] * n
        self.reason += [-1] * n
        self.var_group += [-1] * n
        self.activity += [0.0] * n
        self.phase += [1] * n
        self.seen += bytes(n)
        self.watches += [[] for _ in range(2 * n)]
        self.reqs_of += [None] * n
        self.var_x += [None] * n
        self.held_lvl += [_BIG] * n
        self.held_id += [0] * n
        if self._heap_on:
            for v in range(first, self.nvars + 1):
                heapq.heappush(self._heap, (0.0, v))
        return range(first, self.nvars + 1)

    def add_clause(self, lits: Iterable[int], kind: int = FACT, info: Any = None) -> int:
        """Add ``lits`` (DIMACS-style ints) as a clause; returns its id (-1 if tautological)."""
        internal: List[int] = []
        present = set()
        positives = 0
        for x in lits:
            il = (x << 1) if x > 0 else ((-x) << 1) | 1
            if il in present:
                continue
            if il ^ 1 in present:
                return -1
            present.add(il)
            internal.append(il)
            if x > 0:
                positives += 1
        if positives >= 2 and kind != REQUIRES:
            self.n_general += 1   # "everything else false" may not satisfy it
        return self._attach(internal, kind, info)

    def add_requires(self, parent: int, candidates: Sequence[int], info: Any = None,
                     excluded: Optional[Sequence[int]] = None) -> int:
        """``parent`` (0: the root) needs one of ``candidates`` (most preferred first).

        ``excluded`` (the group's other members) may be given precomputed; callers
        share one list between requirements on the same candidates. Returns the
        requirement's id.
        """
        p = parent or self.root
        if p in candidates:   # satisfied by the parent itself
            return self._register(p, (), -1, -1, None, REQUIRES, info)
        var_group = self.var_group
        g = var_group[candidates[0]] if candidates else -1
        if g >= 0:
            for c in candidates:
                if var_group[c] != g:
                    g = -1
                    break
        if g >= 0 and excluded is None:
            cand_set = set(candidates)
            excluded = [u for u in self.groups[g] if u not in cand_set]
        vals = self.vals
        if g >= 0 and g in self.root_groups and p != self.root and any(
                vals[c << 1] != -1 for c in candidates):
            cid = -1   # implied by the root's requirement on g plus the exclusions
        else:
            internal = [(p << 1) | 1]
            internal += [c << 1 for c in candidates]
            cid = self._attach(internal, REQUIRES, info)
        rid = self._register(p, candidates, cid, g, excluded if g >= 0 else None, REQUIRES,
                             info)
        if p == self.root and g >= 0:
            self.root_groups.add(g)
        return rid

    def add_constrains(self, parent: int, excluded: Sequence[int], info: Any = None) -> int:
        """A true ``parent`` makes every variable of ``excluded`` false (and vice versa)."""
        return self._register(parent or self.root, (), -1, -1, excluded, CONSTRAINS, info)

    def _register(self, p: int, cands: Sequence[int], cid: int, g: int,
                  excluded: Optional[Sequence[int]], kind: int, info: Any) -> int:
        rid = len(self.req_parent)
        self.req_parent.append(p)
        self.req_cands.append(cands)
        self.req_clause.append(cid)
        self.req_group.append(g)
        self.req_kind.append(kind)
        self.req_info.append(info)
        if excluded:
            self.req_excl.append(excluded)
            xid = self._xid.get(id(excluded))
            if xid is None or self.xsets[xid] is not excluded:
                xid = len(self.xsets)
                self._xid[id(excluded)] = xid
                self.xsets.append(excluded)
                self.x_parents.append([])
                var_x = self.var_x
                for u in excluded:
                    lst = var_x[u]
                    if lst is None:
                        var_x[u] = [xid]
                    else:
                        lst.append(xid)
            self.x_parents[xid].append(p)
            if self.vals[p << 1] != -1:
                self.pending_excl.append(rid)
        else:
            self.req_excl.append(None)
        if p == self.root and kind == REQUIRES:
            self.root_reqs.append(rid)
        else:
            lst = self.reqs_of[p]
            if lst is None:
                self.reqs_of[p] = [rid]
            else:
                lst.append(rid)
        return rid

    def add_at_most_one(self, members: Sequence[int], info: Any = None) -> int:
        """At most one of ``members`` is true (a variable belongs to one group at most)."""
        g = len(self.groups)
        members = list(members)
        for v in members:
            if self.var_group[v] >= 0:
                raise ValueError(f"variable {v} is already in an at-most-one group")
            self.var_group[v] = g
        self.groups.append(members)
        self.group_infos.append(info)
        true = [v for v in members if self.vals[v << 1] == 1]
        self.group_true.append(true[-1] if true else 0)
        self.group_false.append(sum(1 for v in members if self.vals[v << 1] == -1))
        if len(true) > 1:
            self.conflict = ([(true[0] << 1) | 1, (true[1] << 1) | 1], (true[0], true[1]))
        elif true:
            for u in members:
                if u != true[0] and self.vals[(u << 1) | 1] == 0:
                    self._assign((u << 1) | 1, -2 - true[0])
        return g

    def _attach(self, lits: List[int], kind: int, info: Any) -> int:
        ci = len(self.clauses)
        self.clauses.append(lits)
        self.kinds.append(kind)
        self.infos.append(info)
        n = len(lits)
        if n == 0:
            self.ok = False
            self.conflict = (lits, ci)
            return ci
        vals, level = self.vals, self.level
        if n == 1:
            if vals[lits[0]] != 1 or level[lits[0] >> 1] != 0:
                self.pending.append(ci)
            return ci
        if vals[lits[0]] == -1 or vals[lits[1]] == -1:
            # watch the best two: true, then unassigned, then false at the highest level
            # (those are the first a backjump unassigns)
            def key(k: int) -> Tuple[int, int]:
                x = vals[lits[k]]
                return (x + 1, level[lits[k] >> 1] if x == -1 else 0)
            a, b = sorted(range(n), key=key, reverse=True)[:2]
            la, lb = lits[a], lits[b]
            rest = [x for k, x in enumerate(lits) if k != a and k != b]
            lits[:] = [la, lb] + rest
            if vals[lb] == -1 and vals[la] != 1:
                self.pending.append(ci)      # unit or conflicting now
        self.watches[lits[0]].append(ci)
        self.watches[lits[1]].append(ci)
        return ci

    # -- queries -------------------------------------------------------------------
    def value(self, v: int) -> Optional[bool]:
        x = self.vals[v << 1]
        return None if x == 0 else x == 1

    def model(self) -> List[int]:
        """The true variables (the root excluded), after a successful solve."""
        return [v for v in self.true_trail if v != self.root]

    def decision_level(self) -> int:
        return len(self.trail_lim)

    def clause_lits(self, ci: int) -> List[int]:
        """The literals of clause ``ci``, DIMACS-style."""
        return [(x >> 1) if not x & 1 else -(x >> 1) for x in self.clauses[ci]]

    # -- assignment ----------------------------------------------------------------
    def _assign(self, lit: int, reason: int) -> None:
        v = lit >> 1
        self.vals[lit] = 1
        self.vals[lit ^ 1] = -1
        self.level[v] = len(self.trail_lim)
        self.reason[v] = reason
        self.trail.append(lit)
        g = self.var_group[v]
        if not lit & 1:
            self.true_trail.append(v)
            if g >= 0:
                self.group_true[g] = v
        elif g >= 0:
            self.group_false[g] += 1

    def _assign0(self, lit: int, reason: int) -> None:
        """Assign ``lit`` at level 0 whatever the current level: what level-0 facts
        imply stays true when the search backjumps (see ``_backtrack``)."""
        self._assign(lit, reason)
        self.level[lit >> 1] = 0

    def _backtrack(self, lvl: int) -> None:
        if len(self.trail_lim) <= lvl:
            return
        pos = self.trail_lim[lvl]
        vals, trail, phase, level = self.vals, self.trail, self.phase, self.level
        var_group, group_true, group_false = self.var_group, self.group_true, self.group_false
        heap_on, heap, act = self._heap_on, self._heap, self.activity
        kept: List[int] = []
        for i in range(len(trail) - 1, pos - 1, -1):
            lit = trail[i]
            v = lit >> 1
            if not level[v]:   # assigned at level 0 out of order: stays
                kept.append(lit)
                continue
            vals[lit] = 0
            vals[lit ^ 1] = 0
            phase[v] = lit & 1
            g = var_group[v]
            if g >= 0:
                if lit & 1:
                    group_false[g] -= 1
                elif group_true[g] == v:
                    group_true[g] = 0
            if heap_on:
                heapq.heappush(heap, (-act[v], v))
        del trail[pos:]
        tl = self.true_lim[lvl]
        del self.true_trail[tl:]
        if tl < self.true_low:
            self.true_low = tl
        if kept:   # back on the trail, to be propagated again
            kept.reverse()
            trail += kept
            self.true_trail += [x >> 1 for x in kept if not x & 1]
        del self.trail_lim[lvl:]
        del self.true_lim[lvl:]
        del self.pfx[lvl + 1:]
        del self.level_id[lvl + 1:]
        self.qhead = pos

    # -- conflict analysis ---------------------------------------------------------
    def reason_of(self, v: int) -> Tuple[List[int], Ref]:
        """The clause that implied ``v``'s value: its literals (internal) and reference."""
        r = self.reason[v]
        if r >= 0:
            return self.clauses[r], r
        u = -2 - r
        return [(v << 1) | 1, (u << 1) | 1], (u, v)

    def _bump(self, v: int) -> None:
        act = self.activity
        act[v] += self.var_inc
        if act[v] > 1e100:
            for i in range(len(act)):
                act[i] *= 1e-100
            self.var_inc *= 1e-100
        if self._heap_on:
            heapq.heappush(self._heap, (-act[v], v))

    def _analyze(self, lits: List[int], ref: Ref) -> Tuple[List[int], int, List[Ref]]:
        seen, level, trail = self.seen, self.level, self.trail
        lvl = len(self.trail_lim)
        learnt = [0]
        refs: List[Ref] = [ref]
        cleanup: List[int] = []
        zero: set = set()
        path = 0
        idx = len(trail) - 1
        pv = -1
        p = 0
        while True:
            for q in lits:
                v = q >> 1
                if v == pv or seen[v]:
                    continue
                lv = level[v]
                if lv == 0:   # not part of the clause; its reason is part of the proof
                    if v not in zero:
                        zero.add(v)
                        refs.append(self.reason_of(v)[1])
                    continue
                seen[v] = 1
                cleanup.append(v)
                self._bump(v)
                if lv >= lvl:
                    path += 1
                else:
                    learnt.append(q)
            while not seen[trail[idx] >> 1]:
                idx -= 1
            p = trail[idx]
            idx -= 1
            pv = p >> 1
            path -= 1
            if path <= 0:
                break
            lits, r = self.reason_of(pv)
            refs.append(r)
        learnt[0] = p ^ 1
        if len(learnt) > 2:   # drop literals implied by the others
            kept = [learnt[0]]
            for q in learnt[1:]:
                v = q >> 1
                if self.reason[v] == -1:
                    kept.append(q)
                    continue
                rl, rr = self.reason_of(v)
                if all(seen[x >> 1] or level[x >> 1] == 0 for x in rl):
                    refs.append(rr)
                    for x in rl:
                        if level[x >> 1] == 0 and not seen[x >> 1]:
                            refs.append(self.reason_of(x >> 1)[1])
                else:
                    kept.append(q)
            learnt = kept
        for v in cleanup:
            seen[v] = 0
        bt = 0
        if len(learnt) > 1:
            best = 1
            for k in range(2, len(learnt)):
                if level[learnt[k] >> 1] > level[learnt[best] >> 1]:
                    best = k
            learnt[1], learnt[best] = learnt[best], learnt[1]
            bt = level[learnt[1] >> 1]
        return learnt, bt, refs

    # -- the search ----------------------------------------------------------------
    def _step(self) -> None:
        self.steps += 1
        if self.step_budget is not None and self.steps > self.step_budget:
            raise StepBudgetExceeded(self.step_budget, self.steps)
        if self.cancel is not None and not self.steps & 63:
            c = self.cancel
            if (c.is_set() if hasattr(c, "is_set") else c()):
                raise SolveCancelled(self.steps)

    def _learn(self, confl: Conflict) -> None:
        level = self.level
        top = 0
        for lit in confl[0]:
            if level[lit >> 1] > top:
                top = level[lit >> 1]
        if top < len(self.trail_lim):
            self._backtrack(top)
        learnt, bt, refs = self._analyze(*confl)
        self._backtrack(bt)
        ci = len(self.clauses)
        self.clauses.append(learnt)
        self.kinds.append(LEARNT)
        self.infos.append(None)
        self.learnt_from[ci] = tuple(dict.fromkeys(refs))
        self.stats["learnt"] += 1
        if len(learnt) > 1:
            self.watches[learnt[0]].append(ci)
            self.watches[learnt[1]].append(ci)
        self._assign(learnt[0], ci)
        self.var_inc *= 1.0 / 0.95

    def solve(self, extend: Optional[Callable[["SatSolver"], Any]] = None,
              decide: Optional[Callable[["SatSolver"], Optional[int]]] = None) -> bool:
        """Search for a model; True if one is found (see :meth:`model`), else False.

        ``extend(solver)`` runs at each propagation fixpoint and may add
        constraints (lazy encoding); it returns whether it added any.
        ``decide(solver)`` returns a DIMACS literal to decide, 0 when the caller
        considers the assignment complete (unassigned variables are then false),
        or None when it added constraints instead (the search propagates and asks
        again). Without ``decide`` the requirement heuristic decides.
        """
        if not self.ok:
            return False
        restarts = since = 0
        budget = self.restart_base * luby(0) if self.restart_base else _BIG
        stats = self.stats
        while True:
            confl = self.conflict
            self.conflict = None
            if confl is None:
                confl = self._take_pending()
            if confl is None:
                confl = self._propagate()
            if confl is None:
                if extend is not None and extend(self):
                    continue
                if self.pending or self.pending_excl:
                    continue
            if confl is not None:
                stats["conflicts"] += 1
                self._step()
                if not self.trail_lim or max(self.level[x >> 1] for x in confl[0]) == 0:
                    self._backtrack(0)
                    self.ok = False
                    self.conflict = confl
                    return False
                self._learn(confl)
                since += 1
                if since >= budget and self.trail_lim:
                    restarts += 1
                    stats["restarts"] += 1
                    since = 0
                    budget = self.restart_base * luby(restarts)
                    self._backtrack(0)
                continue
            if decide is not None:
                d = decide(self)
                if d is None:
                    continue
                lit = (d << 1) if d > 0 else (((-d) << 1) | 1) if d < 0 else 0
            else:
                lit = self.suggest() << 1
                if not lit and self.n_general:
                    lit = self._decide_vsids()
            if not lit:
                return True
            if self.vals[lit] != 0:
                raise ValueError(f"decided literal {lit >> 1} is already assigned")
            stats["decisions"] += 1
            self._step()
            self.trail_lim.append(len(self.trail))
            self.true_lim.append(len(self.true_trail))
            self.level_id.append(self._next_id)
            self._next_id += 1
            self._assign(lit, -1)
