"""Read a submission with the answer key's declarations in force: students need not declare anything."""

from __future__ import annotations

import re

from ..model import Declaration
from ..source import FileReader, ParsedFile

# A LaTeX command (`\nabla`, `\frac`) in an answer that has no math environment of its own.
_LATEX_COMMAND = re.compile(r"\\[A-Za-z]+")
_DOCUMENT = re.compile(r"\\begin\{|\$\$|\\\[")


def notation_of(text: str, suffix: str) -> str:
    """`tex`, `md` or `plain`: by the file's suffix, else by what the text looks like."""
    if suffix in (".tex", ".md"):
        return suffix[1:]
    if suffix in ("", ".txt") and _LATEX_COMMAND.search(text):
        return "tex"
    return "plain"


def read_submission(text: str, suffix: str, declarations: tuple[Declaration, ...]) -> ParsedFile:
    """The derivations of a submission, its names read with `declarations` already declared.

    The student's own `let` lines still count: they come after the key's and may add names.
    A plain answer holding LaTeX commands but no display environment (`\\nabla_\\theta J = …`
    pasted into a form) is read as one `align*` block.
    """
    kind = notation_of(text, suffix)
    if kind == "plain":
        return _KeyedReader(text, declarations).read()
    if kind == "tex" and not _DOCUMENT.search(text):
        text = "\\begin{align*}\n" + text + "\n\\end{align*}"
        parsed = _document_reader(text, kind, declarations).read()
        return _shift_lines(parsed, -1)
    return _document_reader(text, kind, declarations).read()


class _KeyedReader(FileReader):
    """The .deriv reader with the key's declarations added before the file's first own line."""

    def __init__(self, text: str, declarations: tuple[Declaration, ...]):
        super().__init__(text)
        self._pending: tuple[Declaration, ...] | None = declarations

    def declare(self, lines, scope, decls) -> None:
        # read() declares the shared lines first, into the scope every block copies
        if self._pending is not None:
            for d in self._pending:
                scope.add(d)
                decls.append(d)
            self._pending = None
        super().declare(lines, scope, decls)


def _document_reader(text: str, kind: str, declarations: tuple[Declaration, ...]):
    from ..documents import DocumentReader

    class _KeyedDocumentReader(DocumentReader):
        """The .tex/.md reader with the key's declarations added before the first directive or block."""

        pending: tuple[Declaration, ...] | None = declarations

        def _inject(self, scope, decls) -> None:
            if self.pending is not None:
                for d in self.pending:
                    scope.add(d)
                    decls.append(d)
                self.pending = None

        # both take the file's scope and declaration list third and fourth; what follows
        # is passed on as it comes
        def declare(self, reader, d, scope, decls, *rest, **options) -> None:
            self._inject(scope, decls)
            super().declare(reader, d, scope, decls, *rest, **options)

        def block(self, block, chars, scope, decls, *rest, **options) -> None:
            self._inject(scope, decls)
            super().block(block, chars, scope, decls, *rest, **options)

    return _KeyedDocumentReader(text, kind)


def _shift_lines(parsed: ParsedFile, by: int) -> ParsedFile:
    """Line numbers of a wrapped answer back to the answer's own."""
    import dataclasses

    def move(x):
        return dataclasses.replace(x, line=max(x.line + by, 1)) if x.line else x

    parsed.diagnostics = [move(d) for d in parsed.diagnostics]
    out = []
    for d in parsed.derivations:
        steps = tuple(dataclasses.replace(move(s), hint=move(s.hint) if s.hint else None) for s in d.steps)
        out.append(dataclasses.replace(move(d), steps=steps))
    parsed.derivations = out
    return parsed
