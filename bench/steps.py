"""Per-step check latency: derivcheck's ladder against the naive sympy baseline.

Run on demand from the repository root (never part of the test suite):

    python bench/steps.py                 # the full run (≈600 generated identities)
    python bench/steps.py --quick         # fewer generated identities, for a quick look
    python bench/steps.py --seed 7 --json /tmp/steps.json
    python bench/steps.py --profile-all   # plus a cProfile of the whole derivcheck pass
    python bench/steps.py --list          # print the generated identities and stop

Pairs measured:
  - every consecutive pair of steps of every derivations/*.deriv file;
  - generated identities in plain notation (algebra, logs/exponentials, trigonometry,
    derivatives, bounded sums, sums and expectations over an index set), built from
    templates with seeded random coefficients; about half are valid, the other half are
    mutated so that they are certainly false (a sign flipped, a constant or an exponent
    changed, a term dropped, or a wrong variant the template knows to be false).

For each pair, in the same process and on the same resolved trees:
  - derivcheck: a fresh `Checker(scope, Options())` per pair, sympy's cache cleared first,
    the whole `check_pair` timed (unfolding, ladder, side conditions);
  - the baseline: `sympy.simplify((to_sympy(left) - to_sympy(right)).doit()) == 0` on the
    unfolded trees, sympy's cache cleared first, under `budget.alarm` with a cap (10 s);
    the translation is timed separately and not counted in the baseline's latency;
  - a second derivcheck pass "as `derivcheck check` runs": one Checker per derivation
    (per scope), sympy's cache cleared once per file / generated group, not per pair.

Then a cold `derivcheck check derivations/policy_gradient.deriv` against
`python -c "import sympy"` (subprocesses, interleaved, best of 5) with a breakdown of the
cold process, and cProfile of the slowest pairs (one per template or file).

Files in derivations/ are read as they are when the bench runs; a pair's truth comes from
the file's `# expect:` lines ("valid", "step N refuted", "step N holds", …) or is "?".
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import pstats
import random
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import asdict, dataclass, field
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DERIVATIONS = ROOT / "derivations"

# ---------------------------------------------------------------------------
# Generated identities
#
# An identity is `left = Σ terms` (or `left = rhs` with known-false variants).  A term is
# coef · basis, where basis is a function that is not identically zero on the declared
# domain.  Replacing one term's coefficient c by c' ≠ c, its basis b by b' ≢ b, or dropping
# it changes the right side by (c' − c)·b, c·(b' − b) or c·b: never identically zero, so
# every mutation below is false whatever the other terms are.


@dataclass(frozen=True)
class Term:
    coef: Fraction
    body: str = ""  # "" is the constant 1; may contain "{e}" for an exponent slot
    exp: int | None = None  # the exponent filling "{e}"
    div: bool = False  # rendered `c/body` instead of `c body`

    def basis(self, exp: int | None = None) -> str:
        e = self.exp if exp is None else exp
        if "{e}" not in self.body:
            return self.body
        if e == 1:  # x^{1} -> x ; (f(x))^{1} -> f(x)
            return re.sub(r"\^\{e\}", "", self.body)
        return self.body.replace("{e}", str(e))


def _num(q: Fraction) -> str:
    q = Fraction(q)
    if q.denominator == 1:
        return str(q.numerator)
    return f"{q.numerator}/{q.denominator}"


def _render_term(coef: Fraction, basis: str, div: bool) -> str:
    """|coef| · basis (the sign is written by the caller)."""
    c = abs(Fraction(coef))
    if div:
        return f"{_num(c) if c.denominator == 1 else '(' + _num(c) + ')'}/{basis}"
    if not basis:
        return _num(c)
    if c == 1:
        return basis
    if c.denominator == 1:
        return f"{c.numerator} {basis}"
    return f"({_num(c)}) {basis}"


def render(terms: list[tuple[Fraction, str, bool]]) -> str:
    out = ""
    for coef, basis, div in terms:
        if coef == 0:
            continue
        t = _render_term(coef, basis, div)
        if not out:
            out = ("-" if coef < 0 else "") + t
        else:
            out += (" - " if coef < 0 else " + ") + t
    return out or "0"


def render_terms(terms: list[Term]) -> str:
    return render([(t.coef, t.basis(), t.div) for t in terms])


@dataclass
class Identity:
    category: str
    template: str
    decls: tuple[str, ...]
    left: str
    terms: list[Term] | None = None  # the right side as terms (mutated generically)
    rhs: str | None = None  # or the right side as text ...
    wrong: list[tuple[str, str]] = field(default_factory=list)  # ... with (kind, false rhs)

    def right(self) -> str:
        return self.rhs if self.rhs is not None else render_terms(self.terms)

    def mutations(self, rng: random.Random) -> list[tuple[str, str]]:
        """(kind, false right side) candidates."""
        out = list(self.wrong)
        if self.terms:
            live = [i for i, t in enumerate(self.terms) if t.coef != 0]
            if live:
                i = rng.choice(live)
                out.append(("flip a sign", self._with(i, coef=-self.terms[i].coef)))
                d = rng.choice([d for d in (-2, -1, 1, 2, 3) if self.terms[i].coef + d != 0])
                out.append(("change a constant", self._with(i, coef=self.terms[i].coef + d)))
                out.append(("drop a term", self._with(i, drop=True)))
            slots = [i for i in live if self.terms[i].exp is not None]
            if slots:
                i = rng.choice(slots)
                e = self.terms[i].exp
                new = e + 1 if e == 1 or rng.random() < 0.5 else e - 1
                out.append(("change an exponent", self._with(i, exp=new)))
        return out

    def _with(self, i: int, coef=None, exp=None, drop=False) -> str:
        rows = []
        for j, t in enumerate(self.terms):
            if j == i:
                if drop:
                    continue
                rows.append((t.coef if coef is None else coef, t.basis(exp), t.div))
            else:
                rows.append((t.coef, t.basis(), t.div))
        return render(rows)


def nz(rng: random.Random, lo: int = 1, hi: int = 6, signed: bool = True) -> int:
    v = rng.randint(lo, hi)
    return -v if signed and rng.random() < 0.4 else v


def lin(a: int, var: str, b: int) -> str:
    """`a var + b` written as a person would."""
    return render([(Fraction(a), var, False), (Fraction(b), "", False)])


def poly_terms(coeffs: dict[int, Fraction], var: str) -> list[Term]:
    out = []
    for e in sorted(coeffs, reverse=True):
        c = Fraction(coeffs[e])
        if c == 0:
            continue
        if e == 0:
            out.append(Term(c))
        else:
            out.append(Term(c, f"{var}^{{e}}", e))
    return out


def poly_text(coeffs: dict[int, Fraction], var: str) -> str:
    return render_terms(poly_terms(coeffs, var))


def poly_mul(p: dict[int, Fraction], q: dict[int, Fraction]) -> dict[int, Fraction]:
    out: dict[int, Fraction] = defaultdict(Fraction)
    for i, a in p.items():
        for j, b in q.items():
            out[i + j] += Fraction(a) * b
    return dict(out)


def poly_pow(p: dict[int, Fraction], n: int) -> dict[int, Fraction]:
    out = {0: Fraction(1)}
    for _ in range(n):
        out = poly_mul(out, p)
    return out


X_REAL = ("let x, y: real",)
X_POS = ("let x, y: positive",)
X_NZ = ("let x, y: nonzero",)
FG = ("let x: real", "let f(x), g(x): real")
FG_POS = ("let x: real", "let f(x), g(x): positive")
N_NAT = ("let n, k: natural",)
N_FUN = ("let n, k: natural", "let f(k), g(k): real")
DIST = ("let a, b: real", "let τ: index", "let p(τ): distribution over τ", "let h(τ), g(τ): real")
POLICY = ("let θ, b: real", "let τ: index", "let Pr_θ(τ): distribution over τ", "let R(τ): real")

DERIV_OPS = ("d/dx", "∇_x", "∂/∂x", "d/dx")


# -- algebra --------------------------------------------------------------------------------

def t_square(rng):
    a, b = nz(rng), nz(rng)
    return Identity("algebra", "square", X_REAL, f"({lin(a, 'x', b)})^2",
                    poly_terms(poly_pow({1: a, 0: b}, 2), "x"))


def t_product(rng):
    a, b, c, d = nz(rng), nz(rng), nz(rng), nz(rng)
    return Identity("algebra", "product", X_REAL, f"({lin(a, 'x', b)})({lin(c, 'x', d)})",
                    poly_terms(poly_mul({1: a, 0: b}, {1: c, 0: d}), "x"))


def t_cube(rng):
    a = nz(rng, 1, 4)
    return Identity("algebra", "cube", X_REAL, f"(x {'+' if a > 0 else '-'} {abs(a)})^3",
                    poly_terms(poly_pow({1: 1, 0: a}, 3), "x"))


def t_two_vars(rng):
    a, b = nz(rng, 1, 4, False), nz(rng, 1, 4, False)
    # (a x + b y)^2 - (a x - b y)^2 = 4ab xy
    return Identity("algebra", "two-squares", X_REAL, f"({a} x + {b} y)^2 - ({a} x - {b} y)^2",
                    [Term(Fraction(4 * a * b), "x y^{e}", 1)])


def t_factor(rng):
    a, b = nz(rng), nz(rng)
    while b == a:
        b = nz(rng)
    m = lambda v: f"(x - {v})" if v > 0 else f"(x + {-v})"  # noqa: E731
    left = poly_text({2: 1, 1: -(a + b), 0: a * b}, "x")
    d = rng.choice((1, 2))
    return Identity("algebra", "factor", X_REAL, left, rhs=f"{m(a)}{m(b)}",
                    wrong=[("flip a sign", f"{m(a)}{m(-b)}"),
                           ("change a constant", f"{m(a)}{m(b + d)}"),
                           ("change an exponent", f"{m(a)}^2 {m(b)}")])


def t_diff_squares(rng):
    a, b = nz(rng, 1, 5, False), nz(rng, 1, 5, False)
    left = f"{a * a if a > 1 else ''}x^2 - {b * b if b > 1 else ''}y^2".replace("  ", " ")
    ax, by = (f"{a} x" if a > 1 else "x"), (f"{b} y" if b > 1 else "y")
    return Identity("algebra", "difference-of-squares", X_REAL, left, rhs=f"({ax} - {by})({ax} + {by})",
                    wrong=[("flip a sign", f"({ax} - {by})({ax} - {by})"),
                           ("change an exponent", f"({ax} - {by})^2")])


def t_sum_cubes(rng):
    a = nz(rng, 1, 4, False)
    left = f"x^3 + {a ** 3}"
    return Identity("algebra", "sum-of-cubes", X_REAL, left,
                    rhs=f"(x + {a})({poly_text({2: 1, 1: -a, 0: a * a}, 'x')})",
                    wrong=[("flip a sign", f"(x + {a})({poly_text({2: 1, 1: a, 0: a * a}, 'x')})"),
                           ("flip a sign", f"(x - {a})({poly_text({2: 1, 1: -a, 0: a * a}, 'x')})")])


def t_partial_fractions(rng):
    a, b = nz(rng), nz(rng)
    while b == a:
        b = nz(rng)
    xa, xb = f"({lin(1, 'x', a)})", f"({lin(1, 'x', b)})"
    return Identity("algebra", "partial-fractions", X_REAL, f"1/{xa} - 1/{xb}",
                    [Term(Fraction(b - a), f"({xa}{xb})", div=True)])


def t_add_fractions(rng):
    p, q = nz(rng), nz(rng)
    return Identity("algebra", "add-fractions", X_NZ, f"{p}/x + {q}/y".replace("+ -", "- "),
                    rhs=f"({lin(p, 'y', 0)} + {lin(q, 'x', 0)})/(x y)".replace("+ -", "- "),
                    wrong=[("flip a sign", f"({lin(p, 'y', 0)} + {lin(-q, 'x', 0)})/(x y)".replace("+ -", "- ")),
                           ("change an exponent", f"({lin(p, 'y', 0)} + {lin(q, 'x', 0)})/(x y^2)".replace("+ -", "- "))])


def t_cancel(rng):
    a = nz(rng)
    return Identity("algebra", "cancel", X_REAL, f"(x^2 - {a * a})/({lin(1, 'x', -a)})",
                    [Term(Fraction(1), "x^{e}", 1), Term(Fraction(a))])


def t_common_denominator(rng):
    a = nz(rng)
    c = nz(rng)
    xa = f"({lin(1, 'x', a)})"
    return Identity("algebra", "common-denominator", X_REAL,
                    f"{c} x/{xa} + {c * a}/{xa}".replace("+ -", "- "), [Term(Fraction(c))])


def t_sqrt(rng):
    a, b = rng.randint(1, 3), rng.randint(1, 3)
    return Identity("algebra", "sqrt", X_POS, f"sqrt(x^{2 * a} y^{2 * b})", rhs=f"x^{a} y^{b}",
                    wrong=[("change an exponent", f"x^{a + 1} y^{b}"),
                           ("change a constant", f"2 x^{a} y^{b}")])


# -- logs and exponentials -----------------------------------------------------------------

def t_log_power(rng):
    a, b = nz(rng, 1, 5, False), nz(rng, 1, 5)
    return Identity("log-exp", "log-of-powers", X_POS, f"log(x^{a} y^{{{b}}})",
                    [Term(Fraction(a), "log x"), Term(Fraction(b), "log y")])


def t_log_quotient(rng):
    a, b = nz(rng, 1, 4, False), nz(rng, 1, 4, False)
    return Identity("log-exp", "log-of-quotient", X_POS, f"log(x^{a}/y^{b})",
                    [Term(Fraction(a), "log(x)"), Term(Fraction(-b), "log(y)")])


def t_log_const(rng):
    a = rng.randint(2, 9)
    return Identity("log-exp", "log-of-scaled", X_POS, f"log({a} x)",
                    [Term(Fraction(1), f"log({a})"), Term(Fraction(1), "log x")])


def t_exp_product(rng):
    a, b = nz(rng), nz(rng)
    while a + b == 0 or a * b == a + b:
        b = nz(rng)
    sp = rng.choice(("exp", "e"))
    w = (lambda k: f"exp({lin(k, 'x', 0)})") if sp == "exp" else (lambda k: f"e^{{{lin(k, 'x', 0)}}}")
    return Identity("log-exp", "exp-product", X_REAL, f"{w(a)} {w(b)}", rhs=w(a + b),
                    wrong=[("flip a sign", w(a - b)), ("change a constant", w(a * b)),
                           ("change a constant", w(a + b + 1) if a + b + 1 != 0 else w(a + b + 2))])


def t_log_exp(rng):
    a, b = nz(rng), nz(rng)
    return Identity("log-exp", "log-of-exp", X_REAL, f"log(exp({lin(a, 'x', b)}))",
                    [Term(Fraction(a), "x^{e}", 1), Term(Fraction(b))])


def t_exp_log(rng):
    a = rng.randint(2, 5)
    c = nz(rng)
    return Identity("log-exp", "exp-of-log", X_POS, f"{c} exp({a} log x)".replace("1 exp", "exp"),
                    [Term(Fraction(c), "x^{e}", a)])


def t_exp_sum_log(rng):
    a, b = rng.randint(1, 3), rng.randint(1, 3)
    return Identity("log-exp", "exp-of-log-sum", X_POS, f"exp({a} log(x) + {b} log(y))",
                    rhs=f"x^{a} y^{b}",
                    wrong=[("change an exponent", f"x^{a + 1} y^{b}"),
                           ("flip a sign", f"x^{a} y^{{{-b}}}"),
                           ("change a constant", f"x^{a} y^{b} + 1")])


# -- trigonometry ------------------------------------------------------------------------------

def t_pythagoras(rng):
    a = nz(rng)
    return Identity("trig", "pythagoras", X_REAL, f"{a} sin(x)^2 + {a} cos(x)^2".replace("+ -", "- "),
                    [Term(Fraction(a))])


def t_double_sin(rng):
    a = nz(rng)
    left = f"{a} sin(2x)" if a != 1 else "sin(2x)"
    return Identity("trig", "double-angle-sin", X_REAL, left, [Term(Fraction(2 * a), "sin(x) cos(x)")])


def t_double_cos(rng):
    form = rng.randrange(3)
    if form == 0:
        terms = [Term(Fraction(1), "cos(x)^{e}", 2), Term(Fraction(-1), "sin(x)^{e}", 2)]
    elif form == 1:
        terms = [Term(Fraction(1)), Term(Fraction(-2), "sin(x)^{e}", 2)]
    else:
        terms = [Term(Fraction(2), "cos(x)^{e}", 2), Term(Fraction(-1))]
    return Identity("trig", "double-angle-cos", X_REAL, "cos(2x)", terms)


def t_angle_sum(rng):
    c = nz(rng, 1, 4)
    if rng.random() < 0.5:
        return Identity("trig", "sin-of-sum", X_REAL, f"{c} sin(x + y)".replace("1 sin", "sin"),
                        [Term(Fraction(c), "sin(x) cos(y)"), Term(Fraction(c), "cos(x) sin(y)")])
    return Identity("trig", "cos-of-sum", X_REAL, f"{c} cos(x + y)".replace("1 cos", "cos"),
                    [Term(Fraction(c), "cos(x) cos(y)"), Term(Fraction(-c), "sin(x) sin(y)")])


def t_tan(rng):
    if rng.random() < 0.5:
        return Identity("trig", "tan-cos", X_REAL, "tan(x) cos(x)", [Term(Fraction(1), "sin(x)^{e}", 1)])
    return Identity("trig", "sec-squared", X_REAL, "1 + tan(x)^2", [Term(Fraction(1), "sec(x)^{e}", 2)])


def t_power_reduction(rng):
    return Identity("trig", "sin-cubed", X_REAL, "sin(x)^3",
                    [Term(Fraction(3, 4), "sin(x)"), Term(Fraction(-1, 4), "sin(3x)")])


def t_fourth(rng):
    return Identity("trig", "cos4-sin4", X_REAL, "cos(x)^4 - sin(x)^4", [Term(Fraction(1), "cos(2x)")])


def t_product_to_sum(rng):
    a = rng.randint(2, 5)
    b = rng.randint(1, 4)
    while b == a:
        b = rng.randint(1, 4)
    s = lambda k: f"sin({k}x)" if k != 1 else "sin(x)"  # noqa: E731
    c = lambda k: f"cos({k}x)" if k != 1 else "cos(x)"  # noqa: E731
    return Identity("trig", "product-to-sum", X_REAL, f"{s(a)} {c(b)}",
                    [Term(Fraction(1, 2), s(a + b)), Term(Fraction(1, 2), s(a - b))])


# -- derivatives -------------------------------------------------------------------------------

def t_deriv_poly(rng):
    deg = rng.randint(2, 5)
    coeffs = {e: Fraction(nz(rng)) for e in range(deg + 1) if e == deg or rng.random() < 0.7}
    d = {e - 1: c * e for e, c in coeffs.items() if e > 0}
    op = rng.choice(DERIV_OPS)
    return Identity("derivative", "polynomial", ("let x: real",), f"{op} ({poly_text(coeffs, 'x')})",
                    poly_terms(d, "x"))


def t_deriv_product(rng):
    op = rng.choice(DERIV_OPS)
    fp, gp = (("f'(x)", "g'(x)") if rng.random() < 0.5 else ("∇_x f(x)", "∇_x g(x)"))
    return Identity("derivative", "product-rule", FG, f"{op} (f(x) g(x))",
                    [Term(Fraction(1), f"{fp} g(x)"), Term(Fraction(1), f"f(x) {gp}")])


def t_deriv_power_fn(rng):
    c, n = nz(rng), rng.randint(2, 5)
    op = rng.choice(DERIV_OPS)
    return Identity("derivative", "power-times-f", FG, f"{op} ({c} x^{n} f(x))".replace("(1 x", "(x"),
                    [Term(Fraction(c * n), "x^{e} f(x)", n - 1), Term(Fraction(c), f"x^{n} f'(x)")])


def t_deriv_chain_sin(rng):
    a = nz(rng)
    op = rng.choice(DERIV_OPS)
    inner = f"{a} f(x)" if a != 1 else "f(x)"
    return Identity("derivative", "chain-sin", FG, f"{op} sin({inner})",
                    [Term(Fraction(a), f"cos({inner}) f'(x)")],
                    wrong=[("drop the chain factor", f"{a} cos({inner})".replace("1 cos", "cos"))])


def t_deriv_chain_exp(rng):
    a = nz(rng)
    op = rng.choice(DERIV_OPS)
    inner = f"{a} f(x)" if a != 1 else "f(x)"
    return Identity("derivative", "chain-exp", FG, f"{op} exp({inner})",
                    [Term(Fraction(a), f"exp({inner}) f'(x)")])


def t_deriv_chain_power(rng):
    n = rng.randint(2, 6)
    op = rng.choice(DERIV_OPS)
    return Identity("derivative", "chain-power", FG, f"{op} (f(x)^{n})",
                    [Term(Fraction(n), "f(x)^{e} f'(x)", n - 1)])


def t_deriv_chain_poly(rng):
    a, b = nz(rng), nz(rng)
    op = rng.choice(DERIV_OPS)
    inner = lin(a, "x^2", b)
    return Identity("derivative", "chain-f-of-poly", FG, f"{op} f({inner})",
                    [Term(Fraction(2 * a), f"x^{{e}} f'({inner})", 1)])


def t_deriv_log(rng):
    op = rng.choice(DERIV_OPS)
    c = nz(rng)
    return Identity("derivative", "log-derivative", FG_POS, f"{op} ({c} log f(x))".replace("(1 log", "(log"),
                    [Term(Fraction(c), "f'(x)/f(x)")])


def t_deriv_quotient(rng):
    op = rng.choice(DERIV_OPS)
    return Identity("derivative", "quotient-rule", FG_POS, f"{op} (f(x)/g(x))",
                    [Term(Fraction(1), "f'(x)/g(x)"), Term(Fraction(-1), "f(x) g'(x)/g(x)^{e}", 2)])


def t_deriv_mixed(rng):
    n, a = rng.randint(1, 4), nz(rng, 1, 4)
    op = rng.choice(DERIV_OPS)
    xn = f"x^{n}" if n > 1 else "x"
    s = f"sin({a}x)".replace("(1x)", "(x)").replace("(-1x)", "(-x)")
    c = f"cos({a}x)".replace("(1x)", "(x)").replace("(-1x)", "(-x)")
    return Identity("derivative", "x-power-times-sin", ("let x: real",), f"{op} ({xn} {s})",
                    [Term(Fraction(n), f"x^{{e}} {s}", n - 1), Term(Fraction(a), f"{xn} {c}")])


# -- sums ---------------------------------------------------------------------------------

def t_sum_linear(rng):
    a, b = nz(rng), nz(rng)
    # Σ_{k=0}^{n} (a k + b) = a n(n+1)/2 + b (n+1)
    coeffs = {2: Fraction(a, 2), 1: Fraction(a, 2) + b, 0: Fraction(b)}
    return Identity("sum", "arithmetic", N_NAT, f"Σ_{{k=0}}^{{n}} ({lin(a, 'k', b)})", poly_terms(coeffs, "n"))


def t_sum_squares(rng):
    c = nz(rng, 1, 6)
    coeffs = {3: Fraction(c, 3), 2: Fraction(c, 2), 1: Fraction(c, 6)}
    body = f"{c} k^2" if c != 1 else "k^2"
    return Identity("sum", "squares", N_NAT, f"Σ_{{k=0}}^{{n}} {body}".replace("} -", "} (-") +
                    (")" if c < 0 else ""), poly_terms(coeffs, "n"))


def t_sum_cubes_closed(rng):
    return Identity("sum", "cubes", N_NAT, "sum_{k=0}^{n} k^3", rhs="(n (n + 1)/2)^2",
                    wrong=[("change a constant", "(n (n + 1)/2)^2 + 1"),
                           ("change an exponent", "(n (n + 1)/2)^3"),
                           ("change a constant", "(n (n - 1)/2)^2")])


def t_sum_geometric(rng):
    r = rng.randint(2, 5)
    return Identity("sum", "geometric", N_NAT, f"Σ_{{k=0}}^{{n}} {r}^k",
                    [Term(Fraction(1, r - 1), f"{r}^(n + 1)"), Term(Fraction(-1, r - 1))],
                    wrong=[("change an exponent", f"({r}^n - 1)/{r - 1}".replace("/1", ""))])


def t_sum_constant(rng):
    c = nz(rng)
    return Identity("sum", "constant", N_NAT, f"Σ_{{k=0}}^{{n}} {c}".replace("} -", "} (-") + (")" if c < 0 else ""),
                    [Term(Fraction(c), "n^{e}", 1), Term(Fraction(c))])


def t_sum_linearity(rng):
    a, b = nz(rng), nz(rng)
    left = f"Σ_{{k=0}}^{{n}} ({lin(a, 'f(k)', 0)} + {lin(b, 'g(k)', 0)})".replace("+ -", "- ")
    return Identity("sum", "bounded-linearity", N_FUN, left,
                    [Term(Fraction(a), "Σ_{k=0}^{n} f(k)"), Term(Fraction(b), "Σ_{k=0}^{n} g(k)")])


def t_sum_telescoping(rng):
    return Identity("sum", "telescoping", N_FUN, "Σ_{k=1}^{n} (f(k) - f(k - 1))",
                    [Term(Fraction(1), "f(n)"), Term(Fraction(-1), "f(0)")])


def t_sum_binomial(rng):
    return Identity("sum", "binomial-row", N_NAT, "Σ_{k=0}^{n} binom(n, k)", [Term(Fraction(1), "2^n")],
                    wrong=[("change an exponent", "2^(n + 1)")])


# -- sums over an index set, distributions, expectations ----------------------------------------

def t_weighted_affine(rng):
    a, b = nz(rng), nz(rng)
    return Identity("distribution", "weighted-sum-affine", DIST,
                    f"Σ_τ p(τ) ({lin(a, 'h(τ)', b)})",
                    [Term(Fraction(a), "Σ_τ p(τ) h(τ)"), Term(Fraction(b))])


def t_expect_affine(rng):
    a, b = nz(rng), nz(rng)
    return Identity("distribution", "expectation-affine", DIST, f"E_{{τ~p}}[{lin(a, 'h(τ)', b)}]",
                    [Term(Fraction(a), "E_{τ~p}[h(τ)]"), Term(Fraction(b))],
                    wrong=[("forget the normalisation", render([(Fraction(a), "E_{τ~p}[h(τ)]", False),
                                                                (Fraction(b), "Σ_τ 1", False)]))])


def t_expect_square(rng):
    c = nz(rng)
    return Identity("distribution", "expectation-of-square", DIST, f"E_{{τ~p}}[({lin(1, 'h(τ)', -c)})^2]",
                    [Term(Fraction(1), "E_{τ~p}[h(τ)^{e}]", 2), Term(Fraction(-2 * c), "E_{τ~p}[h(τ)]"),
                     Term(Fraction(c * c))])


def t_index_linearity(rng):
    a, b = nz(rng), nz(rng)
    return Identity("distribution", "index-linearity", DIST,
                    f"Σ_τ ({lin(a, 'h(τ)', 0)} + {lin(b, 'g(τ)', 0)})".replace("+ -", "- "),
                    [Term(Fraction(a), "Σ_τ h(τ)"), Term(Fraction(b), "Σ_τ g(τ)")])


def t_expect_sum(rng):
    c = nz(rng)
    return Identity("distribution", "expectation-of-sum", DIST,
                    f"Σ_τ p(τ) h(τ) + {c} Σ_τ p(τ) g(τ)".replace("+ -", "- ").replace(" 1 Σ", " Σ"),
                    rhs=f"E_{{τ~p}}[{lin(1, 'h(τ)', 0)} + {lin(c, 'g(τ)', 0)}]".replace("+ -", "- "),
                    wrong=[("flip a sign", f"E_{{τ~p}}[{lin(1, 'h(τ)', 0)} + {lin(-c, 'g(τ)', 0)}]".replace("+ -", "- ")),
                           ("drop the weight", f"Σ_τ ({lin(1, 'h(τ)', 0)} + {lin(c, 'g(τ)', 0)})".replace("+ -", "- "))])


def t_score_mean(rng):
    c, d = nz(rng), nz(rng)
    left = f"{c} E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ)] + {d}".replace("+ -", "- ")
    return Identity("distribution", "score-mean-zero", POLICY, left, [Term(Fraction(d))])


def t_policy_gradient(rng):
    c = nz(rng, 1, 4, signed=False)
    cc = f"{c} " if c != 1 else ""
    forms = [f"{cc}Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)", f"{cc}E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)]",
             f"{cc}Σ_τ ∇_θ Pr_θ(τ) R(τ)"]
    return Identity("distribution", "policy-gradient", POLICY, f"∇_θ Σ_τ {cc}Pr_θ(τ) R(τ)",
                    rhs=rng.choice(forms),
                    wrong=[("gradient inside the expectation", f"{cc}E_{{τ~Pr_θ}}[∇_θ R(τ)]"),
                           ("forget the weight", f"{cc}Σ_τ ∇_θ log Pr_θ(τ) R(τ)"),
                           ("p instead of 1/p", f"{cc}Σ_τ Pr_θ(τ) Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)")])


def t_baseline(rng):
    c = nz(rng)
    return Identity("distribution", "constant-baseline", POLICY,
                    f"E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) (R(τ) - {c} b)]".replace("- -", "+ ").replace(" 1 b", " b"),
                    [Term(Fraction(1), "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]")],
                    wrong=[("baseline kept", f"E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)] - {c} b".replace("- -", "+ ")
                            .replace(" 1 b", " b"))])


TEMPLATES = [
    t_square, t_product, t_cube, t_two_vars, t_factor, t_diff_squares, t_sum_cubes,
    t_partial_fractions, t_add_fractions, t_cancel, t_common_denominator, t_sqrt,
    t_log_power, t_log_quotient, t_log_const, t_exp_product, t_log_exp, t_exp_log, t_exp_sum_log,
    t_pythagoras, t_double_sin, t_double_cos, t_angle_sum, t_tan, t_power_reduction, t_fourth,
    t_product_to_sum,
    t_deriv_poly, t_deriv_product, t_deriv_power_fn, t_deriv_chain_sin, t_deriv_chain_exp,
    t_deriv_chain_power, t_deriv_chain_poly, t_deriv_log, t_deriv_quotient, t_deriv_mixed,
    t_sum_linear, t_sum_squares, t_sum_cubes_closed, t_sum_geometric, t_sum_constant,
    t_sum_linearity, t_sum_telescoping, t_sum_binomial,
    t_weighted_affine, t_expect_affine, t_expect_square, t_index_linearity, t_expect_sum,
    t_score_mean, t_policy_gradient, t_baseline,
]


@dataclass
class Generated:
    category: str
    template: str
    decls: tuple[str, ...]
    left: str
    right: str
    valid: bool
    mutation: str  # "" for a valid identity


_UNIT_COEF = re.compile(r"(?<![\w./^{])1 (?=[^\s\d+\-=)/])")
_UNIT_EXP = re.compile(r"\^(?:1|\{1\})(?![\d.])")


def tidy(text: str) -> str:
    """`1 x` → `x`, `x^1` → `x`: the spellings a person would use (the value is unchanged)."""
    return _UNIT_EXP.sub("", _UNIT_COEF.sub("", text))


def generate(count: int, seed: int) -> list[Generated]:
    """`count` identities, cycling through the templates; each valid with probability ½."""
    rng = random.Random(seed)
    out: list[Generated] = []
    order = list(TEMPLATES)
    i = 0
    while len(out) < count:
        if i % len(order) == 0:
            rng.shuffle(order)
        ident = order[i % len(order)](rng)
        i += 1
        if rng.random() < 0.5:
            out.append(Generated(ident.category, ident.template, ident.decls, tidy(ident.left),
                                 tidy(ident.right()), True, ""))
        else:
            kind, wrong = rng.choice(ident.mutations(rng))
            out.append(Generated(ident.category, ident.template, ident.decls, tidy(ident.left),
                                 tidy(wrong), False, kind))
    return out


def generated_source(items: list[Generated]) -> tuple[str, list[list[int]]]:
    """One .deriv text: a derivation per distinct declaration set, one chain per identity
    (chains of one derivation share its scope).  Returns the text and, per derivation in
    reading order, the indices of its identities."""
    groups: dict[tuple[str, ...], list[int]] = {}
    for i, g in enumerate(items):
        groups.setdefault(g.decls, []).append(i)
    lines, order = [], []
    for n, (decls, idx) in enumerate(groups.items()):
        lines.append(f"title: generated group {n + 1}")
        lines.extend(decls)
        lines.append("")
        for i in idx:
            lines.append(f"  {items[i].left}")
            lines.append(f"= {items[i].right}")
        lines.append("")
        order.append(idx)
    return "\n".join(lines), order


# ---------------------------------------------------------------------------
# Pairs


@dataclass
class Pair:
    source: str  # a file name, or "generated"
    label: str  # where it comes from: file:derivation:step, or category/template
    left_text: str
    right_text: str
    relation: str
    truth: bool | None  # None: not stated
    mutation: str
    group: str  # the unit that shares one Checker in the second pass
    # runtime (not serialised)
    prev: object = field(default=None, repr=False)
    cur: object = field(default=None, repr=False)
    scope: object = field(default=None, repr=False)
    # results
    dc_ms: float = 0.0
    dc_verdict: str = ""
    dc_reason: str = ""
    dc_stages: dict = field(default_factory=dict)
    shared_ms: float = 0.0
    shared_verdict: str = ""
    bl_ms: float = 0.0
    bl_status: str = ""  # proved / not proved / timeout / error
    bl_note: str = ""
    translate_ms: float = 0.0
    category: str = ""


def _file_truths(text: str, n_derivations: int) -> list[dict]:
    """Per derivation: {step index: True/False} from its `# expect:` lines; "valid"/"all steps
    hold" make every step True (key "*")."""
    lines = text.splitlines()
    titles = [i + 1 for i, s in enumerate(lines) if s.strip().startswith("title:")]
    out = [dict() for _ in range(max(n_derivations, 1))]
    for i, s in enumerate(lines, start=1):
        m = re.match(r"\s*#\s*expect:\s*(.*)$", s)
        if not m:
            continue
        after = [k for k, t in enumerate(titles) if t > i]
        k = after[0] if after else max(len(titles) - 1, 0)
        if k >= len(out):
            continue
        for clause in (c.strip() for c in m.group(1).split(";")):
            if clause in ("valid",) or clause.startswith("all steps hold"):
                out[k]["*"] = True
            mm = re.match(r"step (\d+) (refuted|proved|confirmed|holds)\b", clause)
            if mm:
                out[k][int(mm.group(1))] = mm.group(2) != "refuted"
    return out


def file_pairs() -> list[Pair]:
    from derivcheck.source import read_deriv

    pairs = []
    for path in sorted(DERIVATIONS.glob("*.deriv")):
        text = path.read_text(encoding="utf-8")
        parsed = read_deriv(text)
        truths = _file_truths(text, len(parsed.derivations))
        for k, (d, scope, broken) in enumerate(zip(parsed.derivations, parsed.scopes, parsed.broken)):
            t = truths[k] if k < len(truths) else {}
            for i in range(1, len(d.steps)):
                a, b = d.steps[i - 1], d.steps[i]
                if a.index in broken or b.index in broken:
                    continue
                truth = t.get(b.index, t.get("*"))
                pairs.append(Pair(path.name, f"{path.stem}:{k + 1}:step {b.index}", a.text, b.text,
                                  b.relation or "=", truth, "", f"{path.name}#{k}",
                                  prev=a.expr, cur=b.expr, scope=scope, category="file"))
    return pairs


def generated_pairs(count: int, seed: int) -> list[Pair]:
    from derivcheck.source import read_deriv

    items = generate(count, seed)
    text, order = generated_source(items)
    parsed = read_deriv(text)
    if parsed.diagnostics:
        for dg in parsed.diagnostics:
            print(f"generated text: {dg.line}:{dg.column}: {dg.message}", file=sys.stderr)
        raise SystemExit("the generated identities did not read cleanly (a generator bug)")
    flat = [i for idx in order for i in idx]
    if len(parsed.derivations) != len(flat):
        raise SystemExit(f"expected {len(flat)} chains, read {len(parsed.derivations)}")
    pairs = []
    group_of = {i: n for n, idx in enumerate(order) for i in idx}
    for i, d, scope, broken in zip(flat, parsed.derivations, parsed.scopes, parsed.broken):
        g = items[i]
        if len(d.steps) != 2 or broken or d.steps[0].text != g.left or d.steps[1].text != g.right:
            raise SystemExit(f"generated identity {i} was not read as written: {g.left} = {g.right}")
        pairs.append(Pair("generated", f"{g.category}/{g.template}", g.left, g.right, "=", g.valid,
                          g.mutation, f"generated#{group_of[i]}", prev=d.steps[0].expr,
                          cur=d.steps[1].expr, scope=scope, category=g.category))
    return pairs


# ---------------------------------------------------------------------------
# Timing


class Stages:
    """Wall time per stage of the engine's ladder, by wrapping the module functions the
    engine calls (no file outside bench/ is edited)."""

    def __init__(self):
        self.acc: dict[str, float] = defaultdict(float)

    def install(self):
        from derivcheck.verify import engine, numeric, symbolic

        def wrap(owner, name, label):
            original = getattr(owner, name)

            def timed(*a, **k):
                t0 = time.perf_counter()
                try:
                    return original(*a, **k)
                finally:
                    self.acc[label] += time.perf_counter() - t0

            setattr(owner, name, timed)

        wrap(numeric, "compare", "numeric")
        wrap(symbolic, "prove", "symbolic")
        wrap(engine.Checker, "side_notes", "side conditions")
        wrap(engine.Checker, "diagnose", "diagnosis")

    def reset(self):
        self.acc.clear()

    def snapshot(self) -> dict[str, float]:
        return {k: round(v * 1000, 3) for k, v in self.acc.items()}


def run_derivcheck(pair: Pair, checker=None) -> tuple[float, str, str]:
    from derivcheck.verify.engine import Checker, Options

    t0 = time.perf_counter()
    try:
        c = checker if checker is not None else Checker(pair.scope, Options())
        verdict, reason, *_ = c.check_pair(pair.prev, pair.cur, pair.relation)
        out = verdict.value, reason
    except Exception as e:  # noqa: BLE001 - a crash is a finding, not the end of the bench
        out = "error", f"{type(e).__name__}: {e}"
    return (time.perf_counter() - t0) * 1000, out[0], out[1]


def run_baseline(pair: Pair, cap: float) -> tuple[float, float, str, str]:
    """(translation ms, baseline ms, status, note); the status is proved / not proved /
    timeout / error."""
    import sympy
    from sympy.core.cache import clear_cache

    from derivcheck.scope import unfold
    from derivcheck.verify import budget
    from derivcheck.verify.symbolic import to_sympy

    t0 = time.perf_counter()
    try:
        left = to_sympy(unfold(pair.prev, pair.scope), pair.scope)
        right = to_sympy(unfold(pair.cur, pair.scope), pair.scope)
    except Exception as e:  # noqa: BLE001
        return (time.perf_counter() - t0) * 1000, 0.0, "error", f"translation: {type(e).__name__}: {e}"
    tr_ms = (time.perf_counter() - t0) * 1000
    clear_cache()
    t0 = time.perf_counter()
    try:
        with budget.alarm(time.monotonic() + cap):
            r = sympy.simplify((left - right).doit())
            proved = r == 0
        status, note = ("proved" if proved else "not proved"), ("" if proved else _short(str(r)))
    except budget.OutOfTime:
        status, note = "timeout", f"over {cap:g} s"
    except Exception as e:  # noqa: BLE001
        status, note = "error", f"{type(e).__name__}: {e}"
    ms = (time.perf_counter() - t0) * 1000
    if status == "timeout":
        ms = max(ms, cap * 1000)
    return tr_ms, ms, status, note


def _short(s: str, n: int = 100) -> str:
    return s if len(s) <= n else s[: n - 1] + "…"


def measure(pairs: list[Pair], cap: float, stages: Stages, progress: bool) -> None:
    from sympy.core.cache import clear_cache

    n = len(pairs)
    t_start = time.perf_counter()
    for i, p in enumerate(pairs):
        gc.collect()
        clear_cache()
        stages.reset()
        p.dc_ms, p.dc_verdict, p.dc_reason = run_derivcheck(p)
        p.dc_stages = stages.snapshot()
        gc.collect()
        p.translate_ms, p.bl_ms, p.bl_status, p.bl_note = run_baseline(p, cap)
        if progress and (i + 1) % 50 == 0:
            print(f"  … {i + 1}/{n} pairs ({time.perf_counter() - t_start:.0f} s)", file=sys.stderr)


def measure_shared(pairs: list[Pair]) -> None:
    """One Checker per derivation scope; sympy's cache cleared at the start of each group
    (a file, or a generated group), as one `derivcheck check` of that file would run."""
    from sympy.core.cache import clear_cache

    from derivcheck.verify.engine import Checker, Options

    by_group: dict[str, list[Pair]] = defaultdict(list)
    for p in pairs:
        by_group[p.group.split("#")[0] if p.source != "generated" else p.group].append(p)
    for group in by_group.values():
        clear_cache()
        gc.collect()
        checkers: dict[int, Checker] = {}
        for p in group:
            c = checkers.setdefault(id(p.scope), Checker(p.scope, Options()))
            p.shared_ms, p.shared_verdict, _ = run_derivcheck(p, c)


COLD_PROBE = r"""
import json, sys, time
t0 = time.perf_counter()
import sympy
t1 = time.perf_counter()
import derivcheck.cli, derivcheck.api, derivcheck.source
from derivcheck.verify import conditions, numeric, symbolic
from derivcheck.report import text as text_report
t2 = time.perf_counter()
from derivcheck import api
src = open(sys.argv[1], encoding="utf-8").read()
from derivcheck.source import read_deriv
read_deriv(src)
t3 = time.perf_counter()
before = set(sys.modules)
report = api.check_text(src, sys.argv[1])
t4 = time.perf_counter()
lazy = sorted(m for m in set(sys.modules) - before)
text_report.render(report, color=False)
t5 = time.perf_counter()
api.check_text(src, sys.argv[1])
t6 = time.perf_counter()
ms = lambda a, b: round((b - a) * 1000, 1)
print(json.dumps({"import sympy": ms(t0, t1), "import derivcheck (sympy already in)": ms(t1, t2),
                  "read the file": ms(t2, t3), "first check of the file": ms(t3, t4),
                  "render the report": ms(t4, t5), "second check (warm, same process)": ms(t5, t6),
                  "lazy imports during the first check": len(lazy),
                  "lazy top-level": sorted({".".join(m.split(".")[:2]) for m in lazy})[:20]}))
"""


def _derivcheck_command() -> list[str]:
    """The console script next to this interpreter (not a version-manager shim, whose own
    start-up would be counted), else `python -m derivcheck`."""
    here = Path(sys.executable).parent / "derivcheck"
    if here.exists():
        return [str(here)]
    exe = shutil.which("derivcheck")
    return [exe] if exe else [sys.executable, "-m", "derivcheck"]


def cold_cli(path: Path, repeats: int = 5) -> dict:
    cmd = _derivcheck_command() + ["check", str(path.relative_to(ROOT))]
    runs = {"check": [], "sympy": [], "python": []}
    argv = {"check": cmd, "sympy": [sys.executable, "-c", "import sympy"], "python": [sys.executable, "-c", "pass"]}
    rc = None
    for _ in range(repeats):  # interleaved, so that a change of machine load hits all three
        for k, a in argv.items():
            t0 = time.perf_counter()
            r = subprocess.run(a, capture_output=True, cwd=ROOT)
            runs[k].append((time.perf_counter() - t0) * 1000)
            if k == "check":
                rc = r.returncode
    check_ms, sympy_ms, python_ms = (min(runs[k]) for k in ("check", "sympy", "python"))
    breakdown = None
    try:
        r = subprocess.run([sys.executable, "-c", COLD_PROBE, str(path)], capture_output=True, text=True,
                           cwd=ROOT, timeout=120)
        breakdown = json.loads(r.stdout.strip().splitlines()[-1])
    except Exception as e:  # noqa: BLE001
        breakdown = {"error": f"{type(e).__name__}: {e}"}
    return {"command": " ".join([Path(cmd[0]).name] + cmd[1:]),
            "check_ms": round(check_ms, 1), "check_exit": rc, "import_sympy_ms": round(sympy_ms, 1),
            "python_startup_ms": round(python_ms, 1), "ratio": round(check_ms / sympy_ms, 2),
            "all_runs_ms": {k: [round(v) for v in vs] for k, vs in runs.items()},
            "breakdown": breakdown}


def profile_all(pairs: list[Pair], top: int = 40) -> str:
    """cProfile over the whole fresh-Checker pass (sympy's cache cleared per pair, as timed)."""
    from sympy.core.cache import clear_cache

    prof = cProfile.Profile()
    for p in pairs:
        clear_cache()
        prof.enable()
        run_derivcheck(p)
        prof.disable()
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out)
    st.sort_stats("cumulative").print_stats(
        r"derivcheck/|simplify|trigsimp|polytools.py.*cancel|expr.py.*expand|summations|exprtools|function.py", top)
    return "\n".join(line for line in out.getvalue().splitlines() if line.strip())


def profile_pair(p: Pair, top: int = 22) -> str:
    from sympy.core.cache import clear_cache

    clear_cache()
    gc.collect()
    prof = cProfile.Profile()
    prof.enable()
    run_derivcheck(p)
    prof.disable()
    out = io.StringIO()
    st = pstats.Stats(prof, stream=out)
    st.sort_stats("cumulative").print_stats(top)
    st.sort_stats("tottime").print_stats(12)
    text = out.getvalue()
    # keep the tables, drop pstats' preamble lines about the file
    return "\n".join(line for line in text.splitlines() if line.strip())


# ---------------------------------------------------------------------------
# Figures


def pct(values: list[float], q: float) -> float:
    """Linear-interpolated percentile (q in 0..100)."""
    if not values:
        return float("nan")
    s = sorted(values)
    k = (len(s) - 1) * q / 100
    lo = int(k)
    hi = min(lo + 1, len(s) - 1)
    return s[lo] + (s[hi] - s[lo]) * (k - lo)


def summary(values: list[float]) -> dict:
    return {"n": len(values), "median_ms": round(pct(values, 50), 2), "p95_ms": round(pct(values, 95), 2),
            "max_ms": round(max(values), 1) if values else None,
            "mean_ms": round(statistics.fmean(values), 2) if values else None}


def fmt_pair(p: Pair) -> str:
    truth = {True: "valid", False: f"WRONG ({p.mutation})" if p.mutation else "wrong", None: "?"}[p.truth]
    return f"[{p.label}; {truth}]  {p.left_text}  =  {p.right_text}"


def report(pairs: list[Pair], args, cold: dict | None, profiles: list[tuple[Pair, str]]) -> dict:
    dc = [p.dc_ms for p in pairs]
    bl = [p.bl_ms for p in pairs]
    sh = [p.shared_ms for p in pairs if p.shared_verdict]
    tr = [p.translate_ms for p in pairs]
    s_dc, s_bl, s_sh, s_tr = summary(dc), summary(bl), summary(sh), summary(tr)
    gen = [p for p in pairs if p.source == "generated"]
    files = [p for p in pairs if p.source != "generated"]
    ratio_med = s_bl["median_ms"] / s_dc["median_ms"] if s_dc["median_ms"] else float("nan")
    ratio_p95 = s_bl["p95_ms"] / s_dc["p95_ms"] if s_dc["p95_ms"] else float("nan")

    print()
    print("=" * 78)
    print(f"derivcheck per-step latency  (seed {args.seed}{', quick' if args.quick else ''}; "
          f"sympy cache cleared before each timed check; baseline cap {args.cap:g} s)")
    print("=" * 78)
    print(f"pairs: {len(pairs)}  ({len(files)} from {len({p.source for p in files})} files in derivations/, "
          f"{len(gen)} generated: {sum(p.truth is True for p in gen)} valid, "
          f"{sum(p.truth is False for p in gen)} mutated)")
    print()
    print(f"{'':34}{'median':>10}{'p95':>10}{'max':>10}{'mean':>10}")
    for name, s in (("derivcheck (fresh Checker/pair)", s_dc),
                    ("derivcheck (one Checker/file)", s_sh),
                    ("baseline simplify((a-b).doit())", s_bl),
                    ("  (baseline's translation, extra)", s_tr)):
        if not s["n"]:
            continue
        print(f"{name:34}{s['median_ms']:>8.2f}ms{s['p95_ms']:>8.1f}ms{s['max_ms']:>8.0f}ms{s['mean_ms']:>8.1f}ms")
    print(f"ratio baseline/derivcheck: median {ratio_med:.2f}×, p95 {ratio_p95:.2f}×")
    bl_counts = Counter(p.bl_status for p in pairs)
    print(f"baseline outcomes: " + ", ".join(f"{k} {v}" for k, v in sorted(bl_counts.items())))

    print()
    print("by category (derivcheck fresh | baseline), ms:")
    cats = defaultdict(list)
    for p in pairs:
        cats[p.category].append(p)
    by_cat = {}
    for cat, ps in sorted(cats.items()):
        a, b = summary([p.dc_ms for p in ps]), summary([p.bl_ms for p in ps])
        by_cat[cat] = {"derivcheck": a, "baseline": b}
        print(f"  {cat:14} n={len(ps):4}  derivcheck median {a['median_ms']:7.2f} p95 {a['p95_ms']:8.1f}   |"
              f"  baseline median {b['median_ms']:8.2f} p95 {b['p95_ms']:8.1f}")
    print("derivcheck by outcome (verdict / how it was proved), ms:")
    outcomes = defaultdict(list)
    for p in pairs:
        how = p.dc_reason if p.dc_verdict == "proved" else ""
        outcomes[(p.dc_verdict, how)].append(p.dc_ms)
    by_outcome = {}
    for (v, how), ts in sorted(outcomes.items(), key=lambda kv: -len(kv[1])):
        s_o = summary(ts)
        by_outcome[f"{v} {how}".strip()] = s_o
        label = f"{v} ({_short(how, 40)})" if how else v
        print(f"  {label:44} n={len(ts):4}  median {s_o['median_ms']:7.2f}  p95 {s_o['p95_ms']:7.1f}  "
              f"total {sum(ts) / 1000:5.1f} s")
    stage_tot = defaultdict(list)
    for p in pairs:
        for k in ("numeric", "symbolic", "side conditions", "diagnosis"):
            stage_tot[k].append(p.dc_stages.get(k, 0.0))
    print("derivcheck stages (ms per pair): " + "; ".join(
        f"{k} median {pct(v, 50):.2f} p95 {pct(v, 95):.1f} total {sum(v) / 1000:.1f}s" for k, v in stage_tot.items()))

    # verdicts against the truth
    print()
    print("derivcheck verdicts against the expected truth:")
    verdicts = ("proved", "confirmed", "refuted", "unknown", "error")
    table = {}
    for name, sel in (("valid", lambda p: p.truth is True), ("mutated/wrong", lambda p: p.truth is False),
                      ("not stated", lambda p: p.truth is None)):
        c = Counter(p.dc_verdict for p in pairs if sel(p))
        table[name] = dict(c)
        if sum(c.values()):
            print(f"  {name:14} " + "  ".join(f"{v} {c.get(v, 0):4}" for v in verdicts))
    false_ref = [p for p in pairs if p.truth is True and p.dc_verdict == "refuted"]
    false_proof = [p for p in pairs if p.truth is False and p.dc_verdict == "proved"]
    false_conf = [p for p in pairs if p.truth is False and p.dc_verdict == "confirmed"]
    shared_diff = [p for p in pairs if p.shared_verdict and p.shared_verdict != p.dc_verdict]
    print(f"false refutations of valid identities: {len(false_ref)}")
    for p in false_ref:
        print(f"    {fmt_pair(p)}")
    print(f"false PROOFS of wrong identities (must be none): {len(false_proof)}")
    for p in false_proof:
        print(f"    {fmt_pair(p)}  — {p.dc_reason}")
    print(f"wrong identities confirmed by random testing: {len(false_conf)}")
    for p in false_conf:
        print(f"    {fmt_pair(p)}  — {p.dc_reason}")
    if shared_diff:
        print(f"verdicts that differ between the fresh and the shared-Checker pass: {len(shared_diff)}")
        for p in shared_diff:
            print(f"    {p.dc_verdict} vs {p.shared_verdict}: {fmt_pair(p)}")
    unknown = [p for p in pairs if p.dc_verdict in ("unknown", "error")]
    if unknown:
        print(f"unknown / error verdicts: {len(unknown)}")
        for p in unknown:
            print(f"    {p.dc_verdict}: {fmt_pair(p)}  — {p.dc_reason}")

    # disagreements with the baseline
    print()
    print("disagreements between derivcheck and the baseline:")
    crit = [p for p in pairs if p.bl_status == "proved" and p.dc_verdict == "refuted"]
    bl_only = [p for p in pairs if p.bl_status == "proved" and p.dc_verdict in ("confirmed", "unknown", "error")]
    dc_only = [p for p in pairs if p.dc_verdict == "proved" and p.bl_status != "proved"]
    bl_wrong = [p for p in pairs if p.bl_status == "proved" and p.truth is False]
    print(f"  baseline proves, derivcheck REFUTES (must be none): {len(crit)}")
    for p in crit:
        print(f"    {fmt_pair(p)}")
    print(f"  baseline proves, derivcheck does not prove: {len(bl_only)}")
    for p in bl_only:
        print(f"    derivcheck {p.dc_verdict} ({_short(p.dc_reason, 60)}): {fmt_pair(p)}")
    print(f"  derivcheck proves, baseline does not: {len(dc_only)}  "
          f"({', '.join(f'{k} {v}' for k, v in sorted(Counter(p.bl_status for p in dc_only).items()))})")
    for p in dc_only:
        print(f"    baseline {p.bl_status} ({_short(p.bl_note, 50)}): {fmt_pair(p)}")
    print(f"  baseline proves an identity stated wrong (generator or sympy problem): {len(bl_wrong)}")
    for p in bl_wrong:
        print(f"    {fmt_pair(p)}")

    # the slowest
    print()
    print("slowest 10 derivcheck pairs (fresh Checker):")
    slow = sorted(pairs, key=lambda p: -p.dc_ms)[:10]
    for p in slow:
        stages = ", ".join(f"{k} {v:.0f}" for k, v in sorted(p.dc_stages.items(), key=lambda kv: -kv[1]))
        print(f"  {p.dc_ms:8.1f} ms  {p.dc_verdict:9} [{stages}] (baseline {p.bl_ms:.0f} ms, {p.bl_status})")
        print(f"               {fmt_pair(p)}")

    if cold:
        print()
        print(f"cold `{cold['command']}`: {cold['check_ms']:.0f} ms (best of 5, exit {cold['check_exit']}); "
              f"`python -c \"import sympy\"`: {cold['import_sympy_ms']:.0f} ms; ratio {cold['ratio']:.2f}× "
              f"(python startup alone {cold['python_startup_ms']:.0f} ms)")
        b = cold.get("breakdown") or {}
        if "error" in b:
            print(f"  breakdown failed: {b['error']}")
        elif b:
            print("  in one cold process: " + "; ".join(f"{k} {v} ms" for k, v in b.items()
                                                        if isinstance(v, float)))
            print(f"  modules first imported during the first check: {b['lazy imports during the first check']}"
                  f" ({', '.join(b['lazy top-level'])})")

    for p, text in profiles:
        print()
        print(f"cProfile of {p.dc_ms:.0f} ms pair: {fmt_pair(p)}")
        print(text)

    print()
    print("targets:")
    targets = {
        "derivcheck median <= 10 ms/step": (s_dc["median_ms"], s_dc["median_ms"] <= 10),
        "derivcheck p95 <= 100 ms/step": (s_dc["p95_ms"], s_dc["p95_ms"] <= 100),
        ">= 5x faster than the baseline at the median": (round(ratio_med, 2), ratio_med >= 5),
        "no false proof of a wrong identity": (len(false_proof), not false_proof),
        "no baseline-proved pair refuted": (len(crit), not crit),
    }
    if cold:
        targets["cold check <= 1.5x import sympy"] = (cold["ratio"], cold["ratio"] <= 1.5)
    for k, (v, ok) in targets.items():
        print(f"  {'met ' if ok else 'MISSED'}  {k}: {v}")

    def row(p: Pair) -> dict:
        d = {k: v for k, v in asdict(p).items() if k not in ("prev", "cur", "scope")}
        d["dc_ms"] = round(p.dc_ms, 3)
        d["bl_ms"] = round(p.bl_ms, 3)
        d["shared_ms"] = round(p.shared_ms, 3)
        d["translate_ms"] = round(p.translate_ms, 3)
        return d

    return {
        "seed": args.seed, "quick": args.quick, "pairs": len(pairs), "generated": len(gen), "file_pairs": len(files),
        "derivcheck": s_dc, "derivcheck_shared_checker": s_sh, "baseline": s_bl, "baseline_translation": s_tr,
        "ratio_median": round(ratio_med, 3), "ratio_p95": round(ratio_p95, 3),
        "baseline_outcomes": dict(bl_counts), "by_category": by_cat, "by_outcome": by_outcome,
        "verdicts_vs_truth": table,
        "false_refutations": [row(p) for p in false_ref], "false_proofs": [row(p) for p in false_proof],
        "false_confirmations": [row(p) for p in false_conf],
        "disagreements": {"baseline_proves_derivcheck_refutes": [row(p) for p in crit],
                          "baseline_proves_derivcheck_not": [row(p) for p in bl_only],
                          "derivcheck_proves_baseline_not": [row(p) for p in dc_only],
                          "baseline_proves_wrong": [row(p) for p in bl_wrong]},
        "slowest": [row(p) for p in slow], "cold": cold,
        "profiles": [{"pair": row(p), "profile": text} for p, text in profiles],
        "targets": {k: {"value": v, "met": ok} for k, (v, ok) in targets.items()},
        "all_pairs": [row(p) for p in pairs],
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--quick", action="store_true", help="fewer generated pairs (120 instead of 600)")
    ap.add_argument("--seed", type=int, default=0, help="seed of the identity generator")
    ap.add_argument("--count", type=int, default=None, help="number of generated identities")
    ap.add_argument("--json", metavar="FILE", help="write the figures (and every pair) to FILE")
    ap.add_argument("--cap", type=float, default=10.0, help="baseline time cap per pair, seconds")
    ap.add_argument("--profile", type=int, default=3, help="cProfile the N slowest pairs, one per template or file (0: none)")
    ap.add_argument("--profile-all", action="store_true",
                    help="also cProfile the whole derivcheck pass and print where the time goes")
    ap.add_argument("--no-cold", action="store_true", help="skip the cold-start subprocess timing")
    ap.add_argument("--no-shared", action="store_true", help="skip the shared-Checker pass")
    ap.add_argument("--list", action="store_true", help="print the generated identities and exit")
    args = ap.parse_args(argv)
    count = args.count if args.count is not None else (120 if args.quick else 600)

    if args.list:
        for g in generate(count, args.seed):
            print(f"{'valid' if g.valid else 'WRONG':5} {g.category}/{g.template:24} {g.left}  =  {g.right}"
                  + (f"   [{g.mutation}]" if g.mutation else ""))
        return 0

    t0 = time.perf_counter()
    import sympy  # noqa: F401  (imported before timing: the import is not a step's cost)

    from derivcheck.verify import numeric, symbolic  # noqa: F401

    pairs = file_pairs() + generated_pairs(count, args.seed)
    print(f"{len(pairs)} pairs collected; measuring …", file=sys.stderr)
    stages = Stages()
    stages.install()
    # warm-up: the first check pays one-off imports and lazily built tables
    run_derivcheck(pairs[0])
    run_baseline(pairs[0], args.cap)
    measure(pairs, args.cap, stages, progress=True)
    if not args.no_shared:
        measure_shared(pairs)
    cold = None if args.no_cold else cold_cli(DERIVATIONS / "policy_gradient.deriv")
    profiles = []
    seen = set()
    for p in sorted(pairs, key=lambda p: -p.dc_ms):  # the slowest, one per kind of step
        kind = p.label if p.source == "generated" else p.source
        if len(profiles) >= args.profile or kind in seen:
            continue
        seen.add(kind)
        profiles.append((p, profile_pair(p)))
    # the profiles go in the JSON too

    aggregate = profile_all(pairs) if args.profile_all else ""
    figures = report(pairs, args, cold, profiles)
    if aggregate:
        print()
        print("cProfile over every pair (fresh Checker; cProfile inflates the times about 2×):")
        print(aggregate)
        figures["profile_all"] = aggregate
    figures["wall_s"] = round(time.perf_counter() - t0, 1)
    print(f"\n(total wall time {figures['wall_s']:.0f} s)")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        print(f"figures written to {args.json}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
