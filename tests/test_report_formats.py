"""The GitHub-annotation and JUnit reporters, on Reports built by hand (no parser, no verifier)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from click.testing import CliRunner

from derivcheck.cli import main
from derivcheck.model import FileReport, Report, Verdict
from derivcheck.report import github, junit

from .test_report import BROKEN, FLAWED, VALID, chain, flawed_derivation, one_file, parse_error_file

# ---------------------------------------------------------------------------
# --format github: one workflow-command line per finding


def test_github_says_nothing_about_a_valid_report():
    assert github.render(VALID) == ""


def test_github_annotates_a_refuted_step_at_its_line_and_column_with_its_witness():
    lines = github.render(FLAWED).splitlines()
    assert len(lines) == 1
    line = lines[0]
    assert line.startswith("::error file=derivations/flawed_policy_gradient.deriv,line=14,col=1,"
                           "title=derivcheck%3A A flawed policy gradient::step 2 is refuted: = ")
    # newlines are escaped, so a finding stays one line
    assert "%0Acounterexample: θ = 0.41, τ = {τ1, τ2, τ3}" in line
    assert "%0Aleft = 1.37, right = 0" in line


def test_github_annotates_a_parse_error_and_escapes_property_values():
    [line] = github.render(Report((parse_error_file("a,b:c.tex"),))).splitlines()
    assert line == ("::error file=a%2Cb%3Ac.tex,line=3,col=7,title=derivcheck%3A parse-error::"
                    "unexpected `)`")


def test_github_unknown_steps_and_findings_after_an_error_are_warnings():
    report = one_file(chain(("=", "b", Verdict.UNKNOWN, {"reason": "time limit"}),
                            ("=", "c", Verdict.REFUTED, {"follows_error": True})))
    lines = github.render(report).splitlines()
    assert [ln.split(" ", 1)[0] for ln in lines] == ["::warning", "::warning"]
    assert lines[0].endswith("::step 2 is unknown: time limit")


def test_github_one_line_per_finding_across_files():
    report = Report(FLAWED.files + BROKEN.files + VALID.files)
    lines = github.render(report).splitlines()
    assert len(lines) == 2
    assert all(ln.startswith("::error ") for ln in lines)


def test_github_misordered_steps_are_a_warning():
    report = one_file(chain(("=", "b", Verdict.PROVED, {}), ("=", "c", Verdict.PROVED, {}),
                            misordered=((2, 3),)))
    [line] = github.render(report).splitlines()
    assert line.startswith("::warning file=f,line=3,col=1,")
    assert line.endswith("::steps 2, 3 appear out of logical order")


# ---------------------------------------------------------------------------
# --format junit: a testsuite per file, a testcase per step


def parse(xml: str) -> ET.Element:
    assert xml.startswith('<?xml version="1.0" encoding="utf-8"?>\n')
    return ET.fromstring(xml.split("\n", 1)[1])


def test_junit_counts_steps_failures_and_errors():
    root = parse(junit.render(Report(FLAWED.files + BROKEN.files + VALID.files)))
    assert root.tag == "testsuites"
    assert (root.get("tests"), root.get("failures"), root.get("errors")) == ("5", "1", "1")
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [
        "derivations/flawed_policy_gradient.deriv", "derivations/broken.deriv",
        "derivations/expected_reward.deriv"]
    assert [s.get("tests") for s in suites] == ["2", "1", "2"]


def test_junit_failure_carries_the_counterexample_and_the_diagnosis():
    root = parse(junit.render(FLAWED))
    cases = root.find("testsuite").findall("testcase")
    assert cases[0].get("name") == "A flawed policy gradient — step 2 (line 14)"
    failure = cases[0].find("failure")
    assert failure.get("type") == "refuted"
    assert "counterexample: θ = 0.41" in failure.text
    assert "the distribution depends on θ" in failure.text
    assert cases[1].find("failure") is None  # step 3 holds (though it follows from step 2)


def test_junit_input_errors_are_errors_with_their_position():
    root = parse(junit.render(BROKEN))
    [case] = root.find("testsuite").findall("testcase")
    error = case.find("error")
    assert (error.get("type"), error.get("message")) == ("parse-error", "unexpected `)`")
    assert error.text == "derivations/broken.deriv:3:7: unexpected `)`"


def test_junit_unknown_is_a_failure_and_misordering_a_testcase_of_its_own():
    report = one_file(chain(("=", "b", Verdict.UNKNOWN, {"reason": "time limit"}), misordered=((2,),)))
    cases = parse(junit.render(report)).find("testsuite").findall("testcase")
    assert [c.find("failure").get("type") for c in cases] == ["unknown", "misordered"]


def test_reporters_are_pure_functions_of_the_report():
    report = Report((FileReport("x.tex", (flawed_derivation(),)),))
    assert github.render(report) == github.render(report)
    assert junit.render(report) == junit.render(report)


def test_cli_writes_both_formats_and_keeps_the_exit_status():
    runner = CliRunner()
    github_run = runner.invoke(main, ["check", "--format", "github", "derivations/flawed_policy_gradient.tex"])
    assert github_run.exit_code == 1
    assert any(line.startswith("::error file=derivations/flawed_policy_gradient.tex,line=15,col=4,")
               for line in github_run.output.splitlines())
    junit_run = runner.invoke(main, ["check", "--format", "junit", "derivations/policy_gradient.tex"])
    assert junit_run.exit_code == 0
    assert parse(junit_run.output.strip()).get("failures") == "0"


def test_pre_commit_hooks_run_the_check_on_tex_md_and_deriv_files():
    yaml = __import__("pytest").importorskip("yaml")
    with open(".pre-commit-hooks.yaml", encoding="utf-8") as f:
        hooks = {h["id"]: h for h in yaml.safe_load(f)}
    assert hooks["derivcheck"]["entry"] == "derivcheck check"
    assert hooks["derivcheck-github"]["entry"] == "derivcheck check --format github"
    import re

    for hook in hooks.values():
        assert hook["language"] == "python"
        assert all(re.search(hook["files"], name) for name in ("a.tex", "notes/b.md", "c.deriv"))
        assert not re.search(hook["files"], "d.py")


def test_a_hint_that_does_not_account_is_a_finding_in_github_and_junit():
    from pathlib import Path

    from derivcheck import api
    from derivcheck.report import github, junit

    root = Path(__file__).resolve().parent.parent / "derivations"
    report = api.check_paths([str(root / "misordered_policy_gradient.deriv")])
    annotations = github.render(report).splitlines()
    assert any(a.startswith("::warning") and "line=13" in a and "does not account for step 2" in a
               for a in annotations)
    xml = junit.render(report)
    assert 'type="hint"' in xml and "does not account for step 3" in xml
    refuted = api.check_paths([str(root / "flawed_log_derivative.deriv")])
    assert "the hint { log-derivative trick } does not account for step 3" in junit.render(refuted)
