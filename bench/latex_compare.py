"""LaTeX readers compared: derivcheck, sympy's parse_latex (lark and antlr backends), latex2sympy2.

Run on demand from the repository root (never part of the test suite):

    pip install '.[bench]'                  # sympy's antlr backend (antlr4-python3-runtime 4.11)
    pip install '.[bench-latex2sympy2]'     # in a second environment: it pins antlr4 4.7.2
    python bench/latex_compare.py           # every reader importable from this interpreter
    python bench/latex_compare.py --antlr-python /venv-antlr/bin/python \\
                                  --latex2sympy-python /venv-l2s/bin/python --json out.json

latex2sympy2 pins antlr4-python3-runtime 4.7.2 and sympy's antlr backend needs 4.11, so the
two cannot share one environment: each foreign reader runs in a worker process
(`--worker NAME`, this same file) under the interpreter given for it (default: this one).

The table: LaTeX inputs from this field (RL and ML notes, calculus and algebra), each with
its intended meaning twice over — a plain-notation spelling with declarations, which
derivcheck's reading of the LaTeX must equal (the resolved trees are compared), and a sympy
expression built by constructors, which a foreign reader's output must equal (after
names are normalised: `\\theta`/`theta`, `r_{t}`/`r_t`, `Pr_{theta}(tau)`/`Pr(theta, tau)`,
then `==` or `simplify(a - b) == 0`).  Where sympy has no expression for the meaning
(a sum over an abstract set, an expectation, a gradient of an abstract function written
`\\nabla_\\theta`), the sympy meaning is None: a foreign reader may parse the input, but
can never read it correctly.  Counted per reader: parsed, parsed correctly, time per line.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import dataclass

RL = ("θ, θ_ref: real", "τ: index", "Pr_θ(τ): distribution over τ", "R(τ): real")
POLICY = ("θ: real", "a, b: index over A", "s: real", "π_θ(a∣s): distribution over a", "Q(s, a): real")
TRAJ = ("θ: real", "τ: index", "p_θ(τ): distribution over τ", "r(τ): real")
SEQ = ("t, t', T, n, i, j, k: natural", "s_t, a_t, r_t, x_i: sequence", "γ: real")


@dataclass(frozen=True)
class Case:
    latex: str
    plain: str
    lets: tuple[str, ...] = ()
    sympy: object = None  # a function of the helper namespace `m`, or None: no sympy form


class _M:
    """Constructors for the sympy meanings (names as sympy's readers spell them)."""

    def __init__(self, sp):
        self.sp = sp

    def __getattr__(self, name):
        return self.sp.Symbol(name)

    def F(self, name, *args):
        return self.sp.Function(name)(*args)

    def D(self, expr, var, n=1):
        return self.sp.Derivative(expr, *([var] * n))


def C(latex, plain, lets=(), sympy=None):
    return Case(latex, plain, tuple(lets), sympy)


CASES = [
    # the twelve fragments of the policy-gradient derivation (the issue's own test)
    C(r"\nabla_\theta J(\theta)", "∇_θ J(θ)", (), lambda m: m.D(m.F("J", m.theta), m.theta)),
    C(r"\nabla_\theta \sum_{\tau} \Pr_\theta(\tau) R(\tau)", "∇_θ Σ_τ Pr_θ(τ) R(τ)", RL),
    C(r"\sum_{\tau} \nabla_\theta \Pr_\theta(\tau) R(\tau)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)", RL),
    C(r"\sum_{\tau} \Pr_\theta(\tau) \frac{\nabla_\theta \Pr_\theta(\tau)}{\Pr_\theta(\tau)} R(\tau)",
      "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)", RL),
    C(r"\sum_{\tau} \Pr_\theta(\tau) \nabla_\theta \log \Pr_\theta(\tau) R(\tau)",
      "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)", RL),
    C(r"\mathbb{E}_{\tau \sim \Pr_\theta}\left[ \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \right]",
      "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]", RL),
    C(r"\mathbb{E}_{\tau \sim \pi_\theta}[R(\tau)]", "E_{τ~π_θ}[R(τ)]",
      ("θ: real", "τ: index", "π_θ(τ): distribution over τ", "R(τ): real")),
    C(r"\frac{\partial \log \Pr_\theta(\tau)}{\partial \theta}", "∂log Pr_θ(τ)/∂θ", RL,
      lambda m: m.D(m.sp.log(m.F("Pr", m.theta, m.tau)), m.theta)),
    C(r"\frac{\partial J(\theta)}{\partial \theta}", "∂J(θ)/∂θ", (), lambda m: m.D(m.F("J", m.theta), m.theta)),
    C(r"\sum_{\tau} \frac{\partial \Pr_\theta(\tau)}{\partial \theta} R(\tau)", "Σ_τ ∂Pr_θ(τ)/∂θ R(τ)", RL),
    C(r"\nabla_\theta \log \Pr_\theta(\tau)", "∇_θ log Pr_θ(τ)", RL,
      lambda m: m.D(m.sp.log(m.F("Pr", m.theta, m.tau)), m.theta)),
    C(r"\mathbb{E}_{\tau \sim \Pr_\theta}\left[ R(\tau) \right]", "E_{τ~Pr_θ}[R(τ)]", RL),
    # expectations as real notes write them
    C(r"\operatorname{E}_{\tau \sim \Pr_\theta}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    C(r"\mathop{\mathbb{E}}_{\tau \sim \Pr_\theta}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    C(r"\underset{\tau \sim \Pr_\theta}{\mathrm{E}}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    C(r"\mathbb{E}_{a \sim \pi_\theta(\cdot \mid s)}[Q(s, a)]", "E_{a~π_θ(·|s)}[Q(s, a)]", POLICY),
    C(r"\mathbb{E}_{\tau \sim p_\theta(\tau)}\left[ r(\tau) \right]", "E_{τ~p_θ}[r(τ)]", TRAJ),
    C(r"\mathbb{E}_{x \sim p}[f(x) + g(x)]", "E_{x~p}[f(x) + g(x)]", ("x: index", "p(x): distribution over x")),
    # sums and products
    C(r"\sum_{t=0}^{T-1} r_t", "Σ_{t=0}^{T-1} r_t", SEQ,
      lambda m: m.sp.Sum(m.F("r", m.t), (m.t, 0, m.T - 1))),
    C(r"\sum_{t=0}^{T-1} \gamma^t r_t", "Σ_{t=0}^{T-1} γ^t r_t", SEQ,
      lambda m: m.sp.Sum(m.gamma ** m.t * m.F("r", m.t), (m.t, 0, m.T - 1))),
    C(r"\sum_{k=1}^{n} k", "Σ_{k=1}^{n} k", SEQ, lambda m: m.sp.Sum(m.k, (m.k, 1, m.n))),
    C(r"\sum_{k=1}^{n} (2k + 3)", "Σ_{k=1}^{n} (2k + 3)", SEQ, lambda m: m.sp.Sum(2 * m.k + 3, (m.k, 1, m.n))),
    C(r"\prod_{t=0}^{T-1} \pi_\theta(a_t \mid s_t)", "Π_{t=0}^{T-1} π_θ(a_t∣s_t)", SEQ + ("π_θ(a∣s): distribution over a",)),
    C(r"\sum_{t'=t}^{T-1} \gamma^{t'-t} r_{t'}", "Σ_{t'=t}^{T-1} γ^(t'−t) r_{t'}", SEQ),
    C(r"\frac{1}{n} \sum_{i=1}^{n} x_i", "(1/n) Σ_{i=1}^{n} x_i", SEQ,
      lambda m: m.sp.Sum(m.F("x", m.i), (m.i, 1, m.n)) / m.n),
    C(r"\sum_{j=1, j \neq i}^{n} x_j", "Σ_{j=1, j≠i}^{n} x_j", SEQ),
    C(r"\sum_{x \in \mathcal{D}} f(x)", "Σ_{x ∈ D} f(x)"),
    C(r"\sum_\tau P(\tau \mid \theta) R(\tau)", "Σ_τ P(τ|θ) R(τ)", ("θ: real", "τ: index", "P(τ∣θ): distribution over τ", "R(τ): real")),
    C(r"\sum_\tau p_\theta(\tau) r(\tau)", "Σ_τ p_θ(τ) r(τ)", TRAJ),
    C(r"-\sum_x p(x) \log p(x)", "−Σ_x p(x) log p(x)", ("x: index", "p(x): distribution over x")),
    C(r"\sum_x p(x) \log \frac{p(x)}{q(x)}", "Σ_x p(x) log(p(x)/q(x))", ("x: index", "p(x), q(x): distribution over x")),
    C(r"\sum_{a} \pi_\theta(a \mid s) \, Q(s, a)", "Σ_a π_θ(a∣s) Q(s, a)", POLICY),
    # derivatives
    C(r"\frac{d}{dx} x^2", "d/dx x^2", (), lambda m: m.D(m.x ** 2, m.x)),
    C(r"\frac{d}{dx} \sin(x^3)", "d/dx sin(x^3)", (), lambda m: m.D(m.sp.sin(m.x ** 3), m.x)),
    C(r"\frac{d}{d\theta} J(\theta)", "d/dθ J(θ)", (), lambda m: m.D(m.F("J", m.theta), m.theta)),
    C(r"\frac{\mathrm{d}}{\mathrm{d}x} \sin x", "d/dx sin x", (), lambda m: m.D(m.sp.sin(m.x), m.x)),
    C(r"\frac{d^2}{dx^2} x^3", "d/dx d/dx x^3", (), lambda m: m.D(m.x ** 3, m.x, 2)),
    C(r"\frac{dy}{dx}", "d/dx y", (), lambda m: m.D(m.y, m.x)),
    C(r"\frac{\partial f(x, y)}{\partial y}", "∂f(x, y)/∂y", (), lambda m: m.D(m.F("f", m.x, m.y), m.y)),
    C(r"\frac{\partial}{\partial \theta} \log \pi_\theta(a \mid s)", "∂/∂θ log π_θ(a∣s)", POLICY),
    C(r"\partial_\theta J(\theta)", "∂_θ J(θ)", (), lambda m: m.D(m.F("J", m.theta), m.theta)),
    C(r"\frac{d}{dx} \left( f(x) g(x) \right)", "d/dx (f(x) g(x))", (), lambda m: m.D(m.F("f", m.x) * m.F("g", m.x), m.x)),
    C(r"\frac{d}{dw} \log(1 + e^{-w x})", "d/dw log(1 + e^(−w x))", (),
      lambda m: m.D(m.sp.log(1 + m.sp.exp(-m.w * m.x)), m.w)),
    C(r"\nabla_\theta \log \pi_\theta(a_t|s_t)", "∇_θ log π_θ(a_t|s_t)", SEQ + ("π_θ(a∣s): distribution over a",)),
    # integrals
    C(r"\int_0^1 x^2 \,dx", "∫_0^1 x^2 dx", (), lambda m: m.sp.Integral(m.x ** 2, (m.x, 0, 1))),
    C(r"\int_{0}^{1} (3x^2 + 2x) \, \mathrm{d}x", "∫_0^1 (3x^2 + 2x) dx", (),
      lambda m: m.sp.Integral(3 * m.x ** 2 + 2 * m.x, (m.x, 0, 1))),
    C(r"\int_0^2 x^3 dx", "∫_0^2 x^3 dx", (), lambda m: m.sp.Integral(m.x ** 3, (m.x, 0, 2))),
    C(r"\int_\tau \Pr_\theta(\tau) R(\tau) d\tau", "∫_τ Pr_θ(τ) R(τ) dτ", RL),
    C(r"\int p_\theta(\tau) \nabla_\theta \log p_\theta(\tau) r(\tau) \, d\tau",
      "∫ p_θ(τ) ∇_θ log p_θ(τ) r(τ) dτ", TRAJ),
    # conditionals, names, decorations
    C(r"P(\tau|\theta)", "P(τ|θ)", ("θ: real", "τ: index", "P(τ∣θ): distribution over τ")),
    C(r"\pi_\theta(a \mid s)", "π_θ(a∣s)", POLICY),
    C(r"\frac{\pi_\theta(a \mid s)}{\pi_{\theta_{\text{old}}}(a \mid s)} \hat{A}",
      "π_θ(a∣s)/π_{θ_old}(a∣s) A_hat", POLICY + ("θ_old: real",)),
    C(r"\theta_{\text{ref}} + \theta_{old}", "θ_ref + θ_old", (),
      lambda m: m.sp.Symbol("theta_ref") + m.sp.Symbol("theta_old")),
    C(r"\theta' + \bar{x}", "θ' + x_bar", ()),
    C(r"\Pr_\theta(\tau)", "Pr_θ(τ)", RL, lambda m: m.F("Pr", m.theta, m.tau)),
    C(r"R(\tau) + 1", "R(τ) + 1", RL, lambda m: m.F("R", m.tau) + 1),
    C(r"P(\tau \mid \theta) P(s' \mid s, a)", "P(τ∣θ) P(s'∣s, a)",
      ("θ: real", "τ: index", "P(τ∣θ): distribution over τ", "P(s'∣s, a): positive")),
    C(r"\nabla_\theta \log \Pr_\theta(\tau) \Big|_{\theta=\theta_{\text{ref}}}", "(∇_θ log Pr_θ(τ))|_{θ=θ_ref}", RL),
    C(r"\left. \frac{d}{dx} x^3 \right|_{x=2}", "(d/dx x^3)|_{x=2}", (),
      lambda m: m.sp.Subs(m.D(m.x ** 3, m.x), m.x, 2)),
    C(r"(x^3 + x^2) \Big|_{x=1}", "(x^3 + x^2)|_{x=1}", (), lambda m: m.sp.Subs(m.x ** 3 + m.x ** 2, m.x, 1)),
    C(r"\cancel{x} y", "x y", (), lambda m: m.x * m.y),
    C(r"p_\theta (\tau)", "p_θ(τ)", TRAJ, lambda m: m.F("p", m.theta, m.tau)),
    C(r"\exp\left( \theta^\top \phi(a) \right)", "exp(θ φ(a))", ("θ: real", "a: index", "φ(a): real"),
      lambda m: m.sp.exp(m.theta * m.F("phi", m.a))),
    C(r"\frac{\exp(\theta \phi(a))}{\sum_b \exp(\theta \phi(b))}", "exp(θ φ(a)) / Σ_b exp(θ φ(b))",
      ("θ: real", "a, b: index over A", "φ(a): real")),
    # algebra, logarithms and the elementary functions
    C(r"\frac{1}{x} + \frac{1}{x + 1}", "1/x + 1/(x + 1)", (), lambda m: 1 / m.x + 1 / (m.x + 1)),
    C(r"\frac{x + 1 + x}{x(x + 1)}", "(x + 1 + x)/(x(x + 1))", ("x: real",),
      lambda m: (2 * m.x + 1) / (m.x * (m.x + 1))),
    C(r"(a + b)^2", "(a + b)^2", (), lambda m: (m.a + m.b) ** 2),
    C(r"a^2 + 2 a b + b^2", "a^2 + 2 a b + b^2", (), lambda m: m.a ** 2 + 2 * m.a * m.b + m.b ** 2),
    C(r"(x^2)^3 / x^2", "(x^2)^3 / x^2", (), lambda m: m.x ** 4),
    C(r"2x^2 + 8x + 3", "2x^2 + 8x + 3", ("x: real",), lambda m: 2 * m.x ** 2 + 8 * m.x + 3),
    C(r"\frac{(x - 1)(x + 1)}{x - 1}", "((x − 1)(x + 1))/(x − 1)", ("x: real",), lambda m: m.x + 1),
    C(r"\log(x^3 y / \sqrt{z})", "log(x^3 y / sqrt(z))", ("x, y, z: positive",),
      lambda m: m.sp.log(m.x ** 3 * m.y / m.sp.sqrt(m.z))),
    C(r"3 \log x + \log y - \frac{1}{2} \log z", "3 log x + log y − (1/2) log z", (),
      lambda m: 3 * m.sp.log(m.x) + m.sp.log(m.y) - m.sp.log(m.z) / 2),
    C(r"\log_2(8x)", "log_2(8x)", ("x: positive",), lambda m: m.sp.log(8 * m.x, 2)),
    C(r"\ln(e^{3t})", "ln(e^(3t))", (), lambda m: m.sp.log(m.sp.exp(3 * m.t))),
    C(r"\exp(2 \log x + \log y)", "exp(2 log x + log y)", (), lambda m: m.sp.exp(2 * m.sp.log(m.x) + m.sp.log(m.y))),
    C(r"\sqrt{x^2 + 4x + 4} - 2", "sqrt(x^2 + 4x + 4) − 2", ("x: real",),
      lambda m: m.sp.sqrt(m.x ** 2 + 4 * m.x + 4) - 2),
    C(r"\sqrt[3]{x}", "root(3, x)", (), lambda m: m.sp.root(m.x, 3)),
    C(r"\sin^2 x + \cos^2 x", "sin^2 x + cos^2 x", (), lambda m: m.sp.sin(m.x) ** 2 + m.sp.cos(m.x) ** 2),
    C(r"2 \sin x \cos x", "2 sin x cos x", (), lambda m: 2 * m.sp.sin(m.x) * m.sp.cos(m.x)),
    C(r"\frac{1 - \cos(2x)}{2}", "(1 − cos(2x))/2", (), lambda m: (1 - m.sp.cos(2 * m.x)) / 2),
    C(r"1 + \tan(x)^2", "1 + tan(x)^2", (), lambda m: 1 + m.sp.tan(m.x) ** 2),
    C(r"|x - 2|", "|x − 2|", (), lambda m: m.sp.Abs(m.x - 2)),
    C(r"\left| u \right|^2", "|u|^2", (), lambda m: m.sp.Abs(m.u) ** 2),
    C(r"\binom{n}{k} p^k (1 - p)^{n - k}", "binom(n, k) p^k (1 − p)^(n − k)", (),
      lambda m: m.sp.binomial(m.n, m.k) * m.p ** m.k * (1 - m.p) ** (m.n - m.k)),
    C(r"n! / (k! (n - k)!)", "n! / (k! (n − k)!)", (),
      lambda m: m.sp.factorial(m.n) / (m.sp.factorial(m.k) * m.sp.factorial(m.n - m.k))),
    C(r"0.7 \cdot 20 + 0.3 \cdot (-10)", "0.7·20 + 0.3·(−10)", (), lambda m: m.sp.Rational(11)),
    C(r"99 \times 101", "99 × 101", (), lambda m: m.sp.Integer(9999)),
    C(r"\frac{k}{\theta} - \frac{n - k}{1 - \theta}", "k/θ − (n − k)/(1 − θ)", (),
      lambda m: m.k / m.theta - (m.n - m.k) / (1 - m.theta)),
    C(r"\frac{1}{1 + e^{-z}}", "1/(1 + e^(−z))", (), lambda m: 1 / (1 + m.sp.exp(-m.z))),
    C(r"\big( y - \sigma(w x) \big) x", "(y − σ(w x)) x", (), lambda m: (m.y - m.F("sigma", m.w * m.x)) * m.x),
    C(r"\left[ x^2 - 2 \mu x + \mu^2 \right]", "(x^2 − 2μ x + μ^2)", (),
      lambda m: m.x ** 2 - 2 * m.mu * m.x + m.mu ** 2),
    C(r"e^{i \pi} + 1", "e^(i π) + 1", ("i: real",), None),
]


# ---------------------------------------------------------------------------
# derivcheck's reader


def run_derivcheck(cases: list[Case]) -> list[dict]:
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    from derivcheck.syntax.latex_readings import readings
    from derivcheck.semantics import Resolver
    from derivcheck.source import read_deriv
    from derivcheck.syntax import latex

    def meaning(case: Case):
        parsed = read_deriv("title: t\n" + "".join(f"let {d}\n" for d in case.lets) + f"  {case.plain}\n")
        return parsed.derivations[0].steps[0].expr, parsed.scopes[0]

    latex.parse_chain("x")  # the grammar is built (or loaded) once, outside the timings
    out = []
    for case in cases:
        want, _ = meaning(case)
        # the same declarations, without what reading the plain spelling assumed
        local = read_deriv("".join(f"let {d}\n" for d in case.lets) + "title: t\n  0\n").scopes[0]
        notes: list[str] = []
        start = time.perf_counter()
        try:
            (raw,), _ = latex.parse_chain(case.latex, labels=frozenset())
            got = Resolver(local, notes).resolve(readings(raw, local, notes))
            seconds = time.perf_counter() - start
            out.append({"parsed": True, "correct": got == want, "seconds": seconds, "error": ""})
        except Exception as e:  # the bench reports, it does not stop
            seconds = time.perf_counter() - start
            message = getattr(e, "diagnostic", None)
            out.append({"parsed": False, "correct": False, "seconds": seconds,
                        "error": message.message if message else f"{type(e).__name__}: {e}"})
    return out


def derivcheck_throughput(repeat: int = 3) -> dict:
    """Lines of LaTeX math per second: every .tex/.md twin under derivations/, read whole."""
    root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    from derivcheck.documents import read_document

    docs = []
    for name in sorted(os.listdir(os.path.join(root, "derivations"))):
        if name.endswith((".tex", ".md")):
            with open(os.path.join(root, "derivations", name), encoding="utf-8") as f:
                docs.append((f.read(), "md" if name.endswith(".md") else "tex"))
    steps = sum(len(d.steps) for text, kind in docs for d in read_document(text, kind).derivations)
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for text, kind in docs:
            read_document(text, kind)
        best = min(best, time.perf_counter() - start)
    return {"documents": len(docs), "step_lines": steps, "seconds": best, "lines_per_second": steps / best}


# ---------------------------------------------------------------------------
# Foreign readers, each in a worker process


def _normalise(sp, expr):
    """Names as the readers spell them, brought to one form: `\\theta`, `theta_{ref}`, `Pr_{theta}(tau)`."""
    from sympy.core.function import AppliedUndef

    greek = {"θ": "theta", "τ": "tau", "π": "pi", "γ": "gamma", "μ": "mu", "σ": "sigma", "φ": "phi"}

    def clean(name: str) -> str:
        name = name.replace("\\", "").replace("{", "").replace("}", "").replace("mathrm", "").replace("text", "")
        for k, v in greek.items():
            name = name.replace(k, v)
        return name

    def walk(e):
        if isinstance(e, sp.Symbol):
            return sp.Symbol(clean(e.name))
        if isinstance(e, AppliedUndef):
            name = clean(type(e).__name__)
            args = [walk(a) for a in e.args]
            if "_" in name:
                base, sub = name.split("_", 1)
                return sp.Function(base)(sp.Symbol(sub), *args)
            return sp.Function(name)(*args)
        if not e.args:
            return e
        return e.func(*[walk(a) for a in e.args])

    return walk(expr)


def _same(sp, got, want) -> bool:
    if want is None or not isinstance(got, sp.Basic):
        return False
    got, want = _normalise(sp, got), _normalise(sp, want)
    if got == want:
        return True
    try:
        return sp.simplify(got.doit() - want.doit()) == 0
    except Exception:
        return False


class _Timeout(Exception):
    pass


def _alarm(signum, frame):
    raise _Timeout()


def worker(name: str) -> None:
    """Parse every case with the reader `name`, judge it against its sympy meaning, print JSON."""
    import sympy as sp

    refresh = None
    if name == "latex2sympy2":
        import functools
        import importlib

        import latex2sympy2

        # latex2sympy2 keeps module-level state that one input can corrupt for the next
        # (`var` becomes a Symbol): each input gets a freshly loaded module, untimed
        refresh = functools.partial(importlib.reload, latex2sympy2)

        def parse(text):
            return latex2sympy2.latex2sympy(text)
    else:
        from sympy.parsing.latex import parse_latex

        backend = name.split("-", 1)[1]

        def parse(text):
            return parse_latex(text, backend=backend)
    m = _M(sp)
    signal.signal(signal.SIGALRM, _alarm)
    try:
        parse("x + 1")  # a reader that builds its grammar on first use does it here, untimed
    except Exception:
        pass
    out = []
    for case in CASES:
        if refresh is not None:
            refresh()
        start = time.perf_counter()
        signal.alarm(10)
        try:
            got = parse(case.latex)
            seconds = time.perf_counter() - start
            parsed = isinstance(got, sp.Basic)  # lark's backend may hand back an `_ambig` tree
            correct = parsed and _same(sp, got, case.sympy(m) if case.sympy else None)
            out.append({"parsed": parsed, "correct": bool(correct), "seconds": seconds,
                        "error": "" if parsed else f"not an expression: {type(got).__name__}"})
        except (Exception, _Timeout) as e:
            out.append({"parsed": False, "correct": False, "seconds": time.perf_counter() - start,
                        "error": f"{type(e).__name__}"})
        finally:
            signal.alarm(0)
    json.dump(out, sys.stdout)


def run_worker(name: str, python: str) -> list[dict] | str:
    proc = subprocess.run([python, os.path.abspath(__file__), "--worker", name], capture_output=True,
                          text=True, timeout=1800)
    if proc.returncode != 0:
        last = (proc.stderr.strip().splitlines() or ["failed"])[-1]
        return f"not installable here ({last})"
    return json.loads(proc.stdout)


def summary(results: list[dict]) -> dict:
    parsed = sum(r["parsed"] for r in results)
    correct = sum(r["correct"] for r in results)
    seconds = sum(r["seconds"] for r in results)
    return {"inputs": len(results), "parsed": parsed, "correct": correct,
            "ms_per_line": 1000 * seconds / len(results), "lines_per_second": len(results) / seconds if seconds else 0}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--worker", help=argparse.SUPPRESS)
    ap.add_argument("--lark-python", default=sys.executable, help="interpreter for sympy's lark backend")
    ap.add_argument("--antlr-python", default=sys.executable, help="interpreter for sympy's antlr backend (antlr4 4.11)")
    ap.add_argument("--latex2sympy-python", default=sys.executable, help="interpreter with latex2sympy2")
    ap.add_argument("--json", help="also write every result to this file")
    ap.add_argument("--show", action="store_true", help="list each input with each reader's outcome")
    args = ap.parse_args()
    if args.worker:
        worker(args.worker)
        return

    results = {"derivcheck": run_derivcheck(CASES)}
    for name, python in (("sympy-lark", args.lark_python), ("sympy-antlr", args.antlr_python),
                         ("latex2sympy2", args.latex2sympy_python)):
        results[name] = run_worker(name, python)
    print(f"{len(CASES)} LaTeX inputs with intended meanings "
          f"({sum(c.sympy is not None for c in CASES)} of them expressible in sympy)\n")
    print(f"{'reader':<14} {'parsed':>7} {'correct':>8} {'ms/line':>9} {'lines/s':>9}")
    for name, res in results.items():
        if isinstance(res, str):
            print(f"{name:<14} {res}")
            continue
        s = summary(res)
        print(f"{name:<14} {s['parsed']:>7} {s['correct']:>8} {s['ms_per_line']:>9.3f} {s['lines_per_second']:>9.0f}")
    t = derivcheck_throughput()
    print(f"\nderivcheck reading whole documents: {t['step_lines']} step lines in {t['documents']} "
          f".tex/.md files, {t['lines_per_second']:.0f} lines/s (best of 3, grammar built)")
    if args.show:
        print()
        for k, case in enumerate(CASES):
            marks = " ".join(
                ("-" if isinstance(r, str) else "✓" if r[k]["correct"] else "~" if r[k]["parsed"] else "✗")
                for r in results.values())
            print(f"{marks}  {case.latex}")
        print("\ncolumns: " + ", ".join(results) + "  (✓ correct, ~ parsed wrongly, ✗ not parsed)")
    wrong = [c.latex for c, r in zip(CASES, results["derivcheck"]) if not r["correct"]]
    if wrong:
        print("\nderivcheck misread:", *wrong, sep="\n  ")
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"cases": [c.latex for c in CASES], "results": results, "throughput": t}, f,
                      ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
