"""The terminal and JSON reporters, on Reports built by hand (no parser, no verifier)."""

from __future__ import annotations

import json
import sys
import types

import pytest

from derivcheck.ast import Sym
from derivcheck.diagnostics import Diagnostic
from derivcheck.model import (
    Counterexample,
    Derivation,
    DerivationResult,
    FileReport,
    Hint,
    Report,
    Step,
    StepResult,
    Verdict,
)
from derivcheck.report import json as json_report
from derivcheck.report import text

# ---------------------------------------------------------------------------
# Reports built by hand


def step(index, relation, written, line, column=1, hint=None):
    return Step(
        index=index,
        relation=relation,
        text=written,
        expr=Sym(f"s{index}"),
        line=line,
        column=column,
        hint=Hint(hint, line, 3) if hint else None,
    )


def derivation(title, line, results, **kwargs):
    return DerivationResult(Derivation(title, line, (), ()), tuple(results), **kwargs)


def chain(*later, **kwargs):
    """A derivation titled `t`: a start `a`, then each (relation, text, verdict, extras) in turn."""
    results = [StepResult(step(1, None, "a", 2), Verdict.START)]
    for i, (relation, written, verdict, extras) in enumerate(later, start=2):
        results.append(StepResult(step(i, relation, written, i + 1), verdict, **extras))
    return derivation("t", 1, results, **kwargs)


def one_file(*results, path="f"):
    return Report((FileReport(path, tuple(results)),))


def valid_derivation():
    return derivation(
        "Performance of a two-trajectory policy",
        4,
        [
            StepResult(step(1, None, "0.7·20 + 0.3·(−10)", 6, 3), Verdict.START),
            StepResult(step(2, "=", "14 − 3", 7), Verdict.PROVED, reason="by simplification"),
            StepResult(step(3, "=", "11", 8), Verdict.CONFIRMED, reason="agrees at 20 points"),
        ],
    )


def flawed_derivation():
    return derivation(
        "A flawed policy gradient",
        6,
        [
            StepResult(step(1, None, "∇_θ E_{τ~Pr_θ}[R(τ)]", 13, 3), Verdict.START),
            StepResult(
                step(2, "=", "E_{τ~Pr_θ}[∇_θ R(τ)]", 14, hint="linearity"),
                Verdict.REFUTED,
                counterexample=Counterexample(
                    values=(("θ", "0.41"),),
                    instances=(
                        ("τ", "{τ1, τ2, τ3}"),
                        ("Pr_θ", "(0.22, 0.47, 0.31)"),
                        ("R", "(1.8, −0.6, 2.4)"),
                    ),
                    left="1.37",
                    right="0",
                ),
                diagnosis=(
                    "the two sides differ by Σ_τ ∇_θ Pr_θ(τ) R(τ): the distribution depends on θ"
                ),
                notes=("assuming Pr_θ(τ) > 0",),
            ),
            StepResult(
                step(3, "=", "0", 15, hint="R does not depend on θ"),
                Verdict.PROVED,
                follows_error=True,
            ),
        ],
    )


def parse_error_file(path="derivations/broken.deriv"):
    return FileReport(
        path,
        diagnostics=(
            Diagnostic(
                "parse-error",
                "unexpected `)`",
                line=3,
                column=7,
                source_line="= x + )",
                expected=("a number", "a name", "`(`"),
            ),
        ),
    )


VALID = Report((FileReport("derivations/expected_reward.deriv", (valid_derivation(),)),))
FLAWED = Report((FileReport("derivations/flawed_policy_gradient.deriv", (flawed_derivation(),)),))
BROKEN = Report((parse_error_file(),))

# ---------------------------------------------------------------------------
# The terminal report


def test_valid_derivation_text():
    assert text.render(VALID) == "\n".join(
        [
            "derivations/expected_reward.deriv — Performance of a two-trajectory policy",
            "   1      0.7·20 + 0.3·(−10)",
            "   2  ✓ = 14 − 3              proved",
            "   3  ✓ = 11                  confirmed (agrees at 20 points)",
            "",
            "1 derivation: all hold",
            "",
            "1 file, 1 derivation: 1 ok, 0 with errors",
        ]
    )


def test_refuted_step_text():
    assert text.render(FLAWED) == "\n".join(
        [
            "derivations/flawed_policy_gradient.deriv — A flawed policy gradient",
            "   1      ∇_θ E_{τ~Pr_θ}[R(τ)]",
            "   2  ✗ = E_{τ~Pr_θ}[∇_θ R(τ)]  refuted  { linearity }",
            "        counterexample: θ = 0.41, τ ∈ {τ1, τ2, τ3}, Pr_θ = (0.22, 0.47, 0.31), R = (1.8, −0.6, 2.4)",
            "                        left = 1.37, right = 0",
            "        the two sides differ by Σ_τ ∇_θ Pr_θ(τ) R(τ): the distribution depends on θ",
            "        note: assuming Pr_θ(τ) > 0",
            "   3  ✓ = 0                     proved (follows from step 2)  { R does not depend on θ }",
            "",
            "1 derivation: 1 with errors — first error at step 2",
            "",
            "1 file, 1 derivation: 0 ok, 1 with errors",
        ]
    )


def test_parse_error_shows_location_caret_and_expected():
    lines = text.render(BROKEN).splitlines()
    assert lines[0] == "derivations/broken.deriv:3:7: error: unexpected `)` [parse-error]"
    assert lines[1] == " 3 | = x + )"
    assert lines[2] == "   |       ^"
    assert lines[1].index(")") == lines[2].index("^")
    assert lines[3] == "  expected: a number, a name, `(`"
    assert lines[4] == "no derivations checked: 1 error"
    assert lines[-1] == "1 file, 0 derivations: 0 ok, 0 with errors; 1 file with input errors"


@pytest.mark.parametrize(
    "source, column, pad",
    [
        pytest.param("\tx + )", 6, "\t    ", id="tab-kept"),
        pytest.param("θ\u0302 + )", 6, "    ", id="combining-mark-takes-no-column"),
        pytest.param("ｘ + )", 5, "     ", id="wide-letter-takes-two"),
        pytest.param("x", 1, "", id="first-column"),
    ],
)
def test_caret_lines_up(source, column, pad):
    diagnostic = Diagnostic("parse-error", "m", 1, column, source_line=source)
    report = Report((FileReport("f", diagnostics=(diagnostic,)),))
    lines = text.render(report).splitlines()
    assert lines[1] == f" 1 | {source}"
    assert lines[2] == f"   | {pad}^"


def test_parsed_and_unparsed_files_are_both_reported():
    report = Report((VALID.files[0], parse_error_file(), FLAWED.files[0]))
    out = text.render(report)
    assert "— Performance of a two-trajectory policy" in out
    assert "derivations/broken.deriv:3:7: error:" in out
    assert "— A flawed policy gradient" in out
    assert out.splitlines()[-1] == (
        "3 files, 2 derivations: 1 ok, 1 with errors; 1 file with input errors"
    )


@pytest.mark.parametrize(
    "verdict, reason, words, mark",
    [
        pytest.param(Verdict.PROVED, "by simplification", "proved", "✓", id="proved-hides-how"),
        pytest.param(
            Verdict.CONFIRMED, "agrees at 20 points", "confirmed (agrees at 20 points)", "✓",
            id="confirmed",
        ),
        pytest.param(Verdict.CONFIRMED, "", "confirmed", "✓", id="confirmed-bare"),
        pytest.param(Verdict.UNKNOWN, "time limit", "unknown (time limit)", "?", id="unknown"),
        pytest.param(Verdict.REFUTED, "", "refuted", "✗", id="refuted"),
    ],
)
def test_verdict_words_and_marks(verdict, reason, words, mark):
    result = chain(("=", "b", verdict, {"reason": reason}))
    line = text.render(one_file(result)).splitlines()[2]
    assert line == f"   2  {mark} = b  {words}"


def test_unknown_step_is_the_first_error_and_follow_through_names_it():
    result = chain(
        ("≤", "b", Verdict.UNKNOWN, {"reason": "time limit"}),
        ("=", "c", Verdict.CONFIRMED, {"reason": "agrees at 20 points", "follows_error": True}),
    )
    lines = text.render(one_file(result)).splitlines()
    assert lines[2] == "   2  ? ≤ b  unknown (time limit)"
    assert lines[3] == "   3  ✓ = c  confirmed (agrees at 20 points; follows from step 2)"
    assert "1 derivation: 1 with errors — first error at step 2" in lines


def test_misordered_and_derivation_diagnostics():
    result = derivation(
        "Policy gradient with two steps swapped",
        5,
        [
            StepResult(step(1, None, "a", 12), Verdict.START),
            StepResult(step(2, "=", "b", 13), Verdict.PROVED),
            StepResult(step(3, "=", "c", 14), Verdict.PROVED),
        ],
        misordered=((2, 3),),
        diagnostics=(
            Diagnostic("split-name", "`ab` is no known name, read as a·b", 13, 5, severity="warning"),
        ),
    )
    lines = text.render(one_file(result, path="p.deriv")).splitlines()
    assert "        misordered: steps 2 and 3 appear out of logical order" in lines
    assert "p.deriv:13:5: warning: `ab` is no known name, read as a·b [split-name]" in lines
    assert "1 derivation: 1 with errors — steps out of order" in lines


def test_several_derivations_in_a_file_name_the_failing_one():
    file = FileReport("notes.md", (valid_derivation(), flawed_derivation()))
    out = text.render(Report((file,)))
    summary = "2 derivations: 1 with errors — first error at step 2 in “A flawed policy gradient”"
    assert summary in out.splitlines()
    assert out.splitlines()[-1] == "1 file, 2 derivations: 1 ok, 1 with errors"


def test_no_colour_unless_asked():
    assert "\x1b[" not in text.render(FLAWED)
    assert "\x1b[" not in text.render(BROKEN)


def test_colour_marks():
    unknown = chain(("=", "b", Verdict.UNKNOWN, {}))
    report = Report((FLAWED.files[0], FileReport("u", (unknown,)), parse_error_file()))
    out = text.render(report, color=True)
    assert "\x1b[31m✗\x1b[0m" in out
    assert "\x1b[32m✓\x1b[0m" in out
    assert "\x1b[33m?\x1b[0m" in out
    assert "\x1b[31merror\x1b[0m: unexpected" in out
    # colour adds escapes and nothing else
    assert _strip_ansi(out) == text.render(report)


def test_show_reading_uses_the_printer_fully_bracketed(monkeypatch):
    calls = []

    def to_plain(node, bracketed=False):
        calls.append((node, bracketed))
        return f"({node.name})"

    monkeypatch.setitem(sys.modules, "derivcheck.printer", types.SimpleNamespace(to_plain=to_plain))
    lines = text.render(FLAWED, show_reading=True).splitlines()
    assert lines[2] == "        reading: (s1)"
    assert lines[4] == "        reading: (s2)"
    assert "        reading: (s3)" in lines
    assert all(bracketed for _, bracketed in calls) and len(calls) == 3


def test_no_reading_lines_by_default():
    assert "reading:" not in text.render(FLAWED)


def _strip_ansi(s: str) -> str:
    import re

    return re.sub(r"\x1b\[[0-9;]*m", "", s)


# ---------------------------------------------------------------------------
# The JSON report (REPORT.md's key names and types)

STEP_KEYS = {"index": int, "line": int, "column": int, "text": str, "verdict": str}
OPTIONAL_STEP_KEYS = {
    "reason": str,
    "counterexample": dict,
    "diagnosis": str,
    "notes": list,
    "hint": dict,
    "follows_error": bool,
}
DERIVATION_KEYS = {
    "title": str,
    "line": int,
    "ok": bool,
    "first_error": (int, type(None)),
    "steps": list,
    "misordered": list,
    "diagnostics": list,
}
DIAGNOSTIC_KEYS = {"code": str, "severity": str, "line": int, "column": int, "message": str}
VERDICTS = {"start", "proved", "confirmed", "refuted", "unknown"}
HINT_STATUSES = {None, "accounts", "does-not-account", "unknown-rule"}


def check_shape(doc):
    """Everything REPORT.md promises about the document, key by key."""
    assert list(doc) == ["version", "files"] and doc["version"] == 1
    for file in doc["files"]:
        assert list(file) == ["path", "derivations", "diagnostics"]
        assert isinstance(file["path"], str)
        for d in file["diagnostics"]:
            check_keys(d, DIAGNOSTIC_KEYS)
        for der in file["derivations"]:
            check_keys(der, DERIVATION_KEYS)
            for group in der["misordered"]:
                assert isinstance(group, list) and all(isinstance(i, int) for i in group)
            for d in der["diagnostics"]:
                check_keys(d, DIAGNOSTIC_KEYS)
            for s in der["steps"]:
                check_keys(s, STEP_KEYS, OPTIONAL_STEP_KEYS)
                assert s["verdict"] in VERDICTS
                assert s.get("follows_error", True) is True  # present only when true
                if "counterexample" in s:
                    c = s["counterexample"]
                    assert list(c) == ["values", "instances", "left", "right"]
                    described = (*c["values"].values(), *c["instances"].values())
                    assert all(isinstance(v, str) for v in described)
                if "hint" in s:
                    assert list(s["hint"]) == ["text", "rule", "status"]
                    assert s["hint"]["status"] in HINT_STATUSES
            errors = [s["index"] for s in der["steps"] if s["verdict"] in ("refuted", "unknown")]
            assert der["first_error"] == (errors[0] if errors else None)


def check_keys(obj, required, optional=None):
    optional = optional or {}
    assert set(required) <= set(obj), set(required) - set(obj)
    assert set(obj) <= set(required) | set(optional), set(obj) - set(required) - set(optional)
    for key, value in obj.items():
        assert isinstance(value, {**required, **optional}[key]), (key, value)
    # required keys come first and in REPORT.md's order
    assert list(obj)[: len(required)] == list(required)


@pytest.mark.parametrize(
    "report",
    [
        pytest.param(VALID, id="valid"),
        pytest.param(FLAWED, id="flawed"),
        pytest.param(BROKEN, id="broken"),
        pytest.param(Report((VALID.files[0], parse_error_file(), FLAWED.files[0])), id="mixed"),
        pytest.param(Report(()), id="empty"),
    ],
)
def test_json_shape(report):
    check_shape(json.loads(json_report.render(report)))


def test_json_flawed_steps():
    doc = json.loads(json_report.render(FLAWED))
    (der,) = doc["files"][0]["derivations"]
    assert der["title"] == "A flawed policy gradient" and der["line"] == 6
    assert der["ok"] is False and der["first_error"] == 2
    start, refuted, follows = der["steps"]
    assert start == {
        "index": 1, "line": 13, "column": 3, "text": "∇_θ E_{τ~Pr_θ}[R(τ)]", "verdict": "start"
    }
    assert refuted["verdict"] == "refuted"
    assert refuted["counterexample"] == {
        "values": {"θ": "0.41"},
        "instances": {
            "τ": "{τ1, τ2, τ3}", "Pr_θ": "(0.22, 0.47, 0.31)", "R": "(1.8, −0.6, 2.4)"
        },
        "left": "1.37",
        "right": "0",
    }
    assert refuted["diagnosis"].startswith("the two sides differ")
    assert refuted["notes"] == ["assuming Pr_θ(τ) > 0"]
    assert refuted["hint"] == {"text": "linearity", "rule": None, "status": None}
    assert "follows_error" not in refuted
    assert follows["follows_error"] is True and follows["verdict"] == "proved"
    assert der["misordered"] == [] and der["diagnostics"] == []


def test_json_valid_derivation_keeps_reasons():
    (der,) = json.loads(json_report.render(VALID))["files"][0]["derivations"]
    assert der["ok"] is True and der["first_error"] is None
    reasons = [s.get("reason") for s in der["steps"]]
    assert reasons == [None, "by simplification", "agrees at 20 points"]


def test_json_unparsable_file_keeps_its_entry():
    (file,) = json.loads(json_report.render(BROKEN))["files"]
    assert file == {
        "path": "derivations/broken.deriv",
        "derivations": [],
        "diagnostics": [
            {
                "code": "parse-error", "severity": "error", "line": 3, "column": 7,
                "message": "unexpected `)`",
            }
        ],
    }


def test_json_misordered_groups_are_lists():
    result = chain(("=", "b", Verdict.PROVED, {}), ("=", "c", Verdict.PROVED, {}), misordered=((2, 3),))
    (der,) = json.loads(json_report.render(one_file(result)))["files"][0]["derivations"]
    assert der["misordered"] == [[2, 3]] and der["ok"] is False


def test_json_is_unescaped_and_deterministic():
    out = json_report.render(FLAWED)
    assert "∇_θ" in out and "\\u" not in out
    assert out == json_report.render(FLAWED)
    assert not out.endswith("\n")
