"""The numeric refuter: instantiate a step's abstract objects at random and compare both sides.

Every abstract object becomes a concrete random member of its declared class (VERIFY.md):
an index set gets 2–5 elements (distinct small numbers), a function a random smooth formula
of exactly its arguments, a distribution a softmax normalised over its set.  Each side is
compiled once into closures over an environment of mpmath values and evaluated at several
points at 30 digits; a disagreement is re-checked at 60 digits before it becomes a witness.
Nothing here touches sympy or evaluates text: trees are walked, never turned into code.
"""

from __future__ import annotations

import enum
import random
import re
import threading
from collections import Counter
from dataclasses import dataclass
from fractions import Fraction
from typing import Callable

import mpmath
from mpmath.libmp import from_rational, mpf_add, mpf_mul, mpf_sin

from .. import ast as A
from ..model import Counterexample
from ..scope import Scope, free_symbols
from . import budget


class NumStatus(enum.Enum):
    AGREE = "agree"
    DISAGREE = "disagree"
    UNDEFINED = "undefined"


@dataclass(frozen=True, slots=True)
class NumericOutcome:
    status: NumStatus
    points: int  # usable points at which both sides were compared
    counterexample: Counterexample | None = None  # set when DISAGREE
    reason: str = ""  # UNDEFINED: why no point was usable; AGREE: isolated one-sided points
    one_sided: bool = False  # DISAGREE because exactly one side is defined on a region


def compare(left: A.Node, right: A.Node, scope: Scope, *, seed: int, deadline: float,
            points: int = 6) -> NumericOutcome:
    """Evaluate `left` and `right` at random instantiations; AGREE, DISAGREE or UNDEFINED."""
    budget.check(deadline)
    try:
        session = Session(scope, left, right, seed=seed, deadline=deadline)
    except Unsupported as e:
        return NumericOutcome(NumStatus.UNDEFINED, 0, reason=f"unsupported: {e}")
    return session.compare(points)


# ---------------------------------------------------------------------------
# Numbers

DPS, HIGH_DPS = 30, 60
TOL = mpmath.mpf("1e-20")  # relative agreement, at either precision
_EXP_LIMIT = 20000  # exp beyond this counts as overflow
_MAX_TERMS = 10000  # bounded Σ/Π with more terms is not evaluated

_local = threading.local()


def _context() -> mpmath.ctx_mp.MPContext:
    """A private mpmath context per thread: our precision changes touch nobody else."""
    ctx = getattr(_local, "ctx", None)
    if ctx is None:
        ctx = _local.ctx = mpmath.MPContext()
    return ctx


class Undefined(Exception):
    """A side has no real value at this point; the message says why, in words."""


class TooLarge(Undefined):
    """A side has a value, but one too large to compute (exp(10^5), 6000!): the point tells
    nothing, and must never count as a point where only one side is defined."""


TOO_LARGE = "a value that could not be computed"


class Unsupported(Exception):
    """A construct the numeric check cannot evaluate (an unknown function name, …)."""


def close(a, b, tol=TOL) -> bool:
    return abs(a - b) <= tol * max(1, abs(a), abs(b))


def _mpf(ctx, q: Fraction):
    return ctx.mpf(q.numerator) / q.denominator if q.denominator != 1 else ctx.mpf(q.numerator)


# ---------------------------------------------------------------------------
# Random objects


def _tenths(rng: random.Random, lo: int, hi: int) -> Fraction:
    """A random multiple of 1/10 in [lo/10, hi/10] (short decimals print exactly)."""
    return Fraction(rng.randint(lo, hi), 10)


class Smooth:
    """g(x) = c + Σ dᵢxᵢ + Σⱼ aⱼ sin(bⱼ·x + cⱼ): a random analytic function of n arguments,
    depending on every argument, with coefficients that print exactly."""

    def __init__(self, rng: random.Random, n: int, scale: Fraction = Fraction(1)):
        self.c = _tenths(rng, -10, 10)
        self.d = tuple(_tenths(rng, -10, 10) * scale for _ in range(n))
        self.waves = tuple(
            (_tenths(rng, 5, 15) * rng.choice((-1, 1)) * scale,
             tuple(_tenths(rng, 5, 20) * rng.choice((-1, 1)) for _ in range(n)),
             _tenths(rng, -15, 15))
            for _ in range(2))
        self._by_prec: dict[int, tuple] = {}

    def _coefficients(self, prec: int):
        c = self._by_prec.get(prec)
        if c is None:
            def raw(q: Fraction):
                return from_rational(q.numerator, q.denominator, prec, "n")
            c = self._by_prec[prec] = (
                raw(self.c), [raw(x) for x in self.d],
                [(raw(a), [raw(b) for b in bs], raw(cj)) for a, bs, cj in self.waves])
        return c

    def __call__(self, ctx, xs: tuple) -> mpmath.mpf:
        # on mpmath's raw tuples: this is the hot loop of every instantiated function
        for x in xs:
            _moderate(x)
        prec = ctx.prec
        c, d, waves = self._coefficients(prec)
        xs = [x._mpf_ for x in xs]
        s = c
        for di, x in zip(d, xs):
            s = mpf_add(s, mpf_mul(di, x), prec, "n")
        for a, bs, cj in waves:
            t = cj
            for b, x in zip(bs, xs):
                t = mpf_add(t, mpf_mul(b, x), prec, "n")
            s = mpf_add(s, mpf_mul(a, mpf_sin(t, prec, "n"), prec, "n"), prec, "n")
        return ctx.make_mpf(s)

    def formula(self, names: list[str]) -> str:
        """The function as a student reads it: `0.3 + 0.7θ − 1.2 sin(0.9θ + 0.4)`."""
        out = _linear(self.c, list(zip(self.d, names)))
        for a, bs, cj in self.waves:
            arg = _linear(cj, list(zip(bs, names)), lead_const=False)
            out = _join_term(out, a, f"sin({arg})")
        return out


def _coef_term(q: Fraction, name: str) -> str:
    mag = abs(q)
    num = "" if mag == 1 else _decimal(mag)
    sep = "·" if num and len(name) > 1 else ""
    return f"{num}{sep}{name}"


def _join_term(acc: str, q: Fraction, name: str) -> str:
    if q == 0:
        return acc
    term = _coef_term(q, name) if not name.startswith("sin(") else (
        f"{'' if abs(q) == 1 else _decimal(abs(q)) + ' '}{name}")
    if not acc:
        return ("−" if q < 0 else "") + term
    return f"{acc} {'−' if q < 0 else '+'} {term}"


def _linear(const: Fraction, terms: list[tuple[Fraction, str]], lead_const: bool = True) -> str:
    out = _decimal(const) if (lead_const and const) else ""
    for q, name in terms:
        out = _join_term(out, q, name)
    if not lead_const and const:
        out = f"{out} {'−' if const < 0 else '+'} {_decimal(abs(const))}" if out else _decimal(const)
    return out or "0"


@dataclass(frozen=True, slots=True)
class IndexSet:
    name: str  # the set's key (`τ`, `A`, `π#3`)
    label: str  # what its elements are called: τ → τ1, τ2, …
    values: tuple[Fraction, ...]  # distinct numbers standing for the elements

    def element(self, i: int) -> str:
        return f"{self.label}{i + 1}"


class Function:
    """One instantiated function (a name at one arity) of the step."""

    def __init__(self, name: str, arity: int, kind: str, g: Smooth, over: int | None,
                 set_name: str | None):
        self.name, self.arity, self.kind, self.g = name, arity, kind, g
        self.over, self.set_name = over, set_name

    def value(self, inst: "Instance", ctx, args: tuple):
        if self.kind == "distribution":
            o = self.over
            rest = args[:o] + args[o + 1:]
            zkey = (self.name, self.arity, "Z", ctx.prec, rest)
            z = inst.memo.get(zkey)
            if z is None:
                z = ctx.fsum(self._raw(inst, ctx, args[:o] + (y,) + args[o + 1:])
                             for y in inst.set_values(self.set_name, ctx))
                inst.memo[zkey] = z
            return self._raw(inst, ctx, args) / z
        g = self.g(ctx, args)
        return _exp(ctx, g) if self.kind == "positive" else g

    def _raw(self, inst: "Instance", ctx, args: tuple):
        key = (self.name, self.arity, "e", ctx.prec, args)
        v = inst.memo.get(key)
        if v is None:
            v = inst.memo[key] = _exp(ctx, self.g(ctx, args))
        return v


class Instance:
    """Concrete sets and functions for one step, each drawn from its own seeded stream,
    so a name gets the same instance whatever else the step contains."""

    def __init__(self, info: "StepInfo", tag: str):
        self.info, self.tag = info, tag
        self.sets: dict[str, IndexSet] = {}
        self.functions: dict[tuple[str, int], Function] = {}
        self.memo: dict = {}
        self._set_values: dict[tuple[str, int], tuple] = {}

    def set(self, name: str) -> IndexSet:
        s = self.sets.get(name)
        if s is None:
            rng = random.Random(f"{self.tag}|set|{name}")
            k = rng.randint(2, 5)
            values = tuple(Fraction(v, 10) for v in rng.sample(range(-25, 26), k))
            s = self.sets[name] = IndexSet(name, self.info.set_label(name), values)
        return s

    def set_values(self, name: str, ctx) -> tuple:
        key = (name, ctx.prec)
        v = self._set_values.get(key)
        if v is None:
            v = self._set_values[key] = tuple(_mpf(ctx, q) for q in self.set(name).values)
        return v

    def function(self, name: str, arity: int) -> Function:
        f = self.functions.get((name, arity))
        if f is None:
            rng = random.Random(f"{self.tag}|fn|{name}|{arity}")
            kind = self.info.kind(name, arity)
            if kind == "distribution" and not arity:
                kind = "positive"  # nothing to be normalised over
            over = set_name = None
            if kind == "distribution":
                over, set_name = self.info.over(name, arity), self.info.dist_set(name, arity)
            # a distribution's log-weights vary less, so its probabilities read well
            scale = Fraction(1, 2) if kind == "distribution" else Fraction(1)
            f = Function(name, arity, kind, Smooth(rng, arity, scale), over, set_name)
            self.functions[(name, arity)] = f
        return f

    def call(self, ctx, name: str, arity: int, args: tuple):
        key = (name, arity, ctx.prec, args)
        v = self.memo.get(key)
        if v is None:
            if len(self.memo) > 200_000:
                self.memo.clear()
            v = self.memo[key] = self.function(name, arity).value(self, ctx, args)
        return v


# ---------------------------------------------------------------------------
# What the step's trees say about sets and distributions


_RENAMED = re.compile(r"^(.+)_\d+$")  # scope.fresh_name's renaming of a bound variable


class StepInfo:
    """Reads the step once: which functions are distributions (declared or used as the
    weight of an expectation), over which position and set, and which set each bound
    variable ranges over."""

    def __init__(self, scope: Scope, trees: tuple[A.Node, ...]):
        self.scope = scope
        self.expect_over: dict[tuple[str, int], tuple[int, str]] = {}
        self.applies: list[A.Apply] = []
        for t in trees:
            for n in A.walk(t):
                if isinstance(n, A.Apply):
                    self.applies.append(n)
                elif isinstance(n, A.Expect) and isinstance(n.weight, A.Apply):
                    w = n.weight
                    if A.Sym(n.var) in w.args and scope.function(w.func, len(w.args)) is None:
                        self.expect_over.setdefault((w.func, len(w.args)),
                                                    (w.args.index(A.Sym(n.var)), n.var))

    def kind(self, name: str, arity: int) -> str:
        decl = self.scope.function(name, arity)
        if decl is not None:
            return decl.kind
        if (name, arity) in self.expect_over:
            return "distribution"
        return self.scope.function_kind(name, arity)

    def over(self, name: str, arity: int) -> int:
        decl = self.scope.function(name, arity)
        if decl is not None and decl.over is not None:
            return decl.over
        if (name, arity) in self.expect_over:
            return self.expect_over[(name, arity)][0]
        pos = self.scope.over_position(name, arity)
        return arity - 1 if pos is None else pos

    def dist_set(self, name: str, arity: int) -> str:
        decl = self.scope.function(name, arity)
        if decl is not None and decl.over is not None:
            return self.scope.dist_set(name, arity)
        o = self.over(name, arity)
        for ap in self.applies:  # used with a declared index variable in its slot
            if ap.func == name and len(ap.args) == arity and isinstance(ap.args[o], A.Sym):
                if self.scope.is_index(ap.args[o].name):
                    return self.scope.set_of(ap.args[o].name)
        used = self.expect_over.get((name, arity))
        if used is not None and used[1] in self.scope.symbols:
            return self.scope.set_of(used[1])
        return f"{name}#{arity}"

    def binder_set(self, var: str, body: A.Node, weight: A.Node | None = None) -> str:
        """The set a Σ/Π/E/∫ variable ranges over: the support of the distribution it is
        drawn from or weighted by, else its declared set, else a set of its own."""
        for node in ([weight] if weight is not None else []) + [body]:
            for n in A.walk(node):
                if isinstance(n, A.Apply) and self.kind(n.func, len(n.args)) == "distribution":
                    if n.args[self.over(n.func, len(n.args))] == A.Sym(var):
                        return self.dist_set(n.func, len(n.args))
        if var in self.scope.symbols:
            return self.scope.set_of(var)
        m = _RENAMED.match(var)
        if m and self.scope.is_index(m.group(1)):
            return self.scope.set_of(m.group(1))
        return var

    def set_label(self, name: str) -> str:
        if "#" not in name:
            return name
        func, arity = name.split("#")
        decl = self.scope.function(func, int(arity))
        if decl is not None and decl.over is not None:
            return decl.params[decl.over]
        used = self.expect_over.get((func, int(arity)))
        return used[1] if used else "y"


# ---------------------------------------------------------------------------
# Elementary functions with real semantics


_HUGE = mpmath.mpf(2) ** 1000


def _moderate(x):
    """Trigonometric reduction of a huge argument costs time without telling us anything."""
    if abs(x) > _HUGE:
        raise TooLarge(TOO_LARGE)
    return x


def _exp(ctx, x):
    if x > _EXP_LIMIT:
        raise TooLarge(TOO_LARGE)
    return ctx.exp(x)


def _log(ctx, x, base=None):
    if x <= 0:
        raise Undefined("log of a non-positive number")
    if base is None:
        return ctx.ln(x)
    if base <= 0 or base == 1:
        raise Undefined("log to a base that is not positive, or is 1")
    return ctx.ln(x) / ctx.ln(base)


def _sqrt(ctx, x):
    if x < 0:
        raise Undefined("square root of a negative number")
    return ctx.sqrt(x)


def _nonzero(x, what="division by zero"):
    if not x:
        raise Undefined(what)
    return x


def _arc(f):
    def g(ctx, x):
        if abs(x) > 1:
            raise Undefined("asin/acos of a number outside [−1, 1]")
        return f(ctx, x)
    return g


def _hyp(f):
    def g(ctx, x):
        if abs(x) > _EXP_LIMIT:
            raise TooLarge(TOO_LARGE)
        return f(ctx, x)
    return g


def _factorial(ctx, x):
    if x < 0 and ctx.isint(x):
        raise Undefined("factorial of a negative integer")
    if x > 5000:
        raise TooLarge(TOO_LARGE)
    return ctx.factorial(x)


def _binom(ctx, n, k):
    if abs(n) > 5000 or abs(k) > 5000:
        raise TooLarge(TOO_LARGE)
    return ctx.binomial(n, k)


def _root(ctx, n, x):
    _nonzero(n, "a 0th root")
    if x >= 0:
        return _power(ctx, x, 1 / n)
    if ctx.isint(n) and int(n) % 2:
        return -_power(ctx, -x, 1 / n)
    raise Undefined("an even root of a negative number")


def _power(ctx, b, e):
    if ctx.isint(e):
        n = int(e)
        if n < 0 and not b:
            raise Undefined("division by zero")
        if b and abs(n) * abs(ctx.mag(b)) > 60000:
            raise TooLarge(TOO_LARGE)
        return b ** n
    if b < 0:
        raise Undefined("a non-integer power of a negative number")
    if not b:
        if e > 0:
            return ctx.zero
        raise Undefined("division by zero")
    return _exp(ctx, e * ctx.ln(b))


FUNCTIONS: dict[str, tuple[tuple[int, ...], Callable]] = {
    "log": ((1, 2), _log),
    "exp": ((1,), _exp),
    "sqrt": ((1,), _sqrt),
    "sin": ((1,), lambda ctx, x: ctx.sin(_moderate(x))),
    "cos": ((1,), lambda ctx, x: ctx.cos(_moderate(x))),
    "tan": ((1,), lambda ctx, x: ctx.sin(_moderate(x)) / _nonzero(ctx.cos(x))),
    "sec": ((1,), lambda ctx, x: 1 / _nonzero(ctx.cos(_moderate(x)))),
    "csc": ((1,), lambda ctx, x: 1 / _nonzero(ctx.sin(_moderate(x)))),
    "cot": ((1,), lambda ctx, x: ctx.cos(_moderate(x)) / _nonzero(ctx.sin(x))),
    "asin": ((1,), _arc(lambda ctx, x: ctx.asin(x))),
    "acos": ((1,), _arc(lambda ctx, x: ctx.acos(x))),
    "atan": ((1,), lambda ctx, x: ctx.atan(x)),
    "sinh": ((1,), _hyp(lambda ctx, x: ctx.sinh(x))),
    "cosh": ((1,), _hyp(lambda ctx, x: ctx.cosh(x))),
    "tanh": ((1,), lambda ctx, x: ctx.tanh(x)),
    "abs": ((1,), lambda ctx, x: abs(x)),
    "sign": ((1,), lambda ctx, x: ctx.mpf(ctx.sign(x))),
    "factorial": ((1,), _factorial),
    "binom": ((2,), _binom),
    "root": ((2,), _root),
    "min": ((), lambda ctx, *xs: min(xs)),  # () = any number of arguments ≥ 1
    "max": ((), lambda ctx, *xs: max(xs)),
}
_ALIASES = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan", "binomial": "binom"}

_MISSING = object()
_RELATIONS = {"=": lambda a, b: close(a, b), "≠": lambda a, b: not close(a, b),
              "<": lambda a, b: a < b, "≤": lambda a, b: a <= b,
              ">": lambda a, b: a > b, "≥": lambda a, b: a >= b}


# ---------------------------------------------------------------------------
# The evaluator: a tree compiled once into closures over an environment


Env = dict
Closure = Callable[[Env], mpmath.mpf]


class Evaluator:
    """Compiles resolved trees into closures; `inst` (the instance to evaluate in) and
    `frozen` (functions whose dependence on the derivative variable is held fixed, for
    diagnosis) are read at evaluation time, so one compilation serves every point."""

    def __init__(self, info: StepInfo, deadline: float):
        self.info, self.deadline = info, deadline
        self.ctx = _context()
        self.inst: Instance | None = None
        self.frozen: frozenset[str] = frozenset()
        self.base: dict[str, mpmath.mpf] = {}  # derivative variable → its value at the point

    def compile(self, node: A.Node) -> Closure:
        ctx, c = self.ctx, self.compile
        match node:
            case A.Num(value):
                if value.denominator == 1 and abs(value) < 2 ** 50:
                    k = ctx.mpf(int(value))
                    return lambda env: k
                by_prec: dict[int, mpmath.mpf] = {}

                def num(env):
                    v = by_prec.get(ctx.prec)
                    if v is None:
                        v = by_prec[ctx.prec] = _mpf(ctx, value)
                    return v
                return num
            case A.Const("pi"):
                return lambda env: +ctx.pi
            case A.Const("e"):
                return lambda env: +ctx.e
            case A.Sym(name):
                return lambda env: env[name]
            case A.Add(a, b):
                fa, fb = c(a), c(b)
                return lambda env: fa(env) + fb(env)
            case A.Sub(a, b):
                fa, fb = c(a), c(b)
                return lambda env: fa(env) - fb(env)
            case A.Neg(a):
                fa = c(a)
                return lambda env: -fa(env)
            case A.Mul(a, b):
                fa, fb = c(a), c(b)
                return lambda env: fa(env) * fb(env)
            case A.Div(a, b):
                fa, fb = c(a), c(b)
                return lambda env: fa(env) / _nonzero(fb(env))
            case A.Pow(base, A.Num(e)) if e.denominator == 1:
                fb, n = c(base), int(e)
                return lambda env: _power(ctx, fb(env), n)
            case A.Pow(base, exponent):
                fb, fe = c(base), c(exponent)
                return lambda env: _power(ctx, fb(env), fe(env))
            case A.Fn(name, args):
                return self._fn(name, args)
            case A.Apply(func, args):
                return self._apply(func, args)
            case A.Deriv(var, body):
                return self._deriv(var, c(body))
            case A.At(body, var, value):
                fb, fv = c(body), c(value)

                def at(env):
                    v = fv(env)
                    old = env.get(var, _MISSING)
                    env[var] = v
                    try:
                        return fb(env)
                    finally:
                        _restore(env, var, old)
                return at
            case A.Sum(var, body, None, None, exc):
                return self._over_set(var, self.info.binder_set(var, body), c(body), None,
                                      c(exc) if exc is not None else None, product=False)
            case A.Sum(var, body, lo, hi, exc):
                return self._bounded(var, c(body), c(lo), c(hi),
                                     c(exc) if exc is not None else None, product=False)
            case A.Product(var, body, None, None, exc):
                return self._over_set(var, self.info.binder_set(var, body), c(body), None,
                                      c(exc) if exc is not None else None, product=True)
            case A.Product(var, body, lo, hi, exc):
                return self._bounded(var, c(body), c(lo), c(hi),
                                     c(exc) if exc is not None else None, product=True)
            case A.Expect(var, weight, body):
                return self._over_set(var, self.info.binder_set(var, body, weight), c(body),
                                      c(weight), None, product=False)
            case A.Integral(var, body, None, None):
                return self._over_set(var, self.info.binder_set(var, body), c(body), None, None,
                                      product=False)
            case A.Integral(var, body, lo, hi):
                return self._quad(var, c(body), c(lo), c(hi))
            case A.Rel(op, a, b):
                fa, fb, test = c(a), c(b), _RELATIONS.get(op)
                if test is None:
                    raise Unsupported(f"the relation {op}")
                return lambda env: test(fa(env), fb(env))
        raise Unsupported(f"{type(node).__name__} in a step")

    def _fn(self, name: str, args) -> Closure:
        name = _ALIASES.get(name, name)
        spec = FUNCTIONS.get(name)
        if spec is None:
            raise Unsupported(f"the function {name}")
        arities, impl = spec
        if (arities and len(args) not in arities) or not args:
            raise Unsupported(f"{name} with {len(args)} arguments")
        fs, ctx = [self.compile(a) for a in args], self.ctx

        def fn(env):
            try:
                v = impl(ctx, *[f(env) for f in fs])
            except (ValueError, ZeroDivisionError) as e:
                raise Undefined(f"{name} is undefined here") from e
            if not isinstance(v, ctx.mpf):
                raise Undefined("a complex value")
            return v
        return fn

    def _apply(self, func: str, args) -> Closure:
        fs, ev, n = [self.compile(a) for a in args], self, len(args)

        def apply(env):
            if ev.frozen and func in ev.frozen and ev.base:
                saved = {v: env.get(v, _MISSING) for v in ev.base}
                env.update(ev.base)  # arguments seen at the point, not the perturbed value
                try:
                    vals = tuple([f(env) for f in fs])
                finally:
                    for v, old in saved.items():
                        _restore(env, v, old)
            else:
                vals = tuple([f(env) for f in fs])
            return ev.inst.call(ev.ctx, func, n, vals)
        return apply

    def _deriv(self, var: str, fb: Closure) -> Closure:
        """Central difference at doubled precision with a step far below the working
        precision: exact to ~30 digits for the analytic functions we instantiate."""
        ev, ctx = self, self.ctx

        def deriv(env):
            budget.check(ev.deadline)
            x0 = env[var]
            prec = ctx.prec
            outer = var not in ev.base
            if outer:
                ev.base[var] = x0
            try:
                ctx.prec = 2 * prec + 40
                h = ctx.ldexp(1, -(prec + 10))
                env[var] = x0 + h
                f1 = fb(env)
                env[var] = x0 - h
                f0 = fb(env)
                d = (f1 - f0) / (2 * h)
            finally:
                ctx.prec = prec
                env[var] = x0
                if outer:
                    del ev.base[var]
            return +d
        return deriv

    def _over_set(self, var, set_name, fb, fw, fexc, product: bool) -> Closure:
        ev, ctx = self, self.ctx

        def over(env):
            exc = fexc(env) if fexc is not None else None
            old = env.get(var, _MISSING)
            total = ctx.one if product else ctx.zero
            try:
                for y in ev.inst.set_values(set_name, ctx):
                    budget.check(ev.deadline)
                    if exc is not None and y == exc:
                        continue
                    env[var] = y
                    term = fb(env) if fw is None else fw(env) * fb(env)
                    total = total * term if product else total + term
            finally:
                _restore(env, var, old)
            return total
        return over

    def _bounded(self, var, fb, flo, fhi, fexc, product: bool) -> Closure:
        ev, ctx = self, self.ctx

        def bounded(env):
            lo, hi = flo(env), fhi(env)
            if not (ctx.isint(lo) and ctx.isint(hi)):
                raise Undefined("a sum or product with bounds that are not integers")
            lo, hi = int(lo), int(hi)
            if hi - lo > _MAX_TERMS:
                raise TooLarge(TOO_LARGE)
            exc = fexc(env) if fexc is not None else None
            old = env.get(var, _MISSING)
            total = ctx.one if product else ctx.zero
            try:
                for k in range(lo, hi + 1):
                    budget.check(ev.deadline)
                    y = ctx.mpf(k)
                    if exc is not None and y == exc:
                        continue
                    env[var] = y
                    total = total * fb(env) if product else total + fb(env)
            finally:
                _restore(env, var, old)
            return total
        return bounded

    def _quad(self, var, fb, flo, fhi) -> Closure:
        ev, ctx = self, self.ctx

        def quad(env):
            lo, hi = flo(env), fhi(env)
            old = env.get(var, _MISSING)

            def integrand(x):
                budget.check(ev.deadline)
                env[var] = x
                return fb(env)
            try:
                v, err = ctx.quad(integrand, [lo, hi], error=True)
            finally:
                _restore(env, var, old)
            if not isinstance(v, ctx.mpf):
                raise Undefined("a complex value")
            if err > TOL * 1e-2 * max(1, abs(v)):
                raise TooLarge(TOO_LARGE)  # no value to compare: not an undefined one
            return v
        return quad


def _restore(env: Env, var: str, old) -> None:
    if old is _MISSING:
        env.pop(var, None)
    else:
        env[var] = old


# ---------------------------------------------------------------------------
# Points


CONTINUOUS = ("real", "positive", "nonnegative", "nonzero")


@dataclass(frozen=True, slots=True)
class Point:
    """Values of the step's free symbols (exact), in one instance."""

    inst: Instance
    values: tuple[tuple[str, Fraction], ...]
    labels: tuple[tuple[str, str], ...] = ()  # index variable → element name (τ2)


@dataclass
class Values:
    """Both sides at one point: a value or the reason it is undefined."""

    left: mpmath.mpf | None
    right: mpmath.mpf | None
    why_left: str = ""
    why_right: str = ""

    @property
    def pattern(self) -> tuple[bool, bool]:
        return self.left is not None, self.right is not None

    @property
    def too_large(self) -> bool:
        """A side could not be computed at all: the point says nothing about the step."""
        return TOO_LARGE in (self.why_left, self.why_right)


def _sample_value(rng: random.Random, domain: str, scale: int) -> Fraction:
    match domain:
        case "integer":
            return Fraction(rng.randint(-5 * scale, 5 * scale))
        case "natural":
            return Fraction(rng.randint(0, 5 * scale))
        case "positive":
            return Fraction(rng.randint(20, 300) * scale, 100)
        case "nonnegative":
            return Fraction(0) if rng.random() < 1 / 6 else Fraction(rng.randint(20, 300) * scale, 100)
    return Fraction(rng.randint(20, 300) * scale * rng.choice((-1, 1)), 100)


class Session:
    """One step, instantiated: its compiled sides, its instances and its random points.

    Two instances alternate between points (their set sizes differ in general), so an
    identity that holds only for one size of a set is caught as well."""

    INSTANCES = 2

    def __init__(self, scope: Scope, left: A.Node, right: A.Node, *, seed: int, deadline: float):
        self.scope, self.seed, self.deadline = scope, seed, deadline
        self.left, self.right = left, right
        assumptions = [a.relation for a in scope.assumptions if isinstance(a.relation, A.Rel)]
        self.info = StepInfo(scope, (left, right, *assumptions))
        self.ev = Evaluator(self.info, deadline)
        self.ctx = self.ev.ctx
        self.f_left, self.f_right = self.ev.compile(left), self.ev.compile(right)
        self.shown = _ordered_free(left, right)  # symbols a witness lists
        derived: list[tuple[str, Closure]] = []  # `assume y = …`: y is computed, not drawn
        tests: list[Closure] = []
        for rel in assumptions:
            d = _solved_for(rel, derived)
            if d is not None:
                derived.append((d[0], self.ev.compile(d[1])))
            else:
                tests.append(self.ev.compile(rel))
        self.derived, self.tests = derived, tests
        names = set(self.shown)
        for rel in assumptions:
            names |= free_symbols(rel)
        names -= {n for n, _ in derived}
        self.drawn = sorted(names, key=lambda n: (n not in self.shown, self.shown.index(n)
                                                  if n in self.shown else 0, n))
        self.instances = [Instance(self.info, f"{seed}|{i}") for i in range(self.INSTANCES)]

    # -- points -------------------------------------------------------------------
    def sample(self, j: int) -> Point | None:
        """The j-th random point (None when no draw satisfies the assumptions)."""
        inst = self.instances[j % len(self.instances)]
        rng = random.Random(f"{self.seed}|point|{j}")
        for attempt in range(300 if self.tests or self.derived else 1):
            if attempt % 20 == 0:
                budget.check(self.deadline)
            scale = (1, 10, 100)[attempt // 100]
            values, labels = [], []
            for name in self.drawn:
                domain = self.scope.domain(name)
                if domain == "index":
                    s = inst.set(self.scope.set_of(name))
                    i = rng.randrange(len(s.values))
                    values.append((name, s.values[i]))
                    labels.append((name, s.element(i)))
                else:
                    values.append((name, _sample_value(rng, domain, scale)))
            pt = Point(inst, tuple(values), tuple(labels))
            if self.satisfies(pt):
                return pt
        return None

    def satisfies(self, pt: Point) -> bool:
        if not (self.tests or self.derived):
            return True
        self.ctx.dps = DPS
        try:
            env = self.env(pt)
            return all(t(env) for t in self.tests)
        except (budget.OutOfTime, RecursionError, MemoryError):
            raise
        except Exception:  # an assumption undefined at the point does not hold there
            return False

    def env(self, pt: Point) -> Env:
        """The point's values at the current precision (derived symbols computed last)."""
        ctx = self.ctx
        self.ev.inst = pt.inst
        env = {name: _mpf(ctx, q) for name, q in pt.values}
        for name, f in self.derived:
            env[name] = f(env)
        return env

    def value(self, f: Closure, pt: Point, dps: int = DPS):
        """(value, "") or (None, why undefined) of a compiled side at a point."""
        ctx = self.ctx
        ctx.dps = dps
        try:
            v = f(self.env(pt))
        except TooLarge:
            return None, TOO_LARGE
        except Undefined as e:
            return None, str(e)
        except (budget.OutOfTime, RecursionError, MemoryError):
            raise
        except Exception:  # mpmath's own complaints (poles, domains): no real value here
            return None, "an undefined operation"
        finally:
            ctx.dps = DPS
        if not isinstance(v, ctx.mpf) or not ctx.isfinite(v):
            return None, "a complex or infinite value"
        return v, ""

    def both(self, pt: Point, dps: int = DPS) -> Values:
        left, why_l = self.value(self.f_left, pt, dps)
        right, why_r = self.value(self.f_right, pt, dps)
        return Values(left, right, why_l, why_r)

    def perturb(self, pt: Point, key: str) -> Point | None:
        """A point near `pt`: continuous symbols moved by about 0.1%, the rest kept."""
        rng = random.Random(f"{self.seed}|near|{key}")
        values = []
        for name, q in pt.values:
            domain = self.scope.domain(name)
            if domain in CONTINUOUS:
                delta = Fraction(rng.randint(1, 1000) * rng.choice((-1, 1)), 10 ** 6) * max(1, abs(q))
                new = q + delta
                if (domain == "positive" and new <= 0) or (domain == "nonnegative" and new < 0):
                    new = q + abs(delta)
                if domain == "nonzero" and new == 0:
                    return None
                values.append((name, new))
            else:
                values.append((name, q))
        near = Point(pt.inst, tuple(values), pt.labels)
        return near if self.satisfies(near) else None

    def continuous(self) -> bool:
        return any(self.scope.domain(n) in CONTINUOUS for n in self.drawn)

    # -- the comparison -----------------------------------------------------------
    def compare(self, wanted: int) -> NumericOutcome:
        usable = 0
        why: Counter[str] = Counter()  # both sides undefined: why
        one_sided: Counter[str] = Counter()  # one side undefined at an isolated point: why
        unstable = 0  # points where 30 and 60 digits tell different stories
        isolated: list[Point] = []
        discrete: dict[tuple[bool, bool], list[Point]] = {}
        no_point = 0
        too_large = 0  # points where a side is too large to compute: skipped
        for j in range(4 * wanted + 8):
            budget.check(self.deadline)
            pt = self.sample(j)
            if pt is None:
                no_point += 1
                if no_point >= 3:
                    break
                continue
            vals = self.both(pt)
            if vals.too_large:
                too_large += 1
                continue
            if vals.left is None and vals.right is None:
                why[vals.why_left] += 1
                continue
            if vals.left is None or vals.right is None:
                found = self._one_sided(pt, vals, j, isolated, discrete)
                if found is not None:
                    return found
                side = "left" if vals.left is None else "right"
                one_sided[f"the {side} side is undefined ({vals.why_left or vals.why_right})"] += 1
                continue
            if close(vals.left, vals.right):
                usable += 1
            else:
                high = self.both(pt, HIGH_DPS)
                if high.left is not None and high.right is not None and close(high.left, high.right):
                    usable += 1
                elif _stable(vals, high):
                    return NumericOutcome(NumStatus.DISAGREE, usable, self.witness(pt, vals))
                else:
                    unstable += 1
                    continue
            if usable >= wanted:
                break
        note = ""
        if isolated:
            shown = "; ".join(dict.fromkeys(self._where(p) for p in isolated[:3]))
            note = f"only one side is defined at isolated points ({shown})"
        if usable:
            return NumericOutcome(NumStatus.AGREE, usable, reason=note)
        if no_point and not why and not one_sided and not unstable and not too_large:
            return NumericOutcome(NumStatus.UNDEFINED, 0,
                                  reason="no random point satisfies the assumptions")
        parts = []
        if too_large:
            parts.append(f"limit: values too large or too costly to compute at {too_large} points")
        if why:
            parts.append("both sides are undefined at every point tried ("
                         + ", ".join(w for w, _ in why.most_common(2)) + ")")
        if unstable:
            parts.append(f"the values could not be computed reliably at {unstable} points")
        if one_sided:
            parts.append("; ".join(w for w, _ in one_sided.most_common(2))
                         + (f" at {self._where(isolated[0])}" if self.shown and isolated else ""))
        return NumericOutcome(NumStatus.UNDEFINED, 0,
                              reason="; ".join(parts) or "no point could be evaluated")

    def _one_sided(self, pt, vals, j, isolated, discrete) -> NumericOutcome | None:
        """A point where exactly one side is defined refutes the step if it lies in a
        region of such points (NOTATION.md §6), re-checked at 60 digits."""
        pattern = vals.pattern
        if self.continuous():
            nearby = [self.perturb(pt, f"{j}|{k}") for k in range(3)]
            nearby = [p for p in nearby if p is not None]
            near = [self.both(p) for p in nearby]
            region = len(near) >= 2 and all(v.pattern == pattern and not v.too_large for v in near)
        else:  # no neighbourhood: a second, different point with the same pattern
            seen = discrete.setdefault(pattern, [])
            region = any(p.values != pt.values for p in seen)
            seen.append(pt)
            if region:
                pt = seen[0]
                vals = self.both(pt)
        high = self.both(pt, HIGH_DPS) if region else None
        if high is not None and high.pattern == pattern and not high.too_large:
            return NumericOutcome(NumStatus.DISAGREE, 0, self.witness(pt, vals), one_sided=True)
        if not region:
            isolated.append(pt)
        return None

    def _where(self, pt: Point) -> str:
        labels = dict(pt.labels)
        return ", ".join(f"{n} = {labels.get(n) or _decimal(q)}"
                         for n, q in pt.values if n in self.shown) or "a constant step"

    # -- the witness --------------------------------------------------------------
    def witness(self, pt: Point, vals: Values) -> Counterexample:
        labels = dict(pt.labels)
        values = [(n, labels.get(n) or _decimal(q)) for n, q in pt.values if n in self.shown]
        self.ctx.dps = DPS
        env = self.env(pt)
        for name, _ in self.derived:
            if name in self.shown:
                values.append((name, _short(self.ctx, env[name], 3)))
        left, right = _pair(self.ctx, vals.left, vals.right)
        return Counterexample(tuple(values), tuple(self.describe(pt, env)), left, right)

    def describe(self, pt: Point, env: Env) -> list[tuple[str, str]]:
        """The instantiated sets and functions of the step, as a student reads them."""
        inst, seen = pt.inst, set()
        sets: list[str] = _binder_sets((self.left, self.right), self.info)
        for name, _ in pt.labels:
            if self.scope.set_of(name) not in sets:
                sets.append(self.scope.set_of(name))
        rows: list[tuple[str, str]] = []
        as_numbers: set[str] = set()  # sets whose elements the step uses as numbers
        for node, bound, as_arg in _scoped((self.left, self.right), self.info):
            if isinstance(node, A.Sym) and not as_arg:
                s = bound.get(node.name) if node.name in bound else (
                    self.scope.set_of(node.name) if self.scope.is_index(node.name) else None)
                if s is not None:
                    as_numbers.add(s)
            if not isinstance(node, A.Apply):
                continue
            try:
                row = self._describe_one(inst, env, node, bound, sets)
            except (Undefined, ZeroDivisionError, ValueError, KeyError):
                row = None
            if row is not None and row[0] not in seen:
                seen.add(row[0])
                rows.append(row)
        out = []
        for s in sets:
            iset = inst.set(s)
            elements = [iset.element(i) for i in range(len(iset.values))]
            if s in as_numbers:
                elements = [f"{e} = {_decimal(v)}" for e, v in zip(elements, iset.values)]
            out.append((iset.label, "{" + ", ".join(elements) + "}"))
        return out + rows

    def _describe_one(self, inst, env, node: A.Apply, bound: dict, sets: list):
        ctx, args, n = self.ctx, node.args, len(node.args)
        f = inst.function(node.func, n)

        def shown(a):  # an argument whose value at the point is known
            syms = free_symbols(a)
            return not (syms & bound.keys()) and syms <= env.keys()

        def at(vals):
            return inst.call(ctx, node.func, n, tuple(vals))

        if f.kind == "distribution":
            o = f.over
            if not all(shown(a) for i, a in enumerate(args) if i != o):
                return None
            base = [ctx.zero if i == o else self.ev.compile(a)(env) for i, a in enumerate(args)]
            ys = inst.set_values(f.set_name, ctx)
            vec = [at(base[:o] + [y] + base[o + 1:]) for y in ys]
            if f.set_name not in sets:
                sets.append(f.set_name)
            return _dist_label(node.func, args, o), _vector(ctx, vec)
        places = [i for i, a in enumerate(args) if isinstance(a, A.Sym) and (
            bound.get(a.name) is not None or (a.name not in bound and self.scope.is_index(a.name)))]
        if len(places) == 1 and f.kind != "sequence" and all(
                shown(a) for i, a in enumerate(args) if i != places[0]):
            p = places[0]
            var = args[p].name
            set_name = bound.get(var) or self.scope.set_of(var)
            base = [ctx.zero if i == p else self.ev.compile(a)(env) for i, a in enumerate(args)]
            vec = [at(base[:p] + [y] + base[p + 1:]) for y in inst.set_values(set_name, ctx)]
            if set_name not in sets:
                sets.append(set_name)
            label = node.func if n == 1 else (
                f"{node.func}({', '.join('·' if i == p else _text(a) for i, a in enumerate(args))})")
            return label, _vector(ctx, vec)
        if places:
            return None
        decl = self.scope.function(node.func, n)
        if decl is not None:
            params = list(decl.params)
        elif all(isinstance(a, A.Sym) for a in args) and len({a.name for a in args}) == n:
            params = [a.name for a in args]
        else:
            params = [f"x{i + 1}" for i in range(n)] if n > 1 else ["x"]
        formula = f.g.formula(params)
        if f.kind == "positive":
            formula = f"exp({formula})"
        head = f"{node.func}_{params[0]}" if f.kind == "sequence" and n == 1 else (
            f"{node.func}({', '.join(params)})")
        return head, formula


def _stable(low: Values, high: Values) -> bool:
    """A disagreement is real when the 60-digit values still disagree and moved far less
    than they differ (cancellation would have moved them)."""
    if high.left is None or high.right is None:
        return False
    gap = abs(high.left - high.right)
    drift = max(abs(low.left - high.left), abs(low.right - high.right))
    return drift * 1000 < gap


def _solved_for(rel: A.Rel, derived) -> tuple[str, A.Node] | None:
    """`assume y = expr` (or `expr = y`) with y not in expr: y is computed from expr."""
    if rel.op != "=":
        return None
    taken = {n for n, _ in derived}
    for var, expr in ((rel.left, rel.right), (rel.right, rel.left)):
        if isinstance(var, A.Sym) and var.name not in free_symbols(expr) and var.name not in taken:
            if not (free_symbols(expr) & taken):
                return var.name, expr
    return None


def _ordered_free(*trees: A.Node) -> list[str]:
    """Free symbols in order of first appearance."""
    names: set[str] = set()
    for t in trees:
        names |= free_symbols(t)
    order: list[str] = []
    for t in trees:
        for n in A.walk(t):
            if isinstance(n, A.Deriv) and n.var in names and n.var not in order:
                order.append(n.var)
            if isinstance(n, A.Sym) and n.name in names and n.name not in order:
                order.append(n.name)
    return order + sorted(names - set(order))


def _binder_sets(trees, info: StepInfo) -> list[str]:
    """The sets the step's Σ/Π/E/∫ range over, in written order."""
    out: list[str] = []
    for t in trees:
        for n in A.walk(t):
            match n:
                case A.Sum(var, body, None) | A.Product(var, body, None) | A.Integral(var, body, None):
                    s = info.binder_set(var, body)
                case A.Expect(var, weight, body):
                    s = info.binder_set(var, body, weight)
                case _:
                    continue
            if s not in out:
                out.append(s)
    return out


def _scoped(trees, info: StepInfo):
    """Every node with the variables bound around it (var → its set, or None for a
    bounded or evaluation-bar variable) and whether it is an argument of a function,
    in written order."""
    def go(node, bound, as_arg=False):
        yield node, bound, as_arg
        match node:
            case A.Apply(_, args):
                for a in args:
                    yield from go(a, bound, True)
                return
            case A.Sum(var, body, lo, hi, exc) | A.Product(var, body, lo, hi, exc):
                inner = {**bound, var: info.binder_set(var, body) if lo is None else None}
                for x in (lo, hi):
                    if x is not None:
                        yield from go(x, bound)
                for x in (exc, body):
                    if x is not None:
                        yield from go(x, inner)
                return
            case A.Integral(var, body, lo, hi):
                inner = {**bound, var: info.binder_set(var, body) if lo is None else None}
                for x in (lo, hi):
                    if x is not None:
                        yield from go(x, bound)
                yield from go(body, inner)
                return
            case A.Expect(var, weight, body):
                inner = {**bound, var: info.binder_set(var, body, weight)}
                yield from go(weight, inner)
                yield from go(body, inner)
                return
            case A.At(body, var, value):
                yield from go(value, bound)
                yield from go(body, {**bound, var: None})
                return
        for k in A.children(node):
            yield from go(k, bound)
    for t in trees:
        yield from go(t, {})


# ---------------------------------------------------------------------------
# Printing numbers for people


def _decimal(q: Fraction) -> str:
    """An exact rational as a short decimal when it is one (`0.41`, `−3`), else 4 digits."""
    sign = "−" if q < 0 else ""
    q = abs(q)
    if q.denominator == 1:
        return f"{sign}{q.numerator}"
    for p in range(1, 8):
        if (q * 10 ** p).denominator == 1:
            whole, frac = divmod(int(q * 10 ** p), 10 ** p)
            return f"{sign}{whole}.{frac:0{p}d}"
    return f"{sign}{float(q):.4g}"


def _short(ctx, x, digits: int = 3) -> str:
    if x is None:
        return "undefined"
    if not x:
        return "0"
    s = ctx.nstr(x, digits)
    if "e" not in s and "." in s:
        s = s.rstrip("0").rstrip(".")
    return s.replace("-", "−")


def _pair(ctx, left, right) -> tuple[str, str]:
    """Both sides with just enough digits to tell them apart; a side that is zero up to
    rounding noise (below 1e-20 of the other) is shown as 0."""
    if left is not None and right is not None:
        scale = max(abs(left), abs(right))
        left = left if abs(left) > scale * ctx.mpf("1e-20") else 0
        right = right if abs(right) > scale * ctx.mpf("1e-20") else 0
    for digits in range(3, 31):
        a, b = _short(ctx, left, digits), _short(ctx, right, digits)
        if a != b:
            return a, b
    return a, b


def _vector(ctx, values) -> str:
    return "(" + ", ".join(_short(ctx, v, 2) for v in values) + ")"


def _text(node: A.Node) -> str:
    if isinstance(node, A.Sym):
        return node.name
    try:
        from ..printer import to_plain
        return to_plain(node)
    except Exception:  # the printer is optional here: a witness never depends on it
        return repr(node)


def _dist_label(func: str, args, over: int) -> str:
    """`Pr_θ` for Pr(θ, ·), `π_θ(·|s)` for π(θ, ·, s), `P(·|θ)` for P(·, θ)."""
    sub = [_text(a) for a in args[:over]]
    cond = [_text(a) for a in args[over + 1:]]
    label = func
    if sub:
        s = ",".join(sub)
        label += f"_{s}" if len(sub) == 1 and len(s) == 1 else f"_{{{s}}}"
    if cond:
        label += f"(·|{', '.join(cond)})"
    return label
