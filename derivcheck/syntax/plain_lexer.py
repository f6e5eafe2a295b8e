"""The plain notation's tokenizer: turns one expression's text into lark Tokens.

It decides what the grammar cannot see: a "(" right after a name opens a call, one after
a space or a number opens a group; "|" opens or closes |x|, conditions a distribution
inside a call (`π(a|s)`), or is the evaluation bar `|_{…}`; `d/dθ` and `∂/∂θ` are one
derivative operator; ASCII spellings become the same tokens as their Unicode forms.
"""

from __future__ import annotations

from dataclasses import dataclass

from lark import Token

from .. import limits

FUNCTIONS = {
    "log": "log", "ln": "log", "exp": "exp", "sqrt": "sqrt",
    "sin": "sin", "cos": "cos", "tan": "tan", "sec": "sec", "csc": "csc", "cot": "cot",
    "asin": "asin", "acos": "acos", "atan": "atan",
    "arcsin": "asin", "arccos": "acos", "arctan": "atan",
    "sinh": "sinh", "cosh": "cosh", "tanh": "tanh",
    "abs": "abs", "binom": "binom", "root": "root", "min": "min", "max": "max", "sign": "sign",
}
KEYWORDS = {"sum": "SUM", "prod": "PROD", "int": "INT", "grad": "NABLA"}
SYMBOLS = {
    "Σ": "SUM", "∑": "SUM", "Π": "PROD", "∏": "PROD", "∫": "INT", "∇": "NABLA",
    "+": "PLUS", "-": "MINUS", "−": "MINUS", "*": "TIMES", "·": "TIMES", "×": "TIMES",
    "⋅": "TIMES", "∗": "TIMES", "/": "DIV", "÷": "DIV", "^": "POW", "!": "BANG",
    ")": "RPAR", "[": "LBRACK", "]": "RBRACK", "{": "LBRACE", "}": "RBRACE",
    ",": "COMMA", "~": "TILDE", "∼": "TILDE", "∈": "IN", "_": "UNDERSCORE",
    "=": "REL", "<": "REL", ">": "REL", "≤": "REL", "≥": "REL", "≠": "REL",
}
TWO_CHAR = {"**": ("POW", "^"), "<=": ("REL", "≤"), ">=": ("REL", "≥"), "!=": ("REL", "≠"),
            "=<": ("REL", "≤"), "=>": ("REL", "≥")}
SUPERSCRIPTS = {"⁰": "0", "¹": "1", "²": "2", "³": "3", "⁴": "4", "⁵": "5", "⁶": "6",
                "⁷": "7", "⁸": "8", "⁹": "9", "⁻": "-"}
PRIMES = "'′"
# tokens after which an operand has ended (so "|" closes, and "(" after a space is a product)
OPERAND_END = {"NUMBER", "NAME", "RPAR", "RBRACK", "RBRACE", "ABSCLOSE", "BANG", "SUPNUM", "PLACEHOLDER"}
# heads whose subscript is followed by a call: `Pr_θ(τ)`, `log_2(x)` — not `Σ_τ (…)`
CALLABLE_HEADS = {"NAME", "FUNC"}

# human names of tokens, for error messages
TOKEN_NAMES = {
    "NUMBER": "a number", "NAME": "a name", "FUNC": "a function name", "SUM": "Σ", "PROD": "Π",
    "INT": "∫", "NABLA": "∇", "PARTIAL": "∂", "DDX": "d/dx", "EXPECT": "E",
    "PLUS": "+", "MINUS": "-", "TIMES": "·", "DIV": "/", "POW": "^", "SUPNUM": "a superscript",
    "BANG": "!", "REL": "a relation (= ≤ < ≥ >)", "TILDE": "~", "IN": "∈", "COMMA": ",",
    "UNDERSCORE": "_", "LPAR": "(", "CALL_LPAR": "(", "RPAR": ")", "LBRACK": "[", "RBRACK": "]",
    "LBRACE": "{", "RBRACE": "}", "ABSOPEN": "|", "ABSCLOSE": "|", "COND": "| (given)",
    "EVALBAR": "|_", "PLACEHOLDER": "·", "$END": "the end of the expression",
}


class LexError(Exception):
    def __init__(self, message: str, line: int, column: int, code: str = "parse-error"):
        super().__init__(message)
        self.line = line
        self.column = column
        self.code = code  # `limit` when the text is too large to read (derivcheck.limits)


def is_digit(ch: str) -> bool:
    """ASCII digits only: `str.isdigit` also accepts `²`, which is a power here."""
    return "0" <= ch <= "9"


def is_letter(ch: str) -> bool:
    return ch.isalpha() and ch not in "ΣΠ∑∏"


def is_name_char(ch: str) -> bool:
    return (ch.isalnum() and ch not in "ΣΠ∑∏²³¹⁰⁴⁵⁶⁷⁸⁹") or ch in PRIMES


@dataclass
class _Open:
    kind: str  # call, paren, brack, abs, sub (brace after "_" of a callable), brace
    has_cond: bool = False


class _Tokenizer:
    def __init__(self, text: str, line: int, column: int):
        self.text = text
        self.i = 0
        self.line = line
        self.col = column
        self.tokens: list[Token] = []
        self.stack: list[_Open] = []
        self.callable_end = -1  # text index where a call's "(" may directly follow
        self.pending_sub_owner: str | None = None  # head kind when the last token was "_"

    # -- helpers --------------------------------------------------------------
    def emit(self, kind: str, value: str, start: int, start_line: int, start_col: int) -> Token:
        tok = Token(kind, value, start_pos=start, line=start_line, column=start_col,
                    end_line=self.line, end_column=self.col, end_pos=self.i)
        self.tokens.append(tok)
        return tok

    def advance(self, n: int = 1) -> None:
        for _ in range(n):
            if self.text[self.i] == "\n":
                self.line += 1
                self.col = 1
            else:
                self.col += 1
            self.i += 1

    def peek_nonspace(self, j: int) -> str:
        while j < len(self.text) and self.text[j].isspace():
            j += 1
        return self.text[j] if j < len(self.text) else ""

    def prev_kind(self) -> str | None:
        return self.tokens[-1].type if self.tokens else None

    # -- main loop --------------------------------------------------------------
    def run(self) -> list[Token]:
        text = self.text
        lim = limits.current()
        while self.i < len(text):
            ch = text[self.i]
            if ch.isspace():
                self.advance()
                continue
            start, sl, sc = self.i, self.line, self.col
            problem = limits.too_many_tokens(len(self.tokens) + 1, lim)
            if problem:
                raise LexError(problem, sl, sc, code="limit")
            problem = limits.brackets_too_deep(len(self.stack), lim)
            if problem:  # at the bracket that went too deep: the last one opened
                raise LexError(problem, self.tokens[-1].line, self.tokens[-1].column, code="limit")
            if ch in SUPERSCRIPTS:
                j = self.i
                while j < len(text) and text[j] in SUPERSCRIPTS:
                    j += 1
                value = "".join(SUPERSCRIPTS[c] for c in text[self.i:j])
                if not value.lstrip("-").isdigit() or value.count("-") > 1:
                    raise LexError("a superscript power is digits, with at most one ⁻ before them", sl, sc)
                self.advance(j - self.i)
                self.emit("SUPNUM", value, start, sl, sc)
            elif is_digit(ch) or (ch == "." and self.i + 1 < len(text) and is_digit(text[self.i + 1])
                                  and not (self.i > 0 and is_name_char(text[self.i - 1]))):
                # `.5` is a number, but `1.2.3` and `x.5` are mistakes, not products
                self.number(start, sl, sc)
            elif is_letter(ch):
                self.word(start, sl, sc)
            else:
                self.symbol(ch, start, sl, sc)
        return self.tokens

    def number(self, start: int, sl: int, sc: int) -> None:
        text, j = self.text, self.i
        while j < len(text) and is_digit(text[j]):
            j += 1
        if j + 1 < len(text) and text[j] == "." and is_digit(text[j + 1]):
            j += 1
            while j < len(text) and is_digit(text[j]):
                j += 1
        if j < len(text) and text[j] in "eE":
            k = j + 1
            if k < len(text) and text[k] in "+-":
                k += 1
            if k < len(text) and is_digit(text[k]):  # `1.5e-3`; `2e^x` stays 2·e^x
                while k < len(text) and is_digit(text[k]):
                    k += 1
                j = k
        value = text[self.i:j]
        mantissa, _, exponent = value.replace("E", "e").partition("e")
        problem = limits.number_too_long(mantissa, exponent)
        if problem:
            raise LexError(problem, sl, sc, code="limit")
        self.advance(j - self.i)
        self.emit("NUMBER", value, start, sl, sc)
        self.after_sub_item()

    def word(self, start: int, sl: int, sc: int) -> None:
        text, j = self.text, self.i
        while j < len(text) and is_name_char(text[j]):
            j += 1
        word = text[self.i:j]
        # d/dθ, d/dtheta: one derivative operator
        if word == "d" and text.startswith("/d", j) and j + 2 < len(text) and is_letter(text[j + 2]):
            k = j + 2
            while k < len(text) and is_name_char(text[k]):
                k += 1
            var = text[j + 2:k]
            self.advance(k - self.i)
            self.emit("DDX", var, start, sl, sc)
            self.callable_end = -1
            return
        self.advance(j - self.i)
        if word not in KEYWORDS and word not in FUNCTIONS and not (
                word == "E" and self.peek_nonspace(self.i) in ("_", "[")):
            self.emit("NAME", word, start, sl, sc)
            if self.pending_sub_owner is not None:
                self.after_sub_item()
            else:
                self.callable_end = self.i
            return
        self.pending_sub_owner = None
        if word in KEYWORDS:
            self.emit(KEYWORDS[word], word, start, sl, sc)
            self.callable_end = -1
        elif word in FUNCTIONS:
            self.emit("FUNC", FUNCTIONS[word], start, sl, sc)
            self.callable_end = self.i
        else:
            self.emit("EXPECT", word, start, sl, sc)
            self.callable_end = -1

    def after_sub_item(self) -> None:
        """A NAME/NUMBER right after "_" ends a subscript: `Pr_θ(` may still be a call."""
        owner = self.pending_sub_owner
        self.pending_sub_owner = None
        self.callable_end = self.i if owner in CALLABLE_HEADS else -1

    def symbol(self, ch: str, start: int, sl: int, sc: int) -> None:
        text = self.text
        two = text[self.i:self.i + 2]
        if two in TWO_CHAR:
            kind, value = TWO_CHAR[two]
            self.advance(2)
            self.emit(kind, value, start, sl, sc)
            self.callable_end = -1
            return
        if ch == "∂":
            # ∂/∂θ is an operator; ∂X/∂θ is a fraction read by the grammar
            if text.startswith("/∂", self.i + 1) and self.i + 3 < len(text) and is_letter(text[self.i + 3]):
                k = self.i + 3
                while k < len(text) and is_name_char(text[k]):
                    k += 1
                var = text[self.i + 3:k]
                self.advance(k - self.i)
                self.emit("DDX", var, start, sl, sc)
            else:
                self.advance()
                self.emit("PARTIAL", ch, start, sl, sc)
            self.callable_end = -1
            return
        if ch == "√":
            self.advance()
            self.emit("FUNC", "sqrt", start, sl, sc)
            self.callable_end = self.i
            return
        if ch == "(":
            call = self.callable_end == self.i
            self.advance()
            self.emit("CALL_LPAR" if call else "LPAR", ch, start, sl, sc)
            self.stack.append(_Open("call" if call else "paren"))
            self.callable_end = -1
            return
        if ch in "|∣":
            self.bar(ch, start, sl, sc)
            return
        if ch in "·." and self.prev_kind() in ("CALL_LPAR", "LPAR", "COMMA") \
                and self.peek_nonspace(self.i + 1) in ("|", "∣", ",", ")"):
            self.advance()
            self.emit("PLACEHOLDER", "·", start, sl, sc)
            return
        kind = SYMBOLS.get(ch)
        if kind is None:
            raise LexError(f"unexpected character {ch!r}", sl, sc)
        owner = None
        if kind == "UNDERSCORE":
            prev = self.prev_kind()
            owner = prev if prev in ("NAME", "FUNC") and self.callable_end == self.i else "OTHER"
        self.advance()
        self.emit(kind, ch, start, sl, sc)
        self.callable_end = -1
        if kind == "UNDERSCORE":
            self.pending_sub_owner = owner
            return
        if kind == "LBRACE":
            if self.pending_sub_owner is not None:
                self.stack.append(_Open("sub" if self.pending_sub_owner in CALLABLE_HEADS else "brace"))
            else:
                self.stack.append(_Open("brace"))
            self.pending_sub_owner = None
            return
        self.pending_sub_owner = None
        if kind in ("RPAR", "RBRACK", "RBRACE"):
            want = {"RPAR": ("call", "paren"), "RBRACK": ("brack",), "RBRACE": ("sub", "brace")}[kind]
            if self.stack and self.stack[-1].kind in want:
                opened = self.stack.pop()
                if opened.kind == "sub":
                    self.callable_end = self.i
            elif self.stack and self.stack[-1].kind == "abs":
                raise LexError("unclosed |…| before this bracket", sl, sc)
        elif kind == "LBRACK":
            self.stack.append(_Open("brack"))

    def bar(self, ch: str, start: int, sl: int, sc: int) -> None:
        top = self.stack[-1] if self.stack else None
        ended = self.prev_kind() in OPERAND_END
        if ch == "|" and self.peek_nonspace(self.i + 1) == "_" and ended:
            kind = "EVALBAR"
        elif ch == "∣":
            kind = "COND"
        elif not ended:
            kind = "ABSOPEN"
        elif top is not None and top.kind == "abs":
            kind = "ABSCLOSE"
        elif top is not None and top.kind == "call" and not top.has_cond:
            kind = "COND"
        else:
            kind = "ABSOPEN"
        if kind == "COND" and top is not None and top.kind == "call":
            top.has_cond = True
        self.advance()
        self.emit(kind, ch, start, sl, sc)
        if kind == "ABSOPEN":
            self.stack.append(_Open("abs"))
        elif kind == "ABSCLOSE":
            self.stack.pop()
        self.callable_end = -1


def tokenize(text: str, line: int = 1, column: int = 1) -> list[Token]:
    """Tokens of `text`, whose first character sits at (line, column) of its file."""
    return _Tokenizer(text, line, column).run()
