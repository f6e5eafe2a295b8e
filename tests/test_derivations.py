"""Every file in derivations/ gets the verdicts its `# expect:` lines state."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from derivcheck import api
from derivcheck.report import json as json_report

from .expectations import check_clause, read_expectations

ROOT = Path(__file__).resolve().parent.parent
FILES = sorted(p for pattern in ("*.deriv", "*.tex", "*.md") for p in (ROOT / "derivations").glob(pattern))
DOCUMENTS = (".tex", ".md")  # no `title:` lines: an expectation belongs to the next derivation


def _expectations(path: Path, report=None):
    starts = None
    if path.suffix in DOCUMENTS and report is not None:
        starts = [d.derivation.line for d in report.derivations]
    return read_expectations(path.read_text(encoding="utf-8"), starts)


def _index(path: Path, line: int, report) -> int:
    return next(e.derivation for e in _expectations(path, report) if e.line == line)


@pytest.fixture(scope="module")
def reports():
    cache = {}

    def get(path: Path):
        if path not in cache:
            cache[path] = api.check_paths([str(path)]).files[0]
        return cache[path]

    return get


def _cases():
    for path in FILES:
        for e in read_expectations(path.read_text(encoding="utf-8")):
            yield pytest.param(path, e.line, e.clauses, id=f"{path.name}:{e.line}")


def test_every_file_has_expectations():
    missing = [p.name for p in FILES if not read_expectations(p.read_text(encoding="utf-8"))]
    assert not missing, f"files without # expect: lines: {missing}"


@pytest.mark.parametrize("path,line,clauses", list(_cases()))
def test_expectations(reports, path, line, clauses):
    report = reports(path)
    index = _index(path, line, report)
    derivation = report.derivations[index] if index < len(report.derivations) else None
    for clause in clauses:
        if not clause.startswith(("parse error", "unsupported at", "ambiguous at")):
            assert derivation is not None, f"derivation #{index + 1} was not read: {report.diagnostics}"
        check_clause(clause, derivation, report)


def test_refuted_files_are_never_proved_and_valid_files_never_refuted(reports):
    for path in FILES:
        report = reports(path)
        for e in _expectations(path, report):
            if e.derivation >= len(report.derivations):
                continue
            d = report.derivations[e.derivation]
            text = "; ".join(e.clauses)
            verdicts = [r.verdict.value for r in d.steps]
            if "valid" in e.clauses or text.startswith("all steps hold"):
                assert "refuted" not in verdicts, f"{path.name}: a valid derivation was refuted"
            if "refuted" in text:
                assert "refuted" in verdicts, f"{path.name}: nothing refuted"


@pytest.mark.parametrize("path", FILES[:6], ids=lambda p: p.stem)
def test_json_report_is_identical_across_runs(path):
    first = json_report.render(api.check_paths([str(path)]))
    second = json_report.render(api.check_paths([str(path)]))
    assert first == second
    json.loads(first)
