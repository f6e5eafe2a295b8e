"""Diagnosis of a refuted step: which single slip turns the previous line into the next."""

from __future__ import annotations

import time
from fractions import Fraction

import pytest

from derivcheck import ast as A
from derivcheck.model import FunctionDecl, SymbolDecl
from derivcheck.scope import Scope
from derivcheck.verify import budget
from derivcheck.verify.diagnose import diagnose


def S(name):
    return A.Sym(name)


def N(v):
    return A.Num(Fraction(v))


def mul(*fs):
    out = fs[0]
    for f in fs[1:]:
        out = A.Mul(out, f)
    return out


def sq(e):
    return A.Pow(e, N(2))


θ, τ, x, y = S("θ"), S("τ"), S("x"), S("y")
Pr, R = A.Apply("Pr", (θ, τ)), A.Apply("R", (τ,))
PG = Scope.of([SymbolDecl("θ", "real"), SymbolDecl("τ", "index", "τ"),
               FunctionDecl("Pr", ("θ", "τ"), "distribution", over=1),
               FunctionDecl("R", ("τ",), "real")])


def why(left, right, scope=None, seed=3):
    return diagnose(left, right, scope if scope is not None else Scope(), seed=seed,
                    deadline=time.monotonic() + 10)


def test_flawed_policy_gradient_treats_the_distribution_as_constant():
    text = why(A.Deriv("θ", A.Expect("τ", Pr, R)), A.Expect("τ", Pr, A.Deriv("θ", R)), PG)
    assert "Pr was treated as constant in θ" in text
    assert "dependence on θ" in text


def test_product_rule_half_forgotten_names_the_function():
    f, g = A.Apply("f", (θ,)), A.Apply("g", (θ,))
    scope = Scope.of([FunctionDecl("f", ("θ",), "real"), FunctionDecl("g", ("θ",), "real")])
    assert "f was treated as constant in θ" in why(A.Deriv("θ", mul(f, g)), mul(f, A.Deriv("θ", g)), scope)
    assert "g was treated as constant in θ" in why(A.Deriv("θ", mul(f, g)), mul(A.Deriv("θ", f), g), scope)


# (id, previous line, next line, words the diagnosis must contain)
SLIPS = [
    ("sign-error", A.Add(x, sq(y)), A.Neg(A.Add(x, sq(y))), ["sign error"]),
    ("term-dropped", A.Add(x, sq(y)), x, ["term", "y^2", "dropped"]),
    ("term-added", x, A.Add(x, A.Fn("sin", (y,))), ["term", "sin(y)", "added"]),
    ("term-sign-flipped", A.Add(mul(N(3), x), y), A.Sub(mul(N(3), x), y),
     ["sign of the term", "y", "flipped"]),
    ("minus-dropped", A.Add(A.Neg(mul(x, y)), sq(x)), A.Add(mul(x, y), sq(x)), ["minus sign", "dropped"]),
    ("factor-dropped", mul(N(3), x, y), mul(x, y), ["factor 3", "dropped"]),
    ("factor-added", mul(x, y), mul(x, y, A.Fn("exp", (x,))), ["factor exp(x)", "added"]),
    ("division-dropped", A.Div(A.Add(x, N(1)), y), A.Add(x, N(1)), ["division by y", "dropped"]),
    ("multiplied-not-divided", A.Div(x, y), mul(x, y), ["y multiplies where it should divide"]),
    ("exponent-changed", A.Pow(x, N(3)), A.Pow(x, N(2)), ["exponent of x", "from 3 to 2"]),
    ("power-rule-exponent", A.Deriv("x", A.Pow(x, N(3))), mul(N(3), A.Pow(x, N(3))),
     ["exponent of x", "from 2 to 3"]),
    ("constant-factor", A.Add(sq(x), x), A.Add(mul(N(2), sq(x)), mul(N(2), x)),
     ["constant factor", "2 times"]),
    ("constant-factor-fraction", A.Add(sq(x), A.Fn("sin", (x,))),
     A.Add(A.Div(sq(x), N(2)), A.Div(A.Fn("sin", (x,)), N(2))), ["constant factor", "1/2 times"]),
    ("constant-offset", A.Add(sq(x), x), A.Sub(A.Sub(A.Pow(A.Add(x, N(1)), N(2)), x), N(3)),
     ["constant", "differs", "by −2"]),
]


@pytest.mark.parametrize("left,right,words", [pytest.param(l, r, w, id=i) for i, l, r, w in SLIPS])
def test_slip(left, right, words):
    text = why(left, right)
    for w in words:
        assert w in text, text


def log(u):
    return A.Fn("log", (u,))


# (id, previous line, next line, words the diagnosis must contain)
RULES = [
    ("freshman's-dream", A.Pow(A.Add(x, N(3)), N(2)), A.Add(sq(x), N(9)),
     ["(x + 3)^2 was taken to be x^2 + 3^2", "does not distribute"]),
    ("power-of-power", A.Div(A.Pow(sq(x), N(3)), sq(x)), A.Div(A.Pow(x, N(5)), sq(x)),
     ["(x^2)^3 was taken to be x^5", "multiply"]),
    ("exp-product", mul(A.Fn("exp", (x,)), A.Fn("exp", (y,))), A.Fn("exp", (mul(x, y),)),
     ["exponentials adds"]),
    ("log-of-sum", log(A.Add(sq(x), x)), A.Add(log(sq(x)), log(x)), ["log of a sum"]),
    ("log-of-quotient", log(A.Div(x, y)), A.Div(log(x), log(y)), ["log of a quotient"]),
    ("sqrt-of-square", A.Fn("sqrt", (sq(A.Sub(x, N(2))),)), A.Sub(x, N(2)), ["absolute value |x - 2|"]),
    ("fractions", A.Add(A.Div(N(1), x), A.Div(N(1), y)), A.Div(N(2), A.Add(x, y)),
     ["common denominator"]),
    ("product-rule", A.Deriv("x", mul(sq(x), A.Fn("exp", (x,)))),
     mul(A.Deriv("x", sq(x)), A.Deriv("x", A.Fn("exp", (x,)))), ["derivative of a product"]),
    ("distribute", A.Add(mul(N(2), A.Sub(sq(x), N(4))), N(3)), A.Add(A.Sub(mul(N(2), sq(x)), N(4)), N(3)),
     ["2 multiplies every term"]),
    ("power-of-product", A.Pow(mul(y, x), N(2)), mul(y, sq(x)), ["y is inside the power", "y^2"]),
    ("upside-down", mul(x, A.Div(x, y)), mul(x, A.Div(y, x)), ["x/y was turned upside down"]),
    ("log-dropped", A.Deriv("x", log(A.Fn("cosh", (x,)))), A.Deriv("x", A.Fn("cosh", (x,))),
     ["log around cosh(x) was dropped"]),
]


@pytest.mark.parametrize("left,right,words", [pytest.param(l, r, w, id=i) for i, l, r, w in RULES])
def test_misapplied_rule(left, right, words):
    # positive x, y: every line is defined, so only the slip itself can make them differ
    text = why(left, right, Scope.of([SymbolDecl("x", "positive"), SymbolDecl("y", "positive")]))
    for w in words:
        assert w in text, text


def test_dependent_factor_taken_out_of_a_sum():
    t, T = S("t"), S("T")
    scope = Scope.of([SymbolDecl("T", "natural"), SymbolDecl("γ", "real"),
                      FunctionDecl("r", ("t",), "sequence")])
    g_t, r_t = A.Pow(S("γ"), t), A.Apply("r", (t,))
    left = A.Sum("t", mul(g_t, r_t), N(0), A.Sub(T, N(1)))
    right = mul(g_t, A.Sum("t", r_t, N(0), A.Sub(T, N(1))))
    assert "depends on t: it cannot be taken out of the sum" in why(left, right, scope)


def test_expectation_of_a_product():
    p = A.Apply("p", (x,))
    scope = Scope.of([SymbolDecl("x", "index", "X"), FunctionDecl("p", ("x",), "distribution", over=0),
                      FunctionDecl("f", ("x",), "real"), FunctionDecl("g", ("x",), "real")])
    f, g = A.Apply("f", (x,)), A.Apply("g", (x,))
    text = why(A.Expect("x", p, mul(f, g)), mul(A.Expect("x", p, f), A.Expect("x", p, g)), scope)
    assert "expectation of a product" in text


def test_one_sided_step_is_explained():
    text = why(log(sq(x)), mul(N(2), log(x)))
    assert "new line is undefined where the previous one is not" in text and "x = −" in text


def test_a_vanishing_previous_line_is_not_explained_by_zeroing_the_new_one():
    # Σ_τ ∇ Pr R' with R' ≡ 1 is 0; dropping a factor of the new line to make it 0 too explains nothing
    left = A.Sum("τ", A.Deriv("θ", Pr))
    right = A.Deriv("θ", A.Sum("τ", mul(Pr, log(Pr))))
    assert "factor" not in why(left, right, PG)


def test_factor_dropped_inside_a_sum_is_named():
    text = why(A.Sum("τ", mul(Pr, R)), A.Sum("τ", R), PG)
    assert "factor Pr(θ, τ)" in text and "dropped" in text


def test_constant_lines_get_the_structural_slip_not_a_ratio():
    # 0.7·20 + 0.3·(−10) → 14 + 3: the second term's sign, not "17/11 times"
    left = A.Add(mul(N(Fraction(7, 10)), N(20)), mul(N(Fraction(3, 10)), N(-10)))
    text = why(left, A.Sub(mul(N(Fraction(7, 10)), N(20)), mul(N(Fraction(3, 10)), N(-10))))
    assert "sign of the term" in text and "times" not in text


def test_a_changed_exponent_must_be_one_the_student_wrote():
    # x³·x² → x⁴: changing the 3 to 2 would fit, but the student wrote x⁴, not x²·x²
    text = why(mul(A.Pow(x, N(3)), sq(x)), A.Pow(x, N(4)))
    assert "from 5 to 4" in text
    # x³·x² → x·x·x·x: "3 became 2" would fit, but no x² was written
    text = why(mul(A.Pow(x, N(3)), sq(x)), mul(x, x, x, x))
    assert text and "from 3 to 2" not in text


def test_a_constant_line_gets_the_term_not_the_whole_sign():
    # x² − 9 − x² → x² + 9 − x²: both lines are constants; the −9 changed sign
    text = why(A.Sub(A.Sub(sq(x), N(9)), sq(x)), A.Sub(A.Add(sq(x), N(9)), sq(x)))
    assert "sign of the term -9" in text


def test_nothing_fits():
    assert why(A.Fn("sin", (x,)), A.Fn("cos", (mul(x, y),))) == ""


def test_equal_lines_need_no_diagnosis():
    assert why(A.Add(x, y), A.Add(y, x)) == ""


def test_deterministic():
    a, b = A.Add(x, sq(y)), x
    assert why(a, b, seed=11) == why(a, b, seed=11)


def test_out_of_time():
    with pytest.raises(budget.OutOfTime):
        diagnose(x, y, Scope(), seed=1, deadline=time.monotonic() - 1)
