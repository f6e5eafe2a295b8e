"""Parse LaTeX expressions into the same raw trees as the plain notation, with located errors."""

from __future__ import annotations

import functools

from lark import Lark, Token, UnexpectedInput, UnexpectedToken

from .. import ast as A
from ..diagnostics import Diagnostic
from ..errors import InputError, LimitError
from .latex_lexer import OPERAND_END, LexError, tokenize
from .latex_tables import TOKEN_NAMES
from .plain import _GrammarMisuse, _strip, _ToAst, _var_name, load_grammar

OPENERS = {"LPAR", "CALL_LPAR", "LBRACK", "LBRACE", "ABSOPEN", "OPTOPEN", "LEFTDOT"}
CLOSERS = {"RPAR", "RBRACK", "RBRACE", "ABSCLOSE", "RIGHTBAR"}


@functools.cache
def _parser() -> Lark:
    """The LALR parser, built once per process, its tables cached on disk like the plain one's."""
    # the transformer runs as the parser reduces: no parse tree is built, then walked
    return load_grammar("latex", transformer=_LatexToAst())


def _order(value: str) -> tuple[str, int]:
    var, _, order = value.partition("^")
    return var, int(order or 1)


class _LatexToAst(_ToAst):
    """The plain transformer's callbacks, plus LaTeX's own constructs."""

    def start(self, items):
        return items[0]

    def frac(self, items):
        _, num, den = items
        return A.Div(num, den)

    def sqrt(self, items):
        return A.Fn("sqrt", (_strip(items[1]),))

    def nth_root(self, items):
        _, _, n, _, x = items
        return A.Fn("root", (_strip(n), _strip(x)))

    def binom(self, items):
        _, n, k = items
        return A.Fn("binom", (_strip(n), _strip(k)))

    def ddx_prefix(self, items):
        t = items[0]
        var, order = _order(str(t.value))
        return ("deriv", "d", var, t, order)

    def grad_prefix(self, items):
        return ("deriv", "grad", _var_name(items[2]), items[0], 1)

    def partial_prefix(self, items):
        return ("deriv", "partial", _var_name(items[2]), items[0], 1)

    def apply_prefix(self, items):
        prefix, operand = items
        if prefix[0] == "deriv":
            _, style, var, _, order = prefix
            out = operand
            for _ in range(order):
                out = A.Deriv(var, out, style)
            return out
        return super().apply_prefix(items)

    def frac_deriv(self, items):
        var, order = _order(str(items[0].value))
        out = _strip(items[2])
        for _ in range(order):
            out = A.Deriv(var, out, "frac")
        return out

    def evalgroup(self, items):
        _, body, _, _, _, var, rel, value, _ = items
        if str(rel) != "=":
            raise _GrammarMisuse("the evaluation bar needs `=`: \\right|_{\\theta=a}", rel)
        return A.At(A.Group(body, "("), _var_name(var), _strip(value))

    def body(self, items):
        return _strip(items[1])

    def braced_body(self, items):
        return _strip(items[2])

    def expect(self, items):
        e, _, _, var, _, dist, _, body = items
        return A.RawExpect(_var_name(var), dist, body, e.line, e.column)

    def expect_sub(self, items):
        e, _, sub, body = items
        return A.RawExpect(_var_name(_strip(sub)), None, body, e.line, e.column)

    def expect_bare(self, items):
        e, body = items
        return A.RawExpect(None, None, body, e.line, e.column)

    def range_from(self, items):
        var, rel, value = str(items[1]), str(items[2]), _strip(items[3])
        if rel == "≠":
            return (var, None, value, None)
        if rel != "=":
            raise _GrammarMisuse("a sum's lower bound is written `t=0`", items[2])
        return (var, value, None, None)


def parse_tokens(tokens: list[Token], source_line: str = "") -> A.Node:
    """One expression's raw tree from its tokens; errors are InputError with a Diagnostic."""
    if not tokens:
        raise InputError(Diagnostic("parse-error", "expected an expression", 0, 0, source_line=source_line))
    try:
        return _parser().parse(tokens)
    except UnexpectedToken as e:
        raise InputError(_unexpected(e, tokens, source_line)) from None
    except UnexpectedInput as e:  # pragma: no cover - other lark failures
        t = tokens[0]
        raise InputError(Diagnostic("parse-error", str(e).splitlines()[0], t.line, t.column,
                                    source_line=source_line)) from None
    except Exception as e:  # VisitError wrapping _GrammarMisuse
        inner = getattr(e, "orig_exc", e)
        if isinstance(inner, _GrammarMisuse):
            tok = inner.tok if isinstance(inner.tok, Token) else tokens[0]
            raise InputError(Diagnostic("parse-error", str(inner), tok.line, tok.column,
                                        source_line=source_line)) from None
        raise


def lex(text: str, line: int = 1, column: int = 1, source_line: str = "",
        labels: frozenset[str] | None = frozenset()) -> list[Token]:
    """Tokens of `text`, or InputError (unsupported command, ambiguity, stray character)."""
    try:
        return tokenize(text, line, column, labels)
    except LexError as e:
        error = LimitError if e.code == "limit" else InputError
        raise error(Diagnostic(e.code, str(e), e.line, e.column, source_line=source_line)) from None


def split_relations(tokens: list[Token]) -> tuple[list[list[Token]], list[Token]]:
    """The pieces of `A = B \\le C` between top-level relations, and the relations."""
    pieces: list[list[Token]] = [[]]
    rels: list[Token] = []
    depth = 0
    for t in tokens:
        if t.type in OPENERS:
            depth += 1
        elif t.type in CLOSERS:
            depth = max(depth - 1, 0)
        if t.type == "REL" and depth == 0:
            rels.append(t)
            pieces.append([])
        else:
            pieces[-1].append(t)
    return pieces, rels


def parse_chain(text: str, line: int = 1, column: int = 1, source_line: str = "",
                labels: frozenset[str] | None = frozenset()):
    """Parse `e1 REL e2 REL …` written in LaTeX: ([raw trees], [relation tokens]).

    The same contract as `syntax.plain.parse_chain`, so a caller may use either.
    """
    tokens = lex(text, line, column, source_line, labels)
    if not tokens:
        raise InputError(Diagnostic("parse-error", "expected an expression", line, column,
                                    source_line=source_line))
    pieces, rels = split_relations(tokens)
    exprs = []
    for k, piece in enumerate(pieces):
        if not piece:
            where = rels[k - 1] if k > 0 else rels[0]
            raise InputError(Diagnostic("parse-error", f"nothing {'follows' if k else 'comes before'} `{where}`",
                                        where.line, where.column, source_line=source_line,
                                        expected=("an expression",)))
        exprs.append(parse_tokens(piece, source_line))
    return exprs, rels


def _unexpected(e: UnexpectedToken, tokens: list[Token], source_line: str) -> Diagnostic:
    """Point at the token to blame, naming what would have been accepted in LaTeX terms."""
    tok = e.token
    expected = tuple(sorted({TOKEN_NAMES.get(t, t) for t in e.expected}))
    if tok.type == "$END":
        last = tokens[-1]
        opened = _still_open(tokens)
        if last.type not in OPERAND_END:
            where, message = last, f"the expression ends after `{last}`"
        elif opened is not None:
            where, message = opened, f"unclosed `{opened}`"
        else:
            where, message = last, "the expression ends too early"
        return Diagnostic("parse-error", message, where.line, where.column,
                          source_line=source_line, expected=expected)
    message = f"unexpected `{tok}`"
    if tok.type in CLOSERS and _still_open([t for t in tokens if t.start_pos < tok.start_pos]) is None:
        message = f"unmatched `{tok}`"
    return Diagnostic("parse-error", message, tok.line, tok.column, source_line=source_line,
                      expected=expected)


def _still_open(tokens: list[Token]) -> Token | None:
    stack: list[Token] = []
    for t in tokens:
        if t.type in OPENERS:
            stack.append(t)
        elif t.type in CLOSERS and stack:
            stack.pop()
    return stack[-1] if stack else None
