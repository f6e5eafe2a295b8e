"""Malformed input: each gets a diagnostic with its code, 1-based line and column pointing at
the offending character, and names what was expected in human terms (`)`, never `RPAR`).
The derivations around a bad one are still read."""

from __future__ import annotations

import re
from importlib import resources

import pytest

from derivcheck import ast as A
from derivcheck.errors import InputError
from derivcheck.source import read_deriv
from derivcheck.syntax.plain import parse_chain
from derivcheck.syntax.plain_lexer import TOKEN_NAMES

BEFORE = "title: before\n  a + b\n= b + a\n"
AFTER = "title: after\n  c·1\n= c\n"
OFFSET = BEFORE.count("\n") + 1  # the bad derivation's snippet starts after its title line


def read_between(snippet: str):
    """Read `snippet` as a derivation `bad` between two good derivations."""
    return read_deriv(BEFORE + "title: bad\n" + snippet + "\n" + AFTER)


# snippet, code, line within the snippet, column, human tokens that must be among `expected`
CASES = [
    # brackets
    ("  (x + 1", "parse-error", 1, 3, (")",)),  # unclosed: at the `(`
    ("  f(x", "parse-error", 1, 4, (")", ",")),
    ("  E_{τ~p}[f(τ)", "parse-error", 1, 10, ("]",)),
    ("  |x", "parse-error", 1, 3, ("|",)),
    ("  x + 1)", "parse-error", 1, 8, ("the end of the expression",)),  # unmatched
    ("  [x)", "parse-error", 1, 5, ("]",)),
    ("  (x + 1\n= x", "parse-error", 1, 3, (")",)),  # the next step is not swallowed
    # dangling operators and empty expressions: at the operator
    ("  x +", "parse-error", 1, 5, ("a name", "a number", "(")),
    ("  y\n= x·", "parse-error", 2, 4, ("a name",)),
    ("  x^", "parse-error", 1, 4, ("{", "a number")),
    ("  x =", "parse-error", 1, 5, ("a name",)),
    ("  x\n=", "parse-error", 2, 1, ("an expression",)),
    ("  x\n= { why }   ", "parse-error", 2, 1, ("an expression",)),
    ("  2 +* 3", "parse-error", 1, 6, ("a name",)),
    ("  x ∈ y", "parse-error", 1, 5, ()),
    # hints
    ("  x\n= { oops  x", "parse-error", 2, 3, ("}",)),
    # characters and numbers
    ("  x $ 2", "parse-error", 1, 5, ()),
    ("  x : y", "parse-error", 1, 5, ()),
    ("  1.2.3", "parse-error", 1, 6, ()),
    ("  x.5", "parse-error", 1, 4, ()),
    ("  x⁻", "parse-error", 1, 4, ()),
    # expectations
    ("  E[X]", "no-distribution", 1, 3, ()),
    ("  1 + E_x[x]", "no-distribution", 1, 7, ()),
    ("  E_{a~π(·, ·)}[a]", "parse-error", 1, 3, ()),
    ("  1 + π_θ(·|s)", "parse-error", 1, 7, ()),
    # declarations
    ("let x: blob\n  x", "bad-declaration", 1, 8, ("real", "index over A", "distribution over x")),
    ("let y:\n  y", "bad-declaration", 1, 7, ("real",)),
    ("let q\n  q", "bad-declaration", 1, 6, (":", ":=")),
    ("let y: distribution over z\n  y", "bad-declaration", 1, 5, ()),
    ("let p(q): distribution over z\n  q", "bad-declaration", 1, 5, ()),
    ("let f(x, x): real\n  x", "bad-declaration", 1, 5, ()),
    ("let g(x+1): real\n  x", "bad-declaration", 1, 5, ()),
    ("let s: sequence\n  s", "bad-declaration", 1, 5, ()),
    ("let h(x): integer\n  x", "bad-declaration", 1, 5, ()),
    ("let x, 2: real\n  x", "bad-declaration", 1, 8, ()),
    ("let J(x+1) := x\n  x", "bad-declaration", 1, 5, ()),
    ("let K := x = 1\n  x", "bad-declaration", 1, 9, ()),
    ("assume x\n  x", "bad-declaration", 1, 8, ()),
    # names used against their declaration
    ("let f(x): real\n  f(x) + f(x, y)", "parse-error", 2, 10, ()),  # wrong arity, at the name
    ("let f(x, y): real\n  f'(x)", "parse-error", 2, 3, ()),
    ("  1 + f'(x, y)", "parse-error", 1, 7, ()),
    # operators used wrongly
    ("let θ: real\n  θ^2|_{θ<1}", "parse-error", 2, 10, ()),  # the bar needs `=`: at the `<`
    ("  sin^{-1} x", "parse-error", 1, 3, ()),  # arcsin or 1/sin? the writer must say
    ("  ∫_0^1 x", "parse-error", 1, 3, ()),  # no `dx`
    ("  ∫_0 x dx", "parse-error", 1, 3, ()),  # one bound
    ("  Σ_{t=0} t", "parse-error", 1, 3, ()),  # one bound
    ("  Σ_{j=1, k≠i}^{n} j", "parse-error", 1, 12, ()),  # the excluded index is not j
    ("  log(x | y)", "parse-error", 1, 3, ()),
    ("  x_", "parse-error", 1, 4, ("a name", "a number", "{")),
]

RAW_TERMINAL = re.compile(r"^[A-Z_$]{2,}$")


@pytest.mark.parametrize("snippet,code,line,column,expected", CASES,
                         ids=[c[0].strip().replace("\n", " ⏎ ") for c in CASES])
def test_malformed_input(snippet, code, line, column, expected):
    parsed = read_between(snippet)
    bad = [d for d in parsed.diagnostics if d.severity == "error"]
    assert len(bad) == 1, bad
    (d,) = bad
    assert (d.code, d.line, d.column) == (code, OFFSET + line, column), d
    assert set(expected) <= set(d.expected), d.expected
    assert not any(RAW_TERMINAL.match(e) for e in d.expected), d.expected
    assert d.source_line == snippet.split("\n")[line - 1]
    # the caret lands on a character of the line (or just past its end)
    assert 1 <= d.column <= len(d.source_line) + 1
    # the derivations around it are still read, whole
    titles = [x.title for x in parsed.derivations]
    assert titles[0] == "before" and titles[-1] == "after"
    first, last = parsed.derivations[0], parsed.derivations[-1]
    assert [s.expr for s in first.steps] == [A.Add(A.Sym("a"), A.Sym("b")), A.Add(A.Sym("b"), A.Sym("a"))]
    assert [s.expr for s in last.steps] == [A.Mul(A.Sym("c"), A.Num(1)), A.Sym("c")]
    assert parsed.broken[0] == set() and parsed.broken[-1] == set()


def test_unreadable_step_is_marked_broken_and_the_rest_of_the_chain_is_read():
    parsed = read_deriv("title: t\n  (x + 1\n= x + 1\n= { ok } 1 + x\n")
    (d,) = parsed.diagnostics
    assert (d.code, d.line, d.column) == ("parse-error", 2, 3)
    (deriv,) = parsed.derivations
    assert parsed.broken == [{1}]
    assert [s.line for s in deriv.steps] == [2, 3, 4]
    assert deriv.steps[2].expr == A.Add(A.Num(1), A.Sym("x"))


def test_several_errors_in_one_file_are_all_reported():
    text = "title: a\n  x +\ntitle: b\nlet y: blob\n  y\n= E[y]\ntitle: c\n  x $ 1\n"
    parsed = read_deriv(text)
    assert [(d.code, d.line, d.column) for d in parsed.diagnostics] == [
        ("parse-error", 2, 5), ("bad-declaration", 4, 8), ("no-distribution", 6, 3),
        ("parse-error", 8, 5)]
    assert [d.title for d in parsed.derivations] == ["a", "b", "c"]


def test_error_in_a_continued_line_points_into_the_continuation():
    parsed = read_deriv("title: t\n  (x +\n   1 $ 2)\n")
    (d,) = parsed.diagnostics
    assert (d.line, d.column, d.source_line) == (3, 6, "   1 $ 2)")


def test_parse_chain_positions_are_relative_to_the_file():
    with pytest.raises(InputError) as info:
        parse_chain("f(x", line=7, column=5, source_line="    f(x")
    d = info.value.diagnostic
    assert (d.code, d.line, d.column) == ("parse-error", 7, 6)
    assert ")" in d.expected and "RPAR" not in d.expected


def test_every_terminal_has_a_human_name():
    grammar = resources.files("derivcheck.grammars").joinpath("plain.lark").read_text(encoding="utf-8")
    declared = {t for line in grammar.splitlines() if line.startswith("%declare") for t in line.split()[1:]}
    assert declared and declared <= set(TOKEN_NAMES)
    assert not any(RAW_TERMINAL.match(name) for name in TOKEN_NAMES.values())
