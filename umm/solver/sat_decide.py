"""Decisions for :class:`umm.solver.sat.SatSolver` (a mixin): the requirement
heuristic (resolvo's: the root's requirements first, in the order given or by fewest
undecided candidates, then the requirements of true variables by fewest undecided
candidates; the most preferred undecided candidate is decided) and a VSIDS heap with
saved phases for whatever general clauses leave open.
"""
from __future__ import annotations

import heapq
from typing import Any, List

_BIG = 1 << 60
WINDOW = 24   # open requirements compared per decision (the earliest ones)


class Decisions:
    """The decision half of the solver; state lives in :class:`SatSolver`."""

    __slots__ = ()
    vals: List[int]
    trail_lim: List[int]
    activity: List[float]
    phase: List[int]
    nvars: int
    _heap: Any
    _heap_on: bool
    root_ordered: int
    level_id: List[int]
    held_lvl: List[int]
    held_id: List[int]

    def suggest(self) -> int:
        """The decision the requirement heuristic would take: a variable, or 0.

        Among the open requirements (a true parent, nothing satisfying it yet) of
        the root (its first ``root_ordered`` ones in the order given), else of the
        true variables, the one with the fewest undecided candidates (estimated from
        its group) among the earliest ``WINDOW`` open ones, the earliest on ties; then
        its most preferred undecided candidate.
        """
        vals, group_true, group_false = self.vals, self.group_true, self.group_false
        req_cands, req_group, reqs_of, groups = (self.req_cands, self.req_group,
                                                 self.reqs_of, self.groups)
        best = -1
        best_cnt = _BIG
        ordered = self.root_ordered
        for i, r in enumerate(self.root_reqs):
            g = req_group[r]
            if g >= 0:
                if group_true[g]:
                    continue
                cnt = len(groups[g]) - group_false[g]
                n = len(req_cands[r])
                if n < cnt:
                    cnt = n
            else:
                cnt = self._open_count(r)
                if cnt < 0:
                    continue
            if i < ordered:   # the first ones are decided in the order given
                best = r
                break
            if cnt < best_cnt:
                best, best_cnt = r, cnt
        if best < 0:
            # true_trail[:start] and variables marked "held" (all their requirements
            # hold, checked at a level that is still there) need no look
            pfx, ids = self.pfx, self.level_id
            lvl = len(ids) - 1
            here = ids[lvl]
            held_lvl, held_id = self.held_lvl, self.held_id
            start = pfx[lvl] if len(pfx) > lvl else (pfx[-1] if pfx else 0)
            closed = True
            seen_open = 0
            tt = self.true_trail
            for i in range(start, len(tt)):
                v = tt[i]
                rs = reqs_of[v]
                if rs is None:
                    if closed:
                        start = i + 1
                    continue
                hl = held_lvl[v]
                if hl <= lvl and ids[hl] == held_id[v]:
                    if closed:
                        start = i + 1
                    continue
                open_here = False
                for r in rs:
                    g = req_group[r]
                    if g >= 0:
                        if group_true[g]:
                            continue
                        cnt = len(groups[g]) - group_false[g]
                        n = len(req_cands[r])
                        if n < cnt:
                            cnt = n
                    else:
                        cnt = self._open_count(r)
                        if cnt < 0:
                            continue
                    open_here = True
                    seen_open += 1
                    if cnt < best_cnt:
                        best, best_cnt = r, cnt
                if open_here:
                    closed = False
                    if seen_open >= WINDOW or best_cnt <= 1:
                        break
                else:
                    held_lvl[v] = lvl
                    held_id[v] = here
                    if closed:
                        start = i + 1
            while len(pfx) <= lvl:
                pfx.append(pfx[-1] if pfx else 0)
            pfx[lvl] = start
        if best < 0:
            return 0
        for v in req_cands[best]:
            if vals[v << 1] == 0:
                return v
        return 0

    def _open_count(self, r: int) -> int:
        """Undecided candidates of a requirement across groups (-1: it holds)."""
        vals = self.vals
        cnt = 0
        for v in self.req_cands[r]:
            x = vals[v << 1]
            if x == 1:
                return -1
            if x == 0:
                cnt += 1
        return cnt if cnt else -1

    def _decide_vsids(self) -> int:
        if not self._heap_on:
            self._heap_on = True
            self._heap = [(-self.activity[v], v) for v in range(1, self.nvars + 1)]
            heapq.heapify(self._heap)
        heap, vals, act = self._heap, self.vals, self.activity
        while heap:
            a, v = heapq.heappop(heap)
            if vals[v << 1] == 0 and -a == act[v]:
                return (v << 1) | self.phase[v]
        return 0

