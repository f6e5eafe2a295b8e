"""The LaTeX tokenizer: turns one step's LaTeX into the lark Tokens of grammars/latex.lark.

It settles what a context-free grammar cannot see, as the plain tokenizer does: whether
"(" opens a call (`\\Pr_\\theta(\\tau)`, spaces do not matter in LaTeX) or a group; what a
"|" is (|x|, the conditioning bar of `P(\\tau|\\theta)`, the evaluation bar `\\Big|_{…}`);
which `\\frac{d…}{d x}` is a derivative; where a font, a size or a space command is only
decoration.  Every command is looked up in tables: an unknown one is an `Unsupported`
error naming it, never a guess.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lark import Token

from .. import limits
from .latex_tables import (
    CANCELS, DECORATIONS, EXPECT_WORDS, FONTS, FUNCTION_COMMANDS, GREEK_COMMANDS, IGNORED, NOT_YET,
    RELATIONS_CHARS, SIMPLE, SIZES, SYMBOLS,
)
from .plain_lexer import FUNCTIONS as PLAIN_FUNCTIONS

OPERAND_END = {"NUMBER", "NAME", "RPAR", "RBRACK", "RBRACE", "ABSCLOSE", "BANG", "PLACEHOLDER",
               "RIGHTBAR"}
CALLABLE_HEADS = {"NAME", "FUNC"}
INVERSE = re.compile(r"\s*\{\s*-\s*1\s*\}\s*(?:\(|\\left\s*\(|\\[bB]igg?l?\s*\()")
TOP_SUFFIXES = re.compile(r"\s*(?:\{\s*)?(?:\\top|\\intercal|\\mathsf\{T\}|\\mathrm\{T\}|\\!\\top)(?:\s*\})?")
DERIV_VAR = r"(?:\\[A-Za-z]+|[A-Za-z])(?:_(?:\{[^{}]*\}|\\[A-Za-z]+|[A-Za-z0-9]))?'*"
DERIV_DEN = re.compile(r"\s*(d|\\mathrm\{d\}|\\operatorname\{d\}|\\text\{d\}|\\partial)\s*(" + DERIV_VAR
                       + r")\s*(?:\^\s*\{?\s*([2-9])\s*\}?)?\s*$")
DERIV_NUM = re.compile(r"\s*(d|\\mathrm\{d\}|\\operatorname\{d\}|\\text\{d\}|\\partial)(?![A-Za-z])"
                       r"\s*(?:\^\s*\{?\s*([2-9])\s*\}?)?")
DERIV_NUM_LETTER = re.compile(r"\s*d(?=[A-Za-z])")  # `\frac{dy}{dx}`
_NEXT_WORD = re.compile(r"\\[A-Za-z]+\*?|\\.|.")
_INLINE_DDX = re.compile(r"/d(" + DERIV_VAR + ")")
_COMMAND_NAME = re.compile(r"\\([A-Za-z]+)")
_COMMAND = re.compile(r"\\([A-Za-z]+\*?|.)")
_DIFF_VAR = re.compile(r"\s*(\\[A-Za-z]+|[A-Za-z])")
_DECORATED = re.compile(r"\\[A-Za-z]+|[A-Za-z]")
_DELIMITER = re.compile(r"\\(?:[A-Za-z]+|[{}|])|[()\[\]|./]")
_PRIME_OR_STAR = re.compile(r"\s*(\{\s*(\\prime\s*)+\}|\\prime|\{\s*\*\s*\}|\*|\{\s*\\ast\s*\}|\\ast|\\star|\{\s*\\star\s*\})")
_LABEL = re.compile(r"\s*(?:\{\s*(\\[A-Za-z]+|[^\W\d_]+)\s*\}|(\\[A-Za-z]+|[^\W\d_]))")


class LexError(Exception):
    """Text the tokenizer cannot read; `code` is parse-error, unsupported, ambiguous or limit."""

    def __init__(self, message: str, line: int, column: int, code: str = "parse-error"):
        super().__init__(message)
        self.line = line
        self.column = column
        self.code = code


@dataclass
class _Open:
    kind: str  # call, paren, brack, abs, sub, brace, leftdot, quiet (a `{` that emits nothing)
    close: str = ""  # the token a `}` emits: RBRACE, RPAR, or "" for none
    jump: int = -1  # where to continue after this `}` (the skipped second argument)
    has_cond: bool = False
    pos: int = -1  # where a |…| opened, to show the readings of an ambiguous bar


def match_brace(text: str, i: int) -> int:
    """Index of the `}` closing the `{` at i (escaped braces skipped), or -1."""
    depth = 0
    n = len(text)
    while i < n:
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth -= 1
            if depth == 0:
                return i
        i += 1
    return -1


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _var_text(s: str) -> str:
    """`\\theta_{\\text{old}}` → `θ_old`: a derivative's variable as a name."""
    s = re.sub(r"\\(?:text|mathrm|textrm|operatorname)\{([^{}]*)\}", r"\1", s)
    s = re.sub(r"\\([A-Za-z]+)", lambda m: GREEK_COMMANDS.get(m.group(1), m.group(1)), s)
    return s.replace("{", "").replace("}", "").replace(" ", "")


class _Tokenizer:
    def __init__(self, text: str, line: int, column: int, labels: frozenset[str] | None):
        self.text = text
        self.i = 0
        self.line = line
        self.col = column
        self.tokens: list[Token] = []
        self.stack: list[_Open] = []
        self.callable = False  # a "(" here opens a call
        self.pending_sub_owner: str | None = None
        self.labels = labels  # names with a label superscript (`ρ^π`); None: every one is
        self.integrals = 0  # integrals whose differential has not been read yet
        self.wrapper_start: tuple[int, int, int] | None = None

    # -- helpers -------------------------------------------------------------------
    def emit(self, kind: str, value: str, start: int, sl: int, sc: int) -> Token:
        after_pow = self.prev_kind() == "POW"
        if self.wrapper_start is not None:
            # the first token inside `\mathop{…}` or `\boldsymbol{…}` starts at the wrapper
            start, sl, sc = self.wrapper_start
            self.wrapper_start = None
        tok = Token(kind, value, start_pos=start, line=sl, column=sc,
                    end_line=self.line, end_column=self.col, end_pos=self.i)
        self.tokens.append(tok)
        if kind in ("NAME", "NUMBER") and self.pending_sub_owner is not None:
            owner = self.pending_sub_owner
            self.pending_sub_owner = None
            self.callable = owner in CALLABLE_HEADS
        else:
            if kind != "UNDERSCORE":
                self.pending_sub_owner = None
            self.callable = kind in CALLABLE_HEADS and not after_pow
        return tok

    def advance_to(self, j: int) -> None:
        text, i = self.text, self.i
        if j <= i:
            return
        breaks = text.count("\n", i, j)
        if breaks:
            self.line += breaks
            self.col = j - text.rfind("\n", i, j)
        else:
            self.col += j - i
        self.i = j

    def fail(self, message: str, sl: int, sc: int, code: str = "parse-error") -> LexError:
        return LexError(message, sl, sc, code)

    def prev_kind(self) -> str | None:
        return self.tokens[-1].type if self.tokens else None

    def peek(self, j: int) -> str:
        j = _skip_space(self.text, j)
        return self.text[j] if j < len(self.text) else ""

    def peek_word(self, j: int) -> str:
        """The next character or command after j (spaces skipped)."""
        j = _skip_space(self.text, j)
        m = _NEXT_WORD.match(self.text, j)
        return m.group(0) if m else ""

    # -- main loop ---------------------------------------------------------------------
    def run(self) -> list[Token]:
        text = self.text
        lim = limits.current()
        while self.i < len(text):
            ch = text[self.i]
            if ch.isspace() or ch in "&~":
                self.advance_to(self.i + 1)
                continue
            start, sl, sc = self.i, self.line, self.col
            # the hostile-input limits of derivcheck/limits.py, as the plain tokenizer keeps them
            problem = limits.too_many_tokens(len(self.tokens) + 1, lim) or \
                limits.brackets_too_deep(len(self.stack), lim)
            if problem:
                raise self.fail(problem, sl, sc, "limit")
            if ch == "\\":
                self.command(start, sl, sc)
            elif "0" <= ch <= "9" or (ch == "." and text[self.i + 1:self.i + 2].isdigit()):
                self.number(start, sl, sc)
            elif ch.isalpha():
                self.word(start, sl, sc)
            else:
                self.symbol(ch, start, sl, sc)
        return self.tokens

    def single_arg(self) -> bool:
        """After `^`, `_` or a `\\frac` a digit or letter stands alone (TeX reads one token)."""
        return self.prev_kind() in ("POW", "UNDERSCORE", "FRAC", "SQRT") or (
            len(self.tokens) >= 2 and self.tokens[-2].type == "FRAC" and self.tokens[-1].type in ("NUMBER", "NAME"))

    def number(self, start: int, sl: int, sc: int) -> None:
        text, j = self.text, self.i
        if self.single_arg():
            j += 1
        else:
            while j < len(text) and text[j].isdigit():
                j += 1
            if j + 1 < len(text) and text[j] == "." and text[j + 1].isdigit():
                j += 1
                while j < len(text) and text[j].isdigit():
                    j += 1
        problem = limits.number_too_long(text[start:j])
        if problem:
            raise self.fail(problem, sl, sc, "limit")
        self.advance_to(j)
        self.emit("NUMBER", text[start:j], start, sl, sc)

    def word(self, start: int, sl: int, sc: int) -> None:
        text, j = self.text, self.i
        if self.single_arg():
            j += 1
        else:
            while j < len(text) and (text[j].isalnum() and text[j] not in "∑∏"):
                j += 1
        while j < len(text) and text[j] == "'":
            j += 1
        word = text[start:j]
        # d/dx written inline, as in the plain notation
        if word == "d" and text.startswith("/d", j):
            m = _INLINE_DDX.match(text, j)
            if m:
                self.advance_to(m.end())
                self.emit("DDX", _var_text(m.group(1)), start, sl, sc)
                return
        # `d\tau` closing an integral is one differential
        if word == "d" and self.integrals and text.startswith("\\", j):
            m = _COMMAND_NAME.match(text, j)
            if m and m.group(1) in GREEK_COMMANDS:
                self.advance_to(m.end())
                self.integrals -= 1
                self.emit("NAME", "d" + GREEK_COMMANDS[m.group(1)], start, sl, sc)
                return
        self.advance_to(j)
        if word.startswith("d") and len(word) > 1 and self.integrals:
            self.integrals -= 1
        self.name_or_keyword(word, start, sl, sc)

    def name_or_keyword(self, word: str, start: int, sl: int, sc: int, font: str = "") -> None:
        nxt = self.peek_word(self.i)
        if word in EXPECT_WORDS and (font == "mathbb" or nxt in ("_", "[", "(", "\\left", "\\big",
                                                                    "\\Big", "\\bigg", "\\Bigg", "\\bigl", "\\Bigl")):
            self.emit("EXPECT", "E", start, sl, sc)
            return
        if word in PLAIN_FUNCTIONS and font != "text" and word not in ("E",):
            self.emit("FUNC", PLAIN_FUNCTIONS[word], start, sl, sc)
            return
        self.emit("NAME", word, start, sl, sc)

    # -- commands -------------------------------------------------------------------------
    def command(self, start: int, sl: int, sc: int) -> None:
        text = self.text
        m = _COMMAND.match(text, self.i)
        if m is None:
            raise self.fail("a lone `\\` at the end", sl, sc)
        name = m.group(1)
        if name.endswith("*") and name != "operatorname*":
            name = name[:-1]
            m_end = m.end() - 1
        else:
            m_end = m.end()
        self.advance_to(m_end)
        if name in IGNORED:
            return
        if name in GREEK_COMMANDS:
            self.emit("NAME", GREEK_COMMANDS[name], start, sl, sc)
            return
        if name in FUNCTION_COMMANDS:
            self.emit("FUNC", FUNCTION_COMMANDS[name], start, sl, sc)
            return
        if name == "frac" or name in ("dfrac", "tfrac", "cfrac"):
            if self.derivative_fraction(start, sl, sc):
                return
        if name in SIMPLE:
            kind, value = SIMPLE[name]
            if kind == "INT":
                self.integrals += 1
            if kind == "NABLA" and self.peek(self.i) != "_":
                raise self.fail("`\\nabla` needs its variable: write \\nabla_\\theta", sl, sc)
            self.emit(kind, value, start, sl, sc)
            if kind == "SQRT" and self.peek(self.i) == "[":
                j = _skip_space(text, self.i)
                self.advance_to(j + 1)
                self.emit("OPTOPEN", "[", j, sl, sc)
                self.stack.append(_Open("brack"))
            return
        handler = getattr(self, "cmd_" + name.replace("*", "_star"), None)
        if handler is not None:
            handler(start, sl, sc)
            return
        if name in SIZES:
            self.sized(start, sl, sc)
            return
        if name in FONTS:
            self.font(name, start, sl, sc)
            return
        if name in DECORATIONS:
            self.decoration(DECORATIONS[name], start, sl, sc)
            return
        if name in CANCELS:
            self.group_arg(start, sl, sc, "RPAR", "LPAR")
            return
        if name in ("begin", "end"):
            env = re.match(r"\s*\{([^{}]*)\}", text[self.i:])
            what = f"\\{name}{{{env.group(1)}}}" if env else f"\\{name}"
            raise self.fail(f"`{what}` is not supported inside a derivation", sl, sc, "unsupported")
        if name in NOT_YET:
            raise self.fail(f"`\\{name}` is not supported: {NOT_YET[name]}", sl, sc, "unsupported")
        if len(name) == 1 and not name.isalpha():
            if name in "{}":
                self.symbol("(" if name == "{" else ")", start, sl, sc, visible=True)
                return
            if name == "|":
                raise self.fail("`\\|` (a norm) is not supported", sl, sc, "unsupported")
            if name == "\\":
                raise self.fail("`\\\\` (a line break) inside a step", sl, sc)
        raise self.fail(f"`\\{name}` is not supported", sl, sc, "unsupported")

    def cmd_cdot(self, start, sl, sc) -> None:
        if self.prev_kind() in ("CALL_LPAR", "LPAR", "COMMA") and (
                self.peek_word(self.i) in ("|", ",", ")", "\\mid", "\\vert", "\\right", "\\big", "\\Big")):
            self.emit("PLACEHOLDER", "·", start, sl, sc)
        else:
            self.emit("TIMES", "·", start, sl, sc)

    def cmd_mid(self, start, sl, sc) -> None:
        top = self.stack[-1] if self.stack else None
        if top is not None and top.kind == "call":
            top.has_cond = True
        self.emit("COND", "|", start, sl, sc)

    def cmd_vert(self, start, sl, sc) -> None:
        self.bar(start, sl, sc)

    def cmd_lvert(self, start, sl, sc) -> None:
        self.emit("ABSOPEN", "|", start, sl, sc)
        self.stack.append(_Open("abs"))

    def cmd_rvert(self, start, sl, sc) -> None:
        self.close_abs(start, sl, sc)

    def cmd_prime(self, start, sl, sc) -> None:
        self.append_to_name("'", sl, sc)

    def cmd_operatorname_star(self, start, sl, sc) -> None:
        self.font("operatorname", start, sl, sc)

    def cmd_label(self, start, sl, sc) -> None:
        self.skip_arg(sl, sc)

    def cmd_tag(self, start, sl, sc) -> None:
        raise self.fail("`\\tag` is a hint only at the end of a step", sl, sc)

    def cmd_left(self, start, sl, sc) -> None:
        self.delimiter(start, sl, sc, "left")

    def cmd_right(self, start, sl, sc) -> None:
        self.delimiter(start, sl, sc, "right")

    def sized(self, start, sl, sc) -> None:
        self.delimiter(start, sl, sc, "big")

    def cmd_underset(self, start, sl, sc) -> None:
        """`\\underset{\\tau \\sim \\pi}{\\mathrm{E}}[…]` is an expectation with that subscript."""
        text = self.text
        a = _skip_space(text, self.i)
        a_end = match_brace(text, a) if a < len(text) and text[a] == "{" else -1
        b = _skip_space(text, a_end + 1) if a_end >= 0 else -1
        b_end = match_brace(text, b) if b >= 0 and b < len(text) and text[b] == "{" else -1
        inner = text[b + 1:b_end] if b_end >= 0 else ""
        if b_end < 0 or not re.fullmatch(r"\s*(?:\\(?:mathbb|mathrm|operatorname|mathbf|text)\{E\}|E)\s*", inner):
            raise self.fail("`\\underset` is read only around an expectation: \\underset{x \\sim p}{\\mathbb{E}}",
                            sl, sc, "unsupported")
        self.emit("EXPECT", "E", start, sl, sc)
        self.emit("UNDERSCORE", "_", start, sl, sc)
        self.advance_to(a + 1)
        self.emit("LBRACE", "{", a, sl, sc)
        self.stack.append(_Open("brace", "RBRACE", b_end + 1))

    # -- pieces of commands --------------------------------------------------------------
    def arg_span(self, sl: int, sc: int) -> tuple[int, int]:
        """(start, end) of the braced argument that follows, braces excluded."""
        a = _skip_space(self.text, self.i)
        if a >= len(self.text) or self.text[a] != "{":
            raise self.fail("expected `{` after this command", sl, sc)
        end = match_brace(self.text, a)
        if end < 0:
            raise self.fail("unclosed `{`", sl, sc)
        return a + 1, end

    def skip_arg(self, sl, sc) -> None:
        _, end = self.arg_span(sl, sc)
        self.advance_to(end + 1)

    def group_arg(self, start, sl, sc, close: str, open_kind: str) -> None:
        """`\\cancel{x}`: the argument is a bracketed group."""
        a, end = self.arg_span(sl, sc)
        self.advance_to(a)
        self.emit(open_kind, "(", a - 1, sl, sc)
        self.stack.append(_Open("paren", close))

    def font(self, font: str, start, sl, sc) -> None:
        a, end = self.arg_span(sl, sc)
        inner = self.text[a:end].strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9]*", inner):
            self.advance_to(end + 1)
            if inner == "d" and (self.integrals or self.peek(self.i) in ("\\",) or self.peek(self.i).isalpha()):
                self.differential(start, sl, sc)
                return
            kind = "mathbb" if font == "mathbb" else "text" if font in ("text", "textrm", "textit", "mbox") else ""
            self.name_or_keyword(inner, start, sl, sc, kind)
            return
        if font in ("text", "textrm", "textit", "textnormal", "mbox"):
            raise self.fail(f"prose `\\{font}{{{inner}}}` inside an expression (a hint goes at the end of a step)",
                            sl, sc, "unsupported")
        # a font around other math (`\boldsymbol{\theta}`, `\mathop{\mathbb{E}}`): read the inside
        self.advance_to(a)
        self.stack.append(_Open("quiet"))
        if self.wrapper_start is None:
            self.wrapper_start = (start, sl, sc)

    def differential(self, start, sl, sc) -> None:
        """`\\mathrm{d}x`, `\\mathrm{d}\\tau`: the differential of an integral."""
        m = _DIFF_VAR.match(self.text, self.i)
        if m is None:
            raise self.fail("expected the variable of the differential", sl, sc)
        var = _var_text(m.group(1))
        self.advance_to(m.end())
        if self.integrals:
            self.integrals -= 1
        self.emit("NAME", "d" + var, start, sl, sc)

    def decoration(self, what: str, start, sl, sc) -> None:
        """`\\hat{A}` → the name `A_hat` (declared in plain as `A_hat`)."""
        text = self.text
        j = _skip_space(text, self.i)
        if j < len(text) and text[j] == "{":
            end = match_brace(text, j)
            inner, after = text[j + 1:end].strip(), end + 1
        else:
            m = _DECORATED.match(text, j)
            if m is None:
                raise self.fail(f"`\\{what}` decorates a letter", sl, sc)
            inner, after = m.group(0), m.end()
        base = _var_text(inner)
        if not re.fullmatch(r"\w+'*", base):
            raise self.fail(f"`\\{what}` decorates a letter or a name", sl, sc, "unsupported")
        self.advance_to(after)
        self.emit("NAME", f"{base}_{what}", start, sl, sc)

    def derivative_fraction(self, start, sl, sc) -> bool:
        """`\\frac{d}{dx}` is one operator; `\\frac{\\partial f}{\\partial x}` the derivative of f."""
        text = self.text
        a = _skip_space(text, self.i)
        if a >= len(text) or text[a] != "{":
            return False
        a_end = match_brace(text, a)
        b = _skip_space(text, a_end + 1) if a_end >= 0 else -1
        if b < 0 or b >= len(text) or text[b] != "{":
            return False
        b_end = match_brace(text, b)
        if b_end < 0:
            return False
        den = DERIV_DEN.fullmatch(text, b + 1, b_end)
        if den is None:
            return False
        num = DERIV_NUM.match(text, a + 1, a_end) or DERIV_NUM_LETTER.match(text, a + 1, a_end)
        if num is None:
            return False
        d_kind = "d" if num.group(0).strip().startswith(("d", "\\mathrm", "\\operatorname", "\\text")) else "partial"
        den_kind = "partial" if den.group(1) == "\\partial" else "d"
        if d_kind != den_kind:
            return False
        num_order = num.group(2) if num.re is DERIV_NUM else None
        order = int(den.group(3) or 1)
        if int(num_order or 1) != order:
            raise self.fail("the orders of the derivative above and below the fraction differ", sl, sc)
        var = _var_text(den.group(2))
        value = var if order == 1 else f"{var}^{order}"
        if not text[num.end():a_end].strip():
            self.advance_to(b_end + 1)
            self.emit("DDX", value, start, sl, sc)
            return True
        self.emit("DFRAC", value, start, sl, sc)
        self.advance_to(num.end())
        self.emit("LBRACE", "{", a, sl, sc)
        self.stack.append(_Open("brace", "RBRACE", b_end + 1))
        return True

    def delimiter(self, start, sl, sc, how: str) -> None:
        """`\\left(`, `\\Big[`, `\\right|`, `\\left.`: the delimiter, read like its plain self."""
        text = self.text
        j = _skip_space(text, self.i)
        m = _DELIMITER.match(text, j)
        if m is None:
            if how == "big":
                return  # `\big` alone: a size for nothing
            raise self.fail(f"expected a delimiter after `\\{how}`", sl, sc)
        delim = m.group(0)
        self.advance_to(m.end())
        if delim == ".":
            if how == "left":
                self.emit("LEFTDOT", ".", start, sl, sc)
                self.stack.append(_Open("leftdot"))
            return
        if delim in ("|", "\\vert", "\\|", "\\lvert", "\\rvert"):
            if delim == "\\|":
                raise self.fail("`\\|` (a norm) is not supported", sl, sc, "unsupported")
            if how == "right" and self.stack and self.stack[-1].kind == "leftdot":
                self.stack.pop()
                self.emit("RIGHTBAR", "|", start, sl, sc)
                return
            if how == "left" or delim == "\\lvert":
                self.emit("ABSOPEN", "|", start, sl, sc)
                self.stack.append(_Open("abs"))
                return
            if how == "right" or delim == "\\rvert":
                self.close_abs(start, sl, sc)
                return
            self.bar(start, sl, sc)
            return
        if delim == "\\mid":
            self.cmd_mid(start, sl, sc)
            return
        plain = {"\\{": "(", "\\}": ")", "\\lbrace": "(", "\\rbrace": ")", "\\lbrack": "[",
                 "\\rbrack": "]", "\\lparen": "(", "\\rparen": ")"}.get(delim, delim)
        if plain not in "()[]/":
            raise self.fail(f"`{delim}` is not supported as a delimiter", sl, sc, "unsupported")
        self.symbol(plain, start, sl, sc, visible=True)

    def close_abs(self, start, sl, sc) -> None:
        if self.stack and self.stack[-1].kind == "abs":
            self.stack.pop()
        self.emit("ABSCLOSE", "|", start, sl, sc)

    def append_to_name(self, suffix: str, sl: int, sc: int) -> None:
        if not self.tokens or self.tokens[-1].type != "NAME":
            raise self.fail(f"`{suffix}` must follow a name", sl, sc)
        old = self.tokens.pop()
        self.tokens.append(Token("NAME", str(old) + suffix, start_pos=old.start_pos, line=old.line,
                                 column=old.column, end_line=self.line, end_column=self.col, end_pos=self.i))
        self.callable = True

    # -- symbols ---------------------------------------------------------------------------
    def symbol(self, ch: str, start: int, sl: int, sc: int, visible: bool = False) -> None:
        text = self.text
        if not visible:
            self.advance_to(self.i + 1)
        if ch == "^" and self.superscript_name(sl, sc):
            return
        if ch == "^" and self.prev_kind() == "NAME" and INVERSE.match(text, self.i):
            name = self.tokens[-1]
            raise self.fail(f"`{name}^{{-1}}(…)` is ambiguous: the inverse function {name}⁻¹ applied to (…), "
                            f"or 1/{name} times (…); write {name}^{{-1}} \\cdot (…) or name the inverse",
                            name.line, name.column, "ambiguous")
        if ch == "(":
            call = self.callable
            self.emit("CALL_LPAR" if call else "LPAR", "(", start, sl, sc)
            self.stack.append(_Open("call" if call else "paren"))
            return
        if ch in "|∣":
            if ch == "∣":
                self.cmd_mid(start, sl, sc)
            else:
                self.bar(start, sl, sc)
            return
        if ch in ")]":
            want = ("call", "paren") if ch == ")" else ("brack",)
            if self.stack and self.stack[-1].kind in want:
                self.stack.pop()
            self.emit("RPAR" if ch == ")" else "RBRACK", ch, start, sl, sc)
            return
        if ch == "[":
            self.emit("LBRACK", "[", start, sl, sc)
            self.stack.append(_Open("brack"))
            return
        if ch == "{":
            owner = self.pending_sub_owner
            self.emit("LBRACE", "{", start, sl, sc)
            self.stack.append(_Open("sub" if owner in CALLABLE_HEADS else "brace", "RBRACE"))
            return
        if ch == "}":
            self.close_brace(start, sl, sc)
            return
        if ch in RELATIONS_CHARS:
            self.emit("REL", RELATIONS_CHARS[ch], start, sl, sc)
            return
        if ch == "'":
            self.append_to_name("'", sl, sc)
            return
        if ch == ":" and text.startswith("=", self.i):
            raise self.fail("`:=` is not supported: a definition is declared with `% let name := …`",
                            sl, sc, "unsupported")
        if ch in ".;:" and not visible:
            raise self.fail(f"unexpected {ch!r}", sl, sc)
        kind = SYMBOLS.get(ch)
        if kind is None:
            raise self.fail(f"unexpected character {ch!r}", sl, sc)
        if kind == "UNDERSCORE":
            prev = self.prev_kind()
            owner = prev if prev in CALLABLE_HEADS and self.callable else "OTHER"
            self.emit(kind, ch, start, sl, sc)
            self.pending_sub_owner = owner
            return
        if kind == "INT":
            self.integrals += 1
        self.emit(kind, ch, start, sl, sc)
        _ = text

    def close_brace(self, start, sl, sc) -> None:
        if not self.stack or self.stack[-1].kind in ("call", "paren", "brack", "abs") and not self.stack[-1].close:
            self.emit("RBRACE", "}", start, sl, sc)
            return
        opened = self.stack.pop()
        if opened.kind == "quiet":
            return
        if opened.jump >= 0:
            self.advance_to(opened.jump)  # the token spans the skipped argument too
        self.emit(opened.close or "RBRACE", "}", start, sl, sc)
        if opened.kind == "sub":
            self.callable = True

    def superscript_name(self, sl: int, sc: int) -> bool:
        """`θ'` via `^\\prime`, `x^*`, `\\rho^{\\pi}` (declared), `^{\\top}`: not powers."""
        text = self.text
        m = TOP_SUFFIXES.match(text, self.i)
        if m and self.prev_kind() in OPERAND_END:
            self.advance_to(m.end())
            return True
        m = _PRIME_OR_STAR.match(text, self.i)
        if m and self.prev_kind() == "NAME":
            self.advance_to(m.end())
            self.append_to_name("'" * m.group(1).count("prime") if "prime" in m.group(1) else "*", sl, sc)
            return True
        if self.prev_kind() == "NAME":
            m = _LABEL.match(text, self.i)
            if m:
                label = _var_text(m.group(1) or m.group(2))
                full = f"{self.tokens[-1]}^{label}"
                if self.labels is None or full in self.labels:
                    self.advance_to(m.end())
                    self.append_to_name(f"^{label}", sl, sc)
                    return True
        return False

    def bar(self, start: int, sl: int, sc: int) -> None:
        """`|` opens or closes |x|, conditions a call (`P(\\tau|\\theta)`), or is `|_{x=a}`."""
        top = self.stack[-1] if self.stack else None
        ended = self.prev_kind() in OPERAND_END
        nxt = self.peek_word(self.i)
        if ended and nxt == "_":
            kind = "EVALBAR"
        elif not ended:
            kind = "ABSOPEN"
        elif top is not None and top.kind == "abs":
            starts = nxt and (nxt[0].isalnum() or nxt in ("(", "\\left", "|", "\\vert") or (
                nxt.startswith("\\") and nxt[1:] in GREEK_COMMANDS))
            if starts:
                inside = " ".join(self.text[top.pos + 1:start].split()) if top.pos >= 0 else "a"
                after = nxt if len(nxt) == 1 or nxt.startswith("\\") else "b"
                raise self.fail(
                    f"ambiguous `|`: it may close |{inside}| (reading |{inside}|·{after}…) or open a "
                    f"new |…| inside it (reading |{inside}·|{after}…|…|); write \\left| … \\right| "
                    "or add brackets", sl, sc, "ambiguous")
            kind = "ABSCLOSE"
        elif top is not None and top.kind == "call" and not top.has_cond:
            kind = "COND"
        else:
            kind = "ABSOPEN"
        if kind == "COND":
            top.has_cond = True
        self.emit(kind, "|", start, sl, sc)
        if kind == "ABSOPEN":
            self.stack.append(_Open("abs", pos=start))
        elif kind == "ABSCLOSE":
            self.stack.pop()


def tokenize(text: str, line: int = 1, column: int = 1, labels: frozenset[str] | None = frozenset()) -> list[Token]:
    """Tokens of LaTeX `text` starting at (line, column); `labels` are names like `ρ^π`
    whose superscript is part of the name (None: every superscript is, as in a `let` head)."""
    return _Tokenizer(text, line, column, labels).run()
