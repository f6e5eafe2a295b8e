"""Student text made harmless for the places a report is shown (docs/security.md).

A derivation's title, hints, steps and file names are untrusted.  Written raw to a terminal,
an escape sequence in them could recolour, retitle or rewrite the screen (or, on some
terminals, answer back); a right-to-left override reverses what a grader reads; a zero-width
character hides a difference.  In XML (JUnit) most control characters are not even allowed.

`scrub` returns a copy of a Report in which every string the input could have supplied has
each such character replaced by a visible stand-in of one column (so carets still line up):
C0 controls by their Unicode "control pictures" (ESC → ␛, NUL → ␀), everything else
invisible or direction-changing by U+FFFD �.  Newlines and tabs are kept.  `json_text`
escapes the same characters inside a JSON document instead, keeping the data exact.
"""

from __future__ import annotations

import dataclasses
import enum
import re

from .. import ast as A

_REPLACEMENT = "\ufffd"

# C0 controls but tab and newline; DEL; C1 controls (U+0085 NEL and U+009B CSI among them);
# bidirectional controls (LRM, RLM, ALM, embeddings, overrides, isolates); zero-width and
# invisible format characters; line and paragraph separators; the BOM; tag characters;
# lone surrogates (never valid text, and not allowed in XML); U+FFFE and U+FFFF.
_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u180e\u200b-\u200f\u2028-\u202e\u2060-\u206f"
    "\ufeff\ufff9-\ufffb\ufffe\uffff\ud800-\udfff\U000e0000-\U000e007f]"
)


def _stand_in(m: re.Match) -> str:
    ch = m.group()
    code = ord(ch)
    if code < 0x20:
        return chr(0x2400 + code)  # ␀ … ␟
    if code == 0x7F:
        return "\u2421"  # ␡
    return _REPLACEMENT


def text(s: str) -> str:
    """`s` with every control, invisible or direction-changing character made visible."""
    return _UNSAFE.sub(_stand_in, s) if _UNSAFE.search(s) else s


def json_text(document: str) -> str:
    """A JSON document with the same characters written as \\u escapes (valid inside JSON
    strings, where alone they can occur): exact for a program, inert on a terminal."""
    return _UNSAFE.sub(lambda m: "".join(f"\\u{u:04x}" for u in _utf16(m.group())), document)


def _utf16(ch: str) -> list[int]:
    code = ord(ch)
    if code < 0x10000:
        return [code]
    code -= 0x10000
    return [0xD800 + (code >> 10), 0xDC00 + (code & 0x3FF)]


def scrub(value):
    """A copy of a Report (or any of its parts) with `text` applied to every string in it.

    Generic over the report's frozen dataclasses, so a field added later is covered too;
    expression trees are skipped (their names are letters and digits by construction)."""
    if isinstance(value, str):
        return text(value)
    if isinstance(value, tuple):
        items = tuple(scrub(v) for v in value)
        return items if any(a is not b for a, b in zip(items, value)) else value
    if isinstance(value, list):
        return [scrub(v) for v in value]
    if isinstance(value, dict):
        return {scrub(k): scrub(v) for k, v in value.items()}
    if isinstance(value, enum.Enum) or value is None or isinstance(value, (int, float)):
        return value
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        if type(value).__module__ == A.__name__:
            return value
        changes = {}
        for f in dataclasses.fields(value):
            old = getattr(value, f.name)
            new = scrub(old)
            if new is not old:
                changes[f.name] = new
        return dataclasses.replace(value, **changes) if changes else value
    return value
