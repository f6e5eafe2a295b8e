"""Side conditions read from the written tree, and whether the declarations guarantee them."""

from __future__ import annotations

from fractions import Fraction

import pytest

from derivcheck import ast as A
from derivcheck.model import Assumption, FunctionDecl, SymbolDecl
from derivcheck.scope import Scope
from derivcheck.verify.conditions import SideCondition, side_conditions


def N(q) -> A.Num:
    return A.Num(Fraction(q))


θ, τ, x, y = A.Sym("θ"), A.Sym("τ"), A.Sym("x"), A.Sym("y")
PR = A.Apply("Pr", (θ, τ))

RL = Scope.of([
    SymbolDecl("θ", "real"), SymbolDecl("τ", "index", "τ"),
    FunctionDecl("Pr", ("θ", "τ"), "distribution", over=1), FunctionDecl("R", ("τ",), "real"),
    FunctionDecl("g", ("θ",), "positive"),
])
REAL = Scope.of([SymbolDecl("x", "real"), SymbolDecl("y", "real")])
POSITIVE = Scope.of([SymbolDecl("x", "positive")])
NONNEG = Scope.of([SymbolDecl("x", "nonnegative")])


def conds(node, scope):
    return [(c.kind, c.expr, c.guaranteed) for c in side_conditions(node, scope)]


def test_multiply_and_divide_by_a_distribution_is_guaranteed():
    written = A.Sum("τ", A.Mul(A.Mul(PR, A.Div(A.Deriv("θ", PR), PR)), A.Apply("R", (τ,))))
    assert conds(written, RL) == [("nonzero", PR, True)]


def test_log_of_a_distribution_is_guaranteed():
    written = A.Mul(PR, A.Deriv("θ", A.Fn("log", (PR,))))
    assert conds(written, RL) == [("positive", PR, True)]


def test_x_over_x_is_not_guaranteed_for_real_x():
    assert conds(A.Div(x, x), REAL) == [("nonzero", x, False)]
    assert conds(A.Div(x, x), POSITIVE) == [("nonzero", x, True)]


@pytest.mark.parametrize("scope, guaranteed", [(POSITIVE, True), (REAL, False)],
                         ids=["positive", "real"])
def test_log_argument(scope, guaranteed):
    assert conds(A.Fn("log", (x,)), scope) == [("positive", x, guaranteed)]


CASES = [
    pytest.param(A.Div(N(1), A.Fn("exp", (x,))), REAL, [("nonzero", A.Fn("exp", (x,)), True)],
                 id="exp-is-positive"),
    pytest.param(A.Div(N(1), A.Add(A.Pow(x, N(2)), N(1))), REAL,
                 [("nonzero", A.Add(A.Pow(x, N(2)), N(1)), True)], id="x-squared-plus-one"),
    pytest.param(A.Div(N(1), A.Pow(x, N(2))), REAL, [("nonzero", A.Pow(x, N(2)), False)],
                 id="x-squared-may-be-zero"),
    pytest.param(A.Fn("sqrt", (x,)), NONNEG, [("nonnegative", x, True)], id="sqrt-nonnegative"),
    pytest.param(A.Fn("sqrt", (x,)), REAL, [("nonnegative", x, False)], id="sqrt-real"),
    pytest.param(A.Pow(x, N("0.5")), REAL, [("nonnegative", x, False)], id="half-power"),
    pytest.param(A.Pow(x, N(-1)), REAL, [("nonzero", x, False)], id="negative-power"),
    pytest.param(A.Pow(x, A.Neg(N("0.5"))), POSITIVE, [("positive", x, True)],
                 id="negative-half-power"),
    pytest.param(A.Pow(x, N(3)), REAL, [], id="odd-power-no-condition"),
    pytest.param(A.Fn("root", (N(3), x)), REAL, [], id="odd-root-no-condition"),
    pytest.param(A.Fn("root", (N(4), x)), REAL, [("nonnegative", x, False)], id="even-root"),
    pytest.param(A.Fn("tan", (x,)), REAL, [("nonzero", A.Fn("cos", (x,)), False)], id="tan"),
    pytest.param(A.Fn("log", (x, N(2))), POSITIVE,
                 [("positive", x, True), ("nonzero", A.Fn("log", (N(2),)), True)],
                 id="log-base"),  # `2 > 0` is a number's fact, not a side condition
    pytest.param(A.Div(N(1), A.Apply("g", (θ,))), RL,
                 [("nonzero", A.Apply("g", (θ,)), True)], id="positive-function"),
    pytest.param(A.Div(N(1), A.Apply("R", (τ,))), RL,
                 [("nonzero", A.Apply("R", (τ,)), False)], id="real-function"),
    pytest.param(A.Add(N(1), N(2)), REAL, [], id="nothing-to-say"),
]


@pytest.mark.parametrize("node, scope, expected", CASES)
def test_conditions(node, scope, expected):
    assert conds(node, scope) == expected


def test_duplicates_are_reported_once_in_written_order():
    node = A.Add(A.Div(N(1), x), A.Add(A.Div(N(2), y), A.Div(N(3), x)))
    assert [c.expr for c in side_conditions(node, REAL)] == [x, y]


def test_conditions_inside_sums_and_derivatives():
    node = A.Sum("τ", A.Deriv("θ", A.Fn("log", (A.Div(PR, A.Apply("R", (τ,))),))))
    assert conds(node, RL) == [
        ("positive", A.Div(PR, A.Apply("R", (τ,))), False),
        ("nonzero", A.Apply("R", (τ,)), False),
    ]


def test_assumptions_guarantee_conditions():
    a, b = A.Sym("a"), A.Sym("b")
    scope = Scope.of([SymbolDecl("x", "real"), SymbolDecl("a", "real"), SymbolDecl("b", "real"),
                      Assumption(A.Rel(">", x, N(2)), "x > 2"),
                      Assumption(A.Rel("≠", a, b), "a ≠ b")])
    assert conds(A.Fn("log", (x,)), scope) == [("positive", x, True)]
    assert conds(A.Div(N(1), A.Sub(a, b)), scope) == [("nonzero", A.Sub(a, b), True)]
    assert conds(A.Div(N(1), A.Sub(b, a)), scope) == [("nonzero", A.Sub(b, a), True)]
    assert conds(A.Div(N(1), A.Add(a, b)), scope) == [("nonzero", A.Add(a, b), False)]


def test_side_condition_is_plain_data():
    c = side_conditions(A.Div(x, x), REAL)[0]
    assert c == SideCondition("nonzero", x, False)
    assert hash(c) == hash(SideCondition("nonzero", x, False))
