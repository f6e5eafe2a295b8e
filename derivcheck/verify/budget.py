"""Time budgets: a deadline checked by our own loops, and an alarm that interrupts sympy."""

from __future__ import annotations

import contextlib
import signal
import threading
import time


class OutOfTime(Exception):
    """The step's time budget ran out."""


def remaining(deadline: float) -> float:
    return deadline - time.monotonic()


def check(deadline: float) -> None:
    """Raise OutOfTime once the deadline has passed (called from our own loops)."""
    if time.monotonic() > deadline:
        raise OutOfTime()


@contextlib.contextmanager
def alarm(deadline: float):
    """Interrupt the enclosed code (sympy included) with OutOfTime at the deadline.

    Uses SIGALRM where it can (the main thread on POSIX); elsewhere the code runs
    uninterrupted and only our own `check` calls enforce the deadline.
    """
    seconds = remaining(deadline)
    if seconds <= 0:
        raise OutOfTime()
    usable = hasattr(signal, "setitimer") and threading.current_thread() is threading.main_thread()
    if not usable:
        yield
        return

    def _raise(signum, frame):
        raise OutOfTime()

    previous = signal.signal(signal.SIGALRM, _raise)
    old_timer = signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
        if old_timer[0] > 0:  # an enclosing alarm: re-arm what is left of it
            signal.setitimer(signal.ITIMER_REAL, max(old_timer[0] - (seconds - remaining(deadline)), 1e-3))
