"""Does a hint account for its step?  Its rules, applied to the previous line (in the order
written, or another, for a hint that names several), must give the next line up to light
normalisation — or, for a rule that reads both ways, applied to the next line give the
previous one.  Also: which rule, if any, takes one line to another (for ordering steps)."""

from __future__ import annotations

import difflib
import itertools
import time
from dataclasses import dataclass

from ..model import HintCheck, HintStatus
from ..printer import to_plain
from ..scope import Scope
from ..verify.normalise import canonical, flat, to_ast
from .base import Candidate, Context, OutOfBudget, Rule, apply_rule
from .hints import ParsedHint, Part, parse_hint

MAX_SEQUENCE_STATES = 600
HINT_BUDGET = 3.0  # seconds per hint
COMPOUND_EFFORT = 3  # a compound rewrite counts as this many more applications


@dataclass(frozen=True, slots=True)
class Match:
    """A rule taking one line to another, and whether that was its natural direction
    (+1), against it (−1), or neither (0)."""

    rule: str
    direction: int
    steps: int = 1  # applications of the rule's rewrites it took


def names_in(*trees) -> set:
    from .tree import positions

    out: set = set()
    for t in trees:
        for _, n in positions(t):
            if n[0] == "sym":
                out.add(n[1])
            elif n[0] in ("sum", "prod", "E", "int"):
                out.add(n[1])
            elif n[0] == "at":
                out.add(n[2])
            elif n[0] == "d":
                out.add(n[1])
    return out


def _direction(c: Candidate, inverse: bool) -> int:
    if c.directions == frozenset({True}):
        return -1 if inverse else 1
    if c.directions == frozenset({False}):
        return 1 if inverse else -1
    return 0


def _apply(rules: tuple[Rule, ...], t, ctx: Context, target, arguments, inverse=False):
    ctx.target, ctx.arguments = target, arguments
    out: list[Candidate] = []
    for r in rules:
        if r.generic or (inverse and not r.reversible):
            continue
        out.extend(apply_rule(r, t, ctx, inverse=inverse))
    return out


def _sequences(parts: tuple[Part, ...]):
    """Orders in which to try the parts: as written first, then every other order and
    subset (a hint of several parts may list one that the step did not need)."""
    n = len(parts)
    yield parts
    if n > 4:
        return
    for k in range(n, 0, -1):
        for combo in itertools.permutations(parts, k):
            if combo != parts:
                yield combo


def _run(sequence, prev, cur, ctx: Context, want) -> tuple[bool, int, list]:
    """(accounts, direction, the results of the sequence) for one order of parts."""
    states = [Candidate(prev, frozenset())]
    last = len(sequence) - 1
    for i, part in enumerate(sequence):
        if i == last:
            # the last part may also be read right to left: from the next line back
            before = {canonical(s.t) for s in states}
            for c in _apply(part.rules, cur, ctx, prev if i == 0 else None, part.arguments, inverse=True):
                if canonical(c.t) in before:
                    return True, _direction(c, True), []
        new: dict = {}
        for s in states:
            for c in _apply(part.rules, s.t, ctx, cur, part.arguments):
                new.setdefault(canonical(c.t), Candidate(c.t, c.directions | s.directions,
                                                         c.steps + s.steps - 1))
                if len(new) > MAX_SEQUENCE_STATES:
                    break
        states = list(new.values())
        if i == last:
            for c in states:
                if canonical(c.t) == want:
                    return True, _direction(c, False), states
            return False, 0, states
    return False, 0, states


def check_hint(text: str, prev, cur, scope: Scope, library, *, holds: bool | None,
               ctx: Context | None = None, budget: float = HINT_BUDGET) -> HintCheck:
    """Judge the hint `text` on the step `prev = cur` (resolved trees)."""
    prev_f, cur_f = flat(prev), flat(cur)
    ctx = ctx or Context(scope, (prev_f, cur_f))
    ctx.note_weights(prev_f)
    ctx.note_weights(cur_f)
    parsed = parse_hint(text, library, scope, names_in(prev_f, cur_f))
    if not parsed.parts:
        return HintCheck(HintStatus.UNKNOWN_RULE, None, suggestions=parsed.suggestions,
                         note=_unknown_note(parsed))
    label = _label(parsed.parts)
    if any(r.generic for p in parsed.parts for r in p.rules):
        if holds:
            return HintCheck(HintStatus.ACCOUNTS, label)
        return HintCheck(HintStatus.DOES_NOT_ACCOUNT, label,
                         note="a generic hint accounts only for a step that holds")
    want = canonical(cur_f)
    if canonical(prev_f) == want:
        if any(r.trivial for p in parsed.parts for r in p.rules):
            return HintCheck(HintStatus.ACCOUNTS, label)
    ctx.deadline = time.monotonic() + budget
    results = None
    try:
        for sequence in _sequences(parsed.parts):
            ok, _, states = _run(sequence, prev_f, cur_f, ctx, want)
            if ok:
                return HintCheck(HintStatus.ACCOUNTS, label)
            if results is None:
                results = states
    except OutOfBudget:
        return HintCheck(HintStatus.ACCOUNTS if holds else HintStatus.DOES_NOT_ACCOUNT, label,
                         note="time limit while checking the hint")
    finally:
        ctx.deadline = None
    if canonical(prev_f) == want:
        return HintCheck(HintStatus.DOES_NOT_ACCOUNT, label,
                         note="the step only reorders or renames; the rule changes something")
    produced = _closest(results or [], cur_f)
    note = ""
    if not produced:
        note = (f"{label} does not apply to the previous line" if len(parsed.parts) == 1
                else f"{label} do not apply, one after the other, to the previous line")
    return HintCheck(HintStatus.DOES_NOT_ACCOUNT, label, produced=produced, note=note)


def _label(parts) -> str:
    """The rules a hint was read as: `linearity, sum of a constant`; alternatives of one
    phrase joined by `or`; an identity shown once, as written."""
    out: list[str] = []
    for p in parts:
        names = list(dict.fromkeys(r.name for r in p.rules))
        if names and names[0].startswith("`"):
            names = names[:1]
        label = " or ".join(names) if names else p.text
        if label not in out:
            out.append(label)
    return ", ".join(out)


def _unknown_note(parsed: ParsedHint) -> str:
    if parsed.suggestions:
        return "no rule by this name; closest: " + ", ".join(parsed.suggestions)
    return "no rule by this name"


def _closest(candidates: list[Candidate], goal) -> str:
    """The printed candidate that reads most like the goal."""
    if not candidates:
        return ""
    goal_text = to_plain(to_ast(goal))
    best, score = "", -10.0
    for c in candidates[:200]:
        text = to_plain(to_ast(c.t))
        # what reads most like the goal, preferring one application, the natural way
        s = difflib.SequenceMatcher(None, text, goal_text).ratio() - 0.1 * (c.steps - 1) \
            - (0.15 if False in c.directions else 0.0)
        if s > score:
            best, score = text, s
    return best


def reaching_rule(prev, cur, ctx: Context, library, budget: float = 1.0) -> Match | None:
    """A specific rule (not a generic one) that takes `prev` to `cur` in one direction,
    preferring its natural way, then fewer applications; None if none does in the budget."""
    want = canonical(cur)
    if canonical(prev) == want:
        return Match("rearrange", 0, 0)
    best: Match | None = None
    ctx.deadline = time.monotonic() + budget
    try:
        # elementary rewrites first; a compound one (a whole derivative worked out, the
        # score-function identity) only when nothing elementary reaches, and as a longer step
        for elementary, extra in ((True, 0), (False, COMPOUND_EFFORT)):
            for rule in library.rules:
                if rule.generic or rule.trivial and not rule.rewrites:
                    continue
                if not elementary and not any(rw.compound for rw in rule.rewrites):
                    continue
                for inverse, start, goal in ((False, prev, want), (True, cur, canonical(prev))):
                    if inverse and not rule.reversible:
                        continue
                    ctx.target = cur if not inverse else prev
                    ctx.arguments = ()
                    for c in apply_rule(rule, start, ctx, inverse=inverse, elementary=elementary):
                        # a step is one rule used one way: rewrites of both directions mixed
                        # (a jump over several steps) do not count
                        if len(c.directions) == 1 and canonical(c.t) == goal:
                            m = Match(rule.name, _direction(c, inverse), c.steps + extra)
                            if best is None or (m.direction, -m.steps) > (best.direction, -best.steps):
                                best = m
                            break
            if best is not None:
                break
    except OutOfBudget:
        pass
    finally:
        ctx.deadline = None
    return best
