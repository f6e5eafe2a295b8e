"""Properties over generated input (hypothesis), bounded for CI: few examples, no deadline.

- arbitrary text never makes derivcheck raise anything but its own errors (and never an
  internal error in a report);
- a generated expression tree prints to plain notation and reads back as the same tree
  (resolved trees in a scope, and raw trees as the grammar makes them);
- the verifier returns a verdict for any pair of parsed expressions, never an exception;
- renaming the variables of a step, or swapping its two sides, never changes its verdict.

`HYPOTHESIS_PROFILE=fuzz` runs many more examples (bench/fuzz.py runs more still).
"""

from __future__ import annotations

import os
from fractions import Fraction
from pathlib import Path

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from derivcheck import api
from derivcheck import ast as A
from derivcheck.errors import DerivcheckError
from derivcheck.limits import Limits
from derivcheck.model import Verdict
from derivcheck.printer import to_plain
from derivcheck.source import read_deriv
from derivcheck.syntax.plain import parse_chain
from derivcheck.verify.engine import Checker, Options

settings.register_profile("ci", max_examples=40, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.register_profile("fuzz", max_examples=2000, deadline=None,
                          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))

ROOT = Path(__file__).resolve().parent.parent
SMALL = Limits(line_chars=2_000, steps=30, tokens=300, brackets=20, depth=40, nodes=400,
               number_digits=30, value_digits=200, exponent=50, file_seconds=10)

# ---------------------------------------------------------------------------
# Text

PIECES = ["x", "y", "θ", "τ", "Pr_θ(τ)", "R(τ)", "f(x)", "Σ_τ", "E_{τ~Pr_θ}[", "∇_θ", "d/dx",
          "log", "exp", "sqrt", "sin", "|", "(", ")", "[", "]", "{", "}", "^", "_", "·", "/",
          "+", "-", "=", "≤", "!", "2", "0.5", "1e3", ",", "∣", " ", "  ", "\n", "\n= ", "\n  ",
          "let ", ": real", ": index", ": distribution over τ", ":= ", "title: ", "assume ",
          " > 0", "{ hint }", "# c\n", "∂", "∫_0^1", " dx", "|_{θ=a}", "'", "π", "e", "1/0"]


@st.composite
def notation_text(draw):
    """Text made of the notation's own pieces: far more of it parses than of random text."""
    pieces = draw(st.lists(st.sampled_from(PIECES), max_size=40))
    return "".join(pieces)


ANY_TEXT = st.one_of(
    st.text(max_size=200),
    notation_text(),
    st.binary(max_size=200).map(lambda b: b.decode("utf-8", "replace")),
)


@given(ANY_TEXT)
def test_arbitrary_text_never_raises(text):
    report = api.check_text(text, timeout=0.5, limits=SMALL)
    for f in report.files:
        assert not [d for d in f.diagnostics if d.code == "internal-error"], f.diagnostics
        for d in f.derivations:
            for r in d.steps:
                assert "internal error" not in r.reason, r.reason


@given(ANY_TEXT)
def test_the_parser_raises_only_its_own_errors(text):
    try:
        parse_chain(text)
    except DerivcheckError:
        pass


# ---------------------------------------------------------------------------
# Trees: a scope to resolve in, and generated trees that mean something in it

SCOPE_TEXT = """\
let x, y, z: real
let a: positive
let n, k: natural
let θ: real
let τ, σ: index
let f(x): real
let g(x, y): real
let h(x): positive
let Pr_θ(τ): distribution over τ
let R(τ): real
let s_t: sequence
"""
SCOPE = read_deriv(SCOPE_TEXT + "  x\n= x\n").scopes[0]

SYMBOLS = ["x", "y", "z", "a", "n", "k", "θ", "θ_ref", "x'", "y_1"]
ONE_ARG = ["log", "exp", "sqrt", "sin", "cos", "tan", "atan", "sinh", "tanh", "abs", "factorial"]


def nums():
    ints = st.integers(0, 40).map(lambda k: A.Num(Fraction(k), str(k)))
    decimals = st.sampled_from(["0.5", "1.25", "0.1", "2.5"]).map(lambda t: A.Num(Fraction(t), t))
    return st.one_of(ints, decimals)


def leaves():
    return st.one_of(
        nums(),
        st.sampled_from(SYMBOLS).map(A.Sym),
        st.sampled_from([A.Const("pi"), A.Const("e")]),
    )


def _extend(children):
    binary = st.sampled_from([A.Add, A.Sub, A.Mul, A.Div, A.Pow])
    return st.one_of(
        st.builds(lambda op, a, b: op(a, b), binary, children, children),
        st.builds(A.Neg, children),
        st.builds(lambda name, a: A.Fn(name, (a,)), st.sampled_from(ONE_ARG), children),
        st.builds(lambda a, b: A.Fn("log", (a, b)), children, children),
        st.builds(lambda a, b: A.Fn("binom", (a, b)), children, children),
        st.builds(lambda name, args: A.Fn(name, tuple(args)), st.sampled_from(["min", "max"]),
                  st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda a: A.Apply("f", (a,)), children),
        st.builds(lambda a, b: A.Apply("g", (a, b)), children, children),
        st.builds(lambda a: A.Apply("h", (a,)), children),
        st.builds(lambda a: A.Apply("s", (a,)), children),
        st.builds(lambda v, a: A.Deriv(v, a), st.sampled_from(["x", "θ", "y", "θ_ref", "x'"]), children),
        st.builds(lambda a: A.Deriv("θ", A.Sum("τ", A.Mul(A.Apply("Pr", (A.Sym("θ"), A.Sym("τ"))), a))),
                  children),
        st.builds(lambda a, v: A.At(a, "θ", v), children, children),
        st.builds(lambda body, lo, hi: A.Sum("k", body, lo, hi), children, children, children),
        st.builds(lambda body, lo, hi: A.Product("k", body, lo, hi), children, children, children),
        st.builds(lambda body: A.Sum("τ", A.Mul(A.Apply("Pr", (A.Sym("θ"), A.Sym("τ"))), body)),
                  children),
        st.builds(lambda body: A.Sum("τ", A.Mul(A.Apply("R", (A.Sym("τ"),)), body)), children),
        st.builds(lambda body: A.Expect("τ", A.Apply("Pr", (A.Sym("θ"), A.Sym("τ"))),
                                        A.Add(A.Apply("R", (A.Sym("τ"),)), body)), children),
        st.builds(lambda body, lo, hi: A.Integral("x", body, lo, hi), children, children, children),
        st.builds(lambda body: A.Integral("τ", A.Mul(A.Apply("R", (A.Sym("τ"),)), body)), children),
        st.builds(lambda body, lo, hi, exc: A.Sum("k", body, lo, hi, exc), children, children, children,
                  children),
    )


TREES = st.recursive(leaves(), _extend, max_leaves=12)


def resolve_text(text: str) -> A.Node:
    parsed = read_deriv(SCOPE_TEXT + "  " + text.replace("\n", " ") + "\n")
    errors = [d for d in parsed.diagnostics if d.severity == "error"]
    assert not errors, (text, errors)
    (d,) = parsed.derivations
    return d.steps[0].expr


def _bound_ok(tree: A.Node) -> bool:
    """Generated trees use bound variables the way a writer can: `k` only inside its Σ/Π,
    `x` of an integral only inside it; `θ` of an evaluation bar may be anything."""
    def go(node, bound):
        match node:
            case A.Sym(name) if name == "k":
                return "k" in bound
            case A.Sum(var, body, lo, hi) | A.Product(var, body, lo, hi):
                return all(go(c, bound) for c in (lo, hi) if c is not None) and go(body, bound | {var})
            case A.Integral(var, body, lo, hi):
                return all(go(c, bound) for c in (lo, hi) if c is not None) and go(body, bound | {var})
            case A.Expect(var, w, body):
                return go(w, bound | {var}) and go(body, bound | {var})
        return all(go(c, bound) for c in A.children(node))
    return go(tree, frozenset())


@given(TREES)
def test_resolved_trees_print_and_read_back_the_same(tree):
    assume(_bound_ok(tree))
    text = to_plain(tree)
    assert resolve_text(text) == tree, text


@given(TREES)
def test_the_bracketed_reading_reads_back_the_same(tree):
    assume(_bound_ok(tree))
    text = to_plain(tree, bracketed=True)
    assert resolve_text(text) == tree, text


# ---------------------------------------------------------------------------
# The verifier never raises; renaming and swapping never change a verdict


def _checker(scope=SCOPE, **kw) -> Checker:
    return Checker(scope, Options(seed=0, timeout=2.0, limits=SMALL, isolate=False, **kw))


@given(TREES, TREES)
def test_the_verifier_returns_a_verdict_for_any_pair(a, b):
    assume(_bound_ok(a) and _bound_ok(b))
    verdict, reason, *_ = _checker().check_pair(a, b, "=")
    assert isinstance(verdict, Verdict) and verdict is not Verdict.START
    assert "internal error" not in reason, reason


def _pairs():
    """(scope, previous, next) of every step of the valid and flawed .deriv files."""
    out = []
    for path in sorted((ROOT / "derivations").glob("*.deriv")):
        parsed = read_deriv(path.read_text(encoding="utf-8"))
        for d, scope, broken in zip(parsed.derivations, parsed.scopes, parsed.broken):
            steps = d.steps
            for prev, cur in zip(steps, steps[1:]):
                if prev.index not in broken and cur.index not in broken:
                    out.append(pytest.param(scope, prev.expr, cur.expr,
                                            id=f"{path.stem}:{cur.line}"))
    return out


PAIRS = _pairs()
HOLDS = (Verdict.PROVED, Verdict.CONFIRMED)


def _class(v: Verdict) -> str:
    return "holds" if v in HOLDS else v.value


@given(st.sampled_from(PAIRS))
def test_swapping_the_sides_never_changes_a_verdict(pair):
    scope, prev, cur = pair.values
    forward = _checker(scope).check_pair(prev, cur, "=")[0]
    backward = _checker(scope).check_pair(cur, prev, "=")[0]
    assert _class(forward) == _class(backward)


@given(st.data())
def test_renaming_variables_never_changes_a_verdict(data):
    from .renaming import rename_scope, rename_tree, renamable

    scope, prev, cur = data.draw(st.sampled_from(PAIRS)).values
    names = sorted(renamable(scope, prev, cur))
    fresh = data.draw(st.permutations([f"w{i}" for i in range(len(names))]))
    mapping = dict(zip(names, fresh))
    before = _checker(scope).check_pair(prev, cur, "=")[0]
    renamed = rename_scope(scope, mapping)
    after = _checker(renamed).check_pair(rename_tree(prev, mapping), rename_tree(cur, mapping), "=")[0]
    assert _class(before) == _class(after), mapping


# ---------------------------------------------------------------------------
# Raw trees (what the grammar makes, before names are resolved) print and parse back too


def _raw_names():
    plain = st.sampled_from(["x", "y", "θ", "τ", "Pr", "f", "ab"]).map(lambda b: A.Name(b))
    sub = st.one_of(st.sampled_from(["ref", "θ", "t"]).map(lambda b: A.Name(b)),
                    st.integers(0, 9).map(lambda k: A.Num(Fraction(k), str(k))))
    return st.one_of(plain, st.builds(lambda b, s: A.Name(b, s),
                                      st.sampled_from(["x", "θ", "s", "Pr"]), sub))


def _raw_extend(children):
    binary = st.sampled_from([A.Add, A.Sub, A.Mul, A.Div, A.Pow])
    name = _raw_names()
    return st.one_of(
        st.builds(lambda op, a, b: op(a, b), binary, children, children),
        st.builds(A.Neg, children),
        st.builds(lambda n, a: A.Fn(n, (a,)), st.sampled_from(ONE_ARG), children),
        st.builds(lambda n, args: A.Call(n, tuple(args)), name, st.lists(children, min_size=1, max_size=3)),
        st.builds(lambda n, a, c: A.Call(n, (a,), (c,)), name, children, children),
        st.builds(lambda v, a: A.Deriv(v, a), st.sampled_from(["x", "θ"]), children),
        st.builds(lambda a, v: A.At(a, "θ", v), children, children),
        st.builds(lambda body: A.BigOp("sum", "τ", None, None, body), children),
        st.builds(lambda body, lo, hi: A.BigOp("prod", "t", lo, hi, body), children, children, children),
        st.builds(lambda body: A.BigOp("sum", "x", None, None, body, "D"), children),
        st.builds(lambda body, lo, hi: A.BigOp("int", None, lo, hi, body), children, children, children),
        st.builds(lambda body: A.RawExpect("τ", A.Call(A.Name("Pr", A.Name("θ")), (A.Placeholder(),)), body),
                  children),
        st.builds(lambda body: A.RawExpect("τ", A.Name("p"), body), children),
        st.builds(lambda body: A.RawExpect(None, None, body), children),
    )


RAW = st.recursive(st.one_of(nums(), _raw_names()), _raw_extend, max_leaves=10)


def _ungroup(node):
    """A raw tree without its Group nodes (brackets as written carry no meaning here)."""
    from derivcheck.scope import rebuild

    while isinstance(node, A.Group):
        node = node.inner
    match node:
        case A.Name(base, sub):
            return A.Name(base, _ungroup(sub) if sub is not None else None)
        case A.Call(name, args, cond):
            return A.Call(_ungroup(name), tuple(map(_ungroup, args)), tuple(map(_ungroup, cond)))
        case A.BigOp(op, var, lo, hi, body, over, exc):
            f = lambda x: None if x is None else _ungroup(x)  # noqa: E731
            return A.BigOp(op, var, f(lo), f(hi), f(body), over, f(exc))
        case A.RawExpect(var, dist, body):
            return A.RawExpect(var, _ungroup(dist) if dist is not None else None, _ungroup(body))
        case A.Num() | A.Placeholder():
            return node
    return rebuild(node, tuple(_ungroup(k) for k in A.children(node)))


@given(RAW)
def test_raw_trees_print_and_parse_back_the_same(tree):
    text = to_plain(tree)
    (parsed,), _ = parse_chain(text)
    assert _ungroup(parsed) == _ungroup(tree), text


# ---------------------------------------------------------------------------
# Determinism: the same report whatever the hash seed, the process, the worker


DETERMINISM = ["flawed_policy_gradient.deriv", "policy_gradient.deriv", "kl_divergence_flawed.deriv",
               "importance_sampling.deriv", "chain_rule_flawed.deriv", "softmax_policy_gradient.deriv"]


def test_the_report_is_the_same_across_runs_hash_seeds_and_workers():
    import subprocess
    import sys

    files = [str(ROOT / "derivations" / n) for n in DETERMINISM]
    outputs = set()
    for hashseed, in_process in (("0", ""), ("4242", "1"), ("random", "")):
        env = dict(os.environ, PYTHONHASHSEED=hashseed, DERIVCHECK_IN_PROCESS=in_process)
        out = subprocess.run([sys.executable, "-m", "derivcheck", "check", "--format", "json", *files],
                             capture_output=True, text=True, env=env, cwd=ROOT, timeout=300)
        assert out.returncode in (0, 1), out.stderr
        outputs.add(out.stdout)
    assert len(outputs) == 1
