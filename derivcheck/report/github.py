"""The `--format github` report: one GitHub Actions annotation line per finding, from a Report."""

from __future__ import annotations

from ..model import DerivationResult, FileReport, Report, Verdict
from . import escape
from .findings import hint_problem

_LEVELS = {"error": "error", "warning": "warning", "note": "notice"}


def render(report: Report) -> str:
    """`::error file=…,line=…,col=…,title=…::message` lines; nothing when nothing was found."""
    report = escape.scrub(report)  # the log renders escape sequences: none from the input
    lines: list[str] = []
    for file in report.files:
        for result in file.derivations:
            lines += _derivation(file, result)
        for d in file.diagnostics:
            lines.append(_line(_LEVELS.get(d.severity, "error"), file.path, d.line, d.column,
                               f"derivcheck: {d.code}", d.message))
    return "\n".join(lines)


def _derivation(file: FileReport, result: DerivationResult) -> list[str]:
    out = []
    title = result.derivation.title
    for r in result.steps:
        step = r.step
        problem = hint_problem(r)
        if problem:
            hint = step.hint
            out.append(_line("warning", file.path, hint.line, hint.column, f"derivcheck: {title}", problem))
        if r.verdict is Verdict.REFUTED:
            message = f"step {step.index} is refuted: {step.relation or ''} {step.text}".rstrip()
            c = r.counterexample
            if c is not None:
                at = ", ".join(f"{k} = {v}" for k, v in (*c.values, *c.instances))
                message += f"\ncounterexample: {at}\nleft = {c.left}, right = {c.right}"
            if r.diagnosis:
                message += f"\n{r.diagnosis}"
            level = "warning" if r.follows_error else "error"
        elif r.verdict is Verdict.UNKNOWN:
            message = f"step {step.index} is unknown: {r.reason or 'no verdict'}"
            level = "warning"
        else:
            continue
        out.append(_line(level, file.path, step.line, step.column, f"derivcheck: {title}", message))
    for group in result.misordered:
        first = result.steps[group[0] - 1].step if group and group[0] <= len(result.steps) else None
        out.append(_line("warning", file.path, first.line if first else result.derivation.line,
                         first.column if first else 1, f"derivcheck: {title}",
                         f"steps {', '.join(map(str, group))} appear out of logical order"))
    for d in result.diagnostics:
        if d.severity != "note":
            out.append(_line(_LEVELS.get(d.severity, "error"), file.path, d.line, d.column,
                             f"derivcheck: {d.code}", d.message))
    return out


def _line(level: str, path: str, line: int, column: int, title: str, message: str) -> str:
    props = [f"file={_property(path)}"]
    if line:
        props.append(f"line={line}")
        if column:
            props.append(f"col={column}")
    props.append(f"title={_property(title)}")
    return f"::{level} {','.join(props)}::{_data(message)}"


def _data(text: str) -> str:
    # the escaping GitHub's workflow commands define for a message
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _property(text: str) -> str:
    return _data(text).replace(":", "%3A").replace(",", "%2C")
