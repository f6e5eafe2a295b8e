"""Soundness by mutation: break the true steps of derivations/ and check that every broken
step is refuted, and none proved.

    python bench/mutate.py                   # every mutant of every true step
    python bench/mutate.py --limit 200       # the first 200 mutants (in a fixed order)
    python bench/mutate.py --json out.json   # and the figures as JSON
    python bench/mutate.py --show            # print every mutant that survives

For each step `prev = cur` of a derivations/*.deriv file that holds, each mutation of `cur`
gives a step `prev = mutant`.  The mutations are the slips students make: a sign flipped, a
constant or an exponent changed, a term or a factor dropped, the arguments of a
non-commutative operation swapped (−, /, ^, a function of two arguments, a log's base), a
dependence on the variable of a derivative dropped (θ replaced by a constant θ₀ inside ∇_θ).

A mutation can leave the value unchanged (`x·1` with the 1 dropped): such a mutant is not a
broken step.  An oracle independent of the step under test decides: the mutant is broken when
the numeric evaluator, at other seeds and more points, finds `cur` and the mutant to differ
(with a re-checked witness: in value, or on a region where only one is defined — `log(θ − 1)`
for `log(1 − θ)` when 0 < θ < 1, NOTATION.md §6); it is equivalent when sympy proves `cur = mutant`; else it is
undecided and left out.  Broken mutants must be refuted (the kill rate, target ≥ 99%) and
never proved (target 0: a proved broken step is a soundness bug).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Iterator

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derivcheck import ast as A  # noqa: E402
from derivcheck.model import Verdict  # noqa: E402
from derivcheck.scope import Scope, rebuild, unfold  # noqa: E402
from derivcheck.source import read_deriv  # noqa: E402
from derivcheck.verify.engine import Checker, Options  # noqa: E402

# ---------------------------------------------------------------------------
# Mutation operators: each yields (kind, mutated subtree) for one node


def _num(k) -> A.Num:
    q = Fraction(k)
    return A.Num(q, str(q) if q.denominator == 1 else "")


def _edits(node: A.Node) -> Iterator[tuple[str, A.Node]]:
    match node:
        case A.Add(a, b):
            yield "flip a sign", A.Sub(a, b)
            yield "drop a term", a
            yield "drop a term", b
        case A.Sub(a, b):
            yield "flip a sign", A.Add(a, b)
            yield "drop a term", a
            yield "swap the arguments", A.Sub(b, a)
        case A.Neg(a):
            yield "flip a sign", a
        case A.Mul(a, b):
            yield "drop a factor", a
            yield "drop a factor", b
            yield "flip a sign", A.Mul(A.Neg(a), b)
        case A.Div(a, b):
            yield "drop a factor", a
            yield "swap the arguments", A.Div(b, a)
        case A.Pow(base, e):
            if isinstance(e, A.Num):
                yield "change an exponent", A.Pow(base, _num(e.value + 1))
            else:
                yield "change an exponent", A.Pow(base, A.Add(e, _num(1)))
            yield "swap the arguments", A.Pow(e, base)
        case A.Num(value):
            yield "change a constant", _num(value + 1)
            if value not in (0, 1):
                yield "change a constant", _num(value * 2)
        case A.Fn("log", (x, b)):
            yield "swap the arguments", A.Fn("log", (b, x))
        case A.Fn(name, (a, b)) if name not in ("min", "max"):
            yield "swap the arguments", A.Fn(name, (b, a))
        case A.Apply(f, args) if len(args) >= 2:
            for i in range(len(args)):
                for j in range(i + 1, len(args)):
                    if args[i] != args[j]:
                        swapped = list(args)
                        swapped[i], swapped[j] = args[j], args[i]
                        yield "swap the arguments", A.Apply(f, tuple(swapped))
        case A.Deriv(var, body):
            for k, dropped in enumerate(_drop_dependence(body, var)):
                yield "drop a θ-dependence", A.Deriv(var, dropped)


def _drop_dependence(body: A.Node, var: str) -> Iterator[A.Node]:
    """`body` with one free occurrence of `var` (inside a function's arguments, where a
    dependence hides) replaced by a constant `var₀`."""
    frozen = A.Sym(f"{var}₀")
    for path, node in _positions(body):
        if node == A.Sym(var) and _inside_application(body, path) and _free_at(body, path, var):
            yield _replace(body, path, frozen)


def _inside_application(tree: A.Node, path: tuple[int, ...]) -> bool:
    node = tree
    for i in path[:-1]:
        node = A.children(node)[i]
    return isinstance(node, A.Apply) or len(path) == 0


def _free_at(tree: A.Node, path: tuple[int, ...], var: str) -> bool:
    node = tree
    for i in path:
        if isinstance(node, (A.Sum, A.Product, A.Integral, A.Expect, A.Deriv)) and node.var == var:
            return False
        if isinstance(node, A.At) and node.var == var and i == 0:
            return False
        node = A.children(node)[i]
    return True


def _positions(tree: A.Node, path: tuple[int, ...] = ()):
    yield path, tree
    for i, c in enumerate(A.children(tree)):
        yield from _positions(c, path + (i,))


def _replace(node: A.Node, path: tuple[int, ...], new: A.Node) -> A.Node:
    if not path:
        return new
    kids = list(A.children(node))
    kids[path[0]] = _replace(kids[path[0]], path[1:], new)
    return rebuild(node, tuple(kids))


def mutants(tree: A.Node) -> Iterator[tuple[str, A.Node]]:
    """Every single-edit mutant of a resolved tree, in written order, once each."""
    seen = {tree}
    for path, node in _positions(tree):
        if isinstance(node, (A.Sym, A.Const)) and not path:
            continue
        for kind, edited in _edits(node):
            m = _replace(tree, path, edited)
            if m not in seen:
                seen.add(m)
                yield kind, m


# ---------------------------------------------------------------------------
# The true steps of derivations/


@dataclass
class Pair:
    name: str  # file:line
    scope: Scope
    prev: A.Node
    cur: A.Node


def true_steps(files=None, timeout: float = 5.0) -> list[Pair]:
    """Every step of the .deriv files (by default all of derivations/) that holds (proved or
    confirmed)."""
    out = []
    for path in files if files is not None else sorted((ROOT / "derivations").glob("*.deriv")):
        parsed = read_deriv(path.read_text(encoding="utf-8"))
        for d, scope, broken in zip(parsed.derivations, parsed.scopes, parsed.broken):
            checker = Checker(scope, Options(timeout=timeout))
            for prev, cur in zip(d.steps, d.steps[1:]):
                if prev.index in broken or cur.index in broken or (cur.relation or "=") != "=":
                    continue
                verdict = checker.check_pair(prev.expr, cur.expr, "=")[0]
                if verdict.holds:
                    out.append(Pair(f"{path.name}:{cur.line}", scope, prev.expr, cur.expr))
    return out


# ---------------------------------------------------------------------------
# The oracle and the run


def oracle(scope: Scope, cur: A.Node, mutant: A.Node, deadline: float) -> str:
    """"broken", "equivalent" or "undecided", without the step under test's own seed."""
    from derivcheck.verify import budget, numeric, symbolic

    left, right = unfold(cur, scope), unfold(mutant, scope)
    try:
        for seed in (1_000_003, 2_000_029):
            out = numeric.compare(left, right, scope, seed=seed, deadline=deadline, points=10)
            if out.status is numeric.NumStatus.DISAGREE:  # in value, or in where it is defined
                return "broken"
        proof = symbolic.prove(left, right, scope, deadline=deadline)
    except budget.OutOfTime:
        return "undecided"
    if proof.status is symbolic.ProofStatus.PROVED:
        return "equivalent"
    return "undecided"


@dataclass
class Figures:
    pairs: int = 0
    mutants: int = 0
    broken: int = 0
    refuted: int = 0
    proved: int = 0  # broken mutants proved: soundness bugs
    equivalent: int = 0
    undecided: int = 0
    by_kind: Counter = field(default_factory=Counter)
    killed_by_kind: Counter = field(default_factory=Counter)
    survivors: list = field(default_factory=list)
    false_refutations: list = field(default_factory=list)  # equivalent mutants refuted
    undecided_list: list = field(default_factory=list)
    seconds: float = 0.0

    @property
    def kill_rate(self) -> float:
        return self.refuted / self.broken if self.broken else 1.0

    def as_dict(self) -> dict:
        return {"pairs": self.pairs, "mutants": self.mutants, "broken": self.broken,
                "refuted": self.refuted, "proved": self.proved, "equivalent": self.equivalent,
                "undecided": self.undecided, "kill_rate": round(self.kill_rate, 4),
                "by_kind": {k: [self.killed_by_kind[k], v] for k, v in self.by_kind.items()},
                "survivors": self.survivors, "false_refutations": self.false_refutations,
                "undecided_mutants": self.undecided_list, "seconds": round(self.seconds, 1)}


def run(pairs: list[Pair], limit: int | None = None, per_pair: int | None = None,
        timeout: float = 5.0, isolate: bool = True, progress=None) -> Figures:
    """Check the mutants of `pairs` (at most `per_pair` each, `limit` in all)."""
    fig = Figures(pairs=len(pairs))
    start = time.monotonic()
    for pair in pairs:
        checker = Checker(pair.scope, Options(seed=0, timeout=timeout, isolate=isolate))
        for k, (kind, m) in enumerate(mutants(pair.cur)):
            if per_pair is not None and k >= per_pair:
                break
            if limit is not None and fig.mutants >= limit:
                fig.seconds = time.monotonic() - start
                return fig
            fig.mutants += 1
            verdict, reason, *_ = checker.check_pair(pair.prev, m, "=")
            truth = oracle(pair.scope, pair.cur, m, time.monotonic() + timeout)
            if truth == "equivalent":
                fig.equivalent += 1
                if verdict is Verdict.REFUTED:  # a true step refuted: the other soundness bug
                    fig.false_refutations.append({"step": pair.name, "kind": kind,
                                                  "mutant": _text(m)})
                continue
            if truth == "undecided":
                fig.undecided += 1
                fig.undecided_list.append({"step": pair.name, "kind": kind, "verdict": verdict.value,
                                           "mutant": _text(m)})
                continue
            fig.broken += 1
            fig.by_kind[kind] += 1
            if verdict is Verdict.REFUTED:
                fig.refuted += 1
                fig.killed_by_kind[kind] += 1
            else:
                if verdict is Verdict.PROVED:
                    fig.proved += 1
                fig.survivors.append({"step": pair.name, "kind": kind, "verdict": verdict.value,
                                      "reason": reason, "mutant": _text(m)})
            if progress:
                progress(fig)
    fig.seconds = time.monotonic() - start
    return fig


def _text(node: A.Node) -> str:
    from derivcheck.printer import to_plain

    return to_plain(node)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--limit", type=int, default=None, help="stop after this many mutants")
    ap.add_argument("--per-pair", type=int, default=None, help="at most this many mutants per step")
    ap.add_argument("--timeout", type=float, default=5.0, help="seconds per step (default 5)")
    ap.add_argument("--json", default=None, help="write the figures here as JSON")
    ap.add_argument("--show", action="store_true", help="print each surviving mutant")
    args = ap.parse_args(argv)
    pairs = true_steps(timeout=args.timeout)
    fig = run(pairs, args.limit, args.per_pair, args.timeout)
    print(f"true steps: {fig.pairs}; mutants: {fig.mutants} ({fig.broken} broken, "
          f"{fig.equivalent} equivalent, {fig.undecided} undecided); {fig.seconds:.0f} s")
    print(f"broken mutants refuted: {fig.refuted}/{fig.broken} = {100 * fig.kill_rate:.2f}%; "
          f"proved: {fig.proved}")
    for kind, n in sorted(fig.by_kind.items()):
        print(f"  {kind:22} {fig.killed_by_kind[kind]:5}/{n:<5} refuted")
    print(f"equivalent mutants refuted (a true step refuted): {len(fig.false_refutations)}")
    if args.show:
        for s in fig.survivors:
            print(f"  survived ({s['verdict']}): {s['step']}  {s['kind']}: {s['mutant']}  [{s['reason']}]")
        for s in fig.false_refutations:
            print(f"  refuted, yet equivalent: {s['step']}  {s['kind']}: {s['mutant']}")
        for s in fig.undecided_list:
            print(f"  undecided ({s['verdict']}): {s['step']}  {s['kind']}: {s['mutant']}")
    if args.json:
        Path(args.json).write_text(json.dumps(fig.as_dict(), ensure_ascii=False, indent=2))
    return 1 if fig.proved or fig.false_refutations else 0


if __name__ == "__main__":
    sys.exit(main())
