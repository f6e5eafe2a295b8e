"""Which slip turns the previous line into the student's next one, said in words.

Each candidate slip is a small edit of one line — a sign flipped, a term or factor dropped
or added, an exponent changed, a function held constant under a derivative — and it fits
when the edited line equals the other line at a few random points (the same instances as
the numeric refuter, so a diagnosis is checked, not guessed).  The first fit, in order of
how specific it is, is reported; "" when none fits.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Iterator

import mpmath

from .. import ast as A
from ..scope import Scope, free_symbols, rebuild
from . import budget, numeric

FIT = mpmath.mpf("1e-15")  # an edited line fits when it agrees this closely everywhere
PROBES = 4  # points at which a candidate must fit


def diagnose(left: A.Node, right: A.Node, scope: Scope, *, seed: int, deadline: float) -> str:
    """The slip that makes `left` (the previous line) into `right` (the next), or ""."""
    budget.check(deadline)
    try:
        probe = _Probe(numeric.Session(scope, left, right, seed=seed, deadline=deadline))
    except numeric.Unsupported:
        return ""
    if not probe.points or probe.fits(probe.lefts):
        return ""  # nowhere to compare, or no difference to explain
    for finding in _findings(probe, left, right):
        if finding:
            return finding
    return ""


class _Probe:
    """A few points where both lines are defined, and the lines' values there."""

    def __init__(self, session: numeric.Session):
        self.s = session
        self.points, self.lefts, self.rights = [], [], []
        for j in range(4 * PROBES):
            budget.check(session.deadline)
            pt = session.sample(j)
            if pt is None:
                break
            vals = session.both(pt)
            if vals.left is not None and vals.right is not None:
                self.points.append(pt)
                self.lefts.append(vals.left)
                self.rights.append(vals.right)
                if len(self.points) == PROBES:
                    break

    def fits(self, values, target=None) -> bool:
        target = self.rights if target is None else target
        return all(numeric.close(v, t, FIT) for v, t in zip(values, target))

    def tree_fits(self, tree: A.Node, target=None, frozen: frozenset[str] = frozenset()) -> bool:
        """Does `tree` equal the target line (the right one by default) at every probe?"""
        budget.check(self.s.deadline)
        target = self.rights if target is None else target
        try:
            f = self.s.ev.compile(tree)
        except numeric.Unsupported:
            return False
        self.s.ev.frozen = frozen
        try:
            for pt, t in zip(self.points, target):
                v, _ = self.s.value(f, pt)
                if v is None or not numeric.close(v, t, FIT):
                    return False
        finally:
            self.s.ev.frozen = frozenset()
        return True

    def varies(self) -> bool:
        return any(not numeric.close(v, self.lefts[0], FIT) for v in self.lefts[1:])


def _findings(p: _Probe, left: A.Node, right: A.Node) -> Iterator[str]:
    """Candidate slips, most specific first; each yields a sentence or ""."""
    if any(p.lefts) and p.fits([-v for v in p.lefts]):
        yield "sign error: the new line is the negative of the previous one"
    edits_l, edits_r = list(_mutants(left)), list(_mutants(right))

    def fitting(edits, kinds, back=False):
        for kind, subject, tree in edits:
            if kind in kinds and p.tree_fits(tree, p.lefts if back else None):
                return kind, subject
        return None

    hit = fitting(edits_l, ("flip", "neg"))
    if hit:
        kind, t = hit
        yield (f"the sign of the term {_show(t)} was flipped" if kind == "flip"
               else f"the minus sign before {_show(t)} was dropped")
    hit = fitting(edits_r, ("neg",), back=True)
    if hit:
        yield f"a minus sign was added before {_show(hit[1])}"
    hit = fitting(edits_l, ("drop",))
    if hit:
        yield f"the term {_show(hit[1])} was dropped"
    hit = fitting(edits_r, ("drop",), back=True)
    if hit:
        yield f"a term {_show(hit[1])} was added"
    for var, func in _dependences(left):
        if p.tree_fits(left, frozen=frozenset({func})):
            yield (f"the two sides differ by what {func}'s dependence on {var} contributes: "
                   f"{func} was treated as constant in {var}")
    hit = fitting(edits_l, ("factor", "divide", "invert"))
    if hit:
        kind, t = hit
        yield {"factor": f"the factor {_show(t)} was dropped",
               "divide": f"the division by {_show(t)} was dropped",
               "invert": f"{_show(t)} multiplies where it should divide"}[kind]
    hit = fitting(edits_r, ("factor", "divide", "invert"), back=True)
    if hit:
        kind, t = hit
        yield {"factor": f"a factor {_show(t)} was added",
               "divide": f"a division by {_show(t)} was added",
               "invert": f"{_show(t)} divides where it should multiply"}[kind]
    hit = fitting(edits_l, ("exponent", "unpower"))
    if hit:
        kind, (base, old, new) = hit
        yield (f"the exponent of {_show(base)} changed from {_show(old)} to {_show(new)}"
               if kind == "exponent" else f"the exponent {_show(old)} of {_show(base)} was dropped")
    hit = fitting(edits_r, ("exponent", "unpower"), back=True)
    if hit:
        kind, (base, new, old) = hit
        yield (f"the exponent of {_show(base)} changed from {_show(old)} to {_show(new)}"
               if kind == "exponent" else f"an exponent {_show(new)} was added to {_show(base)}")
    if p.varies():
        ratios = [r / v for v, r in zip(p.lefts, p.rights) if v]
        if len(ratios) == len(p.lefts) and p.fits(ratios, [ratios[0]] * len(ratios)):
            yield (f"off by a constant factor: the new line is {_nice(p.s.ctx, ratios[0])} "
                   f"times the previous one")
        gaps = [r - v for v, r in zip(p.lefts, p.rights)]
        if all(numeric.close(g, gaps[0], FIT) for g in gaps):
            yield (f"off by a constant: the new line differs from the previous one by "
                   f"{_nice(p.s.ctx, gaps[0])}")


# ---------------------------------------------------------------------------
# Single edits of a tree


def _mutants(tree: A.Node) -> Iterator[tuple[str, object, A.Node]]:
    """(kind, what it concerns, the edited tree) for every single edit of `tree`."""
    for path, node in _positions(tree, ()):
        for kind, subject, replacement in _edits(node):
            yield kind, subject, _replace(tree, path, replacement)


def _edits(node: A.Node):
    match node:
        case A.Add(a, b):
            yield "drop", b, a
            yield "drop", a, b
            yield "flip", b, A.Sub(a, b)
            yield "flip", a, A.Add(A.Neg(a), b)
        case A.Sub(a, b):
            yield "drop", A.Neg(b), a
            yield "drop", a, A.Neg(b)
            yield "flip", A.Neg(b), A.Add(a, b)
            yield "flip", a, A.Sub(A.Neg(a), b)
        case A.Neg(a):
            yield "neg", a, a
        case A.Mul(a, b):
            yield "factor", b, a
            yield "factor", a, b
        case A.Div(a, b):
            yield "divide", b, a
            yield "invert", b, A.Mul(a, b)
            yield "factor", a, A.Div(A.Num(Fraction(1)), b)
        case A.Pow(base, e):
            yield "unpower", (base, e, None), base
            for e2 in _exponents(e):
                yield "exponent", (base, e, e2), A.Pow(base, e2)


def _exponents(e: A.Node) -> list[A.Node]:
    """Exponents a student might have written instead of `e`."""
    one, two = A.Num(Fraction(1)), A.Num(Fraction(2))
    if isinstance(e, A.Num):
        v = e.value
        out = [v + 1, v - 1, -v, 2 * v, v / 2]
        return [A.Num(x) for x in dict.fromkeys(out) if x != v and x != 1]
    return [A.Add(e, one), A.Sub(e, one), A.Neg(e), A.Mul(two, e), A.Div(e, two)]


def _positions(node: A.Node, path: tuple[int, ...]):
    yield path, node
    for i, k in enumerate(A.children(node)):
        yield from _positions(k, path + (i,))


def _replace(node: A.Node, path: tuple[int, ...], new: A.Node) -> A.Node:
    if not path:
        return new
    kids = list(A.children(node))
    kids[path[0]] = _replace(kids[path[0]], path[1:], new)
    return rebuild(node, tuple(kids))


def _dependences(tree: A.Node) -> list[tuple[str, str]]:
    """(derivative variable, function) for each function that depends on the variable
    of a derivative around it, in written order."""
    out: list[tuple[str, str]] = []
    for n in A.walk(tree):
        if isinstance(n, A.Deriv):
            for m in A.walk(n.body):
                if isinstance(m, A.Apply) and any(n.var in free_symbols(a) for a in m.args):
                    if (n.var, m.func) not in out:
                        out.append((n.var, m.func))
    return out


# ---------------------------------------------------------------------------
# Words


def _show(node) -> str:
    try:
        from ..printer import to_plain
        return to_plain(node)
    except Exception:  # the printer is someone else's module: never lose a diagnosis to it
        return repr(node)


def _nice(ctx, c) -> str:
    """A constant as a student would write it: 2, 1/2, −3, 2π, else a short decimal."""
    for scale, suffix in ((1, ""), (ctx.pi, "π")):
        x = c / scale
        for den in range(1, 13):
            num = int(ctx.nint(x * den))
            if num and abs(x - ctx.mpf(num) / den) <= FIT * max(1, abs(x)):
                q = Fraction(num, den)
                sign = "−" if q < 0 else ""
                q = abs(q)
                if suffix:
                    head = "" if q.numerator == 1 else str(q.numerator)
                    text = f"{head}π" + (f"/{q.denominator}" if q.denominator != 1 else "")
                else:
                    text = str(q.numerator) if q.denominator == 1 else f"{q.numerator}/{q.denominator}"
                return sign + text
    return numeric._short(ctx, c, 4)
