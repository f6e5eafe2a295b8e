"""What grading one submission found: plain frozen data that travels between processes and to disk."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field

# Status of a submission's row: `graded`, or why it could not be graded.
GRADED = "graded"
NOT_GRADED = ("empty", "unreadable", "unparsable", "timeout", "crashed", "error")


@dataclass(frozen=True, slots=True)
class Part:
    """One part of the scoring policy: what it earned of its maximum, and why."""

    name: str  # start | goal | steps | keys | order
    earned: float
    max: float
    explanation: str


@dataclass(frozen=True, slots=True)
class StepNote:
    """One line of the submission as checked: its verdict and the key step it shows, if any."""

    index: int
    line: int
    text: str
    verdict: str  # start | proved | confirmed | refuted | unknown
    reason: str = ""
    diagnosis: str = ""
    counterexample: str = ""
    follows_error: bool = False
    key_step: int | None = None  # the key line it shows (its index in the key)


@dataclass(frozen=True, slots=True)
class Grade:
    """The grade of one submission: exactly one per input, whatever happened to it."""

    id: str
    status: str
    score: float
    max_score: float
    first_error: int | None = None
    flags: tuple[str, ...] = ()
    summary: str = ""
    reason: str = ""  # why it was not graded (status other than `graded`)
    route: str = ""  # the key derivation it was graded against
    parts: tuple[Part, ...] = ()
    steps: tuple[StepNote, ...] = ()
    feedback: tuple[str, ...] = ()  # every deduction explained, then notes on credit given
    mistakes: tuple[str, ...] = ()  # the class-wide names of its mistakes, for the summary
    digest: str = ""  # of the submission's text, so `--resume` knows it is the same answer
    seconds: float = field(default=0.0, compare=False)
    cache_hits: int = field(default=0, compare=False)
    cache_misses: int = field(default=0, compare=False)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "Grade":
        d = dict(d)
        d["parts"] = tuple(Part(**p) for p in d.get("parts", ()))
        d["steps"] = tuple(StepNote(**s) for s in d.get("steps", ()))
        for name in ("flags", "feedback", "mistakes"):
            d[name] = tuple(d.get(name, ()))
        return cls(**d)


def not_graded(id: str, status: str, reason: str, max_score: float, *, digest: str = "",
               flags: tuple[str, ...] = (), seconds: float = 0.0) -> Grade:
    """The row of a submission that could not be graded: score 0 and the reason."""
    assert status in NOT_GRADED, status
    return Grade(id, status, 0.0, max_score, None, (status, *flags),
                 f"not graded: {reason}", reason, digest=digest, seconds=seconds,
                 mistakes=(_MISTAKE.get(status, status),),
                 feedback=(f"not graded: {reason}",))


_MISTAKE = {
    "empty": "empty submission",
    "unreadable": "could not be opened or decoded",
    "unparsable": "no derivation could be read",
    "timeout": "timed out",
    "crashed": "the grader crashed on it",
    "error": "an internal error while grading",
}
