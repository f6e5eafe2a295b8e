"""The numeric refuter: instantiation, evaluation and comparison of a step's two sides."""

from __future__ import annotations

import re
import time
from fractions import Fraction

import pytest

from derivcheck import ast as A
from derivcheck.model import Assumption, FunctionDecl, SymbolDecl
from derivcheck.scope import Scope
from derivcheck.verify import budget
from derivcheck.verify.numeric import NumStatus, compare

# ---------------------------------------------------------------------------
# Trees by hand (the parser is someone else's)


def S(name: str) -> A.Sym:
    return A.Sym(name)


def N(value) -> A.Num:
    return A.Num(Fraction(value))


def mul(*factors: A.Node) -> A.Node:
    out = factors[0]
    for f in factors[1:]:
        out = A.Mul(out, f)
    return out


def log(x: A.Node) -> A.Node:
    return A.Fn("log", (x,))


def grad(var: str, body: A.Node) -> A.Deriv:
    return A.Deriv(var, body)


θ, τ, x, y = S("θ"), S("τ"), S("x"), S("y")
Pr = A.Apply("Pr", (θ, τ))
Pr_ref = A.Apply("Pr", (S("θ_ref"), τ))
R = A.Apply("R", (τ,))

PG_SCOPE = Scope.of([
    SymbolDecl("θ", "real"), SymbolDecl("θ_ref", "real"), SymbolDecl("τ", "index", "τ"),
    FunctionDecl("Pr", ("θ", "τ"), "distribution", over=1), FunctionDecl("R", ("τ",), "real"),
])

# ∇_θ Σ_τ Pr R = Σ_τ ∇_θ Pr R = Σ_τ Pr (∇_θ Pr / Pr) R = Σ_τ Pr ∇_θ log Pr R = E_{τ~Pr_θ}[∇_θ log Pr R]
POLICY_GRADIENT = [
    grad("θ", A.Sum("τ", mul(Pr, R))),
    A.Sum("τ", mul(grad("θ", Pr), R)),
    A.Sum("τ", mul(Pr, A.Div(grad("θ", Pr), Pr), R)),
    A.Sum("τ", mul(Pr, grad("θ", log(Pr)), R)),
    A.Expect("τ", Pr, mul(grad("θ", log(Pr)), R)),
]
FLAWED = (grad("θ", A.Expect("τ", Pr, R)), A.Expect("τ", Pr, grad("θ", R)))


def check(left, right, scope=None, seed=1, **kw):
    return compare(left, right, scope if scope is not None else Scope(), seed=seed,
                   deadline=time.monotonic() + 10, **kw)


def vector(text: str) -> list[float]:
    assert text.startswith("(") and text.endswith(")"), text
    return [float(v.replace("−", "-")) for v in text[1:-1].split(", ")]


# ---------------------------------------------------------------------------
# The policy gradient


def test_flawed_policy_gradient_is_refuted_with_a_readable_witness():
    out = check(*FLAWED, PG_SCOPE)
    assert out.status is NumStatus.DISAGREE and not out.one_sided
    cex = out.counterexample
    values, instances = dict(cex.values), dict(cex.instances)
    assert set(values) == {"θ"} and re.fullmatch(r"−?\d+\.\d+", values["θ"])
    elements = instances["τ"]
    assert re.fullmatch(r"\{τ1(, τ\d)+\}", elements)
    k = elements.count("τ")
    probs = vector(instances["Pr_θ"])
    assert len(probs) == k and all(p > 0 for p in probs)
    assert abs(sum(probs) - 1) < 0.05  # printed to 2 digits, normalised
    assert len(vector(instances["R"])) == k
    assert cex.right == "0" and cex.left not in ("0", "undefined")


@pytest.mark.parametrize("i", range(len(POLICY_GRADIENT) - 1),
                         ids=["linearity", "multiply-divide", "log-derivative", "expectation"])
def test_policy_gradient_steps_agree(i):
    out = check(POLICY_GRADIENT[i], POLICY_GRADIENT[i + 1], PG_SCOPE)
    assert out.status is NumStatus.AGREE and out.points == 6


def test_policy_gradient_first_line_equals_last():
    assert check(POLICY_GRADIENT[0], POLICY_GRADIENT[-1], PG_SCOPE).status is NumStatus.AGREE


def test_misremembered_log_derivative_is_refuted():
    wrong = A.Sum("τ", mul(Pr, Pr, grad("θ", Pr), R))
    assert check(POLICY_GRADIENT[1], wrong, PG_SCOPE).status is NumStatus.DISAGREE


def test_distribution_is_normalised_so_the_score_sums_to_zero():
    assert check(A.Sum("τ", grad("θ", Pr)), N(0), PG_SCOPE).status is NumStatus.AGREE
    assert check(A.Sum("τ", Pr), N(1), PG_SCOPE).status is NumStatus.AGREE
    # the baseline argument: E[∇ log Pr · b] = 0
    scope = PG_SCOPE.copy()
    scope.add(SymbolDecl("b", "real"))
    baseline = A.Expect("τ", Pr, mul(grad("θ", log(Pr)), S("b")))
    assert check(baseline, N(0), scope).status is NumStatus.AGREE
    assert check(A.Sum("τ", mul(grad("θ", Pr), R)), N(0), PG_SCOPE).status is NumStatus.DISAGREE


def test_function_of_tau_alone_does_not_change_with_theta():
    assert check(grad("θ", R), N(0), PG_SCOPE).status is NumStatus.AGREE
    out = check(grad("θ", Pr), N(0), PG_SCOPE)
    assert out.status is NumStatus.DISAGREE
    assert dict(out.counterexample.values)["τ"].startswith("τ")  # a free index variable: an element


def test_pr_at_theta_ref_is_the_same_function_at_another_parameter():
    at = A.At(Pr, "θ", S("θ_ref"))
    assert check(at, Pr_ref, PG_SCOPE).status is NumStatus.AGREE
    out = check(Pr_ref, Pr, PG_SCOPE)
    assert out.status is NumStatus.DISAGREE
    assert {"Pr_θ", "Pr_{θ_ref}"} <= dict(out.counterexample.instances).keys()


def test_surrogate_gradient_equals_policy_gradient_only_at_the_reference():
    surrogate = A.Expect("τ", Pr_ref, mul(A.Div(Pr, Pr_ref), R))
    at_ref = A.At(grad("θ", surrogate), "θ", S("θ_ref"))
    policy = A.At(grad("θ", A.Sum("τ", mul(Pr, R))), "θ", S("θ_ref"))
    assert check(at_ref, policy, PG_SCOPE).status is NumStatus.AGREE
    away = check(grad("θ", surrogate), A.Expect("τ", Pr_ref, mul(grad("θ", log(Pr)), R)), PG_SCOPE)
    assert away.status is NumStatus.DISAGREE
    values = dict(away.counterexample.values)
    assert values["θ"] != values["θ_ref"]


def test_bound_variable_is_not_the_free_one():
    # τ free in R(τ) and bound in Σ_τ: the sum does not see the free τ
    assert check(A.Add(R, A.Sum("τ", R)), A.Add(A.Sum("τ", R), R), PG_SCOPE).status is NumStatus.AGREE
    assert check(A.Sum("τ", R), R, PG_SCOPE).status is NumStatus.DISAGREE


def test_renamed_bound_variable_keeps_its_set():
    # scope.substitute renames a capturing bound variable to τ_7: still τ's set
    renamed = A.Sum("τ_7", A.Apply("R", (S("τ_7"),)))
    assert check(renamed, A.Sum("τ", R), PG_SCOPE).status is NumStatus.AGREE
    # …and a variable summed against a distribution ranges over its support
    assert check(A.Sum("u", A.Apply("Pr", (θ, S("u")))), N(1), PG_SCOPE).status is NumStatus.AGREE


def test_evaluation_bar_substitutes_after_differentiating():
    a = S("a")
    square = A.Pow(θ, N(2))
    assert check(A.At(grad("θ", square), "θ", a), mul(N(2), a)).status is NumStatus.AGREE
    assert check(grad("θ", A.At(square, "θ", a)), N(0)).status is NumStatus.AGREE
    assert check(grad("θ", A.At(square, "θ", a)), mul(N(2), a)).status is NumStatus.DISAGREE


def test_trajectory_log_probability_only_the_policy_depends_on_theta():
    t, T = S("t"), S("T")
    scope = Scope.of([
        SymbolDecl("θ", "real"), SymbolDecl("t", "natural"), SymbolDecl("T", "natural"),
        FunctionDecl("s", ("t",), "sequence"), FunctionDecl("a", ("t",), "sequence"),
        FunctionDecl("ρ", ("s",), "positive"), FunctionDecl("P", ("s'", "s", "a"), "positive"),
        FunctionDecl("π", ("θ", "a", "s"), "distribution", over=1),
    ])
    s_t, a_t = A.Apply("s", (t,)), A.Apply("a", (t,))
    s_next = A.Apply("s", (A.Add(t, N(1)),))
    π = A.Apply("π", (θ, a_t, s_t))
    P = A.Apply("P", (s_next, s_t, a_t))
    ρ = A.Apply("ρ", (A.Apply("s", (N(0),)),))
    last = A.Sub(T, N(1))
    first = grad("θ", log(mul(ρ, A.Product("t", mul(P, π), N(0), last))))
    second = grad("θ", A.Add(log(ρ), A.Sum("t", A.Add(log(P), log(π)), N(0), last)))
    final = A.Sum("t", grad("θ", log(π)), N(0), last)
    assert check(first, second, scope).status is NumStatus.AGREE
    assert check(second, final, scope).status is NumStatus.AGREE
    assert check(final, A.Sum("t", grad("θ", log(P)), N(0), last), scope).status is NumStatus.DISAGREE


def test_conditional_distribution_is_normalised_for_each_condition():
    a, s = S("a"), S("s")
    scope = Scope.of([SymbolDecl("θ", "real"), SymbolDecl("a", "index", "A"),
                      SymbolDecl("s", "index", "S"),
                      FunctionDecl("π", ("θ", "a", "s"), "distribution", over=1)])
    π = A.Apply("π", (θ, a, s))
    assert check(A.Sum("a", π), N(1), scope).status is NumStatus.AGREE
    assert check(A.Sum("s", π), N(1), scope).status is NumStatus.DISAGREE
    out = check(π, N(0), scope)
    assert "π_θ(·|s)" in dict(out.counterexample.instances)


def test_undeclared_distribution_of_an_expectation_is_normalised_over_its_set():
    p = A.Apply("p", (τ,))
    scope = Scope.of([SymbolDecl("τ", "index", "τ"), FunctionDecl("R", ("τ",), "real")])
    assert check(A.Expect("τ", p, N(1)), N(1), scope).status is NumStatus.AGREE
    assert check(A.Expect("τ", p, R), A.Sum("τ", mul(p, R)), scope).status is NumStatus.AGREE


def test_index_elements_are_distinct_numbers():
    mean = A.Expect("τ", Pr, τ)
    assert check(mean, A.Sum("τ", mul(Pr, τ)), PG_SCOPE).status is NumStatus.AGREE
    out = check(mean, N(0), PG_SCOPE)
    assert out.status is NumStatus.DISAGREE
    # used as numbers, the elements are shown with their values
    assert re.fullmatch(r"\{τ1 = −?\d\.?\d*(, τ\d = −?\d\.?\d*)+\}", dict(out.counterexample.instances)["τ"])
    # used only as arguments, they are names
    flawed = dict(check(*FLAWED, PG_SCOPE).counterexample.instances)["τ"]
    assert "=" not in flawed


def test_excluded_index():
    i, j = S("i"), S("j")
    scope = Scope.of([SymbolDecl("i", "index", "A"), SymbolDecl("j", "index", "A"),
                      FunctionDecl("f", ("j",), "real")])
    f = lambda v: A.Apply("f", (v,))  # noqa: E731
    rest = A.Sum("j", f(j), exclude=i)
    assert check(A.Add(rest, f(i)), A.Sum("j", f(j)), scope).status is NumStatus.AGREE
    assert check(rest, A.Sum("j", f(j)), scope).status is NumStatus.DISAGREE
    others = A.Product("j", f(j), exclude=i)
    assert check(mul(others, f(i)), A.Product("j", f(j)), scope).status is NumStatus.AGREE
    assert check(others, A.Product("j", f(j)), scope).status is NumStatus.DISAGREE


def test_product_rule_over_a_bounded_product():
    # ∇_θ Π_t g(θ, t) = Σ_t ∇_θ g(θ, t) Π_{t'≠t} g(θ, t')
    t, u, T = S("t"), S("u"), S("T")
    scope = Scope.of([SymbolDecl("T", "natural"), FunctionDecl("g", ("θ", "t"), "real")])
    g = lambda v: A.Apply("g", (θ, v))  # noqa: E731
    left = grad("θ", A.Product("t", g(t), N(0), T))
    right = A.Sum("t", mul(grad("θ", g(t)), A.Product("u", g(u), N(0), T, exclude=t)), N(0), T)
    assert check(left, right, scope).status is NumStatus.AGREE


def test_bounded_sum_with_a_natural_bound():
    t, T = S("t"), S("T")
    scope = Scope.of([SymbolDecl("T", "natural")])
    total = A.Sum("t", t, N(0), T)
    assert check(total, A.Div(mul(T, A.Add(T, N(1))), N(2)), scope).status is NumStatus.AGREE
    assert check(total, A.Pow(T, N(2)), scope).status is NumStatus.DISAGREE
    assert check(A.Product("t", N(2), N(1), T), A.Pow(N(2), T), scope).status is NumStatus.AGREE


# ---------------------------------------------------------------------------
# Defined on one side only (NOTATION.md §6)


def test_one_sided_region_refutes():
    out = check(log(A.Pow(x, N(2))), mul(N(2), log(x)))
    assert out.status is NumStatus.DISAGREE and out.one_sided
    cex = out.counterexample
    assert dict(cex.values)["x"].startswith("−") and cex.right == "undefined"
    back = check(mul(N(2), log(x)), log(A.Pow(x, N(2))))
    assert back.status is NumStatus.DISAGREE and back.counterexample.left == "undefined"


def test_isolated_singularity_does_not_refute():
    assert check(A.Div(x, x), N(1)).status is NumStatus.AGREE
    scope = Scope.of([SymbolDecl("x", "nonnegative")])
    outs = [check(A.Div(x, x), N(1), scope, seed=s) for s in range(8)]
    assert all(o.status is NumStatus.AGREE for o in outs)
    assert any("x = 0" in o.reason for o in outs)  # the point was met, and reported
    n = S("n")
    integer = Scope.of([SymbolDecl("n", "integer")])
    assert all(check(A.Div(n, n), N(1), integer, seed=s).status is NumStatus.AGREE for s in range(5))
    # on integers, a one-sided set of several points is a region
    assert check(log(A.Pow(n, N(2))), mul(N(2), log(n)), integer).one_sided


def test_undefined_everywhere_gives_a_reason():
    neg = log(A.Sub(N(-1), A.Pow(x, N(2))))
    out = check(neg, neg)
    assert out.status is NumStatus.UNDEFINED and out.points == 0
    assert "log" in out.reason
    out = check(A.Div(N(1), N(0)), N(5))
    assert out.status is NumStatus.UNDEFINED and "division by zero" in out.reason


def test_noninteger_power_of_a_negative_is_undefined():
    half = A.Pow(x, N(Fraction(1, 2)))
    assert check(half, A.Fn("sqrt", (x,))).status is NumStatus.AGREE
    assert check(A.Pow(A.Pow(x, N(2)), N(Fraction(1, 2))), x).status is NumStatus.DISAGREE
    assert check(A.Pow(A.Pow(x, N(2)), N(Fraction(1, 2))), A.Fn("abs", (x,))).status is NumStatus.AGREE


# ---------------------------------------------------------------------------
# Assumptions, precision, determinism, time


def test_assumptions_are_respected():
    root = A.Fn("sqrt", (A.Pow(x, N(2)),))
    assert check(root, x).status is NumStatus.DISAGREE
    positive = Scope.of([Assumption(A.Rel(">", x, N(0)))])
    assert check(root, x, positive).status is NumStatus.AGREE
    far = Scope.of([Assumption(A.Rel(">", x, N(10)))])  # outside the first range drawn
    assert check(A.Fn("sqrt", (A.Sub(x, N(10)),)), A.Fn("sqrt", (A.Sub(x, N(10)),)), far).points == 6
    tied = Scope.of([Assumption(A.Rel("=", y, mul(N(2), x)))])
    assert check(A.Sub(y, mul(N(2), x)), N(0), tied).status is NumStatus.AGREE
    impossible = Scope.of([Assumption(A.Rel("<", x, x))])
    out = check(x, x, impossible)
    assert out.status is NumStatus.UNDEFINED and "assumptions" in out.reason


def test_cancellation_is_rechecked_at_higher_precision():
    big = N(10 ** 25)  # at 30 digits only ~5 digits of x survive
    out = check(A.Sub(A.Add(big, x), big), x)
    assert out.status is NumStatus.AGREE and out.points == 6
    assert check(A.Sub(A.Add(big, x), big), mul(N(2), x)).status is NumStatus.DISAGREE
    # beyond 60 digits of cancellation: no verdict, and above all no false counterexample
    huge = N(10 ** 45)
    assert check(A.Sub(A.Add(huge, x), huge), x).status is not NumStatus.DISAGREE


def test_same_seed_same_counterexample():
    first = check(*FLAWED, PG_SCOPE, seed=42)
    assert first == check(*FLAWED, PG_SCOPE, seed=42)
    others = {check(*FLAWED, PG_SCOPE, seed=s).counterexample for s in range(5)}
    assert len(others) > 1  # the seed matters


def test_out_of_time_is_raised():
    with pytest.raises(budget.OutOfTime):
        compare(*FLAWED, PG_SCOPE, seed=1, deadline=time.monotonic() - 1)


def test_points_requested():
    assert check(POLICY_GRADIENT[0], POLICY_GRADIENT[1], PG_SCOPE, points=10).points == 10


def test_constant_step():
    lhs = A.Add(mul(N(Fraction(7, 10)), N(20)), mul(N(Fraction(3, 10)), N(-10)))
    assert check(lhs, N(11)).status is NumStatus.AGREE
    out = check(lhs, A.Add(N(14), N(3)))
    assert out.status is NumStatus.DISAGREE
    assert (out.counterexample.left, out.counterexample.right) == ("11", "17")
    assert out.counterexample.values == ()


def test_real_function_is_shown_as_a_formula():
    f = A.Apply("f", (x,))
    out = check(grad("x", f), N(0), Scope.of([FunctionDecl("f", ("x",), "real")]))
    assert out.status is NumStatus.DISAGREE
    formula = dict(out.counterexample.instances)["f(x)"]
    assert "x" in formula and "sin(" in formula


def test_unsupported_function_is_undefined_with_reason():
    out = check(A.Fn("zeta", (x,)), x)
    assert out.status is NumStatus.UNDEFINED and "unsupported" in out.reason


# ---------------------------------------------------------------------------
# Elementary functions


def fn(name, *args):
    return A.Fn(name, tuple(args))


POSITIVE_X = Scope.of([SymbolDecl("x", "positive")])

IDENTITIES = [
    ("pythagoras", A.Add(A.Pow(fn("sin", x), N(2)), A.Pow(fn("cos", x), N(2))), N(1), None),
    ("exp-log", fn("exp", log(x)), x, POSITIVE_X),
    ("log-base", fn("log", x, N(2)), A.Div(log(x), log(N(2))), POSITIVE_X),
    ("tan", fn("tan", x), A.Div(fn("sin", x), fn("cos", x)), None),
    ("sec-csc-cot", mul(fn("sec", x), fn("sin", x)), A.Div(N(1), fn("cot", x)), None),
    ("atan", fn("atan", fn("tan", mul(N(Fraction(1, 10)), x))), mul(N(Fraction(1, 10)), x), None),
    ("asin-acos", A.Add(fn("asin", N(Fraction(1, 3))), fn("acos", N(Fraction(1, 3)))),
     A.Div(A.Const("pi"), N(2)), None),
    ("cosh-sinh", A.Sub(A.Pow(fn("cosh", x), N(2)), A.Pow(fn("sinh", x), N(2))), N(1), None),
    ("tanh", fn("tanh", x), A.Div(fn("sinh", x), fn("cosh", x)), None),
    ("abs-sign", mul(fn("sign", x), fn("abs", x)), x, None),
    ("min-max", A.Add(fn("min", x, y), fn("max", x, y)), A.Add(x, y), None),
    ("factorial", fn("factorial", N(4)), N(24), None),
    ("binom", fn("binom", N(5), N(2)), N(10), None),
    ("odd-root", fn("root", N(3), N(-8)), N(-2), None),
    ("e", log(A.Const("e")), N(1), None),
    ("second-derivative", grad("x", grad("x", fn("sin", x))), A.Neg(fn("sin", x)), None),
    ("definite-integral", A.Integral("x", A.Pow(x, N(2)), N(0), N(1)), N(Fraction(1, 3)), None),
]


@pytest.mark.parametrize("left,right,scope", [pytest.param(l, r, s, id=i) for i, l, r, s in IDENTITIES])
def test_elementary_identities_agree(left, right, scope):
    assert check(left, right, scope).status is NumStatus.AGREE


FALSEHOODS = [
    ("sin-cos", fn("sin", x), fn("cos", x)),
    ("integral", A.Integral("x", A.Pow(x, N(2)), N(0), N(1)), N(Fraction(1, 2))),
    ("even-root", fn("root", N(2), A.Pow(x, N(2))), x),
    ("derivative", grad("x", A.Pow(x, N(3))), mul(N(3), A.Pow(x, N(3)))),
]


@pytest.mark.parametrize("left,right", [pytest.param(l, r, id=i) for i, l, r in FALSEHOODS])
def test_elementary_falsehoods_disagree(left, right):
    assert check(left, right).status is NumStatus.DISAGREE


def test_set_sizes_vary_between_instances():
    # a claim true for one size of τ's set only: the step's two instances rarely share it
    sc = Scope.of([SymbolDecl("τ", "index", "τ")])
    agree = [check(A.Sum("τ", N(1)), N(3), sc, seed=s).status is NumStatus.AGREE for s in range(40)]
    assert sum(agree) <= 5
