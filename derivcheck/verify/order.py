"""The order of steps: misordered steps in a written chain, and the logical order of a
chain whose steps were shuffled (`order: unknown`).

An edge i → j (step j written right after step i) is *good* when step j's hint accounts for
it, or — for a step without a hint — when one rule takes step i to step j.  A chain is
misordered when some edge of the written order is not good but another order of the same
steps (the first line kept first) has only good edges; the steps that moved are reported,
with that order.  A chain that is fine as written is never flagged.  For shuffled steps every
order is scored: first by the number of good edges, then by how many of them go the rule's
natural way (linearity moving ∇ inward, the log-derivative trick introducing the log, the
definition of expectation folding a weighted sum into E).
"""

from __future__ import annotations

import itertools
import time
from dataclasses import dataclass

from ..model import Derivation, HintStatus, OrderResult, Step
from ..scope import Scope
from .normalise import flat

MAX_STEPS = 9  # longer chains are not reordered (9! orders)
MAX_TIES = 6  # equally good orders listed


@dataclass(frozen=True, slots=True)
class Misordering:
    """Steps found out of order, and an order (of all step indices) in which every step
    follows from the one before it."""

    group: tuple[int, ...]
    order: tuple[int, ...]


class Edges:
    """Which step may follow which (cached): by its hint, or by one rule; and whether the
    rule goes its natural way (for a step that one rule reaches in both directions, only a
    natural way that the reverse lacks counts)."""

    def __init__(self, steps: tuple[Step, ...], scope: Scope, use_hints: bool = True,
                 deadline: float | None = None):
        from ..rules import Context, library

        self.steps = {s.index: s for s in steps}
        self.flat = {s.index: flat(s.expr) for s in steps}
        self.scope = scope
        self.use_hints = use_hints
        self.library = library()
        self.ctx = Context(scope, self.flat.values())
        self._reach: dict[tuple[int, int], object] = {}
        self._cache: dict[tuple[int, int], tuple[bool, str | None]] = {}
        self.deadline = deadline

    def _check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            from ..rules.base import OutOfBudget

            raise OutOfBudget

    def reach(self, i: int, j: int):
        """The best rule taking step i to step j (rules.check.Match), or None."""
        from ..rules.check import reaching_rule

        k = (i, j)
        if k not in self._reach:
            self._check_time()
            self._reach[k] = reaching_rule(self.flat[i], self.flat[j], self.ctx, self.library)
        return self._reach[k]

    def edge(self, i: int, j: int) -> tuple[bool, str | None]:
        """(good, rule) for step j written right after step i."""
        k = (i, j)
        if k not in self._cache:
            self._check_time()
            self._cache[k] = self._compute(i, j)
        return self._cache[k]

    def _compute(self, i: int, j: int):
        from ..rules.check import check_hint

        hint = self.steps[j].hint if self.use_hints else None
        if hint is not None:
            r = check_hint(hint.text, self.steps[i].expr, self.steps[j].expr, self.scope,
                           self.library, holds=True, ctx=self.ctx)
            if r.status is not HintStatus.UNKNOWN_RULE:  # an unknown rule says nothing
                return r.status is HintStatus.ACCOUNTS, r.rule
        m = self.reach(i, j)
        return (True, m.rule) if m is not None else (False, None)

    def direction(self, i: int, j: int) -> int:
        """+1 when a rule takes i to j its natural way and none takes j to i so; −1 for
        the opposite; 0 otherwise."""
        forward, backward = self.reach(i, j), self.reach(j, i)
        a = forward is not None and forward.direction == 1
        b = backward is not None and backward.direction == 1
        return int(a) - int(b)

    def effort(self, i: int, j: int) -> int:
        m = self.reach(i, j)
        return m.steps if m is not None else 0


def find_misordered(steps: tuple[Step, ...], scope: Scope,
                    hint_ok: dict[int, bool | None] | None = None,
                    deadline: float | None = None) -> Misordering | None:
    """The steps out of order in a chain whose steps hold, or None (also when the written
    order is fine, or no other order is better).  `hint_ok` gives the written order's hint
    outcomes already known (step index → accounts, None for an unknown rule).  Raises
    rules.base.OutOfBudget past the deadline."""
    if len(steps) < 3 or len(steps) > MAX_STEPS:
        return None
    edges = Edges(steps, scope, deadline=deadline)
    written = [s.index for s in steps]
    hint_ok = hint_ok or {}
    bad = []
    for a, b in zip(written, written[1:]):
        if b in hint_ok and edges.steps[b].hint is not None:
            good = hint_ok[b]
            if good is None:  # unknown rule: judged by reachability
                good = edges.edge(a, b)[0]
        else:
            good = edges.edge(a, b)[0]
        if not good:
            bad.append(b)
    if not bad:
        return None
    best = None
    first, rest = written[0], written[1:]
    for perm in _good_orders(first, rest, edges):
        moved = tuple(x for x, y in zip(written, perm) if x != y)
        score = (len(moved), _inversions(perm))
        if best is None or score < best[0]:
            best = (score, perm, moved)
    if best is None:
        return None
    return Misordering(tuple(sorted(best[2])), tuple(best[1]))


def _good_orders(first: int, rest: list[int], edges: Edges):
    """Every order of `rest` after `first` whose edges are all good (depth-first)."""
    def extend(path, remaining):
        if not remaining:
            yield path
            return
        for k in remaining:
            if edges.edge(path[-1], k)[0]:
                yield from extend(path + [k], [x for x in remaining if x != k])
    yield from extend([first], list(rest))


def _inversions(perm) -> int:
    return sum(1 for a, b in itertools.combinations(perm, 2) if a > b)


def find_order(d: Derivation, scope: Scope) -> OrderResult:
    """The logical order of a derivation's shuffled steps (any may come first)."""
    steps = d.steps
    n = len(steps)
    indices = [s.index for s in steps]
    if n <= 1:
        return OrderResult(d, (tuple(indices),), (), 0, 0)
    if n > MAX_STEPS:
        return OrderResult(d, (tuple(indices),), (), 0, n - 1,
                           (f"more than {MAX_STEPS} steps: the order is not searched",))
    edges = Edges(steps, scope)
    # best[(mask, last)] = (score, paths); score = (good edges, natural direction, −effort)
    best: dict[tuple[int, int], tuple[tuple[int, int, int], list[tuple[int, ...]]]] = {}
    for k, i in enumerate(indices):
        best[(1 << k, k)] = ((0, 0, 0), [(i,)])
    for mask in range(1, 1 << n):
        for last in range(n):
            entry = best.get((mask, last))
            if entry is None:
                continue
            (good, direction, effort), paths = entry
            for nxt in range(n):
                if mask & (1 << nxt):
                    continue
                a, b = indices[last], indices[nxt]
                ok = edges.edge(a, b)[0]
                score = (good + ok, direction + (edges.direction(a, b) if ok else 0),
                         effort - (edges.effort(a, b) if ok else 0))
                key = (mask | (1 << nxt), nxt)
                new_paths = [p + (b,) for p in paths]
                old = best.get(key)
                if old is None or score > old[0]:
                    best[key] = (score, new_paths[:MAX_TIES])
                elif score == old[0]:
                    best[key] = (score, (old[1] + new_paths)[:MAX_TIES])
    full = (1 << n) - 1
    finals = [best[(full, last)] for last in range(n) if (full, last) in best]
    top = max(score for score, _ in finals)
    orders: list[tuple[int, ...]] = []
    for score, paths in finals:
        if score == top:
            orders.extend(p for p in paths if p not in orders)
    orders.sort(key=lambda p: (_inversions(p), p))
    chosen = orders[0]
    rules = tuple(edges.edge(a, b)[1] for a, b in zip(chosen, chosen[1:]))
    return OrderResult(d, tuple(orders[:MAX_TIES]), rules, top[0], n - 1)
