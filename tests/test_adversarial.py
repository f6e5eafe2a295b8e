"""The adversarial corpus (tests/adversarial/): hostile input, each file with its expected outcome.

Every file states its outcome on an `outcome:` line near the top (files that cannot carry
one — invalid UTF-8, generated megabytes — get it in GENERATED below).  Clauses, `;`-separated:

    exit N                      the CLI's exit status
    derivations N               how many derivations were read
    CODE [at L:C]               a diagnostic with that code (there)
    no CODE                     no diagnostic with that code
    dK step N VERDICT [(TEXT)]  step N of derivation K has VERDICT ("holds": proved or
                                confirmed), its reason containing TEXT
    titles verbatim             each title is the text after `title:` exactly
    hints verbatim              each hint is the text between its braces exactly

And for every file, whatever its clauses: no `internal-error`; no control, bidi or invisible
character from the input in the text, GitHub or JUnit reports (escaped in JSON); the JSON
report parses; the file finishes within its time limit plus 2 s.  A subprocess then runs the
whole corpus under an audit hook: no process started, no file written, no code compiled
from the input (tests/adversarial/audit_run.py).
"""

from __future__ import annotations

import dataclasses
import json
import os
import re
import subprocess
import sys
import time
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from derivcheck import api, cli
from derivcheck.limits import Limits
from derivcheck.model import Report
from derivcheck.report import escape, github, junit, text
from derivcheck.report import json as json_report

CORPUS = Path(__file__).resolve().parent / "adversarial"
TIMEOUT = 1.0  # seconds per step
LIMITS = Limits(file_seconds=3.0)  # the defaults, with a short time budget per file
SMALL = Limits(steps=100, file_seconds=20.0)  # for the generated megabyte files


def _outcome(data: bytes) -> list[str]:
    data = data.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
    m = re.search(rb"outcome:\s*(.*?)\s*(?:-->)?\s*$", data, re.M)
    return [c.strip() for c in m.group(1).decode().split(";") if c.strip()] if m else []


def _generated() -> dict[str, tuple[bytes, list[str], Limits]]:
    """Inputs too big to check in, with their outcomes."""
    one_mb = "x + " * 250_000 + "x"
    many = "  x\n" + "".join(f"= x + {k} - {k}\n" for k in range(100_000))
    return {
        "line_1mb.deriv": (
            ("  x\n= " + one_mb + "\n= x + 0\n").encode(),
            ["exit 1", "limit at 2:1", "d1 step 2 unknown (could not be read)", "d1 step 3 unknown",
             "d1 step 3 unknown (the previous step could not be read)"], LIMITS),
        "steps_100000.deriv": (
            many.encode(),
            ["exit 1", "limit at 101:1", "d1 step 100 proved"], SMALL),
        "derivations_20000.deriv": (
            "".join(f"title: t{k}\n  x\n= x + 0\n" for k in range(20_000)).encode(),
            ["exit 1", "limit at 152:1", "derivations 50", "d50 step 2 proved"], SMALL),
        "unclosed_bracket_100000_lines.deriv": (
            ("  (x + 1\n" + "y\n" * 100_000 + "= x\n").encode(),
            ["exit 1", "limit at 1:1", "d1 step 2 unknown (the previous step could not be read)"], SMALL),
        "only_newlines.deriv": (b"\n" * 1_000_000, ["exit 0", "derivations 0"], SMALL),
        "file_too_large.deriv": (b"x\n= x\n" * 400_000, ["exit 1", "limit", "derivations 0"], SMALL),
        "invalid_utf8.deriv": ((CORPUS / "invalid_utf8.deriv").read_bytes(),
                               ["exit 2", "unreadable-file at 3:6", "derivations 0"], LIMITS),
    }


def _cases():
    gen = _generated()
    for path in sorted(CORPUS.iterdir()):
        if path.suffix in (".deriv", ".tex", ".md") and path.name not in gen:
            data = path.read_bytes()
            yield pytest.param(path.name, data, _outcome(data), LIMITS, id=path.name)
    for name, (data, outcome, lim) in gen.items():
        yield pytest.param(name, data, outcome, lim, id=name)


CASES = list(_cases())


@pytest.fixture(scope="module")
def checked(tmp_path_factory):
    """Each input written to a file (named as in the corpus) and checked once."""
    folder = tmp_path_factory.mktemp("adversarial")
    cache = {}

    def get(name: str, data: bytes, lim: Limits):
        if name not in cache:
            path = folder / name
            path.write_bytes(data)
            start = time.monotonic()
            report = api.check_paths([str(path)], timeout=TIMEOUT, limits=lim)
            cache[name] = (report, time.monotonic() - start, str(path))
        return cache[name]

    return get


def test_every_corpus_file_has_an_outcome():
    names = [c.values[0] for c in CASES]
    assert len(names) >= 30
    assert all(c.values[2] for c in CASES), [c.values[0] for c in CASES if not c.values[2]]


@pytest.mark.parametrize("name,data,outcome,lim", CASES)
def test_outcome(checked, name, data, outcome, lim):
    report, elapsed, path = checked(name, data, lim)
    (f,) = report.files
    for clause in outcome:
        _check(clause, report, f, data)
    assert not [d for d in f.diagnostics if d.code == "internal-error"], f.diagnostics
    assert elapsed < lim.file_seconds + 2, f"{name} took {elapsed:.1f} s"


@pytest.mark.parametrize("name,data,outcome,lim", CASES)
def test_reports_carry_nothing_unsafe_from_the_input(checked, name, data, outcome, lim):
    report, _, _ = checked(name, data, lim)
    for render in (text.render, github.render, junit.render):
        out = render(report)
        bad = {m.group() for m in escape._UNSAFE.finditer(out)}
        assert not bad, f"{render.__module__} lets {bad} through"
    ET.fromstring(junit.render(report))  # well-formed XML
    document = json_report.render(report)
    assert not escape._UNSAFE.search(document)
    assert json.loads(document)["files"][0]["path"] == report.files[0].path


def _derivation(report: Report, k: int):
    (f,) = report.files
    assert k <= len(f.derivations), f"no derivation {k}: {len(f.derivations)} read"
    return f.derivations[k - 1]


def _check(clause: str, report: Report, f, data: bytes) -> None:
    codes = [(d.code, d.line, d.column) for d in f.diagnostics]
    if m := re.fullmatch(r"exit (\d)", clause):
        assert cli.exit_code(report) == int(m.group(1)), (clause, codes)
    elif m := re.fullmatch(r"derivations (\d+)", clause):
        assert len(f.derivations) == int(m.group(1)), len(f.derivations)
    elif m := re.fullmatch(r"no ([a-z-]+)", clause):
        assert m.group(1) not in [c for c, _, _ in codes], codes
    elif m := re.fullmatch(r"([a-z-]+)(?: at (\d+):(\d+))?", clause):
        code, line, col = m.group(1), m.group(2), m.group(3)
        found = [(ln, c) for k, ln, c in codes if k == code]
        assert found, f"no {code} diagnostic: {codes}"
        if line:
            assert (int(line), int(col)) in found, f"{code} at {found}, expected {line}:{col}"
    elif m := re.fullmatch(r"d(\d+) step (\d+) (proved|confirmed|refuted|unknown|holds)(?: \((.*)\))?",
                           clause):
        d = _derivation(report, int(m.group(1)))
        steps = {r.step.index: r for r in d.steps}
        n, want, reason = int(m.group(2)), m.group(3), m.group(4)
        assert n in steps, f"no step {n}"
        got = steps[n].verdict.value
        if want == "holds":
            assert got in ("proved", "confirmed"), (clause, got, steps[n].reason)
        else:
            assert got == want, (clause, got, steps[n].reason)
        if reason:
            assert reason in steps[n].reason, (clause, steps[n].reason)
    elif clause == "titles verbatim":
        written = [line.split("title:", 1)[1].strip()
                   for line in data.decode("utf-8").replace("\r\n", "\n").replace("\r", "\n").split("\n")
                   if line.strip().startswith("title:")]
        assert [d.derivation.title for d in f.derivations] == written
    elif clause == "hints verbatim":
        src = data.decode("utf-8")
        hints = [r.step.hint.text for d in f.derivations for r in d.steps if r.step.hint]
        assert hints, "no hints"
        for h in hints:
            assert "{ " + h + " }" in src, h
    else:
        raise AssertionError(f"unknown outcome clause {clause!r}")


# ---------------------------------------------------------------------------
# Names of files, and what the outputs do with hostile text


def test_a_hostile_file_name_is_shown_harmlessly(tmp_path):
    name = "x\x1b]0;pwned\x07\x1b[2J $(touch derivcheck_pwned) '; --.deriv"
    p = tmp_path / name
    p.write_text("  x + x\n= 2x\n")
    report = api.check_paths([str(p)], timeout=TIMEOUT)
    assert report.files[0].path == str(p)  # kept exactly in the data
    out = text.render(report)
    assert "\x1b" not in out and "\x07" not in out and "␛]0;pwned␇" in out
    assert json.loads(json_report.render(report))["files"][0]["path"] == str(p)
    assert not (tmp_path / "derivcheck_pwned").exists()


def test_scrub_keeps_everything_else_and_lines_up_the_caret():
    report = api.check_text("title: \x1b[31mT\n  x + x\n= \u202ex\n")
    clean = escape.scrub(report)
    assert clean.files[0].derivations[0].derivation.title == "␛[31mT"
    assert clean.files[0].derivations[0].steps[1].step.expr == report.files[0].derivations[0].steps[1].step.expr
    lines = text.render(report).splitlines()
    src = next(i for i, ln in enumerate(lines) if ln.startswith(" 3 |"))
    assert lines[src + 1].index("^") == lines[src].index("�")


def test_json_escapes_are_exact():
    s = "a\x1b[0m\u202eb\x9b\u2028c\U000e0041\ud800"
    document = escape.json_text(json.dumps({"t": s}, ensure_ascii=False))
    assert not escape._UNSAFE.search(document)
    assert json.loads(document)["t"] == s


def test_csv_cells_that_start_a_formula_are_neutralised():
    grades_csv = pytest.importorskip("derivcheck.report.grades_csv")
    for cell in ("=cmd|' /C calc'!A0", "+HYPERLINK(\"x\")", "-2+3", "@SUM(1)", "\t=1", "\r=1"):
        assert grades_csv.safe(cell).startswith("'"), cell
    assert grades_csv.safe("x + 1") == "x + 1"


# ---------------------------------------------------------------------------
# No process started, no file written, no code compiled from the input: an audit hook


def test_the_corpus_runs_under_an_audit_hook(tmp_path):
    files = [str(p) for p in sorted(CORPUS.iterdir()) if p.suffix in (".deriv", ".tex", ".md")]
    runner = Path(__file__).resolve().parent / "adversarial" / "audit_run.py"
    env = dict(os.environ, XDG_CACHE_HOME=str(tmp_path / "cache"), HOME=str(tmp_path))
    env.pop("DERIVCHECK_IN_PROCESS", None)
    out = subprocess.run([sys.executable, str(runner), str(TIMEOUT), *files], capture_output=True,
                         text=True, timeout=600, env=env, cwd=tmp_path)
    assert out.returncode == 0, out.stderr[-3000:]
    assert "AUDIT-VIOLATION" not in out.stderr, out.stderr[-3000:]  # the worker's, too
    result = json.loads(out.stdout)
    assert result["violations"] == [], result["violations"]
    assert result["files"] == len(files)
    assert not list(tmp_path.glob("derivcheck_pwned")) and not Path("/tmp/derivcheck_pwned").exists()
    # time per file within its budget plus 2 s; memory of the whole run under the cap
    slow = {k: v for k, v in result["seconds"].items() if v > LIMITS.file_seconds + 2}
    assert not slow, slow
    assert result["max_rss_mb"] < LIMITS.memory_mb + 400, result["max_rss_mb"]


def test_limits_reach_the_worker():
    # the worker checks with the limits of the run, not the defaults
    lim = dataclasses.replace(LIMITS, exponent=10)
    f = api.check_text("  x\n= x^20\n", limits=lim, timeout=TIMEOUT).files[0]
    assert f.derivations[0].steps[1].reason == "limit: an exponent larger than 10"
