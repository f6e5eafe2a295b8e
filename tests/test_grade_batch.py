"""Batch runs never lose a submission: a hanging step, a worker that dies, a run killed mid-way and resumed."""

from __future__ import annotations

import csv
import json
import multiprocessing
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from derivcheck.grade import batch, session
from derivcheck.grade.classgen import KEY, policy_gradient_class
from derivcheck.grade.inputs import Submission
from derivcheck.grade.key import read_key
from derivcheck.grade.score import grade_submission

ROOT = Path(__file__).resolve().parent.parent
KEY_PATH = str(ROOT / KEY)

pytestmark = pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(),
                                reason="the injected grading functions reach the workers by fork")


@pytest.fixture(scope="module")
def key():
    return read_key((ROOT / KEY).read_text(encoding="utf-8"), KEY_PATH)


def _subs(n: int = 12) -> list[Submission]:
    return [Submission(sid, text) for sid, _, text in policy_gradient_class(n, seed=1)]


def _grade(key, sub, opts):
    return grade_submission(key, sub.id, sub.text, sub.suffix, opts)


def _hang_on_s0003(key, sub, opts):
    if sub.id == "s0003":
        time.sleep(600)  # a step that never finishes, as a stuck sympy call would
    return _grade(key, sub, opts)


def _kill_self_on_s0005_once(key, sub, opts):
    marker = Path(os.environ["DERIVCHECK_TEST_MARKER"])
    if sub.id == "s0005" and not marker.exists():
        marker.write_text("killed once")
        os.kill(os.getpid(), signal.SIGKILL)
    return _grade(key, sub, opts)


def _exit_on_s0002(key, sub, opts):
    if sub.id == "s0002":
        os._exit(3)
    return _grade(key, sub, opts)


def _grade_workers() -> list:
    """Grading workers still alive (the engine may keep a step worker of its own)."""
    return [p for p in multiprocessing.active_children() if p.name == batch.WORKER_NAME]


def _always_exit(key, sub, opts):
    os._exit(7)


def _context(key, grade):
    from derivcheck.grade.check import options
    from derivcheck.grade.key import check_key

    check_key(key, options())  # as a run does: sympy loaded and the cache warm before the fork
    return batch.Context(key, options(), grade)


def test_a_hanging_submission_is_killed_and_recorded_and_the_rest_are_graded(key):
    subs = _subs()
    started = time.monotonic()
    # a limit that a loaded machine never reaches on an ordinary submission (it was 3 s,
    # and flaked under load); the hanging one is still cut off long before the bound below
    grades, stats = batch.run(_context(key, _hang_on_s0003), subs, jobs=2, time_limit=8)
    assert time.monotonic() - started < 60
    assert [g.id for g in grades] == [s.id for s in subs]
    hung = grades[3]
    assert (hung.status, hung.score, hung.flags) == ("timeout", 0, ("timeout",))
    assert hung.reason == "grading took longer than the limit of 8 s"
    assert all(g.status != "timeout" for g in grades if g.id != "s0003")
    assert stats.timeouts == 1 and not _grade_workers()


def test_a_worker_killed_mid_run_is_replaced_and_its_submission_graded_again(key, tmp_path, monkeypatch):
    monkeypatch.setenv("DERIVCHECK_TEST_MARKER", str(tmp_path / "marker"))
    subs = _subs()
    grades, stats = batch.run(_context(key, _kill_self_on_s0005_once), subs, jobs=2, time_limit=60)
    assert (tmp_path / "marker").exists() and stats.crashes == 1
    assert [g.id for g in grades] == [s.id for s in subs]
    assert grades[5].status == "graded"


def test_a_submission_that_kills_its_worker_every_time_is_recorded_as_crashed(key):
    subs = _subs()
    grades, stats = batch.run(_context(key, _exit_on_s0002), subs, jobs=2, time_limit=60)
    assert [g.id for g in grades] == [s.id for s in subs]
    assert grades[2].status == "crashed" and "died on it 2 times (exit status 3)" in grades[2].reason
    assert stats.crashes == 2 and sum(g.status == "crashed" for g in grades) == 1


def test_workers_that_die_before_grading_anything_stop_the_run_with_every_row_written(key):
    subs = _subs(30)
    started = time.monotonic()
    grades, stats = batch.run(_context(key, _always_exit), subs, jobs=2, time_limit=60)
    assert time.monotonic() - started < 20 and stats.crashes < 10
    assert [g.id for g in grades] == [s.id for s in subs] and {g.status for g in grades} == {"crashed"}
    assert grades[-1].reason == "the grading processes keep dying before they grade anything (exit status 7)"


def _export(folder: Path, n: int) -> Path:
    path = folder / "class.jsonl"
    with open(path, "w", encoding="utf-8") as f:
        for sid, kind, text in policy_gradient_class(n, seed=2):
            f.write(json.dumps({"id": sid, "kind": kind, "answer": text}, ensure_ascii=False) + "\n")
    return path


def _rows(out: Path) -> list[dict]:
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        return list(csv.DictReader(f))


KILL_PARENT = """
import os, signal, sys
from derivcheck.grade import session
def progress(done, total):
    if done >= 10:
        os.kill(os.getpid(), signal.SIGKILL)   # the whole run dies, as in a power cut
session.grade_class(sys.argv[1], [sys.argv[2]], sys.argv[3], jobs=2, progress=progress)
"""


def test_a_run_killed_mid_way_resumes_where_it_stopped(tmp_path):
    export = _export(tmp_path, 40)
    out = tmp_path / "out"
    killed = subprocess.run([sys.executable, "-c", KILL_PARENT, KEY_PATH, str(export), str(out)],
                            capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert not (out / "grades.csv").exists()  # outputs are written at the end, never half
    journal = (out / batch.JOURNAL).read_text(encoding="utf-8").splitlines()
    assert 11 <= len(journal) < 41  # the header and at least the ten grades before the kill

    resumed = subprocess.run([sys.executable, "-m", "derivcheck", "grade", KEY_PATH, str(export), "-o", str(out),
                              "-j", "2", "--resume"], capture_output=True, text=True, cwd=ROOT, timeout=120)
    assert resumed.returncode == 1, resumed.stderr  # 1: the class holds empty and unparsable answers
    assert f"{len(journal) - 1} read back from the journal" in resumed.stdout
    rows = _rows(out)
    assert [r["id"] for r in rows] == [f"s{i:04d}" for i in range(40)]

    fresh = tmp_path / "fresh"
    session.grade_class(KEY_PATH, [str(export)], str(fresh), jobs=1)
    assert rows == _rows(fresh)


def test_ctrl_c_stops_the_workers_and_resume_finishes_with_changed_answers_regraded(tmp_path):
    export = _export(tmp_path, 24)
    out = tmp_path / "out"

    def interrupt(done, total):
        if done >= 8:
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        session.grade_class(KEY_PATH, [str(export)], str(out), jobs=2, progress=interrupt)
    assert not _grade_workers()

    lines = export.read_text(encoding="utf-8").splitlines()
    changed = json.loads(lines[1])
    changed["answer"] = "∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"  # s0001 resubmitted as a one-liner
    lines[1] = json.dumps(changed, ensure_ascii=False)
    export.write_text("\n".join(lines) + "\n", encoding="utf-8")

    outcome = session.grade_class(KEY_PATH, [str(export)], str(out), jobs=2, resume=True)
    assert len(outcome.grades) == 24 and 0 < outcome.stats.reused < 8
    assert outcome.grades[1].score == 2.75


def test_resume_refuses_a_journal_written_for_another_key(tmp_path):
    export = _export(tmp_path, 3)
    out = tmp_path / "out"
    session.grade_class(KEY_PATH, [str(export)], str(out), jobs=1)
    other = str(ROOT / "derivations" / "keys" / "independent_rewrites.deriv")
    with pytest.raises(batch.JournalMismatch):
        session.grade_class(other, [str(export)], str(out), jobs=1, resume=True)
