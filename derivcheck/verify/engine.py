"""The per-step loop: each step against the line before it, on the verification ladder.

structural identity → numeric refutation (cheap; a wrong step is caught with its witness
before any slow simplification) → symbolic proof → "confirmed" when only random testing
agreed.  After the first wrong step every later step is still checked against the
student's own previous line and marked as following from the error.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass

from .. import ast as A
from ..diagnostics import Diagnostic
from ..model import Derivation, DerivationResult, Step, StepResult, Verdict
from ..printer import to_plain
from ..scope import Scope, unfold
from . import budget

DEFAULT_TIMEOUT = 5.0
MAX_NODES = 4000  # expression size limit per side, after unfolding


@dataclass(frozen=True, slots=True)
class Options:
    seed: int = 0
    timeout: float = DEFAULT_TIMEOUT


def step_seed(left: str, right: str, seed: int) -> int:
    """A seed from the step itself, stable across runs and machines (not `hash()`)."""
    digest = hashlib.sha256(f"{seed}\x00{left}\x00{right}".encode()).digest()
    return int.from_bytes(digest[:8], "big")


class Checker:
    """Checks pairs of expressions in one scope; caches by the printed pair."""

    def __init__(self, scope: Scope, options: Options):
        self.scope = scope
        self.options = options
        self.cache: dict[tuple[str, str], tuple] = {}

    def check_pair(self, prev: A.Node, cur: A.Node, relation: str) -> tuple:
        """(verdict, reason, counterexample, diagnosis, notes) for `prev relation cur`."""
        left = unfold(prev, self.scope)
        right = unfold(cur, self.scope)
        key = (to_plain(left), to_plain(right), relation)
        if key not in self.cache:
            self.cache[key] = self._check(left, right, relation, key)
        verdict, reason, cex, diagnosis, notes = self.cache[key]
        return verdict, reason, cex, diagnosis, notes + tuple(self.side_notes(prev, cur))

    def _check(self, left, right, relation, key) -> tuple:
        from . import numeric, symbolic  # sympy is imported only when something is checked

        if relation != "=":
            return (Verdict.UNKNOWN, f"unsupported: `{relation}` chains are not checked yet",
                    None, "", ())
        if left == right:
            return Verdict.PROVED, "the same expression once definitions are unfolded", None, "", ()
        if A.size(left) > MAX_NODES or A.size(right) > MAX_NODES:
            return Verdict.UNKNOWN, "limit: expression too large", None, "", ()
        seed = step_seed(key[0], key[1], self.options.seed)
        deadline = time.monotonic() + self.options.timeout
        try:
            outcome = numeric.compare(left, right, self.scope, seed=seed, deadline=deadline)
            if outcome.status is numeric.NumStatus.DISAGREE:
                diagnosis = self.diagnose(left, right, seed, deadline)
                return Verdict.REFUTED, "", outcome.counterexample, diagnosis, ()
            proof = symbolic.prove(left, right, self.scope, deadline=deadline)
        except budget.OutOfTime:
            return Verdict.UNKNOWN, "time limit", None, "", ()
        isolated = (outcome.reason,) if outcome.status is numeric.NumStatus.AGREE and outcome.reason else ()
        if proof.status is symbolic.ProofStatus.PROVED:
            return Verdict.PROVED, proof.method, None, "", isolated
        if outcome.status is numeric.NumStatus.AGREE:
            return (Verdict.CONFIRMED, f"agrees at {outcome.points} random points; no proof found",
                    None, "", isolated)
        if proof.status is symbolic.ProofStatus.TIMEOUT:
            return Verdict.UNKNOWN, "time limit", None, "", ()
        return Verdict.UNKNOWN, outcome.reason or "no usable point to compare at", None, "", ()

    def diagnose(self, left, right, seed, deadline) -> str:
        from . import diagnose

        try:
            return diagnose.diagnose(left, right, self.scope, seed=seed, deadline=deadline + 1.0)
        except budget.OutOfTime:
            return ""

    def side_notes(self, prev: A.Node, cur: A.Node) -> list[str]:
        """Side conditions on one side only: what a step introduces (a new denominator, log
        or root argument) or silently drops (a cancelled denominator)."""
        from . import conditions

        try:
            before = {(to_plain(c.expr), c.kind): c for c in conditions.side_conditions(prev, self.scope)}
            after = {(to_plain(c.expr), c.kind): c for c in conditions.side_conditions(cur, self.scope)}
        except Exception:  # a condition we cannot analyse is no reason to lose the verdict
            return []
        notes = []
        for key in [k for k in after if k not in before] + [k for k in before if k not in after]:
            c = (after | before)[key]
            text, kind = key
            what = {"nonzero": f"{text} ≠ 0", "positive": f"{text} > 0",
                    "nonnegative": f"{text} ≥ 0"}.get(kind, f"{text}: {kind}")
            if c.guaranteed:
                notes.append(f"valid where {what}, which the declarations guarantee")
            else:
                notes.append(f"valid only where {what}: the declarations do not guarantee it")
        return notes


def check_derivation(d: Derivation, scope: Scope, broken: set[int] = frozenset(),
                     options: Options = Options()) -> DerivationResult:
    checker = Checker(scope, options)
    results: list[StepResult] = []
    first_error: int | None = None
    steps = d.steps
    for i, step in enumerate(steps):
        if i == 0:
            if step.index in broken:
                results.append(StepResult(step, Verdict.START, "could not be read"))
                first_error = first_error or None
            else:
                results.append(StepResult(step, Verdict.START))
            continue
        prev: Step = steps[i - 1]
        follows = first_error is not None
        if step.index in broken:
            r = StepResult(step, Verdict.UNKNOWN, "could not be read", follows_error=follows)
        elif prev.index in broken:
            r = StepResult(step, Verdict.UNKNOWN, "the previous step could not be read",
                           follows_error=follows)
        else:
            try:
                verdict, reason, cex, diagnosis, notes = checker.check_pair(prev.expr, step.expr,
                                                                            step.relation or "=")
            except RecursionError:
                verdict, reason, cex, diagnosis, notes = (Verdict.UNKNOWN, "limit: expression nested too deeply",
                                                          None, "", ())
            r = StepResult(step, verdict, reason, cex, diagnosis, tuple(notes), follows_error=follows)
        if first_error is None and r.verdict in (Verdict.REFUTED, Verdict.UNKNOWN):
            first_error = step.index
        results.append(r)
    diags = tuple(Diagnostic("reading", n, d.line, 1, severity="note") for n in d.notes)
    return DerivationResult(d, tuple(results), diags)
