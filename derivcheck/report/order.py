"""What `derivcheck order` and `derivcheck rules` print: pure functions of plain data."""

from __future__ import annotations

import json
from collections.abc import Sequence

from ..model import FileOrder, OrderResult


def _safe(text: str) -> str:
    """Control and invisible characters from the input made visible (report/escape.py)."""
    try:
        from . import escape
    except ImportError:  # pragma: no cover - an older tree without it
        return text
    return escape.text(text)


def render_text(files: Sequence[FileOrder]) -> str:
    """Each derivation's logical order: step numbers, then the chain rewritten in that order
    with the rule that takes each step to the next."""
    blocks = []
    for f in files:
        lines: list[str] = []
        for r in f.derivations:
            title = r.derivation.title
            lines.append(f"{f.path} — {title}" if title else f.path)
            lines += _order_lines(r)
            lines.append("")
        for d in f.diagnostics:
            where = f.path + (f":{d.line}" if d.line else "") + (f":{d.column}" if d.line and d.column else "")
            lines.append(f"{where}: {d.severity}: {d.message} [{d.code}]")
        if not f.derivations and not f.diagnostics:
            lines.append(f"{f.path}: no derivations")
        blocks.append("\n".join(line.rstrip() for line in lines).rstrip())
    return _safe("\n\n".join(blocks))


def _order_lines(r: OrderResult) -> list[str]:
    best = r.orders[0]
    out = [f"order: {' '.join(map(str, best))}"]
    if len(r.orders) > 1:
        others = " | ".join(" ".join(map(str, o)) for o in r.orders)
        out.append(f"{len(r.orders)} orders are equally good: {others}")
    if not r.complete:
        out.append(f"no order takes every step to the next by one rule: {r.good} of {r.edges} "
                   "steps follow (`{ ? }` below)")
    out += [f"note: {n}" for n in r.notes]
    steps = {s.index: s for s in r.derivation.steps}
    width = len(str(max(steps)))
    for k, i in enumerate(best):
        if k == 0:
            out.append(f"  {i:>{width}}    {steps[i].text}")
            continue
        rule = r.rules[k - 1] if k - 1 < len(r.rules) else None
        hint = f"{{ {rule} }}" if rule else "{ ? }"
        out.append(f"  {i:>{width}}  = {hint}  {steps[i].text}")
    return out


def render_json(files: Sequence[FileOrder]) -> str:
    doc = {"version": 1, "files": [{
        "path": f.path,
        "derivations": [{
            "title": r.derivation.title,
            "line": r.derivation.line,
            "order": list(r.orders[0]),
            "equally_good": [list(o) for o in r.orders[1:]],
            "rules": list(r.rules),
            "complete": r.complete,
        } for r in f.derivations],
        "diagnostics": [{"code": d.code, "severity": d.severity, "line": d.line,
                         "column": d.column, "message": d.message} for d in f.diagnostics],
    } for f in files]}
    return json.dumps(doc, ensure_ascii=False, indent=2)


def render_rules(rows: Sequence[tuple[str, Sequence[str], str, str]]) -> str:
    """One block per rule: its name, what it says, its side conditions, the phrases it answers to."""
    blocks = []
    for name, aliases, description, conditions in rows:
        lines = [name, f"    {description}"]
        if conditions:
            lines.append(f"    side conditions: {conditions}")
        others = [a for a in aliases if a != name]
        if others:
            lines.append(f"    also: {', '.join(others)}")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)
