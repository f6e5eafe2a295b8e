"""Findings shared by the one-line reporters (github, junit): what a hint check says in words."""

from __future__ import annotations

from ..model import HintStatus, StepResult


def hint_problem(r: StepResult) -> str | None:
    """A sentence when the step's hint does not account for it (None when it does, or
    when the hint names no known rule — that is reported but fails nothing)."""
    check = r.hint_check
    hint = r.step.hint
    if check is None or hint is None or check.status is not HintStatus.DOES_NOT_ACCOUNT:
        return None
    message = f"the hint {{ {hint.text} }} does not account for step {r.step.index}"
    if check.produced:
        message += f": it would give {check.produced}"
    return message
