"""Fuzz derivcheck with generated and mutated input, on demand (never in the test suite).

    python bench/fuzz.py                      # 100,000 inputs, then every mutant of bench/mutate.py
    python bench/fuzz.py -n 5000 -j 2         # fewer inputs, two processes
    python bench/fuzz.py --corpus             # worst time and memory of each adversarial file
    python bench/fuzz.py --json out.json      # the figures as JSON, crashes with their input

Inputs, seeded (`--seed`), of five kinds: random Unicode text; strings of the notation's own
pieces; corpus files (derivations/, tests/adversarial/) with bytes flipped, inserted, deleted
or lines duplicated; generated derivations (random declarations and expression trees printed
in plain notation, some then mutated); and steps spliced from the corpus with slips made in
them.  Each is checked with small limits and short budgets, and rendered in every report
format.

A crash is anything but a report: an exception escaping the api or a reporter, an
`internal-error` diagnostic, a step whose reason is an internal error or a dead worker, an
input that did not finish in 30 s.  There must be none.  A limit hit is an input with a
`limit` diagnostic or a step stopped by a limit (time included).  Then the mutation run of
bench/mutate.py gives the kill rate (target ≥ 99% of broken steps refuted, 0 proved).
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import random
import resource
import subprocess
import sys
import time
from collections import Counter
from fractions import Fraction
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from derivcheck import ast as A  # noqa: E402
from derivcheck.limits import Limits  # noqa: E402

LIMITS = Limits(file_bytes=200_000, line_chars=4_000, steps=60, tokens=600, brackets=30, depth=60,
                nodes=800, number_digits=60, value_digits=600, exponent=200, file_seconds=4.0,
                memory_mb=512)
TIMEOUT = 0.5  # seconds per step
HANG = 30.0  # seconds after which an input counts as a hang

PIECES = ["x", "y", "θ", "τ", "Pr_θ(τ)", "R(τ)", "f(x)", "Σ_τ", "E_{τ~Pr_θ}[", "∇_θ", "d/dx",
          "log", "exp", "sqrt", "sin", "|", "(", ")", "[", "]", "{", "}", "^", "_", "·", "/",
          "+", "-", "=", "≤", "!", "2", "0.5", "1e3", ",", "∣", " ", "  ", "\n", "\n= ", "\n  ",
          "let ", ": real", ": index", ": distribution over τ", ":= ", "title: ", "assume ",
          " > 0", "{ hint }", "# c\n", "∂", "∫_0^1", " dx", "|_{θ=a}", "'", "π", "e", "1/0",
          "9^9^9", "(10^9)!", "\x1b[31m", "\u202e", "\u200b", "а", "\x00", "\r", "\ufeff",
          "sum_{t=0}^{T}", "prod_", "binom(", "root(", "min(", "E[", "E_x[", "ln", "|x|", "x'"]
DECLS = ["let x, y, z: real", "let a, b: positive", "let n, k: natural", "let θ: real",
         "let τ: index", "let Pr_θ(τ): distribution over τ", "let R(τ): real", "let f(x): real",
         "let g(x, y): positive", "let s_t: sequence", "assume x > 0", "let J(θ) := Σ_τ Pr_θ(τ) R(τ)"]


# ---------------------------------------------------------------------------
# Inputs


def _corpus() -> tuple[list[bytes], list[str]]:
    files, lines = [], []
    for folder in (ROOT / "derivations", ROOT / "tests" / "adversarial"):
        for p in sorted(folder.iterdir()):
            if p.suffix in (".deriv", ".tex", ".md") and p.stat().st_size < 4000:
                data = p.read_bytes()
                files.append(data)
                lines += [ln for ln in data.decode("utf-8", "replace").splitlines()
                          if ln.strip() and not ln.lstrip().startswith(("#", "%"))]
    return files, lines


def _tree(rng: random.Random, depth: int = 0) -> A.Node:
    """A random resolved tree over the names of DECLS."""
    if depth > 3 or rng.random() < 0.3:
        r = rng.random()
        if r < 0.4:
            return A.Num(Fraction(rng.randint(0, 12)), str(rng.randint(0, 12)))
        if r < 0.9:
            return A.Sym(rng.choice(["x", "y", "z", "a", "b", "n", "θ"]))
        return A.Const(rng.choice(["pi", "e"]))
    sub = lambda: _tree(rng, depth + 1)  # noqa: E731
    k = rng.randrange(16)
    if k < 5:
        return rng.choice([A.Add, A.Sub, A.Mul, A.Div, A.Pow])(sub(), sub())
    if k == 5:
        return A.Neg(sub())
    if k == 6:
        return A.Fn(rng.choice(["log", "exp", "sqrt", "sin", "cos", "abs", "tanh"]), (sub(),))
    if k == 7:
        return A.Apply("f", (sub(),))
    if k == 8:
        return A.Apply("g", (sub(), sub()))
    if k == 9:
        return A.Deriv(rng.choice(["x", "θ"]), sub())
    if k == 10:
        return A.Sum("τ", A.Mul(A.Apply("Pr", (A.Sym("θ"), A.Sym("τ"))), sub()))
    if k == 11:
        return A.Expect("τ", A.Apply("Pr", (A.Sym("θ"), A.Sym("τ"))), A.Add(A.Apply("R", (A.Sym("τ"),)), sub()))
    if k == 12:
        return A.Sum("t", A.Apply("s", (A.Sym("t"),)), A.Num(Fraction(0), "0"), A.Sym("n"))
    if k == 13:
        return A.Integral("u", A.Pow(A.Sym("u"), sub()), A.Num(Fraction(0), "0"), A.Num(Fraction(1), "1"))
    if k == 14:
        return A.At(A.Deriv("θ", A.Apply("J", (A.Sym("θ"),))), "θ", sub())
    return A.Fn("factorial", (sub(),))


def _mutate_text(rng: random.Random, text: str) -> str:
    chars = list(text)
    for _ in range(rng.randint(1, 4)):
        op = rng.randrange(5)
        i = rng.randrange(len(chars) + 1)
        if op == 0 and chars:
            del chars[min(i, len(chars) - 1)]
        elif op == 1:
            chars.insert(i, rng.choice(PIECES))
        elif op == 2 and chars:
            chars[min(i, len(chars) - 1)] = rng.choice("+-*/^()[]{}|_=·, 0123456789xyθτ")
        elif op == 3:
            j = rng.randrange(len(chars) + 1)
            chars[i:i] = chars[min(i, j):max(i, j)][:50]
        else:
            chars.insert(i, chr(rng.choice([rng.randrange(32, 0x2FF), rng.randrange(0x370, 0x3FF),
                                            rng.randrange(0x2000, 0x2BFF), rng.randrange(0, 32)])))
    return "".join(chars)


def _mutate_bytes(rng: random.Random, data: bytes) -> bytes:
    b = bytearray(data)
    for _ in range(rng.randint(1, 6)):
        op = rng.randrange(4)
        i = rng.randrange(len(b) + 1)
        if op == 0 and b:
            b[min(i, len(b) - 1)] ^= 1 << rng.randrange(8)
        elif op == 1:
            b[i:i] = bytes([rng.randrange(256)])
        elif op == 2 and b:
            del b[min(i, len(b) - 1)]
        else:
            lines = bytes(b).split(b"\n")
            k = rng.randrange(len(lines))
            lines.insert(k, lines[rng.randrange(len(lines))])
            b = bytearray(b"\n".join(lines))
    return bytes(b)


def make_input(seed: int, index: int, files: list[bytes], lines: list[str]) -> tuple[str, str]:
    """The index-th input of a run: (kind, text)."""
    from derivcheck.printer import to_plain

    rng = random.Random(f"{seed}|{index}")
    r = rng.random()
    if r < 0.12:
        n = rng.randint(0, 300)
        return "random text", "".join(chr(rng.choice([rng.randrange(0, 0x80), rng.randrange(0x80, 0x3000),
                                                      rng.randrange(0x1F000, 0x1F700)]))
                                      for _ in range(n))
    if r < 0.30:
        return "notation pieces", "".join(rng.choice(PIECES) for _ in range(rng.randint(1, 60)))
    if r < 0.50:
        data = _mutate_bytes(rng, rng.choice(files))
        return "mutated file", data.decode("utf-8", "replace")
    if r < 0.80:
        decls = rng.sample(DECLS, rng.randint(0, 5))
        steps = [to_plain(_tree(rng)) for _ in range(rng.randint(1, 4))]
        text = "\n".join(decls) + "\n  " + steps[0] + "".join(
            f"\n= {'{ ' + rng.choice(['linearity', 'algebra', 'chain rule', 'x']) + ' } ' if rng.random() < 0.3 else ''}{s}"
            for s in steps[1:])
        if rng.random() < 0.4:
            text = _mutate_text(rng, text)
        return "generated derivation", text
    chosen = [rng.choice(lines) for _ in range(rng.randint(1, 5))]
    text = "\n".join(rng.sample(DECLS, 3) + chosen)
    return "spliced steps", _mutate_text(rng, text) if rng.random() < 0.7 else text


# ---------------------------------------------------------------------------
# Checking one input


def check_one(text: str) -> tuple[str, str]:
    """("ok" | "limit" | "crash", detail)."""
    from derivcheck import api
    from derivcheck.report import github, junit
    from derivcheck.report import json as json_report
    from derivcheck.report import text as text_report
    from derivcheck.verify import budget

    try:
        with budget.alarm(time.monotonic() + HANG):
            report = api.check_text(text, timeout=TIMEOUT, limits=LIMITS)
            for render in (text_report.render, json_report.render, junit.render, github.render):
                render(report)
    except budget.OutOfTime:
        return "crash", "hang: no report within 30 s"
    except Exception as e:  # what the fuzz is for
        return "crash", f"{type(e).__name__}: {e}"
    limit = False
    for f in report.files:
        for d in f.diagnostics:
            if d.code == "internal-error":
                return "crash", d.message
            limit |= d.code == "limit"
        for dr in f.derivations:
            for r in dr.steps:
                if "internal error" in r.reason or "checker stopped" in r.reason:
                    return "crash", r.reason
                limit |= r.reason.startswith("limit:") or r.reason == "time limit"
    return ("limit" if limit else "ok"), ""


def _work(job: tuple[int, int, int]) -> dict:
    seed, start, stop = job
    files, lines = _corpus()
    out = {"count": 0, "crashes": [], "limits": 0, "kinds": Counter(), "slowest": 0.0}
    for i in range(start, stop):
        kind, text = make_input(seed, i, files, lines)
        t = time.monotonic()
        status, detail = check_one(text)
        out["slowest"] = max(out["slowest"], time.monotonic() - t)
        out["count"] += 1
        out["kinds"][kind] += 1
        if status == "crash":
            out["crashes"].append({"index": i, "kind": kind, "error": detail, "input": text[:2000]})
        elif status == "limit":
            out["limits"] += 1
    return out


def fuzz(n: int, seed: int, jobs: int, progress: bool = True) -> dict:
    chunk = 250
    tasks = [(seed, s, min(s + chunk, n)) for s in range(0, n, chunk)]
    total = {"count": 0, "crashes": [], "limits": 0, "kinds": Counter(), "slowest": 0.0}
    start = time.monotonic()
    ctx = multiprocessing.get_context("fork" if hasattr(os, "fork") else "spawn")
    with ctx.Pool(jobs, maxtasksperchild=40) as pool:
        for part in pool.imap_unordered(_work, tasks):
            total["count"] += part["count"]
            total["crashes"] += part["crashes"]
            total["limits"] += part["limits"]
            total["kinds"] += part["kinds"]
            total["slowest"] = max(total["slowest"], part["slowest"])
            if progress:
                rate = total["count"] / max(time.monotonic() - start, 1e-9)
                print(f"\r{total['count']:>7}/{n} inputs, {len(total['crashes'])} crashes, "
                      f"{total['limits']} limit hits, {rate:.0f}/s", end="", file=sys.stderr, flush=True)
    if progress:
        print(file=sys.stderr)
    total["seconds"] = round(time.monotonic() - start, 1)
    total["kinds"] = dict(total["kinds"])
    return total


# ---------------------------------------------------------------------------
# The adversarial corpus, each file in a fresh process: time and peak memory


def corpus_costs(timeout: float = 5.0) -> list[dict]:
    sys.path.insert(0, str(ROOT / "tests"))
    from test_adversarial import _generated

    out = []
    folder = ROOT / "tests" / "adversarial"
    inputs = [(p.name, p) for p in sorted(folder.iterdir()) if p.suffix in (".deriv", ".tex", ".md")]
    import tempfile

    tmp = Path(tempfile.mkdtemp(prefix="derivcheck-corpus-"))
    for name, (data, _, _) in _generated().items():
        (tmp / name).write_bytes(data)
        inputs.append((name, tmp / name))
    for name, path in inputs:
        start = time.monotonic()
        proc = subprocess.Popen([sys.executable, "-m", "derivcheck", "check", "--timeout", str(timeout),
                                 str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
        _, status, usage = os.wait4(proc.pid, 0)
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.append({"file": name, "seconds": round(time.monotonic() - start, 2),
                    "max_rss_mb": round(usage.ru_maxrss / 1024, 1), "exit": proc.returncode})
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=100_000, help="inputs to generate (default 100,000)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 1, help="processes")
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--no-mutants", action="store_true", help="skip the mutation run")
    ap.add_argument("--corpus", action="store_true",
                    help="only measure each adversarial file's time and memory, in its own process")
    ap.add_argument("--json", default=None, help="write the figures here as JSON")
    args = ap.parse_args(argv)

    if args.corpus:
        rows = corpus_costs()
        for r in sorted(rows, key=lambda r: -r["seconds"]):
            print(f"{r['file']:40} {r['seconds']:6.2f} s  {r['max_rss_mb']:7.1f} MB  exit {r['exit']}")
        worst_t = max(rows, key=lambda r: r["seconds"])
        worst_m = max(rows, key=lambda r: r["max_rss_mb"])
        print(f"worst time: {worst_t['file']} {worst_t['seconds']} s; "
              f"worst memory: {worst_m['file']} {worst_m['max_rss_mb']} MB")
        if args.json:
            Path(args.json).write_text(json.dumps(rows, indent=2))
        return 0

    figures = fuzz(args.n, args.seed, args.jobs)
    print(f"inputs: {figures['count']:,} ({', '.join(f'{k} {v:,}' for k, v in sorted(figures['kinds'].items()))})")
    print(f"crashes: {len(figures['crashes'])}")
    print(f"limit hits: {figures['limits']:,}")
    print(f"slowest input: {figures['slowest']:.2f} s; {figures['seconds']:.0f} s in all")
    for c in figures["crashes"][:10]:
        print(f"  crash #{c['index']} ({c['kind']}): {c['error'][:200]}")
    result = {"fuzz": figures}
    if not args.no_mutants:
        import mutate

        fig = mutate.run(mutate.true_steps())
        result["mutation"] = fig.as_dict()
        print(f"mutants: {fig.mutants:,} ({fig.broken:,} broken, {fig.equivalent} equivalent, "
              f"{fig.undecided} undecided)")
        print(f"mutation kill rate: {100 * fig.kill_rate:.2f}% refuted, {fig.proved} proved, "
              f"{len(fig.false_refutations)} true steps refuted")
        print(f"total inputs: {figures['count'] + fig.mutants:,}")
    rss = max(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss,
              resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss) / 1024
    print(f"peak memory of one process: {rss:.0f} MB")
    if args.json:
        Path(args.json).write_text(json.dumps(result, ensure_ascii=False, indent=2, default=str))
    crashed = bool(figures["crashes"]) or bool(result.get("mutation", {}).get("proved"))
    return 1 if crashed else 0


if __name__ == "__main__":
    sys.exit(main())
