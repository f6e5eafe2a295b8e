"""Meaning of a written expression in a scope: raw trees → resolved trees (NOTATION.md §2–3).

Every name is decided here, by a whitelist of known names and the declarations —
never by evaluating text: a declared symbol followed by `(` multiplies, an undeclared
name applied to arguments is a function (noted), `xy` is x·y when no such name exists
(noted), `π` and `e` are constants unless declared, `Pr_θ(τ)` is `Pr(θ, τ)`.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import ast as A
from .diagnostics import Diagnostic
from .errors import InputError
from .model import FunctionDecl, SymbolDecl
from .scope import GREEK, Scope

CONSTANTS = {"π": "pi", "e": "e"}


def canon(name: str) -> str:
    """`theta` → `θ`; `theta_ref` → `θ_ref`; `theta′` → `θ'`; other names unchanged."""
    def one(part: str) -> str:
        bare = part.rstrip("'′")
        return GREEK.get(bare, bare) + "'" * (len(part) - len(bare))
    return "_".join(one(part) for part in name.split("_"))


def label(sub: A.Node) -> str | None:
    """The text of a subscript that can be part of a name (`ref`, `1`, `θ`), else None."""
    sub = _strip(sub)
    if isinstance(sub, A.Name) and sub.sub is None:
        return canon(sub.base)
    if isinstance(sub, A.Num) and sub.value.denominator == 1 and sub.value >= 0:
        return sub.text or str(sub.value)
    if isinstance(sub, A.Name) and sub.sub is not None:
        inner = label(sub.sub)
        return f"{canon(sub.base)}_{inner}" if inner else None
    return None


def _strip(node):
    while isinstance(node, A.Group):
        node = node.inner
    return node


@dataclass
class Resolver:
    """Resolves raw trees against a scope; collects notes about how names were read."""

    scope: Scope
    notes: list[str] = field(default_factory=list)
    bound: tuple[str, ...] = ()
    line: int = 0
    column: int = 0
    source_line: str = ""

    def note(self, text: str) -> None:
        if text not in self.notes:
            self.notes.append(text)

    def fail(self, message: str, code: str = "parse-error", node=None) -> InputError:
        line = getattr(node, "line", 0) or self.line
        col = getattr(node, "column", 0) or self.column
        return InputError(Diagnostic(code, message, line, col, source_line=self.source_line))

    # ------------------------------------------------------------------
    def resolve(self, node: A.Node) -> A.Node:
        r = self.resolve
        match node:
            case A.Num() | A.Const() | A.Sym():
                return node
            case A.Group(inner):
                return r(inner)
            case A.Add(a, b):
                return A.Add(r(a), r(b))
            case A.Sub(a, b):
                return A.Sub(r(a), r(b))
            case A.Neg(a):
                return A.Neg(r(a))
            case A.Mul(a, b, imp):
                return self.product(a, b, imp)
            case A.Div(a, b):
                return A.Div(r(a), r(b))
            case A.Pow(a, b):
                return A.Pow(r(a), r(b))
            case A.Rel(op, a, b):
                return A.Rel(op, r(a), r(b))
            case A.Fn(name, args):
                return A.Fn(name, tuple(r(x) for x in args))
            case A.Deriv(var, body, style):
                return A.Deriv(canon(var), r(body), style)
            case A.At(body, var, value):
                return A.At(r(body), canon(var), r(value))
            case A.Name():
                return self.name(node)
            case A.Call():
                return self.call(node)
            case A.BigOp():
                return self.bigop(node)
            case A.RawExpect():
                return self.expect(node)
            case A.Placeholder():
                raise self.fail("`·` stands only for the variable of a distribution in E_{x~p(·|s)}")
        raise self.fail(f"cannot read {type(node).__name__}")  # pragma: no cover

    def with_bound(self, var: str) -> "Resolver":
        return Resolver(self.scope, self.notes, self.bound + (var,), self.line, self.column,
                        self.source_line)

    # -- names ------------------------------------------------------------
    def is_symbol(self, name: str) -> bool:
        return name in self.bound or name in self.scope.symbols

    def name(self, node: A.Name) -> A.Node:
        base = canon(node.base)
        scope = self.scope
        if node.sub is None:
            if self.is_symbol(base) or scope.definition(base, 0) is not None:
                return A.Sym(base)
            if base in CONSTANTS:
                return A.Const(CONSTANTS[base])
            if scope.function(base, 0) is not None:
                return A.Apply(base, ())
            params = self.sole_params(base)
            if params is not None:
                # `∂R/∂θ` with `let R(τ): real`: the bare name stands for R(τ)
                self.note(f"`{node.base}` stands for {base}({', '.join(params)})")
                return A.Apply(base, tuple(A.Sym(p) for p in params))
            factors = self.split(node)
            if factors is not None:
                return _product(factors)
            return A.Sym(base)
        # subscripted
        seq = scope.function(base, 1)
        if seq is not None and seq.kind == "sequence":
            return A.Apply(base, (self.resolve(node.sub),))
        text = label(node.sub)
        if text is not None:
            full = f"{base}_{text}"
            if self.is_symbol(full) or scope.definition(full, 0) is not None:
                return A.Sym(full)
            if text not in self.bound:
                return A.Sym(full)
            # `Σ_j a_j`: a subscript that is the bound variable makes a term of a sequence, not
            # one symbol `a_j` (which would make the sum n·a_j)
        # a compound subscript on a name that is no sequence: a term of an assumed sequence
        self.note(f"`{node.base}` is used with the subscript `{_show(node.sub)}`: read as a sequence")
        self.scope.assumed_functions[(base, 1)] = "sequence"
        return A.Apply(base, (self.resolve(node.sub),))

    def split(self, node: A.Name) -> list[A.Node] | None:
        """The factors of `xy` read as x·y (noted), or None when the name is not split."""
        base = canon(node.base)
        if node.sub is not None or self.is_symbol(base) or base in CONSTANTS \
                or self.scope.definition(base, 0) is not None or self.scope.function(base, 0) is not None \
                or self.sole_params(base) is not None:
            return None
        if len(base) > 1 and base.isalpha() and base not in GREEK.values() and self.splittable(base):
            self.note(f"`{node.base}` is no declared name: read as the product {'·'.join(base)}")
            return [self.name(A.Name(ch, None, node.line, node.column)) for ch in base]
        return None

    def sole_params(self, base: str) -> tuple[str, ...] | None:
        """The parameters of `base` when it is declared as a function (not a sequence) or a
        definition with parameters, with one arity only; else None."""
        decls = [d for (n, _), d in self.scope.functions.items() if n == base]
        decls += [d for (n, _), d in self.scope.definitions.items() if n == base]
        if len(decls) != 1 or not decls[0].params:
            return None
        if getattr(decls[0], "kind", None) == "sequence":
            return None
        return decls[0].params

    def splittable(self, word: str) -> bool:
        """`xy` may be read as x·y when no letter is itself a function's name."""
        return all(self.scope.function(ch, 0) is None for ch in word) and len(word) <= 4

    # -- applications ---------------------------------------------------------
    def call(self, node: A.Call) -> A.Node:
        if any(isinstance(_strip(a), A.Placeholder) for a in (*node.args, *node.cond)):
            raise self.fail("`·` stands only for the variable of a distribution in E_{x~p(·|s)}",
                            node=node.name)
        factors = self.call_factors(node)
        if factors is not None:
            return _product(factors)
        name = node.name
        base = canon(name.base)
        args = tuple(self.resolve(a) for a in node.args)
        cond = tuple(self.resolve(c) for c in node.cond)
        scope = self.scope
        if name.sub is None and base.endswith("'") and base.rstrip("'") \
                and not self.is_symbol(base) and not self.is_function(base):
            return self.prime(base, args, cond, node)
        if name.sub is None:
            return self.apply(base, args + cond, node)
        sub_label = label(name.sub)
        full = f"{base}_{sub_label}" if sub_label is not None else None
        n = len(args) + len(cond)
        if full is not None and (scope.function(full, n) is not None or scope.definition(full, n) is not None):
            return self.apply(full, args + cond, node)
        sub = self.resolve(name.sub)
        return self.apply(base, (sub,) + args + cond, node)

    def call_factors(self, node: A.Call) -> list[A.Node] | None:
        """The factors when `name(…)` is a product, not an application: a declared symbol
        (`x(x+1)`, `θ_ref(x+1)`) or a constant (`π(r+1)`) followed by a bracket; else None."""
        name, scope = node.name, self.scope
        base = canon(name.base)
        n = len(node.args) + len(node.cond)
        if node.cond:
            return None
        if name.sub is None:
            if (self.is_symbol(base) or scope.definition(base, 0) is not None) \
                    and scope.function(base, n) is None and scope.definition(base, n) is None:
                head: A.Node = A.Sym(base)
            elif base in CONSTANTS and n == 1 and not self.is_function(base):
                # `2π(r+1)`, `e(x+1)`: a constant followed by a bracket multiplies, like a symbol
                self.note(f"`{name.base}(…)` is read as the product {name.base}·(…)")
                head = A.Const(CONSTANTS[base])
            else:
                return None
        else:
            sub_label = label(name.sub)
            full = f"{base}_{sub_label}" if sub_label is not None else None
            if full is None or not self.is_symbol(full) or scope.function(base, n + 1) is not None:
                return None
            head = A.Sym(full)
        return [head, *(self.resolve(a) for a in node.args)]

    def is_function(self, name: str) -> bool:
        """Declared as a function or a definition with parameters, of any arity."""
        return any(f == name for f, _ in self.scope.functions) \
            or any(f == name and k > 0 for f, k in self.scope.definitions)

    def prime(self, base: str, args: tuple, cond: tuple, node) -> A.Node:
        """`f'(x)`, `f''(x)` for a function f of one argument: d^k f(u)/du^k at u = x."""
        f = base.rstrip("'")
        order = len(base) - len(f)
        if not self.is_function(f) and (self.is_symbol(f) or f in CONSTANTS
                                        or self.scope.definition(f, 0) is not None):
            # `θ'(x)` with θ a symbol: `θ'` is a name of its own, here an assumed function
            return self.apply(base, args + cond, node)
        decl = self.scope.function(f, 1) or self.scope.definition(f, 1)
        if (decl is None and self.is_function(f)) or len(args) != 1 or cond:
            raise self.fail(f"`{base}` is the derivative of a function of one argument",
                            node=node.name)
        if decl is None:
            # reading choice: `f'(x)` with f undeclared is the derivative of an assumed f (noted)
            self.apply(f, (A.Sym("u"),), node)
            self.note(f"`{base}` is read as the derivative of {f}")
        # the bound variable must not be a declared name, whose domain would leak into it
        u = decl.params[0] if decl is not None else "u"
        while u in self.scope.symbols or u in self.bound:
            u += "'"
        body: A.Node = A.Apply(f, (A.Sym(u),))
        for _ in range(order):
            body = A.Deriv(u, body, "prime")
        return A.At(body, u, args[0])

    def apply(self, func: str, args: tuple, node) -> A.Node:
        scope = self.scope
        n = len(args)
        if scope.function(func, n) is None and scope.definition(func, n) is None \
                and (func, n) not in scope.assumed_functions:
            if any(f == func for f, _ in scope.functions) or any(f == func for f, _ in scope.definitions):
                arities = sorted({k for f, k in [*scope.functions, *scope.definitions] if f == func})
                raise self.fail(
                    f"`{func}` is declared with {' or '.join(map(str, arities))} argument(s), "
                    f"used here with {n}", node=getattr(node, "name", node))
            scope.assumed_functions[(func, n)] = "real"
            self.note(f"`{func}` is not declared: read as a function of its {n} argument(s)")
        return A.Apply(func, args)

    def product(self, a, b, implicit) -> A.Node:
        # `p_θ (τ)` with a space: still an application of a declared function
        left, right = _strip(a), b
        if implicit and isinstance(left, A.Name) and isinstance(right, A.Group) and right.bracket == "(":
            base = canon(left.base)
            n = 1 + (1 if left.sub is not None else 0)
            if self.scope.function(base, n) is not None or self.scope.definition(base, n) is not None:
                return self.call(A.Call(left, (right.inner,)))
        if implicit and isinstance(a, A.Div):
            self.note(f"`{_show(a)} {_show(b)}` is read as ({_show(a)})·{_show(b)}")
        factors = self.split(b) if isinstance(b, A.Name) else \
            self.call_factors(b) if isinstance(b, A.Call) else None
        if factors is not None:
            # `2xy`, `2x(x+1)` are 2·x·y, 2·x·(x+1): left to right, like other implicit factors
            return _product([self.resolve(a), *factors])
        return A.Mul(self.resolve(a), self.resolve(b), implicit)

    # -- big operators ------------------------------------------------------------
    def bigop(self, node: A.BigOp) -> A.Node:
        if node.op == "int":
            return self.integral(node)
        var = canon(node.var)
        if node.over is not None:
            if var not in self.scope.symbols:
                self.scope.add(SymbolDecl(var, "index", canon(node.over)))
        inner = self.with_bound(var)
        body = inner.resolve(node.body)
        lo = self.resolve(node.lo) if node.lo is not None else None
        hi = self.resolve(node.hi) if node.hi is not None else None
        if (lo is None) != (hi is None):
            raise self.fail("a bounded Σ or Π needs both bounds: Σ_{t=0}^{T}", node=node)
        exc = inner.resolve(node.exclude) if node.exclude is not None else None
        if node.op == "sum":
            return A.Sum(var, body, lo, hi, exc)
        return A.Product(var, body, lo, hi, exc)

    def integral(self, node: A.BigOp) -> A.Node:
        body, dvar = _split_differential(node.body)
        lo, hi = node.lo, node.hi
        if hi is None and lo is not None:
            # ∫_τ body dτ: the subscript names the variable of an abstract integral
            var = label(lo) if not isinstance(_strip(lo), A.Num) else None
            if var is None:
                raise self.fail("∫ needs both bounds, or a variable: ∫_τ … dτ", node=node)
            if dvar is not None and canon(dvar) != var:
                raise self.fail(f"∫_{var} ends in d{dvar}", node=node)
            return A.Integral(var, self.with_bound(var).resolve(body))
        if dvar is None:
            raise self.fail("an integral needs its variable: … dx", node=node)
        var = canon(dvar)
        inner = self.with_bound(var)
        if lo is None:
            return A.Integral(var, inner.resolve(body))
        return A.Integral(var, inner.resolve(body), self.resolve(lo), self.resolve(hi))

    def expect(self, node: A.RawExpect) -> A.Node:
        if node.dist is None:
            raise self.fail("an expectation needs its distribution: write E_{x~p}[…]",
                            code="no-distribution", node=node)
        var = canon(node.var)
        inner = self.with_bound(var)
        weight = inner.distribution(node.dist, var, node)
        return A.Expect(var, weight, inner.resolve(node.body))

    def distribution(self, dist, var: str, node) -> A.Node:
        """The weight `p(…, var, …)` of E_{var~dist}: the variable fills the `·` or the
        distribution's declared variable slot (the last slot of an undeclared one)."""
        dist = _strip(dist)
        if isinstance(dist, A.Name):
            name, args, cond = dist, (), ()
        elif isinstance(dist, A.Call):
            name, args, cond = dist.name, dist.args, dist.cond
        else:
            raise self.fail("the distribution of an expectation is a name like p or Pr_θ", node=node)
        base = canon(name.base)
        written = ([] if name.sub is None else [name.sub]) + list(args) + list(cond)
        slots = [i for i, a in enumerate(written) if isinstance(_strip(a), A.Placeholder)]
        resolved = [A.Sym(var) if isinstance(_strip(a), A.Placeholder) else self.resolve(a) for a in written]
        if len(slots) > 1:
            raise self.fail("only one `·` may stand in a distribution", node=node)
        if slots:
            arity = len(resolved)
        else:
            arity = len(resolved) + 1
            decl = self.scope.function(base, arity)
            pos = decl.over if decl is not None and decl.over is not None else arity - 1
            if decl is not None and decl.over is None and decl.kind != "distribution":
                pos = arity - 1
            resolved.insert(pos, A.Sym(var))
        decl = self.scope.function(base, arity)
        if decl is None:
            self.scope.assumed_functions[(base, arity)] = "distribution"
            self.note(f"`{base}` is used as the distribution of E_{{{var}~…}}: "
                      f"read as a distribution over {var}")
        return A.Apply(base, tuple(resolved))


def _product(factors: list[A.Node]) -> A.Node:
    out = factors[0]
    for f in factors[1:]:
        out = A.Mul(out, f, implicit=True)
    return out


def _show(node) -> str:
    from .printer import to_plain
    return to_plain(node)


def _split_differential(body):
    """Remove a trailing `dx` factor from an integrand: (integrand, 'x') or (body, None)."""
    b = _strip(body)
    if isinstance(b, A.Name) and b.sub is None and len(b.base) > 1 and b.base.startswith("d"):
        return A.Num(1, "1"), b.base[1:]
    if isinstance(b, A.Mul):
        right = _strip(b.right)
        if isinstance(right, A.Name) and right.sub is None and len(right.base) > 1 and right.base.startswith("d"):
            return b.left, right.base[1:]
        inner, var = _split_differential(b.right)
        if var is not None:
            return A.Mul(b.left, inner, b.implicit), var
    return body, None


# ---------------------------------------------------------------------------
# Declarations from `let` heads


def declare_head(head: A.Node, kind: str, over: str | None, set_name: str | None,
                 resolver: Resolver, line: int) -> list:
    """Declarations for one head of a `let … : kind` line."""
    head = _strip(head)
    if kind in ("real", "positive", "nonnegative", "integer", "natural", "nonzero", "index"):
        if isinstance(head, A.Name):
            if kind != "index" and head.sub is not None and label(head.sub) is None:
                raise resolver.fail("a symbol's subscript must be a name or a number", "bad-declaration", head)
            name = canon(head.base) if head.sub is None else f"{canon(head.base)}_{label(head.sub)}"
            if kind == "index":
                return [SymbolDecl(name, "index", canon(set_name) if set_name else name, line)]
            return [SymbolDecl(name, kind, None, line)]
        if isinstance(head, A.Call) and kind in ("real", "positive"):
            return [_function(head, kind, None, resolver, line)]
        if isinstance(head, A.Call):
            raise resolver.fail(f"a function is declared `real` or `positive`, not `{kind}`",
                                "bad-declaration", head.name)
        raise resolver.fail(f"`{kind}` declares names like x or θ_ref", "bad-declaration", head)
    if kind == "sequence":
        if isinstance(head, A.Name) and head.sub is not None and label(head.sub) is not None:
            return [FunctionDecl(canon(head.base), (label(head.sub),), "sequence", None, line)]
        if isinstance(head, A.Call) and head.name.sub is None and len(head.args) == 1:
            return [_function(head, "sequence", None, resolver, line)]
        raise resolver.fail("a sequence is declared by one term, like s_t", "bad-declaration", head)
    if kind == "distribution":
        if not isinstance(head, A.Call):
            raise resolver.fail("a distribution is declared applied to its variable, like p(x)",
                                "bad-declaration", head)
        return [_function(head, "distribution", over, resolver, line)]
    raise resolver.fail(f"unknown kind `{kind}`", "bad-declaration", head)


def _function(head: A.Call, kind: str, over: str | None, resolver: Resolver, line: int) -> FunctionDecl:
    params: list[str] = []
    written = ([] if head.name.sub is None else [head.name.sub]) + list(head.args) + list(head.cond)
    for p in written:
        text = label(p)
        if text is None:
            raise resolver.fail("a function's parameters are names, like f(x, y)", "bad-declaration", head.name)
        params.append(text)
    if len(set(params)) != len(params):
        raise resolver.fail("a parameter is named twice", "bad-declaration", head.name)
    pos = None
    if kind == "distribution":
        target = canon(over) if over else (label(head.args[0]) if head.args else params[-1])
        if target not in params:
            raise resolver.fail(f"`{target}` is not a parameter of {canon(head.name.base)}",
                                "bad-declaration", head.name)
        pos = params.index(target)
    return FunctionDecl(canon(head.name.base), tuple(params), kind, pos, line)


# ---------------------------------------------------------------------------
# Names that look alike: a Cyrillic `а` beside a Latin `a` is a different name

# letters of other scripts drawn like a Latin letter in common fonts; Greek lower case is left
# out on purpose (ρ beside p, ν beside v are distinct symbols in mathematics), its capitals
# and omicron are not (nobody writes a capital alpha for A)
_LOOKALIKES = dict(zip(
    "аеіјорсухѕԁԛԝһӏАВЕКМНОРСТУХІЈЅԚԜҮοΑΒΕΖΗΙΚΜΝΟΡΤΥΧօսհ",
    "aeijopcyxsdqwhlABEKMHOPCTYXIJSQWYoABEZHIKMNOPTYXouh",
))


def _script(ch: str) -> str:
    import unicodedata

    name = unicodedata.name(ch, "")
    for script in ("LATIN", "CYRILLIC", "GREEK", "ARMENIAN"):
        if name.startswith(script):
            return script.title()
    return ""


def skeleton(name: str) -> str:
    """What a name looks like: compatibility forms folded (`𝑥`, `ｘ` → `x`), letters of
    other scripts that are drawn like Latin ones replaced by those."""
    import unicodedata

    folded = unicodedata.normalize("NFKC", name)
    return "".join(_LOOKALIKES.get(ch, ch) for ch in folded)


def _describe(name: str) -> str:
    import unicodedata

    odd = [ch for ch in name if ch in _LOOKALIKES or unicodedata.normalize("NFKC", ch) != ch]
    if not odd:
        return f"`{name}`"
    parts = ", ".join(f"{unicodedata.name(ch, '?').lower()} U+{ord(ch):04X}" for ch in dict.fromkeys(odd))
    return f"`{name}` ({parts})"


def confusable_names(names) -> list[tuple[str, str]]:
    """Pairs (earlier, later) of distinct names, in order of first use, that look alike;
    and (name, name) for a name that mixes Latin with Cyrillic, Greek or Armenian letters
    in one word (`pаy` with a Cyrillic а)."""
    seen: dict[str, str] = {}
    out: list[tuple[str, str]] = []
    for name in dict.fromkeys(names):
        for part in name.split("_"):
            scripts = {_script(ch) for ch in part if ch.isalpha()} - {""}
            if "Latin" in scripts and len(scripts) > 1 and any(ch in _LOOKALIKES for ch in part):
                out.append((name, name))
                break
        key = skeleton(name)
        if key in seen and seen[key] != name:
            out.append((seen[key], name))
        seen.setdefault(key, name)
    return out


def name_warnings(derivation) -> list[Diagnostic]:
    """A warning for each pair of look-alike names a derivation uses, at the step where the
    second one first appears."""
    where: dict[str, tuple[int, int]] = {}
    order: list[str] = []

    def use(name: str, line: int, column: int) -> None:
        if name not in where:
            where[name] = (line, column)
            order.append(name)

    for d in derivation.declarations:
        name = getattr(d, "name", None)
        if name:
            use(name, getattr(d, "line", 0) or derivation.line, 1)
    for step in derivation.steps:
        for n in A.walk(step.expr):
            match n:
                case A.Sym(name) | A.Apply(name) | A.Deriv(name) | A.Sum(name) | A.Product(name) \
                        | A.Expect(name) | A.Integral(name) | A.At(_, name):
                    use(name, step.line, step.column)
    out = []
    for first, second in confusable_names(order):
        line, column = where[second]
        if first == second:
            message = f"the name {_describe(second)} mixes letters of different scripts"
        else:
            message = (f"{_describe(second)} looks like {_describe(first)} but is a different name")
        out.append(Diagnostic("confusable-name", message, line, column, severity="warning"))
    return out
