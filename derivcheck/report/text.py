"""The terminal report: a pure function from a Report to the text a person reads."""

from __future__ import annotations

import unicodedata
from collections.abc import Iterator

from ..diagnostics import Diagnostic
from . import escape
from ..model import (
    INPUT_ERROR_CODES,
    DerivationResult,
    FileReport,
    HintCheck,
    HintStatus,
    Report,
    StepResult,
    Verdict,
)

# ANSI colours, applied only when asked: the CLI decides whether the terminal wants them.
_GREEN, _RED, _YELLOW, _BOLD, _RESET = "\x1b[32m", "\x1b[31m", "\x1b[33m", "\x1b[1m", "\x1b[0m"

_MARKS = {
    Verdict.START: (" ", ""),
    Verdict.PROVED: ("✓", _GREEN),
    Verdict.CONFIRMED: ("✓", _GREEN),
    Verdict.REFUTED: ("✗", _RED),
    Verdict.UNKNOWN: ("?", _YELLOW),
}
_SEVERITY_COLOURS = {"error": _RED, "warning": _YELLOW, "note": ""}

_INDEX_WIDTH = 4
_DETAIL_INDENT = " " * (_INDEX_WIDTH + 4)  # detail lines start under the mark's relation
_MAX_STEP_COLUMN = 48  # a longer step pushes only its own verdict to the right
_MAX_VERDICT_COLUMN = 16


def render(report: Report, *, color: bool = False, show_reading: bool = False) -> str:
    """The whole terminal report, without a trailing newline."""
    report = escape.scrub(report)  # no escape sequence or invisible character from the input
    paint = _painter(color)
    to_plain = _reading_printer() if show_reading else None
    blocks: list[str] = []
    for file in report.files:
        lines: list[str] = []
        for result in file.derivations:
            lines += _derivation_lines(file.path, result, paint, to_plain)
            lines.append("")
        for diagnostic in file.diagnostics:
            lines += _diagnostic_lines(file.path, diagnostic, paint)
        lines.append(_file_summary(file))
        blocks.append("\n".join(line.rstrip() for line in lines))
    blocks.append(_run_summary(report))
    return "\n\n".join(blocks)


# ---------------------------------------------------------------------------
# A derivation


def _derivation_lines(path, result: DerivationResult, paint, to_plain) -> list[str]:
    title = result.derivation.title
    lines = [paint(f"{path} — {title}" if title else path, _BOLD)]
    written = [_written(r) for r in result.steps]
    column = min(max((_width(w) for w in written), default=0), _MAX_STEP_COLUMN)
    verdicts = [_verdict_words(r, result.first_error) for r in result.steps]
    # hints line up after the short verdicts; a long one ("… (follows from step 2)") pushes
    # only its own hint to the right
    short = [_width(v) for v in verdicts if _width(v) <= _MAX_VERDICT_COLUMN]
    verdict_column = max(short, default=0)
    for r, w, v in zip(result.steps, written, verdicts):
        mark, colour = _MARKS[r.verdict]
        line = f"{r.step.index:>{_INDEX_WIDTH}}  {paint(mark, colour)} {w}"
        if v or r.step.hint:
            line += " " * max(column - _width(w), 0) + "  " + v
        if r.step.hint:
            line += " " * max(verdict_column - _width(v), 0) + "  { " + r.step.hint.text + " }"
            line += _hint_words(r.hint_check, paint)
        lines.append(line)
        lines += [_DETAIL_INDENT + d for d in _step_details(r, to_plain)]
    for group in result.misordered:
        line = f"{_DETAIL_INDENT}misordered: steps {_and(group)} appear out of logical order"
        if result.reordered:
            line += f"; in the order {' '.join(map(str, result.reordered))} each step follows"
        lines.append(line)
    for diagnostic in result.diagnostics:
        lines += _diagnostic_lines(path, diagnostic, paint)
    return lines


def _written(r: StepResult) -> str:
    """The relation and the step as written; the first line of a chain has no relation."""
    relation = r.step.relation or ""
    return f"{relation} {r.step.text}" if relation else f"  {r.step.text}"


def _verdict_words(r: StepResult, first_error: int | None) -> str:
    if r.verdict is Verdict.START:
        return ""
    asides = []
    # a reason says how a step was confirmed ("agrees at 20 points") or why it is unknown
    if r.reason and r.verdict in (Verdict.CONFIRMED, Verdict.UNKNOWN):
        asides.append(r.reason)
    if r.follows_error and first_error is not None:
        asides.append(f"follows from step {first_error}")
    return r.verdict.value + (f" ({'; '.join(asides)})" if asides else "")


def _step_details(r: StepResult, to_plain) -> Iterator[str]:
    if to_plain is not None:
        yield f"reading: {to_plain(r.step.expr, bracketed=True)}"
    if r.counterexample is not None:
        c = r.counterexample
        label = "counterexample: "
        at = [f"{name} = {value}" for name, value in c.values]
        # an instantiated set (written `{τ1, τ2}`) is shown with ∈, a function by its values
        at += [f"{name} {'∈' if v.startswith('{') else '='} {v}" for name, v in c.instances]
        if at:
            yield label + ", ".join(at)
            yield " " * len(label) + f"left = {c.left}, right = {c.right}"
        else:
            yield label + f"left = {c.left}, right = {c.right}"
    if r.diagnosis:
        yield r.diagnosis
    for note in r.notes:
        yield f"note: {note}"
    yield from _hint_details(r.hint_check)


def _hint_words(check: HintCheck | None, paint) -> str:
    if check is None or check.status is HintStatus.ACCOUNTS:
        return ""
    words = "does not account" if check.status is HintStatus.DOES_NOT_ACCOUNT else "unknown rule"
    return " " + paint(words, _YELLOW)


def _hint_details(check: HintCheck | None) -> Iterator[str]:
    if check is None or check.status is HintStatus.ACCOUNTS:
        return
    if check.status is HintStatus.UNKNOWN_RULE:
        closest = f"; closest: {', '.join(check.suggestions)}" if check.suggestions else ""
        yield f"hint: no rule by this name{closest} (`derivcheck rules` lists them)"
        return
    if check.produced:
        yield f"hint: {check.rule} would give {check.produced}"
    elif check.note:
        yield f"hint: {check.note}"


# ---------------------------------------------------------------------------
# Diagnostics: `path:line:column: error: message [code]`, the line, a caret, what was expected


def _diagnostic_lines(path: str, d: Diagnostic, paint) -> list[str]:
    where = path + (f":{d.line}" if d.line else "")
    where += f":{d.column}" if d.line and d.column else ""
    severity = paint(d.severity, _SEVERITY_COLOURS.get(d.severity, ""))
    lines = [f"{where}: {severity}: {d.message} [{d.code}]"]
    if d.source_line:
        gutter = str(d.line) if d.line else ""
        source = d.source_line.rstrip("\r\n")
        lines.append(f" {gutter} | {source}")
        if d.column:
            lines.append(f" {' ' * len(gutter)} | {_caret_pad(source, d.column)}^")
    if d.expected:
        lines.append(f"  expected: {', '.join(d.expected)}")
    return lines


def _caret_pad(source: str, column: int) -> str:
    """Blank space that lines the caret up under 1-based `column`, tabs and wide letters too."""
    return "".join("\t" if ch == "\t" else " " * _width(ch) for ch in source[: column - 1])


# ---------------------------------------------------------------------------
# Summaries


def _file_summary(file: FileReport) -> str:
    n = len(file.derivations)
    bad = [d for d in file.derivations if not d.ok]
    errors = sum(d.severity == "error" for d in file.diagnostics)
    error_count = _count(errors, "error")
    if not n and errors:
        return f"no derivations checked: {error_count}"
    line = _count(n, "derivation")
    if bad:
        why = "; ".join(_why(d, titled=n > 1) for d in bad)
        line += f": {len(bad)} with errors — {why}"
    elif n:
        line += ": all hold"
    return line + (f"; {error_count}" if errors else "")


def _why(result: DerivationResult, *, titled: bool) -> str:
    if result.first_error is not None:
        why = f"first error at step {result.first_error}"
    elif result.misordered:
        why = "steps out of order"
    elif result.unaccounted:
        steps = result.unaccounted
        why = f"the hint{'s' * (len(steps) > 1)} of step{'s' * (len(steps) > 1)} {_and(steps)} " \
              f"do{'es' * (len(steps) == 1)} not account for {'them' if len(steps) > 1 else 'it'}"
    else:
        why = "see the errors above"
    title = result.derivation.title
    return f"{why} in “{title}”" if titled and title else why


def _run_summary(report: Report) -> str:
    derivations = [d for f in report.files for d in f.derivations]
    ok = sum(d.ok for d in derivations)
    line = (
        f"{_count(len(report.files), 'file')}, {_count(len(derivations), 'derivation')}: "
        f"{ok} ok, {len(derivations) - ok} with errors"
    )
    # the files that make the exit status 2: unreadable, unparsable, bad declarations
    unread = sum(
        any(d.severity == "error" and d.code in INPUT_ERROR_CODES for d in f.diagnostics)
        for f in report.files
    )
    if unread:
        line += f"; {_count(unread, 'file')} with input errors"
    return line


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}{'s' * (n != 1)}"


# ---------------------------------------------------------------------------
# Helpers


def _painter(color: bool):
    if not color:
        return lambda text, colour: text
    return lambda text, colour: f"{colour}{text}{_RESET}" if colour and text.strip() else text


def _reading_printer():
    # imported only when asked for, so a plain report does not load the printer
    from ..printer import to_plain

    return to_plain


def _width(text: str) -> int:
    """Columns a string takes in a terminal: combining marks take none, wide letters two."""
    return sum(
        0 if unicodedata.combining(ch) else 2 if unicodedata.east_asian_width(ch) in "WF" else 1
        for ch in text
    )


def _and(indices) -> str:
    names = [str(i) for i in indices]
    return ", ".join(names[:-1]) + " and " + names[-1] if len(names) > 1 else "".join(names)
