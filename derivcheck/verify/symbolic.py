"""The symbolic prover: resolved trees become sympy objects by constructors, and
`prove` tries a few strategies, cheapest first, to reduce `left − right` to 0 under a deadline.

Translation (`to_sympy`) follows NOTATION.md §2–3:

- a symbol carries the assumptions of its declared domain (tightened by `assume x > 0` and the
  like); an `index` symbol is an integer that names an element of its finite set;
- a Σ/E/∫ over a finite set is `Sum(body, (k, 1, N_set))`, with `N_set` a positive integer per
  set; the bound variable is a Dummy whose index depends only on its name and nesting depth,
  so equal trees translate to equal expressions while a bound `τ` can never be confused with a
  free `τ` (sympy's own sum rewriting moves factors into sums without checking for capture);
- an element of a finite set used *as a number* (`Σ_x p(x) x`) is `val_X(k)`, an unknown real
  function of the element's position: elements are arbitrary distinct numbers, not 1…N, so
  sympy must not evaluate `Σ_x x` in closed form;
- a user function is an undefined sympy Function, positive for `positive`/`distribution`,
  real otherwise, one per (name, arity).

Soundness: every rewrite used by `prove` is an equivalence in the declared domains, and a
step is PROVED only when the difference becomes the literal 0.  `Expr.equals` is not used.
"""

from __future__ import annotations

import enum
import weakref
from dataclasses import dataclass
from fractions import Fraction

import sympy
from sympy.core.function import AppliedUndef

from .. import ast as A
from ..diagnostics import Diagnostic
from ..errors import InputError
from ..scope import Scope
from . import budget


class ProofStatus(enum.Enum):
    PROVED = "proved"
    NOT_PROVED = "not proved"
    TIMEOUT = "timeout"


@dataclass(frozen=True, slots=True)
class ProofOutcome:
    status: ProofStatus
    method: str = ""  # the strategy that proved it, or why nothing was tried


# ---------------------------------------------------------------------------
# Translation

_DUMMY_BASE = 7_000_000_000  # far from sympy's own Dummy counter

_DOMAIN_FACTS: dict[str, dict[str, bool]] = {
    "real": {"real": True},
    "positive": {"positive": True},
    "nonnegative": {"nonnegative": True},
    "integer": {"integer": True},
    "natural": {"integer": True, "nonnegative": True},
    "nonzero": {"real": True, "nonzero": True},
    "index": {"integer": True},
}

_ONE_ARG = {
    "exp": sympy.exp, "sqrt": sympy.sqrt,
    "sin": sympy.sin, "cos": sympy.cos, "tan": sympy.tan,
    "sec": sympy.sec, "csc": sympy.csc, "cot": sympy.cot,
    "asin": sympy.asin, "acos": sympy.acos, "atan": sympy.atan,
    "sinh": sympy.sinh, "cosh": sympy.cosh, "tanh": sympy.tanh,
    "abs": sympy.Abs, "factorial": sympy.factorial, "sign": sympy.sign,
}


def _unsupported(what: str) -> InputError:
    return InputError(Diagnostic("unsupported", f"{what} is not supported by the prover"))


@dataclass(frozen=True, slots=True)
class _Bound:
    """A bound variable: `arg` where it is a function argument, `num` where it is a number."""

    arg: sympy.Expr
    num: sympy.Expr


class Translator:
    """Turns resolved trees of one scope into sympy; remembers sets and distributions."""

    def __init__(self, scope: Scope):
        self.scope = scope
        self._facts = _assumed_facts(scope)
        self._symbols: dict[str, sympy.Symbol] = {}
        self._functions: dict[tuple[str, int], type] = {}
        self._values: dict[str, type] = {}
        self._sizes: dict[str, sympy.Symbol] = {}
        self.size_sets: dict[sympy.Symbol, str] = {}  # N_set -> set name
        # (sympy name, arity) -> (position normalised over, its set, set is private)
        self.distributions: dict[tuple[str, int], tuple[int, str, bool]] = {}

    # -- names ------------------------------------------------------------
    def symbol(self, name: str) -> sympy.Symbol:
        """The free symbol `name` with its declared assumptions."""
        s = self._symbols.get(name)
        if s is None:
            facts = dict(_DOMAIN_FACTS.get(self.scope.domain(name), {"real": True}))
            extra = self._facts.get(name, {})
            try:
                s = sympy.Symbol(name, **{**facts, **extra})
            except Exception:  # contradictory assumptions: keep the declaration alone
                s = sympy.Symbol(name, **facts)
            self._symbols[name] = s
        return s

    def set_size(self, set_name: str) -> sympy.Symbol:
        n = self._sizes.get(set_name)
        if n is None:
            n = sympy.Symbol(f"N_{set_name}", integer=True, positive=True)
            self._sizes[set_name] = n
            self.size_sets[n] = set_name
        return n

    def element_value(self, set_name: str) -> type:
        f = self._values.get(set_name)
        if f is None:
            f = sympy.Function(f"val_{set_name}", real=True)
            self._values[set_name] = f
        return f

    def function(self, name: str, arity: int) -> type:
        key = (name, arity)
        f = self._functions.get(key)
        if f is None:
            scope = self.scope
            kind = scope.function_kind(name, arity)
            arities = {a for n, a in scope.functions if n == name}
            arities |= {a for n, a in scope.assumed_functions if n == name}
            arities.add(arity)
            printed = name if arity == min(arities) else f"{name}_{arity}"
            facts = {"positive": True} if kind in ("positive", "distribution") else {"real": True}
            f = sympy.Function(printed, **facts)
            self._functions[key] = f
            over = scope.over_position(name, arity)
            if kind == "distribution" and over is not None:
                dset = scope.dist_set(name, arity)
                self.distributions[(printed, arity)] = (over, dset, "#" in dset)
        return f

    # -- trees ------------------------------------------------------------
    def __call__(self, node: A.Node, env: dict[str, _Bound] | None = None) -> sympy.Expr:
        return self._expr(node, env or {}, 0)

    def _name(self, name: str, env: dict[str, _Bound], as_arg: bool) -> sympy.Expr:
        b = env.get(name)
        if b is not None:
            return b.arg if as_arg else b.num
        s = self.symbol(name)
        if self.scope.is_index(name) and not as_arg:
            return self.element_value(self.scope.set_of(name))(s)
        return s

    def _arg(self, node: A.Node, env, depth) -> sympy.Expr:
        if isinstance(node, A.Sym):
            return self._name(node.name, env, as_arg=True)
        return self._expr(node, env, depth)

    def _binder(self, var: str, depth: int, env, bounds, **facts):
        """A bound variable for `var`: (Dummy, the body's environment, its limits)."""
        d = sympy.Dummy(var, dummy_index=_DUMMY_BASE + depth, **facts)
        if bounds is None:  # over var's finite set
            set_name = self.scope.set_of(var)
            inner = {**env, var: _Bound(d, self.element_value(set_name)(d))}
            return d, inner, (d, sympy.Integer(1), self.set_size(set_name))
        lo, hi = bounds
        if (lo is None) != (hi is None):
            raise _unsupported("a sum, product or integral with only one bound")
        inner = {**env, var: _Bound(d, d)}
        return d, inner, (d, self._expr(lo, env, depth), self._expr(hi, env, depth))

    def _expr(self, node: A.Node, env: dict[str, _Bound], depth: int) -> sympy.Expr:
        e = lambda n: self._expr(n, env, depth)  # noqa: E731
        match node:
            case A.Num(value):
                v = Fraction(value)
                return sympy.Rational(v.numerator, v.denominator)
            case A.Const("pi"):
                return sympy.pi
            case A.Const("e"):
                return sympy.E
            case A.Sym(name):
                return self._name(name, env, as_arg=False)
            case A.Add(a, b):
                return sympy.Add(e(a), e(b))
            case A.Sub(a, b):
                return sympy.Add(e(a), sympy.Mul(sympy.S.NegativeOne, e(b)))
            case A.Neg(a):
                return sympy.Mul(sympy.S.NegativeOne, e(a))
            case A.Mul(a, b):
                return sympy.Mul(e(a), e(b))
            case A.Div(a, b):
                return sympy.Mul(e(a), sympy.Pow(e(b), sympy.S.NegativeOne))
            case A.Pow(a, b):
                return sympy.Pow(e(a), e(b))
            case A.Fn(name, args):
                return self._fn(name, tuple(e(x) for x in args))
            case A.Apply(func, args):
                f = self.function(func, len(args))
                return f(*(self._arg(x, env, depth) for x in args))
            case A.Deriv(var, body):
                return sympy.Derivative(e(body), self._name(var, env, as_arg=True))
            case A.At(body, var, value):
                return sympy.Subs(e(body), self._name(var, env, as_arg=True),
                                  self._arg(value, env, depth))
            case A.Sum(var, body, lo, hi, exclude):
                d, inner, limits = self._binder(var, depth, env, _bounds(lo, hi), integer=True)
                b = self._expr(body, inner, depth + 1)
                total = sympy.Sum(b, limits)
                if exclude is not None:
                    total = sympy.Add(total, -b.xreplace({d: self._arg(exclude, env, depth)}))
                return total
            case A.Product(var, body, lo, hi, exclude):
                if exclude is not None:  # Π_{j≠i} has no sympy form that keeps g_i = 0 right
                    raise _unsupported("a product with an excluded index")
                d, inner, limits = self._binder(var, depth, env, _bounds(lo, hi), integer=True)
                return sympy.Product(self._expr(body, inner, depth + 1), limits)
            case A.Expect(var, weight, body):
                d, inner, limits = self._binder(var, depth, env, None, integer=True)
                w = self._expr(weight, inner, depth + 1)
                return sympy.Sum(sympy.Mul(w, self._expr(body, inner, depth + 1)), limits)
            case A.Integral(var, body, lo, hi):
                if lo is None and hi is None:  # over an abstract variable: a sum over its set
                    d, inner, limits = self._binder(var, depth, env, None, integer=True)
                    return sympy.Sum(self._expr(body, inner, depth + 1), limits)
                d, inner, limits = self._binder(var, depth, env, (lo, hi), real=True)
                return sympy.Integral(self._expr(body, inner, depth + 1), limits)
        raise _unsupported(f"the expression node {type(node).__name__}")

    def _fn(self, name: str, args: tuple[sympy.Expr, ...]) -> sympy.Expr:
        n = len(args)
        if name in _ONE_ARG and n == 1:
            return _ONE_ARG[name](args[0])
        if name == "log" and n == 1:
            return sympy.log(args[0])
        if name == "log" and n == 2:
            return sympy.log(args[0], args[1])
        if name == "root" and n == 2:  # root(n, x)
            return sympy.root(args[1], args[0])
        if name == "binom" and n == 2:
            return sympy.binomial(args[0], args[1])
        if name in ("min", "max") and n >= 1:
            return (sympy.Min if name == "min" else sympy.Max)(*args)
        raise _unsupported(f"the function {name} with {n} argument(s)")


def _bounds(lo, hi):
    return None if lo is None and hi is None else (lo, hi)


_REL = {">": ">", "≥": ">=", ">=": ">=", "<": "<", "≤": "<=", "<=": "<=",
        "≠": "!=", "!=": "!="}


def _assumed_facts(scope: Scope) -> dict[str, dict[str, bool]]:
    """Sign facts about single symbols from `assume x > c` lines (c a number)."""
    facts: dict[str, dict[str, bool]] = {}
    for a in scope.assumptions:
        rel = a.relation
        if not isinstance(rel, A.Rel) or rel.op not in _REL:
            continue
        op, left, right = _REL[rel.op], rel.left, rel.right
        if isinstance(left, A.Num) and isinstance(right, A.Sym):  # c < x  ->  x > c
            left, right = right, left
            op = {">": "<", ">=": "<=", "<": ">", "<=": ">=", "!=": "!="}[op]
        if not (isinstance(left, A.Sym) and isinstance(right, A.Num)):
            continue
        c = Fraction(right.value)
        f = facts.setdefault(left.name, {})
        if op == "!=" and c == 0:
            f["nonzero"] = True
        elif (op == ">" and c >= 0) or (op == ">=" and c > 0):
            f["positive"] = True
        elif op == ">=" and c == 0:
            f["nonnegative"] = True
        elif (op == "<" and c <= 0) or (op == "<=" and c < 0):
            f["negative"] = True
        elif op == "<=" and c == 0:
            f["nonpositive"] = True
    return facts


_translators: dict[int, tuple[object, Translator]] = {}


def translator(scope: Scope) -> Translator:
    """The translator of a scope, cached while the scope lives and is unchanged."""
    key = id(scope)
    stamp = (tuple(scope.symbols.values()), tuple(scope.functions.values()),
             tuple(scope.assumptions), tuple(scope.assumed_functions.items()))
    hit = _translators.get(key)
    if hit is not None and hit[0] == stamp:
        return hit[1]
    tr = Translator(scope)
    if hit is None:
        weakref.finalize(scope, _translators.pop, key, None)
    _translators[key] = (stamp, tr)
    return tr


def to_sympy(node: A.Node, scope: Scope) -> sympy.Expr:
    """The sympy expression of a resolved tree (no definitions left) in a scope."""
    return translator(scope)(node)


# ---------------------------------------------------------------------------
# Rewrites that keep the value: each is an identity in the declared domains


def _is_zero(e) -> bool:
    return e == 0


def _cheap(e: sympy.Expr) -> sympy.Expr:
    """Expand (products, powers, logs of positive factors — sympy's sound defaults) and
    cancel; the result is 0 when the difference is 0 by algebra alone."""
    if _is_zero(e):
        return sympy.S.Zero
    x = sympy.expand(e)
    if _is_zero(x):
        return x
    try:
        c = sympy.cancel(x)
    except (sympy.PolynomialError, NotImplementedError, TypeError, ValueError):
        return x
    return sympy.S.Zero if _is_zero(c) else x


def _outermost(s: sympy.Sum) -> tuple[sympy.Expr, tuple]:
    """A Σ as (body, outermost limit): sympy merges nested sums into one with several
    limits, innermost first, so the body of the outermost is a Σ over the others."""
    *inner, outer = s.limits
    return (sympy.Sum(s.function, *inner) if inner else s.function), tuple(outer)


def _sum(body: sympy.Expr, limit: tuple) -> sympy.Expr:
    """Σ body over one limit; a body free of the variable is multiplied by the count."""
    k, lo, hi = limit
    if k not in body.free_symbols:
        return sympy.Mul(body, sympy.Add(hi, -lo, 1))
    return sympy.Sum(body, limit)


def _combine(e: sympy.Expr, tr: Translator, normalise: bool) -> sympy.Expr:
    """Σ_k a_k + c·Σ_j b_j over the same range → Σ_i (a_i + c·b_i), bodies reduced in turn."""
    groups: dict[tuple, tuple[sympy.Dummy, list]] = {}
    rest = []
    for term in sympy.Add.make_args(e):
        coef, s = [], None
        for f in sympy.Mul.make_args(term):
            if s is None and isinstance(f, sympy.Sum):
                s = f
            else:
                coef.append(f)
        if s is None:
            rest.append(term)
            continue
        body, (v, lo, hi) = _outermost(s)
        if (lo, hi) not in groups:
            groups[(lo, hi)] = (sympy.Dummy("k", integer=True), [])
        k, bodies = groups[(lo, hi)]
        bodies.append(sympy.Mul(*coef, body.xreplace({v: k})))
    out = [*rest]
    for (lo, hi), (k, bodies) in groups.items():
        body = _reduce(sympy.Add(*bodies), tr, normalise)
        if not _is_zero(body):
            out.append(_sum(body, (k, lo, hi)))
    return sympy.Add(*out)


def _reduce(e: sympy.Expr, tr: Translator, normalise: bool) -> sympy.Expr:
    """Algebra, then sums combined (recursively), then (optionally) normalisation."""
    e = _cheap(e)
    if _is_zero(e) or not e.has(sympy.Sum):
        return e
    if normalise:
        e = _cheap(_normalise(e, tr))
        if _is_zero(e) or not e.has(sympy.Sum):
            return e
    e = _cheap(_combine(e, tr, normalise))
    if normalise and not _is_zero(e) and e.has(sympy.Sum):
        e = _cheap(_normalise(e, tr))
    return e


def _normalise(e: sympy.Expr, tr: Translator) -> sympy.Expr:
    """Σ_τ c·Pr(θ, τ) → c and Σ_τ c·∂Pr(θ, τ)/∂θ → 0 (c free of τ), bottom up."""
    if e.is_Atom or not e.args:
        return e
    if isinstance(e, sympy.Sum):
        body = _normalise(e.function, tr)
        limits = [tuple(lim) for lim in e.limits]
        variables = {lim[0] for lim in limits}
        if any((lo.free_symbols | hi.free_symbols) & variables for _, lo, hi in limits):
            for limit in limits:  # dependent bounds: innermost first, in order
                body = _normalise_sum(body, limit, tr)
            return body
        # independent ranges may be summed in any order: sum out what normalises first
        progress = True
        while progress and limits:
            progress = False
            for limit in limits:
                r = _normalise_sum(body, limit, tr)
                if not (isinstance(r, sympy.Sum) and r.limits == (limit,)):
                    body, progress = r, True
                    limits.remove(limit)
                    break
        return sympy.Sum(body, *limits) if limits else body
    args = tuple(_normalise(a, tr) for a in e.args)
    return e.func(*args) if args != e.args else e


def _normalise_sum(body: sympy.Expr, limit: tuple, tr: Translator) -> sympy.Expr:
    """Σ over one limit of body, with the normalised terms summed out."""
    k, lo, hi = limit
    set_name = tr.size_sets.get(hi)
    if set_name is None or lo != 1 or not body.has(AppliedUndef):
        return _sum(body, limit)
    done, rest = [], []
    for term in sympy.Add.make_args(sympy.expand_mul(body)):
        free, dep = term.as_independent(k, as_Add=False)
        if _is_distribution(dep, k, set_name, tr):
            done.append(free)  # Σ_k Pr(…, k, …) = 1
        elif _is_distribution_derivative(dep, k, set_name, tr):
            pass  # Σ_k ∂Pr/∂θ = ∂/∂θ Σ_k Pr = ∂/∂θ 1 = 0
        else:
            rest.append(term)
    if rest:
        done.append(_sum(sympy.Add(*rest), limit))
    return sympy.Add(*done)


def _is_distribution(f, k, set_name: str, tr: Translator) -> bool:
    if not isinstance(f, AppliedUndef):
        return False
    info = tr.distributions.get((f.func.__name__, len(f.args)))
    if info is None:
        return False
    over, dset, private = info
    if f.args[over] != k or not (private or dset == set_name):
        return False
    return all(k not in a.free_symbols for i, a in enumerate(f.args) if i != over)


def _is_distribution_derivative(f, k, set_name: str, tr: Translator) -> bool:
    if isinstance(f, sympy.Subs):
        if any(k in p.free_symbols for p in f.point) or k in f.variables:
            return False
        f = f.expr
    if not isinstance(f, sympy.Derivative) or k in f.variables:
        return False
    return _is_distribution(f.expr, k, set_name, tr)


# ---------------------------------------------------------------------------
# The prover


def prove(left: A.Node, right: A.Node, scope: Scope, *, deadline: float) -> ProofOutcome:
    """Try to show left = right symbolically before the deadline (time.monotonic())."""
    tr = translator(scope)
    try:
        with budget.alarm(deadline):
            return _prove(tr(left), tr(right), tr, deadline)
    except budget.OutOfTime:
        return ProofOutcome(ProofStatus.TIMEOUT, "time limit")
    except InputError as err:
        return ProofOutcome(ProofStatus.NOT_PROVED, str(err))
    except RecursionError:
        return ProofOutcome(ProofStatus.NOT_PROVED, "expression too deep")


_TRIG = (sympy.sin, sympy.cos, sympy.tan, sympy.sec, sympy.csc, sympy.cot,
         sympy.sinh, sympy.cosh, sympy.tanh)


def _trig_as_exp(e: sympy.Expr) -> sympy.Expr:
    return sympy.cancel(sympy.expand(e.rewrite(sympy.exp)))


def _attempt(fn, *args):
    """Run one strategy; sympy's own failures (not the alarm) just mean 'not this way'."""
    try:
        return fn(*args)
    except budget.OutOfTime:
        raise
    except (RecursionError, InputError):
        raise
    except Exception:  # a sympy internal error is no proof and no verdict
        return None


def _evaluate(e: sympy.Expr) -> sympy.Expr:
    """`doit`, bottom up, except that a Σ/Π whose body involves user functions of its
    variable is left as it is (its body evaluated): there is no closed form to find, and
    sympy's search for one (telescoping, solve) costs hundreds of milliseconds."""
    if e.is_Atom or not e.args:
        return e
    if isinstance(e, (sympy.Sum, sympy.Product)):
        body = _evaluate(e.function)
        variables = {lim[0] for lim in e.limits}
        if body.has(AppliedUndef) and variables & body.free_symbols:
            return e.func(body, *e.limits)
        return e.func(body, *e.limits).doit(deep=False)
    args = tuple(_evaluate(a) for a in e.args)
    if isinstance(e, sympy.Derivative):
        # not Derivative.doit: it would go on to `doit` the sums its result contains
        return sympy.Derivative(*args, evaluate=True)
    if args != e.args:
        e = e.func(*args)
    return e.doit(deep=False)


def _simplify(e: sympy.Expr) -> sympy.Expr:
    """sympy's simplify, with each Σ held opaque (its body simplified on its own): simplify
    would otherwise `doit` the sums and search for closed forms that do not exist."""
    if not e.has(sympy.Sum):
        return sympy.simplify(e)
    hidden: dict[sympy.Dummy, sympy.Expr] = {}
    names: dict[sympy.Expr, sympy.Dummy] = {}

    def hide(x):
        if isinstance(x, sympy.Sum):
            s = sympy.Sum(_simplify(x.function), *x.limits)
            if s not in names:
                names[s] = sympy.Dummy("S")
                hidden[names[s]] = s
            return names[s]
        if x.is_Atom or not x.args:
            return x
        args = tuple(hide(a) for a in x.args)
        return x.func(*args) if args != x.args else x

    return sympy.simplify(hide(e)).xreplace(hidden)


def _prepare(diff: sympy.Expr) -> sympy.Expr:
    # logs of positive products are split before derivatives are taken, so that
    # ∇ log Π_t … becomes Σ_t ∇ log …; expand_log without force only splits what is valid
    e = sympy.expand_log(diff, deep=True)
    e = _evaluate(e)
    return sympy.expand_log(e, deep=True)


def _prove(left, right, tr: Translator, deadline: float) -> ProofOutcome:
    diff = sympy.Add(left, sympy.Mul(sympy.S.NegativeOne, right))
    if _is_zero(diff):
        return ProofOutcome(ProofStatus.PROVED, "algebra")
    # (1) evaluate derivatives, sums, substitutions; then algebra
    e = _attempt(_prepare, diff)
    if e is None:
        e = diff
    cheap = _attempt(_cheap, e)
    if cheap is not None and _is_zero(cheap):
        return ProofOutcome(ProofStatus.PROVED, "algebra")
    if cheap is not None:
        e = cheap
    budget.check(deadline)
    # (2) sums over the same range combined into one
    if e.has(sympy.Sum):
        c = _attempt(_reduce, e, tr, False)
        if c is not None and _is_zero(c):
            return ProofOutcome(ProofStatus.PROVED, "sums combined")
        if c is not None:
            e = c
        budget.check(deadline)
        # (3) a distribution summed over its variable is 1
        if tr.distributions:
            n = _attempt(_reduce, e, tr, True)
            if n is not None and _is_zero(n):
                return ProofOutcome(ProofStatus.PROVED, "normalisation")
            if n is not None:
                e = n
            budget.check(deadline)
    # (4) trigonometric and hyperbolic functions rewritten as exponentials: an exact,
    # cheap normal form that proves product-to-sum identities simplify often misses
    if e.has(*_TRIG) and not e.has(sympy.Sum, sympy.Product, sympy.Integral):
        t = _attempt(_trig_as_exp, e)
        if t is not None and _is_zero(t):
            return ProofOutcome(ProofStatus.PROVED, "trigonometry as exponentials")
        budget.check(deadline)
    # (5) sympy's simplify, as a last resort; the alarm bounds it
    s = _attempt(_simplify, e)
    if s is not None and not _is_zero(s) and s.has(sympy.Sum):
        s = _attempt(_reduce, s, tr, bool(tr.distributions))
    if s is not None and _is_zero(s):
        return ProofOutcome(ProofStatus.PROVED, "simplify")
    return ProofOutcome(ProofStatus.NOT_PROVED, "")
