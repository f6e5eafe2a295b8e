"""The per-step loop: verdict ladder, follow-through, side-condition notes, budgets."""

from __future__ import annotations

import pytest

from derivcheck import api
from derivcheck.model import Verdict

PG_DECLS = """
let θ: real
let τ: index
let Pr_θ(τ): distribution over τ
let R(τ): real
"""


def steps_of(text: str, **kw):
    report = api.check_text(text, **kw)
    (f,) = report.files
    assert not [d for d in f.diagnostics if d.severity == "error"], f.diagnostics
    return f.derivations[0].steps, f.derivations[0]


def test_identical_after_unfolding_is_proved_structurally():
    steps, _ = steps_of("let J(x) := x^2 + 1\n  J(y)\n= y^2 + 1\n")
    assert steps[1].verdict is Verdict.PROVED
    assert "definitions are unfolded" in steps[1].reason


def test_follow_through_after_a_wrong_step():
    steps, d = steps_of("  (x+1)^2\n= x^2 + 1\n= 1 + x^2\n= 2\n")
    assert [s.verdict for s in steps[1:]] == [Verdict.REFUTED, Verdict.PROVED, Verdict.REFUTED]
    assert d.first_error == 2
    assert [s.follows_error for s in steps] == [False, False, True, True]


def test_cancelled_denominator_is_a_side_condition_not_a_refutation():
    steps, _ = steps_of("  x/x\n= 1\n")
    assert steps[1].verdict.holds
    assert any("x ≠ 0" in n and "do not guarantee" in n for n in steps[1].notes)


def test_division_by_a_distribution_is_guaranteed():
    steps, _ = steps_of(PG_DECLS + "  Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)\n")
    assert steps[1].verdict is Verdict.PROVED
    assert any("≠ 0" in n and "guarantee" in n and "not" not in n for n in steps[1].notes)


def test_one_sided_region_refutes_with_a_witness():
    steps, _ = steps_of("  log(x^2)\n= 2 log x\n")
    assert steps[1].verdict is Verdict.REFUTED
    assert "undefined" in (steps[1].counterexample.left + steps[1].counterexample.right)


def test_inequality_steps_are_reported_unknown_unsupported():
    steps, _ = steps_of("  x^2 + 1\n≥ 1\n")
    assert steps[1].verdict is Verdict.UNKNOWN
    assert "unsupported" in steps[1].reason


def test_a_step_out_of_time_is_unknown_time_limit():
    # a heavy but true identity with a budget far too small for any strategy to finish
    heavy = "  (x+y+z+1)^40 - (x+y+z+1)^40\n= ((x+1)^30 - (x+1)^30) sin(x)^2 + 0\n"
    steps, _ = steps_of(heavy, timeout=1e-4)
    assert steps[1].verdict is Verdict.UNKNOWN
    assert steps[1].reason == "time limit"


def test_unreadable_step_is_unknown_and_its_neighbour_too():
    report = api.check_text("  x + 1\n= (x +\n= x + 1\n")
    f = report.files[0]
    assert report.input_error
    steps = f.derivations[0].steps
    assert steps[1].verdict is Verdict.UNKNOWN and "could not be read" in steps[1].reason
    assert steps[2].verdict is Verdict.UNKNOWN and "previous step" in steps[2].reason


@pytest.mark.parametrize("seed", [0, 1, 7])
def test_reports_are_deterministic_for_a_seed(seed):
    text = PG_DECLS + "  ∇_θ E_{τ~Pr_θ}[R(τ)]\n= E_{τ~Pr_θ}[∇_θ R(τ)]\n"
    a = api.check_text(text, seed=seed).files[0].derivations[0].steps[1].counterexample
    b = api.check_text(text, seed=seed).files[0].derivations[0].steps[1].counterexample
    assert a == b and a is not None


def test_flawed_policy_gradient_witness_and_diagnosis():
    """Issue acceptance: θ, the instantiated set, Pr's and R's values, both sides; the
    diagnosis says the distribution's dependence on θ was dropped."""
    from pathlib import Path

    path = Path(__file__).resolve().parent.parent / "derivations" / "flawed_policy_gradient.deriv"
    step = api.check_file(str(path)).files[0].derivations[0].steps[1]
    assert step.verdict is Verdict.REFUTED
    cex = step.counterexample
    values, instances = dict(cex.values), dict(cex.instances)
    assert set(values) == {"θ"}
    assert instances["τ"].startswith("{τ1, τ2")
    pr = [float(v.replace("−", "-")) for v in instances["Pr_θ"].strip("()").split(",")]
    assert abs(sum(pr) - 1) < 0.05 and all(p > 0 for p in pr)  # shown rounded to 2 digits
    assert len(instances["R"].strip("()").split(",")) == len(pr)
    assert cex.right == "0" and cex.left not in ("0", "undefined")
    assert "Pr was treated as constant in θ" in step.diagnosis
