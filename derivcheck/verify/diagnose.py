"""Which slip turns the previous line into the student's next one, said in words.

Each candidate slip is a small edit of one line — a sign flipped, a term or factor dropped
or added, an exponent changed, a rule misapplied, a function held constant under a
derivative — and it fits when the edited line equals the other line at a few random points
(the numeric refuter's own instances, so a diagnosis is checked, not guessed).  The first
fit, simplest explanation first, is reported; "" when none fits.
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
        session = numeric.Session(scope, left, right, seed=seed, deadline=deadline)
    except numeric.Unsupported:
        return ""
    probe = _Probe(session)
    if not probe.points or probe.fits(probe.lefts):
        return _one_sided(session)  # no difference where both are defined
    for finding in _findings(probe, left, right):
        if finding:
            return finding
    return ""


def _one_sided(session: numeric.Session) -> str:
    """The lines agree wherever both are defined: say where only one of them is."""
    out = session.compare(6)
    if not out.one_sided:
        return ""
    cex = out.counterexample
    where = ", ".join(f"{n} = {v}" for n, v in cex.values)
    new, old = ("new", "previous") if cex.right == "undefined" else ("previous", "new")
    return (f"the lines agree wherever both are defined, but the {new} line is undefined "
            f"where the {old} one is not" + (f" (at {where})" if where else ""))


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
    """Candidate explanations, simplest first; each yields a sentence or ""."""
    # an edit of the new line that only makes it vanish explains nothing when the old is 0
    explains_added = any(abs(v) > FIT for v in p.lefts)

    def fit(kinds, of_right=False):
        if of_right and not explains_added:
            return None
        for kind, subject, tree in _mutants(right if of_right else left):
            if kind in kinds and p.tree_fits(tree, p.lefts if of_right else None):
                return kind, subject
        return None

    negated = explains_added and p.fits([-v for v in p.lefts])
    sign_error = "sign error: the new line is the negative of the previous one"
    if negated and p.varies():
        yield sign_error
    if hit := fit(("neg",)):
        yield f"the minus sign before {_show(hit[1])} was dropped"
    if hit := fit(("neg",), of_right=True):
        yield f"a minus sign was put before {_show(hit[1])}"
    if hit := fit(("drop",)):
        yield f"the term {_show(hit[1])} was dropped"
    if hit := fit(("drop",), of_right=True):
        yield f"a term {_show(hit[1])} was added"
    if hit := fit(("flip",)):
        yield f"the sign of the term {_show(hit[1])} was flipped"
    if negated:  # a constant line: a term's sign explains more than "the negative"
        yield sign_error
    if hit := fit(("rule",)):
        original, replacement, reason = hit[1]
        yield f"{_show(original)} was taken to be {_show(replacement)}: {reason}"
    # a factor dropped or added *as written* is the literal explanation: it comes before
    # the numeric coincidences below (dropping R(τ) from Σ_τ ∇Pr R also "freezes" Pr)
    if hit := _written_factor_edit(left, right):
        yield _factor_words(*hit, added=False)
    if hit := _written_factor_edit(right, left):
        yield _factor_words(*hit, added=True)
    for var, func in _dependences(left):
        if p.tree_fits(left, frozen=frozenset({func})):
            yield (f"the two sides differ by what {func}'s dependence on {var} contributes: "
                   f"{func} was treated as constant in {var}")
    if hit := fit(FACTORS):
        yield _factor_words(*hit, added=False)
    if hit := fit(FACTORS, of_right=True):
        yield _factor_words(*hit, added=True)
    if hit := fit(("exponent", "unpower"), of_right=True):  # anchored in what was written
        kind, (base, new, old) = hit
        yield (f"the exponent of {_show(base)} changed from {_show(old)} to {_show(new)}"
               if kind == "exponent" else f"an exponent {_show(new)} was put on {_show(base)}")
    written = set(A.walk(right))  # a changed power must be one the student wrote
    for kind, subject, tree in _mutants(left):
        if kind == "exponent" and A.Pow(subject[0], subject[2]) not in written:
            continue
        if kind in ("exponent", "unpower") and p.tree_fits(tree):
            base, old, new = subject
            yield (f"the exponent of {_show(base)} changed from {_show(old)} to {_show(new)}"
                   if kind == "exponent" else f"the exponent {_show(old)} of {_show(base)} was dropped")
    if p.varies():
        ratios = [r / v for v, r in zip(p.lefts, p.rights) if v]
        if len(ratios) == len(p.lefts) and p.fits(ratios, [ratios[0]] * len(ratios)):
            yield (f"off by a constant factor: the new line is {_nice(p.s.ctx, ratios[0])} "
                   f"times the previous one")
        gaps = [r - v for v, r in zip(p.lefts, p.rights)]
        if all(numeric.close(g, gaps[0], FIT) for g in gaps):
            yield (f"off by a constant: the new line differs from the previous one by "
                   f"{_nice(p.s.ctx, gaps[0])}")


FACTORS = ("factor", "divide", "invert", "upside", "unfn")


def _written_factor_edit(source: A.Node, target: A.Node):
    """(kind, subject) of a multiplicative edit that turns `source` into `target` up to
    light normalisation (no algebra), or None."""
    from .normalise import normal_form

    try:
        goal = normal_form(target)
        for kind, subject, tree in _mutants(source):
            if kind in FACTORS and normal_form(tree) == goal:
                return kind, subject
    except (RecursionError, TypeError, ValueError):
        return None
    return None


def _factor_words(kind: str, t, added: bool) -> str:
    """A multiplicative slip in words; `added` when the new line has what the old lacks."""
    match kind, added:
        case "factor", False:
            return f"the factor {_show(t)} was dropped"
        case "factor", True:
            return f"a factor {_show(t)} was added"
        case "divide", False:
            return f"the division by {_show(t)} was dropped"
        case "divide", True:
            return f"a division by {_show(t)} was added"
        case "invert", False:
            return f"{_show(t)} multiplies where it should divide"
        case "invert", True:
            return f"{_show(t)} divides where it should multiply"
        case "upside", False:
            return f"the fraction {_show(t)} was turned upside down"
        case "upside", True:
            return f"the fraction {_show(t)} is upside down"
        case "unfn", False:
            return f"the {t.name} around {_show(t.args[0])} was dropped"
    return f"a {t.name} was put around {_show(t.args[0])}"


# ---------------------------------------------------------------------------
# Single edits of a tree


def _mutants(tree: A.Node) -> Iterator[tuple[str, object, A.Node]]:
    """(kind, what it concerns, the edited tree) for every single edit of `tree`,
    shallow positions first (an edit near the top is the likelier explanation)."""
    for path, node in _positions(tree):
        for kind, subject, replacement in _edits(node):
            yield kind, subject, _replace(tree, path, replacement)


def _edits(node: A.Node):
    one = A.Num(Fraction(1))
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
            yield "upside", node, A.Div(b, a)
            yield "factor", a, A.Div(one, b)
        case A.Pow(base, e):
            yield "unpower", (base, e, None), base
            for e2 in _exponents(e):
                yield "exponent", (base, e, e2), A.Pow(base, e2)
        case A.Fn(_, (u,)):
            yield "unfn", node, u
    for replacement, reason in _misused_rules(node):
        yield "rule", (node, replacement, reason), replacement


def _misused_rules(node: A.Node):
    """Classic misapplied rules: (what the student wrote instead, why it is wrong)."""
    match node:
        case A.Pow(A.Add(a, b), n):
            yield A.Add(A.Pow(a, n), A.Pow(b, n)), "a power does not distribute over a sum"
        case A.Pow(A.Sub(a, b), n):
            yield A.Sub(A.Pow(a, n), A.Pow(b, n)), "a power does not distribute over a difference"
        case A.Pow(A.Pow(b, m), n):
            yield A.Pow(b, _plus(m, n)), "the exponents of a power of a power multiply, they do not add"
        case A.Pow(A.Mul(a, b), n):
            for inside, wrong in ((a, A.Mul(a, A.Pow(b, n))), (b, A.Mul(A.Pow(a, n), b))):
                yield wrong, f"{_show(inside)} is inside the power: it comes out as {_show(A.Pow(inside, n))}"
        case A.Mul(A.Pow(b, m), A.Pow(b2, n)) if b == b2:
            yield A.Pow(b, _times(m, n)), "multiplying powers adds their exponents"
        case A.Mul(A.Fn("exp", (a,)), A.Fn("exp", (b,))):
            yield A.Fn("exp", (A.Mul(a, b),)), "multiplying exponentials adds their exponents"
        case A.Fn("log", (A.Add(a, b),)):
            yield A.Add(_log(a), _log(b)), "the log of a sum is not the sum of the logs"
        case A.Fn("log", (A.Mul(a, b),)):
            yield A.Mul(_log(a), _log(b)), "the log of a product is the sum of the logs"
        case A.Fn("log", (A.Div(a, b),)):
            yield A.Div(_log(a), _log(b)), "the log of a quotient is the difference of the logs"
        case A.Fn("sqrt", (A.Add(a, b),)):
            yield (A.Add(A.Fn("sqrt", (a,)), A.Fn("sqrt", (b,))),
                   "a square root does not distribute over a sum")
        case A.Fn("sqrt", (A.Pow(u, A.Num(two)),)) if two == 2:
            yield u, f"the square root of a square is the absolute value |{_show(u)}|"
        case A.Add(A.Div(a, b), A.Div(c, d)):
            yield (A.Div(A.Add(a, c), A.Add(b, d)),
                   "fractions add over a common denominator, not top to top and bottom to bottom")
        case A.Deriv(v, A.Mul(a, b)):
            yield (A.Mul(A.Deriv(v, a), A.Deriv(v, b)),
                   "the derivative of a product is f'·g + f·g', not f'·g'")
        case A.Deriv(v, A.Div(a, b)):
            yield (A.Div(A.Deriv(v, a), A.Deriv(v, b)),
                   "the derivative of a quotient is (f'·g − f·g')/g², not f'/g'")
        case A.Expect(v, w, A.Mul(a, b)):
            yield (A.Mul(A.Expect(v, w, a), A.Expect(v, w, b)),
                   "the expectation of a product is not the product of the expectations")
        case A.Sum(v, body, lo, hi, None) if v not in free_symbols(body):
            yield body, f"{_show(body)} does not depend on {v}: summing it repeats it once per term"
    match node:  # a factor that depends on the bound variable, taken out of Σ or E
        case A.Sum(v, A.Mul(a, b), lo, hi, exc):
            for inside, outside in ((b, a), (a, b)):
                if v in free_symbols(outside):
                    yield (A.Mul(outside, A.Sum(v, inside, lo, hi, exc)),
                           f"{_show(outside)} depends on {v}: it cannot be taken out of the sum")
        case A.Expect(v, w, A.Mul(a, b)):
            for inside, outside in ((b, a), (a, b)):
                if v in free_symbols(outside):
                    yield (A.Mul(outside, A.Expect(v, w, inside)),
                           f"{_show(outside)} depends on {v}: it cannot be taken out of the expectation")
    match node:  # a factor that reached only one term of a sum
        case A.Mul(c, A.Add(a, b) | A.Sub(a, b) as inner):
            op = type(inner)
            yield op(A.Mul(c, a), b), f"{_show(c)} multiplies every term of {_show(inner)}"
            yield op(a, A.Mul(c, b)), f"{_show(c)} multiplies every term of {_show(inner)}"


def _log(x: A.Node) -> A.Node:
    return A.Fn("log", (x,))


def _exponents(e: A.Node) -> list[A.Node]:
    """Exponents a student might have written instead of `e`."""
    one, two = A.Num(Fraction(1)), A.Num(Fraction(2))
    if isinstance(e, A.Num):
        v = e.value
        out = [v + 1, v - 1, -v, 2 * v, v / 2]
        return [A.Num(x) for x in dict.fromkeys(out) if x != v and x != 1]
    return [A.Add(e, one), A.Sub(e, one), A.Neg(e), A.Mul(two, e), A.Div(e, two)]


def _plus(m: A.Node, n: A.Node) -> A.Node:
    if isinstance(m, A.Num) and isinstance(n, A.Num):
        return A.Num(m.value + n.value)
    return A.Add(m, n)


def _times(m: A.Node, n: A.Node) -> A.Node:
    if isinstance(m, A.Num) and isinstance(n, A.Num):
        return A.Num(m.value * n.value)
    return A.Mul(m, n)


def _positions(tree: A.Node):
    """(path, node) breadth first."""
    level = [((), tree)]
    while level:
        nxt = []
        for path, node in level:
            yield path, node
            nxt.extend((path + (i,), k) for i, k in enumerate(A.children(node)))
        level = nxt


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
        if abs(x) > 10 ** 15:  # no one writes such a constant; and str() of a huge int fails
            continue
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
