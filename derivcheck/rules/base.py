"""What a rule is (a name, aliases, rewrites on the flat form, side conditions), what a
derivation's declarations tell the rules (`Context`), and applying a rule: once at some
position, at every position at once, or repeatedly up to a bound where it is global."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from fractions import Fraction

from ..scope import Scope
from ..verify.normalise import ZERO, add, canonical, children, flat, free, key, mul, rebuild, shape, size
from .tree import everywhere, positions, replace

MAX_STATES = 400  # candidates kept per rule application
MAX_NODES = 600  # a candidate larger than this is dropped


class OutOfBudget(Exception):
    """The hint check ran out of its time budget."""


@dataclass(frozen=True, slots=True)
class Rewrite:
    """A local rewrite: `fn(node, ctx)` yields replacements for `node`.

    `natural` says whether this is the rule's natural direction (linearity moving ∇ inward,
    the log-derivative trick introducing the log); `core` rewrites are the rule itself, the
    others (like evaluating a trivial derivative afterwards) only help it along."""

    fn: Callable[[tuple, "Context"], Iterable[tuple]]
    natural: bool = True
    core: bool = True
    inverse_only: bool = False  # used only to read the step right to left (factor = expand⁻¹)
    compound: bool = False  # several elementary steps at once (a hint may cite them; the
    #                         order of shuffled steps is built from elementary ones only)


@dataclass(frozen=True)
class Rule:
    name: str
    aliases: tuple[str, ...]
    description: str
    conditions: str = ""
    rewrites: tuple[Rewrite, ...] = ()
    depth: int = 3  # how many applications one citation may make (all positions, nested)
    generic: bool = False  # accepts any step that holds
    trivial: bool = False  # accounts for a step that changes nothing under light normalisation
    tidy: bool = True  # may be followed by collecting like terms and like factors
    reversible: bool = True  # may be cited for the step read right to left
    accepts: Callable | None = None  # a direct test (prev, next, ctx) -> bool for special rules


@dataclass(frozen=True, slots=True)
class Candidate:
    """A result of applying a rule: the flat form and the directions of the rewrites used."""

    t: tuple
    directions: frozenset = frozenset()
    steps: int = 1  # applications of the rule's rewrites


# ---------------------------------------------------------------------------
# What the declarations say


class Context:
    """The derivation's declarations as the rules need them, plus the other side of the step
    (`target`), from which some rewrites take their argument (`multiply and divide by X`)."""

    def __init__(self, scope: Scope, trees: Iterable = (), deadline: float | None = None):
        self.scope = scope
        self.target: tuple | None = None
        self.arguments: tuple = ()  # what the hint names: X in "multiply and divide by X"
        self.equations: tuple = ()  # (left, right) pairs a hint states
        self.deadline = deadline
        self.defs: dict[tuple[str, int], tuple[tuple[str, ...], tuple]] = {}
        for (name, arity), d in scope.definitions.items():
            try:
                self.defs[(name, arity)] = (d.params, flat(d.body))
            except TypeError:
                pass
        self.weights: dict[tuple[str, int], int] = {}  # functions used as the weight of an E
        for t in trees:
            self.note_weights(t)
        self._depends: dict = {}

    def note_weights(self, t) -> None:
        for _, node in positions(t):
            if node[0] == "E" and node[2][0] == "app":
                w = node[2]
                if ("sym", node[1]) in w[2]:
                    self.weights.setdefault((w[1], len(w[2])), w[2].index(("sym", node[1])))

    def check_time(self) -> None:
        if self.deadline is not None and time.monotonic() > self.deadline:
            raise OutOfBudget

    # -- dependence -------------------------------------------------------
    def depends(self, t, var: str) -> bool:
        """Can `t` change with `var`?  Definitions are looked through; a declared function
        depends only on its arguments."""
        k = (t, var)
        if k not in self._depends:
            self._depends[k] = self._compute_depends(t, var)
        return self._depends[k]

    def _compute_depends(self, t, var: str) -> bool:
        if var not in free(t) and not self._defs_in(t):
            return False
        head = t[0]
        if head == "sym":
            if t[1] == var:
                return True
            d = self.defs.get((t[1], 0))
            return d is not None and self.depends(d[1], var)
        if head == "app":
            if any(self.depends(a, var) for a in t[2]):
                return True
            d = self.defs.get((t[1], len(t[2])))
            return d is not None and var not in d[0] and self.depends(d[1], var)
        if head == "d":
            return self.depends(t[2], var)
        from ..verify.normalise import binder_var, bound_children

        bv = binder_var(t)
        return any(self.depends(k, var) for k, bound in zip(children(t), bound_children(t))
                   if not (bound and bv == var))

    def _defs_in(self, t) -> bool:
        if not self.defs:
            return False
        return any((n[0] == "app" and (n[1], len(n[2])) in self.defs)
                   or (n[0] == "sym" and (n[1], 0) in self.defs) for _, n in positions(t))

    # -- kinds of functions ------------------------------------------------
    def over(self, name: str, arity: int) -> int | None:
        """The argument a distribution is normalised over, or None for other functions."""
        d = self.scope.function(name, arity)
        if d is not None:
            return d.over if d.kind == "distribution" else None
        if (name, arity) in self.weights:
            return self.weights[(name, arity)]
        return self.scope.over_position(name, arity)

    def distribution_over(self, t, var: str) -> bool:
        """Is `t` a distribution applied with `var` in its normalised slot?"""
        if t[0] != "app":
            return False
        o = self.over(t[1], len(t[2]))
        return o is not None and o < len(t[2]) and t[2][o] == ("sym", var)

    def positive(self, t) -> bool:
        """Known to be > 0 from the declarations (distributions, positive functions, exp, …)."""
        head = t[0]
        if head == "num":
            return t[1] > 0
        if head == "const":
            return True
        if head == "sym":
            return self.scope.domain(t[1]) == "positive"
        if head == "app":
            d = self.scope.function(t[1], len(t[2]))
            kind = d.kind if d is not None else self.scope.function_kind(t[1], len(t[2]))
            return kind in ("positive", "distribution") or (t[1], len(t[2])) in self.weights
        if head == "fn":
            return t[1] == "exp" or (t[1] in ("sqrt",) and self.positive(t[2][0]))
        if head in ("mul", "add"):
            return all(self.positive(k) for k in t[1])
        if head == "pow":
            return self.positive(t[1])
        if head in ("sum", "prod", "E"):
            return self.positive(t[2] if head != "E" else t[3])
        return False


# ---------------------------------------------------------------------------
# Applying a rule


def apply_rule(rule: Rule, t, ctx: Context, inverse: bool = False,
               elementary: bool = False) -> list[Candidate]:
    """Every result of citing `rule` on `t`: one application at some position, the first
    result of each rewrite at every position at once, and up to `rule.depth` applications in
    a row; then, where the rule allows it, each of those tidied.  Results that use only
    helper rewrites are left out.  `inverse`: the rewrites that read a step right to left;
    `elementary`: without the compound ones.  A tidied result counts one step more."""
    rewrites = tuple(rw for rw in rule.rewrites if (inverse or not rw.inverse_only)
                     and not (elementary and rw.compound))
    start = shape(t)
    seen = {start}
    frontier = [(t, False, frozenset())]
    out: dict = {}
    for level in range(max(rule.depth, 1)):
        nxt = []
        for state, used_core, dirs in frontier:
            for result, core, natural in _one_step(rewrites, state, ctx, first_level=level == 0):
                ctx.check_time()
                if size(result) > MAX_NODES:
                    continue
                c = shape(result)
                if c in seen:
                    continue
                seen.add(c)
                entry = (result, used_core or core, dirs | {natural})
                nxt.append(entry)
                if entry[1]:
                    out[c] = Candidate(result, entry[2], level + 1)
                if len(seen) > MAX_STATES:
                    break
        frontier = nxt
        if not frontier or len(seen) > MAX_STATES:
            break
    cands = list(out.values())
    if rule.tidy:
        for c in list(cands):
            for tidied in tidy_variants(c.t):
                k = shape(tidied)
                if k not in out and k != start:
                    out[k] = Candidate(tidied, c.directions, c.steps + 1)
                    cands.append(out[k])
    return cands


def _one_step(rewrites, t, ctx: Context, first_level: bool):
    for path, node in positions(t):
        for rw in rewrites:
            for r in rw.fn(node, ctx):
                yield replace(t, path, r), rw.core, rw.natural
    if first_level:
        for rw in rewrites:
            def first(node, rw=rw):
                for r in rw.fn(node, ctx):
                    return r
                return None
            yield everywhere(t, first), rw.core, rw.natural


# ---------------------------------------------------------------------------
# Tidying after a rule: collect like terms, merge like factors, powers of products


def tidy_variants(t) -> list:
    a = _tidy(t, "factors")
    b = _tidy(t, "terms")
    c = _tidy(a, "terms")
    return [x for x in (a, b, c) if x != t]


@functools.lru_cache(maxsize=65536)
def _tidy(t, what: str):
    """`merge_factors` or `collect_terms` at every node, children first (cached: candidates
    share most of their subtrees)."""
    kids = children(t)
    if kids:
        new = tuple(_tidy(k, what) for k in kids)
        if new != kids:
            t = rebuild(t, new)
    out = (merge_factors if what == "factors" else collect_terms)(t)
    return t if out is None else out


def split_coefficient(term) -> tuple[Fraction, tuple]:
    """(c, rest) with term = c·rest and c a number."""
    if term[0] == "num":
        return term[1], ()
    if term[0] == "mul":
        c = Fraction(1)
        rest = []
        for f in term[1]:
            if f[0] == "num":
                c *= f[1]
            else:
                rest.append(f)
        return c, tuple(rest)
    return Fraction(1), (term,)


def collect_terms(t):
    """`3t + t` → `4t`, `ab + ba` → `2ab`; like terms whose coefficients cancel stay."""
    if t[0] != "add":
        return None
    groups: dict = {}
    order = []
    for term in t[1]:
        c, rest = split_coefficient(term)
        k = canonical(mul(*rest)) if rest else ("num",)
        if k not in groups:
            groups[k] = [Fraction(0), rest, []]
            order.append(k)
        groups[k][0] += c
        groups[k][2].append(term)
    if len(order) == len(t[1]):
        return None
    terms = []
    for k in order:
        total, rest, originals = groups[k]
        if len(originals) == 1 or total == 0:
            terms.extend(originals)
        elif not rest:
            terms.append(("num", total))
        else:
            terms.append(mul(("num", total), *rest) if total != 1 else mul(*rest))
    return add(*terms)


def merge_factors(t):
    """`x·x` → `x²`, `x²·x` → `x³`, `(ab)²` → `a²b²`; exponents of opposite signs stay."""
    if t[0] == "pow" and t[1][0] == "mul" and t[2][0] == "num" and t[2][1].denominator == 1:
        return mul(*(("pow", f[1], ("num", f[2][1] * t[2][1])) if f[0] == "pow" and f[2][0] == "num"
                     else ("pow", f, t[2]) for f in t[1][1]))
    if t[0] != "mul":
        return None
    groups: dict = {}
    order = []
    for f in t[1]:
        if f[0] == "num":
            base, e = f, None
        elif f[0] == "pow" and f[2][0] == "num":
            base, e = f[1], f[2][1]
        else:
            base, e = f, Fraction(1)
        k = (canonical(base), e is not None and e < 0) if e is not None else (key(f), None)
        if k not in groups:
            groups[k] = [base, Fraction(0), []]
            order.append(k)
        if e is not None:
            groups[k][1] += e
        groups[k][2].append(f)
    if len(order) == len(t[1]):
        return None
    factors = []
    for k in order:
        base, e, originals = groups[k]
        if len(originals) == 1 or k[1] is None:
            factors.extend(originals)
        else:
            factors.append(base if e == 1 else ("pow", base, ("num", e)))
    return mul(*factors)


def is_zero(t) -> bool:
    return canonical(t) == ZERO
