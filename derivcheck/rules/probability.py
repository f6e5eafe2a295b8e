"""Rules about distributions: the definition of expectation, the log-derivative trick,
importance sampling, normalisation and the zero mean of the score."""

from __future__ import annotations

from ..verify.normalise import ONE, ZERO, canonical, inv, mul
from .base import Rewrite, Rule
from .tree import positions, rename_bound, same


def _factors(t):
    return t[1] if t[0] == "mul" else (t,)


def _unbounded_sum(t) -> bool:
    return t[0] == "sum" and t[3] is None and t[4] is None and t[5] is None


# ---------------------------------------------------------------------------
# Definition of expectation


def unfold_expectation(t, ctx):
    if t[0] == "E":
        yield ("sum", t[1], mul(t[2], t[3]), None, None, None)


def fold_expectation(t, ctx):
    """Σ_k p(k)·f → E_{k~p}[f] where p is a distribution over k."""
    if not _unbounded_sum(t):
        return
    k, factors = t[1], _factors(t[2])
    for i, w in enumerate(factors):
        if ctx.distribution_over(w, k):
            rest = factors[:i] + factors[i + 1:]
            yield ("E", k, w, mul(*rest))


# ---------------------------------------------------------------------------
# The log-derivative trick


def _ratio_to_log(t, ctx):
    """∇f · f⁻¹ (among the factors of a product) → ∇ log f."""
    if t[0] != "mul":
        return
    fs = t[1]
    for i, d in enumerate(fs):
        if d[0] != "d":
            continue
        for j, r in enumerate(fs):
            if r[0] == "pow" and r[2] == ("num", -1) and same(r[1], d[2]):
                rest = [f for k, f in enumerate(fs) if k not in (i, j)]
                yield mul(*rest[:min(i, j)], ("d", d[1], ("fn", "log", (d[2],))), *rest[min(i, j):])


def _grad_to_log(t, ctx):
    """∇f → f·∇ log f for f > 0."""
    if t[0] == "d" and t[2][0] != "fn" and ctx.positive(t[2]):
        yield mul(t[2], ("d", t[1], ("fn", "log", (t[2],))))


def _log_to_ratio(t, ctx):
    """∇ log f → ∇f / f."""
    if t[0] == "d" and t[2][0] == "fn" and t[2][1] == "log" and len(t[2][2]) == 1:
        f = t[2][2][0]
        yield mul(("d", t[1], f), inv(f))


def _weighted_log_to_grad(t, ctx):
    """f·∇ log f (among the factors of a product) → ∇f."""
    if t[0] != "mul":
        return
    fs = t[1]
    for i, d in enumerate(fs):
        if d[0] == "d" and d[2][0] == "fn" and d[2][1] == "log" and len(d[2][2]) == 1:
            f = d[2][2][0]
            for j, w in enumerate(fs):
                if j != i and same(w, f):
                    rest = [x for k, x in enumerate(fs) if k not in (i, j)]
                    yield mul(*rest[:min(i, j)], ("d", d[1], f), *rest[min(i, j):])


def _sum_to_expectation(t, ctx):
    """Σ_k ∇p(k)·f → E_{k~p}[∇ log p(k)·f] for p a distribution over k."""
    if not _unbounded_sum(t):
        return
    k, factors = t[1], _factors(t[2])
    for i, d in enumerate(factors):
        if d[0] == "d" and ctx.distribution_over(d[2], k):
            rest = factors[:i] + factors[i + 1:]
            yield ("E", k, d[2], mul(("d", d[1], ("fn", "log", (d[2],))), *rest))


def _expectation_to_sum(t, ctx):
    """E_{k~p}[∇ log p(k)·f] → Σ_k ∇p(k)·f."""
    if t[0] != "E":
        return
    k, w, factors = t[1], t[2], _factors(t[3])
    for i, d in enumerate(factors):
        if d[0] == "d" and d[2] == ("fn", "log", (w,)):
            rest = factors[:i] + factors[i + 1:]
            yield ("sum", k, mul(("d", d[1], w), *rest), None, None, None)


def _score_function(t, ctx):
    """∇_v E_{k~p}[f] → E_{k~p}[f·∇_v log p] when f does not depend on v."""
    if t[0] == "d" and t[2][0] == "E":
        e = t[2]
        v = t[1]
        if e[1] == v or ctx.depends(e[3], v):
            return
        yield ("E", e[1], e[2], mul(e[3], ("d", v, ("fn", "log", (e[2],)))))


def _score_function_back(t, ctx):
    if t[0] != "E":
        return
    k, w, factors = t[1], t[2], _factors(t[3])
    for i, d in enumerate(factors):
        if d[0] == "d" and d[2] == ("fn", "log", (w,)):
            rest = mul(*(factors[:i] + factors[i + 1:]))
            if not ctx.depends(rest, d[1]):
                yield ("d", d[1], ("E", k, w, rest))


# ---------------------------------------------------------------------------
# Importance sampling, normalisation, the score's zero mean


def _remove_ratio(t, ctx):
    """E_{k~q}[p/q·f] → E_{k~p}[f]."""
    if t[0] != "E":
        return
    k, q, factors = t[1], t[2], _factors(t[3])
    for j, r in enumerate(factors):
        if not (r[0] == "pow" and r[2] == ("num", -1) and same(r[1], q)):
            continue
        for i, p in enumerate(factors):
            if i != j and ctx.distribution_over(p, k):
                rest = [f for n, f in enumerate(factors) if n not in (i, j)]
                yield ("E", k, p, mul(*rest))


def _introduce_ratio(t, ctx):
    """E_{k~p}[f] → E_{k~q}[p/q·f] for a q the other side samples from."""
    if t[0] != "E" or ctx.target is None:
        return
    k, p = t[1], t[2]
    seen = set()
    for _, n in positions(ctx.target):
        if n[0] == "E":
            e = rename_bound(n, k) if n[1] != k else n
            q = e[2]
            if canonical(q) not in seen and not same(q, p) and ctx.distribution_over(q, k):
                seen.add(canonical(q))
                yield ("E", k, q, mul(p, inv(q), t[3]))


def _normalised(t, ctx):
    if _unbounded_sum(t) and ctx.distribution_over(t[2], t[1]):
        yield ONE
    if t[0] == "E" and t[3] == ONE:
        yield ONE


def _zero_mean_score(t, ctx):
    if _unbounded_sum(t):
        k, body = t[1], t[2]
        if body[0] == "d" and ctx.distribution_over(body[2], k):
            yield ZERO
        fs = _factors(body)
        if len(fs) == 2:
            for w, d in (fs, fs[::-1]):
                if ctx.distribution_over(w, k) and d[0] == "d" and d[2] == ("fn", "log", (w,)):
                    yield ZERO
    if t[0] == "E" and t[3][0] == "d" and t[3][2] == ("fn", "log", (t[2],)):
        yield ZERO


RULES = [
    Rule("definition of expectation",
         ("definition of expectation", "definition of the expectation", "definition of E",
          "expectation", "write as an expectation", "write the expectation as a sum",
          "expected value", "definition of expected value", "expand expectation",
          "expand the expectation", "return to expectation form", "back to expectation form",
          "expectation form", "rewrite as an expectation", "as an expectation"),
         "E_{k~p}[f] = Σ_k p(k)·f, in either direction",
         "folding: the weight is a distribution over the summed variable",
         (Rewrite(fold_expectation), Rewrite(unfold_expectation, natural=False)), depth=3),
    Rule("log-derivative trick",
         ("log-derivative trick", "log derivative trick", "log derivative", "log-derivative",
          "likelihood ratio", "likelihood ratio trick", "likelihood-ratio trick",
          "score function identity", "score function", "score-function trick", "reinforce trick",
          "∇ log p = ∇p / p", "∇ log u = ∇u / u", "∇ log f = ∇f / f", "∇p = p ∇ log p",
          "∇f = f ∇ log f", "∇ log p = ∇p/p", "∇ log u = ∇u/u", "∇f/f = ∇ log f"),
         "∇f = f·∇ log f and ∇f/f = ∇ log f (both directions), also under Σ as an expectation: "
         "Σ_k ∇p(k)·g = E_{k~p}[∇ log p(k)·g]",
         "f > 0", (
             Rewrite(_ratio_to_log), Rewrite(_grad_to_log),
             Rewrite(_sum_to_expectation, compound=True), Rewrite(_score_function, compound=True),
             Rewrite(_log_to_ratio, natural=False), Rewrite(_weighted_log_to_grad, natural=False),
             Rewrite(_expectation_to_sum, natural=False, compound=True),
             Rewrite(_score_function_back, natural=False, compound=True)), depth=3),
    Rule("importance sampling",
         ("importance sampling", "importance weights", "change of measure", "importance weight"),
         "E_{k~q}[p(k)/q(k)·f] = E_{k~p}[f]", "q > 0 wherever p > 0",
         (Rewrite(_introduce_ratio), Rewrite(_remove_ratio, natural=False)), depth=2),
    Rule("normalisation",
         ("normalisation", "normalization", "normalised", "normalized", "is normalised",
          "is normalized", "probabilities sum to one", "probabilities sum to 1", "sums to one",
          "sums to 1", "total probability"),
         "Σ_k p(k) = 1 and E_{k~p}[1] = 1 for a distribution p over k",
         "p is a distribution over k (declared, or the weight of an expectation)",
         (Rewrite(_normalised),), depth=3),
    Rule("score has mean zero",
         ("score has mean zero", "the score has mean zero", "expected score is zero",
          "the expected score is zero", "zero-mean score", "score function has zero mean",
          "Σ_x ∇p = 0", "Σ_x ∇p = ∇ 1 = 0", "Σ ∇p = ∇ 1 = 0", "E[∇ log p] = 0"),
         "Σ_k ∇p(k) = ∇ Σ_k p(k) = 0, so E_{k~p}[∇ log p(k)] = 0",
         "p is a distribution over k",
         (Rewrite(_zero_mean_score),), depth=3),
]
