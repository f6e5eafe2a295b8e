"""The tables of LaTeX commands the tokenizer knows: letters, functions, operators, decoration, refusals."""

from __future__ import annotations

from ..scope import GREEK
from .plain_lexer import FUNCTIONS as PLAIN_FUNCTIONS

GREEK_COMMANDS = {**GREEK, "varrho": "ρ", "varsigma": "σ", "varpi": "π", "varkappa": "κ",
                  "ell": "ℓ", "Alpha": "A", "Beta": "B"}
# \log … \max: the plain notation's functions by their canonical names (\ln is log)
FUNCTION_COMMANDS = {name: PLAIN_FUNCTIONS[name] for name in (
    "log", "ln", "exp", "sin", "cos", "tan", "sec", "csc", "cot", "arcsin", "arccos", "arctan",
    "sinh", "cosh", "tanh", "min", "max")}
SIMPLE = {
    "sum": ("SUM", "Σ"), "prod": ("PROD", "Π"), "int": ("INT", "∫"), "nabla": ("NABLA", "∇"),
    "partial": ("PARTIAL", "∂"), "times": ("TIMES", "×"), "ast": ("TIMES", "·"),
    "div": ("DIV", "/"), "sim": ("TILDE", "~"), "in": ("IN", "∈"),
    "le": ("REL", "≤"), "leq": ("REL", "≤"), "leqslant": ("REL", "≤"), "lt": ("REL", "<"),
    "ge": ("REL", "≥"), "geq": ("REL", "≥"), "geqslant": ("REL", "≥"), "gt": ("REL", ">"),
    "ne": ("REL", "≠"), "neq": ("REL", "≠"), "Pr": ("NAME", "Pr"),
    "frac": ("FRAC", "frac"), "dfrac": ("FRAC", "frac"), "tfrac": ("FRAC", "frac"),
    "cfrac": ("FRAC", "frac"), "binom": ("BINOM", "binom"), "dbinom": ("BINOM", "binom"),
    "tbinom": ("BINOM", "binom"), "sqrt": ("SQRT", "sqrt"),
}
# layout and spacing: nothing to read
IGNORED = {",", "!", ";", ":", ">", " ", "quad", "qquad", "displaystyle", "textstyle",
           "scriptstyle", "limits", "nolimits", "nonumber", "notag", "enspace", "thinspace",
           "medspace", "thickspace", "negthinspace", "hfill", "allowbreak", "mathstrut"}
SIZES = {f"{s}{side}" for s in ("big", "Big", "bigg", "Bigg") for side in ("", "l", "r", "m")}
FONTS = {"mathrm", "mathit", "mathbf", "mathsf", "mathtt", "mathcal", "mathscr", "mathfrak",
         "mathbb", "boldsymbol", "bm", "text", "textrm", "textit", "textnormal", "mbox",
         "operatorname", "operatorname*", "mathop", "mathnormal", "pmb"}
DECORATIONS = {"hat": "hat", "widehat": "hat", "tilde": "tilde", "widetilde": "tilde",
               "bar": "bar", "overline": "bar", "dot": "dot", "ddot": "ddot", "vec": "vec",
               "check": "check", "breve": "breve"}
CANCELS = {"cancel", "bcancel", "xcancel"}
# what a reader is told when a command is known but not read
NOT_YET = {
    "infty": "infinite sums, integrals and limits are not supported yet",
    "lim": "limits are not supported yet", "limsup": "limits are not supported yet",
    "liminf": "limits are not supported yet",
    "iint": "multiple integrals are not supported", "iiint": "multiple integrals are not supported",
    "oint": "contour integrals are not supported",
    "cdots": "an elided sequence cannot be checked", "ldots": "an elided sequence cannot be checked",
    "dots": "an elided sequence cannot be checked", "vdots": "an elided sequence cannot be checked",
    "approx": "only `=` chains are checked", "propto": "only `=` chains are checked",
    "equiv": "a definition is declared with `% let name := …`",
    "coloneqq": "a definition is declared with `% let name := …`",
    "triangleq": "a definition is declared with `% let name := …`",
    "doteq": "a definition is declared with `% let name := …`",
    "pm": "`±` stands for two expressions", "mp": "`∓` stands for two expressions",
    "to": "limits are not supported yet", "rightarrow": "limits are not supported yet",
    "argmax": "arg max is not supported", "argmin": "arg max is not supported",
}
RELATIONS_CHARS = {"=": "=", "<": "<", ">": ">", "≤": "≤", "≥": "≥", "≠": "≠"}
SYMBOLS = {
    "+": "PLUS", "-": "MINUS", "−": "MINUS", "*": "TIMES", "·": "TIMES", "×": "TIMES",
    "⋅": "TIMES", "/": "DIV", "^": "POW", "!": "BANG", ",": "COMMA", "_": "UNDERSCORE",
    "∑": "SUM", "∏": "PROD", "∫": "INT", "∇": "NABLA", "∂": "PARTIAL", "∼": "TILDE", "∈": "IN",
}
EXPECT_WORDS = {"E", "𝔼"}
TOKEN_NAMES = {
    "NUMBER": "a number", "NAME": "a name", "FUNC": "a function like \\log", "SUM": "\\sum",
    "PROD": "\\prod", "INT": "\\int", "NABLA": "\\nabla", "PARTIAL": "\\partial",
    "DDX": "\\frac{d}{dx}", "DFRAC": "\\frac{d…}{dx}", "EXPECT": "\\mathbb{E}", "FRAC": "\\frac",
    "SQRT": "\\sqrt", "BINOM": "\\binom", "OPTOPEN": "[", "PLUS": "+", "MINUS": "-",
    "TIMES": "\\cdot", "DIV": "/", "POW": "^", "BANG": "!", "REL": "a relation (= \\le < \\ge >)",
    "TILDE": "\\sim", "IN": "\\in", "COMMA": ",", "UNDERSCORE": "_", "LPAR": "(",
    "CALL_LPAR": "(", "RPAR": ")", "LBRACK": "[", "RBRACK": "]", "LBRACE": "{", "RBRACE": "}",
    "ABSOPEN": "|", "ABSCLOSE": "|", "COND": "\\mid", "EVALBAR": "|_", "PLACEHOLDER": "\\cdot",
    "LEFTDOT": "\\left.", "RIGHTBAR": "\\right|", "$END": "the end of the expression",
}
