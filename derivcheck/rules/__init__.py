"""The rule library: every rule a hint may cite, with its aliases, its rewrite on the written
form, its side conditions and a one-line description; and checking a hint against its step."""

from __future__ import annotations

import functools

from .base import Context, Rule
from .hints import Library


@functools.cache
def library() -> Library:
    """All rules, built once."""
    from . import algebra, calculus, functions, probability, sums

    rules = (calculus.RULES + probability.RULES + algebra.RULES + functions.RULES + sums.RULES)
    return Library(rules)


def check_hint(text, prev, cur, scope, *, holds, ctx=None):
    """Whether the hint `text` accounts for the step `prev = cur` (a model.HintCheck)."""
    from .check import check_hint as check

    return check(text, prev, cur, scope, library(), holds=holds, ctx=ctx)


__all__ = ["Context", "Rule", "check_hint", "library"]
