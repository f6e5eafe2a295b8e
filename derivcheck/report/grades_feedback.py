"""Per-submission JSON feedback: the score, every part with its explanation, each step's verdict."""

from __future__ import annotations

import json

from . import escape

from ..grade.model import Grade

VERSION = 1


def render(grade: Grade, key_path: str = "", key_title: str = "") -> str:
    """One JSON document for one submission (keys in a fixed order, no trailing newline)."""
    # student text stays exact for a program, and inert if the file is shown on a terminal
    return escape.json_text(json.dumps(to_dict(grade, key_path, key_title), ensure_ascii=False, indent=2))


def to_dict(g: Grade, key_path: str = "", key_title: str = "") -> dict:
    return {
        "version": VERSION,
        "id": g.id,
        "status": g.status,
        "score": g.score,
        "max_score": g.max_score,
        "key": {"path": key_path, "title": key_title},
        "route": g.route,
        "first_error": g.first_error,
        "flags": list(g.flags),
        "summary": g.summary,
        "reason": g.reason,
        "parts": [{"name": p.name, "score": p.earned, "max_score": p.max, "explanation": p.explanation}
                  for p in g.parts],
        "feedback": list(g.feedback),
        "steps": [_step(s) for s in g.steps],
    }


def _step(s) -> dict:
    out = {"index": s.index, "line": s.line, "text": s.text, "verdict": s.verdict}
    # optional keys appear only when they say something, as in the check report
    for name in ("reason", "diagnosis", "counterexample"):
        if getattr(s, name):
            out[name] = getattr(s, name)
    if s.follows_error:
        out["follows_error"] = True
    if s.key_step is not None:
        out["key_step"] = s.key_step
    return out
