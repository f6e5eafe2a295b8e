"""Every rule accounts for a step it should, and not for a true step it should not (for
example, linearity does not account for the log-derivative trick)."""

from __future__ import annotations

import pytest

from derivcheck.model import HintStatus
from derivcheck.rules import check_hint, library
from derivcheck.source import read_deriv

DECLS = """
let θ, w, c: real
let x, y, z: positive
let u: real
let τ, σ: index over T
let Pr_θ(τ): distribution over τ
let R(τ): real
let p(v), q(v): distribution over v
let p_θ(v): distribution over v
let f(v), g(v): real
let h(i, j): real
let v: index
let n, m, k, t, i, j: natural
let r_t: sequence
let J(θ) := Σ_τ Pr_θ(τ) R(τ)
let K(θ) := E_{τ~Pr_θ}[R(τ)]
assume w = u^2
"""

# (rule as cited, previous line, next line): a true step the rule accounts for
ACCOUNTS = [
    ("linearity", "∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)"),
    ("linearity", "E_{τ~Pr_θ}[2 R(τ) + 3]", "2 E_{τ~Pr_θ}[R(τ)] + 3 E_{τ~Pr_θ}[1]"),
    ("linearity", "Σ_τ ∇_θ Pr_θ(τ) c", "c ∇_θ Σ_τ Pr_θ(τ)"),
    ("interchange", "∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ ∇_θ (Pr_θ(τ) R(τ))"),
    ("derivative of a constant", "∇_θ (log Pr_θ(τ) + R(τ))", "∇_θ log Pr_θ(τ)"),
    ("R does not depend on θ", "∇_θ (R(τ) + θ)", "∇_θ θ"),
    ("product rule", "d/dx (x^2 sin x)", "(d/dx x^2) sin x + x^2 (d/dx sin x)"),
    ("product rule", "d/dx (x^2 sin x)", "2x sin x + x^2 cos x"),
    ("quotient rule", "d/dx (f(x)/g(x))", "(f'(x) g(x) − f(x) g'(x)) / g(x)^2"),
    ("chain rule", "d/dx sin(x^3)", "cos(x^3) · d/dx x^3"),
    ("chain rule", "d/dx exp(f(x))", "exp(f(x)) f'(x)"),
    ("power rule", "d/dx x^5", "5 x^4"),
    ("differentiate", "d/dx sin x", "cos x"),
    ("evaluate at a point", "(x^2 + x)|_{x=2}", "2^2 + 2"),
    ("fundamental theorem of calculus", "∫_0^1 2u du", "(u^2)|_{u=1} − (u^2)|_{u=0}"),
    ("integration by parts", "∫_0^1 u exp(u) du",
     "(u exp(u))|_{u=1} − (u exp(u))|_{u=0} − ∫_0^1 exp(u) du"),
    ("definition of expectation", "E_{τ~Pr_θ}[R(τ)]", "Σ_τ Pr_θ(τ) R(τ)"),
    ("definition of expectation", "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)", "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"),
    ("log-derivative trick", "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)", "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)"),
    ("log-derivative trick", "Σ_τ ∇_θ Pr_θ(τ) R(τ)", "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)"),
    ("likelihood ratio", "∇_θ log Pr_θ(τ)", "∇_θ Pr_θ(τ) / Pr_θ(τ)"),
    ("score function identity", "Σ_v ∇_θ p_θ(v) f(v)", "E_{v~p_θ}[∇_θ log p_θ(v) f(v)]"),
    ("importance sampling", "E_{v~q}[p(v)/q(v) f(v)]", "E_{v~p}[f(v)]"),
    ("importance sampling", "E_{v~p}[f(v)]", "E_{v~q}[p(v)/q(v) f(v)]"),
    ("normalisation", "c Σ_v p(v)", "c"),
    ("p is normalised", "E_{v~p}[1] + c", "1 + c"),
    ("score has mean zero", "E_{v~p_θ}[∇_θ log p_θ(v)]", "0"),
    ("expand", "(x + 1)^2", "x^2 + 2x + 1"),
    ("distribute", "(x + y)(x + y)", "x(x + y) + y(x + y)"),
    ("factor", "x^2 + 2x", "x (x + 2)"),
    ("factor", "x^2 + 2x + 1", "(x + 1)^2"),
    ("collect", "3x + x + y", "4x + y"),
    ("cancel", "(x + 1) y / (x + 1)", "y"),
    ("cancel", "x^2 + 3 − x^2", "3"),
    ("multiply and divide by Pr_θ(τ)", "∇_θ Pr_θ(τ) R(τ)", "Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)"),
    ("add and subtract 4", "x^2 + 4x", "x^2 + 4x + 4 − 4"),
    ("add and subtract y", "x", "x + y − y"),
    ("common denominator", "1/x + 1/y", "(y + x)/(x y)"),
    ("definition of the square", "(x + y)^2", "(x + y)(x + y)"),
    ("laws of exponents", "x^2 x^3", "x^(2 + 3)"),
    ("difference of squares", "x^2 − 9", "(x − 3)(x + 3)"),
    ("arithmetic", "0.7·20 + 0.3·(−10)", "11"),
    ("rename a bound variable", "Σ_τ R(τ)", "Σ_σ R(σ)"),
    ("algebra", "x + x", "2x"),
    ("log of a product", "log(x y)", "log x + log y"),
    ("log of a product", "log Π_{t=1}^{n} f(t)", "Σ_{t=1}^{n} log f(t)"),
    ("log of a quotient", "log(x/y)", "log x − log y"),
    ("log of a power", "log(x^3)", "3 log x"),
    ("log of a product over an index", "log Π_{t=1}^{n} f(t)", "Σ_{t=1}^{n} log f(t)"),
    ("exp and log are inverse", "exp(log x) y", "x y"),
    ("exp of a sum", "exp(x + y)", "exp(x) exp(y)"),
    ("change of base", "log_2(x)", "log x / log 2"),
    ("addition formula", "sin(x + y)", "sin x cos y + cos x sin y"),
    ("double angle", "sin(2x)", "2 sin x cos x"),
    ("Pythagorean identity", "sin(x)^2 + cos(x)^2 + 1", "2"),
    ("tan as a ratio", "tan x", "sin x / cos x"),
    ("square root of a square", "sqrt(u^2)", "|u|"),
    ("definition of J", "∇_θ J(θ)", "∇_θ Σ_τ Pr_θ(τ) R(τ)"),
    ("definition of J", "Σ_τ Pr_θ(τ) R(τ)", "J(θ)"),
    ("definition", "K(θ) + c", "Σ_τ Pr_θ(τ) R(τ) + c"),
    ("sum of a constant", "Σ_{t=1}^{n} c", "n c"),
    ("arithmetic series", "Σ_{k=1}^{n} k", "n(n + 1)/2"),
    ("split off a term", "Σ_{t=0}^{n} r_t", "r_0 + Σ_{t=1}^{n} r_t"),
    ("shift the index", "Σ_{t=1}^{n} r_t", "Σ_{t=0}^{n−1} r_{t+1}"),
    ("swap the sums", "Σ_{i=1}^{n} Σ_{j=1}^{m} h(i, j)", "Σ_{j=1}^{m} Σ_{i=1}^{n} h(i, j)"),
    ("substitute an equal", "w + 1", "u^2 + 1"),
    ("exp(log v) = v", "exp(log x) y", "x y"),
    ("(a − b)(a + b) = a² − b²", "(100 − 1)(100 + 1)", "100^2 − 1^2"),
    ("x² + 4x + 4 = (x + 2)²", "2(x^2 + 4x + 4 − 4) + 3", "2((x + 2)^2 − 4) + 3"),
    ("log of a product, power rule", "log(x^2 y^3)", "2 log x + 3 log y"),
    ("π_θ is normalised: ∇_θ 1 = 0", "c − ∇_θ Σ_τ Pr_θ(τ)", "c"),
]

# (rule as cited, previous line, next line): a true step the rule does NOT account for
DOES_NOT_ACCOUNT = [
    ("linearity", "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)"),
    ("linearity", "Σ_τ Pr_θ(τ) R(τ)", "E_{τ~Pr_θ}[R(τ)]"),
    ("linearity", "(x + y)(x + y)", "x(x + y) + y(x + y)"),
    ("interchange", "∇_θ (Pr_θ(τ) c)", "c ∇_θ Pr_θ(τ)"),
    ("derivative of a constant", "∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)"),
    ("product rule", "d/dx sin(x^3)", "cos(x^3) · d/dx x^3"),
    ("quotient rule", "d/dx (f(x) g(x))", "f'(x) g(x) + f(x) g'(x)"),
    ("chain rule", "d/dx (f(x) g(x))", "f'(x) g(x) + f(x) g'(x)"),
    ("power rule", "d/dx sin x", "cos x"),
    ("differentiate", "(x + 1)^2", "x^2 + 2x + 1"),
    ("evaluate at a point", "x^2 + x", "x (x + 1)"),
    ("fundamental theorem of calculus", "∫_0^1 2u du", "2 ∫_0^1 u du"),
    ("integration by parts", "∫_0^1 2u du", "(u^2)|_{u=1} − (u^2)|_{u=0}"),
    ("definition of expectation", "Σ_τ ∇_θ Pr_θ(τ) R(τ)", "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"),
    ("log-derivative trick", "∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ ∇_θ Pr_θ(τ) R(τ)"),
    ("log-derivative trick", "∇_θ Σ_τ Pr_θ(τ) R(τ)", "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)"),
    ("importance sampling", "E_{v~q}[p(v)/q(v) f(v)]", "Σ_v q(v) (p(v)/q(v)) f(v)"),
    ("normalisation", "Σ_v p(v) f(v)", "E_{v~p}[f(v)]"),
    ("score has mean zero", "c Σ_v p(v)", "c"),
    ("expand", "x^2 + 2x + 1", "(x + 1)^2"),
    ("factor", "(x + 1)^2", "x^2 + 2x + 1"),
    ("collect", "x(x + 1)", "x^2 + x"),
    ("cancel", "y", "(x + 1) y / (x + 1)"),
    ("multiply and divide by x", "(x + 1) y / (x + 1)", "y"),
    ("add and subtract y", "x + y − y", "x"),
    ("common denominator", "(x^2 − 1)/(x − 1)", "x + 1"),
    ("definition of the square", "(x + y)^2", "x^2 + 2 x y + y^2"),
    ("laws of exponents", "x^2 + x^2", "2x^2"),
    ("difference of squares", "x^2 + 6x + 9", "(x + 3)^2"),
    ("arithmetic", "x + x", "2x"),
    ("rename a bound variable", "x + x", "2x"),
    ("log of a product", "log(x^2)", "2 log x"),
    ("log of a quotient", "log(x y)", "log x + log y"),
    ("log of a power", "log(x y)", "log x + log y"),
    ("log of a product over an index", "log(x^3)", "3 log x"),
    ("exp and log are inverse", "exp(x + y)", "exp(x) exp(y)"),
    ("exp of a sum", "exp(log x)", "x"),
    ("change of base", "log(x^3)", "3 log x"),
    ("addition formula", "sin(x)^2 + cos(x)^2", "1"),
    ("double angle", "sin(x + y)", "sin x cos y + cos x sin y"),
    ("Pythagorean identity", "tan x", "sin x / cos x"),
    ("tan as a ratio", "sin(x)^2 + cos(x)^2", "1"),
    ("square root of a square", "sqrt(4 u^2)", "2 sqrt(u^2)"),
    ("definition of J", "K(θ)", "E_{τ~Pr_θ}[R(τ)]"),
    ("definition", "Σ_τ Pr_θ(τ) R(τ)", "E_{τ~Pr_θ}[R(τ)]"),
    ("sum of a constant", "Σ_{t=1}^{n} (c + r_t)", "Σ_{t=1}^{n} c + Σ_{t=1}^{n} r_t"),
    ("arithmetic series", "Σ_{k=1}^{n} 3", "3n"),
    ("split off a term", "Σ_{t=1}^{n} r_t", "Σ_{t=0}^{n−1} r_{t+1}"),
    ("shift the index", "Σ_{t=0}^{n} r_t", "r_0 + Σ_{t=1}^{n} r_t"),
    ("swap the sums", "Σ_{i=1}^{n} (f(i) + g(i))", "Σ_{i=1}^{n} f(i) + Σ_{i=1}^{n} g(i)"),
    ("substitute an equal", "x + x", "2x"),
    ("exp(log v) = v", "exp(x + y)", "exp(x) exp(y)"),
]


def judge(hint: str, prev: str, cur: str, holds: bool = True):
    parsed = read_deriv(f"{DECLS}\n  {prev}\n= {cur}\n")
    assert not [d for d in parsed.diagnostics if d.severity == "error"], parsed.diagnostics
    d = parsed.derivations[0]
    return check_hint(hint, d.steps[0].expr, d.steps[1].expr, parsed.scopes[0], holds=holds)


@pytest.mark.parametrize("hint,prev,cur", ACCOUNTS, ids=[f"{h}: {a} = {b}" for h, a, b in ACCOUNTS])
def test_rule_accounts_for_its_step(hint, prev, cur):
    check = judge(hint, prev, cur)
    assert check.status is HintStatus.ACCOUNTS, (check.rule, check.produced, check.note)


@pytest.mark.parametrize("hint,prev,cur", DOES_NOT_ACCOUNT,
                         ids=[f"{h}: {a} = {b}" for h, a, b in DOES_NOT_ACCOUNT])
def test_rule_does_not_account_for_another_step(hint, prev, cur):
    check = judge(hint, prev, cur)
    assert check.status is HintStatus.DOES_NOT_ACCOUNT, check


def _rules_cited(table) -> set[str]:
    lib = library()
    return {r.name for hint, _, _ in table for r in lib.named(hint)}


def test_every_rule_has_a_case_each_way():
    names = {r.name for r in library().rules}
    assert names - _rules_cited(ACCOUNTS) == set()
    # a generic rule fails only a step that does not hold (test_a_generic_hint_…)
    assert names - _rules_cited(DOES_NOT_ACCOUNT) == {r.name for r in library().rules if r.generic}


# ---------------------------------------------------------------------------
# Reading hints


def test_an_unknown_rule_names_the_closest_rules():
    check = judge("linearty of expectation", "E_{τ~Pr_θ}[2 R(τ)]", "2 E_{τ~Pr_θ}[R(τ)]")
    assert check.status is HintStatus.UNKNOWN_RULE
    assert "linearity" in check.suggestions


def test_a_remark_in_brackets_does_not_hide_the_rule():
    check = judge("product rule (misremembered)", "d/dx (f(x) g(x))", "f'(x) g(x) + f(x) g'(x)")
    assert check.status is HintStatus.ACCOUNTS and check.rule == "product rule"


def test_a_definition_hint_names_the_definition():
    assert judge("definition of K", "∇_θ J(θ)", "∇_θ Σ_τ Pr_θ(τ) R(τ)").status is HintStatus.DOES_NOT_ACCOUNT
    assert judge("definition of J", "∇_θ J(θ)", "∇_θ Σ_τ Pr_θ(τ) R(τ)").status is HintStatus.ACCOUNTS


def test_a_hint_of_several_rules_needs_all_of_them():
    # log of a quotient alone leaves log(exp(…)); with "log undoes exp" the step is accounted for
    prev, cur = "log(exp(θ) / y)", "θ − log y"
    assert judge("log of a quotient", prev, cur).status is HintStatus.DOES_NOT_ACCOUNT
    assert judge("log of a quotient, log undoes exp", prev, cur).status is HintStatus.ACCOUNTS
    assert judge("log undoes exp; log of a quotient", prev, cur).status is HintStatus.ACCOUNTS


def test_a_generic_hint_accounts_only_for_a_step_that_holds():
    assert judge("simplify", "x + x", "2x").status is HintStatus.ACCOUNTS
    assert judge("simplify", "x + x", "3x", holds=False).status is HintStatus.DOES_NOT_ACCOUNT


def test_a_step_that_only_reorders_is_not_linearity():
    check = judge("linearity", "Σ_τ Pr_θ(τ) R(τ)", "Σ_τ R(τ) Pr_θ(τ)")
    assert check.status is HintStatus.DOES_NOT_ACCOUNT
    assert judge("rearrange", "Σ_τ Pr_θ(τ) R(τ)", "Σ_τ R(τ) Pr_θ(τ)").status is HintStatus.ACCOUNTS


def test_what_the_rule_would_have_produced_is_shown():
    check = judge("log-derivative trick", "Σ_τ ∇_θ Pr_θ(τ) R(τ)",
                  "Σ_τ Pr_θ(τ) Pr_θ(τ) ∇_θ Pr_θ(τ) R(τ)", holds=False)
    assert check.status is HintStatus.DOES_NOT_ACCOUNT
    assert "log" in check.produced and "∇_θ" in check.produced


def test_a_stated_identity_with_its_condition_is_read():
    assert judge("√(u²) = |u| for real u", "sqrt(u^2) + 1", "|u| + 1").status is HintStatus.ACCOUNTS


def test_no_rule_alias_is_claimed_by_two_unrelated_rules_by_accident():
    lib = library()
    shared = {a: [r.name for r in rs] for a, rs in lib.by_alias.items() if len(rs) > 1}
    # "power rule" is both the derivative of xⁿ and the log of a power, as people use it
    assert set(shared) <= {"power rule"}, shared


def test_docs_name_every_rule():
    from pathlib import Path

    doc = (Path(__file__).resolve().parent.parent / "docs" / "hints.md").read_text(encoding="utf-8")
    missing = [r.name for r in library().rules if r.name not in doc]
    assert not missing, f"docs/hints.md does not mention {missing}"
