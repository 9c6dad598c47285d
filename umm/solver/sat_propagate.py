"""Unit propagation for :class:`umm.solver.sat.SatSolver` (a mixin).

One queue over the trail: for a literal made true, its group's other members and
the variables its exclusion lists name become false (native binary implications,
reason ``-2 - implying var``), then the clauses watching its negation are visited
(two watched literals). ``_take_pending`` deals with constraints added while the
search was already past them (lazy encoding).
"""
from __future__ import annotations

from typing import Any, List, Optional, Tuple, Union

Ref = Union[int, Tuple[int, int]]
Conflict = Tuple[List[int], Ref]


class Propagation:
    """The propagation half of the solver; state lives in :class:`SatSolver`."""

    __slots__ = ()
    vals: List[int]
    level: List[int]
    reason: List[int]
    trail: List[int]
    trail_lim: List[int]
    qhead: int
    stats: Any

    def _propagate(self) -> Optional[Conflict]:
        vals, trail, watches, clauses = self.vals, self.trail, self.watches, self.clauses
        level, reason, var_group, groups = self.level, self.reason, self.var_group, self.groups
        group_true, group_false, true_trail = self.group_true, self.group_false, self.true_trail
        reqs_of, req_excl = self.reqs_of, self.req_excl
        var_x, x_parents = self.var_x, self.x_parents
        lvl = len(self.trail_lim)
        qhead = start = self.qhead
        while qhead < len(trail):
            p = trail[qhead]
            qhead += 1
            if not p & 1:
                v = p >> 1
                lv = level[v] and lvl   # what a level-0 fact implies is level 0 too
                g = var_group[v]
                if g >= 0:   # the group's other members become false
                    for u in groups[g]:
                        nl = (u << 1) | 1
                        x = vals[nl]
                        if x == 0:
                            vals[nl] = 1
                            vals[nl ^ 1] = -1
                            level[u] = lv
                            reason[u] = -2 - v
                            trail.append(nl)
                            group_false[g] += 1
                        elif x == -1 and u != v:
                            self.qhead = qhead
                            self.stats["propagations"] += qhead - start
                            return [p | 1, nl], (v, u)
                xs = var_x[v]
                if xs is not None:   # v is excluded by these lists: their parents go
                    for xid in xs:
                        for u in x_parents[xid]:
                            nl = (u << 1) | 1
                            x = vals[nl]
                            if x == 0:
                                vals[nl] = 1
                                vals[nl ^ 1] = -1
                                level[u] = lv
                                reason[u] = -2 - v
                                trail.append(nl)
                                gu = var_group[u]
                                if gu >= 0:
                                    group_false[gu] += 1
                            elif x == -1:
                                self.qhead = qhead
                                self.stats["propagations"] += qhead - start
                                return [p | 1, nl], (v, u)
                rs = reqs_of[v]
                if rs is not None:   # v's exclusions become false
                    for r in rs:
                        ex = req_excl[r]
                        if ex is not None:
                            for u in ex:
                                nl = (u << 1) | 1
                                if vals[nl] == 0:
                                    vals[nl] = 1
                                    vals[nl ^ 1] = -1
                                    level[u] = lv
                                    reason[u] = -2 - v
                                    trail.append(nl)
                                    gu = var_group[u]
                                    if gu >= 0:
                                        group_false[gu] += 1
                                # a true u is caught when u itself is dequeued
            false_lit = p ^ 1
            ws = watches[false_lit]
            n = len(ws)
            if not n:
                continue
            i = j = 0
            while i < n:
                ci = ws[i]
                i += 1
                c = clauses[ci]
                first = c[0]
                if first == false_lit:
                    first = c[1]
                    c[0] = first
                    c[1] = false_lit
                if vals[first] == 1:
                    ws[j] = ci
                    j += 1
                    continue
                for k in range(2, len(c)):
                    lk = c[k]
                    if vals[lk] != -1:
                        c[1] = lk
                        c[k] = false_lit
                        watches[lk].append(ci)
                        break
                else:
                    ws[j] = ci
                    j += 1
                    if vals[first] == -1:
                        while i < n:
                            ws[j] = ws[i]
                            j += 1
                            i += 1
                        del ws[j:]
                        self.qhead = qhead
                        self.stats["propagations"] += qhead - start
                        return c, ci
                    vals[first] = 1
                    vals[first ^ 1] = -1
                    fv = first >> 1
                    level[fv] = lvl
                    reason[fv] = ci
                    trail.append(first)
                    g = var_group[fv]
                    if g >= 0:
                        if first & 1:
                            group_false[g] += 1
                        else:
                            group_true[g] = fv
                    if not first & 1:
                        true_trail.append(fv)
            del ws[j:]
        self.qhead = qhead
        self.stats["propagations"] += qhead - start
        return None

    def _take_pending(self) -> Optional[Conflict]:
        """Deal with constraints added while unit, conflicting or with a decided side."""
        vals, level = self.vals, self.level
        while self.pending_excl:
            r = self.pending_excl.pop()
            p = self.req_parent[r]
            x = vals[p << 1]
            if x == 1:
                assign = self._assign if level[p] else self._assign0
                for u in self.req_excl[r] or ():
                    y = vals[(u << 1) | 1]
                    if y == 0:
                        assign((u << 1) | 1, -2 - p)
                    elif y == -1:
                        return [(p << 1) | 1, (u << 1) | 1], (p, u)
            elif x == 0:
                for u in self.req_excl[r] or ():
                    if vals[u << 1] == 1:
                        (self._assign if level[u] else self._assign0)((p << 1) | 1, -2 - u)
                        break
        while self.pending:
            ci = self.pending.pop()
            c = self.clauses[ci]
            if len(c) == 1:
                lit = c[0]
                x = vals[lit]
                if x == 0:
                    self._assign0(lit, ci)
                elif x == 1:
                    if level[lit >> 1]:   # true for another reason: now a level-0 fact
                        level[lit >> 1] = 0
                        self.reason[lit >> 1] = ci
                else:
                    return c, ci
                continue
            free = nfree = top = 0
            for lit in c:
                x = vals[lit]
                if x == 1:
                    nfree = -1
                    break
                if x == 0:
                    nfree += 1
                    free = lit
                elif level[lit >> 1] > top:
                    top = level[lit >> 1]
            if nfree == 1:
                (self._assign if top else self._assign0)(free, ci)
            elif nfree == 0:
                return c, ci
        return None

