"""Grade one submission against an answer key: start, goal, steps that hold, key steps shown, order.

Each part of the scoring policy earns its weight (scaled to the key's points) times a share:

- start: the first line has the form of the key's start (1 or 0);
- goal: a line reached by a step has the form of the key's goal (1 or 0);
- steps: steps that hold ÷ the larger of the submission's step count and the number of
  required key steps — a step checked against the student's own wrong line (follow-through)
  earns its credit when it holds, the wrong step itself does not, and a derivation shorter
  than the key requires cannot earn the whole part;
- keys: required key steps shown ÷ required key steps (see `match`);
- order: shown key steps in an order the key's dependencies allow ÷ shown key steps.

Every deduction is explained in the feedback, in that order.
"""

from __future__ import annotations

import hashlib
import time

from .. import ast as A
from ..model import Counterexample, Definition, DerivationResult, Verdict
from ..scope import Scope
from . import match
from .check import RUN_CACHE, RunCache, check_steps
from .key import AnswerKey, Route
from .model import GRADED, Grade, Part, StepNote, not_graded
from .reading import read_submission

MAX_DERIVATIONS = 5  # a submission's derivations graded (the best one counts)


def digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


def grade_submission(key: AnswerKey, sid: str, text: str, suffix: str, opts,
                     cache: RunCache | None = RUN_CACHE) -> Grade:
    """The grade of one submission's text (`suffix` says its notation: .deriv, .tex, .md, …)."""
    started = time.monotonic()
    dg = digest(text)
    if not text.strip():
        return not_graded(sid, "empty", "the submission is empty", key.points, digest=dg)
    hits0, misses0 = (cache.hits, cache.misses) if cache is not None else (0, 0)
    best: Grade | None = None
    groups: dict[tuple, list[Route]] = {}
    for route in key.routes:
        groups.setdefault(route.derivation.declarations, []).append(route)
    first_problem = ""
    count = 0
    for decls, routes in groups.items():
        parsed = read_submission(text, suffix, decls)
        errors = [d for d in parsed.diagnostics if d.severity == "error"]
        if errors and not first_problem:
            e = errors[0]
            first_problem = f"line {e.line}, column {e.column}: {e.message}" if e.line else e.message
        count = max(count, len(parsed.derivations))
        for d, scope, broken in list(zip(parsed.derivations, parsed.scopes, parsed.broken))[:MAX_DERIVATIONS]:
            if len(broken) >= len(d.steps):
                continue  # not one line could be read: nothing to grade
            own_defs = any(isinstance(x, Definition) for x in d.declarations[len(decls):])
            result, forms = check_steps(d, scope, broken, opts, None if own_defs else cache)
            for route in routes:
                g = _evaluate(key, route, result, forms, scope, sid, dg, errors)
                if best is None or g.score > best.score:
                    best = g
    if best is None:
        reason = first_problem or "no derivation found"
        return not_graded(sid, "unparsable", reason, key.points, digest=dg, seconds=time.monotonic() - started)
    flags, feedback = best.flags, best.feedback
    if count > 1:
        flags += ("several-derivations",)
        feedback += (f"the submission holds {count} derivations: the best of them was graded",)
    hits = cache.hits - hits0 if cache is not None else 0
    misses = cache.misses - misses0 if cache is not None else 0
    return _replace(best, flags=flags, feedback=feedback, seconds=time.monotonic() - started,
                    cache_hits=hits, cache_misses=misses)


def _replace(g: Grade, **changes) -> Grade:
    import dataclasses

    return dataclasses.replace(g, **changes)


def _num(x: float) -> str:
    return f"{round(x, 2):g}"


class _Evaluation:
    """The facts one (derivation, route) pair is scored on."""

    def __init__(self, route: Route, result: DerivationResult, forms: list):
        self.route = route
        self.result = result
        steps = result.derivation.steps
        self.steps = steps
        self.forms = forms
        n = len(steps)
        self.rewrites = [None] + [match.rewrite(a, b) for a, b in zip(self.forms, self.forms[1:])]
        last = len(route.lines) - 1
        self.candidates: dict[int, list[int]] = {}
        for kl in route.key_steps:
            # the goal is given in the question: writing it down does not show the last step
            by_line = [j for j in range(1, n) if kl.index != last and self.forms[j] == kl.form]
            by_rewrite = [j for j in range(1, n) if self.rewrites[j] is not None and self.rewrites[j] == kl.rewrite]
            self.candidates[kl.index] = by_line + by_rewrite
        self.required = route.required
        self.shown = {k.index: self.candidates[k.index] for k in self.required if self.candidates[k.index]}
        deps = [ln.depends for ln in route.lines]
        self.chosen = match.consistent_order(self.shown, deps)
        self.conflicts = match.conflicts(self.shown, self.chosen, deps)
        self.start_ok = self.forms[0] is not None and self.forms[0] in route.starts
        self.goal_at = max((j for j in range(1, n) if self.forms[j] in route.goals), default=None)

    def key_line_of(self, j: int) -> int | None:
        """The last key line whose form submission line j has."""
        found = [ln.index for ln in self.route.lines if self.forms[j] is not None and ln.form == self.forms[j]]
        return max(found) if found else None

    def aiming_at(self, j: int) -> str:
        """What step j was doing, in the key's terms: the key step after the line it left."""
        m = self.key_line_of(j - 1)
        if m is not None and m + 1 < len(self.route.lines):
            return self.route.lines[m + 1].name
        return "a step"


def _evaluate(key: AnswerKey, route: Route, result: DerivationResult, forms: list, scope: Scope,
              sid: str, dg: str, parse_errors: list) -> Grade:
    ev = _Evaluation(route, result, forms)
    unread = {d.line: d.message for d in reversed(parse_errors)}  # the first message on each line
    w = key.weights
    top = dict(zip(w, apportion(key.points, list(w.values()))))
    parts, feedback, mistakes, flags, short = [], [], [], [], []
    steps, results = ev.steps, result.steps
    transitions = len(steps) - 1
    key_count = len(route.required)  # steps the key requires (all of its key steps unless marked)

    # start and goal
    if ev.start_ok:
        parts.append(Part("start", top["start"], top["start"], f"starts from `{route.start_text}`"))
    else:
        why = f"the derivation should start from `{route.start_text}`; yours starts from `{steps[0].text}`"
        parts.append(Part("start", 0.0, top["start"], why))
        if top["start"] > 0:
            feedback.append(f"start: −{_num(top['start'])} — {why}")
        mistakes.append(f"does not start from `{route.start_text}`")
        flags.append("wrong-start")
        short.append("wrong start")
    if ev.goal_at is not None:
        parts.append(Part("goal", top["goal"], top["goal"], f"reaches `{route.goal_text}` at step {ev.goal_at + 1}"))
    else:
        why = f"the derivation should reach `{route.goal_text}`; your last line is `{steps[-1].text}`"
        parts.append(Part("goal", 0.0, top["goal"], why))
        if top["goal"] > 0:
            feedback.append(f"goal: −{_num(top['goal'])} — {why}")
        mistakes.append("does not reach the goal")
        flags.append("goal-not-reached")
        short.append("goal not reached")

    # steps that hold
    holding = [r for r in results[1:] if r.verdict.holds]
    bad = [r for r in results[1:] if not r.verdict.holds]
    denominator = max(transitions, key_count, 1)
    earned = top["steps"] * len(holding) / denominator
    what = f"{len(holding)} of {transitions} step{'s hold' if transitions != 1 else ' holds'}"
    if transitions < key_count:
        what += f"; the key requires {key_count}, so this part counts {len(holding)} of {key_count}"
    details = [_step_problem(r, unread) for r in bad]
    parts.append(Part("steps", earned, top["steps"], "; ".join([what] + details)))
    if earned < top["steps"] - 1e-9:
        feedback.append(f"steps that hold: −{_num(top['steps'] - earned)} — " + "; ".join([what] + details))
    for r in bad:
        j = r.step.index - 1
        if r.follows_error:
            # a consequence of the first error, often a jump back to the key's line: the
            # feedback names it, the class-wide mistakes count the first error only
            short.append(f"step {r.step.index} {r.verdict.value}")
            continue
        if r.verdict is Verdict.REFUTED:
            mistakes.append(f"{ev.aiming_at(j)} refuted" + (f" — {r.diagnosis.splitlines()[0]}" if r.diagnosis else ""))
            short.append(f"step {r.step.index} refuted")
        elif r.reason in ("could not be read", "the previous step could not be read"):
            mistakes.append("a line could not be read")
            short.append(f"step {r.step.index} unreadable")
        else:
            mistakes.append(f"{ev.aiming_at(j)} could not be checked ({r.reason})")
            short.append(f"step {r.step.index} unknown")
    if any(r.verdict is Verdict.REFUTED for r in bad):
        flags.append("refuted")
    if any(r.verdict is Verdict.UNKNOWN for r in bad):
        flags.append("unknown")
    if parse_errors:
        flags.append("parse-error")

    # key steps shown
    req = ev.required
    missing = [k for k in req if k.index not in ev.shown]
    earned = top["keys"] * (len(ev.shown) / len(req) if req else 1.0)
    explanation = f"{len(ev.shown)} of {len(req)} key step{'s' if len(req) != 1 else ''} shown"
    if missing:
        listed = "; ".join(f"{k.name}, the line `{k.text}`" for k in missing)
        explanation += f"; skipped: {listed}"
        if top["keys"] > 0:
            feedback.append(f"key steps: −{_num(top['keys'] - earned)} — {explanation}" + _leaps(ev))
        mistakes.extend(f"skipped {k.name}" for k in missing)
        flags.append("skipped")
        numbers = _list([k.index + 1 for k in missing])
        short.append(f"skipped key step{'s' if len(missing) > 1 else ''} {numbers}")
    parts.append(Part("keys", earned, top["keys"], explanation))

    # order
    if not req:
        parts.append(Part("order", top["order"], top["order"], "no key steps to order"))
    elif not ev.shown:
        why = "no key step shown, so none in order"
        parts.append(Part("order", 0.0, top["order"], why))
        if top["order"] > 0:
            feedback.append(f"order: −{_num(top['order'])} — {why}")
    else:
        earned = top["order"] * len(ev.chosen) / len(ev.shown)
        why = (f"{len(ev.chosen)} of {len(ev.shown)} key step{'s' if len(ev.shown) != 1 else ''} shown in an order "
               "the key allows")
        lines = {ln.index: ln for ln in route.lines}
        clashes = [f"{lines[k].name} (your step {p + 1}) and {lines[m].name} (your step {q + 1}) are in the "
                   f"wrong order: the second depends on the first" for k, p, m, q in ev.conflicts]
        parts.append(Part("order", earned, top["order"], "; ".join([why] + clashes)))
        if clashes and top["order"] > 0:
            feedback.append(f"order: −{_num(top['order'] - earned)} — " + "; ".join([why] + clashes))
            mistakes.extend(f"{lines[k].name} and {lines[m].name} in the wrong order" for k, p, m, q in ev.conflicts)
            flags.append("misordered")
            short.append("misordered")

    # credit worth saying out loud
    through = [r.step.index for r in results[1:] if r.follows_error and r.verdict.holds]
    if through:
        flags.append("follow-through")
        many = len(through) > 1
        feedback.append(f"follow-through: step{'s' if many else ''} {_list(through)} come{'' if many else 's'} after "
                        f"your error at step {result.first_error} and follow{'' if many else 's'} correctly from "
                        f"your own previous line: {'they earn their' if many else 'it earns its'} credit")
        short.append("follow-through credit")
    foreign = _foreign_names(steps, route, scope)
    if foreign:
        flags.append("unknown-names")
        feedback.append(f"names the key does not use: {', '.join(sorted(foreign))} — the key's lines are written "
                        f"with its own names (its start is `{route.start_text}`)")
    if len(key.routes) > 1:
        feedback.append(f"graded against the key's route `{route.title}`, the one your derivation follows best "
                        f"(the key accepts {len(key.routes)})")
    score = round(sum(round(p.earned, 2) for p in parts), 2)
    parts = [Part(p.name, round(p.earned, 2), round(p.max, 2), p.explanation) for p in parts]
    summary = f"{_num(score)}/{_num(key.points)}: " + ("; ".join(short) if short
                                                     else "every key step shown and every step holds")
    notes = tuple(_step_note(r, ev) for r in results)
    return Grade(sid, GRADED, score, key.points, result.first_error, tuple(flags), summary, "", route.title,
                 tuple(parts), notes, tuple(feedback), tuple(dict.fromkeys(mistakes)), dg)


def apportion(total: float, weights: list[float]) -> list[float]:
    """Shares of `total` in proportion to `weights`, in hundredths that add up to it exactly
    (largest remainders get the odd hundredths): 5 points over weights 1, 1, 3, 4 are 0.56,
    0.55, 1.67, 2.22, not four roundings that make 5.01."""
    cents = round(total * 100)
    exact = [cents * x / sum(weights) for x in weights]
    out = [int(x + 1e-9) for x in exact]
    by_remainder = sorted(range(len(exact)), key=lambda i: (-(exact[i] - out[i]), i))
    for i in by_remainder[:cents - sum(out)]:
        out[i] += 1
    return [c / 100 for c in out]


def _list(xs: list[int]) -> str:
    return ", ".join(map(str, xs[:-1])) + (" and " if len(xs) > 1 else "") + str(xs[-1])


def _leaps(ev: _Evaluation) -> str:
    """Steps of the submission that jump over required key lines (`from the start to the goal`)."""
    out = []
    required = {k.index for k in ev.required}
    for j in range(1, len(ev.steps)):
        a, b = ev.key_line_of(j - 1), ev.key_line_of(j)
        if a is None or b is None or b <= a + 1:
            continue
        over = [ev.route.lines[i] for i in range(a + 1, b) if i in required and i not in ev.shown]
        if over:
            out.append(f"your step {j + 1} goes from key line {a + 1} to key line {b + 1} at once, "
                       f"past {', '.join(k.name for k in over)}")
    return ("; " + "; ".join(out)) if out else ""


def _step_problem(r, unread: dict[int, str]) -> str:
    if r.verdict is Verdict.REFUTED:
        text = f"step {r.step.index} is refuted"
        if r.diagnosis:
            text += f": {r.diagnosis.splitlines()[0]}"
        if r.counterexample is not None:
            text += f" (counterexample: {_witness(r.counterexample)})"
        return text
    if r.reason == "could not be read" and r.step.line in unread:
        return f"step {r.step.index} could not be read (line {r.step.line}: {unread[r.step.line]})"
    return f"step {r.step.index} could not be checked ({r.reason or 'unknown'})"


def _witness(c: Counterexample) -> str:
    values = ", ".join(f"{k} = {v}" for k, v in c.values + c.instances)
    return (values + "; " if values else "") + f"left = {c.left}, right = {c.right}"


def _step_note(r, ev: _Evaluation) -> StepNote:
    j = r.step.index - 1
    shown = [k for k, p in ev.chosen.items() if p == j] or [k for k, ps in ev.shown.items() if j in ps]
    return StepNote(r.step.index, r.step.line, r.step.text, r.verdict.value, r.reason, r.diagnosis,
                    _witness(r.counterexample) if r.counterexample else "", r.follows_error,
                    (min(shown) + 1) if shown else None)


def _foreign_names(steps, route: Route, scope: Scope) -> set[str]:
    """Functions the submission applies that neither the key's declarations nor its lines know
    (symbols are not counted: an undeclared symbol is simply real)."""
    known = {name for name, _ in route.scope.functions} | {name for name, _ in route.scope.definitions}
    for s in route.derivation.steps:
        known |= {n.func for n in A.walk(s.expr) if isinstance(n, A.Apply)}
    used = set()
    for s in steps:
        used |= {n.func for n in A.walk(s.expr) if isinstance(n, A.Apply)}
    return used - known
