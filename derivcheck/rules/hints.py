"""Reading a hint: the phrase people write → the rules it names, the equation it states, or
what it names as an argument (`multiply and divide by X`).  Hint text is only ever parsed by
the plain-notation grammar, never evaluated."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field

from ..errors import InputError
from ..semantics import Resolver, canon
from ..syntax.plain import parse_chain
from ..verify.normalise import add, flat, free, mul
from .base import Rewrite, Rule
from .tree import match_some, positions, subst
from .tree import match as match_pattern


@dataclass(frozen=True)
class Part:
    """One recognised piece of a hint: alternative rules (any may account) and arguments."""

    text: str
    rules: tuple[Rule, ...]
    arguments: tuple = ()


@dataclass(frozen=True)
class ParsedHint:
    text: str
    parts: tuple[Part, ...] = ()
    unknown: tuple[str, ...] = ()  # pieces that name no rule
    suggestions: tuple[str, ...] = field(default=())


def normalise_text(text: str) -> str:
    s = text.casefold().strip()
    s = re.sub(r"[\"“”‘’`]", "", s)
    s = s.replace("−", "-").replace("–", "-").replace("'s", "s")
    s = re.sub(r"\s+", " ", s).strip(" .!")
    s = re.sub(r"^(?:by|using|use|apply|applying|via|from|with)\s+", "", s)
    return s


def _variants(s: str) -> list[str]:
    out = [s]
    if s.startswith("the "):
        out.append(s[4:])
    return out


def split_parts(text: str) -> list[str]:
    """Pieces separated by top-level `,` `;` `:` (brackets respected)."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif ch in ",;:" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    parts.append(text[start:])
    return [p.strip() for p in parts if p.strip()]


# ---------------------------------------------------------------------------
# Phrases → rules


_PATTERNS: list[tuple[str, tuple[str, ...]]] = [
    (r"^definitions? of (?:the )?(?:expectation|expected value|e)$", ("definition of expectation",)),
    (r"^definitions? of (?:the )?(?:square|power|squaring|a power)$", ("definition of a power",)),
    (r"^definitions? of (?:tan|sec|cot|csc)$", ("tan as a ratio",)),
    (r"^(?:multiply and divide|multiply (?:top|numerator) and (?:bottom|denominator)) by\b",
     ("multiply and divide",)),
    (r"^add and subtract\b", ("add and subtract",)),
    (r"^cancel", ("cancel",)),
    (r"\bcancels?(?: out)?$", ("cancel",)),
    (r"^(?:common )?factor", ("factor",)),
    (r"^distribute\b", ("expand", "linearity")),
    (r"^expand\b", ("expand",)),
    (r"^(?:pull|take|move|bring|put)\b.*\b(?:out|in|inside|outside|into|through|under)\b",
     ("linearity", "interchange")),
    (r"\b(?:does not|doesnt|do not|dont|does n't) depend on\b|\bindependent of\b|^only .+ depends? on\b"
     r"|\bis (?:a )?constant\b|\bare constants?\b", ("derivative of a constant", "linearity")),
    (r"\bnormali[sz]ed\b|\bsums? to (?:one|1)\b", ("normalisation",)),
    (r"^rename\b|^relabel\b", ("rename a bound variable",)),
    (r"\bterms\b", ("sum of a constant",)),
    (r"^shift\b|^re-?index\b", ("shift the index",)),
    (r"^split off\b|^peel off\b", ("split off a term",)),
    (r"^split the (?:sum|expectation|integral|gradient)", ("linearity",)),
    (r"^common denominator\b", ("common denominator",)),
    (r"^evaluate\b", ("evaluate at a point", "arithmetic")),
    (r"^antiderivative\b", ("fundamental theorem of calculus",)),
    (r"\bby parts\b", ("integration by parts",)),
    (r"^substitute\b", ("substitute an equal",)),
    (r"^differentiate\b", ("differentiate",)),
    (r"^swap\b|^exchange\b|^interchange\b", ("interchange", "swap the sums")),
]


class Library:
    """All rules by name and by alias (aliases compared after `normalise_text`)."""

    def __init__(self, rules: list[Rule]):
        self.rules = rules
        self.by_name = {r.name: r for r in rules}
        self.by_alias: dict[str, list[Rule]] = {}
        for r in rules:
            for a in (r.name,) + r.aliases:
                bucket = self.by_alias.setdefault(normalise_text(a), [])
                if r not in bucket:
                    bucket.append(r)

    def named(self, phrase: str) -> list[Rule]:
        s = normalise_text(phrase)
        # a remark in brackets at the end, `product rule (misremembered)`, names nothing
        bare = re.sub(r"\s*\([^()]*\)$", "", s)
        for v in _variants(s) + (_variants(bare) if bare != s else []):
            if v in self.by_alias:
                return self.by_alias[v]
        for pattern, names in _PATTERNS:
            if re.search(pattern, s):
                return [self.by_name[n] for n in names]
        return []

    def closest(self, phrase: str, n: int = 3) -> tuple[str, ...]:
        s = normalise_text(phrase)
        hits = difflib.get_close_matches(s, list(self.by_alias), n=12, cutoff=0.4)
        out: list[str] = []
        for h in hits:
            for r in self.by_alias[h]:
                if r.name not in out and not r.generic:
                    out.append(r.name)
        return tuple(out[:n])


# ---------------------------------------------------------------------------
# Stated equations: `exp(log u) = u` as a rule


def _resolve(text: str, scope):
    """The expressions and relations of `text` read in a copy of the scope, or None."""
    try:
        exprs, rels = parse_chain(text)
    except InputError:
        return None
    resolver = Resolver(scope.copy(), [])
    try:
        return [flat(resolver.resolve(e)) for e in exprs], [str(r) for r in rels]
    except (InputError, TypeError):
        return None


def _literal(t, pvars) -> bool:
    """Does the pattern pin anything down (a function, a number, a known name)?"""
    for _, n in positions(t):
        if n[0] in ("num", "const", "fn", "app", "d", "sum", "prod", "E", "int", "at", "pow"):
            return True
        if n[0] == "sym" and n[1] not in pvars:
            return True
    return False


def identity_rule(text: str, left, right, step_names: set) -> Rule | None:
    """A rule that replaces an instance of `left` by `right` (and, read backwards, the
    reverse); names not in the step are pattern variables."""
    pvars = frozenset((free(left) | free(right)) - step_names)
    rewrites = []
    for a, b, natural in ((left, right, True), (right, left, False)):
        if a[0] == "sym" and a[1] in pvars or not _literal(a, pvars) or not (free(b) & pvars) <= free(a):
            continue
        rewrites.append(Rewrite(_identity_rewrite(a, b, pvars), natural=natural))
    if not rewrites:
        return None
    return Rule(f"`{text}`", (), f"the stated identity {text}", "", tuple(rewrites), depth=3)


def _identity_rewrite(a, b, pvars):
    def rewrite(t, ctx):
        if a[0] in ("add", "mul") and t[0] == a[0] and len(a[1]) < len(t[1]):
            for binding, used in match_some(a[1], t[1], pvars, {}):
                kept = [k for i, k in enumerate(t[1]) if i not in used]
                first = min(used)
                joined = kept[:first] + [subst(b, binding)] + kept[first:]
                yield add(*joined) if t[0] == "add" else mul(*joined)
                break
        for binding in match_pattern(a, t, pvars, {}):
            yield subst(b, binding)
            break
    return rewrite


# ---------------------------------------------------------------------------
# A whole hint


_CONDITION_RULES = ("square root of a square",)
_SUFFIX = re.compile(r"\s+(?:for|where|when|if|since|as|because)\s+.*$")


def parse_hint(text: str, library: Library, scope, step_names: set) -> ParsedHint:
    """The recognised parts of a hint (in written order) and the pieces not recognised."""
    pieces = split_parts(text)
    if len(pieces) > 1 and any(v in library.by_alias for v in _variants(normalise_text(text))):
        pieces = [text]
    parts: list[Part] = []
    unknown: list[str] = []
    for piece in pieces:
        part = _part(piece, library, scope, step_names)
        if part is None:
            unknown.append(piece)
        else:
            parts.append(part)
    suggestions = () if parts else library.closest(text)
    return ParsedHint(text, tuple(parts), tuple(unknown), suggestions)


def _part(piece: str, library: Library, scope, step_names: set) -> Part | None:
    rules = library.named(piece)
    if rules:
        return Part(piece, tuple(rules), _arguments(piece, scope))
    s = normalise_text(piece)
    m = re.match(r"^definitions? of (.+)$", s)
    if m:
        return Part(piece, (_definition_for(piece[piece.lower().index(" of ") + 4:], scope),))
    formula = _SUFFIX.sub("", piece.strip())
    read = _resolve(formula, scope)
    if read is None or len(read[0]) < 2:
        return None
    exprs, rels = read
    if any(r != "=" for r in rels):
        return Part(piece, tuple(library.by_name[n] for n in _CONDITION_RULES))
    rules = []
    for i in range(len(exprs) - 1):
        for j in range(i + 1, len(exprs)):
            r = identity_rule(formula, exprs[i], exprs[j], step_names)
            if r is not None:
                rules.append(r)
    return Part(piece, tuple(rules)) if rules else None


def _arguments(piece: str, scope) -> tuple:
    """X in `multiply and divide by X`, `add and subtract X`."""
    m = re.search(r"(?:\bby|add and subtract)\s+(.+)$", piece)
    if not m:
        return ()
    read = _resolve(m.group(1), scope)
    return tuple(read[0]) if read else ()


def _definition_for(names_text: str, scope) -> Rule:
    from .sums import definition_rule

    wanted = set()
    for piece in re.split(r",|\band\b", names_text):
        piece = piece.strip()
        if not piece:
            continue
        base = canon(re.split(r"[_({\s]", piece, maxsplit=1)[0])
        wanted.add(base)
    defined = {n for n, _ in scope.definitions}
    names = frozenset(wanted & defined)
    return definition_rule(names or None)
