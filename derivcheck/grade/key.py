"""Read an answer key: a .deriv (or .tex, .md) file holding the reference derivation(s) and grading headers.

    # headers, before the first `title:` (all optional)
    points: 10
    weights: start 1, goal 1, steps 3, keys 4, order 1
    start: ∇_θ J(θ)             (default: each route's first line)
    goal: E_{τ~Pr_θ}[…]         (default: each route's last line; several `goal:` lines = any of them)

    let …                       (the key's declarations apply to every submission)

    title: …                    (each derivation is an acceptable route)
      ∇_θ J(θ)
    = { linearity } …   # key   (a trailing `# key` marks a required key step)

A .tex or .md key writes the headers and marks as comments (`% points: 10`, `% key`;
`<!-- points: 10 -->`, `<!-- key -->`), its declarations as the document reader's `% let`.

Every step of a route that changes the expression's form is a key step; when some lines of a
route carry `# key`, only those are required.  A step that only unfolds a definition
changes nothing once definitions are unfolded, so it is no key step of its own.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass, field

from ..diagnostics import Diagnostic
from ..model import Declaration, Derivation
from ..scope import Scope
from ..source import read_deriv
from . import match
from .reading import read_submission

HEADER = re.compile(r"^\s*(points|weights|start|goal)\s*:(.*)$")
KEY_MARK = re.compile(r"\s#\s*key\s*$")
PARTS = ("start", "goal", "steps", "keys", "order")
DEFAULT_WEIGHTS = {"start": 1.0, "goal": 1.0, "steps": 3.0, "keys": 4.0, "order": 1.0}
DEFAULT_POINTS = 10.0


class KeyProblem(Exception):
    """The key cannot be used; `problems` says why, as (line, column, message)."""

    def __init__(self, problems: list):
        self.problems = [(d.line, d.column, d.message) if isinstance(d, Diagnostic) else tuple(d)
                         for d in problems]
        super().__init__("; ".join(f"line {ln}, column {col}: {m}" for ln, col, m in self.problems))


@dataclass(frozen=True, slots=True)
class KeyLine:
    """One line of a route: its form, the rewrite of the step into it, whether it is required."""

    index: int  # 0-based position in the route
    line: int
    text: str
    label: str  # the hint, or "" when the key gives none
    form: object
    rewrite: tuple | None  # None for the first line and for steps that change no form
    required: bool
    depends: frozenset[int] = frozenset()

    @property
    def name(self) -> str:
        """`key step 3 (linearity)`: numbered like the key's lines, the start being 1."""
        return f"key step {self.index + 1}" + (f" ({self.label})" if self.label else "")


@dataclass(frozen=True)
class Route:
    title: str
    derivation: Derivation
    scope: Scope
    lines: tuple[KeyLine, ...]
    starts: tuple  # accepted start forms
    goals: tuple  # accepted goal forms
    start_text: str
    goal_text: str

    @property
    def key_steps(self) -> tuple[KeyLine, ...]:
        return tuple(ln for ln in self.lines[1:] if ln.rewrite is not None)

    @property
    def required(self) -> tuple[KeyLine, ...]:
        return tuple(ln for ln in self.key_steps if ln.required)


@dataclass(frozen=True)
class AnswerKey:
    path: str
    title: str
    points: float
    weights: dict[str, float]
    routes: tuple[Route, ...]
    digest: str  # of the key's text: a journal from another key is not resumed
    warnings: tuple[Diagnostic, ...] = field(default=())

    @property
    def declarations(self) -> tuple[Declaration, ...]:
        return self.routes[0].derivation.declarations


def read_key(text: str, path: str = "<key>") -> AnswerKey:
    """The answer key in `text`; raises KeyProblem with diagnostics when it cannot be used."""
    text = text.removeprefix("\ufeff").replace("\r\n", "\n").replace("\r", "\n")
    kind = "tex" if path.endswith(".tex") else "md" if path.endswith(".md") else None
    if kind is None:
        headers, marked, body, problems = _headers(text)
        parsed = read_deriv(body)
    else:
        from ..documents import read_document

        headers, marked, problems = _document_headers(text, kind)
        parsed = read_document(text, kind)
    problems += [d for d in parsed.diagnostics if d.severity == "error"]
    if not parsed.derivations and not problems:
        problems.append(Diagnostic("empty-derivation", "the key holds no derivation", 1, 1))
    if problems:
        raise KeyProblem(problems)
    points = _points(headers.get("points", []), problems)
    weights = _weights(headers.get("weights", []), problems)
    routes = []
    for d, scope in zip(parsed.derivations, parsed.scopes):
        routes.append(_route(d, scope, marked, headers, problems))
    if problems:
        raise KeyProblem(problems)
    digest = hashlib.sha256(text.encode()).hexdigest()
    return AnswerKey(path, routes[0].title, points, weights, tuple(routes), digest)


def _headers(text: str):
    """Header lines and `# key` marks taken out (blank lines left, so positions stay)."""
    headers: dict[str, list[tuple[int, str]]] = {}
    marked: set[int] = set()
    lines = text.split("\n")
    seen_title = False
    problems: list[Diagnostic] = []
    for i, raw in enumerate(lines):
        number = i + 1
        if raw.strip().startswith("title:"):
            seen_title = True
        m = HEADER.match(raw)
        if m and not raw.lstrip().startswith(("let ", "assume ")):
            if seen_title:
                problems.append(Diagnostic("bad-declaration", f"the `{m[1]}:` header belongs before the first "
                                           "`title:`", number, 1, source_line=raw))
            headers.setdefault(m[1], []).append((number, m[2].strip()))
            lines[i] = ""
            continue
        mark = KEY_MARK.search(raw)
        if mark and not raw.lstrip().startswith("#"):
            marked.add(number)
            lines[i] = raw[:mark.start()]
    return headers, marked, "\n".join(lines), problems


_DOC_HEADER = {"tex": re.compile(r"^\s*%\s*(points|weights|start|goal)\s*:(.*)$"),
               "md": re.compile(r"^\s*<!--\s*(points|weights|start|goal)\s*:(.*?)-->\s*$")}
_DOC_MARK = {"tex": re.compile(r"(?<!\\)%\s*key\s*$"), "md": re.compile(r"<!--\s*key\s*-->\s*$")}


def _document_headers(text: str, kind: str):
    """Headers and key marks of a .tex or .md key, written as comments (`% points: 10`,
    `<!-- key -->`) that the document reader skips anyway."""
    headers: dict[str, list[tuple[int, str]]] = {}
    marked: set[int] = set()
    for number, raw in enumerate(text.split("\n"), 1):
        m = _DOC_HEADER[kind].match(raw)
        if m:
            headers.setdefault(m[1], []).append((number, m[2].strip()))
        elif _DOC_MARK[kind].search(raw):
            marked.add(number)
    return headers, marked, []


def _points(values, problems) -> float:
    if not values:
        return DEFAULT_POINTS
    line, value = values[-1]
    try:
        points = float(value)
    except ValueError:
        points = -1.0
    if not points > 0 or points != points or points == float("inf"):
        problems.append(Diagnostic("bad-declaration", f"`points:` wants a positive number, not `{value}`", line, 1))
        return DEFAULT_POINTS
    return points


def _weights(values, problems) -> dict[str, float]:
    weights = dict(DEFAULT_WEIGHTS)
    for line, value in values:
        for item in filter(None, (s.strip() for s in value.split(","))):
            m = re.fullmatch(r"(\w+)\s*[= ]\s*([0-9]*\.?[0-9]+)", item)
            if not m or m[1] not in PARTS:
                problems.append(Diagnostic(
                    "bad-declaration", f"`weights:` expects `name number` pairs for {', '.join(PARTS)}; "
                    f"cannot read `{item}`", line, 1))
                continue
            weights[m[1]] = float(m[2])
    if sum(weights.values()) <= 0:
        problems.append(Diagnostic("bad-declaration", "the weights add up to 0", values[-1][0], 1))
    return weights


def _route(d: Derivation, scope: Scope, marked: set[int], headers, problems) -> Route:
    forms = [match.form(s.expr, scope) for s in d.steps]
    rewrites = [None] + [match.rewrite(a, b) for a, b in zip(forms, forms[1:])]
    deps = match.dependencies(forms, rewrites)
    any_marked = any(s.line in marked for s in d.steps)
    lines = tuple(
        KeyLine(i, s.line, s.text, s.hint.text if s.hint else "", forms[i], rewrites[i],
                required=(s.line in marked) if any_marked else True, depends=deps[i])
        for i, s in enumerate(d.steps))
    starts = _alternatives(headers.get("start", []), d, problems) or (forms[0],)
    goals = _alternatives(headers.get("goal", []), d, problems) or (forms[-1],)
    start_text = headers["start"][0][1] if "start" in headers else d.steps[0].text
    goal_text = headers["goal"][0][1] if "goal" in headers else d.steps[-1].text
    return Route(d.title, d, scope, lines, tuple(starts), tuple(goals), start_text, goal_text)


def _alternatives(values, d: Derivation, problems) -> list:
    """The forms of `start:` / `goal:` headers, read with the route's declarations."""
    out = []
    for line, value in values:
        parsed = read_submission(value, "", d.declarations)  # plain, or LaTeX in a .tex key
        errors = [x for x in parsed.diagnostics if x.severity == "error"]
        if errors or not parsed.derivations or len(parsed.derivations[0].steps) != 1:
            why = errors[0].message if errors else "it should be one expression"
            problems.append(Diagnostic("bad-declaration", f"cannot read `{value}`: {why}", line, 1))
            continue
        out.append(match.form(parsed.derivations[0].steps[0].expr, parsed.scopes[0]))
    return out


def check_key(key: AnswerKey, opts) -> list[tuple[str, int, int, str]]:
    """Check every route's own steps, warming the run's cache with them: (severity, line,
    column, message) for each step that is refuted (an error in the key) or unknown."""
    from ..model import Verdict
    from .check import check_steps

    found = []
    for route in key.routes:
        result, _ = check_steps(route.derivation, route.scope, set(), opts)
        for r in result.steps:
            where = f"step {r.step.index} of `{route.title}`" if route.title else f"step {r.step.index}"
            if r.verdict is Verdict.REFUTED:
                found.append(("error", r.step.line, r.step.column,
                              f"the key's {where} is refuted: fix the key before grading with it"))
            elif r.verdict is Verdict.UNKNOWN:
                found.append(("warning", r.step.line, r.step.column,
                              f"the key's {where} could not be checked ({r.reason})"))
    return found
