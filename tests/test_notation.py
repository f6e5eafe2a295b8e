"""Every row of NOTATION.md §2 and §3 is read with its stated meaning.

Each case reads a small .deriv text (declarations and a one-line chain) with `read_deriv` and
compares the resolved step either to a tree built by hand or to the resolved tree of an
unambiguous spelling of the same meaning.  Where NOTATION leaves a reading open, the choice
made is written next to its case.
"""

from __future__ import annotations

from fractions import Fraction

import pytest

from derivcheck import ast as A
from derivcheck.model import Assumption, Definition, FunctionDecl, SymbolDecl
from derivcheck.printer import to_plain
from derivcheck.scope import unfold
from derivcheck.source import read_deriv

# ---------------------------------------------------------------------------
# helpers

RL = ("θ, θ_ref: real", "τ: index", "Pr_θ(τ): distribution over τ", "R(τ): real")
POLICY = ("θ: real", "π_θ(a∣s): distribution over a", "Q(s, a): real")


def read(expr: str, lets=()):
    """The parsed file of `let` lines and the one-line chain `expr`, with no diagnostics."""
    text = "title: t\n" + "".join(f"let {d}\n" for d in lets) + f"  {expr}\n"
    parsed = read_deriv(text)
    assert parsed.diagnostics == [], parsed.diagnostics
    assert len(parsed.derivations) == 1
    return parsed


def resolved(expr: str, lets=()) -> A.Node:
    steps = read(expr, lets).derivations[0].steps
    assert len(steps) == 1, steps
    return steps[0].expr


def notes(expr: str, lets=()) -> tuple[str, ...]:
    return read(expr, lets).derivations[0].notes


def S(name: str) -> A.Sym:
    return A.Sym(name)


def N(q) -> A.Num:
    return A.Num(Fraction(q))


def mul(*factors) -> A.Node:
    out = factors[0]
    for f in factors[1:]:
        out = A.Mul(out, f)
    return out


def app(func: str, *args) -> A.Apply:
    return A.Apply(func, tuple(S(a) if isinstance(a, str) else a for a in args))


def fn(name: str, *args) -> A.Fn:
    return A.Fn(name, tuple(S(a) if isinstance(a, str) else a for a in args))


PR = app("Pr", "θ", "τ")

# ---------------------------------------------------------------------------
# §3: a spelling and a tree built by hand

TREES = [
    # products and differences in every spelling
    ("a·b", (), mul(S("a"), S("b"))),
    ("a*b", (), mul(S("a"), S("b"))),
    ("a × b", (), mul(S("a"), S("b"))),
    ("a⋅b", (), mul(S("a"), S("b"))),
    ("a − b", (), A.Sub(S("a"), S("b"))),
    ("a - b", (), A.Sub(S("a"), S("b"))),
    ("a + b", (), A.Add(S("a"), S("b"))),
    # implicit multiplication
    ("2x", (), mul(N(2), S("x"))),
    ("x y", (), mul(S("x"), S("y"))),
    ("Pr_θ(τ) R(τ)", RL, mul(PR, app("R", "τ"))),
    ("(a+b)(c+d)", (), mul(A.Add(S("a"), S("b")), A.Add(S("c"), S("d")))),
    # powers
    ("x^{n+1}", (), A.Pow(S("x"), A.Add(S("n"), N(1)))),
    ("x^2", (), A.Pow(S("x"), N(2))),
    ("x**2", (), A.Pow(S("x"), N(2))),
    ("x²", (), A.Pow(S("x"), N(2))),
    ("x⁻¹", (), A.Pow(S("x"), A.Neg(N(1)))),
    ("sin(x)^2", (), A.Pow(fn("sin", "x"), N(2))),
    ("f(x)^2", ("f(x): real",), A.Pow(app("f", "x"), N(2))),
    ("sin^2 x", (), A.Pow(fn("sin", "x"), N(2))),
    ("-x^2", (), A.Neg(A.Pow(S("x"), N(2)))),
    # functions
    ("log x", (), fn("log", "x")),
    ("ln x", (), fn("log", "x")),
    ("log Pr_θ(τ)", RL, fn("log", PR)),
    ("exp(x)", (), fn("exp", "x")),
    ("sqrt(x)", (), fn("sqrt", "x")),
    ("√x", (), fn("sqrt", "x")),
    ("|x|", (), fn("abs", "x")),
    ("abs(x)", (), fn("abs", "x")),
    ("|x - y|", (), fn("abs", A.Sub(S("x"), S("y")))),
    ("sin x^2", (), fn("sin", A.Pow(S("x"), N(2)))),
    ("n!", (), fn("factorial", "n")),
    ("(n+1)!", (), fn("factorial", A.Add(S("n"), N(1)))),
    ("binom(n, k)", (), fn("binom", "n", "k")),
    ("log_b(x)", (), fn("log", "x", "b")),  # log(x, base)
    ("log_2 x", (), fn("log", "x", N(2))),
    ("log_{10}(x)", (), fn("log", "x", N(10))),
    ("root(n, x)", (), fn("root", "n", "x")),
    ("min(x, y)", (), fn("min", "x", "y")),
    ("max(x, y, z)", (), fn("max", "x", "y", "z")),
    # constants, unless declared
    ("π", (), A.Const("pi")),
    ("pi", (), A.Const("pi")),
    ("e", (), A.Const("e")),
    ("e^x", (), A.Pow(A.Const("e"), S("x"))),
    ("2e^x", (), mul(N(2), A.Pow(A.Const("e"), S("x")))),  # `2e` is no number: 2·e^x
    ("e", ("e: real",), S("e")),
    ("π_θ(a∣s)", POLICY, app("π", "θ", "a", "s")),
    ("π_θ(a|s)", POLICY, app("π", "θ", "a", "s")),
    # exact decimals
    ("0.7", (), N(Fraction(7, 10))),
    ("0.1", (), N(Fraction(1, 10))),
    ("1.5e-3", (), N(Fraction(3, 2000))),
    ("2.5E2", (), N(250)),
    (".5", (), N(Fraction(1, 2))),
    # names
    ("θ_ref", RL, S("θ_ref")),
    ("θ'", (), S("θ'")),
    ("x_1", (), S("x_1")),
    ("x1", (), S("x1")),
    ("x_{1}", (), S("x_1")),
    ("x_1", ("x_t: sequence",), app("x", N(1))),
    ("s_t", ("s_t: sequence",), app("s", "t")),
    ("s_{t+1}", ("s_t: sequence",), app("s", A.Add(S("t"), N(1)))),
    ("Pr_{θ_ref}(τ)", RL, app("Pr", "θ_ref", "τ")),
    # big operators
    ("Σ_τ Pr_θ(τ) R(τ)", RL, A.Sum("τ", mul(PR, app("R", "τ")))),
    ("sum_tau Pr_theta(tau) R(tau)", RL, A.Sum("τ", mul(PR, app("R", "τ")))),
    ("Σ_{t=0}^{T} t^2", (), A.Sum("t", A.Pow(S("t"), N(2)), N(0), S("T"))),
    ("sum_{t=0}^{T} t^2", (), A.Sum("t", A.Pow(S("t"), N(2)), N(0), S("T"))),
    ("Σ_{t=0}^{T-1} t", (), A.Sum("t", S("t"), N(0), A.Sub(S("T"), N(1)))),
    ("Π_{t=1}^{n} t", (), A.Product("t", S("t"), N(1), S("n"))),
    ("prod_{t=1}^{n} t", (), A.Product("t", S("t"), N(1), S("n"))),
    ("Π_τ Pr_θ(τ)", RL, A.Product("τ", PR)),
    ("Σ_{j=1, j≠i}^{n} j", (), A.Sum("j", S("j"), N(1), S("n"), S("i"))),
    # expectations: E_{x~p}[body] weighs body by p(x)
    ("E_{τ~p}[f(τ)]", ("τ: index", "p(τ): distribution over τ", "f(τ): real"),
     A.Expect("τ", app("p", "τ"), app("f", "τ"))),
    ("E_{τ~Pr_θ}[R(τ)]", RL, A.Expect("τ", PR, app("R", "τ"))),
    ("E_{a~π_θ(·|s)}[Q(s, a)]", POLICY, A.Expect("a", app("π", "θ", "a", "s"), app("Q", "s", "a"))),
    ("E_{a~π_θ(.|s)}[Q(s, a)]", POLICY, A.Expect("a", app("π", "θ", "a", "s"), app("Q", "s", "a"))),
    ("E_{a~π_θ(·∣s)}[Q(s, a)]", POLICY, A.Expect("a", app("π", "θ", "a", "s"), app("Q", "s", "a"))),
    # without a `·`, the variable fills the declared `over` slot
    ("E_{a~π_θ(s)}[Q(s, a)]", POLICY, A.Expect("a", app("π", "θ", "a", "s"), app("Q", "s", "a"))),
    # derivatives
    ("∂f/∂θ", ("θ: real", "f: real"), A.Deriv("θ", S("f"))),
    ("∂f(θ)/∂θ", ("θ: real", "f(θ): real"), A.Deriv("θ", app("f", "θ"))),
    # a bare declared function is applied to its parameters: `∂f/∂θ` with `let f(θ): real`
    ("∂f/∂θ", ("θ: real", "f(θ): real"), A.Deriv("θ", app("f", "θ"))),
    ("∂R/∂θ", RL, A.Deriv("θ", app("R", "τ"))),
    ("∂log Pr_θ(τ)/∂θ", RL, A.Deriv("θ", fn("log", PR))),
    ("∂/∂θ log Pr_θ(τ)", RL, A.Deriv("θ", fn("log", PR))),
    ("d/dθ log Pr_θ(τ)", RL, A.Deriv("θ", fn("log", PR))),
    ("d/dtheta log Pr_θ(τ)", RL, A.Deriv("θ", fn("log", PR))),
    ("∇_θ log Pr_θ(τ)", RL, A.Deriv("θ", fn("log", PR))),
    ("grad_theta log Pr_θ(τ)", RL, A.Deriv("θ", fn("log", PR))),
    ("∇_θ Pr_θ(τ) R(τ)", RL, mul(A.Deriv("θ", PR), app("R", "τ"))),
    ("∇_θ Σ_τ Pr_θ(τ) R(τ)", RL, A.Deriv("θ", A.Sum("τ", mul(PR, app("R", "τ"))))),
    ("d/dθ Σ_τ Pr_θ(τ) R(τ)", RL, A.Deriv("θ", A.Sum("τ", mul(PR, app("R", "τ"))))),
    ("b ∇_θ Σ_τ Pr_θ(τ)", RL, mul(S("b"), A.Deriv("θ", A.Sum("τ", PR)))),
    ("∇_θ E_{τ~Pr_θ}[R(τ)]", RL, A.Deriv("θ", A.Expect("τ", PR, app("R", "τ")))),
    # integrals
    ("∫_τ Pr_θ(τ) R(τ) dτ", RL, A.Integral("τ", mul(PR, app("R", "τ")))),
    ("∫_τ Pr_θ(τ) R(τ)", RL, A.Integral("τ", mul(PR, app("R", "τ")))),
    ("∫_0^1 f(x) dx", ("f(x): real",), A.Integral("x", app("f", "x"), N(0), N(1))),
    ("int_0^1 f(x) dx", ("f(x): real",), A.Integral("x", app("f", "x"), N(0), N(1))),
    ("∫_{0}^{1} x^2 dx", (), A.Integral("x", A.Pow(S("x"), N(2)), N(0), N(1))),
    ("∫_0^1 dx", (), A.Integral("x", N(1), N(0), N(1))),
    # the evaluation bar
    ("(Pr_θ(τ))|_{θ=θ_ref}", RL, A.At(PR, "θ", S("θ_ref"))),
    ("∇_θ log Pr_θ(τ)|_{θ=θ_ref}", RL, A.At(A.Deriv("θ", fn("log", PR)), "θ", S("θ_ref"))),
    ("x^2|_{x=2}", (), A.At(A.Pow(S("x"), N(2)), "x", N(2))),
    # f'(x): the derivative of f at x, with a bound variable that is no declared name
    ("f'(x)", ("f(u): real",), A.At(A.Deriv("u", app("f", "u")), "u", S("x"))),
    ("f'(2)", ("f(u): real",), A.At(A.Deriv("u", app("f", "u")), "u", N(2))),
    ("f''(x)", ("f(u): real",), A.At(A.Deriv("u", A.Deriv("u", app("f", "u"))), "u", S("x"))),
    ("f'(x)", ("x: real", "f(x): real"), A.At(A.Deriv("x'", app("f", "x'")), "x'", S("x"))),
    # reading choice: with f undeclared, f'(x) is still the derivative of (an assumed) f
    ("f'(x)", (), A.At(A.Deriv("u", app("f", "u")), "u", S("x"))),
    # but with θ a symbol, θ' is a name of its own (NOTATION: θ' is a distinct symbol name)
    ("θ'(x)", ("θ: real",), app("θ'", "x")),
    # a declared symbol followed by `(` multiplies
    ("x(x+1)", ("x: real",), mul(S("x"), A.Add(S("x"), N(1)))),
    ("θ_ref(x+1)", RL, mul(S("θ_ref"), A.Add(S("x"), N(1)))),
    # an undeclared name applied to arguments is a function (noted, see test_assumed_function)
    ("f(x)", (), app("f", "x")),
    ("x(x+1)", (), app("x", A.Add(S("x"), N(1)))),
]


@pytest.mark.parametrize("written,lets,tree", TREES, ids=[f"{w} [{','.join(d)}]" if d else w for w, d, _ in TREES])
def test_reads_as_tree(written, lets, tree):
    assert resolved(written, lets) == tree


@pytest.mark.parametrize("name", ["sin", "cos", "tan", "sec", "csc", "cot", "asin", "acos", "atan",
                                  "sinh", "cosh", "tanh", "exp", "sqrt", "abs"])
def test_elementary_function_by_name(name):
    assert resolved(f"{name}(x)") == fn(name, "x")
    assert resolved(f"{name} x") == fn(name, "x")


@pytest.mark.parametrize("alias,name", [("arcsin", "asin"), ("arccos", "acos"), ("arctan", "atan"),
                                        ("ln", "log")])
def test_function_aliases(alias, name):
    assert resolved(f"{alias}(x)") == fn(name, "x")


# ---------------------------------------------------------------------------
# §3: a spelling and an unambiguous spelling of the same meaning

SAME = [
    ("a·b", "a*b", ()),
    ("a × b", "a·b", ()),
    ("a − b", "a - b", ()),
    ("2xy", "2·x·y", ()),
    ("xy", "x·y", ()),
    ("2x(x+1)", "2·x·(x+1)", ("x: real",)),
    ("x^{n+1}", "x^(n+1)", ()),
    ("x**2", "x^2", ()),
    ("x²", "x^2", ()),
    ("x³y", "(x^3)·y", ()),
    ("sin(x)^2", "(sin(x))^2", ()),
    ("sin^2 x", "(sin(x))^2", ()),
    ("a/b/c", "(a/b)/c", ()),
    ("a/b c", "(a/b)·c", ()),
    ("a b/c", "(a·b)/c", ()),
    ("-x^2", "-(x^2)", ()),
    ("log Pr_θ(τ)", "log(Pr(θ, τ))", RL),
    ("log Pr_θ(τ) R(τ)", "(log(Pr_θ(τ)))·R(τ)", RL),
    ("sin x^2", "sin(x^2)", ()),
    ("sin x y", "(sin(x))·y", ()),
    ("√x", "sqrt(x)", ()),
    ("|x|", "abs(x)", ()),
    ("|x| + |y|", "abs(x) + abs(y)", ()),
    ("theta", "θ", ()),
    ("tau + alpha", "τ + α", ()),
    ("theta_ref", "θ_ref", ()),
    ("θ_{ref}", "θ_ref", ()),
    ("θ′", "θ'", ()),
    ("Σ_τ a b + c", "(Σ_τ a·b) + c", ("τ: index",)),
    ("sum_tau a b", "Σ_τ a·b", ("τ: index",)),
    ("Σ_{t=0}^T t", "Σ_{t=0}^{T} t", ()),
    ("E_{tau~Pr_theta}[R(tau)]", "E_{τ~Pr_θ}[R(τ)]", RL),
    ("E_{a~π_θ(.|s)}[Q(s, a)]", "E_{a~π_θ(·|s)}[Q(s, a)]", POLICY),
    ("∂log Pr_θ(τ)/∂θ", "∇_θ log Pr_θ(τ)", RL),
    ("∂/∂θ Pr_θ(τ)", "∇_θ Pr_θ(τ)", RL),
    ("d/dθ Pr_θ(τ)", "∇_θ Pr_θ(τ)", RL),
    ("d/dtheta Pr_θ(τ)", "∇_θ Pr_θ(τ)", RL),
    ("grad_theta Pr_θ(τ)", "∇_θ Pr_θ(τ)", RL),
    ("∂_θ Pr_θ(τ)", "∇_θ Pr_θ(τ)", RL),
    ("∇_θ Pr_θ(τ) R(τ)", "(∇_θ Pr_θ(τ))·R(τ)", RL),
    ("∇_θ Σ_τ Pr_θ(τ) R(τ)", "∇_θ (Σ_τ Pr_θ(τ)·R(τ))", RL),
    ("d/dθ Σ_τ Pr_θ(τ) R(τ)", "∇_θ (Σ_τ Pr_θ(τ)·R(τ))", RL),
    ("b ∇_θ Σ_τ Pr_θ(τ)", "b·(∇_θ (Σ_τ Pr_θ(τ)))", RL),
    ("∇_θ log Pr_θ(τ)|_{θ=θ_ref}", "(∇_θ log Pr_θ(τ))|_{θ=θ_ref}", RL),
    ("int_0^1 x dx", "∫_0^1 x dx", ()),
    ("∫_τ Pr_θ(τ) dτ", "∫_τ Pr_θ(τ)", RL),
    ("prod_{t=1}^{n} t", "Π_{t=1}^{n} t", ()),
    # a function applied with a space is still applied: `p_θ (τ)`
    ("Pr_θ (τ)", "Pr_θ(τ)", RL),
    # reading choice: a constant followed by a bracket multiplies, like a declared symbol
    ("2π(r+1)", "2·π·(r+1)", ()),
    ("e(x+1)", "e·(x+1)", ()),
]


@pytest.mark.parametrize("written,plain,lets", SAME, ids=[w for w, _, _ in SAME])
def test_reads_like_unambiguous_spelling(written, plain, lets):
    assert resolved(written, lets) == resolved(plain, lets)


@pytest.mark.parametrize("written,lets,shown", [
    ("a/b c", (), "(a/b)·c"),
    ("Σ_τ a b + c", ("τ: index",), "(Σ_τ (a·b)) + c"),
    ("sin^2 x", (), "sin(x)^2"),
    ("∇_θ log Pr_θ(τ) R(τ)", RL, "(∇_θ log(Pr(θ, τ)))·R(τ)"),
    ("∇_θ log Pr_θ(τ)|_{θ=θ_ref}", RL, "(∇_θ log(Pr(θ, τ)))|_{θ=θ_ref}"),
    ("E_{a~π_θ(·|s)}[Q(s, a)]", POLICY, "E_{a~π(θ, ·, s)}[Q(s, a)]"),
])
def test_bracketed_reading(written, lets, shown):
    assert to_plain(resolved(written, lets), bracketed=True) == shown


# ---------------------------------------------------------------------------
# §3: readings that carry a note


@pytest.mark.parametrize("written,lets,fragment", [
    ("2xy", (), "`xy` is no declared name: read as the product x·y"),
    ("a/b c", (), "(a/b)·c"),
    ("f(x)", (), "`f` is not declared"),
    ("E_{x~q}[x]", (), "`q` is used as the distribution"),
    ("2π(r+1)", (), "read as the product π·(…)"),
    ("∂R/∂θ", RL, "`R` stands for R(τ)"),
    ("f'(x)", (), "`f'` is read as the derivative of f"),
])
def test_reading_is_noted(written, lets, fragment):
    assert any(fragment in n for n in notes(written, lets)), notes(written, lets)


def test_declared_names_are_not_noted():
    assert notes("Pr_θ(τ) R(τ) + x(x+1)", (*RL, "x: real")) == ()


def test_declared_name_is_not_split():
    assert resolved("xy", ("xy: real",)) == S("xy")


def test_assumed_function_is_noted():
    parsed = read("f(x) + g(x, y)")
    (d,) = parsed.derivations
    assert d.steps[0].expr == A.Add(app("f", "x"), app("g", "x", "y"))
    assert any("`f` is not declared" in n for n in d.notes)
    assert any("`g` is not declared" in n for n in d.notes)


def test_distribution_of_an_expectation_is_a_distribution_over_its_variable():
    parsed = read("E_{x~q}[x^2]")
    assert parsed.derivations[0].steps[0].expr == A.Expect("x", app("q", "x"), A.Pow(S("x"), N(2)))
    assert parsed.scopes[0].function_kind("q", 1) == "distribution"


def test_bound_subscript_is_a_sequence_term():
    # reading choice: `Σ_j a_j` sums the terms a(j) of a sequence; a symbol `a_j` fixed for the
    # whole sum would make it n·a_j.  Outside the sum `a_1` stays a symbol (NOTATION: `x_1` is
    # `x(1)` only when x is a declared sequence).
    assert resolved("Σ_{j=1}^{n} a_j") == A.Sum("j", app("a", "j"), N(1), S("n"))
    assert resolved("a_j") == S("a_j")


def test_sum_over_a_named_set():
    parsed = read("Σ_{x ∈ D} x^2")
    assert parsed.derivations[0].steps[0].expr == A.Sum("x", A.Pow(S("x"), N(2)))
    assert parsed.scopes[0].set_of("x") == "D"


def test_definition_unfolds_with_its_argument():
    parsed = read("J(θ_ref)", (*RL, "J(θ) := Σ_τ Pr_θ(τ) R(τ)"))
    expr = parsed.derivations[0].steps[0].expr
    assert expr == app("J", "θ_ref")
    assert unfold(expr, parsed.scopes[0]) == A.Sum("τ", mul(app("Pr", "θ_ref", "τ"), app("R", "τ")))


def test_prime_of_a_definition():
    expr = resolved("J'(1)", ("J(θ) := θ^2",))
    assert expr == A.At(A.Deriv("θ", app("J", "θ")), "θ", N(1))


# ---------------------------------------------------------------------------
# §2: declarations


def declarations(*lets):
    parsed = read("x", lets)
    return parsed.derivations[0].declarations, parsed.scopes[0]


@pytest.mark.parametrize("kind", ["real", "positive", "nonnegative", "integer", "natural", "nonzero"])
def test_symbol_domains(kind):
    decls, scope = declarations(f"x, y: {kind}")
    assert decls == (SymbolDecl("x", kind, None, 2), SymbolDecl("y", kind, None, 2))
    assert scope.domain("x") == scope.domain("y") == kind


def test_undeclared_symbol_is_real():
    _, scope = declarations()
    assert scope.domain("z") == "real"


def test_index_sets_separate_and_shared():
    _, scope = declarations("τ: index", "a, b: index", "c, c': index over A")
    assert scope.is_index("τ") and scope.set_of("τ") == "τ"
    assert scope.set_of("a") == "a" and scope.set_of("b") == "b"
    assert scope.set_of("c") == scope.set_of("c'") == "A"


def test_greek_by_name_in_declarations():
    decls, _ = declarations("theta: positive", "tau: index")
    assert decls == (SymbolDecl("θ", "positive", None, 2), SymbolDecl("τ", "index", "τ", 3))


@pytest.mark.parametrize("kind", ["real", "positive"])
def test_function_declaration(kind):
    decls, scope = declarations(f"f(x, y): {kind}")
    assert decls == (FunctionDecl("f", ("x", "y"), kind, None, 2),)
    assert scope.function("f", 2) is not None and scope.function("f", 1) is None


def test_distribution_subscript_is_an_argument():
    decls, scope = declarations("Pr_θ(τ): distribution over τ")
    assert decls == (FunctionDecl("Pr", ("θ", "τ"), "distribution", 1, 2),)
    assert resolved("Pr_θ(τ)", ("Pr_θ(τ): distribution over τ",)) == PR


@pytest.mark.parametrize("head", ["π_θ(a∣s)", "π_θ(a|s)"])
def test_conditional_distribution(head):
    decls, _ = declarations(f"{head}: distribution over a")
    assert decls == (FunctionDecl("π", ("θ", "a", "s"), "distribution", 1, 2),)


def test_distribution_over_defaults_to_its_first_argument():
    decls, _ = declarations("p(x): distribution")
    assert decls == (FunctionDecl("p", ("x",), "distribution", 0, 2),)


def test_overloading_by_arity():
    decls, scope = declarations("P(τ∣θ): distribution over τ", "P(s'∣s, a): distribution over s'")
    assert scope.function("P", 2).params == ("τ", "θ")
    assert scope.function("P", 3).params == ("s'", "s", "a")


def test_sequence():
    decls, _ = declarations("s_t, a_t: sequence")
    assert decls == (FunctionDecl("s", ("t",), "sequence", None, 2),
                     FunctionDecl("a", ("t",), "sequence", None, 2))


def test_definitions_with_and_without_parameters():
    decls, scope = declarations(*RL, "J(θ) := Σ_τ Pr_θ(τ) R(τ)", "K := x + 1")
    assert decls[-2] == Definition("J", ("θ",), A.Sum("τ", mul(PR, app("R", "τ"))), 6)
    assert decls[-1] == Definition("K", (), A.Add(S("x"), N(1)), 7)
    assert scope.definition("J", 1) is not None and scope.definition("K", 0) is not None


def test_assumptions():
    text = "title: t\nassume x > 2\nassume a ≠ b\nassume 0 < y <= 1\n  x\n"
    parsed = read_deriv(text)
    assert parsed.diagnostics == []
    assert parsed.scopes[0].assumptions == [
        Assumption(A.Rel(">", S("x"), N(2)), "x > 2", 2),
        Assumption(A.Rel("≠", S("a"), S("b")), "a ≠ b", 3),
        Assumption(A.Rel("<", N(0), S("y")), "0 < y <= 1", 4),
        Assumption(A.Rel("≤", S("y"), N(1)), "0 < y <= 1", 4),
    ]


# ---------------------------------------------------------------------------
# §1: the file


def test_several_derivations_share_the_lets_before_the_first_title():
    text = """# a comment
let x: positive
let f(x): real

title: first
let y: integer
  f(x) + y
= y + f(x)

title: second
notation: plain
  x
= x·1
"""
    parsed = read_deriv(text)
    assert parsed.diagnostics == []
    first, second = parsed.derivations
    assert (first.title, first.line, second.title, second.line) == ("first", 5, "second", 10)
    assert parsed.scopes[0].domain("x") == parsed.scopes[1].domain("x") == "positive"
    assert parsed.scopes[1].function("f", 1) is not None
    assert parsed.scopes[0].domain("y") == "integer"
    assert "y" not in parsed.scopes[1].symbols  # a `let` after a title is that derivation's own
    assert [s.expr for s in first.steps] == [A.Add(app("f", "x"), S("y")), A.Add(S("y"), app("f", "x"))]
    assert [(s.index, s.relation, s.line, s.column) for s in second.steps] == [
        (1, None, 12, 3), (2, "=", 13, 1)]


def test_one_line_claim_is_a_chain():
    parsed = read_deriv("title: claim\n  (a+b)^2 = a^2 + 2ab + b^2\n")
    assert parsed.diagnostics == []
    first, second = parsed.derivations[0].steps
    assert (first.relation, first.text, first.line, first.column) == (None, "(a+b)^2", 2, 3)
    # the second step points at its relation
    assert (second.relation, second.line, second.column) == ("=", 2, 11)
    assert second.expr == resolved("a^2 + 2·a·b + b^2")


def test_inequality_chain_relations():
    parsed = read_deriv("title: t\n  x^2 + 1 >= 1 <= 2\n< 3\n  ≤ 4\n")
    assert parsed.diagnostics == []
    assert [s.relation for s in parsed.derivations[0].steps] == [None, "≥", "≤", "<", "≤"]


def test_hints_are_kept_with_their_position():
    text = "title: t\n  x + 0\n= { additive identity }   x\n=   {a {nested} hint} x·1\n= x\n"
    parsed = read_deriv(text)
    assert parsed.diagnostics == []
    steps = parsed.derivations[0].steps
    assert [s.hint for s in steps[:1]] == [None]
    assert (steps[1].hint.text, steps[1].hint.line, steps[1].hint.column) == ("additive identity", 3, 3)
    assert (steps[2].hint.text, steps[2].hint.line, steps[2].hint.column) == ("a {nested} hint", 4, 5)
    assert steps[3].hint is None
    assert [s.expr for s in steps] == [A.Add(S("x"), N(0)), S("x"), mul(S("x"), N(1)), S("x")]


def test_continuation_inside_open_brackets():
    text = "title: t\nlet x: real\n  (x +\n   1) * 2\n= { expand\n  } 2x + 2\n= 2(x\n  + 1)\n"
    parsed = read_deriv(text)
    assert parsed.diagnostics == []
    steps = parsed.derivations[0].steps
    assert [(s.line, s.column) for s in steps] == [(3, 3), (5, 1), (7, 1)]
    assert steps[0].expr == mul(A.Add(S("x"), N(1)), N(2))
    assert steps[1].hint.text == "expand"
    assert steps[1].expr == A.Add(mul(N(2), S("x")), N(2))
    assert steps[2].expr == mul(N(2), A.Add(S("x"), N(1)))


def test_the_seed_example_of_notation_section_1():
    text = """# Policy gradient via the log-derivative trick
title: Policy gradient theorem
notation: plain

let θ: real
let τ: index
let Pr_θ(τ): distribution over τ
let R(τ): real
let J(θ) := Σ_τ Pr_θ(τ) R(τ)

  ∇_θ J(θ)
= { definition of J }          ∇_θ Σ_τ Pr_θ(τ) R(τ)
= { linearity }                Σ_τ ∇_θ Pr_θ(τ) R(τ)
= { multiply and divide by Pr_θ(τ) }  Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)
= { log-derivative trick }     Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)
= { definition of expectation }  E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]
"""
    parsed = read_deriv(text)
    assert parsed.diagnostics == []
    steps = parsed.derivations[0].steps
    assert [s.line for s in steps] == [11, 12, 13, 14, 15, 16]
    assert steps[0].expr == A.Deriv("θ", app("J", "θ"))
    assert steps[2].expr == A.Sum("τ", mul(A.Deriv("θ", PR), app("R", "τ")))
    assert steps[3].expr == A.Sum("τ", mul(PR, A.Div(A.Deriv("θ", PR), PR), app("R", "τ")))
    assert steps[4].expr == A.Sum("τ", mul(PR, A.Deriv("θ", fn("log", PR)), app("R", "τ")))
    assert steps[5].expr == A.Expect("τ", PR, mul(A.Deriv("θ", fn("log", PR)), app("R", "τ")))
    assert steps[5].hint.text == "definition of expectation"
