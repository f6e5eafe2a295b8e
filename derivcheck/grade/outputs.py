"""Write a graded class's outputs, each atomically: a reader never sees a half-written file.

    OUT/grades.csv                     one row per submission
    OUT/junit.xml                      one testsuite per submission
    OUT/summary.txt                    the terminal summary
    OUT/feedback/<id>.json             per-submission feedback
    OUT/gradescope/<id>/results.json   Gradescope's autograder format

Files are written to a temporary name and renamed into place; the two folders are built
beside the old ones and swapped in, so they never mix two runs.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile

from ..report import grades_csv, grades_feedback, grades_gradescope, grades_junit, grades_summary
from .key import AnswerKey
from .model import Grade

_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(sid: str) -> str:
    """A file name for a submission id: itself when harmless, else a cleaned form plus a hash."""
    clean = _UNSAFE.sub("_", sid).strip("._")[:80] or "submission"
    if clean == sid:
        return clean
    return f"{clean}-{hashlib.sha256(sid.encode('utf-8', 'surrogatepass')).hexdigest()[:8]}"


def write_atomic(path: str, text: str) -> None:
    directory = os.path.dirname(path) or "."
    os.makedirs(directory, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def _swap_folder(out: str, name: str, files: dict[str, str]) -> None:
    """Build OUT/name afresh beside the old one, then swap it in."""
    new = tempfile.mkdtemp(prefix=f".{name}.new-", dir=out)
    try:
        for rel, text in files.items():
            path = os.path.join(new, rel)
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
        target = os.path.join(out, name)
        old = None
        if os.path.exists(target):
            old = tempfile.mkdtemp(prefix=f".{name}.old-", dir=out)
            os.rmdir(old)
            os.rename(target, old)
        os.rename(new, target)
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    except BaseException:
        shutil.rmtree(new, ignore_errors=True)
        raise


def write_all(out: str, key: AnswerKey, grades: list[Grade]) -> list[str]:
    """Write every output into the folder `out`; the paths written, for the summary."""
    os.makedirs(out, exist_ok=True)
    names = [safe_name(g.id) for g in grades]
    feedback = {f"{n}.json": grades_feedback.render(g, key.path, key.title) + "\n" for n, g in zip(names, grades)}
    gradescope = {f"{n}/results.json": grades_gradescope.render(g) + "\n" for n, g in zip(names, grades)}
    _swap_folder(out, "feedback", feedback)
    _swap_folder(out, "gradescope", gradescope)
    paths = {
        "grades.csv": grades_csv.render(grades),
        "junit.xml": grades_junit.render(grades, f"derivcheck grade: {key.title}"),
        "summary.txt": grades_summary.render(grades, title=key.title, points=key.points) + "\n",
    }
    for name, text in paths.items():
        write_atomic(os.path.join(out, name), text)
    return [os.path.join(out, n) for n in ("grades.csv", "feedback", "gradescope", "junit.xml", "summary.txt")]
