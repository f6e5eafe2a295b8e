"""The pipeline source → derivations → verdicts → Report; where input errors become diagnostics."""

from __future__ import annotations

import dataclasses
import os
import stat
import sys
import time
from collections.abc import Sequence

from . import limits
from .diagnostics import Diagnostic
from .errors import DerivcheckError
from .limits import Limits
from .semantics import name_warnings
from .model import FileReport, Report
from .verify.engine import DEFAULT_TIMEOUT, Options, check_derivation

SUFFIXES = (".deriv", ".tex", ".md")


def check_text(text: str, path: str = "<string>", *, seed: int | None = None,
               timeout: float = DEFAULT_TIMEOUT, limits: Limits | None = None) -> Report:
    """Check the derivations in `text` (a .deriv file's content)."""
    return Report((_check_source(text, path, _options(seed, timeout, limits)),))


def check_file(path: str, *, seed: int | None = None, timeout: float = DEFAULT_TIMEOUT,
               limits: Limits | None = None) -> Report:
    return check_paths([path], seed=seed, timeout=timeout, limits=limits)


def check_paths(paths: Sequence[str], *, seed: int | None = None,
                timeout: float = DEFAULT_TIMEOUT, limits: Limits | None = None) -> Report:
    """Check files and folders (recursively, `.deriv` files); `-` reads standard input."""
    options = _options(seed, timeout, limits)
    files: list[FileReport] = []
    for path in _expand(paths):
        text, problem = _read(path, options.limits)
        if problem is not None:
            files.append(FileReport(path, (), (problem,)))
            continue
        files.append(_check_source(text, path, options))
    return Report(tuple(files))


def _options(seed: int | None, timeout: float, limits: Limits | None) -> Options:
    return Options(seed or 0, timeout, limits or Limits())


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


def _read(path: str, lim: Limits) -> tuple[str, Diagnostic | None]:
    # the size limit comes before the reading: never more than the limit (+1 to tell) is read,
    # and only regular files are opened (a FIFO or /dev/zero would block or never end)
    try:
        if path == "-":
            data = sys.stdin.buffer.read(lim.file_bytes + 1)
        else:
            with open(path, "rb") as f:
                if not stat.S_ISREG(os.fstat(f.fileno()).st_mode):
                    return "", Diagnostic("unreadable-file", f"{path} is not a regular file", 0, 0)
                data = f.read(lim.file_bytes + 1)
    except OSError as e:
        return "", Diagnostic("unreadable-file", f"cannot read {path}: {e.strerror or e}", 0, 0)
    too_large = limits.file_too_large(len(data), lim)
    if too_large:
        return "", Diagnostic("limit", too_large, 0, 0)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[: e.start].count(b"\n") + 1
        col = e.start - (data.rfind(b"\n", 0, e.start) + 1) + 1
        return "", Diagnostic("unreadable-file", "the file is not valid UTF-8", line, col)
    return text.replace("\r\n", "\n").replace("\r", "\n"), None


def _check_source(text: str, path: str, options: Options) -> FileReport:
    lim = options.limits
    if len(text) > lim.file_bytes:  # text handed over directly, not read from a file
        return FileReport(path, (), (Diagnostic("limit", f"the text has {len(text):,} characters; "
                                                f"the limit is {lim.file_bytes:,}", 0, 0),))
    options = dataclasses.replace(options, file_deadline=time.monotonic() + lim.file_seconds)
    try:
        with limits.using(lim):
            parsed = _parse(text, path)
            results = tuple(
                check_derivation(d, scope, broken, options)
                for d, scope, broken in zip(parsed.derivations, parsed.scopes, parsed.broken)
            )
            # a Cyrillic `а` beside a Latin `a`: two names, and the reader should know
            warnings = [w for d in parsed.derivations for w in name_warnings(d)]
    except DerivcheckError as e:
        return FileReport(path, (), (e.diagnostic,))
    except (MemoryError, RecursionError) as e:  # beyond the limits: the file is not checked
        what = "memory" if isinstance(e, MemoryError) else "nesting depth"
        return FileReport(path, (), (Diagnostic("limit", f"the file exceeds a limit ({what})", 0, 0),))
    except Exception as e:  # a bug: report it for this file and go on with the others
        return FileReport(path, (), (Diagnostic(
            "internal-error", f"derivcheck failed on this file ({type(e).__name__}: {e}); "
            "this is a bug in derivcheck, please report it", 0, 0),))
    return FileReport(path, results, tuple(dict.fromkeys([*parsed.diagnostics, *warnings])))


def _parse(text: str, path: str):
    """The file's derivations, read by its suffix: .tex and .md documents, else .deriv."""
    if path.endswith((".tex", ".md")):
        from .documents import read_document

        return read_document(text, "md" if path.endswith(".md") else "tex")
    from .source import read_deriv

    return read_deriv(text)


def order_paths(paths: Sequence[str], *, limits: Limits | None = None) -> list:
    """The logical order of the steps of each derivation headed `order: unknown` (of every
    derivation when a file has none so headed), file by file: a list of model.FileOrder."""
    from . import limits as limits_module
    from .model import FileOrder
    from .verify.order import find_order

    lim = limits or Limits()
    out: list[FileOrder] = []
    for path in _expand(paths):
        text, problem = _read(path, lim)
        if problem is not None:
            out.append(FileOrder(path, (), (problem,)))
            continue
        try:
            with limits_module.using(lim):
                parsed = _parse(text, path)
        except DerivcheckError as e:
            out.append(FileOrder(path, (), (e.diagnostic,)))
            continue
        chosen = [k for k, d in enumerate(parsed.derivations) if d.order_unknown] \
            or range(len(parsed.derivations))
        results = tuple(find_order(parsed.derivations[k], parsed.scopes[k]) for k in chosen
                        if not parsed.broken[k])
        out.append(FileOrder(path, results, tuple(parsed.diagnostics)))
    return out
