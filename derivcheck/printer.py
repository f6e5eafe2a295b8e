"""Print resolved trees back in plain notation, optionally fully bracketed (`--show-reading`)."""

from __future__ import annotations

from fractions import Fraction

from . import ast as A

# binding strength: higher binds tighter
_SUM, _PROD, _NEG, _POW, _ATOM = 1, 2, 3, 4, 6


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


class _Printer:
    def __init__(self, bracketed: bool):
        self.bracketed = bracketed

    def wrap(self, node: A.Node, min_prec: int, last: bool = False) -> str:
        text, prec, is_tail = self.render(node)
        atomic = prec >= _ATOM
        if (prec < min_prec) or (is_tail and not last) or (self.bracketed and not atomic):
            return f"({text})"
        return text

    def show(self, node: A.Node) -> str:
        return self.render(node)[0]

    def render(self, node: A.Node) -> tuple[str, int, bool]:
        """(text, precedence, ends-with-an-open-body) of a node."""
        w = self.wrap
        match node:
            case A.Num(value, text):
                s = _num(value, text)
                return s, (_ATOM if value >= 0 and value.denominator == 1 or text else _PROD), False
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
            case A.Add(a, b):
                return f"{w(a, _SUM)} + {w(b, _PROD, True)}", _SUM, False
            case A.Sub(a, b):
                return f"{w(a, _SUM)} - {w(b, _PROD, True)}", _SUM, False
            case A.Neg(a):
                return f"-{w(a, _PROD, True)}", _NEG, False
            case A.Mul(a, b):
                right, _, tail = self.render(b)
                rs = w(b, _POW, True)
                return f"{w(a, _PROD)}·{rs}", _PROD, tail and not self.bracketed
            case A.Div(a, b):
                return f"{w(a, _PROD)}/{w(b, _POW, True)}", _PROD, False
            case A.Pow(a, b):
                return f"{w(a, _ATOM)}^{w(b, _ATOM)}", _POW, False
            case A.Fn("abs", (x,)):
                return f"|{self.show(x)}|", _ATOM, False
            case A.Fn("factorial", (x,)):
                return f"{w(x, _ATOM)}!", _ATOM, False
            case A.Fn("log", (x, base)):
                return f"log_{w(base, _ATOM)}({self.show(x)})", _ATOM, False
            case A.Fn(name, args) | A.Apply(name, args):
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
                text, prec, tail = self.render(body)
                if tail:
                    return f"∇_{var} {text}", _PROD, True
                return f"∇_{var} {w(body, _ATOM)}", _POW, False
            case A.At(body, var, value):
                return f"({self.show(body)})|_{{{var}={self.show(value)}}}", _ATOM, False
            case A.Rel(op, a, b):
                return f"{self.show(a)} {op} {self.show(b)}", 0, False
            case A.Sum(var, body, lo, hi, exc):
                return self.bigop("Σ", var, body, lo, hi, exc), _PROD, True
            case A.Product(var, body, lo, hi, exc):
                return self.bigop("Π", var, body, lo, hi, exc), _PROD, True
            case A.Integral(var, body, lo, hi):
                if lo is None:
                    return f"∫_{var} {w(body, _PROD)} d{var}", _PROD, False
                return (f"∫_{{{self.show(lo)}}}^{{{self.show(hi)}}} {w(body, _PROD)} d{var}",
                        _PROD, False)
            case A.Expect(var, weight, body):
                return f"E_{{{var}~{self.dist(weight, var)}}}[{self.show(body)}]", _ATOM, False
            case A.BigOp(op, var, lo, hi, body):
                sym = {"sum": "Σ", "prod": "Π", "int": "∫"}[op]
                return self.bigop(sym, var or "", body, lo, hi, None), _PROD, True
            case A.RawExpect(var, dist, body):
                d = self.show(dist) if dist is not None else ""
                return f"E_{{{var}~{d}}}[{self.show(body)}]", _ATOM, False
        return repr(node), _ATOM, False

    def bigop(self, sym: str, var: str, body, lo, hi, exc) -> str:
        if lo is None and hi is None:
            sub = var if len(var) == 1 else f"{{{var}}}"
            head = f"{sym}_{sub}"
        else:
            excl = f", {var}≠{self.show(exc)}" if exc is not None else ""
            head = f"{sym}_{{{var}={self.show(lo)}{excl}}}^{{{self.show(hi)}}}"
        if exc is not None and lo is None:
            head = f"{sym}_{{{var}≠{self.show(exc)}}}"
        body_text = self.wrap(body, _PROD, True) if self.bracketed else self.render(body)[0]
        return f"{head} {body_text}"

    def dist(self, weight: A.Node, var: str) -> str:
        """`Pr(θ, τ)` weighting τ is shown as `Pr(θ, ·)`."""
        if isinstance(weight, A.Apply):
            args = ["·" if a == A.Sym(var) else self.show(a) for a in weight.args]
            return f"{weight.func}({', '.join(args)})"
        return self.show(weight)


def sub_simple(sub) -> bool:
    return isinstance(sub, A.Num) or (isinstance(sub, A.Name) and sub.sub is None)
