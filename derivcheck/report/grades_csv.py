"""The grades CSV: one row per submission — id, score, max, first error, flags, one-line summary."""

from __future__ import annotations

import csv
import io

from ..grade.model import Grade
from . import escape

COLUMNS = ("id", "score", "max", "first_error", "flags", "summary")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def render(grades: list[Grade]) -> str:
    """The CSV text (RFC 4180, CRLF line ends), every cell safe to open in a spreadsheet."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(COLUMNS)
    for g in grades:
        first = "" if g.first_error is None else str(g.first_error)
        writer.writerow([safe(c) for c in (g.id, number(g.score), number(g.max_score), first,
                                             " ".join(g.flags), g.summary)])
    return out.getvalue()


def safe(cell: str) -> str:
    """A cell a spreadsheet will not run as a formula (OWASP's CSV injection advice): one that
    starts with = + - @ tab or CR gets a leading apostrophe; control, invisible and
    direction-changing characters are made visible (report/escape.py)."""
    cell = "'" + cell if cell.startswith(_FORMULA_START) else cell
    return escape.text(cell)


def number(x: float) -> str:
    return f"{round(x, 2):g}"
