"""Grading throughput: a generated class of 1,000 submissions graded at -j 1 and -j 2.

Run on demand from the repository root (never part of the test suite):

    python bench/grade.py                 # 1,000 submissions, -j 1 then -j 2
    python bench/grade.py -n 300 -j 1 2 4
    python bench/grade.py --json /tmp/grade.json

The class is generated from the seed policy-gradient derivation and its answer key
(derivations/keys/policy_gradient.deriv) by `derivcheck.grade.classgen`: correct answers in
four spellings, the true one-liner, misordered, typical slips (the gradient moved inside
the expectation, a dropped factor, a factor dropped and carried through), a wrong start,
stopping early, a typo, unparsable, empty and very long (46-step) answers — plus 10% of
slips that no other student makes (a different constant in each), which the step cache
cannot help with.

Each configuration runs in a fresh process, as `derivcheck grade` would: reading the key
and checking its steps, the export read, the workers started, every submission graded,
all outputs written.  Every answer is made distinct (a comment with the student's id), so
none is graded once for two students: only the step cache helps.  Printed per
configuration: wall time, submissions per second (all of them, and over the six-line
submissions alone, timed in a run of their own), CPU time per submission (parent and workers
together: what other processes on a busy machine do not change), the step cache's hit rate,
and peak memory (the parent's and the largest worker's resident set).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from derivcheck.grade.classgen import KEY, policy_gradient_class  # noqa: E402


def make_class(n: int, seed: int, six_lines_only: bool = False) -> list[dict]:
    rng = random.Random(seed)
    rows = []
    for sid, kind, text in policy_gradient_class(n, seed=seed):
        if six_lines_only and kind not in ("correct", "follow_through", "dropped_weight", "typo"):
            continue
        if rng.random() < 0.10 and kind not in ("empty", "unparsable"):
            # a slip nobody else makes: a constant of its own added at the second step
            k = rng.randint(2, 10_000)
            text = (f"∇_θ J(θ)\n= ∇_θ Σ_τ Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ) + {k}/{k + 1}\n"
                    f"= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ) + {k}/{k + 1}\n"
                    f"= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ) + {k}/{k + 1}\n"
                    f"= E_{{τ~Pr_θ}}[∇_θ log Pr_θ(τ) R(τ)] + {k}/{k + 1}\n")
            kind = "unique_slip"
        if text.strip():  # every answer distinct, so none is graded once for two students
            text += f"\n% {sid}\n" if text.startswith("\\begin") else f"\n# {sid}\n"
        rows.append({"id": sid, "kind": kind, "answer": text})
    return rows


def run_one(export: str, jobs: int) -> dict:
    """One configuration, in this (fresh) process."""
    from derivcheck.grade import session

    with tempfile.TemporaryDirectory() as out:
        started = time.perf_counter()
        outcome = session.grade_class(str(ROOT / KEY), [export], out, jobs=jobs)
        wall = time.perf_counter() - started
    s = outcome.stats
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime
    statuses: dict[str, int] = {}
    for g in outcome.grades:
        statuses[g.status] = statuses.get(g.status, 0) + 1
    return {"jobs": jobs, "n": len(outcome.grades), "wall": wall, "per_second": len(outcome.grades) / wall,
            "cpu": cpu, "cpu_ms_each": 1000 * cpu / len(outcome.grades), "copies": s.copies,
            "hit_rate": s.hit_rate, "hits": s.cache_hits, "misses": s.cache_misses, "timeouts": s.timeouts,
            "parent_mb": me.ru_maxrss / 1024, "worker_mb": kids.ru_maxrss / 1024, "statuses": statuses}


def measure(rows: list[dict], jobs: int) -> dict:
    with tempfile.NamedTemporaryFile("w", suffix=".jsonl", delete=False, encoding="utf-8") as f:
        for r in rows:
            f.write(json.dumps(r, ensure_ascii=False) + "\n")
    done = subprocess.run([sys.executable, __file__, "--run-one", f.name, str(jobs)], capture_output=True,
                          text=True, cwd=ROOT, check=True)
    Path(f.name).unlink()
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-n", type=int, default=1000, help="submissions in the class")
    parser.add_argument("-j", "--jobs", type=int, nargs="+", default=[1, 2])
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="also write the figures here")
    parser.add_argument("--run-one", nargs=2, metavar=("EXPORT", "JOBS"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.run_one:
        print(json.dumps(run_one(args.run_one[0], int(args.run_one[1]))))
        return

    mixed = make_class(args.n, args.seed)
    six = make_class(args.n, args.seed + 1, six_lines_only=True)
    kinds: dict[str, int] = {}
    for r in mixed:
        kinds[r["kind"]] = kinds.get(r["kind"], 0) + 1
    print(f"class of {len(mixed)}: " + ", ".join(f"{k} {v}" for k, v in sorted(kinds.items())))
    print(f"six-line class of {len(six)} (correct, slips, follow-through, typo; 10% unique slips)\n")
    header = (f"{'':>4} {'class':<10} {'wall s':>7} {'subs/s':>7} {'CPU ms each':>12} {'cache hits':>11} "
              f"{'parent MB':>10} {'worker MB':>10}")
    print(header)
    results = []
    for jobs in args.jobs:
        for name, rows in (("mixed", mixed), ("six-line", six)):
            r = measure(rows, jobs)
            r["class"] = name
            results.append(r)
            print(f"-j{jobs:<2} {name:<10} {r['wall']:>7.2f} {r['per_second']:>7.1f} {r['cpu_ms_each']:>12.1f} "
                  f"{r['hit_rate']:>10.0%} {r['parent_mb']:>10.0f} {r['worker_mb']:>10.0f}")
    print(f"\nload average when done: {os.getloadavg()[0]:.2f} on {os.cpu_count()} cores "
          "(other processes share the CPU: compare the CPU time per submission as well)")
    print("statuses (mixed, last run): " + ", ".join(f"{k} {v}" for k, v in sorted(results[-2]["statuses"].items())))
    target = [r for r in results if r["class"] == "six-line" and r["jobs"] == 2]
    if target:
        verdict = "met" if target[0]["per_second"] >= 50 else "NOT met"
        print(f"target ≥ 50 six-step submissions/s on two cores: {target[0]['per_second']:.1f}/s — {verdict}")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2), encoding="utf-8")


if __name__ == "__main__":
    main()
