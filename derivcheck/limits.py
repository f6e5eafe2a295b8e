"""What one input may cost, and the checks that enforce each limit before the work it guards.

Student text is untrusted (docs/security.md): a file may be huge, a line a megabyte long,
brackets nested ten thousand deep, a number a million digits long, and `9^9^9^9` or
`(10^9)!` is three characters of text but more digits than any machine holds.  Each limit
below is checked by the cheapest means that comes *before* the expensive step — the file's
size before reading it, a line's length before tokenizing it, digits and bracket depth while
tokenizing, the parse tree's depth before the recursive transform, an expression's size
with definitions unfolded before unfolding, the size of every integer and exponent before
sympy or mpmath would compute it.  A limit that is hit raises `LimitError` (a diagnostic
with code `limit`) or becomes the step verdict `unknown (limit: …)`; the other steps and
files are still checked.

The limits in force are a context variable, so the tokenizer deep inside a parse reads them
without every signature in between having to carry them: `with using(Limits(...)): ...`.
"""

from __future__ import annotations

import contextlib
import contextvars
import math
from collections.abc import Iterator
from dataclasses import dataclass
from fractions import Fraction

from . import ast as A
from .diagnostics import Diagnostic
from .errors import LimitError


@dataclass(frozen=True, slots=True)
class Limits:
    """Every limit on one input; the defaults suit hand-written derivations with room to spare."""

    file_bytes: int = 2_000_000  # size of one input file
    line_chars: int = 10_000  # characters of one logical line (a step, a `let`, a title)
    steps: int = 2_000  # steps (chain lines) in one file
    tokens: int = 2_000  # tokens in one expression
    brackets: int = 50  # bracket nesting depth in one expression
    depth: int = 150  # depth of an expression tree (also of the parse tree)
    nodes: int = 4_000  # size of one side of a step, definitions unfolded
    number_digits: int = 400  # digits of a written number, its exponent included
    value_digits: int = 3_000  # digits of a constant the checkers would compute (9^9^9^9)
    exponent: int = 1_000  # |integer exponent| of a non-constant base; factors of a bounded Π
    file_seconds: float = 300.0  # checking time for one file, all steps together
    memory_mb: int = 1_024  # memory the checking of one step may add


DEFAULT = Limits()
_current: contextvars.ContextVar[Limits] = contextvars.ContextVar("derivcheck_limits", default=DEFAULT)


def current() -> Limits:
    """The limits in force (the defaults unless `using` says otherwise)."""
    return _current.get()


@contextlib.contextmanager
def using(limits: Limits | None) -> Iterator[Limits]:
    """Put `limits` in force for the enclosed code (None keeps the current ones)."""
    if limits is None:
        yield current()
        return
    token = _current.set(limits)
    try:
        yield limits
    finally:
        _current.reset(token)


def exceeded(message: str, line: int = 0, column: int = 0, source_line: str = "") -> LimitError:
    """The error for a limit hit while reading: a diagnostic with code `limit`."""
    return LimitError(Diagnostic("limit", message, line, column, source_line=source_line))


def _n(k: int | float) -> str:
    """1,000,000 rather than 1000000: limits are read by people."""
    return f"{k:,}" if isinstance(k, int) else f"{k:g}"


# ---------------------------------------------------------------------------
# Text: before tokenizing


def file_too_large(size: int, limits: Limits | None = None) -> str | None:
    lim = limits or current()
    if size > lim.file_bytes:
        return f"the file is larger than the limit of {_n(lim.file_bytes)} bytes"
    return None


def line_too_long(text: str, limits: Limits | None = None) -> str | None:
    lim = limits or current()
    if len(text) > lim.line_chars:
        return f"a line of {_n(len(text))} characters; the limit is {_n(lim.line_chars)}"
    return None


def too_many_steps(count: int, limits: Limits | None = None) -> str | None:
    lim = limits or current()
    if count > lim.steps:
        return (f"the file has more than {_n(lim.steps)} steps; the steps after the "
                f"{_n(lim.steps)}th are not checked")
    return None


# ---------------------------------------------------------------------------
# Tokens: while tokenizing (plain_lexer calls these)


def number_too_long(literal: str, exponent: str = "", limits: Limits | None = None) -> str | None:
    """A written number whose digits (or exponent) exceed the limit: `1e999999999` would
    make Fraction compute 10^999999999 before anything else could stop it."""
    lim = limits or current()
    digits = sum(ch.isdigit() for ch in literal)
    if digits > lim.number_digits:
        return f"a number of {_n(digits)} digits; the limit is {_n(lim.number_digits)}"
    if exponent:
        e = exponent.lstrip("+-")
        if len(e) > 9 or int(e) > lim.number_digits:
            return f"a number with the exponent {exponent}; the limit is {_n(lim.number_digits)} digits"
    return None


def too_many_tokens(count: int, limits: Limits | None = None) -> str | None:
    lim = limits or current()
    if count > lim.tokens:
        return f"an expression of more than {_n(lim.tokens)} tokens"
    return None


def brackets_too_deep(depth: int, limits: Limits | None = None) -> str | None:
    lim = limits or current()
    if depth > lim.brackets:
        return f"brackets nested more than {_n(lim.brackets)} deep"
    return None


# ---------------------------------------------------------------------------
# Trees: depth (iteratively, so that a deep tree cannot exhaust the stack being measured)


def tree_depth(root, children) -> int:
    """The depth of a tree, `children(node)` giving a node's children; iterative."""
    deepest = 0
    stack = [(root, 1)]
    while stack:
        node, d = stack.pop()
        if d > deepest:
            deepest = d
        stack.extend((c, d + 1) for c in children(node))
    return deepest


def lark_children(node) -> list:
    """Children of a lark parse tree node (tokens are leaves)."""
    return [c for c in getattr(node, "children", ()) if hasattr(c, "children")]


def parse_tree_too_deep(tree, limits: Limits | None = None) -> str | None:
    """Checked between lark's (iterative) parse and the (recursive) transform into our trees.

    A call takes two levels of the parse tree (the call and its argument list) for one of
    the expression tree, hence the factor."""
    lim = limits or current()
    if tree_depth(tree, lark_children) > 2 * lim.depth:
        return f"an expression nested more than {_n(lim.depth)} levels deep"
    return None


# ---------------------------------------------------------------------------
# Expressions: size with definitions unfolded (before unfolding), depth, and magnitudes


def step_problem(node: A.Node, limits: Limits | None = None) -> str | None:
    """Why the (unfolded, resolved) tree must not be checked, or None: its size, its
    depth, or a number the checkers would compute that is too large to hold."""
    lim = limits or current()
    size = 0
    deepest = 0
    stack = [(node, 1)]
    while stack:
        n, d = stack.pop()
        size += 1
        deepest = max(deepest, d)
        if size > lim.nodes:
            return f"expression too large (more than {_n(lim.nodes)} nodes)"
        if d > lim.depth:
            return f"expression nested too deeply (more than {_n(lim.depth)} levels)"
        stack.extend((c, d + 1) for c in A.children(n))
    try:
        Magnitudes(lim).value(node)
    except _TooLarge as e:
        return str(e)
    return None


def unfolded_size(node: A.Node, scope, cap: int) -> int:
    """The number of nodes `scope.unfold(node)` would build, or some number > cap once it
    is sure to exceed cap — computed without building anything.

    Definitions are summarised once each: the size of the unfolded body and how many times
    each parameter occurs in it, so `let a := b + b`, `let b := c + c`, … (a tree that doubles
    with each definition) is measured in linear time.
    """
    est = _SizeEstimate(scope, cap)
    cost, _ = est.walk(node, frozenset(), 0)
    return cost


class _SizeEstimate:
    def __init__(self, scope, cap: int):
        self.scope, self.cap = scope, cap
        self.summaries: dict[tuple[str, int], tuple[int, tuple[int, ...]]] = {}
        self.busy: set[tuple[str, int]] = set()

    def clamp(self, k: int) -> int:
        return min(k, self.cap + 1)

    def summary(self, name: str, arity: int, depth: int) -> tuple[int, tuple[int, ...]] | None:
        key = (name, arity)
        if key in self.summaries:
            return self.summaries[key]
        d = self.scope.definition(name, arity)
        if d is None:
            return None
        if key in self.busy or depth > 20:  # a definition that refers to itself: unfold stops
            return (1, tuple(1 for _ in d.params))
        self.busy.add(key)
        try:
            cost, mults = self.walk(d.body, frozenset(d.params), depth + 1)
        finally:
            self.busy.discard(key)
        out = (cost, tuple(mults.get(p, 0) for p in d.params))
        self.summaries[key] = out
        return out

    def walk(self, node: A.Node, params: frozenset, depth: int) -> tuple[int, dict[str, int]]:
        """(size, occurrences of each parameter in the unfolded tree)."""
        match node:
            case A.Sym(name) if name in params:
                return 1, {name: 1}
            case A.Sym(name) if self.scope.definition(name, 0) is not None:
                s = self.summary(name, 0, depth)
                return (s[0] if s else 1), {}
            case A.Apply(f, args) if self.scope.definition(f, len(args)) is not None:
                s = self.summary(f, len(args), depth)
                base, mults = s if s else (1, ())
                cost, out = base, {}
                for m, arg in zip(mults, args):
                    c, inner = self.walk(arg, params, depth)
                    cost = self.clamp(cost + m * (c - 1))
                    for p, k in inner.items():
                        out[p] = self.clamp(out.get(p, 0) + m * k)
                return cost, out
        bound = _bound_var(node)
        inner_params = params - {bound} if bound else params
        cost, out = 1, {}
        for c in A.children(node):
            k, m = self.walk(c, inner_params, depth)
            cost = self.clamp(cost + k)
            for p, v in m.items():
                out[p] = self.clamp(out.get(p, 0) + v)
        return cost, out


def _bound_var(node: A.Node) -> str | None:
    match node:
        case A.Sum(var) | A.Product(var) | A.Integral(var) | A.Expect(var) | A.At(_, var):
            return var
    return None


class _TooLarge(Exception):
    pass


class Magnitudes:
    """Exact values of the constant parts of a tree, computed only while they stay small.

    Walks a resolved tree bottom up (a stack, not recursion) and returns the exact value of
    each constant subtree (a Fraction), None for a subtree that is not an exact constant
    (it has a symbol, a function, π, …).  Before any power, factorial or binomial is computed
    its size is estimated from the sizes of its arguments; a result of more than
    `value_digits` digits, an integer exponent beyond `exponent` on a base other than 0 and
    ±1, or a bounded Π of more than `exponent` factors raises _TooLarge instead: sympy would
    compute such a number on construction, in C, where no signal can interrupt it.
    """

    def __init__(self, limits: Limits):
        self.lim = limits

    def value(self, root: A.Node) -> Fraction | None:
        # post-order without recursion: (node, visited?) on a stack
        out: dict[int, Fraction | None] = {}
        stack: list[tuple[A.Node, bool]] = [(root, False)]
        while stack:
            node, done = stack.pop()
            if not done:
                stack.append((node, True))
                stack.extend((c, False) for c in A.children(node))
                continue
            kids = [out.get(id(c)) for c in A.children(node)]
            out[id(node)] = self.combine(node, kids)
        return out.get(id(root))

    def digits(self, q: Fraction) -> int:
        return max(_int_digits(q.numerator), _int_digits(q.denominator))

    def fits(self, q: Fraction) -> Fraction:
        if self.digits(q) > self.lim.value_digits:
            raise _TooLarge(f"a number of more than {_n(self.lim.value_digits)} digits")
        return q

    def combine(self, node: A.Node, kids: list) -> Fraction | None:
        lim = self.lim
        match node:
            case A.Num(value):
                return self.fits(Fraction(value))
            case A.Neg():
                return -kids[0] if kids[0] is not None else None
            case A.Add() | A.Sub() | A.Mul() | A.Div():
                a, b = kids
                if a is None or b is None:
                    return None
                if isinstance(node, A.Add):
                    return self.fits(a + b)
                if isinstance(node, A.Sub):
                    return self.fits(a - b)
                if self.digits(a) + self.digits(b) > 2 * lim.value_digits + 2:
                    raise _TooLarge(f"a number of more than {_n(lim.value_digits)} digits")
                if isinstance(node, A.Mul):
                    return self.fits(a * b)
                return self.fits(a / b) if b != 0 else None
            case A.Pow():
                return self.power(*kids)
            case A.Fn("factorial", (_,)):
                (n,) = kids
                if n is not None and n.denominator == 1 and n > 0:
                    if _factorial_digits(int(n)) > lim.value_digits:
                        raise _TooLarge(f"a factorial of more than {_n(lim.value_digits)} digits")
                    if n.numerator <= 200:
                        return Fraction(math.factorial(int(n)))
                return None
            case A.Fn("binom", (_, _)):
                n, k = kids
                if n is not None and k is not None and n.denominator == 1 and k.denominator == 1:
                    n_, k_ = int(n), int(k)
                    small = min(abs(k_), abs(n_ - k_)) if n_ >= 0 else abs(k_)
                    if small * max(_int_digits(n_), 1) > lim.value_digits:
                        raise _TooLarge(f"a binomial coefficient of more than {_n(lim.value_digits)} digits")
                return None
            case A.Fn("root", (_, _)):
                k, x = kids
                if k is not None and self.digits(k) > 12:
                    raise _TooLarge("a root of too high an order")
                return None
            case A.Product(_, _, lo, hi):
                if lo is not None and hi is not None:
                    a, b = kids[0], kids[1]
                    if a is not None and b is not None and b - a > lim.exponent:
                        raise _TooLarge(f"a product of more than {_n(lim.exponent)} factors")
                return None
        return None

    def power(self, base: Fraction | None, exponent: Fraction | None) -> Fraction | None:
        lim = self.lim
        if exponent is None:
            return None
        if base is None:
            # a symbol or an irrational constant: sympy keeps x^n as it is, but expanding
            # (x + 1)^n or evaluating it at a point costs in proportion to n
            if abs(exponent) > lim.exponent:
                raise _TooLarge(f"an exponent larger than {_n(lim.exponent)}")
            if self.digits(exponent) > 12:  # 2^(1/10^20): a root of absurd order
                raise _TooLarge("an exponent with too many digits")
            return None
        if base in (0, 1, -1) and exponent.denominator == 1:
            if base == 0:
                return Fraction(0) if exponent > 0 else None
            return Fraction(1) if base == 1 or exponent.numerator % 2 == 0 else Fraction(-1)
        if self.digits(exponent) > 12:
            raise _TooLarge("an exponent with too many digits")
        if exponent.denominator != 1:
            if abs(exponent) > lim.value_digits:
                raise _TooLarge(f"an exponent larger than {_n(lim.value_digits)}")
            return None  # irrational in general; sympy keeps it as a power
        e = abs(int(exponent))
        if max(_log10(base.numerator), _log10(base.denominator)) * e > lim.value_digits:
            raise _TooLarge(f"a number of more than {_n(lim.value_digits)} digits")
        q = base ** e
        return self.fits(1 / q if exponent < 0 else q)


def _int_digits(n: int) -> int:
    """Decimal digits of |n|, from its bit length (no conversion to text)."""
    n = abs(n)
    return 1 if n < 10 else int(n.bit_length() * 0.30103) + 1


def _log10(n: int) -> float:
    n = abs(n)
    return math.log10(n) if n < 2 ** 1000 else n.bit_length() * 0.30103


def _factorial_digits(n: int) -> int:
    """Digits of n! by Stirling, from below: log10(n!) ≥ n·log10(n/e)."""
    if n < 20:
        return len(str(math.factorial(n)))
    return int(n * math.log10(n / math.e)) + 1
