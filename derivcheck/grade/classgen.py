"""Generate a class of submissions for the policy-gradient key (derivations/keys/policy_gradient.deriv).

For tests, benchmarks and demonstrations: every kind of answer a class produces — correct
ones in several spellings, the true one-liner that skips the work, misordered, typical
slips with and without follow-through, a wrong start, stopping early, a typo, unparsable,
empty, very long — each kind in many variants that read differently and mean the same
(Unicode or ASCII names, factors commuted, hints or none, LaTeX), so the step cache and the
matching by normal form are exercised as a real class would.
"""

from __future__ import annotations

import random

KEY = "derivations/keys/policy_gradient.deriv"

_UNICODE = {
    "start": "∇_θ J(θ)",
    "def": "∇_θ Σ_τ Pr_θ(τ) R(τ)",
    "lin": "Σ_τ ∇_θ Pr_θ(τ) R(τ)",
    "mul": "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)",
    "log": "Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)",
    "goal": "E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]",
}
_COMMUTED = {
    "start": "∇_θ J(θ)",
    "def": "∇_θ Σ_τ R(τ) Pr_θ(τ)",
    "lin": "Σ_τ R(τ) ∇_θ Pr_θ(τ)",
    "mul": "Σ_τ R(τ) Pr_θ(τ) ∇_θ Pr_θ(τ) / Pr_θ(τ)",
    "log": "Σ_τ R(τ) Pr_θ(τ) ∇_θ log Pr_θ(τ)",
    "goal": "E_{τ~Pr_θ}[R(τ) ∇_θ log Pr_θ(τ)]",
}
_ASCII = {
    "start": "grad_theta J(theta)",
    "def": "grad_theta sum_tau Pr_theta(tau) R(tau)",
    "lin": "sum_tau grad_theta Pr_theta(tau) R(tau)",
    "mul": "sum_tau Pr_theta(tau) (grad_theta Pr_theta(tau) / Pr_theta(tau)) R(tau)",
    "log": "sum_tau Pr_theta(tau) grad_theta log Pr_theta(tau) R(tau)",
    "goal": "E_{tau~Pr_theta}[grad_theta log Pr_theta(tau) R(tau)]",
}
_LATEX = {
    "start": r"\nabla_\theta J(\theta)",
    "def": r"\nabla_\theta \sum_{\tau} \Pr_\theta(\tau) R(\tau)",
    "lin": r"\sum_{\tau} \nabla_\theta \Pr_\theta(\tau) R(\tau)",
    "mul": r"\sum_{\tau} \Pr_\theta(\tau) \frac{\nabla_\theta \Pr_\theta(\tau)}{\Pr_\theta(\tau)} R(\tau)",
    "log": r"\sum_{\tau} \Pr_\theta(\tau) \nabla_\theta \log \Pr_\theta(\tau) R(\tau)",
    "goal": r"\mathbb{E}_{\tau \sim \Pr_\theta}\left[ \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \right]",
}
_HINTS = {"def": "definition of J", "lin": "linearity", "mul": "multiply and divide by Pr_θ(τ)",
          "log": "log-derivative trick", "goal": "definition of expectation"}
SPELLINGS = {"unicode": _UNICODE, "commuted": _COMMUTED, "ascii": _ASCII, "latex": _LATEX}

# Each kind: the lines it writes (names of the key's lines, or literal plain text) and the
# spellings it comes in.  Literal lines are Unicode plain notation.
KINDS: dict[str, tuple[list[str], tuple[str, ...]]] = {
    "correct": (["start", "def", "lin", "mul", "log", "goal"], ("unicode", "commuted", "ascii", "latex")),
    "correct_short": (["start", "lin", "mul", "log", "goal"], ("unicode", "commuted", "ascii")),
    "one_liner": (["start", "goal"], ("unicode", "ascii", "latex")),
    "misordered": (["start", "log", "lin", "goal"], ("unicode", "commuted", "ascii")),
    "gradient_inside": (["start", "=∇_θ E_{τ~Pr_θ}[R(τ)]", "=E_{τ~Pr_θ}[∇_θ R(τ)]", "=0"], ("unicode",)),
    "follow_through": (["start", "def", "=Σ_τ ∇_θ Pr_θ(τ)", "=Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ))",
                        "=Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ)", "=E_{τ~Pr_θ}[∇_θ log Pr_θ(τ)]"], ("unicode",)),
    "dropped_weight": (["start", "def", "lin", "mul", "=Σ_τ ∇_θ log Pr_θ(τ) R(τ)", "goal"], ("unicode",)),
    "wrong_start": (["lin", "mul", "log", "goal"], ("unicode", "commuted", "ascii")),
    "stops_early": (["start", "def", "lin", "mul", "log"], ("unicode", "commuted", "ascii")),
    "typo": (["start", "def", "lin", "=Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ) R(τ)", "log", "goal"], ("unicode",)),
    "unparsable": (["=∇_θ J(θ))", "=Σ_τ ∇_θ Pr_θ(τ) R(τ))", "=E_{τ~Pr_θ}[R(τ)]]"], ("unicode",)),
    "empty": ([], ("unicode",)),
    "very_long": (["start", "def", "lin"] + ["lin", "=Σ_τ R(τ) ∇_θ Pr_θ(τ)"] * 20 + ["mul", "log", "goal"],
                  ("unicode",)),
}


def _line(name: str, spelling: str) -> str:
    return name[1:] if name.startswith("=") else SPELLINGS[spelling][name]


def render(kind: str, spelling: str, rng: random.Random) -> str:
    """One submission of `kind` in `spelling`, with random layout choices."""
    names, _ = KINDS[kind]
    if kind == "empty":
        return rng.choice(["", "\n", "   \n\n"])
    lines = [_line(n, spelling) for n in names]
    hints = rng.random() < 0.5
    if spelling == "latex":
        rows = [lines[0]] + [f"&= {ln}" + (f" \\quad \\text{{({_HINTS[n]})}}" if hints and n in _HINTS else "")
                             for n, ln in zip(names[1:], lines[1:])]
        return "\\begin{align*}\n" + " \\\\\n".join(rows) + "\n\\end{align*}\n"
    if kind == "one_liner":
        return f"{lines[0]} = {lines[1]}\n"
    indent = " " * rng.choice([0, 2, 4])
    out = [indent + lines[0]]
    for n, ln in zip(names[1:], lines[1:]):
        hint = f"{{ {_HINTS[n]} }} " if hints and n in _HINTS else ""
        out.append(f"={rng.choice([' ', '  '])}{hint}{ln}")
    if kind == "unparsable":  # every line broken, the first one too
        out[0] = lines[0]
    return "\n".join(out) + rng.choice(["\n", "\n\n", ""])


def policy_gradient_class(n: int = 200, seed: int = 0) -> list[tuple[str, str, str]]:
    """`n` submissions as (id, kind, text): kinds in turn, spellings and layouts at random."""
    rng = random.Random(seed)
    kinds = list(KINDS)
    out = []
    for i in range(n):
        kind = kinds[i % len(kinds)]
        spelling = rng.choice(KINDS[kind][1])
        out.append((f"s{i:04d}", kind, render(kind, spelling, rng)))
    return out
