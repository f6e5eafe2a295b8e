"""Scope: what the declarations of a derivation say about each name, plus substitution.

Checkers ask the scope three things: what a symbol ranges over, what a function is
(declared class, arity, which argument a distribution is normalised over), and what a
defined name unfolds to.  `unfold` replaces every defined name by its body, capture-free.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass, field

from . import ast as A
from .model import Assumption, Declaration, Definition, FunctionDecl, SymbolDecl

GREEK = {
    "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "varepsilon": "ε",
    "zeta": "ζ", "eta": "η", "theta": "θ", "vartheta": "θ", "iota": "ι", "kappa": "κ",
    "lambda": "λ", "mu": "μ", "nu": "ν", "xi": "ξ", "omicron": "ο", "pi": "π", "rho": "ρ",
    "sigma": "σ", "tau": "τ", "upsilon": "υ", "phi": "φ", "varphi": "φ", "chi": "χ",
    "psi": "ψ", "omega": "ω",
    "Gamma": "Γ", "Delta": "Δ", "Theta": "Θ", "Lambda": "Λ", "Xi": "Ξ", "Pi": "Π",
    "Sigma": "Σ", "Upsilon": "Υ", "Phi": "Φ", "Psi": "Ψ", "Omega": "Ω",
}


@dataclass
class Scope:
    """Declarations by name; lookups fall back to the defaults of NOTATION.md §2."""

    symbols: dict[str, SymbolDecl] = field(default_factory=dict)
    functions: dict[tuple[str, int], FunctionDecl] = field(default_factory=dict)
    definitions: dict[tuple[str, int], Definition] = field(default_factory=dict)
    assumptions: list[Assumption] = field(default_factory=list)
    assumed_functions: dict[tuple[str, int], str] = field(default_factory=dict)  # name -> kind

    @classmethod
    def of(cls, declarations: tuple[Declaration, ...] | list[Declaration]) -> "Scope":
        scope = cls()
        for d in declarations:
            scope.add(d)
        return scope

    def add(self, d: Declaration) -> None:
        match d:
            case SymbolDecl():
                self.symbols[d.name] = d
            case FunctionDecl():
                self.functions[(d.name, d.arity)] = d
            case Definition():
                self.definitions[(d.name, len(d.params))] = d
            case Assumption():
                self.assumptions.append(d)

    def copy(self) -> "Scope":
        return Scope(dict(self.symbols), dict(self.functions), dict(self.definitions),
                     list(self.assumptions), dict(self.assumed_functions))

    # -- symbols ------------------------------------------------------------
    def domain(self, name: str) -> str:
        """real, positive, nonnegative, integer, natural, nonzero or index."""
        d = self.symbols.get(name)
        return d.domain if d else "real"

    def is_index(self, name: str) -> bool:
        return self.domain(name) == "index"

    def set_of(self, var: str) -> str:
        """The name of the finite set an index (or bound) variable ranges over."""
        d = self.symbols.get(var)
        if d is not None and d.set_name:
            return d.set_name
        return var

    # -- functions ----------------------------------------------------------
    def function(self, name: str, arity: int) -> FunctionDecl | None:
        return self.functions.get((name, arity))

    def function_kind(self, name: str, arity: int) -> str:
        """real, positive, distribution or sequence; an assumed function is real
        unless it was used as the distribution of an expectation."""
        d = self.functions.get((name, arity))
        if d is not None:
            return d.kind
        return self.assumed_functions.get((name, arity), "real")

    def function_names(self) -> set[str]:
        return {n for n, _ in self.functions} | {n for n, _ in self.definitions}

    def dist_set(self, name: str, arity: int) -> str:
        """The set a distribution is normalised over: its variable's set when that
        parameter is a declared index variable, else a set of its own."""
        d = self.functions.get((name, arity))
        if d is None or d.over is None:
            return f"{name}#{arity}"
        param = d.params[d.over]
        if param in self.symbols and self.symbols[param].domain == "index":
            return self.set_of(param)
        return f"{name}#{arity}"

    def over_position(self, name: str, arity: int) -> int | None:
        d = self.functions.get((name, arity))
        if d is not None:
            return d.over
        if self.assumed_functions.get((name, arity)) == "distribution":
            return arity - 1
        return None

    # -- definitions --------------------------------------------------------
    def definition(self, name: str, arity: int) -> Definition | None:
        return self.definitions.get((name, arity))


# ---------------------------------------------------------------------------
# Substitution


_fresh = itertools.count(1)


def free_symbols(node: A.Node) -> set[str]:
    """Names of Sym nodes not bound by a Σ/Π/E/∫ or an evaluation bar inside node."""
    match node:
        case A.Sym(name):
            return {name}
        case A.Sum(var, body, lo, hi, exc):
            inner = free_symbols(body) | (free_symbols(exc) if exc is not None else set())
            bounds = set().union(*(free_symbols(x) for x in (lo, hi) if x is not None))
            return (inner - {var}) | bounds
        case A.Product(var, body, lo, hi, exc):
            inner = free_symbols(body) | (free_symbols(exc) if exc is not None else set())
            bounds = set().union(*(free_symbols(x) for x in (lo, hi) if x is not None))
            return (inner - {var}) | bounds
        case A.Integral(var, body, lo, hi):
            bounds = set().union(*(free_symbols(x) for x in (lo, hi) if x is not None))
            return (free_symbols(body) - {var}) | bounds
        case A.Expect(var, weight, body):
            return (free_symbols(weight) | free_symbols(body)) - {var}
        case A.At(body, var, value):
            return (free_symbols(body) - {var}) | free_symbols(value)
        case A.Deriv(var, body):
            return free_symbols(body) | {var}
    out: set[str] = set()
    for c in A.children(node):
        out |= free_symbols(c)
    return out


def fresh_name(base: str, avoid: set[str]) -> str:
    while True:
        name = f"{base}_{next(_fresh)}"
        if name not in avoid:
            return name


def substitute(node: A.Node, mapping: dict[str, A.Node]) -> A.Node:
    """Replace free Sym names by trees, renaming bound variables that would capture."""
    if not mapping:
        return node
    incoming = set().union(*(free_symbols(v) for v in mapping.values()))
    return _subst(node, mapping, incoming)


def _binder(var: str, mapping: dict[str, A.Node], incoming: set[str], body_nodes):
    """Return (new_var, new_mapping) for a binder of `var` over body_nodes."""
    inner = {k: v for k, v in mapping.items() if k != var}
    if var in incoming and inner:
        avoid = incoming | set().union(*(free_symbols(b) for b in body_nodes)) | set(mapping)
        new = fresh_name(var, avoid)
        inner[var] = A.Sym(new)
        return new, inner
    return var, inner


def _subst(node: A.Node, m: dict[str, A.Node], incoming: set[str]) -> A.Node:
    s = lambda x: None if x is None else _subst(x, m, incoming)  # noqa: E731
    match node:
        case A.Sym(name):
            return m.get(name, node)
        case A.Num() | A.Const() | A.Placeholder():
            return node
        case A.Add(a, b):
            return A.Add(s(a), s(b))
        case A.Sub(a, b):
            return A.Sub(s(a), s(b))
        case A.Neg(a):
            return A.Neg(s(a))
        case A.Mul(a, b, imp):
            return A.Mul(s(a), s(b), imp)
        case A.Div(a, b):
            return A.Div(s(a), s(b))
        case A.Pow(a, b):
            return A.Pow(s(a), s(b))
        case A.Fn(name, args):
            return A.Fn(name, tuple(s(x) for x in args))
        case A.Apply(f, args):
            return A.Apply(f, tuple(s(x) for x in args))
        case A.Rel(op, a, b):
            return A.Rel(op, s(a), s(b))
        case A.Deriv(var, body, style):
            # d/dvar is a binder for var: substituting var by a tree means "then evaluate at"
            if var in m:
                inner = {k: v for k, v in m.items() if k != var}
                d = A.Deriv(var, _subst(body, inner, incoming) if inner else body, style)
                return A.At(d, var, m[var])
            new, inner = _binder(var, m, incoming, [body])
            if new != var:
                return A.At(A.Deriv(new, _subst(body, inner, incoming), style), new, A.Sym(var))
            return A.Deriv(var, _subst(body, inner, incoming), style)
        case A.At(body, var, value):
            new, inner = _binder(var, m, incoming, [body])
            return A.At(_subst(body, inner, incoming), new, s(value))
        case A.Sum(var, body, lo, hi, exc):
            new, inner = _binder(var, m, incoming, [body] + ([exc] if exc else []))
            ss = lambda x: None if x is None else _subst(x, inner, incoming)  # noqa: E731
            return A.Sum(new, ss(body), s(lo), s(hi), ss(exc))
        case A.Product(var, body, lo, hi, exc):
            new, inner = _binder(var, m, incoming, [body] + ([exc] if exc else []))
            ss = lambda x: None if x is None else _subst(x, inner, incoming)  # noqa: E731
            return A.Product(new, ss(body), s(lo), s(hi), ss(exc))
        case A.Integral(var, body, lo, hi):
            new, inner = _binder(var, m, incoming, [body])
            return A.Integral(new, _subst(body, inner, incoming), s(lo), s(hi))
        case A.Expect(var, weight, body):
            new, inner = _binder(var, m, incoming, [weight, body])
            return A.Expect(new, _subst(weight, inner, incoming), _subst(body, inner, incoming))
    raise TypeError(f"cannot substitute into {type(node).__name__}")


def unfold(node: A.Node, scope: Scope, depth: int = 0) -> A.Node:
    """Replace every application of a defined name by its body (recursively, bounded)."""
    if depth > 20:
        return node
    match node:
        case A.Apply(f, args) if scope.definition(f, len(args)) is not None:
            d = scope.definition(f, len(args))
            body = substitute(d.body, dict(zip(d.params, args)))
            return unfold(body, scope, depth + 1)
        case A.Sym(name) if scope.definition(name, 0) is not None:
            return unfold(scope.definition(name, 0).body, scope, depth + 1)
    kids = A.children(node)
    if not kids:
        return node
    return rebuild(node, tuple(unfold(k, scope, depth) for k in kids))


def rebuild(node: A.Node, kids: tuple[A.Node, ...]) -> A.Node:
    """The same node with new children (in `children` order)."""
    match node:
        case A.Add():
            return A.Add(*kids)
        case A.Sub():
            return A.Sub(*kids)
        case A.Mul(_, _, imp):
            return A.Mul(kids[0], kids[1], imp)
        case A.Div():
            return A.Div(*kids)
        case A.Pow():
            return A.Pow(*kids)
        case A.Rel(op):
            return A.Rel(op, *kids)
        case A.Neg():
            return A.Neg(kids[0])
        case A.Fn(name):
            return A.Fn(name, kids)
        case A.Apply(f):
            return A.Apply(f, kids)
        case A.Deriv(var, _, style):
            return A.Deriv(var, kids[0], style)
        case A.At(_, var):
            return A.At(kids[0], var, kids[1])
        case A.Sum(var, _, lo, hi, exc) | A.Product(var, _, lo, hi, exc):
            it = iter(kids)
            nlo = next(it) if lo is not None else None
            nhi = next(it) if hi is not None else None
            nexc = next(it) if exc is not None else None
            return type(node)(var, next(it), nlo, nhi, nexc)
        case A.Integral(var, _, lo, hi):
            it = iter(kids)
            nlo = next(it) if lo is not None else None
            nhi = next(it) if hi is not None else None
            return type(node)(var, next(it), nlo, nhi)
        case A.Expect(var):
            return A.Expect(var, kids[0], kids[1])
    raise TypeError(f"cannot rebuild {type(node).__name__}")
