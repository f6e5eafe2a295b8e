"""The `--format json` report: a pure function from a Report to REPORT.md's JSON document."""

from __future__ import annotations

import json  # absolute import: the standard library, not this module

from ..diagnostics import Diagnostic
from ..model import Counterexample, DerivationResult, FileReport, Report, StepResult

VERSION = 1


def render(report: Report) -> str:
    """One JSON document, keys in REPORT.md's order, without a trailing newline."""
    return json.dumps(to_dict(report), ensure_ascii=False, indent=2)


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
        # Hint checking (does the cited rule account for the step?) is a later feature:
        # until it lands, the hint is reported as written, with "rule" and "status" null.
        out["hint"] = {"text": step.hint.text, "rule": None, "status": None}
    if r.follows_error:
        out["follows_error"] = True
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
