"""Judging the reasoning of a checked chain, after its truth: does each hint account for its
step (a refuted step's hint too), and, when every step holds, are the steps in a logical
order?  Runs on the written trees only (no sympy), under its own time budget."""

from __future__ import annotations

import dataclasses
import time

from ..model import DerivationResult, HintCheck, HintStatus, Verdict
from ..scope import Scope
from .normalise import flat, size

MAX_NODES = 2000  # a step larger than this (flat form) is not judged for its hint
BUDGET = 20.0  # seconds for the hints of one derivation; later hints are not judged
ORDER_BUDGET = 10.0  # seconds for looking for a better order of one chain


def judge(result: DerivationResult, scope: Scope, broken=frozenset(),
          deadline: float | None = None) -> DerivationResult:
    """The result with each step's `hint_check` and the chain's `misordered` filled in;
    nothing is judged past `deadline` (the file's), or past this module's own budgets."""
    from ..rules import Context, library
    from ..rules.check import HINT_BUDGET, check_hint

    own = time.monotonic() + BUDGET
    deadline = own if deadline is None else min(deadline, own)

    steps = result.derivation.steps
    if result.derivation.order_unknown:
        return result  # shuffled on purpose: `derivcheck order` judges the order
    try:
        flats = {s.index: flat(s.expr) for s in steps if s.index not in broken}
    except (TypeError, RecursionError):
        return result
    too_big = {i for i, t in flats.items() if size(t) > MAX_NODES}
    ctx = Context(scope, [t for i, t in flats.items() if i not in too_big])
    new_results = list(result.steps)
    hint_ok: dict[int, bool | None] = {}
    for k, r in enumerate(result.steps):
        step = r.step
        if k == 0 or step.hint is None:
            continue
        prev = steps[k - 1]
        if {step.index, prev.index} & (set(broken) | too_big):
            continue
        left = deadline - time.monotonic()
        if left <= 0:
            break
        try:
            hc = check_hint(step.hint.text, prev.expr, step.expr, scope, library(),
                            holds=r.verdict.holds if r.verdict is not Verdict.UNKNOWN else None,
                            ctx=ctx, budget=min(HINT_BUDGET, left))
        except RecursionError:
            continue
        new_results[k] = dataclasses.replace(r, hint_check=hc)
        hint_ok[step.index] = None if hc.status is HintStatus.UNKNOWN_RULE else \
            hc.status is HintStatus.ACCOUNTS
    out = dataclasses.replace(result, steps=tuple(new_results))
    if broken or too_big:
        return out
    if not all(r.verdict.holds for r in result.steps[1:]):
        return out
    return _misordering(out, scope, hint_ok, min(deadline, time.monotonic() + ORDER_BUDGET))


def _misordering(result: DerivationResult, scope: Scope, hint_ok, deadline: float) -> DerivationResult:
    from ..rules.base import OutOfBudget
    from .order import find_misordered

    try:
        found = find_misordered(result.derivation.steps, scope, hint_ok, deadline=deadline)
    except (OutOfBudget, RecursionError):
        return result
    if found is None:
        return result
    return dataclasses.replace(result, misordered=(found.group,), reordered=found.order)


def hint_fails(check: HintCheck | None) -> bool:
    return check is not None and check.status is HintStatus.DOES_NOT_ACCOUNT
