"""Read the `# expect:` lines of a derivation file and check a FileReport against them.

An `# expect:` line belongs to the first derivation that starts after it (or to the last
derivation when none does).  Clauses are separated by `;`:

    valid | all steps hold                 every step proved or confirmed, no error
    step N refuted|unknown|proved|confirmed|holds [(first error)] [(a counterexample has X ≠ Y)]
    step N follows from step M             follow-through marked on step N
    a counterexample is shown              every refuted step carries a counterexample
    step N diagnosis mentions WORDS        the diagnosis of step N contains WORDS
    parse error at L:C                     a file diagnostic with code parse-error there
    unsupported at L:C, ambiguous at L:C   a file diagnostic with that code there (.tex, .md)

Clauses about hints, misordering and `order` belong to the hints-and-order feature and
are returned separately as `deferred`, so the test can mark them as expected failures.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

DEFERRED = re.compile(r"\bhint\b|misordered|^order\b|\border\s+\d", re.I)


@dataclass
class Expectation:
    derivation: int  # index among the file's derivations
    line: int
    clauses: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)


def read_expectations(text: str, starts: list[int] | None = None) -> list[Expectation]:
    """The expectations of a file; `starts` (the derivations' first lines, for .tex and .md
    documents, which have no `title:` lines) decides which derivation each belongs to."""
    lines = text.splitlines()
    title_lines = starts if starts is not None else \
        [i + 1 for i, s in enumerate(lines) if s.strip().startswith("title:")]
    out: list[Expectation] = []
    for i, s in enumerate(lines, start=1):
        m = re.match(r"\s*(?:[#%]|<!--)\s*expect:\s*(.*?)\s*(?:-->)?\s*$", s)
        if not m:
            continue
        after = [k for k, t in enumerate(title_lines) if t > i]
        index = after[0] if after else max(len(title_lines) - 1, 0)
        e = Expectation(index, i)
        for clause in (c.strip() for c in m.group(1).split(";")):
            if not clause:
                continue
            (e.deferred if DEFERRED.search(clause) else e.clauses).append(clause)
        out.append(e)
    return out


HOLDS = {"proved", "confirmed"}


def check_clause(clause: str, derivation, file_report) -> None:
    """Raise AssertionError with a readable message if the clause does not hold."""
    steps = {r.step.index: r for r in derivation.steps} if derivation is not None else {}
    verdicts = {i: r.verdict.value for i, r in steps.items()}

    if clause in ("valid", "all steps hold") or clause.startswith("all steps hold"):
        bad = {i: v for i, v in verdicts.items() if v not in HOLDS | {"start"}}
        assert not bad, f"expected every step to hold, got {bad}"
        return
    m = re.match(r"step (\d+) (refuted|unknown|proved|confirmed|holds)\b(.*)$", clause)
    if m:
        n, want, rest = int(m.group(1)), m.group(2), m.group(3)
        assert n in verdicts, f"no step {n}"
        got = verdicts[n]
        if want == "holds":
            assert got in HOLDS, f"step {n}: expected to hold, got {got}"
        else:
            assert got == want, f"step {n}: expected {want}, got {got} ({steps[n].reason})"
        if "first error" in rest:
            assert derivation.first_error == n, f"first error {derivation.first_error}, expected {n}"
        m2 = re.search(r"counterexample has (\S+) ≠ (\S+)\)", rest)
        if m2:
            cex = steps[n].counterexample
            assert cex is not None, f"step {n}: no counterexample"
            values = dict(cex.values)
            a, b = m2.group(1), m2.group(2)
            assert a in values and b in values, f"counterexample lacks {a} or {b}: {values}"
            assert values[a] != values[b], f"counterexample has {a} = {b}"
        return
    m = re.match(r"step (\d+) follows from step (\d+)$", clause)
    if m:
        n = int(m.group(1))
        assert steps[n].follows_error, f"step {n} is not marked as following from an error"
        assert derivation.first_error == int(m.group(2)), f"first error is {derivation.first_error}"
        return
    if clause == "a counterexample is shown":
        refuted = [r for r in steps.values() if r.verdict.value == "refuted"]
        assert refuted, "no refuted step"
        assert all(r.counterexample is not None for r in refuted), "a refuted step has no counterexample"
        return
    m = re.match(r"step (\d+) diagnosis mentions (.+)$", clause)
    if m:
        n = int(m.group(1))
        assert m.group(2).lower() in steps[n].diagnosis.lower(), \
            f"step {n} diagnosis {steps[n].diagnosis!r} lacks {m.group(2)!r}"
        return
    m = re.match(r"(parse error|unsupported|ambiguous) at (\d+):(\d+)$", clause)
    if m:
        code = {"parse error": "parse-error"}.get(m.group(1), m.group(1))
        where = [(d.line, d.column) for d in file_report.diagnostics if d.code == code]
        assert (int(m.group(2)), int(m.group(3))) in where, f"{code} diagnostics at {where}"
        return
    raise AssertionError(f"unknown expect clause: {clause!r}")
