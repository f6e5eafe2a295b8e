"""Working on flat forms: positions, replacement, capture-free substitution, and matching a
pattern (an identity's side) up to commutativity and associativity."""

from __future__ import annotations

import functools
import itertools
from collections.abc import Iterator

from ..verify.normalise import (
    add,
    binder_var,
    bound_children,
    canonical,
    children,
    free,
    mul,
    rebuild,
)

MAX_AC_CHILDREN = 8  # larger sums/products are matched in written order only


def fresh(base: str, avoid: frozenset | set = frozenset()) -> str:
    """`base~k` for the smallest k that is not in `avoid`: the same trees always get the
    same names (a report must not depend on what was checked before)."""
    stem = base.split("~")[0]
    for k in itertools.count(1):
        name = f"{stem}~{k}"
        if name not in avoid:
            return name
    raise AssertionError  # pragma: no cover


@functools.lru_cache(maxsize=65536)
def all_names(t) -> frozenset:
    """Every symbol and bound-variable name in `t` (free or not)."""
    out = set()
    if t[0] == "sym":
        out.add(t[1])
    var = binder_var(t)
    if var is not None:
        out.add(var)
    if t[0] == "d":
        out.add(t[1])
    for k in children(t):
        out |= all_names(k)
    return frozenset(out)


def positions(t, path: tuple = ()) -> Iterator[tuple[tuple, tuple]]:
    """(path, node) for every node, parents first."""
    yield path, t
    for i, k in enumerate(children(t)):
        yield from positions(k, path + (i,))


def at_path(t, path: tuple):
    for i in path:
        t = children(t)[i]
    return t


def replace(t, path: tuple, new):
    """`t` with the node at `path` replaced (sums and products flattened on the way up)."""
    if not path:
        return new
    kids = list(children(t))
    kids[path[0]] = replace(kids[path[0]], path[1:], new)
    return rebuild(t, kids)


def everywhere(t, fn):
    """Apply `fn(node) -> node | None` at every node, children first (one pass)."""
    kids = children(t)
    if kids:
        new_kids = [everywhere(k, fn) for k in kids]
        if any(a is not b for a, b in zip(new_kids, kids)):
            t = rebuild(t, new_kids)
    out = fn(t)
    return t if out is None else out


# ---------------------------------------------------------------------------
# Substitution


def subst(t, mapping: dict):
    """Replace free symbols by flat forms, renaming bound variables that would capture."""
    if not mapping or not (free(t) & set(mapping)):
        return t
    head = t[0]
    if head == "sym":
        return mapping.get(t[1], t)
    if head == "d" and t[1] in mapping:
        # d/dθ with θ replaced by a value: the derivative evaluated there
        inner = {k: v for k, v in mapping.items() if k != t[1]}
        return ("at", ("d", t[1], subst(t[2], inner)), t[1], mapping[t[1]])
    var = binder_var(t)
    kids = children(t)
    if var is None:
        return rebuild(t, [subst(k, mapping) for k in kids])
    inner = {k: v for k, v in mapping.items() if k != var}
    incoming = set().union(*(free(v) for v in inner.values())) if inner else set()
    new_var = var
    if var in incoming:
        avoid = incoming | set().union(*(all_names(k) for k in kids)) | set(mapping)
        new_var = fresh(var, avoid)
        inner[var] = ("sym", new_var)
    out = [subst(k, inner) if bound else subst(k, mapping) for k, bound in zip(kids, bound_children(t))]
    built = rebuild(t, out)
    return with_binder_var(built, new_var)


def with_binder_var(t, var: str):
    if t[0] in ("sum", "prod", "E", "int"):
        return (t[0], var, *t[2:])
    if t[0] == "at":
        return ("at", t[1], var, t[3])
    return t


def rename_bound(t, new: str):
    """The binder `t` with its variable renamed to `new` (capture-free)."""
    var = binder_var(t)
    if var is None or var == new:
        return t
    mapping = {var: ("sym", new)}
    kids = [subst(k, mapping) if bound else k for k, bound in zip(children(t), bound_children(t))]
    return with_binder_var(rebuild(t, kids), new)


# ---------------------------------------------------------------------------
# Matching up to commutativity and associativity


def same(a, b) -> bool:
    return a is b or canonical(a) == canonical(b)


def match(pattern, target, pvars: frozenset, binding: dict | None = None) -> Iterator[dict]:
    """Every binding of the pattern variables that makes `pattern` equal to `target` up to
    light normalisation (sums and products matched as multisets)."""
    binding = {} if binding is None else binding
    if not (free(pattern) & pvars):
        if same(pattern, target):
            yield binding
        return
    head = pattern[0]
    if head == "sym":
        name = pattern[1]
        if name in binding:
            if same(binding[name], target):
                yield binding
        else:
            yield {**binding, name: target}
        return
    if head == "pow" and target[0] == "num":
        root = _numeric_root(target[1], pattern[2])
        if root is not None:
            yield from match(pattern[1], root, pvars, binding)
        return
    if head != target[0]:
        return
    if head in ("add", "mul"):
        for b, used in match_some(pattern[1], target[1], pvars, binding):
            if len(used) == len(target[1]):
                yield b
        return
    if head in ("fn", "app"):
        if pattern[1] != target[1] or len(pattern[2]) != len(target[2]):
            return
        yield from _match_seq(pattern[2], target[2], pvars, binding)
        return
    if head == "d":
        if pattern[1] in pvars:
            seen = binding.get(pattern[1])
            if seen is not None and seen != ("sym", target[1]):
                return
            binding = {**binding, pattern[1]: ("sym", target[1])}
        elif pattern[1] != target[1]:
            return
        yield from match(pattern[2], target[2], pvars, binding)
        return
    pvar, tvar = binder_var(pattern), binder_var(target)
    if pvar is not None:
        if tvar is None or (pvar != tvar and pvar in free(target)):
            return
        target = rename_bound(target, pvar)
    kp, kt = children(pattern), children(target)
    if len(kp) != len(kt) or [x is None for x in pattern[2:]] != [x is None for x in target[2:]]:
        return
    # under the binder its variable is the binder's, never a pattern variable
    inner = pvars - {pvar} if pvar is not None else pvars
    scopes = [inner if bound else pvars for bound in bound_children(pattern)]
    yield from _match_scoped(kp, kt, scopes, binding)


def _match_scoped(ps, ts, scopes, binding) -> Iterator[dict]:
    if not ps:
        yield binding
        return
    for b in match(ps[0], ts[0], scopes[0], binding):
        yield from _match_scoped(ps[1:], ts[1:], scopes[1:], b)


def _numeric_root(value, exponent):
    """`4` against `b²`: the number whose power it is (b = 2), when exact."""
    if exponent[0] != "num" or exponent[1].denominator != 1 or not 2 <= exponent[1] <= 4 or value <= 0:
        return None
    k = int(exponent[1])
    if value.numerator > 10 ** 30 or value.denominator > 10 ** 30:
        return None
    root = []
    for part in (value.numerator, value.denominator):
        r = round(part ** (1 / k))
        r = next((c for c in (r - 1, r, r + 1) if c >= 0 and c ** k == part), None)
        if r is None:
            return None
        root.append(r)
    from fractions import Fraction

    return ("num", Fraction(root[0], root[1]))


def _match_seq(ps, ts, pvars, binding) -> Iterator[dict]:
    if not ps:
        yield binding
        return
    for b in match(ps[0], ts[0], pvars, binding):
        yield from _match_seq(ps[1:], ts[1:], pvars, b)


def match_some(ps, ts, pvars, binding) -> Iterator[tuple[dict, tuple]]:
    """Match each pattern child to a distinct target child: (binding, used target indices)."""
    if len(ps) > len(ts):
        return
    if len(ts) > MAX_AC_CHILDREN:
        # too many orders to try: match in written order, as a contiguous run
        for start in range(len(ts) - len(ps) + 1):
            for b in _match_seq(ps, ts[start:start + len(ps)], pvars, binding):
                yield b, tuple(range(start, start + len(ps)))
        return
    # literal pattern children first: they prune fastest
    order = sorted(range(len(ps)), key=lambda i: bool(free(ps[i]) & pvars))
    yield from _assign([ps[i] for i in order], ts, pvars, binding, ())


def _assign(ps, ts, pvars, binding, used) -> Iterator[tuple[dict, tuple]]:
    if not ps:
        yield binding, tuple(sorted(used))
        return
    for i, t in enumerate(ts):
        if i in used:
            continue
        for b in match(ps[0], t, pvars, binding):
            yield from _assign(ps[1:], ts, pvars, b, used + (i,))


def rest_of(t, used: tuple):
    """The sum or product `t` without the children at `used`."""
    kept = [k for i, k in enumerate(t[1]) if i not in used]
    return (add if t[0] == "add" else mul)(*kept)
