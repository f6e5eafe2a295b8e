"""Submissions from files, folders and exports — every one becomes a row — and the `grade` command's edges."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from derivcheck.cli import main
from derivcheck.grade.inputs import InputProblem, collect

ROOT = Path(__file__).resolve().parent.parent
KEY = str(ROOT / "derivations" / "keys" / "policy_gradient.deriv")
GOOD = "∇_θ J(θ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)\n" \
       "= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]\n"
TEX = ("\\begin{align*}\n\\nabla_\\theta J(\\theta) &= \\sum_{\\tau} \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau) \\\\\n"
       "&= \\mathbb{E}_{\\tau \\sim \\Pr_\\theta}[\\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau)]\n\\end{align*}\n")


@pytest.fixture
def folder(tmp_path):
    root = tmp_path / "subs"
    (root / "group-b").mkdir(parents=True)
    (root / "alice.deriv").write_text(GOOD, encoding="utf-8")
    (root / "bob.tex").write_text(TEX, encoding="utf-8")
    (root / "carol.md").write_text("Answer:\n\n$$\n" + TEX.split("\n", 1)[1].rsplit("\\end", 1)[0].replace("&", "")
                                   + "$$\n", encoding="utf-8")
    (root / "group-b" / "dave.txt").write_text("∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]", encoding="utf-8")
    (root / "group-b" / "alice.deriv").write_text(GOOD, encoding="utf-8")  # ids keep their folder
    (root / "erin.deriv").write_bytes(b"\xff\xfe not utf-8")
    (root / "frank.pdf").write_bytes(b"%PDF-1.4")
    (root / ".hidden.deriv").write_text("x")
    return root


def test_a_folder_gives_one_submission_per_file_and_says_why_one_cannot_be_read(folder):
    subs = collect([str(folder)])
    assert [s.id for s in subs] == ["alice", "bob", "carol", "erin", "frank.pdf", "group-b/alice", "group-b/dave"]
    unreadable = {s.id: s.problem for s in subs if s.text is None}
    assert unreadable == {"erin": "not valid UTF-8 (line 1)",
                          "frank.pdf": "not a derivation file (.pdf): submit .deriv, .tex, .md or .txt"}


def test_a_csv_export_finds_its_columns_and_keeps_every_row(tmp_path):
    path = tmp_path / "export.csv"
    with open(path, "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, delimiter=";")
        w.writerow(["Email", "Submitted at", "Response"])
        w.writerows([["a@x", "9:00", GOOD], ["", "9:01", "x"], ["a@x", "9:02", ""], ["", "", ""]])
    subs = collect([str(path)])
    assert [(s.id, s.flags) for s in subs] == [("a@x", ()), ("row-3", ("missing-id",)), ("a@x#2", ("duplicate-id",))]
    assert subs[0].text == GOOD and subs[2].text == ""


def test_a_jsonl_export_turns_a_broken_line_into_a_row(tmp_path):
    path = tmp_path / "export.jsonl"
    path.write_text("\n".join([json.dumps({"student_id": 7, "answer": GOOD}), "{not json", json.dumps([1]),
                               json.dumps({"student_id": 8, "answer": 3})]) + "\n", encoding="utf-8")
    subs = collect([str(path)])
    assert [s.id for s in subs] == ["7", "line-2", "line-3", "8"]
    assert subs[1].problem.startswith("line 2 is not a JSON object") and subs[3].problem == "the `answer` field is not text"


@pytest.mark.parametrize("content,options,message", [
    ("who,what\n1,2\n", {}, "cannot tell which column holds the id"),
    ("id,what\n1,2\n", {}, "cannot tell which column holds the answer"),
    ("id,answer\n1,2\n", {"answer_column": "text"}, "has no column `text`"),
])
def test_an_export_whose_columns_cannot_be_told_is_a_usage_error(tmp_path, content, options, message):
    path = tmp_path / "e.csv"
    path.write_text(content, encoding="utf-8")
    with pytest.raises(InputProblem, match=message):
        collect([str(path)], **options)


def test_an_export_is_graded_alone_and_a_missing_path_is_an_error(tmp_path):
    (tmp_path / "e.csv").write_text("id,answer\n", encoding="utf-8")
    with pytest.raises(InputProblem, match="graded on its own"):
        collect([str(tmp_path / "e.csv"), str(tmp_path)])
    with pytest.raises(InputProblem, match="no such file"):
        collect([str(tmp_path / "nope")])


def test_the_grade_command_grades_a_folder_and_prints_the_summary(folder, tmp_path):
    out = tmp_path / "out"
    result = CliRunner().invoke(main, ["grade", KEY, str(folder), "-o", str(out), "-j", "1"])
    assert result.exit_code == 1, result.output  # two files could not be read
    assert result.output.startswith("7 submissions graded against “Policy gradient theorem” (out of 10)\n"
                                    "5 graded, 2 unreadable\n")
    assert "written: " in result.output and (out / "grades.csv").exists()
    with open(out / "grades.csv", newline="", encoding="utf-8") as f:
        scores = {r["id"]: float(r["score"]) for r in csv.DictReader(f)}
    assert scores["alice"] == scores["group-b/alice"] == 10
    assert scores["bob"] == scores["carol"] == 5.5  # LaTeX answers skipping two of the four key steps
    assert scores["group-b/dave"] == 2.75


def test_a_bad_key_exits_2_with_its_line(tmp_path):
    key = tmp_path / "key.deriv"
    key.write_text("points: many\n  x\n= x\n", encoding="utf-8")
    result = CliRunner().invoke(main, ["grade", str(key), str(tmp_path), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2
    assert f"{key}:1:1: error: `points:` wants a positive number, not `many`" in result.output


def test_a_missing_submission_path_exits_2(tmp_path):
    result = CliRunner().invoke(main, ["grade", KEY, str(tmp_path / "nope"), "-o", str(tmp_path / "out")])
    assert result.exit_code == 2 and "no such file or folder" in result.output
