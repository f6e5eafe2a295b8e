"""Check a submission's steps on the engine's ladder, with a per-run cache of identical steps.

The engine's `Checker` caches per derivation.  A class of submissions repeats the same steps
hundreds of times, so grading keeps one cache for the whole run (per worker process, warmed
with the key's own steps before the workers start), keyed by the step's two sides in light
normal form: a step written `R(τ) Pr_θ(τ)` where another student wrote `Pr_θ(τ) R(τ)` is
checked once.  The loop itself is the engine's: every step against the student's own previous
line, and steps after the first wrong one marked as following from it (follow-through).
A line's normal form is computed once, for the cache key and for matching alike.
"""

from __future__ import annotations

import dataclasses

from ..model import Derivation, DerivationResult
from ..scope import Scope
from ..verify.engine import Checker, Options, step_results
from . import match


class RunCache:
    """Verdicts of the steps checked so far in this run, with hit and miss counts."""

    def __init__(self) -> None:
        self.entries: dict = {}
        self.hits = 0
        self.misses = 0

    def __len__(self) -> int:
        return len(self.entries)


RUN_CACHE = RunCache()  # one per process; forked workers inherit the parent's warm copy
_MAX_ENTRIES = 200_000


def options(seed: int = 0, timeout: float = 5.0) -> Options:
    """Engine options for grading: no per-step worker process, since a batch worker is already
    a process killed when it overruns (the `isolate` option exists in newer engines only)."""
    names = {f.name for f in dataclasses.fields(Options)}
    extra = {"isolate": False} if "isolate" in names else {}
    return Options(seed=seed, timeout=timeout, **extra)


def fingerprint(scope: Scope) -> tuple:
    """What a step's verdict depends on besides the step: the declarations in force."""
    symbols = tuple(sorted((n, d.domain, d.set_name) for n, d in scope.symbols.items()))
    functions = tuple(sorted((k, d.params, d.kind, d.over) for k, d in scope.functions.items()))
    definitions = tuple(sorted((k, d.params, d.body) for k, d in scope.definitions.items()))
    assumptions = tuple(a.relation for a in scope.assumptions)
    assumed = tuple(sorted(scope.assumed_functions.items()))
    return symbols, functions, definitions, assumptions, assumed


class CachingChecker(Checker):
    """The engine's checker, consulting the run's cache first (by the pair's normal forms)."""

    def __init__(self, scope: Scope, options: Options, cache: RunCache | None = RUN_CACHE):
        super().__init__(scope, options)
        self.run_cache = cache
        self.key = fingerprint(scope) if cache is not None else None
        self.hits = self.misses = 0

    def check_forms(self, prev, cur, relation: str, before, after) -> tuple:
        """`check_pair`, with the two sides' normal forms already known (None: do not cache)."""
        if self.run_cache is None or before is None or after is None:
            return self.check_pair(prev, cur, relation)
        key = (self.key, before, after, relation)
        found = self.run_cache.entries.get(key)
        if found is not None:
            self.hits += 1
            self.run_cache.hits += 1
            return found
        self.misses += 1
        self.run_cache.misses += 1
        result = self.check_pair(prev, cur, relation)
        if len(self.run_cache.entries) < _MAX_ENTRIES:
            self.run_cache.entries[key] = result
        return result


def check_steps(d: Derivation, scope: Scope, broken: set[int], opts: Options,
                cache: RunCache | None = RUN_CACHE) -> tuple[DerivationResult, list]:
    """Each step against the line before it; after the first wrong step, follow-through.

    Returns the result and each line's normal form (None for an unreadable line), which the
    cache keys on and the matching reuses.  Pass `cache=None` for a submission that defines
    names of its own (`let f := …`): a cache entry must not depend on a student's definitions.
    """
    checker = CachingChecker(scope, opts, cache)
    forms = [None if s.index in broken else match.form(s.expr, scope) for s in d.steps]
    results = step_results(d, broken, lambda i, prev, step: checker.check_forms(
        prev.expr, step.expr, step.relation or "=", forms[i - 1], forms[i]))
    return DerivationResult(d, results), forms
