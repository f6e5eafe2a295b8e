"""Every output of `derivcheck grade` against a golden file, and the properties each format promises.

The grades rendered here are stored in tests/golden/grade/grades.json (real grades of a small
class, plus the rows of submissions that timed out, crashed or could not be read), so a change
in the checker's wording does not churn the reporters' golden files.  Regenerate both with
`DERIVCHECK_UPDATE_GOLDEN=1 python -m pytest tests/test_grade_outputs.py`.
"""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from derivcheck.grade import outputs
from derivcheck.grade.key import read_key
from derivcheck.grade.model import Grade, not_graded
from derivcheck.report import grades_csv, grades_feedback, grades_gradescope, grades_junit, grades_summary

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = Path(__file__).resolve().parent / "golden" / "grade"
KEY = "derivations/keys/policy_gradient.deriv"
UPDATE = os.environ.get("DERIVCHECK_UPDATE_GOLDEN") == "1"

CLASS = {
    "alice": "  ∇_θ J(θ)\n= ∇_θ Σ_τ Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)\n"
             "= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n",
    "bob": "∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n",
    "carol": "∇_θ J(θ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n",
    "dave": "∇_θ J(θ)\n= ∇_θ Σ_τ Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ)\n= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ))\n"
            "= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ)]\n",
    "erin": "∇_θ J(θ)\n= ∇_θ E_{τ~Pr_θ}[R(τ)]\n= E_{τ~Pr_θ}[∇_θ R(τ)]\n= 0\n",
    "=HYPERLINK(\"http://evil.example\")": "∇_θ J(θ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n",
    "frank": "",
    "grace": "∇_θ J(θ))\n= Σ_τ ∇_θ Pr_θ(τ) R(τ))\n",
}


def _make_fixture() -> list[Grade]:
    from derivcheck.grade.check import RunCache, options
    from derivcheck.grade.score import grade_submission

    key = read_key((ROOT / KEY).read_text(encoding="utf-8"), KEY)
    grades = [grade_submission(key, sid, text, "", options(), RunCache()) for sid, text in CLASS.items()]
    grades += [
        not_graded("heidi", "timeout", "grading took longer than the limit of 60 s", 10, digest="0" * 16),
        not_graded("ivan", "unreadable", "not valid UTF-8 (line 2)", 10),
        not_graded("@judy", "crashed", "the grading process died on it 2 times (killed by signal 9)", 10,
                   digest="1" * 16),
    ]
    return [Grade.from_dict({**g.to_dict(), "seconds": 0.0, "cache_hits": 0, "cache_misses": 0}) for g in grades]


@pytest.fixture(scope="module")
def grades() -> list[Grade]:
    path = GOLDEN / "grades.json"
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps([g.to_dict() for g in _make_fixture()], ensure_ascii=False, indent=1) + "\n",
                        encoding="utf-8")
    return [Grade.from_dict(d) for d in json.loads(path.read_text(encoding="utf-8"))]


def golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE:
        path.parent.mkdir(parents=True, exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)
    with open(path, encoding="utf-8", newline="") as f:
        assert text == f.read(), f"{name} differs from its golden file"


def test_grades_csv_matches_its_golden_file(grades):
    golden("grades.csv", grades_csv.render(grades))


def test_junit_xml_matches_its_golden_file(grades):
    golden("junit.xml", grades_junit.render(grades, "derivcheck grade: Policy gradient theorem"))


def test_summary_matches_its_golden_file(grades):
    golden("summary.txt", grades_summary.render(grades, title="Policy gradient theorem", points=10) + "\n")


@pytest.mark.parametrize("sid", ["alice", "bob", "dave", "grace", "heidi"])
def test_feedback_json_matches_its_golden_file(grades, sid):
    g = next(g for g in grades if g.id == sid)
    golden(f"feedback/{sid}.json", grades_feedback.render(g, KEY, "Policy gradient theorem") + "\n")


@pytest.mark.parametrize("sid", ["carol", "dave", "heidi"])
def test_gradescope_results_match_their_golden_file(grades, sid):
    g = next(g for g in grades if g.id == sid)
    golden(f"gradescope/{sid}/results.json", grades_gradescope.render(g) + "\n")


# ---------------------------------------------------------------------------
# What each format promises


def validate_gradescope(doc: dict) -> None:
    """Gradescope's documented results.json structure (Autograder Specifications): top-level
    `score` unless every test has one, optional `output`, `tests` a list whose items may carry
    `score`, `max_score`, `status` (passed or failed), `name`, `output`, `visibility`…"""
    top = {"score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
           "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard"}
    assert set(doc) <= top, set(doc) - top
    assert isinstance(doc["score"], (int, float)) and doc["score"] >= 0
    assert isinstance(doc.get("output", ""), str)
    assert doc.get("output_format", "text") in ("text", "html", "simple_format", "md", "ansi")
    tests = doc["tests"]
    assert isinstance(tests, list) and tests
    fields = {"score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
              "visibility", "extra_data"}
    for t in tests:
        assert set(t) <= fields, set(t) - fields
        assert isinstance(t["name"], str) and isinstance(t["output"], str)
        assert isinstance(t["score"], (int, float)) and isinstance(t["max_score"], (int, float))
        assert 0 <= t["score"] <= t["max_score"]
        assert t["status"] in ("passed", "failed")
        assert (t["status"] == "passed") == (t["score"] >= t["max_score"])
    assert abs(sum(t["score"] for t in tests) - doc["score"]) < 1e-9


def test_every_gradescope_file_validates(grades):
    for g in grades:
        validate_gradescope(json.loads(grades_gradescope.render(g)))


def test_the_csv_neutralises_formulas_and_reads_back(grades):
    rows = list(csv.reader(io.StringIO(grades_csv.render(grades))))
    assert rows[0] == ["id", "score", "max", "first_error", "flags", "summary"]
    ids = [r[0] for r in rows[1:]]
    assert "'=HYPERLINK(\"http://evil.example\")" in ids and "'@judy" in ids
    assert len(rows) == len(grades) + 1
    for cell in ("=1+1", "+1", "-1", "@SUM(A1)", "\tx"):
        assert grades_csv.safe(cell) == "'" + cell
    assert grades_csv.safe("\rx") == "'␍x"  # and a carriage return is made visible
    assert grades_csv.safe("alice") == "alice" and grades_csv.safe("") == ""


def test_control_and_direction_characters_in_student_text_are_made_harmless(grades):
    g = Grade.from_dict({**grades[0].to_dict(), "id": "mallory\x1b]0;pwned\x07\u202e", "summary": "ok\x1b[2J"})
    for text in (grades_csv.render([g]), grades_junit.render([g]), grades_gradescope.render(g),
                 grades_feedback.render(g), grades_summary.render([g], title="t\x1b[31m", points=10)):
        assert "\x1b" not in text and "\u202e" not in text and "\x07" not in text
    assert json.loads(grades_feedback.render(g))["id"] == g.id  # exact for a program reading the JSON
    ET.fromstring(grades_junit.render([g]))


def test_junit_is_well_formed_with_a_suite_per_submission(grades):
    root = ET.fromstring(grades_junit.render(grades))
    suites = root.findall("testsuite")
    assert [s.get("name") for s in suites] == [g.id for g in grades]
    assert int(root.get("errors")) == 5  # frank, grace, heidi, ivan and @judy were not graded
    by_id = {s.get("name"): s for s in suites}
    assert by_id["alice"].get("failures") == "0"
    assert by_id["heidi"].find("testcase/error").get("message").startswith("timeout: grading took longer")


def test_outputs_are_written_whole_and_a_rerun_replaces_stale_feedback(tmp_path, grades):
    key = read_key((ROOT / KEY).read_text(encoding="utf-8"), KEY)
    outputs.write_all(str(tmp_path), key, grades)
    (tmp_path / "feedback" / "stale.json").write_text("{}")
    outputs.write_all(str(tmp_path), key, grades[:2])
    assert sorted(p.name for p in (tmp_path / "feedback").iterdir()) == ["alice.json", "bob.json"]
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left behind
    assert outputs.safe_name("alice") == "alice"
    assert outputs.safe_name("../../etc/passwd").startswith("etc_passwd-")
    assert outputs.safe_name('=HYPERLINK("x")') != outputs.safe_name("=HYPERLINK(x)")
