"""Working a derivative out by the usual rules — linearity, the product, chain and power
rules, the derivatives of the elementary functions — noting which rules it needed; what it
cannot differentiate (∂Pr_θ(τ)/∂θ, a derivative of a derivative) stays a derivative."""

from __future__ import annotations

from fractions import Fraction

from ..verify.normalise import MINUS_ONE, ONE, ZERO, add, inv, mul, neg, num, power
from .base import Context
from .tree import all_names, everywhere, fresh


_DERIVATIVES = {
    "exp": lambda g: ("fn", "exp", (g,)),
    "log": lambda g: inv(g),
    "sin": lambda g: ("fn", "cos", (g,)),
    "cos": lambda g: neg(("fn", "sin", (g,))),
    "tan": lambda g: ("pow", ("fn", "cos", (g,)), num(-2)),
    "sinh": lambda g: ("fn", "cosh", (g,)),
    "cosh": lambda g: ("fn", "sinh", (g,)),
    "sqrt": lambda g: mul(num(Fraction(1, 2)), inv(("fn", "sqrt", (g,)))),
    "atan": lambda g: inv(add(ONE, ("pow", g, num(2)))),
    "asin": lambda g: ("pow", add(ONE, neg(("pow", g, num(2)))), num(Fraction(-1, 2))),
}


def outer_derivative(f, g):
    """F'(g) for F = f applied to g (an elementary function, a user function or a power)."""
    if f[0] == "fn" and f[1] in _DERIVATIVES and len(f[2]) == 1:
        return _DERIVATIVES[f[1]](g)
    if f[0] == "fn" and f[1] == "log" and len(f[2]) == 2:
        return mul(inv(g), inv(("fn", "log", (f[2][1],))))
    if f[0] == "pow":
        e = f[2]
        if e[0] == "num":
            return mul(e, g if e[1] == 2 else power(g, num(e[1] - 1)) if e[1] != 1 else ONE)
        return mul(e, power(g, add(e, MINUS_ONE)))
    if f[0] == "app":
        i = next(k for k, a in enumerate(f[2]) if a is g)
        u = fresh("u", all_names(f))
        args = f[2][:i] + (("sym", u),) + f[2][i + 1:]
        return ("at", ("d", u, ("app", f[1], args)), u, g)
    return None


def inner_argument(t, v, ctx):
    """The one argument of t that depends on v, or None."""
    if t[0] == "fn" and len(t[2]) >= 1:
        deps = [a for a in t[2] if ctx.depends(a, v)]
        return deps[0] if len(deps) == 1 and deps[0] is t[2][0] else None
    if t[0] == "app":
        deps = [a for a in t[2] if ctx.depends(a, v)]
        return deps[0] if len(deps) == 1 else None
    if t[0] == "pow" and not ctx.depends(t[2], v):
        return t[1]
    return None


def diff(t, v: str, ctx: Context, used: set):
    """∂t/∂v by the usual rules, noting in `used` which rules it needed; what it cannot
    differentiate (∂Pr_θ(τ)/∂θ, a derivative of a derivative) stays a derivative."""
    ctx.check_time()
    if not ctx.depends(t, v):
        used.add("constant")
        return ZERO
    head = t[0]
    if head == "sym":
        used.add("power")
        return ONE
    if head == "add":
        used.add("linearity")
        return add(*(diff(x, v, ctx, used) for x in t[1] if ctx.depends(x, v)))
    if head == "mul":
        consts = [f for f in t[1] if not ctx.depends(f, v)]
        deps = [f for f in t[1] if ctx.depends(f, v)]
        if consts:
            used.add("linearity")
        if len(deps) == 1:
            return mul(*consts, diff(deps[0], v, ctx, used))
        used.add("product")
        return add(*(mul(*consts, *deps[:i], diff(deps[i], v, ctx, used), *deps[i + 1:])
                     for i in range(len(deps))))
    if head == "pow" and ctx.depends(t[2], v):
        if ctx.depends(t[1], v):
            return ("d", v, t)
        used.add("chain" if t[2] != ("sym", v) else "exponential")
        return mul(t, ("fn", "log", (t[1],)), diff(t[2], v, ctx, used))
    if head in ("fn", "app", "pow"):
        g = inner_argument(t, v, ctx)
        if g is None or (head == "app" and g == ("sym", v)):
            return ("d", v, t)
        outer = outer_derivative(t, g)
        if outer is None:
            return ("d", v, t)
        if g == ("sym", v):
            used.add("power" if head == "pow" else "standard")
            return outer
        used.add("chain")
        if head == "pow" and t[1] == ("sym", v):
            used.add("power")
        return mul(outer, diff(g, v, ctx, used))
    if head in ("sum", "int") and not any(x is not None and ctx.depends(x, v) for x in t[3:]):
        if t[1] == v:
            return ("d", v, t)
        used.add("linearity")
        return (t[0], t[1], diff(t[2], v, ctx, used), *t[3:])
    if head == "E" and not ctx.depends(t[2], v) and t[1] != v:
        used.add("linearity")
        return ("E", t[1], t[2], diff(t[3], v, ctx, used))
    return ("d", v, t)


def evaluate_inner(t, ctx):
    """Every derivative inside `t` worked out by `diff`."""
    def one(node):
        if node[0] == "d":
            out = diff(node[2], node[1], ctx, set())
            return None if out == node else out
        return None
    return everywhere(t, one)
