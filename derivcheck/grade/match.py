"""Match a submission's steps to the key's by structure, and judge their order against the key's dependencies.

Every line of a derivation has the same value, so steps are matched by their form: both
sides unfolded and put in light normal form (`verify.normalise`: commutativity,
associativity, folded numbers, renamed bound variables — never simplification).

A key step is shown by a submission in either of two ways:

- a line of the submission (reached by a step, not its first line) has the key line's form;
- a step of the submission makes the key step's *rewrite*: the one sub-expression the key
  step changes (found by descending both lines while they agree, sums and products compared
  as multisets) becomes what the key makes of it.  This is how two independent rewrites
  done in the other order are recognised, though the line between them is not the key's.

Order is judged against the key's dependency graph: key step m depends on an earlier key
step k unless m's rewrite could have been made before k (its sub-expression is already
there, and the two rewrites do not overlap).  The largest set of shown key steps that
respects every dependency (a longest increasing subsequence, generalised to a partial
order) is in order; the others are misordered.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from .. import limits
from ..scope import Scope, unfold
from ..verify.normalise import ONE, ZERO, children, key, normal_form

COMMUTATIVE = ("add", "mul")
_SEARCH_BUDGET = 50_000  # nodes of the exact order search before it settles for the best found


def form(node, scope: Scope):
    """The light normal form of a step with every definition unfolded; None if it has none
    (a placeholder for an unreadable line, or definitions that unfold past the size limit)."""
    try:
        if scope.definitions:
            cap = limits.current().nodes  # a submission may define names that double at each level
            if limits.unfolded_size(node, scope, cap) > cap:
                return None
        return normal_form(unfold(node, scope))
    except (TypeError, RecursionError):
        return None


def _minus(xs: Sequence, ys: Sequence) -> list:
    """The multiset xs − ys, in xs's order."""
    left = Counter(ys)
    out = []
    for x in xs:
        if left[x] > 0:
            left[x] -= 1
        else:
            out.append(x)
    return out


def _join(head: str, items: list):
    if not items:
        return ZERO if head == "add" else ONE
    if len(items) == 1:
        return items[0]
    return (head, tuple(sorted(items, key=key)))


def _same_head(a, b) -> bool:
    """Same operator with children in the same places (so they can be compared one by one)."""
    if a[0] != b[0]:
        return False
    head = a[0]
    if head in ("fn", "app"):
        return a[1] == b[1] and len(a[2]) == len(b[2])
    if head in ("d", "E", "rel"):
        return a[1] == b[1]
    if head == "at":
        return a[2] == b[2]
    if head in ("sum", "prod", "int"):
        return a[1] == b[1] and [x is None for x in a[2:]] == [x is None for x in b[2:]]
    return head == "pow"


def rewrite(before, after):
    """(old, new): the part of `before` that `after` changes, and what it becomes; None if equal."""
    if before is None or after is None or before == after:
        return None
    a, b = before, after
    for _ in range(10_000):
        # a lone factor against a product (a lone term against a sum) is a product of one
        if a[0] in COMMUTATIVE and b[0] != a[0] and b[0] not in COMMUTATIVE:
            b = (a[0], (b,))
        elif b[0] in COMMUTATIVE and a[0] != b[0] and a[0] not in COMMUTATIVE:
            a = (b[0], (a,))
        if a[0] == b[0] and a[0] in COMMUTATIVE:
            ra, rb = _minus(a[1], b[1]), _minus(b[1], a[1])
            if len(ra) == 1 and len(rb) == 1:
                a, b = ra[0], rb[0]
                continue
            return _join(a[0], ra), _join(a[0], rb)
        if _same_head(a, b):
            ka, kb = children(a), children(b)
            differ = [i for i in range(len(ka)) if ka[i] != kb[i]]
            if len(differ) == 1:
                a, b = ka[differ[0]], kb[differ[0]]
                continue
        break
    return a, b


def occurs(tree, part) -> bool:
    """Is `part` a sub-expression of `tree` (a sub-sum or sub-product counts)?"""
    if tree is None or part is None:
        return False
    stack = [tree]
    partial = part[0] in COMMUTATIVE
    while stack:
        t = stack.pop()
        if t == part:
            return True
        if partial and t[0] == part[0] and not _minus(part[1], t[1]):
            return True
        stack.extend(children(t))
    return False


def _overlap(x, y) -> bool:
    return occurs(x, y) or occurs(y, x)


def dependencies(forms: Sequence, rewrites: Sequence) -> list[frozenset[int]]:
    """For each line k of the key, the earlier lines whose steps must come before it.

    `forms[k]` is line k's normal form and `rewrites[k]` the rewrite of the step into it
    (None for the first line and for steps that change nothing); the result is transitive.
    """
    deps: list[set[int]] = [set() for _ in forms]
    for m, rm in enumerate(rewrites):
        if rm is None:
            continue
        for k in range(1, m):
            rk = rewrites[k]
            if rk is None:
                continue
            could_go_first = occurs(forms[k - 1], rm[0]) and not _overlap(rm[0], rk[0]) \
                and not _overlap(rm[0], rk[1])
            if not could_go_first:
                deps[m].add(k)
                deps[m] |= deps[k]
    return [frozenset(d) for d in deps]


def consistent_order(candidates: dict[int, list[int]], deps: Sequence[frozenset[int]]) -> dict[int, int]:
    """The largest choice {key step: position} with every dependency in order.

    `candidates[k]` lists the submission positions that show key step k.  Among largest
    choices the one with the earliest positions wins, so the answer is deterministic.
    """
    steps = sorted(k for k, ps in candidates.items() if ps)
    options = {k: sorted(set(candidates[k]))[:4] for k in steps}
    best: dict[int, int] = {}
    budget = [_SEARCH_BUDGET]

    def fits(k: int, p: int, chosen: dict[int, int]) -> bool:
        for m, q in chosen.items():
            if m in deps[k] and q > p:
                return False
            if k in deps[m] and p > q:
                return False
        return True

    def search(i: int, chosen: dict[int, int]) -> None:
        nonlocal best
        if len(chosen) > len(best):
            best = dict(chosen)
        if i == len(steps) or budget[0] <= 0 or len(chosen) + len(steps) - i <= len(best):
            return
        budget[0] -= 1
        k = steps[i]
        for p in options[k]:
            if fits(k, p, chosen):
                chosen[k] = p
                search(i + 1, chosen)
                del chosen[k]
        search(i + 1, chosen)

    search(0, {})
    return best


def conflicts(candidates: dict[int, list[int]], chosen: dict[int, int],
              deps: Sequence[frozenset[int]]) -> list[tuple[int, int, int, int]]:
    """For each shown key step left out of order: (it, its position, the step it clashes with,
    that step's position), the pair in key order."""
    out = []
    for k in sorted(candidates):
        if not candidates[k] or k in chosen:
            continue
        p = min(candidates[k])
        for m, q in sorted(chosen.items()):
            if (m in deps[k] and q > p) or (k in deps[m] and p > q):
                out.append((min(k, m), p if k < m else q, max(k, m), q if k < m else p))
                break
    return out
