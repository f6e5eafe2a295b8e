"""Property tests: no text makes the LaTeX reader raise anything but derivcheck's own errors."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from derivcheck.documents import read_document
from derivcheck.errors import DerivcheckError
from derivcheck.syntax import latex

PIECES = [r"\frac", r"\sum", r"\int", r"\nabla", r"\partial", r"\mathbb{E}", r"\left", r"\right",
          r"\big", r"\sqrt", r"\theta", r"\tau", r"\log", r"\cdot", r"\mid", r"\text{", r"\hat",
          r"\underset", r"\operatorname", r"\tag{", r"\\", "&", "_", "^", "{", "}", "(", ")", "[",
          "]", "|", "=", "+", "-", "/", "'", "*", ",", "x", "d", "E", "p", "1", "2", " ", "\n",
          "%", "$$", r"\[", r"\]", r"\begin{align}", r"\end{align}", "<!--", "-->", r"\sim", "."]

texts = st.lists(st.sampled_from(PIECES), max_size=40).map("".join)


@settings(max_examples=300, deadline=None)
@given(texts)
def test_expressions_raise_only_derivcheck_errors(text):
    try:
        latex.parse_chain(text)
    except DerivcheckError:
        pass


@settings(max_examples=200, deadline=None)
@given(texts, st.sampled_from(["tex", "md"]))
def test_documents_never_raise(text, kind):
    parsed = read_document(text, kind)
    for d in parsed.diagnostics:
        assert d.line >= 0 and d.column >= 0


@settings(max_examples=200, deadline=None)
@given(texts)
def test_a_block_of_any_text_reads_or_reports(text):
    parsed = read_document("\\begin{align}\n" + text + "\n\\end{align}\n", "tex")
    assert len(parsed.derivations) == len(parsed.scopes) == len(parsed.broken)
