"""Misordered steps, the order of shuffled steps, and how both (and hints) are reported."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from derivcheck import api
from derivcheck.cli import main
from derivcheck.model import HintStatus
from derivcheck.report import json as json_report
from derivcheck.report import text as text_report
from derivcheck.rules import library

ROOT = Path(__file__).resolve().parent.parent
D = ROOT / "derivations"

PG = """
let θ: real
let τ: index
let Pr_θ(τ): distribution over τ
let R(τ): real
"""


def one(text: str):
    (f,) = api.check_text(text).files
    return f.derivations[0]


def order_of(text: str, tmp_path):
    path = tmp_path / "shuffled.deriv"
    path.write_text(text, encoding="utf-8")
    (f,) = api.order_paths([str(path)])
    return f.derivations[0]


# ---------------------------------------------------------------------------
# The acceptance examples


def test_misordered_policy_gradient_flags_steps_2_and_3():
    (d,) = api.check_paths([str(D / "misordered_policy_gradient.deriv")]).files[0].derivations
    assert all(r.verdict.holds for r in d.steps[1:])
    assert d.misordered == ((2, 3),)
    assert d.reordered == (1, 3, 2, 4)
    assert not d.ok


def test_shuffled_policy_gradient_is_ordered_4_2_5_1_3():
    (f,) = api.order_paths([str(D / "shuffled_policy_gradient.deriv")])
    (r,) = f.derivations
    assert r.orders == ((4, 2, 5, 1, 3),) and r.complete
    assert r.rules == ("linearity", "multiply and divide", "log-derivative trick",
                       "definition of expectation")


def test_flawed_log_derivative_hint_does_not_account():
    (d,) = api.check_paths([str(D / "flawed_log_derivative.deriv")]).files[0].derivations
    check = d.steps[2].hint_check
    assert check.status is HintStatus.DOES_NOT_ACCOUNT and check.rule == "log-derivative trick"
    assert check.produced  # what the trick would have given instead
    assert d.steps[1].hint_check.status is HintStatus.ACCOUNTS


# ---------------------------------------------------------------------------
# Misordering


def test_a_step_moved_is_one_group():
    text = PG + """
  ∇_θ Σ_τ Pr_θ(τ) R(τ)
= { log-derivative trick }          Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)
= { definition of expectation }     E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]
= { linearity }                     Σ_τ ∇_θ Pr_θ(τ) R(τ)
"""
    # the linearity step belongs first: it moved two lines down
    d = one(text)
    assert d.misordered == ((2, 3, 4),) and d.reordered == (1, 4, 2, 3)


def test_a_valid_chain_with_a_jump_is_not_flagged():
    # line 3 is several rules away from line 2, and no other order does better
    d = one(PG + """
  ∇_θ Σ_τ Pr_θ(τ) R(τ)
= { linearity }  Σ_τ ∇_θ Pr_θ(τ) R(τ)
= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]
""")
    assert d.misordered == () and d.ok


def test_a_wrong_hint_on_a_chain_in_order_is_not_a_misordering():
    (d,) = api.check_paths([str(D / "hints_wrong_rule_cited.deriv")]).files[0].derivations
    assert d.misordered == ()
    assert d.unaccounted == (3, 4) and not d.ok


def test_refuted_chains_are_not_searched_for_an_order():
    d = one(PG + """
  ∇_θ Σ_τ Pr_θ(τ) R(τ)
= { log-derivative trick }  Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)
= { linearity }             Σ_τ ∇_θ Pr_θ(τ) 2 R(τ)
""")
    assert d.first_error == 3 and d.misordered == ()


# ---------------------------------------------------------------------------
# Order of shuffled steps


def test_equally_good_orders_are_all_listed(tmp_path):
    r = order_of("order: unknown\nlet x: real\n  (x + 1)^2\n= x^2 + 2x + 1\n", tmp_path)
    assert set(r.orders) == {(1, 2), (2, 1)} and r.complete


def test_steps_that_no_rule_joins_make_an_incomplete_order(tmp_path):
    r = order_of("order: unknown\nlet x: real\n  sin(x)\n= (x + 1)^2\n= x^2 + 2x + 1\n", tmp_path)
    assert not r.complete and r.good == 1 and r.edges == 2


def test_a_file_without_shuffled_derivations_is_ordered_whole(tmp_path):
    r = order_of("let x: real\n  x^2 + 2x + 1\n= (x + 1)^2\n", tmp_path)
    assert set(r.orders) == {(1, 2), (2, 1)}


# ---------------------------------------------------------------------------
# Reports and the command line


def test_text_report_shows_hint_outcomes_and_misordering():
    report = api.check_paths([str(D / "misordered_policy_gradient.deriv"),
                              str(D / "hints_unknown_rule.deriv")])
    out = text_report.render(report)
    assert "{ linearity } does not account" in out
    assert "misordered: steps 2 and 3 appear out of logical order; in the order 1 3 2 4" in out
    assert "{ the binomial thing } unknown rule" in out
    assert "hint: no rule by this name; closest:" in out


def test_json_reports_hint_status_rule_and_reordering():
    doc = json.loads(json_report.render(api.check_paths([str(D / "misordered_policy_gradient.deriv")])))
    (der,) = doc["files"][0]["derivations"]
    assert der["misordered"] == [[2, 3]] and der["reordered"] == [1, 3, 2, 4]
    hints = [s["hint"] for s in der["steps"] if "hint" in s]
    assert [h["status"] for h in hints] == ["does-not-account"] * 3
    assert [h["rule"] for h in hints] == ["log-derivative trick", "linearity", "definition of expectation"]
    valid = json.loads(json_report.render(api.check_paths([str(D / "policy_gradient.deriv")])))
    steps = valid["files"][0]["derivations"][0]["steps"]
    assert {s["hint"]["status"] for s in steps if "hint" in s} == {"accounts"}
    assert all(list(s["hint"]) == ["text", "rule", "status"] for s in steps if "hint" in s)


def test_exit_status_is_1_when_a_hint_does_not_account_or_steps_are_misordered():
    runner = CliRunner()
    for name, status in [("policy_gradient.deriv", 0), ("hints_wrong_rule_cited.deriv", 1),
                         ("misordered_policy_gradient.deriv", 1), ("hints_unknown_rule.deriv", 0)]:
        result = runner.invoke(main, ["check", str(D / name)])
        assert result.exit_code == status, (name, result.output)


def test_order_command_prints_numbers_and_the_rewritten_chain():
    result = CliRunner().invoke(main, ["order", str(D / "shuffled_policy_gradient.deriv")])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert "order: 4 2 5 1 3" in lines
    chain = [line.split()[0] for line in lines if line.startswith("  ")]
    assert chain == ["4", "2", "5", "1", "3"]
    assert "= { log-derivative trick }  Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)" in result.output


def test_order_command_json_and_exit_status_for_an_incomplete_order(tmp_path):
    path = tmp_path / "s.deriv"
    path.write_text("order: unknown\nlet x: real\n  sin(x)\n= (x + 1)^2\n= x^2 + 2x + 1\n")
    result = CliRunner().invoke(main, ["order", "--format", "json", str(path)])
    assert result.exit_code == 1
    (der,) = json.loads(result.output)["files"][0]["derivations"]
    assert der["complete"] is False and len(der["order"]) == 3
    assert CliRunner().invoke(main, ["order", str(tmp_path / "missing.deriv")]).exit_code == 2


def test_order_command_lists_equally_good_orders(tmp_path):
    path = tmp_path / "s.deriv"
    path.write_text("order: unknown\nlet x: real\n  (x + 1)^2\n= x^2 + 2x + 1\n")
    result = CliRunner().invoke(main, ["order", str(path)])
    assert "2 orders are equally good: 1 2 | 2 1" in result.output


def test_rules_command_lists_every_rule_with_its_description():
    result = CliRunner().invoke(main, ["rules"])
    assert result.exit_code == 0
    for rule in library().rules:
        assert f"\n{rule.name}\n    {rule.description}" in "\n" + result.output
    assert "also: log derivative trick" in result.output or "log derivative trick" in result.output


def test_order_unknown_before_any_title_marks_the_chain():
    for text in ("order: unknown\nlet x: real\n  x^2 + 2x + 1\n= { expand } (x + 1)^2\n",
                 "order: unknown\ntitle: T\nlet x: real\n  x^2 + 2x + 1\n= { expand } (x + 1)^2\n"):
        (f,) = api.check_text(text).files
        (d,) = f.derivations
        assert d.derivation.order_unknown and not f.diagnostics
        # shuffled on purpose: the written order's hints are not judged, nothing is misordered
        assert d.steps[1].hint_check is None and d.misordered == () and d.ok
