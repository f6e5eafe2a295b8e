"""The `--format json` report: a pure function from a Report to REPORT.md's JSON document."""

from __future__ import annotations

import json  # absolute import: the standard library, not this module

from ..diagnostics import Diagnostic
from . import escape
from ..model import Counterexample, DerivationResult, FileReport, HintCheck, Report, StepResult

VERSION = 1


def render(report: Report) -> str:
    """One JSON document, keys in REPORT.md's order, without a trailing newline."""
    # controls, bidi overrides and invisible characters as \u escapes: exact, yet inert
    return escape.json_text(json.dumps(to_dict(report), ensure_ascii=False, indent=2))


def to_dict(report: Report) -> dict:
    return {"version": VERSION, "files": [_file(f) for f in report.files]}


def _file(file: FileReport) -> dict:
    # an unparsable file keeps its entry: its diagnostics and no derivations
    return {
        "path": file.path,
        "derivations": [_derivation(d) for d in file.derivations],
        "diagnostics": [_diagnostic(d) for d in file.diagnostics],
    }


def _derivation(result: DerivationResult) -> dict:
    return {
        "title": result.derivation.title,
        "line": result.derivation.line,
        "ok": result.ok,
        "first_error": result.first_error,
        "steps": [_step(r) for r in result.steps],
        "misordered": [list(group) for group in result.misordered],
        "diagnostics": [_diagnostic(d) for d in result.diagnostics],
        # with misordered steps: an order of all the steps in which each follows
        **({"reordered": list(result.reordered)} if result.misordered and result.reordered else {}),
    }


def _step(r: StepResult) -> dict:
    step = r.step
    out: dict = {
        "index": step.index,
        "line": step.line,
        "column": step.column,
        "text": step.text,
        "verdict": r.verdict.value,
    }
    # the optional keys appear only when they say something
    if r.reason:
        out["reason"] = r.reason
    if r.counterexample is not None:
        out["counterexample"] = _counterexample(r.counterexample)
    if r.diagnosis:
        out["diagnosis"] = r.diagnosis
    if r.notes:
        out["notes"] = list(r.notes)
    if step.hint is not None:
        out["hint"] = _hint(step.hint.text, r.hint_check)
    if r.follows_error:
        out["follows_error"] = True
    return out


def _hint(text: str, check: HintCheck | None) -> dict:
    """The hint as written, the rule it was read as, and whether it accounts for the step;
    rule and status are null when the hint was not judged (a step that could not be read)."""
    if check is None:
        return {"text": text, "rule": None, "status": None}
    out = {"text": text, "rule": check.rule, "status": check.status.value}
    if check.produced:
        out["produced"] = check.produced  # what the rule makes of the previous line
    if check.suggestions:
        out["suggestions"] = list(check.suggestions)  # the closest rule names
    if check.note:
        out["note"] = check.note
    return out


def _counterexample(c: Counterexample) -> dict:
    return {
        "values": dict(c.values),
        "instances": dict(c.instances),
        "left": c.left,
        "right": c.right,
    }


def _diagnostic(d: Diagnostic) -> dict:
    return {
        "code": d.code,
        "severity": d.severity,
        "line": d.line,
        "column": d.column,
        "message": d.message,
    }
