"""Answer keys, matching by structure, order against the key's dependencies, and the scoring policy."""

from __future__ import annotations

from pathlib import Path

import pytest

from derivcheck.grade import match
from derivcheck.grade.check import RunCache, options
from derivcheck.grade.key import DEFAULT_WEIGHTS, KeyProblem, check_key, read_key
from derivcheck.grade.score import grade_submission
from derivcheck.source import read_deriv

KEYS = Path(__file__).resolve().parent.parent / "derivations" / "keys"
OPTS = options()


def key_of(name: str):
    path = KEYS / f"{name}.deriv"
    return read_key(path.read_text(encoding="utf-8"), str(path))


@pytest.fixture(scope="module")
def pg():
    return key_of("policy_gradient")


def grade(key, text: str, suffix: str = ""):
    return grade_submission(key, "x", text, suffix, OPTS, RunCache())


# ---------------------------------------------------------------------------
# The key


def test_the_policy_gradient_key_reads_with_its_headers_and_four_key_steps(pg):
    assert pg.points == 10 and pg.weights == DEFAULT_WEIGHTS
    (route,) = pg.routes
    assert [k.index + 1 for k in route.key_steps] == [3, 4, 5, 6]  # the definition step changes no form
    assert [k.label for k in route.key_steps] == ["linearity", "multiply and divide by Pr_θ(τ)",
                                                  "log-derivative trick", "definition of expectation"]
    assert [sorted(d + 1 for d in k.depends) for k in route.key_steps] == [[], [3], [3, 4], [3, 4, 5]]
    assert check_key(pg, OPTS) == []


def test_a_key_without_headers_gets_the_documented_defaults():
    key = read_key("let x: real\n\n  x + x\n= 2x\n")
    assert key.points == 10 and key.weights == DEFAULT_WEIGHTS
    assert key.routes[0].start_text == "x + x" and key.routes[0].goal_text == "2x"


@pytest.mark.parametrize("text,message", [
    ("points: ten\n  x\n= x\n", "`points:` wants a positive number"),
    ("weights: style 2\n  x\n= x\n", "cannot read `style 2`"),
    ("weights: start 0, goal 0, steps 0, keys 0, order 0\n  x\n= x\n", "add up to 0"),
    ("title: t\npoints: 3\n  x\n= x\n", "belongs before the first `title:`"),
    ("goal: (x\n  x\n= x\n", "cannot read `(x`"),
    ("  x\n= (x\n", "unclosed"),
    ("# nothing\n", "no derivation"),
], ids=["points", "weights", "zero-weights", "late-header", "bad-goal", "parse-error", "empty"])
def test_an_unusable_key_says_where_and_why(text, message):
    with pytest.raises(KeyProblem) as e:
        read_key(text)
    assert any(message in m for _, _, m in e.value.problems), e.value.problems


def test_a_refuted_key_step_is_an_error_in_the_key():
    key = read_key("let x: real\n  (x + 1)^2\n= x^2 + 1\n")
    [(severity, line, _, message)] = check_key(key, OPTS)
    assert severity == "error" and line == 3 and "refuted" in message


def test_marked_lines_are_the_only_required_key_steps():
    key = key_of("difference_of_squares")
    assert [[k.index + 1 for k in r.required] for r in key.routes] == [[2], [2]]
    assert key.points == 4 and key.weights["order"] == 0


def test_goal_header_accepts_another_form_of_the_goal():
    key = read_key("goal: 2x\ngoal: x + x + 0·x\nlet x: real\n  x + x\n= 2x\n")
    g = grade(key, "x + x\n= x + x + 0·x")
    assert {p.name: p.earned for p in g.parts}["goal"] == 1


# ---------------------------------------------------------------------------
# Matching and order


def forms(*lines: str, lets: str = "let a, b, x, y, z, w: positive"):
    parsed = read_deriv(lets + "\n  " + "\n= ".join(lines) + "\n")
    return [match.form(s.expr, parsed.scopes[0]) for s in parsed.derivations[0].steps]


def test_a_rewrite_is_the_one_part_a_step_changes_sums_and_products_as_multisets():
    before, after = forms("x (a + b) + log(y z) + sin(2w)", "sin(2w) + x a + x b + log(y z)")
    old, new = match.rewrite(before, after)
    assert (old, new) == tuple(forms("x (a + b)", "x a + x b"))
    # the same rewrite in another context is the same rewrite
    assert match.rewrite(*forms("y + x (a + b)", "y + x a + x b")) == (old, new)
    assert match.rewrite(before, before) is None


def test_a_lone_factor_against_a_product_is_a_product_of_one():
    old, new = match.rewrite(*forms("Σ_τ ∇_θ Pr_θ(τ)", "Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ))",
                                    lets="let τ: index\nlet Pr_θ(τ): distribution over τ"))
    assert old == ("num", 1)  # multiplying by Pr/Pr inserts a factor


def test_independent_rewrites_do_not_depend_on_each_other_and_a_chain_does():
    lines = forms("x (a + b) + log(y z)", "x a + x b + log(y z)", "x a + x b + log y + log z")
    rewrites = [None] + [match.rewrite(p, q) for p, q in zip(lines, lines[1:])]
    assert match.dependencies(lines, rewrites) == [frozenset(), frozenset(), frozenset()]
    chain = forms("log(x y) + log z", "log x + log y + log z", "log(x y z)")
    rewrites = [None] + [match.rewrite(p, q) for p, q in zip(chain, chain[1:])]
    assert match.dependencies(chain, rewrites) == [frozenset(), frozenset(), frozenset({1})]


def test_consistent_order_is_a_longest_increasing_subsequence_over_the_dependencies():
    chain = [frozenset(), frozenset({0}), frozenset({0, 1}), frozenset({0, 1, 2})]
    assert match.consistent_order({0: [1], 1: [2], 2: [3], 3: [4]}, chain) == {0: 1, 1: 2, 2: 3, 3: 4}
    best = match.consistent_order({0: [3], 1: [1], 2: [2], 3: [4]}, chain)
    assert len(best) == 3 and 0 not in best
    assert match.conflicts({0: [3], 1: [1], 2: [2], 3: [4]}, best, chain) == [(0, 3, 1, 1)]
    free = [frozenset()] * 4
    assert len(match.consistent_order({0: [3], 1: [2], 2: [1]}, free)) == 3  # any order is fine


# ---------------------------------------------------------------------------
# Scoring


def test_the_key_itself_earns_full_marks(pg):
    body = (KEYS / "policy_gradient.deriv").read_text(encoding="utf-8").split("title:")[1]
    g = grade(pg, "title:" + body)
    assert (g.status, g.score, g.flags, g.feedback) == ("graded", 10, (), ())


def test_the_true_one_liner_scores_low_and_names_the_skipped_steps(pg):
    g = grade(pg, "∇_θ J(θ) = E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]")
    assert g.score == 2.75 and g.flags == ("skipped",)
    assert {p.name: p.earned for p in g.parts} == {"start": 1, "goal": 1, "steps": 0.75, "keys": 0, "order": 0}
    text = "\n".join(g.feedback)
    for name in ("key step 3 (linearity)", "key step 4 (multiply and divide by Pr_θ(τ))",
                 "key step 5 (log-derivative trick)", "key step 6 (definition of expectation)"):
        assert f"skipped: {name}" in text or f"; {name}" in text
    assert "your step 2 goes from key line 2 to key line 6 at once" in text
    assert "the key requires 4" in text


FOLLOW_THROUGH = """\
  ∇_θ J(θ)
= ∇_θ Σ_τ Pr_θ(τ) R(τ)
= Σ_τ ∇_θ Pr_θ(τ)
= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ))
= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ)
= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ)]
"""


def test_follow_through_steps_earn_their_credit_and_the_error_does_not(pg):
    g = grade(pg, FOLLOW_THROUGH)
    parts = {p.name: p.earned for p in g.parts}
    assert parts == {"start": 1, "goal": 0, "steps": 2.4, "keys": 2, "order": 1} and g.score == 6.4
    assert g.first_error == 3 and "follow-through" in g.flags
    assert [s.follows_error for s in g.steps] == [False, False, False, True, True, True]
    # the rewrites made after the error are the key's: they show key steps 4 and 5
    assert [s.key_step for s in g.steps] == [None, None, None, 4, 5, None]
    assert any(f.startswith("follow-through: steps 4, 5 and 6 come after your error at step 3") for f in g.feedback)
    # without follow-through (the later steps wrong as well) the same answer earns less
    worse = grade(pg, FOLLOW_THROUGH.replace("∇_θ log Pr_θ(τ)", "log Pr_θ(τ)"))
    assert worse.score < g.score


def test_misordered_key_steps_lose_the_order_part_with_the_pair_named(pg):
    g = grade(pg, "∇_θ J(θ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n"
                  "= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]")
    assert g.score == 6.75 and set(g.flags) == {"skipped", "misordered"}
    assert ("key step 3 (linearity) (your step 3) and key step 5 (log-derivative trick) (your step 2) are in the "
            "wrong order") in "\n".join(g.feedback)


def test_independent_key_steps_may_come_in_any_order():
    key = key_of("independent_rewrites")
    g = grade(key, "x (a + b) + log(y z) + sin(2w)\n= x (a + b) + log(y z) + 2 sin(w) cos(w)\n"
                   "= x (a + b) + log y + log z + 2 sin(w) cos(w)\n= x a + x b + log y + log z + 2 sin(w) cos(w)")
    assert (g.score, g.flags) == (6, ())
    assert [s.key_step for s in g.steps] == [None, 4, 3, 2]


def test_a_submission_is_graded_against_the_route_it_follows():
    key = key_of("difference_of_squares")
    g = grade(key, "(a + b)^2 − (a − b)^2\n= ((a + b) − (a − b)) ((a + b) + (a − b))\n= 4ab")
    assert (g.route, g.score) == ("As a difference of squares", 4)
    assert g.feedback == ("graded against the key's route `As a difference of squares`, the one your derivation "
                          "follows best (the key accepts 2)",)
    g = grade(key, "(a + b)^2 − (a − b)^2\n= a^2 + 2ab + b^2 − (a^2 − 2ab + b^2)\n= 4ab")
    assert (g.route, g.score) == ("By expanding both squares", 4)


def test_extra_steps_that_hold_are_allowed(pg):
    g = grade(pg, "∇_θ J(θ)\n= ∇_θ Σ_τ Pr_θ(τ) R(τ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ R(τ) ∇_θ Pr_θ(τ)\n"
                  "= Σ_τ Pr_θ(τ) (∇_θ Pr_θ(τ) / Pr_θ(τ)) R(τ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n"
                  "= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]")
    assert (g.score, g.flags) == (10, ())


@pytest.mark.parametrize("suffix,text", [
    (".tex", "\\begin{align*}\n\\nabla_\\theta J(\\theta) &= \\nabla_\\theta \\sum_{\\tau} \\Pr_\\theta(\\tau) "
             "R(\\tau) \\\\\n&= \\sum_{\\tau} \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau) \\\\\n"
             "&= \\sum_{\\tau} \\Pr_\\theta(\\tau) \\frac{\\nabla_\\theta \\Pr_\\theta(\\tau)}{\\Pr_\\theta(\\tau)} "
             "R(\\tau) \\\\\n&= \\sum_{\\tau} \\Pr_\\theta(\\tau) \\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau) "
             "\\\\\n&= \\mathbb{E}_{\\tau \\sim \\Pr_\\theta}[\\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau)]\n"
             "\\end{align*}\n"),
    (".md", "My answer:\n\n$$\n\\nabla_\\theta J(\\theta) = \\sum_{\\tau} \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau)"
            " = \\sum_{\\tau} \\Pr_\\theta(\\tau) \\frac{\\nabla_\\theta \\Pr_\\theta(\\tau)}{\\Pr_\\theta(\\tau)} "
            "R(\\tau) = \\sum_{\\tau} \\Pr_\\theta(\\tau) \\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau) = "
            "\\mathbb{E}_{\\tau \\sim \\Pr_\\theta}[\\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau)]\n$$\n"),
    ("", "\\nabla_\\theta J(\\theta) = \\nabla_\\theta \\sum_{\\tau} \\Pr_\\theta(\\tau) R(\\tau) "
         "= \\sum_{\\tau} \\nabla_\\theta \\Pr_\\theta(\\tau) R(\\tau) "
         "= \\sum_{\\tau} \\Pr_\\theta(\\tau) \\frac{\\nabla_\\theta \\Pr_\\theta(\\tau)}{\\Pr_\\theta(\\tau)} R(\\tau) "
         "= \\sum_{\\tau} \\Pr_\\theta(\\tau) \\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau) "
         "= \\mathbb{E}_{\\tau \\sim \\Pr_\\theta}[\\nabla_\\theta \\log \\Pr_\\theta(\\tau) R(\\tau)]"),
], ids=["tex", "md", "bare-latex-answer"])
def test_latex_answers_are_read_with_the_keys_declarations(pg, suffix, text):
    g = grade(pg, text, suffix)
    assert (g.status, g.score, g.flags) == ("graded", 10, ())


def test_a_name_the_key_does_not_use_is_pointed_out(pg):
    g = grade(pg, "∇_θ J(θ)\n= ∇_θ Σ_τ P_θ(τ) R(τ)")
    assert "unknown-names" in g.flags
    assert any(f.startswith("names the key does not use: P") for f in g.feedback)


@pytest.mark.parametrize("text,status,reason", [
    ("", "empty", "the submission is empty"),
    ("  \n\n", "empty", "the submission is empty"),
    ("∇_θ J(θ))\n= Σ_τ R(τ))\n", "unparsable", "line 1, column 9"),
    ("let x: real\n", "unparsable", "no derivation found"),
])
def test_what_cannot_be_graded_still_gets_a_grade_with_the_reason(pg, text, status, reason):
    g = grade(pg, text)
    assert (g.status, g.score, g.max_score) == (status, 0, 10)
    assert reason in g.reason and g.summary.startswith("not graded: ")


def test_a_submission_defining_names_that_double_at_each_level_is_bounded(pg):
    lets = "let a0 := θ + θ\n" + "".join(f"let a{i} := a{i - 1} + a{i - 1}\n" for i in range(1, 40))
    g = grade(pg, lets + "∇_θ J(θ)\n= a39\n= a39 + 0\n")
    assert g.status == "graded" and [s.verdict for s in g.steps] == ["start", "unknown", "unknown"]
    assert g.steps[1].reason.startswith("limit: expression too large")


TEX_KEY = r"""% points: 5
% weights: order 0
% let θ: real
% let τ: index
% let Pr_θ(τ): distribution over τ
% let R(τ): real
% let J(θ) := Σ_τ Pr_θ(τ) R(τ)
% title: Policy gradient theorem
\begin{align}
\nabla_\theta J(\theta)
  &= \sum_{\tau} \nabla_\theta \Pr_\theta(\tau) R(\tau) \quad \text{(linearity)} \\ % key
  &= \sum_{\tau} \Pr_\theta(\tau) \frac{\nabla_\theta \Pr_\theta(\tau)}{\Pr_\theta(\tau)} R(\tau) \\
  &= \sum_{\tau} \Pr_\theta(\tau) \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \quad \text{(log-derivative trick)} \\ % key
  &= \mathbb{E}_{\tau \sim \Pr_\theta}\left[ \nabla_\theta \log \Pr_\theta(\tau) R(\tau) \right]
\end{align}
"""


def test_a_latex_key_writes_its_headers_and_marks_as_comments():
    key = read_key(TEX_KEY, "key.tex")
    assert (key.points, key.weights["order"], key.title) == (5, 0, "Policy gradient theorem")
    assert [(k.index + 1, k.label) for k in key.routes[0].required] == [(2, "linearity"), (4, "log-derivative trick")]
    assert check_key(key, OPTS) == []
    plain = "∇_θ J(θ)\n= Σ_τ ∇_θ Pr_θ(τ) R(τ)\n= Σ_τ Pr_θ(τ) ∇_θ log Pr_θ(τ) R(τ)\n= E_{τ~Pr_θ}[∇_θ log Pr_θ(τ) R(τ)]"
    g = grade(key, plain)
    assert (g.score, g.flags) == (5, ())  # the unmarked step 3 may be skipped


@pytest.mark.parametrize("points,weights", [(5, [1, 1, 3, 4, 0]), (7, [1, 1, 1]), (10, [1, 1, 3, 4, 1]), (3.3, [2, 5])])
def test_the_parts_maxima_add_up_to_the_points_exactly(points, weights):
    from derivcheck.grade.score import apportion

    parts = apportion(points, weights)
    assert round(sum(parts), 2) == points and all(round(p, 2) == p for p in parts)
