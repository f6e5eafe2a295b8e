"""Print resolved trees back in plain notation, optionally fully bracketed (`--show-reading`).

The text reads back as the same tree (tests/test_properties.py): the checker's cache is keyed
by printed text, so two different trees must never print alike.  Brackets go wherever the
grammar would read the text otherwise — a Σ's body that is a sum, a negative factor, a
product that is the body of a Σ in turn.
"""

from __future__ import annotations

from fractions import Fraction

from . import ast as A

# binding strength, as in grammars/plain.lark: higher binds tighter
_SUM = 1  # a + b
_NEG = 1.5  # -a: a term, not a factor (`-x·y` is -(x·y))
_PROD = 2  # a·b, a/b; and Σ, Π, ∫ (a "tail", whose body runs to the end of the product)
_BAR = 2.5  # (a)|_{θ=v}
_PREFIX = 3  # ∇_θ a, applied to the next factor
_POW = 4  # a^b
_ATOM = 6

_TAILS = (A.Sum, A.Product, A.Integral, A.BigOp)


def to_plain(node: A.Node, bracketed: bool = False) -> str:
    """The plain-notation text of a (resolved or raw) tree.

    With `bracketed`, every compound operand is put in parentheses, so the reading of
    `a/b c` or `∇_θ log Pr_θ(τ) R(τ)` is unmistakable.
    """
    return _Printer(bracketed).show(node)


def _num(value: Fraction, text: str = "") -> str:
    if text:
        return text
    if value.denominator == 1:
        return str(value.numerator)
    return f"{value.numerator}/{value.denominator}"


def _sub(text: str) -> str:
    """A subscript: a plain name or number as it is, anything else in braces."""
    return text if text.isalnum() else f"{{{text}}}"


class _Printer:
    def __init__(self, bracketed: bool):
        self.bracketed = bracketed

    def wrap(self, node: A.Node, min_prec: float, last: bool = False) -> str:
        text, prec, is_tail = self.render(node)
        atomic = prec >= _ATOM
        if (prec < min_prec) or (is_tail and not last) or (self.bracketed and not atomic):
            return f"({text})"
        return text

    def show(self, node: A.Node) -> str:
        return self.render(node)[0]

    def render(self, node: A.Node) -> tuple[str, float, bool]:
        """(text, precedence, ends-with-an-open-body) of a node."""
        w = self.wrap
        match node:
            case A.Num(value, text):
                s = _num(value, text)
                if value < 0 and not text:
                    return s, _NEG, False
                return s, (_ATOM if value.denominator == 1 or text else _PROD), False
            case A.Const(name):
                return ("π" if name == "pi" else name), _ATOM, False
            case A.Sym(name):
                return name, _ATOM, False
            case A.Name(base, sub):
                if sub is None:
                    return base, _ATOM, False
                inner = self.show(sub)
                return (f"{base}_{inner}" if isinstance(sub, (A.Name, A.Num)) and sub_simple(sub)
                        else f"{base}_{{{inner}}}"), _ATOM, False
            # a Σ only takes the rest of its product: after a sum or a negation nothing is open
            case A.Add(a, b):
                return f"{w(a, _SUM)} + {w(b, _PROD, True)}", _SUM, False
            case A.Sub(a, b):
                return f"{w(a, _SUM)} - {w(b, _PROD, True)}", _SUM, False
            case A.Neg(a):
                return f"-{w(a, _PROD, True)}", _NEG, False
            case A.Mul(a, b):
                right, open_end = self.right_factor(b)
                return f"{w(a, _PROD)}·{right}", _PROD, open_end
            case A.Div(a, b):
                right, open_end = self.right_factor(b)
                return f"{w(a, _PROD)}/{right}", _PROD, open_end
            case A.Pow(a, b):
                return f"{w(a, _ATOM)}^{w(b, _ATOM)}", _POW, False
            case A.Fn("abs", (x,)):
                return f"|{self.show(x)}|", _ATOM, False
            case A.Fn("factorial", (x,)):
                return f"{w(x, _ATOM)}!", _ATOM, False
            case A.Fn("log", (x, base)):
                b = self.show(base)
                sub = b if sub_simple(base) else f"{{{b}}}"
                return f"log_{sub}({self.show(x)})", _ATOM, False
            case A.Fn(name, args):
                return f"{name}({', '.join(self.show(x) for x in args)})", _ATOM, False
            case A.Apply(name, args):
                if not args:
                    return name, _ATOM, False
                return f"{name}({', '.join(self.show(x) for x in args)})", _ATOM, False
            case A.Call(name, args, cond):
                inner = ", ".join(self.show(x) for x in args)
                if cond:
                    inner += " | " + ", ".join(self.show(x) for x in cond)
                return f"{self.show(name)}({inner})", _ATOM, False
            case A.Placeholder():
                return "·", _ATOM, False
            case A.Group(inner):
                return self.render(inner)
            case A.Deriv(var, body):
                head = f"∇_{_sub(var)}"
                if isinstance(body, _TAILS) and not self.bracketed:
                    # ∇_θ Σ_τ …: the operator takes the Σ with all it covers
                    return f"{head} {self.show(body)}", _PROD, True
                return f"{head} {w(body, _ATOM)}", _PREFIX, False
            case A.At(body, var, value):
                return f"({self.show(body)})|_{{{var}={self.show(value)}}}", _BAR, False
            case A.Rel(op, a, b):
                return f"{self.show(a)} {op} {self.show(b)}", 0, False
            case A.Sum(var, body, lo, hi, exc):
                return self.bigop("Σ", var, body, lo, hi, exc), _PROD, True
            case A.Product(var, body, lo, hi, exc):
                return self.bigop("Π", var, body, lo, hi, exc), _PROD, True
            case A.Integral(var, body, lo, hi):
                # the body is a product ended by `dx`: a sum or a Σ inside it needs brackets
                inner = w(body, _PROD)
                if lo is None:
                    return f"∫_{_sub(var)} {inner} d{var}", _PROD, True
                return (f"∫_{{{self.show(lo)}}}^{{{self.show(hi)}}} {inner} d{var}", _PROD, True)
            case A.Expect(var, weight, body):
                return f"E_{{{var}~{self.dist(weight, var)}}}[{self.show(body)}]", _ATOM, False
            case A.BigOp("int", _, lo, hi, body):  # as written: `∫_0^1 f(x) dx`, `∫_τ … dτ`
                head = "∫" + (f"_{{{self.show(lo)}}}" if lo is not None else "")
                head += f"^{{{self.show(hi)}}}" if hi is not None else ""
                return f"{head} {self.wrap(body, _PROD, True)}", _PROD, True
            case A.BigOp(op, var, lo, hi, body, over, exc):
                sym = "Σ" if op == "sum" else "Π"
                if over is not None:
                    head = f"{sym}_{{{var} ∈ {over}}}"
                elif lo is None:
                    head = f"{sym}_{_sub(var)}"
                else:
                    excl = f", {var}≠{self.show(exc)}" if exc is not None else ""
                    head = f"{sym}_{{{var}={self.show(lo)}{excl}}}"
                head += f"^{{{self.show(hi)}}}" if hi is not None else ""
                return f"{head} {self.wrap(body, _PROD, True)}", _PROD, True
            case A.RawExpect(var, dist, body):
                if var is None:
                    return f"E[{self.show(body)}]", _ATOM, False
                if dist is None:
                    return f"E_{_sub(var)}[{self.show(body)}]", _ATOM, False
                return f"E_{{{var}~{self.show(dist)}}}[{self.show(body)}]", _ATOM, False
        return repr(node), _ATOM, False

    def right_factor(self, b: A.Node) -> tuple[str, bool]:
        """The right operand of · or /, and whether the product now ends open: a Σ, Π or
        ∫ (or ∇ of one) may close a product unbracketed (`a·Σ_τ x`), a product may not."""
        text, prec, tail = self.render(b)
        pure_tail = isinstance(b, _TAILS) or (isinstance(b, A.Deriv) and tail)
        if pure_tail and not self.bracketed:
            return text, True
        return self.wrap(b, _BAR, True), False

    def bigop(self, sym: str, var: str, body, lo, hi, exc) -> str:
        if lo is None and hi is None:
            head = f"{sym}_{_sub(var)}"
        else:
            excl = f", {var}≠{self.show(exc)}" if exc is not None else ""
            head = f"{sym}_{{{var}={self.show(lo)}{excl}}}^{{{self.show(hi)}}}"
        if exc is not None and lo is None:
            head = f"{sym}_{{{var}≠{self.show(exc)}}}"
        # the body runs to the end of the product: a sum or a negation in it needs brackets
        return f"{head} {self.wrap(body, _PROD, True)}"

    def dist(self, weight: A.Node, var: str) -> str:
        """`Pr(θ, τ)` weighting τ is shown as `Pr(θ, ·)`."""
        if isinstance(weight, A.Apply):
            args = ["·" if a == A.Sym(var) else self.show(a) for a in weight.args]
            return f"{weight.func}({', '.join(args)})"
        return self.show(weight)


def sub_simple(sub) -> bool:
    return isinstance(sub, A.Num) or (isinstance(sub, A.Name) and sub.sub is None)
