"""The symbolic prover: seed derivations proved, false steps not proved, timeouts bounded.

Trees are built by hand (the parser is another module's job)."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest
import sympy

from derivcheck import ast as A
from derivcheck.model import Assumption, FunctionDecl, SymbolDecl
from derivcheck.scope import Scope
from derivcheck.verify.symbolic import ProofOutcome, ProofStatus, prove, to_sympy

PROVED, NOT_PROVED, TIMEOUT = ProofStatus.PROVED, ProofStatus.NOT_PROVED, ProofStatus.TIMEOUT

# ---------------------------------------------------------------------------
# builders


def N(q) -> A.Num:
    return A.Num(Fraction(q))


def mul(*factors):
    out = factors[0]
    for f in factors[1:]:
        out = A.Mul(out, f)
    return out


def add(*terms):
    out = terms[0]
    for t in terms[1:]:
        out = A.Add(out, t)
    return out


def log(e):
    return A.Fn("log", (e,))


θ, θref, τ, b, x, y = (A.Sym(n) for n in ("θ", "θ_ref", "τ", "b", "x", "y"))
ZERO, ONE = N(0), N(1)


def Pr(param=θ, var=τ):
    return A.Apply("Pr", (param, var))


def R(var=τ):
    return A.Apply("R", (var,))


def grad(e):
    return A.Deriv("θ", e)


def Σ(body, var="τ"):
    return A.Sum(var, body)


def E(body, weight=None, var="τ"):
    return A.Expect(var, weight if weight is not None else Pr(), body)


RL = Scope.of([
    SymbolDecl("θ", "real"), SymbolDecl("θ_ref", "real"), SymbolDecl("b", "real"),
    SymbolDecl("τ", "index", "τ"), SymbolDecl("τ'", "index", "τ"),
    FunctionDecl("Pr", ("θ", "τ"), "distribution", over=1), FunctionDecl("R", ("τ",), "real"),
])

# the policy-gradient chain of derivations/policy_gradient.deriv
PG = [
    grad(Σ(mul(Pr(), R()))),
    Σ(mul(grad(Pr()), R())),
    Σ(mul(Pr(), A.Div(grad(Pr()), Pr()), R())),
    Σ(mul(Pr(), grad(log(Pr())), R())),
    E(mul(grad(log(Pr())), R())),
]

# derivations/trajectory_log_probability.deriv
t, T = A.Sym("t"), A.Sym("T")
TRAJ_SCOPE = Scope.of([
    SymbolDecl("θ", "real"), SymbolDecl("t", "natural"), SymbolDecl("T", "natural"),
    FunctionDecl("s", ("t",), "sequence"), FunctionDecl("a", ("t",), "sequence"),
    FunctionDecl("ρ", ("s",), "positive"), FunctionDecl("P", ("s'", "s", "a"), "positive"),
    FunctionDecl("π", ("θ", "a", "s"), "distribution", over=1),
])


def s_(e):
    return A.Apply("s", (e,))


def a_(e):
    return A.Apply("a", (e,))


_P = A.Apply("P", (s_(A.Add(t, ONE)), s_(t), a_(t)))
_π = A.Apply("π", (θ, a_(t), s_(t)))
_ρ = A.Apply("ρ", (s_(ZERO),))
_T1 = A.Sub(T, ONE)
TRAJ = [
    grad(log(mul(_ρ, A.Product("t", mul(_P, _π), ZERO, _T1)))),
    grad(add(log(_ρ), A.Sum("t", add(log(_P), log(_π)), ZERO, _T1))),
    add(grad(log(_ρ)), A.Sum("t", add(grad(log(_P)), grad(log(_π))), ZERO, _T1)),
    A.Sum("t", grad(log(_π)), ZERO, _T1),
]

REAL_X = Scope.of([SymbolDecl("x", "real"), SymbolDecl("y", "real")])
POS_X = Scope.of([SymbolDecl("x", "positive")])


def sin(e):
    return A.Fn("sin", (e,))


def cos(e):
    return A.Fn("cos", (e,))


def check(left, right, scope, deadline=5.0) -> ProofOutcome:
    return prove(left, right, scope, deadline=time.monotonic() + deadline)


# ---------------------------------------------------------------------------
# true steps: PROVED

TRUE_STEPS = [
    pytest.param(PG[0], PG[1], RL, id="pg-linearity"),
    pytest.param(PG[1], PG[2], RL, id="pg-multiply-divide"),
    pytest.param(PG[2], PG[3], RL, id="pg-log-derivative"),
    pytest.param(PG[3], PG[4], RL, id="pg-expectation"),
    pytest.param(PG[0], PG[4], RL, id="pg-whole-chain"),
    pytest.param(
        A.At(grad(Σ(mul(Pr(θref), A.Div(Pr(), Pr(θref)), R()))), "θ", θref),
        A.At(grad(Σ(mul(Pr(), R()))), "θ", θref),
        RL, id="surrogate-at-ref"),
    pytest.param(
        A.At(grad(E(mul(A.Div(Pr(), Pr(θref)), R()), Pr(θref))), "θ", θref),
        A.At(grad(E(R())), "θ", θref),
        RL, id="surrogate-expectation-at-ref"),
    pytest.param(  # read left to right: ((Pr_ref · Pr_θ) / Pr_ref) · R
        A.At(grad(Σ(mul(A.Div(mul(Pr(θref), Pr()), Pr(θref)), R()))), "θ", θref),
        A.At(grad(Σ(mul(Pr(), R()))), "θ", θref),
        RL, id="surrogate-left-to-right"),
    pytest.param(grad(log(A.Product("τ", Pr()))), Σ(grad(log(Pr()))), RL,
                 id="log-of-product-over-a-set"),
    pytest.param(A.Integral("τ", mul(Pr(), R())), E(R()), RL, id="abstract-integral-is-a-sum"),
    pytest.param(E(mul(grad(log(Pr())), b)), Σ(mul(Pr(), grad(log(Pr())), b)), RL,
                 id="baseline-expectation"),
    pytest.param(Σ(mul(Pr(), grad(log(Pr())), b)), Σ(mul(grad(Pr()), b)), RL,
                 id="baseline-log-derivative"),
    pytest.param(Σ(mul(grad(Pr()), b)), mul(b, grad(Σ(Pr()))), RL, id="baseline-linearity"),
    pytest.param(mul(b, grad(Σ(Pr()))), mul(b, grad(ONE)), RL, id="baseline-normalised"),
    pytest.param(mul(b, grad(ONE)), ZERO, RL, id="baseline-zero"),
    pytest.param(E(mul(grad(log(Pr())), b)), ZERO, RL, id="score-mean-zero"),
    pytest.param(TRAJ[0], TRAJ[1], TRAJ_SCOPE, id="traj-log-of-product"),
    pytest.param(TRAJ[1], TRAJ[2], TRAJ_SCOPE, id="traj-linearity"),
    pytest.param(TRAJ[2], TRAJ[3], TRAJ_SCOPE, id="traj-only-pi-depends"),
    pytest.param(TRAJ[0], TRAJ[3], TRAJ_SCOPE, id="traj-whole-chain"),
    pytest.param(A.Pow(A.Add(x, ONE), N(2)), add(A.Pow(x, N(2)), mul(N(2), x), ONE), REAL_X,
                 id="square-of-sum"),
    pytest.param(add(A.Pow(sin(x), N(2)), A.Pow(cos(x), N(2))), ONE, REAL_X, id="pythagoras"),
    pytest.param(sin(mul(N(2), x)), mul(N(2), sin(x), cos(x)), REAL_X, id="double-angle"),
    pytest.param(add(mul(N("0.7"), N(20)), mul(N("0.3"), A.Neg(N(10)))), N(11), REAL_X,
                 id="expected-reward"),
    pytest.param(add(mul(N("0.7"), N(20)), mul(N("0.3"), A.Neg(N(10)))), A.Sub(N(14), N(3)),
                 REAL_X, id="expected-reward-14-3"),
    pytest.param(A.Fn("sqrt", (A.Pow(x, N(2)),)), x, POS_X, id="sqrt-square-positive"),
    pytest.param(log(A.Pow(x, N(2))), mul(N(2), log(x)), POS_X, id="log-power-positive"),
    pytest.param(A.Div(x, x), ONE, REAL_X, id="x-over-x"),  # defined wherever both sides are
    pytest.param(grad(R()), ZERO, RL, id="R-does-not-depend-on-theta"),
    pytest.param(E(b), b, RL, id="expectation-of-constant"),
    pytest.param(Σ(Pr()), ONE, RL, id="normalised"),
    pytest.param(Σ(Pr(θ, A.Sym("τ'")), "τ'"), ONE, RL, id="normalised-other-variable-same-set"),
    pytest.param(add(Σ(mul(Pr(), R())), Σ(mul(Pr(), b))), Σ(mul(Pr(), add(R(), b))), RL,
                 id="sums-combined"),
    pytest.param(Σ(mul(Pr(), R())), Σ(mul(Pr(θ, A.Sym("τ'")), R(A.Sym("τ'"))), "τ'"), RL,
                 id="sums-renamed-dummy"),
    pytest.param(add(E(R()), b), E(add(R(), b)), RL, id="expectation-plus-constant"),
    pytest.param(A.Sum("k", A.Sym("k"), ONE, A.Sym("n")),
                 A.Div(mul(A.Sym("n"), add(A.Sym("n"), ONE)), N(2)),
                 Scope.of([SymbolDecl("n", "natural")]), id="gauss-sum"),
    pytest.param(A.Integral("x", A.Pow(x, N(2)), ZERO, ONE), A.Div(ONE, N(3)), REAL_X,
                 id="definite-integral"),
    pytest.param(A.Fn("log", (N(8), N(2))), N(3), REAL_X, id="log-base"),
    pytest.param(A.At(A.Pow(θ, N(2)), "θ", N(3)), N(9), RL, id="evaluation-bar"),
    pytest.param(add(A.Sum("τ'", R(A.Sym("τ'")), exclude=τ), R()), Σ(R()), RL,
                 id="sum-with-excluded-index"),
]


@pytest.mark.parametrize("left, right, scope", TRUE_STEPS)
def test_true_steps_are_proved(left, right, scope):
    outcome = check(left, right, scope)
    assert outcome.status is PROVED, outcome


def test_proof_methods_name_the_strategy():
    assert check(mul(b, grad(Σ(Pr()))), ZERO, RL).method == "normalisation"
    τ2 = A.Sym("τ'")
    assert check(Σ(mul(Pr(), R())), Σ(mul(Pr(θ, τ2), R(τ2)), "τ'"), RL).method == "sums combined"
    assert check(add(A.Pow(sin(x), N(2)), A.Pow(cos(x), N(2))), ONE, REAL_X).method == "trigonometry as exponentials"


def test_conditional_distribution_normalised_for_each_condition():
    a, s = A.Sym("a"), A.Sym("s")
    scope = Scope.of([SymbolDecl("θ", "real"), SymbolDecl("s", "real"),
                      FunctionDecl("π", ("θ", "a", "s"), "distribution", over=1)])
    pi = A.Apply("π", (θ, a, s))
    assert check(A.Sum("a", pi), ONE, scope).status is PROVED
    assert check(A.Sum("a", grad(pi)), ZERO, scope).status is PROVED
    # the condition depends on the summed variable: no longer a normalised sum
    assert check(A.Sum("a", A.Apply("π", (θ, a, a))), ONE, scope).status is NOT_PROVED


# ---------------------------------------------------------------------------
# false steps: NOT_PROVED (never a false proof)

FALSE_STEPS = [
    pytest.param(PG[0], Σ(mul(Pr(), grad(R()))), RL, id="gradient-inside-expectation"),
    pytest.param(grad(E(R())), ZERO, RL, id="gradient-of-expectation-is-not-0"),
    pytest.param(Σ(mul(grad(Pr()), R())), Σ(mul(Pr(), Pr(), grad(Pr()), R())), RL,
                 id="misremembered-log-derivative"),
    pytest.param(grad(E(mul(A.Div(Pr(), Pr(θref)), R()), Pr(θref))),
                 E(mul(grad(log(Pr())), R()), Pr(θref)), RL, id="surrogate-away-from-ref"),
    pytest.param(A.Fn("sqrt", (A.Pow(x, N(2)),)), x, REAL_X, id="sqrt-square-real"),
    pytest.param(log(A.Pow(x, N(2))), mul(N(2), log(x)), REAL_X, id="log-power-real"),
    pytest.param(add(mul(N("0.7"), N(20)), mul(N("0.3"), A.Neg(N(10)))), A.Add(N(14), N(3)),
                 REAL_X, id="sign-slip"),
    pytest.param(grad(Pr()), ZERO, RL, id="Pr-depends-on-theta"),
    pytest.param(Pr(θref), Pr(), RL, id="other-parameter-other-value"),
    pytest.param(Σ(mul(Pr(), R())), ONE, RL, id="weighted-sum-not-normalised"),
    pytest.param(Σ(R()), ONE, RL, id="non-distribution-not-normalised"),
    pytest.param(A.Pow(A.Add(x, y), N(2)), add(A.Pow(x, N(2)), A.Pow(y, N(2))), REAL_X,
                 id="freshman-square"),
    # a free index and a bound one are different: τ·Σ_τ R(τ) is not Σ_τ τ R(τ)
    pytest.param(mul(τ, Σ(R())), Σ(mul(τ, R())), RL, id="no-capture-of-free-index"),
    # the elements of a set are arbitrary distinct numbers, not 1…N
    pytest.param(Σ(A.Sub(mul(N(2), τ), ONE)), A.Pow(Σ(ONE), N(2)), RL,
                 id="set-elements-are-not-1-to-N"),
    pytest.param(sin(mul(A.Const("pi"), τ)), ZERO, RL, id="index-is-not-an-integer-value"),
]


@pytest.mark.parametrize("left, right, scope", FALSE_STEPS)
def test_false_steps_are_not_proved(left, right, scope):
    outcome = check(left, right, scope)
    assert outcome.status is NOT_PROVED, outcome


def test_normalisation_respects_the_distributions_set():
    scope = Scope.of([SymbolDecl("a", "index", "A"), SymbolDecl("c", "index", "C"),
                      FunctionDecl("p", ("a",), "distribution", over=0)])
    a, c = A.Sym("a"), A.Sym("c")
    assert check(A.Sum("a", A.Apply("p", (a,))), ONE, scope).status is PROVED
    assert check(A.Sum("c", A.Apply("p", (c,))), ONE, scope).status is NOT_PROVED


def test_assume_line_tightens_a_symbol():
    scope = Scope.of([SymbolDecl("x", "real"),
                      Assumption(A.Rel(">", x, N(2)), "x > 2")])
    assert check(A.Fn("sqrt", (A.Pow(x, N(2)),)), x, scope).status is PROVED


def test_unsupported_function_is_not_proved_with_a_reason():
    outcome = check(A.Fn("gamma", (x,)), A.Fn("gamma", (x,)), REAL_X)
    assert outcome.status is NOT_PROVED
    assert "gamma" in outcome.method


# ---------------------------------------------------------------------------
# budgets


def _heavy_simplify():
    """A false trigonometric step on which simplify grinds for seconds."""
    tan = A.Fn("tan", (mul(x, y),))
    left = A.Pow(add(sin(x), cos(y), tan), N(6))
    right = add(A.Pow(add(sin(mul(N(2), x)), cos(y)), N(6)), ONE)
    return left, right


def _heavy_expand():
    big = add(A.Sym("p"), A.Sym("q"), A.Sym("r"), A.Sym("u"))
    return A.Pow(add(big, ONE), N(30)), A.Pow(add(big, N(2)), N(30))


@pytest.mark.parametrize("pair", [_heavy_simplify(), _heavy_expand()], ids=["simplify", "expand"])
def test_pathological_input_times_out_near_the_deadline(pair):
    start = time.monotonic()
    outcome = prove(*pair, REAL_X, deadline=start + 0.2)
    elapsed = time.monotonic() - start
    assert outcome.status is TIMEOUT
    assert elapsed < 2.0  # a bound against hangs, not a benchmark


def test_expired_deadline_is_a_timeout():
    assert prove(PG[0], PG[1], RL, deadline=time.monotonic() - 1).status is TIMEOUT


# ---------------------------------------------------------------------------
# translation


def test_symbols_carry_declared_assumptions():
    scope = Scope.of([SymbolDecl("n", "natural"), SymbolDecl("p", "positive"),
                      SymbolDecl("z", "nonzero"), SymbolDecl("τ", "index", "τ")])
    n, p, z, u = (to_sympy(A.Sym(v), scope) for v in ("n", "p", "z", "u"))
    assert n.is_integer and n.is_nonnegative
    assert p.is_positive
    assert z.is_nonzero
    assert u.is_real and u.is_positive is None  # undeclared: real
    # an index used as a number is an unknown real value, not the integer itself
    assert to_sympy(τ, scope) != sympy.Symbol("τ", integer=True)


def test_functions_by_kind_and_arity():
    scope = Scope.of([FunctionDecl("P", ("τ", "θ"), "distribution", over=0),
                      FunctionDecl("P", ("s'", "s", "a"), "real")])
    p2 = to_sympy(A.Apply("P", (τ, θ)), scope)
    p3 = to_sympy(A.Apply("P", (x, y, b)), scope)
    assert p2.is_positive
    assert p3.is_real and p3.is_positive is None
    assert p2.func != p3.func
    assert str(p2.func) == "P"


def test_set_sum_translation():
    e = to_sympy(Σ(mul(Pr(), R())), RL)
    assert isinstance(e, sympy.Sum)
    (k, lo, hi), = e.limits
    assert lo == 1 and hi.is_integer and hi.is_positive and k.is_integer


def test_equal_trees_translate_equal():
    assert to_sympy(PG[0], RL) == to_sympy(PG[0], RL)
