"""The per-step loop: each step against the line before it, on the verification ladder.

structural identity → numeric refutation (cheap; a wrong step is caught with its witness
before any slow simplification) → symbolic proof → "confirmed" when only random testing
agreed.  After the first wrong step every later step is still checked against the
student's own previous line and marked as following from the error.
"""

from __future__ import annotations

import hashlib
import pickle
import time
from dataclasses import dataclass, field

from .. import ast as A
from .. import limits
from ..diagnostics import Diagnostic
from ..limits import Limits
from ..model import Derivation, DerivationResult, Step, StepResult, Verdict
from ..printer import to_plain
from ..scope import Scope, unfold
from . import budget

DEFAULT_TIMEOUT = 5.0


@dataclass(frozen=True, slots=True)
class Options:
    seed: int = 0
    timeout: float = DEFAULT_TIMEOUT  # seconds per step
    limits: Limits = field(default_factory=Limits)
    # run each step's checks in a worker process, killed when it overruns (budget.Worker);
    # without one (or with isolate=False) they run here under the alarm
    isolate: bool = True
    file_deadline: float | None = None  # time.monotonic() by which the file's checks end


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
        self._blob: bytes | None = None  # the pickled scope, sent to the worker with each job

    def check_pair(self, prev: A.Node, cur: A.Node, relation: str) -> tuple:
        """(verdict, reason, counterexample, diagnosis, notes) for `prev relation cur`."""
        lim = self.options.limits
        if prev == cur and relation == "=":  # the same written tree: nothing to unfold or compute
            return (Verdict.PROVED, "the same expression once definitions are unfolded", None, "", ())
        # the limits come before the work they guard: size before unfolding, depth and the
        # size of every number before anything is computed (derivcheck/limits.py)
        too_large = f"expression too large (more than {lim.nodes:,} nodes, definitions unfolded)"
        if limits.unfolded_size(cur, self.scope, lim.nodes) > lim.nodes:
            return _limit(too_large)
        if limits.unfolded_size(prev, self.scope, lim.nodes) > lim.nodes:
            return _limit(f"{too_large} in the previous line")
        left = unfold(prev, self.scope)
        right = unfold(cur, self.scope)
        problem = limits.step_problem(right, lim)
        if problem:
            return _limit(problem)
        problem = limits.step_problem(left, lim)
        if problem:
            return _limit(f"{problem} in the previous line")
        key = (to_plain(left), to_plain(right), relation)
        if key not in self.cache:
            self.cache[key] = self.run("_check", (left, right, relation, key), self.timeout())
        verdict, reason, cex, diagnosis, notes = self.cache[key]
        side = self.run("side_notes", (prev, cur), min(self.timeout(), NOTES_TIMEOUT))
        if not isinstance(side, list):  # a limit stopped the analysis: no notes, same verdict
            side = []
        return verdict, reason, cex, diagnosis, notes + tuple(side)

    def timeout(self) -> float:
        """Seconds for the next step: its own budget, or what is left of the file's."""
        t = self.options.timeout
        if self.options.file_deadline is not None:
            t = min(t, budget.remaining(self.options.file_deadline))
        return t

    def run(self, task: str, args: tuple, timeout: float):
        """`self.<task>(*args)` under a time budget — in the worker process when isolated,
        else here under the alarm — or an `unknown` verdict saying which limit stopped it."""
        if timeout <= 0:
            return _unknown("limit: the file's checking time ran out "
                            f"({self.options.limits.file_seconds:g} s)")
        try:
            if self.options.isolate and budget.isolation_available():
                if self._blob is None:
                    self._blob = pickle.dumps(self.scope)
                w = budget.worker(self.options.limits.memory_mb)
                return w.run(_job, (self._blob, self.options, task, args, timeout),
                             timeout + _EXTRA + budget.GRACE)
            return _task(self, task, args, timeout)
        except budget.OutOfTime:
            return _unknown("time limit")
        except MemoryError:
            return _unknown(f"limit: memory (more than {self.options.limits.memory_mb:,} MB)")
        except RecursionError:
            return _unknown("limit: expression nested too deeply")
        except budget.WorkerLost as e:
            return _unknown(f"limit: the checker stopped ({e})")
        except budget.JobFailed as e:  # a bug; the other steps are still checked
            return _unknown(f"internal error: {e}")
        except Exception as e:  # the same bug, when checked here rather than in the worker
            return _unknown(f"internal error: {type(e).__name__}: {e}")

    def _check(self, left, right, relation, key, timeout: float | None = None) -> tuple:
        from . import numeric, symbolic  # sympy is imported only when something is checked

        if relation != "=":
            return (Verdict.UNKNOWN, f"unsupported: `{relation}` chains are not checked yet",
                    None, "", ())
        if left == right:
            return Verdict.PROVED, "the same expression once definitions are unfolded", None, "", ()
        seed = step_seed(key[0], key[1], self.options.seed)
        deadline = time.monotonic() + (self.options.timeout if timeout is None else timeout)
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


NOTES_TIMEOUT = 2.0  # seconds for the side conditions of a step
_EXTRA = 1.0  # the diagnosis of a refuted step may run this long past the step's deadline


def _unknown(reason: str) -> tuple:
    return Verdict.UNKNOWN, reason, None, "", ()


def _limit(reason: str) -> tuple:
    return _unknown(f"limit: {reason}")


def _task(checker: Checker, task: str, args: tuple, timeout: float):
    """Run one task of a checker here, under the alarm (sympy's code can be interrupted)."""
    extra = _EXTRA + 0.2 if task == "_check" else 0.0
    with budget.alarm(time.monotonic() + timeout + extra):
        if task == "_check":
            return checker._check(*args, timeout=timeout)
        return getattr(checker, task)(*args)


_worker_checkers: dict[bytes, Checker] = {}


def _job(blob: bytes, options: Options, task: str, args: tuple, timeout: float):
    """A task run in the worker process: the checker of the scope, kept between jobs so
    that its caches (and sympy's) stay warm."""
    key = hashlib.sha256(blob).digest() + pickle.dumps(options)
    checker = _worker_checkers.get(key)
    if checker is None:
        if len(_worker_checkers) > 16:
            _worker_checkers.clear()
        checker = _worker_checkers[key] = Checker(pickle.loads(blob), options)
    with limits.using(options.limits):
        return _task(checker, task, args, timeout)


def step_results(d: Derivation, broken, check) -> tuple[StepResult, ...]:
    """Each step against the line before it; after the first wrong step, follow-through.

    `check(i, prev, step)` gives (verdict, reason, counterexample, diagnosis, notes) for
    step i (0-based) against its predecessor; unreadable steps are never passed to it.
    """
    results: list[StepResult] = []
    first_error: int | None = None
    for i, step in enumerate(d.steps):
        if i == 0:
            results.append(StepResult(step, Verdict.START,
                                      "could not be read" if step.index in broken else ""))
            continue
        prev: Step = d.steps[i - 1]
        follows = first_error is not None
        if step.index in broken:
            r = StepResult(step, Verdict.UNKNOWN, "could not be read", follows_error=follows)
        elif prev.index in broken:
            r = StepResult(step, Verdict.UNKNOWN, "the previous step could not be read",
                           follows_error=follows)
        else:
            try:
                verdict, reason, cex, diagnosis, notes = check(i, prev, step)
            except RecursionError:
                verdict, reason, cex, diagnosis, notes = (
                    Verdict.UNKNOWN, "limit: expression nested too deeply", None, "", ())
            r = StepResult(step, verdict, reason, cex, diagnosis, tuple(notes), follows_error=follows)
        if first_error is None and r.verdict in (Verdict.REFUTED, Verdict.UNKNOWN):
            first_error = step.index
        results.append(r)
    return tuple(results)


def check_derivation(d: Derivation, scope: Scope, broken: set[int] = frozenset(),
                     options: Options = Options()) -> DerivationResult:
    checker = Checker(scope, options)
    results = step_results(
        d, broken, lambda i, prev, step: checker.check_pair(prev.expr, step.expr, step.relation or "="))
    diags = tuple(Diagnostic("reading", n, d.line, 1, severity="note") for n in d.notes)
    # the reasoning after the truth: hints, and the order of the steps (verify/reasoning.py)
    from .reasoning import judge

    return judge(DerivationResult(d, results, diags), scope, broken,
                 deadline=options.file_deadline)
