"""The terminal summary of a graded class: the score distribution and the most common mistakes."""

from __future__ import annotations

import statistics
from collections import Counter

from ..grade.model import GRADED, Grade
from . import escape

BINS = 10
BAR = 30  # characters of the longest bar
TOP_MISTAKES = 10


def render(grades: list[Grade], *, title: str, points: float) -> str:
    """The summary, without a trailing newline (timing is the CLI's to add: this stays the same
    for the same grades)."""
    lines = [f"{len(grades)} submission{'s' if len(grades) != 1 else ''} graded against “{escape.text(title)}” "
             f"(out of {points:g})"]
    graded = [g for g in grades if g.status == GRADED]
    statuses = Counter(g.status for g in grades)
    lines.append(", ".join(f"{n} {_STATUS[s]}" for s, n in sorted(statuses.items(), key=_status_order)))
    if grades:
        scores = [g.score for g in grades]
        lines.append(f"mean {statistics.fmean(scores):.2f}, median {statistics.median(scores):g}")
        lines += ["", "score distribution:"] + _histogram(scores, points)
    mistakes = Counter(m for g in grades for m in g.mistakes)
    if mistakes:
        lines += ["", "most common mistakes:"]
        width = len(str(max(mistakes.values())))
        for text, n in sorted(mistakes.items(), key=lambda kv: (-kv[1], kv[0]))[:TOP_MISTAKES]:
            noun = "submission" if n == 1 else "submissions"
            lines.append(f"  {n:>{width}} {noun}: {escape.text(text)}")
    elif graded:
        lines += ["", "no mistakes: every submission earned full marks"]
    return "\n".join(lines)


_STATUS = {"graded": "graded", "empty": "empty", "unreadable": "unreadable", "unparsable": "unparsable",
           "timeout": "timed out", "crashed": "crashed", "error": "internal errors"}


def _status_order(item):
    order = list(_STATUS)
    return order.index(item[0]) if item[0] in order else len(order)


def _histogram(scores: list[float], points: float) -> list[str]:
    counts = [0] * BINS
    for s in scores:
        counts[min(int(s / points * BINS), BINS - 1) if points > 0 else 0] += 1
    top = max(counts) or 1
    out = []
    for i, n in enumerate(counts):
        lo, hi = points * i / BINS, points * (i + 1) / BINS
        label = f"{lo:g}–{hi:g}"  # each bin holds its lower end; the last one its upper end too
        bar = "█" * max(1, round(n / top * BAR)) if n else ""
        out.append(f"  {label:>11} │{bar:<{BAR}} {n}")
    return out
