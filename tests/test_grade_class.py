"""A generated class of 208 submissions graded against the policy-gradient key, end to end:
an export in, one row per submission out, the expected score, flags and feedback for each kind."""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from derivcheck.grade import session
from derivcheck.grade.classgen import KEY, KINDS, policy_gradient_class

ROOT = Path(__file__).resolve().parent.parent
N = 16 * len(KINDS)  # 16 of each kind

# kind → (score, flags): computed by hand from the scoring policy (docs/grading.md)
EXPECTED = {
    "correct": (10, set()),
    "correct_short": (10, set()),
    "very_long": (10, set()),
    "one_liner": (2.75, {"skipped"}),  # start 1 + goal 1 + steps 3·¼
    "misordered": (6.75, {"skipped", "misordered"}),  # 1 + 1 + 3·¾ + 4·½ + 1·½
    "gradient_inside": (2.5, {"goal-not-reached", "refuted", "skipped", "follow-through"}),  # 1 + 3·2/4
    "follow_through": (6.4, {"goal-not-reached", "refuted", "skipped", "follow-through"}),  # 1 + 3·⅘ + 4·½ + 1
    "dropped_weight": (6.8, {"refuted", "skipped"}),  # 1 + 1 + 3·⅗ + 4·½ + 1
    "wrong_start": (7.25, {"wrong-start", "skipped"}),  # 1 + 3·¾ + 4·¾ + 1
    "stops_early": (8, {"goal-not-reached", "skipped"}),  # 1 + 3 + 4·¾ + 1
    "typo": (7.8, {"unknown", "parse-error", "skipped", "follow-through"}),  # 1 + 1 + 3·⅗ + 4·¾ + 1
    "unparsable": (0, {"unparsable"}),
    "empty": (0, {"empty"}),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("class")
    rows = policy_gradient_class(N, seed=5)
    export = folder / "export.csv"
    with open(export, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f)
        w.writerow(["Student ID", "kind", "Answer"])
        w.writerows([sid, kind, text] for sid, kind, text in rows)
    out = folder / "out"
    outcome = session.grade_class(str(ROOT / KEY), [str(export)], str(out), jobs=2)
    kinds = {sid: kind for sid, kind, _ in rows}
    return outcome, kinds, out


def test_the_class_has_every_kind_many_times():
    assert set(KINDS) == set(EXPECTED) and N >= 200


def test_every_submission_gets_exactly_one_row_in_every_output(graded):
    outcome, kinds, out = graded
    assert [g.id for g in outcome.grades] == list(kinds)
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["id"] for r in rows] == list(kinds)
    assert sorted(p.stem for p in (out / "feedback").iterdir()) == sorted(kinds)
    assert sorted(p.name for p in (out / "gradescope").iterdir()) == sorted(kinds)
    assert Counter(g.status for g in outcome.grades) == {"graded": N - 32, "unparsable": 16, "empty": 16}


@pytest.mark.parametrize("kind", list(EXPECTED))
def test_each_kind_gets_its_expected_score_and_flags(graded, kind):
    outcome, kinds, _ = graded
    score, flags = EXPECTED[kind]
    found = {(g.score, frozenset(g.flags)) for g in outcome.grades if kinds[g.id] == kind}
    assert found == {(score, frozenset(flags))}


def _feedback(out: Path, outcome, kinds, kind: str) -> dict:
    sid = next(g.id for g in outcome.grades if kinds[g.id] == kind)
    return json.loads((out / "feedback" / f"{sid}.json").read_text(encoding="utf-8"))


def test_the_one_liner_feedback_names_every_skipped_step(graded):
    doc = _feedback(graded[2], graded[0], graded[1], "one_liner")
    keys = next(p for p in doc["parts"] if p["name"] == "keys")
    assert keys["score"] == 0 and keys["max_score"] == 4
    for name in ("linearity", "multiply and divide by Pr_θ(τ)", "log-derivative trick", "definition of expectation"):
        assert name in keys["explanation"]
    assert doc["summary"] == "2.75/10: skipped key steps 3, 4, 5 and 6"


def test_the_follow_through_feedback_explains_the_credit_and_the_error(graded):
    doc = _feedback(graded[2], graded[0], graded[1], "follow_through")
    assert doc["first_error"] == 3
    assert [s.get("follows_error", False) for s in doc["steps"]] == [False, False, False, True, True, True]
    assert any(f.startswith("follow-through: steps 4, 5 and 6") for f in doc["feedback"])
    steps = next(p for p in doc["parts"] if p["name"] == "steps")
    assert steps["score"] == 2.4 and "step 3 is refuted" in steps["explanation"]


def test_typical_slips_come_with_their_counterexample(graded):
    doc = _feedback(graded[2], graded[0], graded[1], "gradient_inside")
    [refuted] = [s for s in doc["steps"] if s["verdict"] == "refuted"]
    assert refuted["index"] == 3 and "left = " in refuted["counterexample"]
    assert any("step 3 is refuted" in f for f in doc["feedback"])


def test_misordered_feedback_names_the_pair(graded):
    doc = _feedback(graded[2], graded[0], graded[1], "misordered")
    order = next(p for p in doc["parts"] if p["name"] == "order")
    assert order["score"] == 0.5
    assert "key step 3 (linearity)" in order["explanation"] and "key step 5 (log-derivative trick)" in order["explanation"]


def test_unparsable_and_empty_rows_say_why(graded):
    outcome, kinds, _ = graded
    for g in outcome.grades:
        if kinds[g.id] == "unparsable":
            assert g.reason.startswith("line 1, column") and g.summary.startswith("not graded: line 1")
        if kinds[g.id] == "empty":
            assert g.reason == "the submission is empty"


def test_the_cache_sees_the_same_steps_again(graded):
    stats = graded[0].stats
    assert stats.graded == N and stats.timeouts == 0 and stats.crashes == 0
    assert stats.hit_rate > 0.8
    assert stats.copies > 0  # identical answers are graded once, each keeping its own id


def test_the_summary_counts_the_most_common_mistakes(graded):
    text = (graded[2] / "summary.txt").read_text(encoding="utf-8")
    assert text.startswith(f"{N} submissions graded against “Policy gradient theorem” (out of 10)")
    assert "16 submissions: key step 3 (linearity) and key step 5 (log-derivative trick) in the wrong order" in text
    assert "  96 submissions: skipped key step 6 (definition of expectation)\n" in text
    # the gradient moved inside the expectation: refuted, with the diagnosis of the slip
    assert "\n  16 submissions: a step refuted — " in text


def test_every_gradescope_results_file_of_the_class_validates(graded):
    from .test_grade_outputs import validate_gradescope

    for path in (graded[2] / "gradescope").glob("*/results.json"):
        validate_gradescope(json.loads(path.read_text(encoding="utf-8")))
