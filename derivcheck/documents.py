"""Find the derivations of a .tex or .md document: its display-math blocks, their chains and hints.

Every align/equation/gather/multline/eqnarray environment, `$$…$$` and `\\[…\\]` block that
holds a relation is read as one or more chains (rows that each carry their own left-hand
side start new chains); `% let …` comments (.tex) and `<!-- let … -->` (.md) declare, in
plain notation, for the rest of the file.  Text that is not read — comments, the `\\\\`
between rows, `&`, hints — is blanked with spaces, so every position stays the file's own.
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from dataclasses import dataclass, field

from . import ast as A
from .diagnostics import Diagnostic
from .errors import DerivcheckError, InputError
from . import limits
from .model import Derivation, Hint, Step
from .scope import Scope
from .semantics import Resolver
from .source import FileReader, ParsedFile, _Line
from .syntax import latex
from .syntax.latex_lexer import match_brace
from .syntax.latex_readings import readings

ENVIRONMENTS = ("align", "align*", "aligned", "equation", "equation*", "eqnarray", "eqnarray*",
                "gather", "gather*", "gathered", "multline", "multline*", "flalign", "flalign*",
                "alignat", "alignat*", "split", "displaymath", "math")
_ENV = "|".join(re.escape(e) for e in ENVIRONMENTS)
BLOCK_START = re.compile(r"\\begin\{(" + _ENV + r")\}|\$\$|(?<!\\)\\\[")
INNER_ENV = re.compile(r"\\(?:begin|end)\{(?:aligned|split|gathered|alignedat)\}(?:\{\d+\})?")
VERBATIM = re.compile(r"\\begin\{(verbatim|lstlisting|minted|comment)\}.*?\\end\{\1\}", re.S)
TEX_COMMENT = re.compile(r"(?<!\\)%[^\n]*")
MD_COMMENT = re.compile(r"<!--.*?-->", re.S)
MD_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})[ \t]*([^\n`]*)\n(.*?)^\1?\2[ \t]*$", re.S | re.M)
MD_INLINE_CODE = re.compile(r"`[^`\n]+`")
DIRECTIVE = re.compile(r"(let|assume)\s|(title|expect|derivcheck|order)\s*:")
ROW_SCAN = re.compile(r"\\[A-Za-z]+\*?|\\.|[{}()\[\]=<>≤≥≠]|\S")
SCAN_RELATIONS = {"=", "<", ">", "≤", "≥", "≠", "\\le", "\\leq", "\\ge", "\\geq", "\\ne", "\\neq",
                  "\\lt", "\\gt", "\\leqslant", "\\geqslant", "\\approx", "\\propto", "\\equiv",
                  "\\coloneqq", "\\triangleq", "\\doteq"}
OPERATORS = {"+", "-", "−", "\\cdot", "\\times", "/", "\\div"}
SPACING = re.compile(r"(?:\s|\\(?:quad|qquad|[,;:! ]|hfill|enspace)|[.,;])+$")
HINT_TEXT = re.compile(r"\\(?:text|textrm|textit|textnormal|mbox)\s*\{")
CLAIM_BREAK = re.compile(r",\s*(?=\\q?quad\b)")
INTERTEXT = re.compile(r"\s*(\\(?:intertext|shortintertext)\s*\{)")
TAG = re.compile(r"\\tag\*?\s*\{")
LAYOUT = re.compile(r"\\(?:nonumber|notag)\b|\\label\s*\{[^{}]*\}")
ROW_BREAK = re.compile(r"\\\\\*?(?:\s*\[[^\]]*\])?")


@dataclass
class Block:
    kind: str  # the environment's name, `$$` or `\[`
    start: int  # offset of the content in the file
    end: int
    line: int
    title: str = ""
    skip: bool = False


@dataclass
class Directive:
    offset: int
    line: int
    column: int
    word: str  # let, assume, title, derivcheck, expect
    text: str  # from the directive's first word to the end of the comment line


@dataclass
class Row:
    start: int
    end: int
    hint: Hint | None = None
    starts_relation: bool = False
    has_relation: bool = False
    starts_operator: bool = False
    ends_open: bool = False


@dataclass
class _Located:
    text: str
    line_starts: list[int] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.line_starts = [0] + [m.end() for m in re.finditer("\n", self.text)]

    def position(self, offset: int) -> tuple[int, int]:
        k = bisect.bisect_right(self.line_starts, offset) - 1
        return k + 1, offset - self.line_starts[k] + 1

    def source_line(self, line: int) -> str:
        if not 1 <= line <= len(self.line_starts):
            return ""
        start = self.line_starts[line - 1]
        end = self.text.find("\n", start)
        return self.text[start:end if end >= 0 else len(self.text)]


# ---------------------------------------------------------------------------
# Finding blocks and directives


def _blank(chars: list[str], start: int, end: int) -> None:
    for k in range(start, end):
        if chars[k] != "\n":
            chars[k] = " "


def scan(text: str, kind: str) -> tuple[str, list[Block], list[Directive]]:
    """The masked text (comments and code blanked), the math blocks and the directives."""
    chars = list(text)
    directives: list[Directive] = []
    loc = _Located(text)

    def directive_lines(body_start: int, body: str) -> None:
        pos = 0
        for raw in body.split("\n"):
            m = DIRECTIVE.search(raw)
            stripped = raw.lstrip(" \t%<!-")
            if m and raw[:m.start()].strip(" \t%<!-") == "" and stripped:
                off = body_start + pos + m.start()
                line, col = loc.position(off)
                word = m.group(1) or m.group(2)
                content = raw[m.start():]
                content = re.sub(r"\s*-->\s*$", "", content).rstrip()
                directives.append(Directive(off, line, col, word, content))
            pos += len(raw) + 1

    if kind == "md":
        for m in MD_FENCE.finditer(text):
            if m.group(3).strip() == "math":
                continue
            _blank(chars, m.start(), m.end())
        for m in MD_COMMENT.finditer(text):
            directive_lines(m.start(), m.group(0))
            _blank(chars, m.start(), m.end())
        masked = "".join(chars)
        for m in MD_INLINE_CODE.finditer(masked):
            _blank(chars, m.start(), m.end())
    else:
        for m in VERBATIM.finditer(text):
            _blank(chars, m.start(), m.end())
        for m in TEX_COMMENT.finditer("".join(chars)):
            directive_lines(m.start(), m.group(0))
            _blank(chars, m.start(), m.end())
    masked = "".join(chars)
    blocks = _blocks(masked, text, kind, loc)
    return masked, blocks, directives


def _blocks(masked: str, text: str, kind: str, loc: _Located) -> list[Block]:
    out: list[Block] = []
    if kind == "md":
        for m in MD_FENCE.finditer(text):
            if m.group(3).strip() == "math":
                out.append(Block("math", m.start(4), m.start(4) + len(m.group(4)), loc.position(m.start(4))[0]))
    fences = list(out)  # displays found below follow one another and never overlap
    i = 0
    while True:
        m = BLOCK_START.search(masked, i)
        if m is None:
            break
        if m.group(1):
            env = m.group(1)
            close = masked.find(f"\\end{{{env}}}", m.end())
            start = m.end()
            if env.startswith("alignat"):
                arg = re.match(r"\s*\{\d+\}", masked[start:])
                start += arg.end() if arg else 0
            label, after = env, len(f"\\end{{{env}}}")
        elif m.group(0) == "$$":
            close, start, label, after = masked.find("$$", m.end()), m.end(), "$$", 2
        else:
            close, start, label, after = masked.find("\\]", m.end()), m.end(), "\\[", 2
        if close < 0:
            break
        if not any(b.start <= m.start() < b.end for b in fences):
            out.append(Block(label, start, close, loc.position(m.start())[0]))
        i = close + after
    out.sort(key=lambda b: b.start)
    return out


# ---------------------------------------------------------------------------
# Rows and hints


def _scan_row(text: str) -> tuple[bool, bool, bool, bool]:
    """(starts with a relation, holds one at top level, starts with an operator, ends open)."""
    depth = 0
    first = None
    last = None
    has = False
    for m in ROW_SCAN.finditer(text):
        t = m.group(0)
        if t in ("\\left", "\\right", "\\quad", "\\qquad", "\\,", "\\;", "\\!", "\\ ", "\\nonumber",
                 "\\notag", "&") or t.startswith(("\\big", "\\Big")):
            continue
        if first is None:
            first = t
        last = t
        if t in "{([":
            depth += 1
        elif t in "})]":
            depth = max(depth - 1, 0)
        elif depth == 0 and t in SCAN_RELATIONS:
            has = True
    return (first in SCAN_RELATIONS, has, first in OPERATORS,
            depth > 0 or last in OPERATORS)


def _hint(chars: list[str], start: int, end: int, loc: _Located) -> tuple[Hint | None, int]:
    """Take a row's hint (`\\tag{…}`, a trailing `\\text{…}`, `\\quad(\\text{…})`) out of the
    masked text; returns the hint and the row's new end."""
    row = "".join(chars[start:end])
    hint = None
    m = INTERTEXT.match(row)
    if m:  # `\intertext{by linearity}` before a row: that row's hint
        close = match_brace(row, m.end() - 1)
        if close >= 0:
            line, col = loc.position(start + m.start(1))
            hint = Hint(_hint_words(row[m.end():close]), line, col)
            _blank(chars, start + m.start(1), start + close + 1)
    for m in TAG.finditer(row):
        close = match_brace(row, m.end() - 1)
        if close < 0:
            continue
        line, col = loc.position(start + m.start())
        hint = Hint(_hint_words(row[m.end():close]), line, col)
        _blank(chars, start + m.start(), start + close + 1)
    for m in LAYOUT.finditer("".join(chars[start:end])):
        _blank(chars, start + m.start(), start + m.end())  # `\nonumber` after a hint
    row = "".join(chars[start:end])
    tail = SPACING.search(row)
    stop = tail.start() if tail else len(row)
    if hint is None:
        for m in reversed([m for m in HINT_TEXT.finditer(row, 0, stop) if _depth(row, m.start()) == 0]):
            close = match_brace(row, m.end() - 1)
            if close < 0:
                break
            after = row[close + 1:stop]
            opened = re.search(r"(?:\\left\s*)?\(\s*$", row[:m.start()])
            if not re.fullmatch(r"\s*(?:(?:\\right\s*)?\))?\s*" if opened else r"\s*", after):
                break
            begin = opened.start() if opened else m.start()
            before = row[:begin].rstrip()
            before = re.sub(r"(?:\\(?:quad|qquad|[,;:! ])\s*)+$", "", before).rstrip()
            if before and (before[-1] in "+-−=(<>[{/*^_" or re.search(r"\\(?:cdot|times|le|ge|leq|geq|neq|ne)$", before)):
                break  # `c + \text{const}`: a name, not a hint
            line, col = loc.position(start + m.start())
            hint = Hint(_hint_words(row[m.end():close]), line, col)
            _blank(chars, start + begin, start + stop)
            break
    row = "".join(chars[start:end])
    tail = SPACING.search(row)
    if tail and tail.group(0).strip():
        _blank(chars, start + tail.start(), end)  # sentence punctuation after a display
    return hint, end


def _plain_math(m: re.Match) -> str:
    from .printer import to_plain

    try:
        exprs, rels = latex.parse_chain(m.group(1))
    except DerivcheckError:
        return m.group(0)
    out = to_plain(exprs[0])
    for rel, expr in zip(rels, exprs[1:]):
        out += f" {rel} {to_plain(expr)}"
    return out


def _depth(text: str, end: int) -> int:
    """Brace depth at `end` (escaped braces skipped): a hint's `\\text{` stands at depth 0."""
    depth, k = 0, 0
    while k < end:
        c = text[k]
        if c == "\\":
            k += 2
            continue
        depth += (c == "{") - (c == "}")
        k += 1
    return depth


def _hint_words(text: str) -> str:
    """The hint as the hint checker reads it: math in `$…$` is rewritten in plain notation
    (`$\\sqrt{z} = z^{1/2}$` → `sqrt(z) = z^(1/2)`); math it cannot read stays as written."""
    text = re.sub(r"\$([^$]+)\$", _plain_math, " ".join(text.split()))
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip()
    return text


def rows(chars: list[str], block: Block, loc: _Located) -> list[Row]:
    """The rows of a block (split at top-level `\\\\`), each with its hint taken out."""
    content = "".join(chars[block.start:block.end])
    for m in INNER_ENV.finditer(content):
        _blank(chars, block.start + m.start(), block.start + m.end())
    content = "".join(chars[block.start:block.end])
    cuts = []
    depth = 0
    k = 0
    while k < len(content):
        c = content[k]
        if c == "\\" and content.startswith("\\\\", k) and depth == 0:
            m = ROW_BREAK.match(content, k)
            cuts.append((k, m.end()))
            k = m.end()
            continue
        if c == "\\":
            k += 2
            continue
        if c == "{":
            depth += 1
        elif c == "}":
            depth = max(depth - 1, 0)
        k += 1
    spans = []
    prev = 0
    for a, b in cuts:
        spans.append((prev, a))
        _blank(chars, block.start + a, block.start + b)
        prev = b
    spans.append((prev, len(content)))
    if block.kind.startswith("multline"):
        spans = [(0, len(content))]  # a multline is one expression broken over lines
    spans = [piece for a, b in spans for piece in _claims(content, a, b, chars, block.start)]
    out = []
    for a, b in spans:
        hint, end = _hint(chars, block.start + a, block.start + b, loc)
        text = "".join(chars[block.start + a:block.start + b])
        if not text.strip():
            continue
        starts_rel, has_rel, starts_op, ends_open = _scan_row(text)
        out.append(Row(block.start + a, end, hint, starts_rel, has_rel, starts_op, ends_open))
    return out


def _claims(content: str, a: int, b: int, chars: list[str], base: int) -> list[tuple[int, int]]:
    """`2^{10} = 1024, \\quad 10^{-3} = 0.001`: claims side by side, a comma and a wide space
    between them, are rows of their own (the comma is blanked)."""
    out = []
    for m in CLAIM_BREAK.finditer(content, a, b):
        if _depth(content[a:m.start()], m.start() - a) == 0 and _scan_row(content[m.end():b])[1]:
            out.append((a, m.start()))
            _blank(chars, base + m.start(), base + m.start() + 1)
            a = m.start() + 1
    out.append((a, b))
    return out


def chains(block_rows: list[Row]) -> list[list[Row]]:
    """Group rows into chains: a row with its own left-hand side starts a new one."""
    out: list[list[Row]] = []
    for row in block_rows:
        if row.starts_relation and out:
            out[-1].append(row)
        elif out and (row.starts_operator or (out[-1][-1].ends_open and not row.has_relation)):
            out[-1].append(row)  # the previous row's expression goes on
        else:
            out.append([row])
    return [c for c in out if any(r.has_relation for r in c)]


# ---------------------------------------------------------------------------
# Reading a document


class _DeclarationReader(FileReader):
    """The .deriv reader's `let`/`assume` handling; a head or body with a backslash (or a
    head with a label superscript, `\\rho^{\\pi}`) is read as LaTeX."""

    def parse(self, ln: _Line, offset: int, text: str):
        line, col = _position_in(ln, offset)
        after = ln.text[offset + len(text):].lstrip()
        head = after.startswith((":", ","))
        if "\\" in text or (head and "^" in text):
            return latex.parse_chain(text, line, col, labels=None if head else _labels(self.scope))
        return super().parse(ln, offset, text)


def _position_in(ln: _Line, offset: int) -> tuple[int, int]:
    before = ln.text[:offset]
    return ln.number + before.count("\n"), offset - (before.rfind("\n") + 1) + 1


def _labels(scope: Scope | None) -> frozenset[str]:
    if scope is None:
        return frozenset()
    names = set(scope.symbols) | {n for n, _ in scope.functions} | {n for n, _ in scope.definitions}
    return frozenset(n for n in names if "^" in n)


class DocumentReader:
    """Turns a .tex or .md document into a ParsedFile, block by block."""

    def __init__(self, text: str, kind: str):
        self.text = text
        self.kind = kind
        self.loc = _Located(text)
        self.result = ParsedFile()
        self.steps = 0  # steps read so far, against limits.too_many_steps
        self.stopped = False

    def read(self) -> ParsedFile:
        masked, blocks, directives = scan(self.text, self.kind)
        chars = list(masked)
        scope = Scope()
        decls: list = []
        reader = _DeclarationReader("")
        reader.scope = scope
        events = sorted([(d.offset, 0, d) for d in directives] + [(b.start, 1, b) for b in blocks],
                        key=lambda e: (e[0], e[1]))
        title, skip, shuffled = "", False, False
        for _, _, event in events:
            if isinstance(event, Directive):
                value = event.text.split(":", 1)[1].strip() if ":" in event.text else ""
                if event.word in ("let", "assume"):
                    self.declare(reader, event, scope, decls)
                elif event.word == "title":
                    title = value
                elif event.word == "derivcheck" and value == "skip":
                    skip = True
                elif event.word == "order":
                    shuffled = value == "unknown"  # steps given in no order: `derivcheck order`
                continue
            if not skip:
                self.block(event, chars, scope, decls, title, shuffled)
            title, skip, shuffled = "", False, False
        return self.result

    def declare(self, reader: _DeclarationReader, d: Directive, scope: Scope, decls: list) -> None:
        ln = _Line(d.line, " " * (d.column - 1) + d.text, d.column - 1)
        before = len(reader.result.diagnostics)
        reader.declare([ln], scope, decls)
        for diag in reader.result.diagnostics[before:]:
            self.result.diagnostics.append(dataclasses.replace(diag, source_line=self.loc.source_line(diag.line)))

    def block(self, block: Block, chars: list[str], scope: Scope, decls: list, title: str,
              shuffled: bool = False) -> None:
        block_rows = rows(chars, block, self.loc)
        for n, chain in enumerate(chains(block_rows)):
            first, last = chain[0], chain[-1]
            line, col = self.loc.position(first.start)
            text = "".join(chars[first.start:last.end])
            local = scope.copy()
            try:
                tokens = latex.lex(text, line, col, labels=_labels(local))
            except DerivcheckError as e:
                d = e.diagnostic
                note = "; this block is not checked"
                self.result.diagnostics.append(dataclasses.replace(
                    d, message=d.message + note, source_line=self.loc.source_line(d.line)))
                return
            if not tokens:
                continue
            chain_title = title if title and n == 0 else f"{block.kind} at line {tokens[0].line}"
            self.derivation(chain, tokens, first.start, local, decls, chain_title, chars, shuffled)

    def derivation(self, chain: list[Row], tokens, base: int, scope: Scope, decls: list, title: str,
                   chars: list[str], shuffled: bool = False) -> None:
        pieces, rels = latex.split_relations(tokens)
        notes: list[str] = []
        resolver = Resolver(scope, notes)
        steps: list[Step] = []
        broken: set[int] = set()
        for k, piece in enumerate(pieces):
            index = k + 1
            rel = rels[k - 1] if k > 0 else None
            where = rel if rel is not None else (piece[0] if piece else tokens[0])
            hint = self.hint_for(chain, rel, rels, base) if rel is not None else None
            text = " ".join("".join(chars[base + piece[0].start_pos:base + piece[-1].end_pos]).split()) if piece else ""
            text = _clean_text(text)
            relation = str(rel) if rel is not None else None
            try:
                if not piece:
                    raise InputError(Diagnostic("parse-error", f"nothing follows `{rel}`" if rel is not None
                                                else "a relation with nothing before it", where.line,
                                                where.column, expected=("an expression",)))
                raw = latex.parse_tokens(piece)
                resolver.line, resolver.column = piece[0].line, piece[0].column
                resolver.source_line = self.loc.source_line(piece[0].line)
                expr = resolver.resolve(readings(raw, scope, notes))
            except InputError as e:
                d = e.diagnostic
                self.result.diagnostics.append(dataclasses.replace(d, source_line=self.loc.source_line(d.line)))
                broken.add(index)
                steps.append(Step(index, relation, text, A.Num(0, "?"), where.line, where.column, hint))
                continue
            steps.append(Step(index, relation, text, expr, where.line, where.column, hint, raw))
        if len(steps) < 2:
            return
        self.steps += len(steps)
        problem = limits.too_many_steps(self.steps)
        if problem:
            if not self.stopped:
                self.stopped = True
                self.result.diagnostics.append(Diagnostic("limit", problem, steps[0].line, 1))
            return
        self.result.derivations.append(Derivation(title, steps[0].line, tuple(steps), tuple(decls),
                                                  shuffled, tuple(notes)))
        self.result.broken.append(broken)
        self.result.scopes.append(scope)

    def hint_for(self, chain: list[Row], rel, rels, base: int) -> Hint | None:
        """A row's hint belongs to the step its first relation starts (a row that only
        continues an expression lends its hint to the step it continues)."""
        offsets = [base + r.start_pos for r in rels]
        mine = base + rel.start_pos
        for row in chain:
            if row.hint is None:
                continue
            inside = [o for o in offsets if row.start <= o < row.end]
            target = inside[0] if inside else max((o for o in offsets if o < row.start), default=None)
            if target == mine:
                return row.hint
        return None


def _clean_text(text: str) -> str:
    return re.sub(r"\\(?:nonumber|notag)\b|\\label\{[^}]*\}", "", text).replace("&", "").strip()


def read_document(text: str, kind: str) -> ParsedFile:
    """The derivations of a .tex (`kind="tex"`) or .md (`kind="md"`) document."""
    return DocumentReader(text, kind).read()
