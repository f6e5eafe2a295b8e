"""One exception family for input problems; each carries the Diagnostic that reports it."""

from __future__ import annotations

from .diagnostics import Diagnostic


class DerivcheckError(Exception):
    """Base of every error derivcheck raises on purpose."""

    def __init__(self, diagnostic: Diagnostic):
        super().__init__(diagnostic.message)
        self.diagnostic = diagnostic


class InputError(DerivcheckError):
    """The text could not be read, parsed or understood."""


class LimitError(InputError):
    """The input exceeds a size, depth or time limit (an InputError: it is read no further)."""
