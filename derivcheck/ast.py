"""Expression trees: the written form of a step (raw) and its meaning in a scope (resolved).

Raw nodes come straight from a grammar and know nothing of declarations; `semantics.resolve`
turns them into resolved nodes, where every name has been decided (symbol, constant,
function application, definition unfolded later by the checkers).  Nothing here simplifies:
`x·(y/x)` stays a product of `x` and a quotient, so checkers can see what a step changed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction

# ---------------------------------------------------------------------------
# Nodes shared by both layers


@dataclass(frozen=True, slots=True)
class Num:
    """An exact number; decimals are read exactly (`0.1` is 1/10)."""

    value: Fraction
    text: str = field(default="", compare=False)


@dataclass(frozen=True, slots=True)
class Add:
    left: "Node"
    right: "Node"


@dataclass(frozen=True, slots=True)
class Sub:
    left: "Node"
    right: "Node"


@dataclass(frozen=True, slots=True)
class Neg:
    operand: "Node"


@dataclass(frozen=True, slots=True)
class Mul:
    left: "Node"
    right: "Node"
    implicit: bool = field(default=False, compare=False)


@dataclass(frozen=True, slots=True)
class Div:
    left: "Node"
    right: "Node"


@dataclass(frozen=True, slots=True)
class Pow:
    base: "Node"
    exponent: "Node"


@dataclass(frozen=True, slots=True)
class Fn:
    """An elementary function by its canonical name: log, exp, sqrt, sin, abs, factorial, …

    `log` with two arguments is `log(x, base)`; `root(n, x)` is kept as `root`.
    """

    name: str
    args: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Deriv:
    """d(body)/d(var); `style` remembers the spelling (grad, partial, d, frac) for printing."""

    var: str
    body: "Node"
    style: str = field(default="grad", compare=False)


@dataclass(frozen=True, slots=True)
class At:
    """`(body)|_{var=value}`: body evaluated at var = value."""

    body: "Node"
    var: str
    value: "Node"


@dataclass(frozen=True, slots=True)
class Rel:
    """A relation `left op right` (assumptions, one-line claims); op is one of = ≠ < ≤ > ≥."""

    op: str
    left: "Node"
    right: "Node"


# ---------------------------------------------------------------------------
# Raw nodes (grammar output)


@dataclass(frozen=True, slots=True)
class Name:
    """A written name, possibly with a subscript (`θ_ref`, `Pr_θ`, `s_{t+1}`, `x_1`)."""

    base: str
    sub: "Node | None" = None
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)

    @property
    def sub_is_label(self) -> bool:
        return isinstance(self.sub, (Name, Num)) and (
            not isinstance(self.sub, Name) or self.sub.sub is None
        )


@dataclass(frozen=True, slots=True)
class Call:
    """`name(args)` or `name(args | cond)` as written; semantics decides what it means."""

    name: Name
    args: tuple["Node", ...]
    cond: tuple["Node", ...] = ()
    spaced: bool = field(default=False, compare=False)  # `p (x)`: written with a space


@dataclass(frozen=True, slots=True)
class Placeholder:
    """The `·` in `π_θ(·|s)`: the slot the expectation's variable fills."""


@dataclass(frozen=True, slots=True)
class Group:
    """Brackets as written; kept so the reading can be shown, dropped by resolution."""

    inner: "Node"
    bracket: str = field(default="(", compare=False)


@dataclass(frozen=True, slots=True)
class BigOp:
    """Raw Σ/Π/∫: `op` is sum, prod or int; `sub`/`sup` as written (sub may be `t=0`)."""

    op: str
    var: str | None
    lo: "Node | None"
    hi: "Node | None"
    body: "Node"
    over: str | None = None  # `Σ_{x ∈ D}`
    exclude: "Node | None" = None  # `Σ_{j=1, j≠i}`
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


@dataclass(frozen=True, slots=True)
class RawExpect:
    """`E_{var ~ dist}[body]`; dist is a Name or a Call (with a Placeholder) or None."""

    var: str | None
    dist: "Node | None"
    body: "Node"
    line: int = field(default=0, compare=False)
    column: int = field(default=0, compare=False)


# ---------------------------------------------------------------------------
# Resolved nodes (meaning in a scope)


@dataclass(frozen=True, slots=True)
class Const:
    """A mathematical constant: `pi` or `e`."""

    name: str


@dataclass(frozen=True, slots=True)
class Sym:
    """A scalar symbol (declared or assumed real), including index and bound variables."""

    name: str


@dataclass(frozen=True, slots=True)
class Apply:
    """A user function applied to arguments in declaration order.

    Subscript parameters come first, then the written arguments, then conditioning
    arguments: `Pr_θ(τ)` is `Apply('Pr', (θ, τ))`, `π_θ(a|s)` is `Apply('π', (θ, a, s))`,
    a sequence term `s_t` is `Apply('s', (t,))`.
    """

    func: str
    args: tuple["Node", ...]


@dataclass(frozen=True, slots=True)
class Sum:
    """Σ over var: from lo to hi when bounded, else over var's finite set."""

    var: str
    body: "Node"
    lo: "Node | None" = None
    hi: "Node | None" = None
    exclude: "Node | None" = None  # `Σ_{j≠i}`


@dataclass(frozen=True, slots=True)
class Product:
    """Π over var, bounded or over var's set, like Sum."""

    var: str
    body: "Node"
    lo: "Node | None" = None
    hi: "Node | None" = None
    exclude: "Node | None" = None  # `Π_{j≠i}`


@dataclass(frozen=True, slots=True)
class Expect:
    """E_{var ~ weight}[body] = Σ_var weight·body; `weight` is the distribution applied to var."""

    var: str
    weight: "Node"
    body: "Node"


@dataclass(frozen=True, slots=True)
class Integral:
    """∫ body d(var): definite when lo and hi are given, else over var's set like Σ."""

    var: str
    body: "Node"
    lo: "Node | None" = None
    hi: "Node | None" = None


Node = (
    Num | Add | Sub | Neg | Mul | Div | Pow | Fn | Deriv | At | Rel
    | Name | Call | Placeholder | Group | BigOp | RawExpect
    | Const | Sym | Apply | Sum | Product | Expect | Integral
)


def children(node: Node) -> tuple[Node, ...]:
    """The direct sub-expressions of a node, in written order."""
    match node:
        case Add(a, b) | Sub(a, b) | Mul(a, b) | Div(a, b) | Pow(a, b) | Rel(_, a, b):
            return (a, b)
        case Neg(a) | Group(a):
            return (a,)
        case Fn(_, args) | Apply(_, args):
            return args
        case Deriv(_, body):
            return (body,)
        case At(body, _, value):
            return (body, value)
        case Call(name, args, cond):
            return (name, *args, *cond)
        case Name(_, sub):
            return (sub,) if sub is not None else ()
        case Sum(_, body, lo, hi, exc):
            return tuple(x for x in (lo, hi, exc, body) if x is not None)
        case Product(_, body, lo, hi, exc):
            return tuple(x for x in (lo, hi, exc, body) if x is not None)
        case Integral(_, body, lo, hi):
            return tuple(x for x in (lo, hi, body) if x is not None)
        case BigOp(_, _, lo, hi, body, _, exc):
            return tuple(x for x in (lo, hi, exc, body) if x is not None)
        case Expect(_, weight, body):
            return (weight, body)
        case RawExpect(_, dist, body):
            return (dist, body) if dist is not None else (body,)
    return ()


def walk(node: Node):
    """Every node of the tree, parents before children."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(children(n)))


def size(node: Node) -> int:
    return sum(1 for _ in walk(node))
