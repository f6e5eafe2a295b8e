"""Light normalisation: a flat tree form of a step and a hashable normal form that forgets
only what commutativity, associativity, folding numbers and renaming bound variables forget.

`flat(node)` turns a resolved tree into the flat form the rules rewrite: tuples with a head
string, `add`/`mul` n-ary and in written order, `a − b` as `a + (−1)·b`, `a/b` as `a·b⁻¹`
(split over a product: `a/(bc)` is `a·b⁻¹·c⁻¹`), `e^x` as `exp(x)`, groups dropped.
Nothing is simplified there: `x·x⁻¹` stays, `4 − 4` stays.

`normal_form(node)` (or `canonical(flat)`) is what two steps are compared by.  On top of the
flat form it folds numbers (`2·3` → 6, `4 − 4` → 0, `x + 0` → x, `1·x` → x, `x¹` → x,
`x⁰` → 1, `(1/2)` → ½), sorts the terms of sums and the factors of products, renames every
bound variable (Σ, Π, E, ∫, an evaluation bar) by its binder depth, and reads `f'(x)` (the
derivative of f evaluated at a variable) as `∂f(x)/∂x`.  It never cancels, expands, collects
like terms or applies an identity: `x/x`, `a(b + c)`, `x + x` and `log(ab)` stay as they are.

Flat forms:

    ('num', Fraction)  ('const', 'pi'|'e')  ('sym', name)
    ('add', terms)  ('mul', factors)  ('pow', base, exponent)
    ('fn', name, args)  ('app', function, args)  ('d', var, body)  ('at', body, var, value)
    ('sum', var, body, lo, hi, exclude)  ('prod', var, body, lo, hi, exclude)
    ('E', var, weight, body)  ('int', var, body, lo, hi)  ('rel', op, left, right)
"""

from __future__ import annotations

import functools
from fractions import Fraction

from .. import ast as A

ONE = ("num", Fraction(1))
ZERO = ("num", Fraction(0))
MINUS_ONE = ("num", Fraction(-1))
BINDERS = ("sum", "prod", "E", "int", "at")
_MAX_FOLDED_EXPONENT = 64


def num(q) -> tuple:
    return ("num", Fraction(q))


def is_num(t, value=None) -> bool:
    return t[0] == "num" and (value is None or t[1] == value)


# ---------------------------------------------------------------------------
# Smart constructors of the flat form (flatten, never simplify)


def add(*terms) -> tuple:
    out: list = []
    for t in terms:
        out.extend(t[1] if t[0] == "add" else (t,))
    if not out:
        return ZERO
    return out[0] if len(out) == 1 else ("add", tuple(out))


def mul(*factors) -> tuple:
    out: list = []
    for f in factors:
        out.extend(f[1] if f[0] == "mul" else (f,))
    if not out:
        return ONE
    return out[0] if len(out) == 1 else ("mul", tuple(out))


def neg(t) -> tuple:
    return mul(MINUS_ONE, t)


def inv(t) -> tuple:
    """t⁻¹, split over a product and merged into a numeric exponent."""
    if t[0] == "mul":
        return mul(*(inv(f) for f in t[1]))
    if t[0] == "pow" and t[2][0] == "num":
        return power(t[1], num(-t[2][1]))
    if t[0] == "pow" and t[2][0] == "mul" and t[2][1][0] == MINUS_ONE and len(t[2][1]) == 2:
        return power(t[1], t[2][1][1])
    if t[0] == "pow":
        return power(t[1], neg(t[2]))
    return ("pow", t, MINUS_ONE)


def power(base, exponent) -> tuple:
    if base == ("const", "e"):
        return ("fn", "exp", (exponent,))
    return ("pow", base, exponent)


def div(a, b) -> tuple:
    return mul(a, inv(b))


def sub(a, b) -> tuple:
    return add(a, neg(b))


# ---------------------------------------------------------------------------
# From resolved trees


def flat(node: A.Node) -> tuple:
    """The flat form of a resolved tree (see the module docstring)."""
    match node:
        case A.Num(value):
            return ("num", Fraction(value))
        case A.Const(name):
            return ("const", name)
        case A.Sym(name):
            return ("sym", name)
        case A.Group(inner):
            return flat(inner)
        case A.Add(a, b):
            return add(flat(a), flat(b))
        case A.Sub(a, b):
            return sub(flat(a), flat(b))
        case A.Neg(a):
            return neg(flat(a))
        case A.Mul(a, b):
            return mul(flat(a), flat(b))
        case A.Div(a, b):
            return div(flat(a), flat(b))
        case A.Pow(a, b):
            return power(flat(a), flat(b))
        case A.Fn(name, args):
            return ("fn", name, tuple(flat(x) for x in args))
        case A.Apply(f, args):
            return ("app", f, tuple(flat(x) for x in args))
        case A.Deriv(var, body):
            return ("d", var, flat(body))
        case A.At(body, var, value):
            return ("at", flat(body), var, flat(value))
        case A.Sum(var, body, lo, hi, exc):
            return ("sum", var, flat(body), _opt(lo), _opt(hi), _opt(exc))
        case A.Product(var, body, lo, hi, exc):
            return ("prod", var, flat(body), _opt(lo), _opt(hi), _opt(exc))
        case A.Expect(var, weight, body):
            return ("E", var, flat(weight), flat(body))
        case A.Integral(var, body, None, None):
            # ∫_τ … dτ over an abstract variable reads like Σ_τ (NOTATION.md §3)
            return ("sum", var, flat(body), None, None, None)
        case A.Integral(var, body, lo, hi):
            return ("int", var, flat(body), _opt(lo), _opt(hi))
        case A.Rel(op, a, b):
            return ("rel", op, flat(a), flat(b))
    raise TypeError(f"no flat form for {type(node).__name__}")


def _opt(node):
    return None if node is None else flat(node)


# ---------------------------------------------------------------------------
# Structure


def children(t) -> tuple:
    """The sub-expressions of a flat form, in a fixed order (see `rebuild`)."""
    head = t[0]
    if head in ("add", "mul"):
        return t[1]
    if head == "pow":
        return (t[1], t[2])
    if head in ("fn", "app"):
        return t[2]
    if head == "d":
        return (t[2],)
    if head == "at":
        return (t[1], t[3])
    if head in ("sum", "prod"):
        return tuple(x for x in t[2:] if x is not None)
    if head == "E":
        return (t[2], t[3])
    if head == "int":
        return tuple(x for x in t[2:] if x is not None)
    if head == "rel":
        return (t[2], t[3])
    return ()


def rebuild(t, kids) -> tuple:
    """`t` with new children (in `children` order), flattening sums and products."""
    head = t[0]
    if head == "add":
        return add(*kids)
    if head == "mul":
        return mul(*kids)
    if head == "pow":
        return power(kids[0], kids[1])
    if head in ("fn", "app"):
        return (head, t[1], tuple(kids))
    if head == "d":
        return ("d", t[1], kids[0])
    if head == "at":
        return ("at", kids[0], t[2], kids[1])
    if head in ("sum", "prod", "int"):
        it = iter(kids)
        rest = [next(it) if x is not None else None for x in t[2:]]
        return (head, t[1], *rest)
    if head == "E":
        return ("E", t[1], kids[0], kids[1])
    if head == "rel":
        return ("rel", t[1], kids[0], kids[1])
    return t


def bound_children(t) -> tuple[bool, ...]:
    """For each child (in `children` order): is it inside the node's binder?"""
    head = t[0]
    if head in ("sum", "prod"):
        return tuple(flag for x, flag in zip(t[2:], (True, False, False, True)) if x is not None)
    if head == "int":
        return tuple(flag for x, flag in zip(t[2:], (True, False, False)) if x is not None)
    if head == "E":
        return (True, True)
    if head == "at":
        return (True, False)
    return (False,) * len(children(t))


def binder_var(t) -> str | None:
    head = t[0]
    if head in ("sum", "prod", "E", "int"):
        return t[1]
    if head == "at":
        return t[2]
    return None


@functools.lru_cache(maxsize=65536)
def free(t) -> frozenset:
    """Names of free symbols; the variable of a derivative counts as free."""
    head = t[0]
    if head == "sym":
        return frozenset((t[1],))
    out: set = set()
    var = binder_var(t)
    for kid, bound in zip(children(t), bound_children(t)):
        names = free(kid)
        out |= (names - {var}) if bound else names
    if head == "d":
        out.add(t[1])
    return frozenset(out)


@functools.lru_cache(maxsize=65536)
def size(t) -> int:
    return 1 + sum(size(k) for k in children(t))


# ---------------------------------------------------------------------------
# Normal form


def normal_form(node: A.Node):
    """A hashable value equal for two trees exactly when they agree up to light normalisation."""
    return canonical(flat(node))


def canonical(t):
    """The normal form of a flat form."""
    return _canon(t, (), 0, True)


def shape(t):
    """The normal form without folding numbers: `log(2³)` and `log 8` differ here (a rule
    may still have work to do on the one), while `a + b` and `b + a` do not."""
    return _canon(t, (), 0, False)


def key(t) -> str:
    """A total order on normal forms (for sorting terms and factors)."""
    return repr(t)


@functools.lru_cache(maxsize=65536)
def _canon(t, env: tuple, depth: int, fold: bool = True):
    head = t[0]
    if head == "num" or head == "const":
        return t
    if head == "sym":
        return ("sym", dict(env).get(t[1], t[1]))
    if head == "at":
        evaluated = _at_variable(t)
        if evaluated is not None:
            return _canon(evaluated, env, depth, fold)
    var = binder_var(t)
    if var is not None:
        inner = tuple((k, v) for k, v in env if k != var) + ((var, f"${depth}"),)
        kids = tuple(_canon(k, inner, depth + 1, fold) if bound else _canon(k, env, depth, fold)
                     for k, bound in zip(children(t), bound_children(t)))
        if head == "at":
            return ("at", kids[0], f"${depth}", kids[1])
        it = iter(kids)
        rest = [next(it) if x is not None else None for x in t[2:]]
        return (head, f"${depth}", *rest)
    kids = tuple(_canon(k, env, depth, fold) for k in children(t))
    if not fold and head in ("add", "mul"):
        flat_kids = [x for k in kids for x in (k[1] if k[0] == head else (k,))]
        return (head, tuple(sorted(flat_kids, key=key)))
    if head == "add":
        return _fold_add(kids)
    if head == "mul":
        return _fold_mul(kids)
    if head == "pow":
        return _fold_pow(kids[0], kids[1]) if fold else ("pow", kids[0], kids[1])
    if head == "d":
        return ("d", dict(env).get(t[1], t[1]), kids[0])
    return rebuild(t, kids)


def _fold_add(kids):
    terms: list = []
    total = Fraction(0)
    for k in kids:
        for x in (k[1] if k[0] == "add" else (k,)):
            if x[0] == "num":
                total += x[1]
            else:
                terms.append(x)
    if total:
        terms.append(("num", total))
    if not terms:
        return ZERO
    if len(terms) == 1:
        return terms[0]
    return ("add", tuple(sorted(terms, key=key)))


def _fold_mul(kids):
    factors: list = []
    coefficient = Fraction(1)
    for k in kids:
        for x in (k[1] if k[0] == "mul" else (k,)):
            if x[0] == "num":
                coefficient *= x[1]
            else:
                factors.append(x)
    if coefficient == 0:
        return ZERO
    factors.sort(key=key)
    if coefficient != 1:
        factors.insert(0, ("num", coefficient))
    if not factors:
        return ONE
    if len(factors) == 1:
        return factors[0]
    return ("mul", tuple(factors))


def _fold_pow(base, exponent):
    if exponent == ONE:
        return base
    if exponent == ZERO or base == ONE:
        return ONE
    if base[0] == "num" and exponent[0] == "num":
        e = exponent[1]
        if e.denominator == 1 and abs(e) <= _MAX_FOLDED_EXPONENT and (base[1] != 0 or e > 0):
            value = base[1] ** int(e)
            if abs(value.numerator) < 10 ** 30 and value.denominator < 10 ** 30:
                return ("num", Fraction(value))
    if exponent == MINUS_ONE:
        if base[0] == "mul":
            return _fold_mul(tuple(_fold_pow(f, MINUS_ONE) for f in base[1]))
        if base[0] == "pow" and base[2][0] == "num":
            return _fold_pow(base[1], ("num", -base[2][1]))
    return ("pow", base, exponent)


def _at_variable(t):
    """`(∂f(u)/∂u)|_{u=x}` with x a variable not otherwise in the body: `∂f(x)/∂x`."""
    _, body, var, value = t
    if body[0] != "d" or body[1] != var or value[0] != "sym":
        return None
    x = value[1]
    if x == var:
        return body
    if x in free(body[2]):
        return None
    return ("d", x, rename_free(body[2], var, x))


def rename_free(t, old: str, new: str):
    """Rename the free symbol `old` to `new` (which must not be bound inside `t`)."""
    if old not in free(t):
        return t
    if t[0] == "sym":
        return ("sym", new)
    var = binder_var(t)
    kids = tuple(k if (bound and var == old) else rename_free(k, old, new)
                 for k, bound in zip(children(t), bound_children(t)))
    out = rebuild(t, kids)
    if t[0] == "d" and t[1] == old:
        out = ("d", new, out[2])
    return out


# ---------------------------------------------------------------------------
# Back to resolved trees (to show what a rule would have produced)


def to_ast(t) -> A.Node:
    """A resolved tree that prints like the flat form reads: `a·b⁻¹` as `a/b`, `a + (−1)·b`
    as `a − b`."""
    head = t[0]
    if head == "num":
        q = t[1]
        if q < 0:
            return A.Neg(to_ast(("num", -q)))
        if q.denominator != 1:
            return A.Div(A.Num(Fraction(q.numerator)), A.Num(Fraction(q.denominator)))
        return A.Num(q)
    if head == "const":
        return A.Const(t[1])
    if head == "sym":
        return A.Sym(t[1])
    if head == "add":
        out = to_ast(t[1][0])
        for term in t[1][1:]:
            negative = _negated(term)
            out = A.Sub(out, to_ast(negative)) if negative is not None else A.Add(out, to_ast(term))
        return out
    if head == "mul":
        return _product_ast(t[1])
    if head == "pow":
        if t[2][0] == "num" and t[2][1] < 0:
            return A.Div(A.Num(Fraction(1)), to_ast(_fold_pow(t[1], ("num", -t[2][1]))))
        return A.Pow(to_ast(t[1]), to_ast(t[2]))
    if head == "fn":
        return A.Fn(t[1], tuple(to_ast(x) for x in t[2]))
    if head == "app":
        return A.Apply(t[1], tuple(to_ast(x) for x in t[2]))
    if head == "d":
        return A.Deriv(t[1], to_ast(t[2]))
    if head == "at":
        return A.At(to_ast(t[1]), t[2], to_ast(t[3]))
    if head in ("sum", "prod"):
        cls = A.Sum if head == "sum" else A.Product
        return cls(t[1], to_ast(t[2]), *(None if x is None else to_ast(x) for x in t[3:]))
    if head == "E":
        return A.Expect(t[1], to_ast(t[2]), to_ast(t[3]))
    if head == "int":
        return A.Integral(t[1], to_ast(t[2]), *(None if x is None else to_ast(x) for x in t[3:]))
    if head == "rel":
        return A.Rel(t[1], to_ast(t[2]), to_ast(t[3]))
    raise TypeError(f"not a flat form: {t!r}")


def _negated(term):
    """`x` when term is `(−c)·x` or a negative number, else None."""
    if term[0] == "num" and term[1] < 0:
        return ("num", -term[1])
    if term[0] == "mul" and term[1][0][0] == "num" and term[1][0][1] < 0:
        c = -term[1][0][1]
        rest = term[1][1:]
        return mul(*rest) if c == 1 else mul(("num", c), *rest)
    return None


def _product_ast(factors) -> A.Node:
    top, bottom = [], []
    for f in factors:
        if f[0] == "pow" and f[2][0] == "num" and f[2][1] < 0:
            bottom.append(_fold_pow(f[1], ("num", -f[2][1])))
        else:
            top.append(f)
    if top and top[0] == MINUS_ONE and len(top) > 1:
        return A.Neg(_product_ast(tuple(top[1:]) + tuple(inv(b) for b in bottom)))
    numerator = _chain(top) if top else A.Num(Fraction(1))
    return A.Div(numerator, _chain(bottom)) if bottom else numerator


def _chain(factors) -> A.Node:
    out = to_ast(factors[0])
    for f in factors[1:]:
        out = A.Mul(out, to_ast(f), implicit=True)
    return out
