"""The derivation as written and what the checkers found: frozen plain data, no behaviour."""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from .ast import Node
from .diagnostics import Diagnostic

# ---------------------------------------------------------------------------
# Declarations

DOMAINS = ("real", "positive", "nonnegative", "integer", "natural", "nonzero")


@dataclass(frozen=True, slots=True)
class SymbolDecl:
    """`let x: real` …; an index variable has domain 'index' and the name of its set."""

    name: str
    domain: str
    set_name: str | None = None
    line: int = 0


@dataclass(frozen=True, slots=True)
class FunctionDecl:
    """`let f(x): real`, `let Pr_θ(τ): distribution over τ`, `let s_t: sequence`.

    `params` are in argument order (subscript parameters first, conditioning last);
    `kind` is real, positive, distribution or sequence; `over` is the position of the
    variable a distribution is normalised over.
    """

    name: str
    params: tuple[str, ...]
    kind: str
    over: int | None = None
    line: int = 0

    @property
    def arity(self) -> int:
        return len(self.params)


@dataclass(frozen=True, slots=True)
class Definition:
    """`let J(θ) := body` (params may be empty); body is resolved in the file's scope."""

    name: str
    params: tuple[str, ...]
    body: Node
    line: int = 0


@dataclass(frozen=True, slots=True)
class Assumption:
    relation: Node  # a resolved ast.Rel
    text: str = ""
    line: int = 0


Declaration = SymbolDecl | FunctionDecl | Definition | Assumption

# ---------------------------------------------------------------------------
# The written derivation


@dataclass(frozen=True, slots=True)
class Hint:
    text: str
    line: int
    column: int


@dataclass(frozen=True, slots=True)
class Step:
    """One line of a chain: the relation that introduces it (None for the first line),
    the expression as written (text and tree), its hint and its position."""

    index: int
    relation: str | None
    text: str
    expr: Node  # resolved tree
    line: int
    column: int
    hint: Hint | None = None
    raw: Node | None = field(default=None, compare=False)  # the grammar's tree


@dataclass(frozen=True, slots=True)
class Derivation:
    title: str
    line: int
    steps: tuple[Step, ...]
    declarations: tuple[Declaration, ...]
    order_unknown: bool = False
    notes: tuple[str, ...] = ()  # how ambiguous spellings were read, assumed names


# ---------------------------------------------------------------------------
# Findings


class Verdict(enum.Enum):
    START = "start"
    PROVED = "proved"
    CONFIRMED = "confirmed"
    REFUTED = "refuted"
    UNKNOWN = "unknown"

    @property
    def holds(self) -> bool:
        return self in (Verdict.PROVED, Verdict.CONFIRMED)


@dataclass(frozen=True, slots=True)
class Counterexample:
    """Concrete values at which the two sides differ, re-checked at higher precision.

    `values` maps symbol names to their values; `instances` describes each instantiated
    set and function in words (`τ` → `{τ1, τ2, τ3}`, `Pr` → `(0.22, 0.47, 0.31)`);
    `left`/`right` are the two sides' values, or `undefined`.
    """

    values: tuple[tuple[str, str], ...]
    instances: tuple[tuple[str, str], ...]
    left: str
    right: str


class HintStatus(enum.Enum):
    ACCOUNTS = "accounts"
    DOES_NOT_ACCOUNT = "does-not-account"
    UNKNOWN_RULE = "unknown-rule"


@dataclass(frozen=True, slots=True)
class HintCheck:
    """Does the cited rule account for the step?  `rule` names the rules recognised in the
    hint; `produced` is what they would have made of the previous line (when they do not
    account); `suggestions` are the closest rule names (when none is recognised)."""

    status: HintStatus
    rule: str | None = None
    produced: str = ""
    suggestions: tuple[str, ...] = ()
    note: str = ""


@dataclass(frozen=True, slots=True)
class StepResult:
    step: Step
    verdict: Verdict
    reason: str = ""  # why unknown, or how it was proved/confirmed
    counterexample: Counterexample | None = None
    diagnosis: str = ""
    notes: tuple[str, ...] = ()  # side conditions and the like
    follows_error: bool = False
    hint_check: HintCheck | None = None


@dataclass(frozen=True, slots=True)
class DerivationResult:
    derivation: Derivation
    steps: tuple[StepResult, ...]
    diagnostics: tuple[Diagnostic, ...] = ()
    misordered: tuple[tuple[int, ...], ...] = ()
    reordered: tuple[int, ...] = ()  # with `misordered`: an order in which every step follows

    @property
    def first_error(self) -> int | None:
        for r in self.steps:
            if r.verdict in (Verdict.REFUTED, Verdict.UNKNOWN):
                return r.step.index
        return None

    @property
    def ok(self) -> bool:
        return (
            self.first_error is None
            and not self.misordered
            and not self.unaccounted
            and not any(d.severity == "error" for d in self.diagnostics)
        )

    @property
    def unaccounted(self) -> tuple[int, ...]:
        """Steps whose hint does not account for them."""
        return tuple(r.step.index for r in self.steps if r.hint_check is not None
                     and r.hint_check.status is HintStatus.DOES_NOT_ACCOUNT)


@dataclass(frozen=True, slots=True)
class OrderResult:
    """The logical order of a derivation's steps (`derivcheck order`): the best orders as
    step indices (several when they are equally good), the rule that takes each step to the
    next in the first of them, and how many of its `edges` a rule accounts for (`good`)."""

    derivation: Derivation
    orders: tuple[tuple[int, ...], ...]
    rules: tuple[str | None, ...] = ()
    good: int = 0
    edges: int = 0
    notes: tuple[str, ...] = ()

    @property
    def complete(self) -> bool:
        return self.good == self.edges


@dataclass(frozen=True, slots=True)
class FileOrder:
    path: str
    derivations: tuple[OrderResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()


@dataclass(frozen=True, slots=True)
class FileReport:
    path: str
    derivations: tuple[DerivationResult, ...] = ()
    diagnostics: tuple[Diagnostic, ...] = ()

    @property
    def ok(self) -> bool:
        return all(d.ok for d in self.derivations) and not any(
            d.severity == "error" for d in self.diagnostics
        )


@dataclass(frozen=True, slots=True)
class Report:
    files: tuple[FileReport, ...]

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.files)

    @property
    def input_error(self) -> bool:
        return any(
            d.severity == "error" and d.code in INPUT_ERROR_CODES
            for f in self.files
            for d in f.diagnostics
        )


INPUT_ERROR_CODES = frozenset({"parse-error", "unreadable-file", "bad-declaration", "unsupported", "ambiguous"})
