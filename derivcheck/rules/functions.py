"""Rules of the elementary functions: logs of products, quotients, powers and Π; exp and log
as inverses; exp of a sum; change of base; trigonometric identities; roots and absolute values."""

from __future__ import annotations

from fractions import Fraction

from ..verify.normalise import ONE, add, inv, mul, neg, num
from .base import Rewrite, Rule, split_coefficient
from .tree import same


def _log(x):
    return ("fn", "log", (x,))


def _is_log(t) -> bool:
    return t[0] == "fn" and t[1] == "log" and len(t[2]) == 1


def _negative_power(f) -> bool:
    return f[0] == "pow" and f[2][0] == "num" and f[2][1] < 0


def _positive_part(f):
    """f⁻ⁿ → fⁿ."""
    return f[1] if f[2][1] == -1 else ("pow", f[1], num(-f[2][1]))


# ---------------------------------------------------------------------------
# Logs


def log_of_product(t, ctx):
    """log(a·b) → log a + log b (a factor b⁻¹ gives −log b)."""
    if not _is_log(t) or t[2][0][0] != "mul":
        return
    factors = t[2][0][1]
    if any(f[0] == "num" and f[1] < 0 for f in factors):
        return
    yield add(*(neg(_log(_positive_part(f))) if _negative_power(f) else _log(f) for f in factors))
    top = [f for f in factors if not _negative_power(f)]
    bottom = [_positive_part(f) for f in factors if _negative_power(f)]
    if bottom and len(top) > 1:
        yield add(*(_log(f) for f in top), neg(_log(mul(*bottom))))


def log_of_quotient(t, ctx):
    """log(a/b) → log a − log b."""
    if not _is_log(t) or t[2][0][0] != "mul":
        return
    factors = t[2][0][1]
    top = [f for f in factors if not _negative_power(f)]
    bottom = [_positive_part(f) for f in factors if _negative_power(f)]
    if bottom:
        yield add(_log(mul(*top)), neg(_log(mul(*bottom))))
        if len(bottom) > 1:
            yield add(_log(mul(*top)), *(neg(_log(b)) for b in bottom))


def log_of_power(t, ctx):
    """log(xⁿ) → n·log x, log √x → ½ log x."""
    if not _is_log(t):
        return
    x = t[2][0]
    if x[0] == "pow":
        yield mul(x[2], _log(x[1]))
    elif x[0] == "fn" and x[1] == "sqrt":
        yield mul(num(Fraction(1, 2)), _log(x[2][0]))


def log_of_big_product(t, ctx):
    """log Π_k f → Σ_k log f."""
    if _is_log(t) and t[2][0][0] == "prod":
        p = t[2][0]
        yield ("sum", p[1], _log(p[2]), *p[3:])


def _combine_sum(t, negative: bool | None):
    """log a + log b → log(ab), log a − log b → log(a/b).  `negative`: True needs a
    difference, False allows none, None either."""
    if t[0] != "add":
        return
    logs = []
    for i, term in enumerate(t[1]):
        c, rest = split_coefficient(term)
        if len(rest) == 1 and _is_log(rest[0]) and c in (1, -1):
            logs.append((i, c, rest[0][2][0]))
    if len(logs) < 2:
        return
    has_negative = any(c == -1 for _, c, _ in logs)
    if negative is not None and has_negative != negative:
        return
    used = {i for i, _, _ in logs}
    inside = mul(*(x if c == 1 else inv(x) for _, c, x in logs))
    others = [x for i, x in enumerate(t[1]) if i not in used]
    yield add(_log(inside), *others)


def combine_product_logs(t, ctx):
    yield from _combine_sum(t, False)


def combine_quotient_logs(t, ctx):
    yield from _combine_sum(t, True)


def combine_power_log(t, ctx):
    """c·log a → log(aᶜ)."""
    if t[0] == "mul" and len(t[1]) == 2:
        for c, lg in (t[1], t[1][::-1]):
            if _is_log(lg) and c[0] != "fn":
                yield _log(("pow", lg[2][0], c))


def combine_sum_of_logs(t, ctx):
    """Σ_k log f → log Π_k f."""
    if t[0] == "sum" and _is_log(t[2]):
        yield _log(("prod", t[1], t[2][2][0], *t[3:]))


def change_of_base(t, ctx):
    if t[0] == "fn" and t[1] == "log" and len(t[2]) == 2:
        yield mul(_log(t[2][0]), inv(_log(t[2][1])))
    if t[0] == "mul" and len(t[1]) == 2:
        a, b = t[1]
        if _is_log(a) and b[0] == "pow" and b[2] == num(-1) and _is_log(b[1]):
            yield ("fn", "log", (a[2][0], b[1][2][0]))


# ---------------------------------------------------------------------------
# exp


def exp_log(t, ctx):
    """exp(log u) → u, log(exp u) → u."""
    if t[0] == "fn" and t[1] == "exp" and _is_log(t[2][0]):
        yield t[2][0][2][0]
    if _is_log(t) and t[2][0][0] == "fn" and t[2][0][1] == "exp":
        yield t[2][0][2][0]


def exp_of_sum(t, ctx):
    """exp(a + b) → exp(a)·exp(b)."""
    if t[0] == "fn" and t[1] == "exp" and t[2][0][0] == "add":
        yield mul(*(("fn", "exp", (x,)) for x in t[2][0][1]))


def product_of_exps(t, ctx):
    """exp(a)·exp(b) → exp(a + b)."""
    if t[0] != "mul":
        return
    exps = [f for f in t[1] if f[0] == "fn" and f[1] == "exp"]
    if len(exps) >= 2:
        rest = [f for f in t[1] if not (f[0] == "fn" and f[1] == "exp")]
        yield mul(*rest, ("fn", "exp", (add(*(e[2][0] for e in exps)),)))


def exp_power(t, ctx):
    """exp(a)ⁿ ↔ exp(n·a)."""
    if t[0] == "pow" and t[1][0] == "fn" and t[1][1] == "exp":
        yield ("fn", "exp", (mul(t[2], t[1][2][0]),))


# ---------------------------------------------------------------------------
# Trigonometry


def _fn(name, x):
    return ("fn", name, (x,))


def _sq(x):
    return ("pow", x, num(2))


def _halves(arg):
    """(a, b) with arg = a + b: a sum of two terms, or 2a read as a + a."""
    if arg[0] == "add" and len(arg[1]) == 2:
        return arg[1]
    c, rest = split_coefficient(arg)
    if c == 2:
        a = mul(*rest)
        return a, a
    return None


def addition_formula(t, ctx):
    if t[0] == "fn" and t[1] in ("sin", "cos") and len(t[2]) == 1:
        ab = _halves(t[2][0])
        if ab is None:
            return
        a, b = ab
        sa, ca, sb, cb = _fn("sin", a), _fn("cos", a), _fn("sin", b), _fn("cos", b)
        if t[1] == "sin":
            yield add(mul(sa, cb), mul(ca, sb))
        else:
            yield add(mul(ca, cb), neg(mul(sa, sb)))


def double_angle(t, ctx):
    if t[0] == "fn" and t[1] in ("sin", "cos") and len(t[2]) == 1:
        c, rest = split_coefficient(t[2][0])
        if c != 2 or not rest:
            return
        a = mul(*rest)
        s, co = _fn("sin", a), _fn("cos", a)
        if t[1] == "sin":
            yield mul(num(2), s, co)
        else:
            yield add(_sq(co), neg(_sq(s)))
            yield add(mul(num(2), _sq(co)), num(-1))
            yield add(ONE, mul(num(-2), _sq(s)))


def double_angle_back(t, ctx):
    if t[0] == "mul":
        c, rest = split_coefficient(t)
        sins = [f for f in rest if f[0] == "fn" and f[1] == "sin"]
        coss = [f for f in rest if f[0] == "fn" and f[1] == "cos"]
        if c == 2 and len(rest) == 2 and sins and coss and same(sins[0][2][0], coss[0][2][0]):
            yield _fn("sin", mul(num(2), sins[0][2][0]))


def pythagorean(t, ctx):
    """sin²a + cos²a → 1, 1 − sin²a → cos²a, 1 − cos²a → sin²a (among the terms of a sum)."""
    if t[0] != "add":
        return
    ts = t[1]

    def square_of(term, name):
        c, rest = split_coefficient(term)
        if len(rest) == 1 and rest[0][0] == "pow" and rest[0][2] == num(2) \
                and rest[0][1][0] == "fn" and rest[0][1][1] == name:
            return c, rest[0][1][2][0]
        return None

    for i, a in enumerate(ts):
        sa = square_of(a, "sin")
        if sa is None:
            continue
        for j, b in enumerate(ts):
            cb = square_of(b, "cos")
            if cb is not None and cb[0] == sa[0] and same(cb[1], sa[1]):
                rest = [x for k, x in enumerate(ts) if k not in (i, j)]
                yield add(num(sa[0]), *rest)
    for i, one in enumerate(ts):
        if one != ONE:
            continue
        for j, b in enumerate(ts):
            for name, other in (("sin", "cos"), ("cos", "sin")):
                sq = square_of(b, name)
                if sq is not None and sq[0] == -1:
                    rest = [x for k, x in enumerate(ts) if k not in (i, j)]
                    yield add(_sq(_fn(other, sq[1])), *rest)


def tan_as_ratio(t, ctx):
    if t[0] == "fn" and len(t[2]) == 1:
        x = t[2][0]
        ratios = {"tan": ("sin", "cos"), "cot": ("cos", "sin")}
        if t[1] in ratios:
            top, bottom = ratios[t[1]]
            yield mul(_fn(top, x), inv(_fn(bottom, x)))
        if t[1] == "sec":
            yield inv(_fn("cos", x))
        if t[1] == "csc":
            yield inv(_fn("sin", x))


# ---------------------------------------------------------------------------
# Roots and absolute values


def root_of_square(t, ctx):
    if t[0] == "fn" and t[1] == "sqrt" and t[2][0][0] == "pow" and t[2][0][2] == num(2):
        u = t[2][0][1]
        yield ("fn", "abs", (u,))
        yield u
    if t[0] == "fn" and t[1] == "abs":
        yield t[2][0]
    if t[0] == "fn" and t[1] == "sqrt":
        yield ("pow", t[2][0], num(Fraction(1, 2)))


RULES = [
    Rule("log of a product",
         ("log of a product", "log of product", "product rule for logs", "log rule",
          "log rules", "logarithm of a product", "log(ab) = log a + log b",
          "log of a product into a sum", "sum of logs"),
         "log(ab) = log a + log b, and log Π_k f = Σ_k log f", "a, b > 0",
         (Rewrite(log_of_product), Rewrite(log_of_big_product),
          Rewrite(combine_product_logs, natural=False), Rewrite(combine_sum_of_logs, natural=False)),
         depth=4),
    Rule("log of a quotient",
         ("log of a quotient", "log of quotient", "quotient rule for logs",
          "logarithm of a quotient", "log(a/b) = log a − log b", "difference of logs"),
         "log(a/b) = log a − log b", "a, b > 0",
         (Rewrite(log_of_quotient), Rewrite(combine_quotient_logs, natural=False)), depth=3),
    Rule("log of a power",
         ("log of a power", "power rule", "power rule for logs", "log of power",
          "logarithm of a power", "log(x^n) = n log x", "bring the exponent down",
          "exponent comes down"),
         "log(xⁿ) = n·log x", "x > 0",
         (Rewrite(log_of_power), Rewrite(combine_power_log, natural=False)), depth=4),
    Rule("log of a product over an index",
         ("log of a product over an index", "log of a big product", "log of Π",
          "log of a product of probabilities"),
         "log Π_k f(k) = Σ_k log f(k)", "f > 0",
         (Rewrite(log_of_big_product), Rewrite(log_of_product, core=False),
          Rewrite(combine_sum_of_logs, natural=False)), depth=4),
    Rule("exp and log are inverse",
         ("exp and log are inverse", "exp log inverse", "log undoes exp", "exp undoes log",
          "inverse functions", "log of exp", "exp of log", "exp(log u) = u",
          "log(exp u) = u", "log and exp cancel", "exp and log cancel"),
         "exp(log u) = u and log(exp u) = u", "u > 0 for exp(log u)",
         (Rewrite(exp_log),), depth=4),
    Rule("exp of a sum",
         ("exp of a sum", "exponential of a sum", "product of exponentials",
          "e^a e^b = e^(a+b)", "exp(a + b) = exp(a) exp(b)", "laws of exponentials"),
         "exp(a + b) = exp(a)·exp(b), exp(a)ⁿ = exp(n·a)", "",
         (Rewrite(exp_of_sum), Rewrite(exp_power),
          Rewrite(product_of_exps, natural=False)), depth=3),
    Rule("change of base",
         ("change of base", "change-of-base formula", "change the base"),
         "log_b(x) = log x / log b", "b > 0, b ≠ 1",
         (Rewrite(change_of_base),), depth=2),
    Rule("addition formula",
         ("addition formula", "angle addition", "sum formula", "addition theorem",
          "sin(a + b) = sin a cos b + cos a sin b"),
         "sin(a + b) = sin a cos b + cos a sin b, cos(a + b) = cos a cos b − sin a sin b", "",
         (Rewrite(addition_formula),), depth=2),
    Rule("double angle",
         ("double angle", "double-angle formula", "double angle formula", "sin 2x = 2 sin x cos x"),
         "sin 2a = 2 sin a cos a; cos 2a = cos²a − sin²a = 2cos²a − 1 = 1 − 2sin²a", "",
         (Rewrite(double_angle), Rewrite(double_angle_back, natural=False)), depth=2),
    Rule("Pythagorean identity",
         ("Pythagorean identity", "pythagoras", "sin² + cos² = 1", "sin^2 + cos^2 = 1",
          "trig identity"),
         "sin²a + cos²a = 1", "",
         (Rewrite(pythagorean),), depth=2),
    Rule("tan as a ratio",
         ("tan as a ratio", "tan = sin / cos", "tan = sin/cos", "definition of tan",
          "definition of sec", "sec = 1/cos", "tan x = sin x / cos x"),
         "tan a = sin a / cos a, sec a = 1 / cos a (and cot, csc)", "cos a ≠ 0",
         (Rewrite(tan_as_ratio),), depth=2),
    Rule("square root of a square",
         ("square root of a square", "root of a square", "√(u²) = |u|", "sqrt of a square",
          "absolute value", "|u| = u for u ≥ 0", "√ as a power"),
         "√(u²) = |u|, which is u where u ≥ 0; √u = u^(1/2)", "u ≥ 0 to drop |·|",
         (Rewrite(root_of_square),), depth=2),
]
