"""Rules of finite sums, and of definitions: the sum of a constant, the arithmetic series,
splitting off a term, shifting the index, swapping sums; unfolding and folding a `:=`
definition; substituting an equal that an `assume` line states."""

from __future__ import annotations

from fractions import Fraction

from ..verify.normalise import ONE, add, canonical, flat, free, mul, neg, num, sub
from .base import Rewrite, Rule
from .tree import subst


def _bounded(t) -> bool:
    return t[0] == "sum" and t[3] is not None and t[4] is not None and t[5] is None


def sum_of_constant(t, ctx):
    """Σ_{k=a}^{b} c → (b − a + 1)·c when c does not depend on k."""
    if _bounded(t) and t[1] not in free(t[2]):
        yield mul(add(t[4], neg(t[3]), ONE), t[2])


def arithmetic_series(t, ctx):
    """Σ_{k=a}^{b} k → (b − a + 1)(a + b)/2."""
    if _bounded(t) and t[2] == ("sym", t[1]):
        yield mul(add(t[4], neg(t[3]), ONE), add(t[3], t[4]), num(Fraction(1, 2)))


def split_off(t, ctx):
    """Σ_{k=a}^{b} f(k) → f(a) + Σ_{k=a+1}^{b} f(k), or the last term."""
    if not _bounded(t):
        return
    k, body, lo, hi = t[1], t[2], t[3], t[4]
    yield add(subst(body, {k: lo}), ("sum", k, body, add(lo, ONE), hi, None))
    yield add(("sum", k, body, lo, add(hi, num(-1)), None), subst(body, {k: hi}))


def shift_index(t, ctx):
    """Σ_{k=a}^{b} f(k) → Σ_{k=a−s}^{b−s} f(k + s)."""
    if not _bounded(t):
        return
    k, body, lo, hi = t[1], t[2], t[3], t[4]
    shifts = [num(1), num(-1), num(2), num(-2)]
    if lo[0] != "num" or lo[1] != 0:
        shifts.append(lo)
    for s in shifts:
        yield ("sum", k, subst(body, {k: add(("sym", k), s)}), sub(lo, s), sub(hi, s), None)


def swap_sums(t, ctx):
    """Σ_i Σ_j f → Σ_j Σ_i f when the bounds allow it."""
    if t[0] == "sum" and t[2][0] == "sum":
        outer, inner = t, t[2]
        if outer[1] in free(mul(*(x for x in inner[3:] if x is not None))) \
                or inner[1] in free(mul(*(x for x in outer[3:] if x is not None))):
            return
        yield (inner[0], inner[1], (outer[0], outer[1], inner[2], *outer[3:]), *inner[3:])


# ---------------------------------------------------------------------------
# Definitions and stated equalities


def _definition_rewrites(names: frozenset | None):
    def unfold(t, ctx):
        if t[0] == "app":
            d = ctx.defs.get((t[1], len(t[2])))
            if d is not None and (names is None or t[1] in names):
                yield subst(d[1], dict(zip(d[0], t[2])))
        elif t[0] == "sym":
            d = ctx.defs.get((t[1], 0))
            if d is not None and (names is None or t[1] in names):
                yield d[1]
    return unfold


def _expectation_helpers():
    from .probability import fold_expectation, unfold_expectation

    return (Rewrite(unfold_expectation, core=False), Rewrite(fold_expectation, core=False))


def definition_rule(names: frozenset | None = None) -> Rule:
    """Unfold (or fold) the definitions named — all of them when `names` is None; an
    expectation in a definition may be read as its sum on the way."""
    label = "definition" if not names else f"definition of {', '.join(sorted(names))}"
    return Rule(label, (), "", "", (Rewrite(_definition_rewrites(names)),) + _expectation_helpers(),
                depth=4)


def _assumed_equalities(ctx):
    out = []
    for a in ctx.scope.assumptions:
        rel = a.relation
        if getattr(rel, "op", None) == "=":
            try:
                out.append((flat(rel.left), flat(rel.right)))
            except TypeError:
                continue
    return out


def substitute_equal(t, ctx):
    """Replace one side of an `assume a = b` (or an equation the hint states) by the other."""
    pairs = _assumed_equalities(ctx) + list(ctx.equations)
    for left, right in pairs:
        for a, b in ((left, right), (right, left)):
            if canonical(a) == canonical(t):
                yield b


RULES = [
    Rule("definition",
         ("definition", "by definition", "unfold", "fold", "unfold the definition",
          "fold the definition", "definitions", "substitute the definition", "expand the definition",
          "def"),
         "replace a name defined with `:=` by its definition, or its definition by the name",
         "", (Rewrite(_definition_rewrites(None)),) + _expectation_helpers(), depth=4),
    Rule("sum of a constant",
         ("sum of a constant", "the sum of a constant", "constant sum", "n terms",
          "count the terms", "terms"),
         "Σ_{k=a}^{b} c = (b − a + 1)·c", "c does not depend on k",
         (Rewrite(sum_of_constant),), depth=3),
    Rule("arithmetic series",
         ("arithmetic series", "gauss", "gauss's formula", "sum of the first n integers",
          "triangular number", "Σ k = n(n+1)/2"),
         "Σ_{k=a}^{b} k = (b − a + 1)(a + b)/2", "",
         (Rewrite(arithmetic_series),), depth=2),
    Rule("split off a term",
         ("split off a term", "split off", "peel off", "split off the first term",
          "split off the last term", "take out the first term", "separate the first term"),
         "Σ_{k=a}^{b} f(k) = f(a) + Σ_{k=a+1}^{b} f(k) (or the last term)", "a ≤ b",
         (Rewrite(split_off),), depth=2),
    Rule("shift the index",
         ("shift the index", "shift", "reindex", "index shift", "change the index",
          "substitute k = j + 1", "re-index"),
         "Σ_{k=a}^{b} f(k) = Σ_{k=a−s}^{b−s} f(k + s)", "",
         (Rewrite(shift_index),), depth=1),
    Rule("swap the sums",
         ("swap the sums", "exchange the order of summation", "swap the order of summation",
          "fubini", "interchange the sums"),
         "Σ_i Σ_j f = Σ_j Σ_i f", "the bounds of each sum do not involve the other's variable",
         (Rewrite(swap_sums),), depth=1),
    Rule("substitute an equal",
         ("substitute an equal", "substitute", "substitution", "plug in the assumption",
          "use the assumption", "by assumption", "by the assumption", "leibniz"),
         "replace an expression by one the assumptions (or the hint) say is equal", "",
         (Rewrite(substitute_equal),), depth=3),
]
