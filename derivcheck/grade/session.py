"""Grade a class from Python as the `grade` command does: key and inputs in, outputs and grades back."""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass

from . import batch, outputs
from .check import options
from .inputs import InputProblem, collect
from .key import AnswerKey, KeyProblem, check_key, read_key
from .model import Grade


@dataclass
class Outcome:
    key: AnswerKey
    grades: list[Grade]
    stats: batch.Stats
    written: list[str]
    key_findings: list[tuple[str, int, int, str]]  # (severity, line, column, message) about the key


def load_key(path: str) -> AnswerKey:
    """The answer key at `path`; KeyProblem when it cannot be read or used."""
    try:
        with open(path, "rb") as f:
            data = f.read()
    except OSError as e:
        raise InputProblem(f"cannot open the key {path}: {e.strerror or e}") from None
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InputProblem(f"the key {path} is not valid UTF-8") from None
    return read_key(text, path)


def grade_class(key_path: str, inputs: list[str], out: str, *, jobs: int | None = None,
                time_limit: float = batch.DEFAULT_TIME_LIMIT, timeout: float = 5.0, seed: int = 0,
                resume: bool = False, id_column: str | None = None, answer_column: str | None = None,
                progress: Callable[[int, int], None] | None = None, grade: Callable | None = None,
                write: bool = True) -> Outcome:
    """Grade every submission in `inputs` against the key and write the outputs into `out`.

    Raises KeyProblem (the key is unusable), InputProblem (the inputs cannot be read as
    submissions) or batch.JournalMismatch (`resume` with a journal of another key).
    """
    key = load_key(key_path)
    subs = collect(list(inputs), id_column=id_column, answer_column=answer_column)
    opts = options(seed, timeout)
    findings = check_key(key, opts)  # also warms the step cache the workers inherit
    errors = [f for f in findings if f[0] == "error"]
    if errors:
        raise KeyProblem([(line, col, m) for _, line, col, m in errors])
    jobs = default_jobs() if jobs is None else jobs
    header = {"journal": 1, "key": key.digest, "seed": seed, "timeout": timeout}
    journal = batch.Journal(os.path.join(out, batch.JOURNAL), header)
    ctx = batch.Context(key, opts, grade)
    grades, stats = batch.run(ctx, subs, jobs=jobs, time_limit=time_limit, journal=journal, resume=resume,
                              progress=progress)
    written = outputs.write_all(out, key, grades) if write else []
    return Outcome(key, grades, stats, written, findings)


def default_jobs() -> int:
    """The cores this process may use."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:
        return max(1, os.cpu_count() or 1)
