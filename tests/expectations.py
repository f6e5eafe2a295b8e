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

Hints and the order of steps:

    hint on step N accounts [for the step]        the hint's rule gives step N from step N−1
    hint on step N does not account [for the step]
    hint on step N is an unknown rule             no rule by that name (closest ones suggested)
    every hint accounts                           every hint of the derivation accounts
    steps N and M flagged as misordered [(…)]     exactly these steps, one group (also
                                                  `steps N, M and K`, `step N`)
    misordered order A B C …                      the order reported for the misordered steps
    no misordered steps                           nothing flagged
    order A B C …                                 `derivcheck order` gives this order, alone
    orders A B C | C B A …                        these orders, equally good
    no order of every step                        no order takes every step to the next by a rule

`valid` asks for more than `all steps hold`: every hint accounts and no step is misordered.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

@dataclass
class Expectation:
    derivation: int  # index among the file's derivations
    line: int
    clauses: list[str] = field(default_factory=list)
    deferred: list[str] = field(default_factory=list)  # none any more: every clause is checked


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
            e.clauses.append(clause)
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
        if clause == "valid":
            _every_hint_accounts(steps)
            assert not derivation.misordered, f"steps flagged as misordered: {derivation.misordered}"
        return
    if _hint_and_order_clause(clause, steps, derivation, file_report):
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


# ---------------------------------------------------------------------------
# Hints and order


def _every_hint_accounts(steps) -> None:
    bad = {i: (r.step.hint.text, r.hint_check and r.hint_check.status.value)
           for i, r in steps.items() if r.step.hint is not None and i > 1
           and (r.hint_check is None or r.hint_check.status.value != "accounts")}
    assert not bad, f"hints that do not account for their step: {bad}"


def _numbers(text: str) -> tuple[int, ...]:
    return tuple(int(x) for x in re.findall(r"\d+", text))


def _hint_and_order_clause(clause: str, steps, derivation, file_report) -> bool:
    """Check a clause about hints or order; False when the clause is of another kind."""
    m = re.match(r"hint on step (\d+) (accounts|does not account|is an unknown rule|unknown rule)\b", clause)
    if m:
        n = int(m.group(1))
        assert n in steps and steps[n].step.hint is not None, f"step {n} has no hint"
        check = steps[n].hint_check
        assert check is not None, f"the hint on step {n} was not judged"
        want = {"accounts": "accounts", "does not account": "does-not-account",
                "is an unknown rule": "unknown-rule", "unknown rule": "unknown-rule"}[m.group(2)]
        assert check.status.value == want, \
            f"hint on step {n}: expected {want}, got {check.status.value} ({check.rule}; {check.produced or check.note})"
        return True
    if clause == "every hint accounts":
        _every_hint_accounts(steps)
        return True
    m = re.match(r"steps? ([\d, and]+?) flagged as misordered\b", clause)
    if m:
        want = tuple(sorted(_numbers(m.group(1))))
        assert derivation.misordered == (want,), f"misordered: expected {[list(want)]}, got {derivation.misordered}"
        return True
    m = re.match(r"misordered order ([\d ]+)$", clause)
    if m:
        assert derivation.reordered == _numbers(m.group(1)), f"reordered as {derivation.reordered}"
        return True
    if clause == "no misordered steps":
        assert not derivation.misordered, f"steps flagged as misordered: {derivation.misordered}"
        return True
    m = re.match(r"(orders?) ([\d |]+)$|no order of every step$", clause)
    if m:
        result = _order_of(derivation, file_report)
        if clause == "no order of every step":
            assert not result.complete, f"every step follows in the order {result.orders[0]}"
            return True
        want = [_numbers(o) for o in m.group(2).split("|")]
        assert result.complete, f"no complete order; the best {result.orders} ({result.good}/{result.edges})"
        if m.group(1) == "order":
            assert list(result.orders) == want, f"order: expected {want[0]}, got {list(result.orders)}"
        else:
            assert sorted(result.orders) == sorted(want), f"orders: expected {want}, got {list(result.orders)}"
        return True
    return False


_ORDERS: dict = {}


def _order_of(derivation, file_report):
    """The `derivcheck order` result for this derivation of the file (computed once per file)."""
    from derivcheck import api

    if file_report.path not in _ORDERS:
        (_ORDERS[file_report.path],) = api.order_paths([file_report.path])
    for r in _ORDERS[file_report.path].derivations:
        if r.derivation.line == derivation.derivation.line:
            return r
    raise AssertionError("this derivation was not ordered (is it headed `order: unknown`?)")
