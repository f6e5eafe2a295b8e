"""Light normalisation: equal exactly up to commutativity, associativity, folding numbers and
renaming bound variables — and never up to simplification."""

from __future__ import annotations

from fractions import Fraction

import pytest

from derivcheck.printer import to_plain
from derivcheck.source import read_deriv
from derivcheck.verify.normalise import canonical, flat, normal_form, to_ast

DECLS = """
let θ, a, b, c, x, y: real
let τ, σ: index over T
let i, j: index
let Pr_θ(τ): distribution over τ
let R(τ): real
let f(x): real
let g(x, y): real
"""


def nf_pair(left: str, right: str):
    parsed = read_deriv(f"{DECLS}\n  {left}\n= {right}\n")
    assert not parsed.diagnostics, parsed.diagnostics
    steps = parsed.derivations[0].steps
    return normal_form(steps[0].expr), normal_form(steps[1].expr)


SAME = [
    ("a + b + c", "c + (b + a)"),
    ("a b c", "c (b a)"),
    ("a − b", "−b + a"),
    ("a/b/c", "a/(b c)"),
    ("a/b c", "c a / b"),
    ("2·3 x", "6x"),
    ("x + 0", "x"),
    ("1·x", "x"),
    ("x^1", "x"),
    ("γ^0 x", "x"),
    ("x + (4 − 4)", "x"),
    ("0.5 x", "x/2"),
    ("−(−x)", "x"),
    ("2^3", "8"),
    ("99·101", "(100 − 1)(100 + 1)"),
    ("e^x", "exp(x)"),
    ("Σ_τ Pr_θ(τ) R(τ)", "Σ_σ R(σ) Pr_θ(σ)"),
    ("Σ_i Σ_j g(i, j)", "Σ_j Σ_i g(j, i)"),
    ("E_{τ~Pr_θ}[R(τ)]", "E_{σ~Pr_θ}[R(σ)]"),
    ("Σ_{t=0}^{3} x_t", "Σ_{k=0}^{3} x_k"),
    ("f'(x)", "d/dx f(x)"),
    ("Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)", "Σ_τ R(τ) Pr_θ(τ) ∇_θ Pr_θ(τ) / Pr_θ(τ)"),
]

DIFFERENT = [
    ("x/x", "1"),  # cancelling is a rule, not normalisation
    ("x − x", "0"),
    ("a(b + c)", "a b + a c"),  # expanding
    ("x + x", "2x"),  # collecting like terms
    ("x x", "x^2"),
    ("log(a b)", "log a + log b"),
    ("(x^2)^3", "x^6"),
    ("∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)"),
    ("Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ))", "Σ_τ ∇_θ Pr_θ(τ)"),
    ("Σ_τ g(τ, σ)", "Σ_σ g(σ, σ)"),  # renaming must not capture
    ("Σ_τ R(τ)", "R(τ)"),
    ("−(a − b)", "b − a"),
    ("sqrt(x)", "x^(1/2)"),
]


@pytest.mark.parametrize("left,right", SAME, ids=[f"{a} ~ {b}" for a, b in SAME])
def test_equal_up_to_light_normalisation(left, right):
    a, b = nf_pair(left, right)
    assert a == b


@pytest.mark.parametrize("left,right", DIFFERENT, ids=[f"{a} !~ {b}" for a, b in DIFFERENT])
def test_not_equal_up_to_simplification(left, right):
    a, b = nf_pair(left, right)
    assert a != b


def test_normal_form_is_hashable_and_deterministic():
    a, b = nf_pair("Σ_τ Pr_θ(τ) R(τ) + x y", "y x + Σ_σ R(σ) Pr_θ(σ)")
    assert hash(a) == hash(b)
    assert {a: 1}[b] == 1
    assert nf_pair("x + y", "y")[0] == nf_pair("y + x", "y")[0]


def test_flat_form_keeps_what_was_written():
    parsed = read_deriv(f"{DECLS}\n  a·(b/b) − (4 − 4)\n")
    t = flat(parsed.derivations[0].steps[0].expr)
    assert "b/b" in to_plain(to_ast(t)) and "4 - 4" in to_plain(to_ast(t))
    head, factors = canonical(t)
    assert head == "mul"
    assert sorted(map(repr, factors)) == sorted(map(repr, [
        ("sym", "a"), ("sym", "b"), ("pow", ("sym", "b"), ("num", Fraction(-1)))]))


def test_flat_form_prints_back_readably():
    parsed = read_deriv(f"{DECLS}\n  a − b/c + (−2)·x\n")
    t = flat(parsed.derivations[0].steps[0].expr)
    assert to_plain(to_ast(t)) == "a - b/c - 2·x"
