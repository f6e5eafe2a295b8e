"""Algebra: expand, factor, collect, cancel, multiply and divide by X, add and subtract X,
a common denominator, powers, the difference of squares, and the generic rules."""

from __future__ import annotations

import functools
import math
from fractions import Fraction

from ..verify.normalise import (
    ONE,
    add,
    canonical,
    inv,
    mul,
    neg,
    num,
    power,
)
from .base import Rewrite, Rule, collect_terms, merge_factors, split_coefficient
from .tree import positions, same

MAX_TERMS = 64  # an expansion with more terms is not tried


def _factors(t):
    return t[1] if t[0] == "mul" else (t,)


def _terms(t):
    return t[1] if t[0] == "add" else (t,)


# ---------------------------------------------------------------------------
# Expand and factor


def distribute_once(t, ctx):
    """a·(b + c)·d → a·b·d + a·c·d, for each sum among the factors (one level)."""
    if t[0] != "mul":
        return
    for i, f in enumerate(t[1]):
        if f[0] == "add":
            before, after = t[1][:i], t[1][i + 1:]
            yield add(*(mul(*before, x, *after) for x in f[1]))


def _integer_power_of_sum(t):
    return t[0] == "pow" and t[1][0] == "add" and t[2][0] == "num" \
        and t[2][1].denominator == 1 and 2 <= t[2][1] <= 6


def expand_all(t):
    """Products of sums and small integer powers of sums multiplied out (not inside
    functions); None when that would make too many terms."""
    if t[0] == "add":
        parts = [expand_all(x) for x in t[1]]
        return None if any(p is None for p in parts) else add(*parts)
    if _integer_power_of_sum(t):
        return expand_all(mul(*([t[1]] * int(t[2][1]))))
    if t[0] != "mul":
        return t
    terms = [ONE]
    for f in t[1]:
        e = expand_all(f)
        if e is None:
            return None
        new = [mul(r, s) for r in terms for s in _terms(e)]
        if len(new) > MAX_TERMS:
            return None
        terms = new
    return add(*terms)


def expand_here(t, ctx):
    if t[0] == "mul" and any(f[0] == "add" or _integer_power_of_sum(f) for f in t[1]) \
            or _integer_power_of_sum(t):
        out = expand_all(t)
        if out is not None:
            yield out


def binomial(t, ctx):
    if _integer_power_of_sum(t):
        out = expand_all(t)
        if out is not None:
            yield out


def _divide(term, f):
    """term / f when f divides term exactly (as a factor, a power or an integer), else None."""
    c, rest = split_coefficient(term)
    if f[0] == "num":
        if f[1] == 0 or c.denominator != 1 or f[1].denominator != 1 or c.numerator % f[1].numerator:
            return None
        return mul(num(c / f[1]), *rest) if c / f[1] != 1 else mul(*rest)
    rest = list(rest)
    for i, g in enumerate(rest):
        if same(g, f):
            out = rest[:i] + rest[i + 1:]
            return mul(*([num(c)] if c != 1 else []), *out)
        if g[0] == "pow" and g[2][0] == "num" and g[2][1] > 1 and same(g[1], f):
            e = g[2][1] - 1
            out = rest[:i] + [g[1] if e == 1 else ("pow", g[1], num(e))] + rest[i + 1:]
            return mul(*([num(c)] if c != 1 else []), *out)
    return None


def _factor_candidates(terms):
    seen, out = set(), []
    coefficients = [split_coefficient(x)[0] for x in terms]
    if all(c.denominator == 1 for c in coefficients):
        g = 0
        for c in coefficients:
            g = math.gcd(g, c.numerator)
        sign = -1 if coefficients[0] < 0 else 1
        for n in {g * sign, -1, g}:
            if n not in (0, 1):
                out.append(num(n))
    for term in terms:
        for f in split_coefficient(term)[1]:
            for cand in ([f, f[1]] if f[0] == "pow" and f[2][0] == "num" and f[2][1] > 1 else [f]):
                k = canonical(cand)
                if k not in seen:
                    seen.add(k)
                    out.append(cand)
    return out


def common_factor(t, ctx):
    """a·f + b·f + c → f·(a + b) + c, for every run of ≥ 2 terms sharing a factor f."""
    if t[0] != "add":
        return
    terms = t[1]
    n = len(terms)
    for i in range(n):
        for j in range(i + 2, n + 1):
            run = terms[i:j]
            if len(run) == n or j - i >= 2:
                for f in _factor_candidates(run):
                    quotients = [_divide(x, f) for x in run]
                    if any(q is None for q in quotients):
                        continue
                    yield add(*terms[:i], mul(f, add(*quotients)), *terms[j:])


# ---------------------------------------------------------------------------
# Cancel, multiply and divide, add and subtract


def cancel(t, ctx):
    """x·x⁻¹ → (nothing), xᵃ·x⁻ᵇ → xᵃ⁻ᵇ in a product; T + (−T) → (nothing) in a sum."""
    if t[0] == "mul":
        fs = t[1]
        for i, a in enumerate(fs):
            base_a, ea = (a[1], a[2][1]) if a[0] == "pow" and a[2][0] == "num" else (a, Fraction(1))
            if ea <= 0:
                continue
            for j, b in enumerate(fs):
                if j == i or b[0] != "pow" or b[2][0] != "num" or b[2][1] >= 0 or not same(b[1], base_a):
                    continue
                e = ea + b[2][1]
                rest = [x for k, x in enumerate(fs) if k not in (i, j)]
                if e != 0:
                    rest.insert(min(i, j), base_a if e == 1 else ("pow", base_a, num(e)))
                yield mul(*rest)
    elif t[0] == "add":
        ts = t[1]
        for i in range(len(ts)):
            for j in range(i + 1, len(ts)):
                ci, ri = split_coefficient(ts[i])
                cj, rj = split_coefficient(ts[j])
                if ci + cj == 0 and same(mul(*ri), mul(*rj)):
                    yield add(*(x for k, x in enumerate(ts) if k not in (i, j)))


@functools.lru_cache(maxsize=1024)
def _denominators_of(t):
    out, seen = [], set()
    for _, n in positions(t):
        if n[0] == "pow" and n[2][0] == "num" and n[2][1] < 0:
            base = n[1] if n[2][1] == -1 else ("pow", n[1], num(-n[2][1]))
            k = canonical(base)
            if k not in seen:
                seen.add(k)
                out.append(base)
    return out


def multiply_and_divide(t, ctx):
    """p → X·p·X⁻¹, for X the hint names or a denominator of the other side."""
    if t[0] == "num":
        return
    xs = ctx.arguments or _denominators_of(ctx.target or ONE)[:4]
    for x in xs:
        yield mul(x, t, inv(x))


def add_and_subtract(t, ctx):
    """p → p + X − X, for X the hint names or a term of the other side."""
    if t[0] == "num":
        return
    xs = ctx.arguments
    if not xs and ctx.target is not None:
        xs = [x for _, n in positions(ctx.target) if n[0] == "add" for x in n[1]][:6]
    for x in xs:
        yield add(t, x, neg(x))


def common_denominator(t, ctx):
    """Σ aᵢ/bᵢ → Σ aᵢ·(D/bᵢ)/D, and → (Σ aᵢ·D/bᵢ)/D, with D the least common denominator."""
    if t[0] != "add":
        return
    parts = []
    denominator: dict = {}
    for term in t[1]:
        top, bottom = [], {}
        for f in _factors(term):
            if f[0] == "pow" and f[2][0] == "num" and f[2][1] < 0:
                k = canonical(f[1])
                bottom[k] = (f[1], bottom.get(k, (None, 0))[1] - f[2][1])
            else:
                top.append(f)
        parts.append((top, bottom))
        for k, (base, e) in bottom.items():
            if e > denominator.get(k, (None, 0))[1]:
                denominator[k] = (base, e)
    if not denominator or all(b == denominator for _, b in parts):
        if not denominator or len(t[1]) < 2:
            return
    d_inv = [power(base, num(-e)) if e != 1 else ("pow", base, num(-1)) for base, e in denominator.values()]
    tops = []
    for top, bottom in parts:
        missing = []
        for k, (base, e) in denominator.items():
            have = bottom.get(k, (None, 0))[1]
            if e - have > 0:
                missing.append(base if e - have == 1 else ("pow", base, num(e - have)))
        tops.append(mul(*top, *missing))
    yield add(*(mul(x, *d_inv) for x in tops))
    yield mul(add(*tops), *d_inv)


# ---------------------------------------------------------------------------
# Powers


def power_as_product(t, ctx):
    if t[0] == "pow" and t[2][0] == "num" and t[2][1].denominator == 1 and 2 <= t[2][1] <= 6:
        yield mul(*([t[1]] * int(t[2][1])))


def exponent_laws(t, ctx):
    """xᵃ·xᵇ ↔ xᵃ⁺ᵇ, (xᵃ)ᵇ → xᵃᵇ, xᵃ/xᵇ → xᵃ⁻ᵇ."""
    if t[0] == "pow" and t[1][0] == "pow":
        yield ("pow", t[1][1], mul(t[1][2], t[2]))
    if t[0] == "pow" and t[2][0] == "add":
        yield mul(*(("pow", t[1], e) for e in t[2][1]))
    if t[0] == "pow" and t[1][0] == "mul":
        yield mul(*(("pow", f, t[2]) for f in t[1][1]))
    if t[0] == "mul":
        fs = t[1]
        for i, a in enumerate(fs):
            ba, ea = (a[1], a[2]) if a[0] == "pow" else (a, ONE)
            if a[0] == "num":
                continue
            for j in range(i + 1, len(fs)):
                b = fs[j]
                bb, eb = (b[1], b[2]) if b[0] == "pow" else (b, ONE)
                if same(ba, bb):
                    rest = [x for k, x in enumerate(fs) if k not in (i, j)]
                    yield mul(*rest[:i], power(ba, add(ea, eb)), *rest[i:])


def _sqrt_term(term):
    """x when term is x² (or a square number), else None."""
    if term[0] == "pow" and term[2] == num(2):
        return term[1]
    if term[0] == "num" and term[1] > 0:
        r = math.isqrt(term[1].numerator)
        s = math.isqrt(term[1].denominator)
        if r * r == term[1].numerator and s * s == term[1].denominator:
            return num(Fraction(r, s))
    if term[0] == "mul":
        c, rest = split_coefficient(term)
        if c > 0 and c != 1 and rest:
            a = _sqrt_term(num(c))
            b = _sqrt_term(mul(*rest))
            if a is not None and b is not None:
                return mul(a, b)
    return None


def _DOS(t, ctx):
    if t[0] == "add" and len(t[1]) == 2:
        for a_term, b_term in (t[1], t[1][::-1]):
            c, rest = split_coefficient(b_term)
            if c >= 0:
                continue
            a = _sqrt_term(a_term)
            b = _sqrt_term(mul(num(-c), *rest))
            if a is not None and b is not None:
                yield mul(add(a, neg(b)), add(a, b))
                yield mul(add(a, b), add(a, neg(b)))
    if t[0] == "mul" and len(t[1]) == 2 and all(f[0] == "add" and len(f[1]) == 2 for f in t[1]):
        (p, q), (r, s) = t[1][0][1], t[1][1][1]
        for a, b, c, d in ((p, q, r, s), (p, q, s, r), (q, p, r, s), (q, p, s, r)):
            if same(a, c) and same(b, neg(d)):
                b_pos = b if split_coefficient(b)[0] > 0 else d
                yield add(("pow", a, num(2)), neg(("pow", b_pos, num(2))))


# ---------------------------------------------------------------------------
# The rules


RULES = [
    Rule("expand",
         ("expand", "distribute", "multiply out", "expand the brackets", "expand the square",
          "expand the product", "foil", "distribute again", "open the brackets",
          "distributivity", "distributive law"),
         "multiply out products of sums (one level, or fully), e.g. a(b + c) = ab + ac", "",
         (Rewrite(distribute_once), Rewrite(expand_here), Rewrite(binomial)), depth=2,
         reversible=False),
    Rule("factor",
         ("factor", "factorise", "factorize", "take out a common factor", "common factor",
          "group", "factor by grouping", "pull out a common factor", "perfect square",
          "complete the square", "completing the square", "binomial formula"),
         "take a common factor out of terms, e.g. ab + ac = a(b + c); also a perfect square "
         "(a² + 2ab + b² = (a + b)²)", "",
         (Rewrite(common_factor),
          Rewrite(distribute_once, natural=False, inverse_only=True),
          Rewrite(expand_here, natural=False, inverse_only=True)), depth=2),
    Rule("collect",
         ("collect", "collect like terms", "combine like terms", "collect terms", "gather terms",
          "like terms", "simplify the powers"),
         "add the coefficients of like terms (3t + t = 4t) and the exponents of like factors "
         "(x·x = x²)", "",
         (Rewrite(lambda t, ctx: [x for x in [collect_terms(t), merge_factors(t)] if x is not None]),),
         depth=3, tidy=False, reversible=False),
    Rule("cancel",
         ("cancel", "cancellation", "cancel the common factor", "cancel terms", "cancels",
          "simplify the fraction", "reduce the fraction"),
         "x·x⁻¹ = 1 in a product and T − T = 0 in a sum", "x ≠ 0 for a cancelled factor",
         (Rewrite(cancel),), depth=4, reversible=False),
    Rule("multiply and divide",
         ("multiply and divide", "multiply and divide by", "multiply by one",
          "multiply top and bottom", "multiply numerator and denominator", "multiply by x/x"),
         "p = X·p/X", "X ≠ 0",
         (Rewrite(multiply_and_divide),), depth=1, reversible=False, trivial=True),
    Rule("add and subtract",
         ("add and subtract", "add zero", "add and subtract the same", "subtract and add"),
         "p = p + X − X", "",
         (Rewrite(add_and_subtract),), depth=1, reversible=False, trivial=True),
    Rule("common denominator",
         ("common denominator", "least common denominator", "add numerators", "add fractions",
          "combine fractions", "same denominator", "put over a common denominator",
          "add the fractions"),
         "a/b + c/d = (ad + cb)/(bd), or each fraction over the common denominator", "b, d ≠ 0",
         (Rewrite(common_denominator),), depth=2),
    Rule("definition of a power",
         ("definition of a power", "definition of the square", "definition of the power",
          "definition of squaring", "square as a product", "x² = x·x"),
         "xⁿ = x·x·…·x (n factors)", "n a small natural number",
         (Rewrite(power_as_product),), depth=2),
    Rule("laws of exponents",
         ("laws of exponents", "exponent laws", "product of powers", "power of a power",
          "quotient of powers", "add exponents", "multiply exponents", "subtract exponents",
          "power of a product", "rules of exponents"),
         "xᵃ·xᵇ = xᵃ⁺ᵇ, (xᵃ)ᵇ = xᵃᵇ, xᵃ/xᵇ = xᵃ⁻ᵇ, (xy)ᵃ = xᵃyᵃ", "x > 0 for non-integer exponents",
         (Rewrite(exponent_laws),), depth=2),
    Rule("difference of squares",
         ("difference of squares", "difference of two squares", "a² − b² = (a − b)(a + b)"),
         "a² − b² = (a − b)(a + b)", "",
         (Rewrite(_DOS),), depth=2),
    Rule("arithmetic",
         ("arithmetic", "compute", "calculate", "evaluate the numbers", "numbers", "multiply",
          "add", "simplify the numbers", "fold constants"),
         "a step that only does arithmetic on numbers (or reorders)", "",
         (), depth=0, trivial=True),
    Rule("rename a bound variable",
         ("rename a bound variable", "rename", "alpha conversion", "relabel", "rename the index",
          "change of variable name", "dummy variable"),
         "Σ_k f(k) = Σ_j f(j): the name of a bound variable does not matter", "",
         (), depth=0, trivial=True),
    Rule("algebra",
         ("algebra", "simplify", "simplification", "rearrange", "rearranging", "rewrite",
          "reorder", "regroup", "commutativity", "associativity", "basic algebra", "tidy up",
          "clean up", "manipulate", "by algebra", "algebraic manipulation", "obvious",
          "trivial", "clearly"),
         "accepts any step that holds (checks nothing about the reasoning)", "",
         (), depth=0, generic=True),
]
