"""Consistent renaming of every name in resolved trees and in their scope (for property tests)."""

from __future__ import annotations

import dataclasses

from derivcheck import ast as A
from derivcheck.model import Assumption, Definition, FunctionDecl, SymbolDecl
from derivcheck.scope import Scope


def renamable(scope: Scope, *trees: A.Node) -> set[str]:
    """Every name a step uses or its scope declares: symbols, functions, bound variables."""
    names: set[str] = set(scope.symbols) | {n for n, _ in scope.functions}
    names |= {n for n, _ in scope.definitions} | {n for n, _ in scope.assumed_functions}
    for d in scope.definitions.values():
        names |= set(d.params) | _names(d.body)
    for f in scope.functions.values():
        names |= set(f.params)
    for a in scope.assumptions:
        names |= _names(a.relation)
    for t in trees:
        names |= _names(t)
    return names


def _names(tree: A.Node) -> set[str]:
    out = set()
    for n in A.walk(tree):
        match n:
            case A.Sym(name) | A.Apply(name) | A.Deriv(name) | A.Sum(name) | A.Product(name) \
                    | A.Expect(name) | A.Integral(name) | A.At(_, name):
                out.add(name)
    return out


def rename_tree(node: A.Node, m: dict[str, str]) -> A.Node:
    r = lambda x: None if x is None else rename_tree(x, m)  # noqa: E731
    n = lambda s: m.get(s, s)  # noqa: E731
    match node:
        case A.Sym(name):
            return A.Sym(n(name))
        case A.Apply(f, args):
            return A.Apply(n(f), tuple(r(a) for a in args))
        case A.Deriv(var, body, style):
            return A.Deriv(n(var), r(body), style)
        case A.At(body, var, value):
            return A.At(r(body), n(var), r(value))
        case A.Sum(var, body, lo, hi, exc):
            return A.Sum(n(var), r(body), r(lo), r(hi), r(exc))
        case A.Product(var, body, lo, hi, exc):
            return A.Product(n(var), r(body), r(lo), r(hi), r(exc))
        case A.Expect(var, w, body):
            return A.Expect(n(var), r(w), r(body))
        case A.Integral(var, body, lo, hi):
            return A.Integral(n(var), r(body), r(lo), r(hi))
        case A.Num() | A.Const() | A.Placeholder():
            return node
        case A.Mul(a, b, imp):
            return A.Mul(r(a), r(b), imp)
        case A.Fn(name, args):
            return A.Fn(name, tuple(r(a) for a in args))
        case A.Rel(op, a, b):
            return A.Rel(op, r(a), r(b))
    kids = A.children(node)
    return type(node)(*(r(k) for k in kids))


def rename_scope(scope: Scope, m: dict[str, str]) -> Scope:
    n = lambda s: m.get(s, s) if s is not None else None  # noqa: E731
    out = Scope()
    for d in scope.symbols.values():
        out.add(dataclasses.replace(d, name=n(d.name), set_name=n(d.set_name)))
    for f in scope.functions.values():
        out.add(dataclasses.replace(f, name=n(f.name), params=tuple(n(p) for p in f.params)))
    for d in scope.definitions.values():
        out.add(Definition(n(d.name), tuple(n(p) for p in d.params), rename_tree(d.body, m), d.line))
    for a in scope.assumptions:
        out.add(Assumption(rename_tree(a.relation, m), a.text, a.line))
    out.assumed_functions = {(n(k), arity): kind for (k, arity), kind in scope.assumed_functions.items()}
    return out


__all__ = ["renamable", "rename_scope", "rename_tree", "FunctionDecl", "SymbolDecl"]
