"""The registry of diagnostic codes, and the Diagnostic record every finding about input uses."""

from __future__ import annotations

from dataclasses import dataclass

# code -> one-line summary (mypy's errorcodes, in miniature)
CODES: dict[str, str] = {
    "parse-error": "the text could not be read as the notation",
    "unreadable-file": "the file could not be opened or decoded",
    "bad-declaration": "a `let`/`assume` line is malformed or contradicts an earlier one",
    "unsupported": "a construct derivcheck does not handle yet",
    "ambiguous": "a spelling with more than one reading; the message shows them",
    "no-distribution": "an expectation without a distribution",
    "empty-derivation": "a derivation with no steps",
    "assumed-function": "an undeclared name applied to arguments, read as a function",
    "split-name": "a run of letters that is no known name, read as a product",
    "reading": "how an ambiguous spelling was read",
    "limit": "the input exceeds a limit on size, depth, time or memory (derivcheck.limits)",
    "internal-error": "derivcheck itself failed on this input (a bug: please report it)",
    "confusable-name": "two names that look alike but are different (a Cyrillic а beside a Latin a)",
}


@dataclass(frozen=True, slots=True)
class Diagnostic:
    code: str
    message: str
    line: int = 0
    column: int = 0
    severity: str = "error"  # error | warning | note
    source_line: str = ""  # the offending line, for the caret display
    expected: tuple[str, ...] = ()  # human names of what would have been accepted

    def __post_init__(self) -> None:
        if self.code not in CODES:
            raise ValueError(f"unregistered diagnostic code {self.code!r}")
