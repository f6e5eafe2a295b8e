"""Gradescope's autograder `results.json` for one submission: top-level score and output, one test per part.

The structure is Gradescope's documented one (gradescope-autograders.readthedocs.io, "Autograder
Specifications"): `score`, `output`, `output_format` and `tests`, each test with `name`,
`score`, `max_score`, `status` (passed / failed) and `output`.  The tests' scores add up to
the top-level score.
"""

from __future__ import annotations

import json

from . import escape

from ..grade.model import GRADED, Grade

PART_NAMES = {
    "start": "Correct start",
    "goal": "Goal reached",
    "steps": "Steps that hold",
    "keys": "Key steps shown",
    "order": "Order of the key steps",
}


def render(grade: Grade) -> str:
    return escape.json_text(json.dumps(to_dict(grade), ensure_ascii=False, indent=2))


def to_dict(g: Grade) -> dict:
    if g.status != GRADED:
        tests = [{"name": "Grading", "score": 0.0, "max_score": g.max_score, "status": "failed",
                  "output": g.reason}]
    else:
        tests = [{"name": PART_NAMES.get(p.name, p.name), "score": p.earned, "max_score": p.max,
                  "status": "passed" if p.earned >= p.max else "failed", "output": p.explanation}
                 for p in g.parts]
    return {
        "score": g.score,
        "output": _output(g),
        "output_format": "text",
        "tests": tests,
    }


def _output(g: Grade) -> str:
    lines = [g.summary]
    if g.feedback and g.status == GRADED:
        lines += [""] + [f"- {f}" for f in g.feedback]
    if g.steps:
        lines += ["", "Your steps:"]
        for s in g.steps:
            lines.append(f"  {s.index}. {s.verdict:<9} {s.text}")
            detail = s.diagnosis or s.reason
            if s.verdict in ("refuted", "unknown") and detail:
                lines.append(f"     {detail}")
    return "\n".join(lines)
