"""Every row of NOTATION.md §4 and every item of §5: a LaTeX input means what its plain spelling means.

Each case reads a one-block .tex document (`% let` lines and an equation `LATEX = 0`)
through the whole document pipeline and compares the resolved tree of its first step
with the resolved tree of the plain spelling read from a .deriv text with the same
declarations — or, where no plain spelling exists (`x^*`), with a tree built by hand.
Variants are collected from public RL and ML notes (policy-gradient lecture notes,
PPO/TRPO papers, textbooks on expectation and estimation), which write one thing many ways.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from derivcheck import ast as A
from derivcheck.documents import read_document
from derivcheck.source import read_deriv

RL = ("θ, θ_ref: real", "τ: index", "Pr_θ(τ): distribution over τ", "R(τ): real")
POLICY = ("θ: real", "a, b: index over A", "s: real", "π_θ(a∣s): distribution over a", "Q(s, a): real")
TRAJ = ("θ: real", "τ: index", "p_θ(τ): distribution over τ", "r(τ): real")
SEQ = ("t, t', T, n, i, j: natural", "s_t, a_t, r_t, x_i: sequence", "γ: real")


def tex(latex: str, lets=()) -> A.Node:
    """The resolved first step of `\\begin{equation} latex = 0 \\end{equation}`."""
    text = "".join(f"% let {d}\n" for d in lets) + "\\begin{equation}\n" + latex + " = 0\n\\end{equation}\n"
    parsed = read_document(text, "tex")
    assert parsed.diagnostics == [], parsed.diagnostics
    assert len(parsed.derivations) == 1
    return parsed.derivations[0].steps[0].expr


def plain(expr: str, lets=()) -> A.Node:
    parsed = read_deriv("title: t\n" + "".join(f"let {d}\n" for d in lets) + f"  {expr}\n")
    assert parsed.diagnostics == [], parsed.diagnostics
    return parsed.derivations[0].steps[0].expr


# (LaTeX, plain, declarations): §4 row by row, then §5, then variants from real notes
SAME = [
    # §4 gradient
    (r"\nabla_\theta J(\theta)", "∇_θ J(θ)", ()),
    (r"\nabla_{\theta} J(\theta)", "∇_θ J(θ)", ()),
    (r"\nabla_\theta \sum_\tau \Pr_\theta(\tau) R(\tau)", "∇_θ Σ_τ Pr_θ(τ) R(τ)", RL),
    # §4 sums
    (r"\sum_{\tau} \Pr_\theta(\tau) R(\tau)", "Σ_τ Pr_θ(τ) R(τ)", RL),
    (r"\sum_\tau \Pr_\theta(\tau) R(\tau) + 1", "Σ_τ Pr_θ(τ) R(τ) + 1", RL),
    (r"\sum_{t=0}^{T-1} r_t", "Σ_{t=0}^{T-1} r_t", SEQ),
    (r"\sum\limits_{t=0}^{T-1} \gamma^t r_t", "Σ_{t=0}^{T-1} γ^t r_t", SEQ),
    (r"\prod_{t=0}^{T-1} \pi_\theta(a_t \mid s_t)", "Π_{t=0}^{T-1} π_θ(a_t∣s_t)", SEQ + ("π_θ(a∣s): distribution over a",)),
    # §4 expectations
    (r"\mathbb{E}_{\tau \sim \Pr_\theta}\left[ R(\tau) \right]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\mathbb{E}_{\tau \sim \Pr_\theta}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\operatorname{E}_{\tau \sim \Pr_\theta}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\operatorname*{\mathbb{E}}_{\tau \sim \Pr_\theta}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\mathop{\mathbb{E}}_{\tau \sim \Pr_\theta}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\underset{\tau \sim \Pr_\theta}{\mathrm{E}}[R(\tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\underset{\tau \sim \Pr_\theta}{\mathbb{E}}\left[R(\tau)\right]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\mathbb{E}_{a \sim \pi_\theta(\cdot \mid s)}[Q(s, a)]", "E_{a~π_θ(·|s)}[Q(s, a)]", POLICY),
    (r"\mathbb{E}_{a \sim \pi_\theta(\cdot|s)}\big[Q(s, a)\big]", "E_{a~π_θ(·|s)}[Q(s, a)]", POLICY),
    (r"\mathrm{E}_{\tau \sim \Pr_\theta}\Big[ R(\tau) \Big]", "E_{τ~Pr_θ}[R(τ)]", RL),
    (r"\mathbb{E}_{\tau \sim \Pr_\theta} \left[ \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \right]",
     "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]", RL),
    # §4 derivatives
    (r"\frac{\partial \log \Pr_\theta(\tau)}{\partial \theta}", "∂log Pr_θ(τ)/∂θ", RL),
    (r"\frac{\partial}{\partial\theta} \Pr_\theta(\tau)", "∂/∂θ Pr_θ(τ)", RL),
    (r"\frac{\partial}{\partial \theta} \sum_\tau \Pr_\theta(\tau) R(\tau)", "∂/∂θ Σ_τ Pr_θ(τ) R(τ)", RL),
    (r"\frac{d}{d\theta} J(\theta)", "d/dθ J(θ)", ()),
    (r"\frac{d}{dx} x^2", "d/dx x^2", ()),
    (r"\frac{\mathrm{d}}{\mathrm{d}x} \sin x", "d/dx sin x", ()),
    (r"\dfrac{d}{dx} (x^2 + 1)", "d/dx (x^2 + 1)", ()),
    (r"\frac{d^2}{dx^2} x^3", "d/dx d/dx x^3", ()),
    (r"\frac{dy}{dx}", "d/dx y", ()),
    (r"\partial_\theta J(\theta)", "∂_θ J(θ)", ()),
    (r"\frac{\partial f(x, y)}{\partial y}", "∂f(x, y)/∂y", ()),
    # §4 conditionals and integrals
    (r"P(\tau|\theta)", "P(τ|θ)", ("θ: real", "τ: index", "P(τ∣θ): distribution over τ")),
    (r"\pi_\theta(a \mid s)", "π_θ(a∣s)", POLICY),
    (r"\pi_\theta(a \vert s)", "π_θ(a∣s)", POLICY),
    (r"\int_\tau \Pr_\theta(\tau) R(\tau) d\tau", "∫_τ Pr_θ(τ) R(τ) dτ", RL),
    (r"\int_{\tau} \Pr_\theta(\tau) R(\tau) \, \mathrm{d}\tau", "∫_τ Pr_θ(τ) R(τ) dτ", RL),
    (r"\int_0^1 x^2 \,dx", "∫_0^1 x^2 dx", ()),
    (r"\int_{0}^{1} (3x^2 + 2x) \, \mathrm{d}x", "∫_0^1 (3x^2 + 2x) dx", ()),
    # §4 functions and operators
    (r"\log x + \ln y", "log x + ln y", ()),
    (r"\log \Pr_\theta(\tau)", "log Pr_θ(τ)", RL),
    (r"\exp(x) \exp\left(y\right)", "exp(x) exp(y)", ()),
    (r"\sqrt{x^2 + 1}", "sqrt(x^2 + 1)", ()),
    (r"\sqrt[3]{x}", "root(3, x)", ()),
    (r"\frac{a}{b}", "a/b", ()),
    (r"\frac{1}{2} x", "(1/2) x", ()),
    (r"\frac12 x", "(1/2) x", ()),
    (r"\tfrac{a+b}{c}", "(a+b)/c", ()),
    (r"a \cdot b \times c", "a·b×c", ()),
    (r"\left( a + b \right) \left[ c \right]", "(a + b)(c)", ()),
    (r"\big[ a + b \big] \Big( c \Big)", "(a + b)(c)", ()),
    (r"\bigl( a + b \bigr)^2", "(a + b)^2", ()),
    (r"\sin^2 x + \cos^2 x", "sin^2 x + cos^2 x", ()),
    (r"\log_2(8x)", "log_2(8x)", ()),
    (r"\binom{n}{k}", "binom(n, k)", ()),
    (r"n!", "n!", ()),
    (r"x^{n+1} - x^2", "x^(n+1) − x^2", ()),
    (r"e^{-x}", "e^(-x)", ()),
    (r"\pi r^2", "π r^2", ()),
    (r"|x - 1|", "|x − 1|", ()),
    (r"\left| x - 1 \right|", "|x − 1|", ()),
    (r"\lvert x \rvert", "|x|", ()),
    # §4 layout
    (r"a \, b \! c \; d \quad e \qquad f", "a b c d e f", ()),
    (r"\displaystyle \frac{a}{b}", "a/b", ()),
    # §5 overloading by arity
    (r"P(\tau \mid \theta) P(s' \mid s, a)", "P(τ∣θ) P(s'∣s, a)",
     ("θ: real", "τ: index", "P(τ∣θ): distribution over τ", "P(s'∣s, a): positive")),
    # §5 the evaluation bar
    (r"\nabla_\theta \log \Pr_\theta(\tau)|_{\theta=\theta_{ref}}", "(∇_θ log Pr_θ(τ))|_{θ=θ_ref}", RL),
    (r"\nabla_\theta \log \Pr_\theta(\tau) \Big|_{\theta = \theta_{\text{ref}}}", "(∇_θ log Pr_θ(τ))|_{θ=θ_ref}", RL),
    (r"\left. \nabla_\theta \Pr_\theta(\tau) R(\tau) \right|_{\theta=\theta_{ref}}", "(∇_θ Pr_θ(τ) R(τ))|_{θ=θ_ref}", RL),
    (r"(x^3 + x^2) \Big|_{x=1}", "(x^3 + x^2)|_{x=1}", ()),
    # §5 names
    (r"\theta_{\text{ref}} + \theta_{\mathrm{old}} + \theta_{old}", "θ_ref + θ_old + θ_old", ()),
    (r"\theta' + \theta^\prime", "θ' + θ'", ()),
    (r"\hat{A} + \tilde{x} + \bar{x}", "A_hat + x_tilde + x_bar", ()),
    (r"\tilde{A}_i + \overline{x} + \widehat{\theta}", "A_{tilde_i} + x_bar + θ_hat", ()),
    (r"\mathrm{Pr}_\theta(\tau) + \text{Pr}_\theta(\tau) + \operatorname{Pr}_\theta(\tau)", "Pr_θ(τ) + Pr_θ(τ) + Pr_θ(τ)", RL),
    (r"\Pr_\theta(\tau)", "Pr_θ(τ)", RL),
    (r"\pi", "π", ()),
    (r"\pi_\theta(a \mid s)", "π_θ(a|s)", POLICY),
    (r"x^{\top} y + x^\top y", "x y + x y", ()),
    (r"\boldsymbol{\theta} + \mathbf{x}", "θ + x", ()),
    # §5 sums
    (r"\sum_{x \in \mathcal{D}} f(x)", "Σ_{x ∈ D} f(x)", ()),
    (r"\sum_{j=1, j \neq i}^{n} x_j", "Σ_{j=1, j≠i}^{n} x_j", ("i, j, n: natural", "x_i: sequence")),
    (r"\prod_{j=1, j \ne i}^{n} x_j", "Π_{j=1, j≠i}^{n} x_j", ("i, j, n: natural", "x_i: sequence")),
    # §5 spacing and decoration
    (r"\cancel{x} y", "x y", ()),
    (r"\bcancel{(x + 1)} - 1", "(x + 1) − 1", ()),
    (r"p_\theta (\tau)", "p_θ(τ)", TRAJ),
    (r"R (\tau) + R(\tau)", "R(τ) + R(τ)", RL),
    # §5 definition heads
    (r"J(\pi_\theta)", "J(π_θ)", ("θ: real", "τ: index", "π_θ(τ): distribution over τ", "R(τ): real",
                                    "J(π_θ) := E_{τ~π_θ}[R(τ)]")),
    # variants of the trajectory distribution in RL notes
    (r"\sum_\tau P(\tau \mid \theta) R(\tau)", "Σ_τ P(τ|θ) R(τ)", ("θ: real", "τ: index", "P(τ∣θ): distribution over τ", "R(τ): real")),
    (r"\sum_\tau p_\theta(\tau) r(\tau)", "Σ_τ p_θ(τ) r(τ)", TRAJ),
    (r"\mathbb{E}_{\tau \sim p_\theta(\tau)}\left[ r(\tau) \right]", "E_{τ~p_θ}[r(τ)]", TRAJ),
    (r"\int p_\theta(\tau) \nabla_\theta \log p_\theta(\tau) r(\tau) \, d\tau", "∫ p_θ(τ) ∇_θ log p_θ(τ) r(τ) dτ", TRAJ),
    (r"\nabla_\theta \log \pi_\theta(a_t|s_t)", "∇_θ log π_θ(a_t|s_t)", SEQ + ("π_θ(a∣s): distribution over a",)),
    (r"\frac{\pi_\theta(a \mid s)}{\pi_{\theta_{\text{old}}}(a \mid s)} \hat{A}",
     "π_θ(a∣s)/π_{θ_old}(a∣s) A_hat", POLICY + ("θ_old: real",)),
    (r"\sum_{t=0}^{T-1} \gamma^{t} r(s_t, a_t)", "Σ_{t=0}^{T-1} γ^t r(s_t, a_t)",
     ("t, T: natural", "s_t, a_t: sequence", "γ: real", "r(s, a): real")),
    (r"\sum_{t'=t}^{T-1} \gamma^{t'-t} r_{t'}", "Σ_{t'=t}^{T-1} γ^(t'−t) r_{t'}", SEQ),
    (r"\frac{\exp(\theta \phi(a))}{\sum_b \exp(\theta \phi(b))}", "exp(θ φ(a)) / Σ_b exp(θ φ(b))",
     ("θ: real", "a, b: index over A", "φ(a): real")),
    (r"\exp\left( \theta^\top \phi(a) \right)", "exp(θ φ(a))", ("θ: real", "a: index", "φ(a): real")),
    (r"\sum_{a} \pi_\theta(a \mid s) \, Q(s, a)", "Σ_a π_θ(a∣s) Q(s, a)", POLICY),
    (r"-\sum_x p(x) \log p(x)", "−Σ_x p(x) log p(x)", ("x: index", "p(x): distribution over x")),
    (r"\sum_x p(x) \log \frac{p(x)}{q(x)}", "Σ_x p(x) log(p(x)/q(x))", ("x: index", "p(x), q(x): distribution over x")),
    (r"\frac{1}{n} \sum_{i=1}^{n} x_i", "(1/n) Σ_{i=1}^{n} x_i", SEQ),
]

SAME_IDS = [f"{k:02d} {latex[:40]}" for k, (latex, _, _) in enumerate(SAME)]


@pytest.mark.parametrize("latex,spelling,lets", SAME, ids=SAME_IDS)
def test_latex_means_its_plain_spelling(latex, spelling, lets):
    assert tex(latex, lets) == plain(spelling, lets)


def S(name):
    return A.Sym(name)


# where the plain notation has no spelling of its own
TREES = [
    (r"x^* + 1", (), A.Add(S("x*"), A.Num(Fraction(1)))),
    (r"\pi^*(a \mid s)", ("π^*(a∣s): distribution over a",), A.Apply("π*", (S("a"), S("s")))),
    (r"\rho^{\pi}(s)", (r"\rho^{\pi}(s): positive",), A.Apply("ρ^π", (S("s"),))),
    (r"Q^{\pi}(s, a)", ("Q^π(s, a): real",), A.Apply("Q^π", (S("s"), S("a")))),
    (r"\rho^{\pi}", (), A.Pow(S("ρ"), A.Const("pi"))),  # undeclared: a power, as written
    (r"|\mathcal{D}|", ("x: index over D",), A.Sum("ι_D", A.Num(Fraction(1)))),
]


@pytest.mark.parametrize("latex,lets,tree", TREES, ids=[t[0] for t in TREES])
def test_latex_names_without_a_plain_spelling(latex, lets, tree):
    assert tex(latex, lets) == tree


def test_the_table_covers_eighty_inputs():
    assert len(SAME) + len(TREES) >= 80


# §5: an expectation without a distribution
def test_expectation_without_a_distribution_asks_for_one():
    text = "\\begin{equation}\n\\mathrm{E}[X] = 0\n\\end{equation}\n"
    parsed = read_document(text, "tex")
    [d] = parsed.diagnostics
    assert (d.code, d.line, d.column) == ("no-distribution", 2, 1)
    assert "E_{x~p}" in d.message


@pytest.mark.parametrize("latex", [r"\mathrm{E}[R(\tau)]", r"\mathbb{E}[R(\tau)]", r"\mathbb{E}_{\tau}[R(\tau)]",
                                   r"\mathbb{E}_{\Pr_\theta}[R(\tau)]"])
def test_expectation_reads_the_one_declared_distribution(latex):
    assert tex(latex, RL) == plain("E_{τ~Pr_θ}[R(τ)]", RL)
