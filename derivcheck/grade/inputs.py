"""Collect the submissions to grade: files, folders, or one CSV/JSONL export with id and answer columns.

Every input that names a submission yields exactly one Submission, readable or not, so that
every student gets a row: a file that cannot be opened or decoded, a CSV row with no id, a
JSONL line that is not JSON all become Submissions with `problem` saying why.
"""

from __future__ import annotations

import csv
import io
import json
import os
from dataclasses import dataclass

MAX_BYTES = 2_000_000  # one submission's text
ID_COLUMNS = ("id", "student_id", "student id", "sid", "submission_id", "submission id", "user_id",
              "username", "user", "login", "email", "student", "name")
ANSWER_COLUMNS = ("answer", "response", "submission", "derivation", "answer_text", "text", "solution")
EXPORTS = (".csv", ".jsonl", ".ndjson")


class InputProblem(Exception):
    """The inputs cannot be read as submissions at all (a usage error, exit status 2)."""


@dataclass(frozen=True, slots=True)
class Submission:
    id: str
    text: str | None  # None when it could not be read
    suffix: str = ""  # the notation its file suffix names (.deriv, .tex, .md, .txt; "" from an export)
    problem: str = ""  # why it could not be read
    flags: tuple[str, ...] = ()
    source: str = ""  # the file, or the export and its row


def collect(paths: list[str], *, id_column: str | None = None, answer_column: str | None = None) -> list[Submission]:
    """The submissions named by `paths`, ids made unique (`alice#2`, flagged `duplicate-id`)."""
    exports = [p for p in paths if p.lower().endswith(EXPORTS) and not os.path.isdir(p)]
    if exports and len(paths) > 1:
        raise InputProblem("an export (CSV or JSONL) is graded on its own: give it as the only input")
    out: list[Submission] = []
    for p in paths:
        if not os.path.exists(p):
            raise InputProblem(f"no such file or folder: {p}")
        if p in exports:
            out.extend(_export(p, id_column, answer_column))
        elif os.path.isdir(p):
            out.extend(_folder(p))
        else:
            out.append(_file(p, _stem(os.path.basename(p))))
    return _unique(out)


def _stem(name: str) -> str:
    base, ext = os.path.splitext(name)
    return base if ext.lower() in (".deriv", ".tex", ".md", ".txt") else name


def _folder(root: str) -> list[Submission]:
    found = []
    for dirpath, dirs, names in os.walk(root):
        dirs[:] = sorted(d for d in dirs if not d.startswith("."))
        for n in sorted(names):
            if not n.startswith("."):
                path = os.path.join(dirpath, n)
                rel = os.path.relpath(path, root).replace(os.sep, "/")
                found.append((path, rel))
    stems = [_stem(rel) for _, rel in found]
    return [_file(path, stem if stems.count(stem) == 1 else rel) for (path, rel), stem in zip(found, stems)]


def _file(path: str, sid: str) -> Submission:
    suffix = os.path.splitext(path)[1].lower()
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_BYTES + 1)
    except OSError as e:
        return Submission(sid, None, suffix, f"cannot open {path}: {e.strerror or e}", source=path)
    if len(data) > MAX_BYTES:
        return Submission(sid, None, suffix, f"larger than the limit of {MAX_BYTES:,} bytes", source=path)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = data[:e.start].count(b"\n") + 1
        return Submission(sid, None, suffix, f"not valid UTF-8 (line {line})", source=path)
    if suffix not in (".deriv", ".tex", ".md", ".txt", ""):
        return Submission(sid, None, suffix, f"not a derivation file ({suffix}): submit .deriv, .tex, .md or .txt",
                          source=path)
    return Submission(sid, _lines(text), suffix, source=path)


def _lines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def _pick(columns: list[str], wanted: str | None, candidates: tuple[str, ...], what: str, path: str) -> str:
    lowered = {c.strip().lower(): c for c in columns if c is not None}
    if wanted is not None:
        if wanted.strip().lower() in lowered:
            return lowered[wanted.strip().lower()]
        raise InputProblem(f"{path} has no column `{wanted}`; its columns are {', '.join(map(str, columns))}")
    for c in candidates:
        if c in lowered:
            return lowered[c]
    raise InputProblem(f"{path}: cannot tell which column holds the {what}; its columns are "
                       f"{', '.join(map(str, columns))} (name it with --{what}-column)")


def _export(path: str, id_column: str | None, answer_column: str | None) -> list[Submission]:
    try:
        with open(path, "rb") as f:
            text = f.read().decode("utf-8-sig")
    except OSError as e:
        raise InputProblem(f"cannot open {path}: {e.strerror or e}") from None
    except UnicodeDecodeError:
        raise InputProblem(f"{path} is not valid UTF-8 (save the export as UTF-8)") from None
    if path.lower().endswith(".csv"):
        return _csv(text, path, id_column, answer_column)
    return _jsonl(text, path, id_column, answer_column)


def _csv(text: str, path: str, id_column, answer_column) -> list[Submission]:
    csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES * 2))
    # the delimiter the header row uses most (a spreadsheet in a comma-decimal locale writes `;`)
    head = text.split("\n", 1)[0]
    delimiter = max(",;\t", key=head.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except (StopIteration, csv.Error):
        raise InputProblem(f"{path} has no header row") from None
    id_col = header.index(_pick(header, id_column, ID_COLUMNS, "id", path))
    answer_col = header.index(_pick(header, answer_column, ANSWER_COLUMNS, "answer", path))
    out = []
    row_number = 1
    while True:
        row_number += 1
        where = f"{path}:{row_number}"
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as e:
            out.append(Submission(f"row-{row_number}", None, "", f"row {row_number} cannot be read as CSV: {e}",
                                  source=where))
            break
        if not any(cell.strip() for cell in row):
            continue
        sid = row[id_col].strip() if id_col < len(row) else ""
        answer = row[answer_col] if answer_col < len(row) else ""
        out.append(_row(sid, answer, row_number, where))
    return out


def _jsonl(text: str, path: str, id_column, answer_column) -> list[Submission]:
    records = []
    for number, line in enumerate(text.split("\n"), 1):
        if line.strip():
            try:
                value = json.loads(line)
            except ValueError as e:
                value = e
            records.append((number, value))
    keys = list(dict.fromkeys(k for _, v in records if isinstance(v, dict) for k in v))
    if not keys:
        raise InputProblem(f"{path} holds no JSON object per line")
    id_key = _pick(keys, id_column, ID_COLUMNS, "id", path)
    answer_key = _pick(keys, answer_column, ANSWER_COLUMNS, "answer", path)
    out = []
    for number, value in records:
        where = f"{path}:{number}"
        if not isinstance(value, dict):
            why = f"line {number} is not a JSON object" + (f": {value}" if isinstance(value, ValueError) else "")
            out.append(Submission(f"line-{number}", None, "", why, source=where))
            continue
        sid = value.get(id_key)
        answer = value.get(answer_key)
        if answer is not None and not isinstance(answer, str):
            out.append(Submission(str(sid or f"line-{number}"), None, "", f"the `{answer_key}` field is not text",
                                  source=where))
            continue
        out.append(_row("" if sid is None else str(sid).strip(), answer or "", number, where, kind="line"))
    return out


def _row(sid: str, answer: str, number: int, where: str, kind: str = "row") -> Submission:
    flags = () if sid else ("missing-id",)
    sid = sid or f"{kind}-{number}"
    if len(answer.encode("utf-8", "surrogatepass")) > MAX_BYTES:
        return Submission(sid, None, "", f"larger than the limit of {MAX_BYTES:,} bytes", flags, where)
    return Submission(sid, _lines(answer), "", "", flags, where)


def _unique(subs: list[Submission]) -> list[Submission]:
    seen: dict[str, int] = {}
    out = []
    for s in subs:
        n = seen.get(s.id, 0) + 1
        seen[s.id] = n
        if n > 1:
            s = Submission(f"{s.id}#{n}", s.text, s.suffix, s.problem, s.flags + ("duplicate-id",), s.source)
        out.append(s)
    return out
