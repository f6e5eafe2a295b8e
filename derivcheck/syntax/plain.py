"""Parse plain-notation expressions into raw trees (derivcheck.ast), with located errors."""

from __future__ import annotations

import functools
import os
from fractions import Fraction

from lark import Lark, Token, Transformer, UnexpectedInput, UnexpectedToken
from lark.lexer import Lexer

from .. import __version__
from .. import ast as A
from .. import limits
from ..diagnostics import Diagnostic
from ..errors import InputError, LimitError
from .plain_lexer import OPERAND_END, TOKEN_NAMES, LexError, tokenize


class _TokenListLexer(Lexer):
    """Hands lark the tokens our tokenizer made (passed as the parser's input)."""

    __future_interface__ = 2

    def __init__(self, lexer_conf):  # noqa: D107 - lark's interface
        pass

    def lex(self, lexer_state, parser_state):
        yield from lexer_state.text


@functools.cache
def _parser() -> Lark:
    """The LALR parser, built once per process; the built tables are cached on disk
    (in the user's cache directory, keyed by the grammar's hash) to spare cold starts."""
    return load_grammar("plain")


def load_grammar(name: str, **extra) -> Lark:
    """`grammars/<name>.lark` as a strict LALR parser over our tokens, its tables cached."""
    options = dict(parser="lalr", lexer=_TokenListLexer, start="start",
                   maybe_placeholders=False, strict=True, **extra)
    cache = _cache_file(name)
    if cache is not None:
        try:
            return Lark.open_from_package("derivcheck.grammars", f"{name}.lark", cache=cache, **options)
        except Exception:  # an unwritable or stale cache is only a lost speed-up
            pass
    return Lark.open_from_package("derivcheck.grammars", f"{name}.lark", **options)


def _cache_file(name: str) -> str | None:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    folder = os.path.join(base, "derivcheck")
    try:
        os.makedirs(folder, mode=0o700, exist_ok=True)
    except OSError:
        return None
    return os.path.join(folder, f"{name}-grammar-{__version__}.lark")


def _number(text: str) -> A.Num:
    return A.Num(Fraction(text), text)


def _strip(node):
    """Drop written brackets where they carry no meaning of their own."""
    while isinstance(node, A.Group):
        node = node.inner
    return node


class _ToAst(Transformer):
    """One callback per grammar alias; punctuation tokens are ignored by position-free unpacking."""

    # -- chains ---------------------------------------------------------------
    def chain(self, items):
        # relations stay Tokens (a str with .line/.column): `A = B` puts step 2 at its `=`
        return items[0::2], items[1::2]

    def start(self, items):
        return items[0]

    # -- arithmetic -------------------------------------------------------------
    def add(self, items):
        return A.Add(items[0], items[2])

    def sub(self, items):
        return A.Sub(items[0], items[2])

    def neg(self, items):
        return A.Neg(items[-1])

    def pos(self, items):
        return items[-1]

    def mul(self, items):
        return A.Mul(items[0], items[2])

    def imul(self, items):
        return A.Mul(items[0], items[1], implicit=True)

    def div(self, items):
        return A.Div(items[0], items[2])

    def pow(self, items):
        exp = items[-1]
        if isinstance(exp, Token):  # SUPNUM
            exp = A.Neg(_number(exp[1:])) if exp.startswith("-") else _number(str(exp))
        return A.Pow(items[0], exp)

    def factorial(self, items):
        return A.Fn("factorial", (items[0],))

    def number(self, items):
        return _number(str(items[0]))

    def brace(self, items):
        return A.Group(items[1], "{")

    def paren(self, items):
        return A.Group(items[1], "(")

    def brack(self, items):
        return A.Group(items[1], "[")

    def abs(self, items):
        return A.Fn("abs", (items[1],))

    # -- names and calls ----------------------------------------------------------
    def plain_name(self, items):
        t = items[0]
        return A.Name(str(t), None, t.line, t.column)

    def subscripted_name(self, items):
        t = items[0]
        return A.Name(str(t), _strip(items[2]), t.line, t.column)

    def sub_name(self, items):
        t = items[0]
        return A.Name(str(t), None, t.line, t.column)

    def args(self, items):
        return ([x for x in items if not isinstance(x, Token)], [])

    def cond_args(self, items):
        bar = next(i for i, x in enumerate(items) if isinstance(x, Token) and x.type == "COND")
        before = [x for x in items[:bar] if not isinstance(x, Token)]
        after = [x for x in items[bar + 1:] if not isinstance(x, Token)]
        return (before, after)

    def placeholder(self, items):
        return A.Placeholder()

    def call(self, items):
        name, _, (args, cond), _ = items
        return A.Call(name, tuple(_strip(a) for a in args), tuple(_strip(c) for c in cond))

    def fn_call(self, items):
        fn, _, (args, cond), _ = items
        if cond:
            raise _GrammarMisuse("a function like log takes no conditioning bar", items[0])
        return A.Fn(str(fn), tuple(_strip(a) for a in args))

    def fn_base_call(self, items):
        fn, _, base, _, (args, cond), _ = items
        return _with_base(str(fn), tuple(_strip(a) for a in args), _strip(base), fn)

    # -- prefix operators ---------------------------------------------------------
    def fn_prefix(self, items):
        return ("fn", str(items[0]), None, None, items[0])

    def fn_base_prefix(self, items):
        return ("fn", str(items[0]), _strip(items[2]), None, items[0])

    def fn_power_prefix(self, items):
        exp = items[-1]
        if isinstance(exp, Token):  # SUPNUM
            exp = _number(str(exp))
        exp = _strip(exp)
        if exp in (A.Num(Fraction(-1)), A.Neg(A.Num(Fraction(1)))):
            # sin^-1 x is arcsin to some readers and 1/sin x to others: make the writer say
            fn = str(items[0])
            inverse = f"a{fn}(x) or " if fn in ("sin", "cos", "tan") else ""
            raise _GrammarMisuse(f"`{fn}^-1` is ambiguous: write {inverse}1/{fn}(x)", items[0])
        return ("fn", str(items[0]), None, exp, items[0])

    def grad_prefix(self, items):
        return ("deriv", "grad", _var_name(items[2]), items[0])

    def partial_prefix(self, items):
        return ("deriv", "partial", _var_name(items[2]), items[0])

    def ddx_prefix(self, items):
        t = items[0]
        return ("deriv", "d", str(t.value), t)

    def apply_prefix(self, items):
        prefix, operand = items
        if prefix[0] == "deriv":
            _, style, var, _ = prefix
            return A.Deriv(var, operand, style)
        _, fn, base, power, tok = prefix
        applied = _with_base(fn, (_strip(operand),), base, tok) if base is not None else A.Fn(fn, (_strip(operand),))
        return A.Pow(applied, power) if power is not None else applied

    def partial_frac(self, items):
        _, body, _, _, var = items
        return A.Deriv(_var_name(var), body, "frac")

    def evalbar(self, items):
        body, _, _, _, var, rel, value, _ = items
        if str(rel) != "=":
            raise _GrammarMisuse("the evaluation bar needs `=`: |_{θ=a}", rel)
        return A.At(body, _var_name(var), _strip(value))

    # -- expectations and big operators -------------------------------------------
    def expect(self, items):
        e, _, _, var, _, dist, _, _, body, _ = items
        return A.RawExpect(_var_name(var), dist, _strip(body), e.line, e.column)

    def expect_bare(self, items):
        e = items[0]
        body = _strip(items[-2])
        var = _var_name(_strip(items[2])) if len(items) == 6 else None
        return A.RawExpect(var, None, body, e.line, e.column)

    def upper(self, items):
        return _strip(items[1])

    def range_var(self, items):
        names = [x for x in items if isinstance(x, Token) and x.type == "NAME"]
        return (str(names[0]), None, None, None)

    def range_from(self, items):
        return (str(items[1]), _strip(items[3]), None, None)

    def range_from_except(self, items):
        var, lo, other, rel, excluded = str(items[1]), _strip(items[3]), str(items[5]), items[6], _strip(items[7])
        if other != var or str(rel) != "≠":
            raise _GrammarMisuse("an excluded index is written `j≠i` after the lower bound", rel)
        return (var, lo, excluded, None)

    def range_in(self, items):
        return (str(items[1]), None, None, items[3])

    def sum(self, items):
        return self._bigop("sum", items)

    def prod(self, items):
        return self._bigop("prod", items)

    def _bigop(self, op, items):
        tok = items[0]
        var, lo, excluded, over = items[2]
        hi = items[3] if len(items) == 5 else None
        over_name = over.base if isinstance(over, A.Name) else None
        return A.BigOp(op, var, lo, hi, items[-1], over_name, excluded, tok.line, tok.column)

    def integral(self, items):
        tok = items[0]
        rest = items[1:]
        lo = hi = None
        body = rest[-1]
        if len(rest) >= 3 and isinstance(rest[0], Token) and rest[0].type == "UNDERSCORE":
            lo = _strip(rest[1])
            rest = rest[2:]
        if len(rest) == 2:
            hi = rest[0]
        return A.BigOp("int", None, lo, hi, body, None, None, tok.line, tok.column)


def _var_name(node) -> str:
    node = _strip(node)
    if isinstance(node, A.Name):
        if node.sub is None:
            return node.base
        sub = node.sub
        if isinstance(sub, A.Name) and sub.sub is None:
            return f"{node.base}_{sub.base}"
        if isinstance(sub, A.Num):
            return f"{node.base}_{sub.text}"
    raise _GrammarMisuse("expected a variable name here", None)


def _with_base(fn: str, args: tuple, base, tok):
    if fn != "log":
        raise _GrammarMisuse(f"{fn} takes no subscript", tok)
    if len(args) != 1:
        raise _GrammarMisuse("log_b takes one argument", tok)
    return A.Fn("log", (args[0], base))


class _GrammarMisuse(Exception):
    def __init__(self, message: str, tok):
        super().__init__(message)
        self.tok = tok


def parse_chain(text: str, line: int = 1, column: int = 1, source_line: str = ""):
    """Parse `e1 REL e2 REL …` (usually one expression): ([raw trees], [relation tokens]).

    `text` starts at (line, column) of its file; errors are InputError with a Diagnostic
    pointing there, naming what was expected in human terms.
    """
    try:
        tokens = tokenize(text, line, column)
    except LexError as e:
        error = LimitError if e.code == "limit" else InputError
        raise error(Diagnostic(e.code, str(e), e.line, e.column,
                               source_line=source_line)) from None
    if not tokens:
        raise InputError(Diagnostic("parse-error", "expected an expression", line, column,
                                    source_line=source_line))
    try:
        tree = _parser().parse(tokens)
        # the parse is iterative, the transform recursive: measure the depth in between
        too_deep = limits.parse_tree_too_deep(tree)
        if too_deep:
            raise limits.exceeded(too_deep, line, column, source_line)
        return _ToAst().transform(tree)
    except RecursionError:
        raise limits.exceeded("an expression nested too deeply to read", line, column,
                              source_line) from None
    except UnexpectedToken as e:
        raise InputError(_unexpected(e, tokens, source_line)) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark failures
        raise InputError(Diagnostic("parse-error", str(e).splitlines()[0], line, column,
                                    source_line=source_line)) from None
    except Exception as e:  # VisitError wrapping _GrammarMisuse
        inner = getattr(e, "orig_exc", e)
        if isinstance(inner, _GrammarMisuse):
            tok = inner.tok
            ln, col = (tok.line, tok.column) if isinstance(tok, Token) else (line, column)
            raise InputError(Diagnostic("parse-error", str(inner), ln, col,
                                        source_line=source_line)) from None
        raise


_OPENERS = ("LPAR", "CALL_LPAR", "LBRACK", "LBRACE", "ABSOPEN")
_CLOSES = {"RPAR": ("LPAR", "CALL_LPAR"), "RBRACK": ("LBRACK",), "RBRACE": ("LBRACE",),
           "ABSCLOSE": ("ABSOPEN",)}


def _open_brackets(tokens: list[Token]) -> list[Token]:
    """The brackets still open after `tokens`, innermost last."""
    stack: list[Token] = []
    for t in tokens:
        if t.type in _OPENERS:
            stack.append(t)
        elif t.type in _CLOSES and stack and stack[-1].type in _CLOSES[t.type]:
            stack.pop()
    return stack


def _unexpected(e: UnexpectedToken, tokens: list[Token], source_line: str) -> Diagnostic:
    """Point at the character to blame: a dangling operator, an unclosed or unmatched bracket."""
    tok = e.token
    expected = sorted({TOKEN_NAMES.get(t, t) for t in e.expected})
    if tok.type == "$END":
        last = tokens[-1]
        still_open = _open_brackets(tokens)
        if last.type not in OPERAND_END:
            where, message = last, f"the expression ends after {str(last)!r}"
        elif still_open:
            where, message = still_open[-1], f"unclosed {str(still_open[-1])!r}"
        else:
            where, message = None, "the expression ends too early"
        where_line, where_col = (where.line, where.column) if where is not None \
            else (last.end_line, last.end_column)
    else:
        where_line, where_col = tok.line, tok.column
        message = f"unexpected {str(tok)!r}"
        if tok.type in _CLOSES:
            before = [t for t in tokens if t.start_pos < tok.start_pos]
            if not any(t.type in _CLOSES[tok.type] for t in _open_brackets(before)):
                message = f"unmatched {str(tok)!r}"
    return Diagnostic("parse-error", message, where_line, where_col,
                      source_line=source_line, expected=tuple(expected))
