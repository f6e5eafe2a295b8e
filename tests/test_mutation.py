"""Soundness by mutation (bench/mutate.py), on a fixed sample small enough for CI: every true
step of a few derivations broken in a few ways must be refuted, and never proved.
`python bench/mutate.py` runs every mutant of every derivation."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "bench"))

import mutate  # noqa: E402

from derivcheck.printer import to_plain  # noqa: E402
from derivcheck.source import read_deriv  # noqa: E402

SAMPLE = ["policy_gradient.deriv", "binomial_square.deriv", "chain_rule.deriv", "product_rule.deriv",
          "log_rules.deriv", "kl_divergence.deriv", "importance_sampling.deriv",
          "baseline_subtraction.deriv", "definite_integral.deriv", "bayes_normalisation.deriv"]


@pytest.fixture(scope="module")
def figures():
    pairs = mutate.true_steps([ROOT / "derivations" / name for name in SAMPLE])
    return mutate.run(pairs, per_pair=3, timeout=5.0)


def test_no_broken_step_is_proved(figures):
    assert figures.broken >= 60, figures.as_dict()
    assert figures.proved == 0, figures.survivors


def test_broken_steps_are_refuted(figures):
    assert figures.kill_rate >= 0.99, figures.survivors


def test_no_true_step_is_refuted(figures):
    assert figures.false_refutations == []


def test_every_kind_of_slip_is_made():
    (d,) = read_deriv("let θ: real\nlet f(x, y): real\n  x\n= ∇_θ (2·f(θ, x)^3 - log_2(θ)/x + x)\n").derivations
    kinds = {kind for kind, _ in mutate.mutants(d.steps[1].expr)}
    assert kinds == {"flip a sign", "change a constant", "change an exponent", "drop a term",
                     "drop a factor", "swap the arguments", "drop a θ-dependence"}


def test_dropping_a_dependence_freezes_one_occurrence():
    (d,) = read_deriv("let θ: real\nlet Pr_θ(τ): distribution over τ\n  x\n= ∇_θ Pr_θ(τ)\n").derivations
    dropped = [to_plain(m) for kind, m in mutate.mutants(d.steps[1].expr) if kind == "drop a θ-dependence"]
    assert dropped == ["∇_θ Pr(θ₀, τ)"]
