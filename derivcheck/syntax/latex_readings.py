"""Readings of real texts that need the declarations (NOTATION.md §5), on raw trees.

`E_{x∼p(x)}` is `E_{x∼p(·)}`; `E_p[…]`, `E_x[…]` and `E[…]` mean the one declared
distribution they can mean (noted); `|\\mathcal{D}|` is the size of a declared set.
"""

from __future__ import annotations

import dataclasses

from .. import ast as A
from ..model import FunctionDecl
from ..scope import Scope
from ..semantics import canon


def readings(node: A.Node, scope: Scope, notes: list[str]) -> A.Node:
    """Raw-tree readings of real texts: `E_{x∼p(x)}`, `E_p[…]`/`E[…]` with one declared
    distribution, `|\\mathcal{D}|` as the size of a declared set."""
    nodes = list(A.walk(node))
    if not any(isinstance(n, A.RawExpect) or (isinstance(n, A.Fn) and n.name == "abs") for n in nodes):
        return node
    sets = {d.set_name for d in scope.symbols.values() if d.set_name}
    sets |= {n.over for n in nodes if isinstance(n, A.BigOp) and n.over}
    return _map(node, lambda n: _reading(n, scope, notes, sets))


def _map(node, f):
    if not dataclasses.is_dataclass(node):
        return node
    changes = {}
    for fld in dataclasses.fields(node):
        value = getattr(node, fld.name)
        if dataclasses.is_dataclass(value):
            new = _map(value, f)
        elif isinstance(value, tuple) and value and dataclasses.is_dataclass(value[0]):
            new = tuple(_map(v, f) for v in value)
        else:
            continue
        if new is not value:
            changes[fld.name] = new
    if changes:
        node = dataclasses.replace(node, **changes)
    return f(node)


def _distributions(scope: Scope) -> list[FunctionDecl]:
    return [d for d in scope.functions.values() if d.kind == "distribution" and d.over is not None]


def _as_dist(decl: FunctionDecl) -> A.Node:
    args = tuple(A.Placeholder() if k == decl.over else A.Name(p) for k, p in enumerate(decl.params))
    return A.Call(A.Name(decl.name), args)


def _reading(n, scope: Scope, notes: list[str], sets: set[str]):
    if isinstance(n, A.RawExpect):
        if n.dist is not None and n.var is not None:
            dist = n.dist
            if isinstance(dist, A.Call) and not any(isinstance(a, A.Placeholder) for a in (*dist.args, *dist.cond)):
                hits = [k for k, a in enumerate(dist.args) if isinstance(a, A.Name) and a.sub is None
                        and canon(a.base) == canon(n.var)]
                if len(hits) == 1:
                    args = tuple(A.Placeholder() if k == hits[0] else a for k, a in enumerate(dist.args))
                    return dataclasses.replace(n, dist=dataclasses.replace(dist, args=args))
            return n
        if n.dist is None:
            dists = _distributions(scope)
            if n.var is not None:
                by_name = [d for d in dists if d.name == canon(n.var.split("_")[0])]
                over = [d for d in dists if d.params[d.over] == canon(n.var)]
                if len(by_name) == 1:
                    d = by_name[0]
                    notes.append(f"`E_{n.var}[…]` is read as E_{{{d.params[d.over]}~{d.name}}}[…]")
                    return A.RawExpect(d.params[d.over], _as_dist(d), n.body, n.line, n.column)
                if len(over) == 1:
                    d = over[0]
                    notes.append(f"`E_{n.var}[…]` is read as E_{{{n.var}~{d.name}}}[…]: the one distribution over {n.var}")
                    return A.RawExpect(n.var, _as_dist(d), n.body, n.line, n.column)
            elif len(dists) == 1:
                d = dists[0]
                notes.append(f"`E[…]` is read as E_{{{d.params[d.over]}~{d.name}}}[…]: the one declared distribution")
                return A.RawExpect(d.params[d.over], _as_dist(d), n.body, n.line, n.column)
        return n
    if isinstance(n, A.Fn) and n.name == "abs" and len(n.args) == 1:
        inner = n.args[0]
        while isinstance(inner, A.Group):
            inner = inner.inner
        if isinstance(inner, A.Name) and inner.sub is None and canon(inner.base) in sets:
            name = canon(inner.base)
            notes.append(f"`|{name}|` is read as the size of the set {name}")
            return A.BigOp("sum", f"ι_{name}", None, None, A.Num(1, "1"), name)
    return n
