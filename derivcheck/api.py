"""The pipeline source → derivations → verdicts → Report; where input errors become diagnostics."""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

from .diagnostics import Diagnostic
from .model import FileReport, Report
from .verify.engine import DEFAULT_TIMEOUT, Options, check_derivation

SUFFIXES = (".deriv", ".tex", ".md")


def check_text(text: str, path: str = "<string>", *, seed: int | None = None,
               timeout: float = DEFAULT_TIMEOUT) -> Report:
    """Check the derivations in `text` (a .deriv file's content)."""
    return Report((_check_source(text, path, Options(seed or 0, timeout)),))


def check_file(path: str, *, seed: int | None = None, timeout: float = DEFAULT_TIMEOUT) -> Report:
    return check_paths([path], seed=seed, timeout=timeout)


def check_paths(paths: Sequence[str], *, seed: int | None = None,
                timeout: float = DEFAULT_TIMEOUT) -> Report:
    """Check files and folders (recursively, `.deriv` files); `-` reads standard input."""
    options = Options(seed or 0, timeout)
    files: list[FileReport] = []
    for path in _expand(paths):
        text, problem = _read(path)
        if problem is not None:
            files.append(FileReport(path, (), (problem,)))
            continue
        files.append(_check_source(text, path, options))
    return Report(tuple(files))


def _expand(paths: Sequence[str]) -> list[str]:
    out: list[str] = []
    for p in paths:
        if p != "-" and os.path.isdir(p):
            found = []
            for root, dirs, names in os.walk(p):
                dirs.sort()
                found.extend(os.path.join(root, n) for n in sorted(names) if n.endswith(SUFFIXES))
            out.extend(found)
        else:
            out.append(p)
    return out


def _read(path: str) -> tuple[str, Diagnostic | None]:
    try:
        if path == "-":
            data = sys.stdin.buffer.read()
        else:
            with open(path, "rb") as f:
                data = f.read()
    except OSError as e:
        return "", Diagnostic("unreadable-file", f"cannot read {path}: {e.strerror or e}", 0, 0)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return "", Diagnostic("unreadable-file", "the file is not valid UTF-8", line, col)
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def _check_source(text: str, path: str, options: Options) -> FileReport:
    parsed = _parse(text, path)
    results = tuple(
        check_derivation(d, scope, broken, options)
        for d, scope, broken in zip(parsed.derivations, parsed.scopes, parsed.broken)
    )
    return FileReport(path, results, tuple(parsed.diagnostics))


def _parse(text: str, path: str):
    """The file's derivations, read by its suffix: .tex and .md documents, else .deriv."""
    if path.endswith((".tex", ".md")):
        from .documents import read_document

        return read_document(text, "md" if path.endswith(".md") else "tex")
    from .source import read_deriv

    return read_deriv(text)
