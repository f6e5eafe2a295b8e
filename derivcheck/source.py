"""Read a `.deriv` file into derivations (NOTATION.md §1): titles, declarations, chains, hints.

The line structure is read here; every expression goes to the grammar with its file
position, so each message points at the spot.  Problems become Diagnostics and the rest
of the file is still read: one bad step does not hide the other derivations.
"""

from __future__ import annotations

import dataclasses
import re
from dataclasses import dataclass, field

from . import ast as A
from . import limits
from .diagnostics import Diagnostic
from .errors import InputError
from .model import Assumption, Definition, Derivation, Hint, Step
from .scope import Scope
from .semantics import Resolver, canon, declare_head, label
from .syntax.plain import parse_chain

RELATIONS = ("<=", ">=", "!=", "=", "≤", "≥", "≠", "<", ">")
REL_CANON = {"<=": "≤", ">=": "≥", "!=": "≠"}
OPENERS, CLOSERS = "([{", ")]}"
KIND_RE = re.compile(
    r"^(?:(?P<dist>distribution)(?:\s+over\s+(?P<over>\S+))?"
    r"|(?P<index>index)(?:\s+over\s+(?P<set>\S+))?"
    r"|(?P<kind>real|positive|nonnegative|integer|natural|nonzero|sequence))\s*$"
)


@dataclass
class ParsedFile:
    derivations: list[Derivation] = field(default_factory=list)
    diagnostics: list[Diagnostic] = field(default_factory=list)
    broken: list[set[int]] = field(default_factory=list)  # per derivation: unreadable step indices
    scopes: list[Scope] = field(default_factory=list)  # per derivation: its scope after reading


@dataclass
class _Line:
    number: int
    text: str  # the logical line (continuations joined with "\n")
    indent: int


@dataclass
class _Block:
    title: str
    line: int
    lets: list[_Line] = field(default_factory=list)
    chain: list[_Line] = field(default_factory=list)
    order_unknown: bool = False


def logical_lines(text: str) -> list[_Line]:
    """Physical lines joined while brackets stay open; comments and blanks dropped."""
    out: list[_Line] = []
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        raw = lines[i].rstrip("\r")
        stripped = raw.strip()
        if not stripped or stripped.startswith("#"):
            i += 1
            continue
        start = i
        parts = [raw]
        # a title's brackets are prose: `title: Part (1` must not swallow the next line
        depth = 0 if stripped.startswith(("title:", "notation:", "order:")) else _depth(raw)
        while depth > 0 and i + 1 < len(lines):
            nxt = lines[i + 1].rstrip("\r")
            if nxt.strip().startswith("#") or not nxt.strip() or _starts_statement(nxt.strip()):
                break  # an unclosed bracket must not swallow the next step or directive
            i += 1
            parts.append(nxt)
            depth += _depth(nxt)
        out.append(_Line(start + 1, "\n".join(parts), len(raw) - len(raw.lstrip())))
        i += 1
    return out


def _starts_statement(s: str) -> bool:
    """A line that begins a step or a directive, never the continuation of a bracket."""
    return s.startswith(("title:", "notation:", "order:", "let ", "assume ")) \
        or _relation_prefix(s) is not None


def _depth(s: str) -> int:
    return sum(s.count(c) for c in OPENERS) - sum(s.count(c) for c in CLOSERS)


def split_blocks(lines: list[_Line]) -> tuple[list[_Line], list[_Block], list[Diagnostic]]:
    shared: list[_Line] = []
    blocks: list[_Block] = []
    diags: list[Diagnostic] = []
    for ln in lines:
        s = ln.text.strip()
        if s.startswith("title:"):
            title = s[len("title:"):].strip()
            if blocks and not blocks[-1].title and not blocks[-1].chain and not blocks[-1].lets:
                blocks[-1].title, blocks[-1].line = title, ln.number  # `order:` came first
            else:
                blocks.append(_Block(title, ln.number))
            continue
        if s.startswith("notation:"):
            value = s[len("notation:"):].strip()
            if value != "plain":
                diags.append(Diagnostic("unsupported", f"notation `{value}` is not supported yet in .deriv files",
                                        ln.number, ln.text.index("notation") + 1, source_line=ln.text))
            continue
        if s.startswith("order:"):
            unknown = s[len("order:"):].strip() == "unknown"
            if blocks:
                blocks[-1].order_unknown = unknown
            else:  # a file without `title:` lines: the chain that follows is its derivation
                blocks.append(_Block("", ln.number, order_unknown=unknown))
            continue
        if s.startswith(("let ", "assume ")):
            (blocks[-1].lets if blocks else shared).append(ln)
            continue
        if not blocks:
            blocks.append(_Block("", ln.number))
        blocks[-1].chain.append(ln)
    return shared, blocks, diags


def _relation_prefix(s: str) -> str | None:
    for r in RELATIONS:
        if s.startswith(r):
            return r
    return None


def _position(line: _Line, offset: int) -> tuple[int, int]:
    """(line, column) of character `offset` of a logical line."""
    before = line.text[:offset]
    nl = before.count("\n")
    if nl:
        return line.number + nl, len(before) - before.rfind("\n")
    return line.number, offset + 1


def _physical(line: _Line, number: int) -> str:
    return line.text.split("\n")[number - line.number]


class FileReader:
    """Turns the text of one .deriv file into a ParsedFile."""

    def __init__(self, text: str):
        # every entry point reads lines alike: CRLF and a lone CR end a line, a BOM is dropped
        self.text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
        self.result = ParsedFile()
        self.too_long: set[int] = set()  # numbers of lines over the length limit (limits.py)
        self.statements = 0  # steps and declarations read so far, against limits.steps
        self.stopped = False  # the statement limit was reached: the rest is not read

    def diag(self, err: InputError, ln: _Line | None = None) -> None:
        d = err.diagnostic
        if ln is not None and 0 <= d.line - ln.number <= ln.text.count("\n"):
            # a continued line: show the physical line the error is on
            d = dataclasses.replace(d, source_line=_physical(ln, d.line))
        self.result.diagnostics.append(d)

    def read(self) -> ParsedFile:
        shared, blocks, diags = split_blocks(self.within_limits(logical_lines(self.text)))
        self.result.diagnostics.extend(diags)
        base_scope = Scope()
        base_decls: list = []
        self.declare(shared, base_scope, base_decls)
        for block in blocks:
            if self.stopped:
                break
            scope = base_scope.copy()
            decls = list(base_decls)
            self.declare(block.lets, scope, decls)
            self.chain(block, scope, decls)
        return self.result

    # -- limits (derivcheck/limits.py), checked before a line is parsed ----------------
    def within_limits(self, lines: list[_Line]) -> list[_Line]:
        """Lines over the length limit get a diagnostic and are cut short: a title keeps its
        beginning, a declaration is dropped, a step stays (its beginning shows which step it
        was) and is reported unreadable."""
        out = []
        for ln in lines:
            problem = limits.line_too_long(ln.text)
            if problem is None:
                out.append(ln)
                continue
            first = ln.text.split("\n", 1)[0]
            self.result.diagnostics.append(Diagnostic("limit", problem, ln.number, 1,
                                                      source_line=_clip(first)))
            s = first.strip()
            if s.startswith(("let ", "assume ", "notation:", "order:")):
                continue
            self.too_long.add(ln.number)
            out.append(_Line(ln.number, _clip(first), ln.indent))
        return out

    def count(self, ln: _Line) -> bool:
        """Count one statement; False (and a diagnostic, once) past the limit."""
        self.statements += 1
        problem = limits.too_many_steps(self.statements)
        if problem is None:
            return True
        if not self.stopped:
            self.stopped = True
            self.result.diagnostics.append(Diagnostic("limit", problem, ln.number, 1))
        return False

    # -- declarations ------------------------------------------------------------
    def declare(self, lines: list[_Line], scope: Scope, decls: list) -> None:
        for ln in lines:
            if not self.count(ln):
                return
            try:
                for d in self.declaration(ln, scope):
                    scope.add(d)
                    decls.append(d)
            except InputError as e:
                self.diag(e, ln)

    def declaration(self, ln: _Line, scope: Scope) -> list:
        s = ln.text
        lead = len(s) - len(s.lstrip())
        src = _physical(ln, ln.number)
        resolver = Resolver(scope, [], line=ln.number, column=lead + 1, source_line=src)
        if s.strip().startswith("assume "):
            off = lead + len("assume ")
            exprs, rels = self.parse(ln, off, s[off:])
            if not rels:
                raise InputError(Diagnostic("bad-declaration", "an assumption is a relation, like x > 0",
                                            ln.number, off + 1, source_line=src))
            out = []
            for a, rel, b in zip(exprs, rels, exprs[1:]):
                relation = A.Rel(REL_CANON.get(str(rel), str(rel)), resolver.resolve(a), resolver.resolve(b))
                out.append(Assumption(relation, s.strip()[len("assume "):], ln.number))
            return out
        off = lead + len("let ")
        body = s[off:]
        if ":=" in body:
            cut = body.index(":=")
            head_text, rhs_off = body[:cut], off + cut + 2
            head = self.head(ln, off, head_text)
            name, params = self.definition_head(head, resolver)
            inner = resolver
            for p in params:
                inner = inner.with_bound(p)
            rhs_text = s[rhs_off:]
            exprs, rels = self.parse(ln, rhs_off, rhs_text)
            if rels:
                raise InputError(Diagnostic("bad-declaration", "a definition's body is one expression",
                                            ln.number, rhs_off + 1, source_line=src))
            return [Definition(name, params, inner.resolve(exprs[0]), ln.number)]
        colon = _top_level_colon(body)
        if colon < 0:
            raise InputError(Diagnostic("bad-declaration", "expected `:` and a kind, or `:=` and a definition",
                                        ln.number, len(s.rstrip()) + 1, source_line=src,
                                        expected=(":", ":=")))
        kind_text = body[colon + 1:].strip()
        m = KIND_RE.match(kind_text)
        if not m:
            kcol = off + colon + 2 + (len(body[colon + 1:]) - len(body[colon + 1:].lstrip()))
            message = f"unknown kind `{kind_text}`" if kind_text else "a kind is missing after `:`"
            raise InputError(Diagnostic(
                "bad-declaration", message, ln.number, kcol, source_line=src,
                expected=("real", "positive", "nonnegative", "integer", "natural", "nonzero",
                          "index", "index over A", "distribution over x", "sequence")))
        kind = "distribution" if m["dist"] else "index" if m["index"] else m["kind"]
        out = []
        for piece_off, piece in _split_commas(body[:colon]):
            head = self.head(ln, off + piece_off, piece)
            resolver.line, resolver.column = _position(ln, off + piece_off)
            out.extend(declare_head(head, kind, m["over"], m["set"], resolver, ln.number))
        return out

    def head(self, ln: _Line, offset: int, text: str):
        """What a `let` line declares: one expression, no relation (`let J≤(θ) := …` is no head)."""
        exprs, rels = self.parse(ln, offset, text)
        if rels:
            line, col = rels[0].line, rels[0].column
            raise InputError(Diagnostic("bad-declaration", "a declaration names one thing, with no relation",
                                        line, col, source_line=_physical(ln, line)))
        return exprs[0]

    def definition_head(self, head, resolver):
        if isinstance(head, A.Name):
            text = label(head.sub) if head.sub is not None else None
            return (canon(head.base) if head.sub is None else f"{canon(head.base)}_{text}"), ()
        if isinstance(head, A.Call):
            params = [label(a) for a in ([head.name.sub] if head.name.sub is not None else []) + list(head.args)]
            if any(p is None for p in params):
                raise resolver.fail("a definition's parameters are names, like J(θ)", "bad-declaration", head.name)
            return canon(head.name.base), tuple(params)
        raise resolver.fail("a definition names what it defines, like J or J(θ)", "bad-declaration")

    def parse(self, ln: _Line, offset: int, text: str):
        line, col = _position(ln, offset)
        return parse_chain(text, line, col, source_line=_physical(ln, line))

    # -- chains --------------------------------------------------------------------
    def chain(self, block: _Block, scope: Scope, decls: list) -> None:
        steps: list[Step] = []
        notes: list[str] = []
        broken: set[int] = set()
        resolver = Resolver(scope, notes)
        for ln in block.chain:
            if not self.count(ln):
                break
            s = ln.text
            lead = len(s) - len(s.lstrip())
            rel = _relation_prefix(s.lstrip())
            if rel is None and steps:
                # a new chain inside the same derivation: report it as a derivation of its own
                self.finish(block, steps, notes, decls, broken, scope)
                steps, broken = [], set()
                notes = []
                resolver = Resolver(scope, notes)
            if ln.number in self.too_long:  # over the length limit: reported, not parsed
                broken.add(len(steps) + 1)
                text = s.strip()[len(rel or ""):].strip()
                steps.append(self.placeholder_step(len(steps) + 1, rel, ln, lead, text))
                continue
            off = lead + (len(rel) if rel else 0)
            hint = None
            rest = s[off:]
            stripped = rest.lstrip()
            if rel is not None and stripped.startswith("{"):
                hstart = off + (len(rest) - len(stripped))
                close = _matching_brace(s, hstart)
                if close < 0:
                    hl, hc = _position(ln, hstart)
                    self.result.diagnostics.append(Diagnostic(
                        "parse-error", "unclosed `{` of a hint", hl, hc, source_line=_physical(ln, hl),
                        expected=("}",)))
                    broken.add(len(steps) + 1)
                    steps.append(self.placeholder_step(len(steps) + 1, rel, ln, off))
                    continue
                hl, hc = _position(ln, hstart)
                hint = Hint(s[hstart + 1:close].strip(), hl, hc)
                off = close + 1
            expr_text = s[off:]
            if rel is not None and not expr_text.strip():
                rl, rc = _position(ln, lead)
                self.result.diagnostics.append(Diagnostic(
                    "parse-error", f"nothing follows `{rel}`", rl, rc, source_line=_physical(ln, rl),
                    expected=("an expression",)))
                broken.add(len(steps) + 1)
                steps.append(self.placeholder_step(len(steps) + 1, rel, ln, lead))
                continue
            skip = len(expr_text) - len(expr_text.lstrip())
            eline, ecol = _position(ln, off + skip)
            try:
                exprs, rels = parse_chain(expr_text.lstrip(), eline, ecol,
                                          source_line=_physical(ln, eline))
            except InputError as e:
                self.diag(e, ln)
                broken.add(len(steps) + 1)
                steps.append(self.placeholder_step(len(steps) + 1, rel, ln, off + skip, expr_text.strip()))
                continue
            relations = ([rel] if rel else [None]) + list(rels)
            for k, (raw, r) in enumerate(zip(exprs, relations)):
                index = len(steps) + 1
                r = None if r is None else str(r)
                line, col = (ln.number, lead + 1) if k == 0 else (rels[k - 1].line, rels[k - 1].column)
                text = _piece_text(expr_text.lstrip(), rels, k)
                try:
                    resolver.line, resolver.column = eline, ecol
                    resolver.source_line = _physical(ln, eline)
                    expr = resolver.resolve(raw)
                except InputError as e:
                    self.diag(e, ln)
                    broken.add(index)
                    steps.append(self.placeholder_step(index, r, ln, off + skip, text))
                    continue
                steps.append(Step(index, REL_CANON.get(r, r) if r else None, text, expr,
                                  line, col, hint if k == 0 else None, raw))
        self.finish(block, steps, notes, decls, broken, scope)

    def placeholder_step(self, index, rel, ln, off, text="") -> Step:
        line, col = _position(ln, off)
        return Step(index, REL_CANON.get(rel, rel) if rel else None, text, A.Num(0, "?"), line, col)

    def finish(self, block, steps, notes, decls, broken, scope) -> None:
        if not steps:
            self.result.diagnostics.append(Diagnostic(
                "empty-derivation", f"derivation `{block.title}` has no steps", block.line, 1,
                severity="warning"))
            return
        d = Derivation(block.title, block.line, tuple(steps), tuple(decls), block.order_unknown, tuple(notes))
        self.result.broken.append(broken)
        self.result.scopes.append(scope)
        self.result.derivations.append(d)


def _clip(text: str, keep: int = 120) -> str:
    """The beginning of an over-long line, to show which line it was."""
    return text if len(text) <= keep else text[:keep] + "…"


def _piece_text(body: str, rels: list, k: int) -> str:
    """The written text of the k-th expression of `A = B = C` (rels: the relation tokens)."""
    start = rels[k - 1].end_pos if k > 0 else 0
    end = rels[k].start_pos if k < len(rels) else len(body)
    return body[start:end].strip()


def _top_level_colon(s: str) -> int:
    depth = 0
    for i, c in enumerate(s):
        if c in OPENERS:
            depth += 1
        elif c in CLOSERS:
            depth -= 1
        elif c == ":" and depth == 0:
            return i
    return -1


def _split_commas(s: str) -> list[tuple[int, str]]:
    out, depth, start = [], 0, 0
    for i, c in enumerate(s):
        if c in OPENERS:
            depth += 1
        elif c in CLOSERS:
            depth -= 1
        elif c == "," and depth == 0:
            out.append((start, s[start:i]))
            start = i + 1
    out.append((start, s[start:]))
    return [(o + len(p) - len(p.lstrip()), p.strip()) for o, p in out if p.strip()]


def _matching_brace(s: str, start: int) -> int:
    depth = 0
    for i in range(start, len(s)):
        if s[i] == "{":
            depth += 1
        elif s[i] == "}":
            depth -= 1
            if depth == 0:
                return i
    return -1


def read_deriv(text: str) -> ParsedFile:
    return FileReader(text).read()
