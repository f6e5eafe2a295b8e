"""Rules of differentiation: linearity of Σ, E, ∫ and ∇, interchanging ∇ with Σ, the
derivative of a constant, the product, quotient, chain and power rules, evaluating at a point,
and the fundamental theorem of calculus (with integration by parts)."""

from __future__ import annotations

from ..verify.normalise import ONE, ZERO, add, canonical, free, mul, num, sub
from .base import Context, Rewrite, Rule
from .differentiate import diff, evaluate_inner, inner_argument, outer_derivative
from .tree import all_names, fresh, positions, rename_bound, subst

LINEAR = ("sum", "E", "int", "d")


# ---------------------------------------------------------------------------
# Linear operators: Σ_k, E_{k~p}, ∫ dk over a body, and ∂/∂v


def body_of(t):
    return t[3] if t[0] == "E" else t[2]


def with_body(t, body):
    if t[0] == "E":
        return ("E", t[1], t[2], body)
    if t[0] == "d":
        return ("d", t[1], body)
    return (t[0], t[1], body, *t[3:])


def constant_for(op, c, ctx: Context) -> bool:
    """Does `c` pass through the operator `op` (not depend on its variable)?"""
    if op[0] == "d":
        return not ctx.depends(c, op[1])
    return op[1] not in free(c)


def _factors(t):
    return t[1] if t[0] == "mul" else (t,)


def split_over_sum(t, ctx):
    if t[0] in LINEAR and body_of(t)[0] == "add":
        yield add(*(with_body(t, x) for x in body_of(t)[1]))


def pull_constants_out(t, ctx):
    if t[0] not in LINEAR:
        return
    body = body_of(t)
    if t[0] == "sum" and not (free(body) & {t[1]}) or t[0] == "int" and t[1] not in free(body):
        return  # Σ of a constant is a count, not linearity
    factors = _factors(body)
    consts = [f for f in factors if constant_for(t, f, ctx)]
    rest = [f for f in factors if not constant_for(t, f, ctx)]
    if not consts or (not rest and t[0] == "d"):
        return
    yield mul(*consts, with_body(t, mul(*rest)))
    if len(consts) > 1:
        for i, c in enumerate(consts):
            others = consts[:i] + consts[i + 1:]
            yield mul(c, with_body(t, mul(*others, *rest)))


def grad_inside(t, ctx):
    """∇_v Σ_k f → Σ_k ∇_v f (also E with a weight free of v, and ∫ with fixed bounds)."""
    if t[0] != "d":
        return
    v, inner = t[1], t[2]
    if inner[0] in ("sum", "int"):
        if any(x is not None and ctx.depends(x, v) for x in inner[3:]):
            return
        if inner[1] == v:
            inner = rename_bound(inner, fresh(v, all_names(inner)))
        yield with_body(inner, ("d", v, inner[2]))
    elif inner[0] == "E" and not ctx.depends(inner[2], v):
        if inner[1] == v:
            inner = rename_bound(inner, fresh(v, all_names(inner)))
        yield ("E", inner[1], inner[2], ("d", v, inner[3]))


def _constants_past_grad(t, ctx):
    """Helper: ∇(c·f) → c·∇f for c free of the variable, once ∇ has moved inside."""
    if t[0] == "d" and t[2][0] == "mul":
        yield from pull_constants_out(t, ctx)


def grad_outside(t, ctx):
    """Σ_k ∇_v f → ∇_v Σ_k f (the same conditions as `grad_inside`)."""
    if t[0] in ("sum", "int", "E") and body_of(t)[0] == "d":
        d = body_of(t)
        v = d[1]
        if v == t[1] or any(x is not None and ctx.depends(x, v) for x in t[3:]) \
                or (t[0] == "E" and ctx.depends(t[2], v)):
            return
        yield ("d", v, with_body(t, d[2]))


def _signature(op):
    """What must agree for two operators to combine: kind, variable, weight or bounds."""
    return (op[0], op[1]) + ((canonical(op[2]),) if op[0] == "E" else
                             tuple(canonical(x) if x is not None else None for x in op[3:])
                             if op[0] != "d" else ())


def _as_scaled_op(term):
    """(constant factors, operator) when term is c·L(x), else None."""
    factors = _factors(term)
    ops = [f for f in factors if f[0] in LINEAR]
    if len(ops) != 1:
        return None
    op = ops[0]
    consts = [f for f in factors if f is not op]
    return consts, op


def combine_operators(t, ctx):
    """c₁·L(x₁) + c₂·L(x₂) → L(c₁x₁ + c₂x₂), and c·L(x) → L(c·x)."""
    if t[0] == "mul":
        parsed = _as_scaled_op(t)
        if parsed and parsed[0]:
            consts, op = parsed
            if all(constant_for(op, c, ctx) for c in consts) and not (op[0] != "d" and any(op[1] in free(c) for c in consts)):
                yield with_body(op, mul(*consts, body_of(op)))
        return
    if t[0] != "add":
        return
    groups: dict = {}
    for i, term in enumerate(t[1]):
        parsed = _as_scaled_op(term)
        if parsed is None:
            continue
        consts, op = parsed
        if not all(constant_for(op, c, ctx) for c in consts):
            continue
        sig = _signature(op) if op[0] != "sum" or op[3] is not None else (op[0], "set")
        groups.setdefault(sig, []).append((i, consts, op))
    for members in groups.values():
        if len(members) < 2:
            continue
        first = members[0][2]
        bodies = []
        for _, consts, op in members:
            if op[0] != "d" and op[1] != first[1]:
                if first[1] in free(op) or any(first[1] in free(c) for c in consts):
                    break
                op = rename_bound(op, first[1])
            bodies.append(mul(*consts, body_of(op)))
        else:
            used = {i for i, _, _ in members}
            rest = [x for i, x in enumerate(t[1]) if i not in used]
            yield add(with_body(first, add(*bodies)), *rest)


def distribute_inside(t, ctx):
    """Helper: a product over a sum inside a linear operator, `L(f·(a + b))` → `L(fa + fb)`."""
    if t[0] not in LINEAR:
        return
    body = body_of(t)
    if body[0] != "mul":
        return
    for i, f in enumerate(body[1]):
        if f[0] == "add":
            others = body[1][:i] + body[1][i + 1:]
            yield with_body(t, add(*(mul(*others, x) for x in f[1])))
            return


# ---------------------------------------------------------------------------
# Derivatives


def zero_derivative(t, ctx):
    if t[0] == "d" and not ctx.depends(t[2], t[1]):
        yield ZERO


def trivial_derivative(t, ctx):
    """Helper after a differentiation rule: ∂c/∂v = 0 for a number, ∂v/∂v = 1."""
    if t[0] == "d":
        if t[2][0] in ("num", "const"):
            yield ZERO
        elif t[2] == ("sym", t[1]):
            yield ONE


def zero_inside(t, ctx):
    """Helper: a linear operator of 0 is 0 (E_{τ~p}[0] = 0, Σ_k 0 = 0)."""
    if t[0] in ("sum", "E", "int", "d") and body_of(t) == ZERO:
        yield ZERO


def grad_over_terms(t, ctx):
    """Helper: ∇ of a sum is the sum of the ∇s (to reach the terms that vanish)."""
    if t[0] == "d" and t[2][0] == "add":
        yield add(*(("d", t[1], x) for x in t[2][1]))
    yield from grad_inside(t, ctx)
    if t[0] == "d" and t[2][0] == "mul":
        yield from pull_constants_out(t, ctx)


def _derivative_rule(one_step):
    """A rewrite for a named rule of differentiation: the rule applied once, with the inner
    derivatives left, or worked out."""
    def rewrite(t, ctx):
        if t[0] != "d":
            return
        for r in one_step(t, ctx):
            yield r
            worked = evaluate_inner(r, ctx)
            if worked != r:
                yield worked
    return rewrite


def _worked_out_using(name: str):
    """A compound rewrite: the whole derivative worked out, when that uses the named rule
    (a hint "chain rule" on a step that also needed linearity)."""
    def rewrite(t, ctx):
        if t[0] != "d":
            return
        used: set = set()
        full = diff(t[2], t[1], ctx, used)
        if name in used and full != t:
            yield full
    return rewrite


def _differentiation(one_step, name: str):
    return (Rewrite(_derivative_rule(one_step)), Rewrite(_worked_out_using(name), compound=True))


def product_step(t, ctx):
    v, body = t[1], t[2]
    if body[0] != "mul":
        return
    consts = [f for f in body[1] if not ctx.depends(f, v)]
    deps = [f for f in body[1] if ctx.depends(f, v)]
    if len(deps) < 2:
        return
    yield add(*(mul(*consts, *deps[:i], ("d", v, deps[i]), *deps[i + 1:]) for i in range(len(deps))))


def quotient_step(t, ctx):
    v, body = t[1], t[2]
    factors = _factors(body)
    bottom = [f for f in factors if f[0] == "pow" and f[2][0] == "num" and f[2][1] < 0
              and ctx.depends(f[1], v)]
    if not bottom:
        return
    top = [f for f in factors if f not in bottom]
    g = mul(*(f[1] if f[2][1] == -1 else ("pow", f[1], num(-f[2][1])) for f in bottom))
    for consts_out in (True, False):
        consts = [f for f in top if consts_out and not ctx.depends(f, v)]
        f = mul(*[x for x in top if x not in consts])
        numerator = sub(mul(("d", v, f), g), mul(f, ("d", v, g)))
        yield mul(*consts, numerator, ("pow", g, num(-2)))


def chain_step(t, ctx):
    v, body = t[1], t[2]
    g = inner_argument(body, v, ctx)
    if g is None or g == ("sym", v) or body[0] not in ("fn", "app", "pow"):
        return
    outer = outer_derivative(body, g)
    if outer is not None:
        yield mul(outer, ("d", v, g))


def power_step(t, ctx):
    v, body = t[1], t[2]
    if body == ("sym", v):
        yield ONE
    elif body[0] == "pow" and body[1] == ("sym", v) and not ctx.depends(body[2], v):
        yield outer_derivative(body, body[1])


def standard_step(t, ctx):
    v, body = t[1], t[2]
    if body[0] == "fn" and len(body[2]) == 1 and body[2][0] == ("sym", v):
        out = outer_derivative(body, body[2][0])
        if out is not None:
            yield out
    yield from power_step(t, ctx)


# ---------------------------------------------------------------------------
# Evaluation at a point, definite integrals


def evaluate_at(t, ctx):
    if t[0] == "at":
        body, v, value = t[1], t[2], t[3]
        if body[0] == "d" and body[1] == v:
            worked = diff(body[2], v, ctx, set())
            if worked[0] == "d":
                return
            body = worked
        yield subst(body, {v: value})


def _evaluations(target, var):
    """Antiderivative candidates: the bodies of `F|_{var=…}` in the other side."""
    seen = []
    if target is None:
        return seen
    for _, n in positions(target):
        if n[0] == "at":
            body = n[1] if n[2] == var else subst(n[1], {n[2]: ("sym", var)})
            if all(canonical(body) != canonical(b) for b in seen):
                seen.append(body)
    return seen


def antiderivative(t, ctx):
    """∫_a^b f dx → F|_{x=b} − F|_{x=a} for an F (from the other side) with F' = f."""
    if t[0] != "int" or t[3] is None:
        return
    x, f, lo, hi = t[1], t[2], t[3], t[4]
    want = canonical(f)
    for F in _evaluations(ctx.target, x):
        if canonical(diff(F, x, ctx, set())) == want:
            yield sub(("at", F, x, hi), ("at", F, x, lo))


def by_parts(t, ctx):
    """∫_a^b f dx → [P]_a^b − ∫_a^b g dx with P' = f + g (P = uv, f = uv', g = u'v)."""
    if t[0] != "int" or t[3] is None or ctx.target is None:
        return
    x, f, lo, hi = t[1], t[2], t[3], t[4]
    others = [n for _, n in positions(ctx.target) if n[0] == "int" and n[3] is not None]
    for P in _evaluations(ctx.target, x):
        dP = canonical(diff(P, x, ctx, set()))
        for other in others:
            g = other[2] if other[1] == x else subst(other[2], {other[1]: ("sym", x)})
            if canonical(add(f, g)) == dP:
                yield sub(sub(("at", P, x, hi), ("at", P, x, lo)), ("int", x, g, lo, hi))


# ---------------------------------------------------------------------------
# The rules


LINEARITY_REWRITES = (
    Rewrite(split_over_sum), Rewrite(pull_constants_out), Rewrite(grad_inside),
    Rewrite(combine_operators, natural=False), Rewrite(grad_outside, natural=False),
    Rewrite(distribute_inside, core=False), Rewrite(zero_inside, core=False),
)

HELPERS = (Rewrite(trivial_derivative, core=False),)

RULES = [
    Rule("linearity",
         ("linearity", "linear", "linearity of expectation", "linearity of the sum",
          "linearity of the gradient", "linearity of differentiation", "linearity of the integral",
          "split the sum", "split the expectation", "split the integral", "sum rule",
          "derivative of each term", "differentiate term by term", "pull out the constant",
          "pull out the constants", "pull the constant out", "constant factor",
          "combine the sums", "merge the sums"),
         "Σ, E, ∫ and ∇ distribute over sums and let constant factors out (or in), and ∇ "
         "passes through Σ and E",
         "a factor moved across an operator does not depend on its variable; ∇ passes E only "
         "when the distribution does not depend on the variable",
         LINEARITY_REWRITES, depth=5),
    Rule("interchange",
         ("interchange", "swap ∇ and Σ", "swap the order",
          "differentiate under the sum", "differentiate under the expectation",
          "differentiate under the integral", "leibniz rule", "take ∇ outside",
          "take ∇ inside", "move ∇ inside", "move ∇ outside", "exchange ∇ and Σ",
          "interchange ∇ and Σ", "interchange of ∇ and Σ", "move the gradient inside",
          "swap sum and gradient", "exchange sum and derivative", "bring gradient under integral",
          "bring the gradient under the integral", "differentiate under the integral sign",
          "gradient under the integral", "bring the gradient inside"),
         "∇_v Σ_k f = Σ_k ∇_v f (also with E and ∫), in either direction",
         "the bounds (and the distribution of an E) do not depend on v",
         (Rewrite(grad_inside), Rewrite(grad_outside, natural=False),
          Rewrite(_constants_past_grad, core=False)), depth=3),
    Rule("derivative of a constant",
         ("derivative of a constant", "constant rule", "does not depend", "independent of",
          "is a constant", "are constants", "the derivative of a constant is 0"),
         "∂c/∂v = 0 when c does not depend on v (∇ may be distributed over the terms first)",
         "c does not depend on v, definitions and declared arguments considered",
         (Rewrite(zero_derivative), Rewrite(grad_over_terms, core=False),
          Rewrite(zero_inside, core=False)), depth=6, reversible=False),
    Rule("product rule",
         ("product rule", "leibniz product rule", "derivative of a product"),
         "∂(fg) = ∂f·g + f·∂g", "",
         _differentiation(product_step, "product") + HELPERS, depth=3, reversible=False),
    Rule("quotient rule",
         ("quotient rule", "derivative of a quotient"),
         "∂(f/g) = (∂f·g − f·∂g)/g²", "g ≠ 0",
         _differentiation(quotient_step, "quotient") + HELPERS, depth=3, reversible=False),
    Rule("chain rule",
         ("chain rule", "derivative of a composition", "outer times inner derivative"),
         "∂F(g) = F'(g)·∂g", "",
         _differentiation(chain_step, "chain") + HELPERS, depth=3, reversible=False),
    Rule("power rule",
         ("power rule", "derivative of a power", "d/dx x^n = n x^(n-1)"),
         "∂xⁿ/∂x = n·xⁿ⁻¹", "n does not depend on x",
         _differentiation(power_step, "power") + HELPERS, depth=5, reversible=False),
    Rule("differentiate",
         ("differentiate", "derivative", "take the derivative", "standard derivatives",
          "derivative of sin", "derivative of cos", "derivative of exp", "derivative of log",
          "d/dx sin = cos", "d log u = u'/u", "d log u = du/u", "(log u)' = u'/u",
          "derivative of the log"),
         "work out a derivative by the standard rules", "",
         (Rewrite(_derivative_rule(standard_step)),
          Rewrite(lambda t, ctx: [diff(t[2], t[1], ctx, set())] if t[0] == "d" else [],
                  compound=True)) + HELPERS,
         depth=3, reversible=False),
    Rule("evaluate at a point",
         ("evaluate at a point", "evaluate", "evaluate at", "substitute the value",
          "plug in", "set θ = θ_ref"),
         "(f)|_{v=a} = f with v replaced by a", "",
         (Rewrite(evaluate_at),), depth=3, reversible=False),
    Rule("fundamental theorem of calculus",
         ("fundamental theorem of calculus", "antiderivative", "integrate", "ftc",
          "evaluate the integral"),
         "∫_a^b f dx = F(b) − F(a) where F' = f", "F' = f on [a, b]",
         (Rewrite(antiderivative),), depth=1, reversible=False),
    Rule("integration by parts",
         ("integration by parts", "by parts", "integrate by parts"),
         "∫_a^b u v' dx = [u v]_a^b − ∫_a^b u' v dx", "",
         (Rewrite(by_parts),), depth=1, reversible=False),
]
