"""The `--format junit` report: JUnit XML from a Report (a testsuite per file, a testcase per step)."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from ..model import FileReport, Report, Verdict
from . import escape
from .findings import hint_problem


def render(report: Report) -> str:
    """A `<testsuites>` document, without a trailing newline."""
    report = escape.scrub(report)  # control characters are not even allowed in XML
    root = ET.Element("testsuites", name="derivcheck")
    totals = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for file in report.files:
        suite = _suite(file)
        root.append(suite)
        for key in totals:
            totals[key] += int(suite.get(key))
    for key, value in totals.items():
        root.set(key, str(value))
    ET.indent(root)
    return '<?xml version="1.0" encoding="utf-8"?>\n' + ET.tostring(root, encoding="unicode")


def _suite(file: FileReport) -> ET.Element:
    suite = ET.Element("testsuite", name=file.path)
    counts = {"tests": 0, "failures": 0, "errors": 0, "skipped": 0}
    for result in file.derivations:
        title = result.derivation.title or f"line {result.derivation.line}"
        for r in result.steps:
            if r.verdict is Verdict.START:
                continue
            step = r.step
            case = ET.SubElement(suite, "testcase", classname=file.path,
                                 name=f"{title} — step {step.index} (line {step.line})")
            counts["tests"] += 1
            text = f"{step.relation or ''} {step.text}".strip()
            if r.verdict is Verdict.REFUTED:
                counts["failures"] += 1
                failure = ET.SubElement(case, "failure", type="refuted",
                                        message=f"step {step.index} is refuted: {text}")
                failure.text = _details(r)
            elif r.verdict is Verdict.UNKNOWN:
                counts["failures"] += 1
                ET.SubElement(case, "failure", type="unknown",
                              message=f"step {step.index} is unknown: {r.reason or 'no verdict'}")
            elif hint_problem(r):
                counts["failures"] += 1
                ET.SubElement(case, "failure", type="hint", message=hint_problem(r))
            else:
                ET.SubElement(case, "system-out").text = f"{r.verdict.value}: {text}"
        if result.misordered:
            case = ET.SubElement(suite, "testcase", classname=file.path, name=f"{title} — order of steps")
            counts["tests"] += 1
            counts["failures"] += 1
            groups = "; ".join(", ".join(map(str, g)) for g in result.misordered)
            ET.SubElement(case, "failure", type="misordered", message=f"steps out of logical order: {groups}")
    for d in file.diagnostics:
        if d.severity != "error":
            continue
        case = ET.SubElement(suite, "testcase", classname=file.path, name=f"{d.code} at {d.line}:{d.column}")
        counts["tests"] += 1
        counts["errors"] += 1
        ET.SubElement(case, "error", type=d.code, message=d.message).text = \
            f"{file.path}:{d.line}:{d.column}: {d.message}"
    for key, value in counts.items():
        suite.set(key, str(value))
    return suite


def _details(r) -> str:
    lines = []
    c = r.counterexample
    if c is not None:
        at = ", ".join(f"{k} = {v}" for k, v in (*c.values, *c.instances))
        lines += [f"counterexample: {at}", f"left = {c.left}, right = {c.right}"]
    if r.diagnosis:
        lines.append(r.diagnosis)
    if hint_problem(r):
        lines.append(hint_problem(r))
    lines += [f"note: {n}" for n in r.notes]
    return "\n".join(lines)
