"""Side conditions of a step as written: what must hold for it to be defined — denominators
≠ 0, log arguments > 0, even-root arguments ≥ 0 — and whether the declarations guarantee it.

They are read from the written (resolved, unsimplified) tree, because sympy cancels
`P·(∇P/P)` to `∇P` on construction and the condition `P ≠ 0` would be lost.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

import sympy

from .. import ast as A
from ..errors import DerivcheckError
from ..scope import Scope
from .symbolic import Translator, translator


@dataclass(frozen=True, slots=True)
class SideCondition:
    kind: str  # "nonzero" (a denominator), "positive" (a log argument), "nonnegative" (a root)
    expr: A.Node
    guaranteed: bool  # do the declarations (and `assume` lines) guarantee it?


def side_conditions(node: A.Node, scope: Scope) -> list[SideCondition]:
    """The conditions under which the written tree is defined, in written order, once each."""
    found: list[tuple[str, A.Node]] = []
    for n in A.walk(node):
        for cond in _conditions_at(n):
            if _trivially_holds(*cond):  # `x/2`: a number needs no side condition
                continue
            if cond not in found:
                found.append(cond)
    if not found:
        return []
    tr = translator(scope)
    relations = _relations(scope, tr)
    return [SideCondition(kind, e, _guaranteed(kind, e, tr, relations)) for kind, e in found]


def _trivially_holds(kind: str, e: A.Node) -> bool:
    v = _number(e)
    if v is None:
        return False
    return {"nonzero": v != 0, "positive": v > 0, "nonnegative": v >= 0}.get(kind, False)


def _number(node: A.Node) -> Fraction | None:
    match node:
        case A.Num(value):
            return Fraction(value)
        case A.Neg(A.Num(value)):
            return -Fraction(value)
        case A.Div(a, b):
            p, q = _number(a), _number(b)
            return p / q if p is not None and q is not None and q != 0 else None
    return None


def _conditions_at(n: A.Node) -> list[tuple[str, A.Node]]:
    match n:
        case A.Div(_, b):
            return [("nonzero", b)]
        case A.Pow(base, exponent):
            q = _number(exponent)
            if q is None:
                return []
            even_root = q.denominator % 2 == 0
            if q < 0:
                return [("positive" if even_root else "nonzero", base)]
            return [("nonnegative", base)] if even_root else []
        case A.Fn("log", (x,)):
            return [("positive", x)]
        case A.Fn("log", (x, base)):
            return [("positive", x), ("positive", base), ("nonzero", A.Fn("log", (base,)))]
        case A.Fn("sqrt", (x,)):
            return [("nonnegative", x)]
        case A.Fn("root", (k, x)):
            q = _number(k)
            out: list[tuple[str, A.Node]] = [("nonzero", k)] if q is None or q == 0 else []
            if q is not None and q.denominator == 1 and q.numerator % 2 == 0:
                out.append(("nonnegative", x))
            return out
        case A.Fn("tan" | "sec", (x,)):
            return [("nonzero", A.Fn("cos", (x,)))]
        case A.Fn("cot" | "csc", (x,)):
            return [("nonzero", A.Fn("sin", (x,)))]
    return []


_OPS = {">": ">", "≥": ">=", ">=": ">=", "<": "<", "≤": "<=", "<=": "<=", "≠": "!=", "!=": "!="}


def _relations(scope: Scope, tr: Translator) -> list[tuple[str, sympy.Expr]]:
    """`assume L op R` lines as (op, L − R)."""
    out = []
    for a in scope.assumptions:
        rel = a.relation
        if isinstance(rel, A.Rel) and rel.op in _OPS:
            try:
                out.append((_OPS[rel.op], sympy.expand(tr(rel.left) - tr(rel.right))))
            except (DerivcheckError, TypeError, ValueError):
                continue
    return out


def _guaranteed(kind: str, e: A.Node, tr: Translator, relations) -> bool:
    try:
        v = tr(e)
    except (DerivcheckError, TypeError, ValueError):
        return False
    if kind == "nonzero" and (v.is_zero is False or v.is_positive or v.is_negative):
        return True
    if kind == "positive" and v.is_positive:
        return True
    if kind == "nonnegative" and v.is_nonnegative:
        return True
    same = lambda d: sympy.expand(v - d) == 0  # noqa: E731
    opposite = lambda d: sympy.expand(v + d) == 0  # noqa: E731
    for op, d in relations:
        if kind == "nonzero" and op in (">", "<", "!=") and (same(d) or opposite(d)):
            return True
        if kind in ("positive", "nonnegative") and op == ">" and same(d):
            return True
        if kind in ("positive", "nonnegative") and op == "<" and opposite(d):
            return True
        if kind == "nonnegative" and ((op == ">=" and same(d)) or (op == "<=" and opposite(d))):
            return True
    return False
