"""Reading .tex and .md documents: blocks, chains, hints, declarations, diagnostics with positions."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivcheck import api
from derivcheck.documents import read_document

ROOT = Path(__file__).resolve().parent.parent


def read(text: str, kind: str = "tex"):
    return read_document(text, kind)


def steps(parsed, k: int = 0) -> list[tuple[str | None, str]]:
    return [(s.relation, s.text) for s in parsed.derivations[k].steps]


def hints(parsed, k: int = 0) -> list[str | None]:
    return [s.hint.text if s.hint else None for s in parsed.derivations[k].steps]


# ---------------------------------------------------------------------------
# The two sample documents, reported block by block


def test_tex_document_is_reported_block_by_block():
    report = api.check_paths([str(ROOT / "derivations/document_blocks.tex")]).files[0]
    got = [(d.derivation.line, d.derivation.title, [r.verdict.value for r in d.steps])
           for d in report.derivations]
    assert got == [
        (16, "align at line 16", ["start", "proved", "proved"]),
        (26, "equation at line 26", ["start", "refuted"]),
        (38, "align* at line 38", ["start", "proved"]),  # two chains in one align
        (40, "align* at line 40", ["start", "refuted"]),
        (44, "$$ at line 44", ["start", "proved"]),
        (52, "eqnarray at line 52", ["start", "proved", "proved"]),
    ]
    [d] = report.diagnostics
    assert (d.code, d.line, d.column) == ("unsupported", 32, 1)
    assert "`\\iint` is not supported" in d.message and "not checked" in d.message


def test_md_document_is_reported_block_by_block():
    report = api.check_paths([str(ROOT / "derivations/document_blocks.md")]).files[0]
    got = [(d.derivation.line, [r.verdict.value for r in d.steps]) for d in report.derivations]
    assert got == [(16, ["start"] + ["proved"] * 5), (31, ["start", "refuted"])]
    [d] = report.diagnostics
    assert (d.code, d.line, d.column) == ("unsupported", 36, 1)
    assert "`\\lim`" in d.message


def test_a_folder_is_searched_for_tex_md_and_deriv_files(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "a.deriv").write_text("  x + x\n= 2x\n", encoding="utf-8")
    (tmp_path / "notes" / "b.tex").write_text("\\[ x + x = 2x \\]\n", encoding="utf-8")
    (tmp_path / "notes" / "c.md").write_text("$$ x + x = 2x $$\n", encoding="utf-8")
    (tmp_path / "notes" / "d.txt").write_text("$$ x = y $$\n", encoding="utf-8")
    report = api.check_paths([str(tmp_path)])
    assert [Path(f.path).name for f in report.files] == ["a.deriv", "b.tex", "c.md"]
    assert report.ok


# ---------------------------------------------------------------------------
# Blocks


@pytest.mark.parametrize("block", [
    "\\begin{align}\nx + x &= 2x\n\\end{align}",
    "\\begin{align*}\nx + x &= 2x\n\\end{align*}",
    "\\begin{equation}\n\\begin{aligned}\nx + x &= 2x\n\\end{aligned}\n\\end{equation}",
    "\\begin{equation}\nx + x = 2x\n\\end{equation}",
    "\\begin{equation*}\nx + x = 2x\n\\end{equation*}",
    "\\begin{eqnarray}\nx + x &=& 2x\n\\end{eqnarray}",
    "\\begin{gather}\nx + x = 2x\n\\end{gather}",
    "\\begin{multline}\nx + x \\\\\n= 2x\n\\end{multline}",
    "$$\nx + x = 2x\n$$",
    "\\[\nx + x = 2x\n\\]",
    "\\begin{equation}\n\\begin{split}\nx + x &= 2x\n\\end{split}\n\\end{equation}",
])
def test_every_kind_of_block_is_a_chain(block):
    text = "Text before.\n" + block + "\nText after.\n"
    parsed = read(text)
    assert parsed.diagnostics == []
    assert steps(parsed) == [(None, "x + x"), ("=", "2x")]
    # a chain is reported at the line of its first expression
    assert parsed.derivations[0].line == next(k for k, s in enumerate(text.split("\n"), 1) if "x + x" in s)


def test_blocks_without_relations_and_inline_math_are_skipped():
    parsed = read("$a = b$ and \\(c = d\\)\n\\[ \\sum_x f(x) \\]\n$$ x + 1 $$\n"
                  "\\begin{equation} \\iint f \\end{equation}\n")
    assert parsed.derivations == [] and parsed.diagnostics == []


def test_rows_each_with_their_own_left_hand_side_are_several_chains():
    parsed = read("\\begin{align}\na &= a \\\\\nb + b &= 2b \\\\\n &= b \\cdot 2\n\\end{align}\n")
    assert [d.line for d in parsed.derivations] == [2, 3]
    assert steps(parsed, 1) == [(None, "b + b"), ("=", "2b"), ("=", "b \\cdot 2")]


def test_a_row_without_relation_starts_a_chain_or_goes_on():
    text = ("\\begin{align}\nx^2 + 2x\n  &= x(x + 2) \\\\\n  &= x^2\n  \\\\ &\\quad + 2x\n\\end{align}\n")
    parsed = read(text)
    assert steps(parsed) == [(None, "x^2 + 2x"), ("=", "x(x + 2)"), ("=", "x^2 \\quad + 2x")]


def test_comments_code_and_verbatim_are_not_read():
    text = ("% \\begin{align} a &= b \\end{align}\n"
            "\\begin{verbatim}\n$$ a = b $$\n\\end{verbatim}\n")
    assert read(text).derivations == []
    md = "```latex\n$$ a = b $$\n```\n<!-- $$ a = b $$ -->\n`$$ a = b $$`\n"
    assert read(md, "md").derivations == []


def test_md_math_fences_and_display_blocks():
    md = "# T\n\n```math\nx + x = 2x\n```\n\n$$x \\cdot x = x^2$$\n"
    parsed = read(md, "md")
    assert [d.line for d in parsed.derivations] == [4, 7]


# ---------------------------------------------------------------------------
# Hints, layout and punctuation


def test_hints_at_the_end_of_a_step():
    text = ("\\begin{align}\n"
            "a(b + c) &= ab + ac \\quad \\text{(distribute)} \\\\\n"
            "&= ac + ab \\tag{commute} \\\\\n"
            "&= ab + ac \\qquad (\\text{commute again}) \\\\\n"
            "&= ab + ac && \\text{by nothing at all} \\\\\n"
            "&= a b + a c \\label{eq:x} \\nonumber \\\\\n"
            "&= a c + a b \\notag\n"
            "\\end{align}\n")
    parsed = read(text)
    assert parsed.diagnostics == []
    assert hints(parsed) == [None, "distribute", "commute", "commute again", "by nothing at all", None, None]
    assert steps(parsed)[-2:] == [("=", "a b + a c"), ("=", "a c + a b")]
    hint = parsed.derivations[0].steps[1].hint
    assert (hint.line, hint.column) == (2, 27)


def test_text_inside_an_expression_is_a_name_not_a_hint():
    parsed = read("\\begin{equation}\nc + \\text{const} = \\text{const} + c\n\\end{equation}\n")
    assert parsed.diagnostics == []
    assert hints(parsed) == [None, None]


def test_sentence_punctuation_after_a_display_is_dropped():
    parsed = read("\\[ x + x = 2x, \\]\n\\begin{equation} y = y. \\end{equation}\n")
    assert [steps(parsed, k)[-1][1] for k in range(2)] == ["2x", "y"]


# ---------------------------------------------------------------------------
# Declarations, titles and skipping


def test_let_comments_declare_for_the_rest_of_the_file():
    text = ("\\begin{equation} f(x) = f(x) \\end{equation}\n"
            "% let f(x): positive\n"
            "\\begin{equation} f(x) = f(x) \\end{equation}\n")
    parsed = read(text)
    first, second = parsed.derivations
    assert "`f` is not declared: read as a function of its 1 argument(s)" in first.notes
    assert second.notes == ()
    assert any(getattr(d, "name", "") == "f" for d in second.declarations)


def test_md_let_comments_may_span_lines():
    md = "<!-- let x: positive\n     let f(x): real -->\n$$ f(x) = f(x) $$\n"
    parsed = read(md, "md")
    assert parsed.diagnostics == []
    assert {getattr(d, "name", "") for d in parsed.derivations[0].declarations} == {"x", "f"}


def test_a_let_may_be_written_in_latex():
    text = "% let J(\\theta) := \\sum_\\tau \\Pr_\\theta(\\tau)\n% let \\hat{A}: positive\n"
    parsed = read(text + "\\begin{equation} \\hat{A} J(\\theta) = \\hat{A} J(\\theta) \\end{equation}\n")
    assert parsed.diagnostics == []
    names = {getattr(d, "name", "") for d in parsed.derivations[0].declarations}
    assert {"J", "A_hat"} <= names


def test_a_bad_let_is_reported_at_its_own_line():
    parsed = read("x\n% let x: purple\n")
    [d] = parsed.diagnostics
    assert (d.code, d.line, d.column) == ("bad-declaration", 2, 10)
    assert d.source_line == "% let x: purple"


def test_title_and_skip_comments():
    text = ("% title: Doubling\n\\[ x + x = 2x \\]\n"
            "% derivcheck: skip\n\\[ \\lim_{x \\to 0} x = 0 \\]\n")
    parsed = read(text)
    assert [d.title for d in parsed.derivations] == ["Doubling"]
    assert parsed.diagnostics == []


# ---------------------------------------------------------------------------
# Unsupported, ambiguous and unreadable input: said, with line and column


@pytest.mark.parametrize("body,code,column,words", [
    ("\\iint f = 0", "unsupported", 1, "`\\iint` is not supported"),
    ("x = \\lim_{n} x", "unsupported", 5, "`\\lim` is not supported"),
    ("\\sum_{t=0}^{\\infty} x = 0", "unsupported", 13, "`\\infty` is not supported"),
    ("x \\approx y", "unsupported", 3, "`\\approx` is not supported"),
    ("J := x + y", "unsupported", 3, "`:=` is not supported"),
    ("\\nabla J = 0", "parse-error", 1, "`\\nabla` needs its variable"),
    ("J \\coloneqq x", "unsupported", 3, "`\\coloneqq` is not supported"),
    ("x = \\foo y", "unsupported", 5, "`\\foo` is not supported"),
    ("x = \\text{for all } y", "unsupported", 5, "prose `\\text{for all}`"),
    ("x = \\underset{a}{\\max} y", "unsupported", 5, "`\\underset`"),
    ("|a|b|c| = 0", "ambiguous", 3, "it may close |a| (reading |a|·b…) or open a new |…| inside it (reading |a·|b…|…|)"),
    ("y = f^{-1}(x)", "ambiguous", 5, "the inverse function f⁻¹ applied to (…), or 1/f times (…)"),
    ("y = g^{-1}\\left(x\\right)", "ambiguous", 5, "`g^{-1}(…)` is ambiguous"),
    ("\\left\\| x \\right\\| = 0", "unsupported", 1, "a norm"),
])
def test_unread_input_names_the_command_with_line_and_column(body, code, column, words):
    parsed = read("Text.\n\\begin{equation}\n" + body + "\n\\end{equation}\n\\[ y = y \\]\n")
    [d] = parsed.diagnostics
    assert (d.code, d.line, d.column) == (code, 3, column)
    assert words in d.message and "not checked" in d.message
    assert d.source_line == body
    assert len(parsed.derivations) == 1  # the rest of the document goes on


@pytest.mark.parametrize("body,column,words", [
    ("\\sin^{-1} x = y", 1, "ambiguous"),
    ("x = (y + 1", 5, "unclosed `(`"),
    ("x = y + ", 7, "ends after `+`"),
    ("x = f(y] = x", 8, "unexpected `]`"),
])
def test_a_step_that_cannot_be_parsed_is_unknown_and_located(body, column, words):
    parsed = read("\\begin{equation}\n" + body + "\n\\end{equation}\n")
    [d] = parsed.diagnostics
    assert (d.line, d.column) == (2, column)
    assert words in d.message
    assert parsed.broken and parsed.broken[0]


def test_hostile_blocks_meet_the_limits_and_the_rest_goes_on():
    text = ("\\[ " + "{" * 600 + "x" + "}" * 600 + " = x \\]\n"
            "\\[ 1" + "0" * 5000 + " = 1 \\]\n"
            "\\[ y = y \\]\n")
    parsed = read(text)
    assert [(d.code, d.line) for d in parsed.diagnostics] == [("limit", 1), ("limit", 2)]
    assert len(parsed.derivations) == 1


def test_math_in_a_hint_is_given_to_the_hint_checker_in_plain_notation():
    text = ("\\begin{align}\nx &= \\sqrt{x^2} \\quad \\text{(as $\\sqrt{u^2} = |u|$ for $u \\ge 0$)} \\\\\n"
            "&= x \\tag{$\\iint$ stays}\n\\end{align}\n")
    parsed = read(text)
    assert hints(parsed) == [None, "as sqrt(u^2) = |u| for u ≥ 0", "$\\iint$ stays"]


def test_an_order_comment_marks_steps_given_in_no_order():
    text = "% order: unknown\n\\[ a = b = c \\]\n\\[ x = x \\]\n"
    assert [d.order_unknown for d in read(text).derivations] == [True, False]


def _expect_clauses(path: Path) -> list[str]:
    """The expect clauses of a file, in order; positions of parse errors left out (a twin's
    lines and columns are its own)."""
    import re

    out = []
    for line in path.read_text(encoding="utf-8").splitlines():
        m = re.match(r"\s*(?:[#%]|<!--)\s*expect:\s*(.*?)\s*(?:-->)?\s*$", line)
        if m:
            out.append(re.sub(r"parse error at \d+:\d+", "parse error at L:C", m.group(1)))
    return out


def test_every_plain_example_has_a_latex_twin_with_the_same_expectations():
    plain = sorted((ROOT / "derivations").glob("*.deriv"))
    assert len(plain) >= 80
    for deriv in plain:
        twins = [deriv.with_suffix(s) for s in (".tex", ".md") if deriv.with_suffix(s).exists()]
        assert twins, f"derivations/{deriv.name} has no LaTeX twin: add {deriv.stem}.tex or .md"
        assert _expect_clauses(twins[0]) == _expect_clauses(deriv), f"{twins[0].name} expects otherwise"


def test_intertext_before_a_row_is_its_hint():
    text = "\\begin{align}\na(b+c) &= ab + ac \\\\\n\\intertext{by commutativity}\n&= ac + ab\n\\end{align}\n"
    parsed = read(text)
    assert hints(parsed) == [None, None, "by commutativity"]
    assert parsed.derivations[0].steps[2].hint.line == 3


def test_an_environment_inside_a_block_is_named():
    parsed = read("\\begin{align}\nf(x) &= \\begin{cases} 1 \\end{cases}\n\\end{align}\n")
    [d] = parsed.diagnostics
    assert (d.code, d.line, d.column) == ("unsupported", 2, 9)
    assert "`\\begin{cases}` is not supported" in d.message


def test_claims_side_by_side_are_chains_of_their_own():
    parsed = read("\\[ 2^{10} = 1024, \\quad 10^{-3} = 0.001 \\]\n"
                  "\\[ x + x = 2x, \\quad \\text{(doubling)} \\]\n")
    assert [steps(parsed, k) for k in range(3)] == [
        [(None, "2^{10}"), ("=", "1024")], [(None, "10^{-3}"), ("=", "0.001")],
        [(None, "x + x"), ("=", "2x")]]
    assert hints(parsed, 2) == [None, "doubling"]
