"""The command line: options → api → reporter → exit code, and nothing more."""

from __future__ import annotations

import os
import sys

import click

from . import __version__

# Exit statuses (REPORT.md): click's own usage errors already exit with 2.
EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_INPUT_ERROR = 2


def exit_code(report) -> int:
    """2 when an input could not be read or parsed, else 1 when a finding remains, else 0."""
    if report.input_error:
        return EXIT_INPUT_ERROR
    return EXIT_OK if report.ok else EXIT_FINDINGS


def use_color() -> bool:
    """Colour for a terminal, unless NO_COLOR asks otherwise (https://no-color.org)."""
    return _stdout_is_terminal() and not os.environ.get("NO_COLOR")


def _stdout_is_terminal() -> bool:
    return sys.stdout.isatty()


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="derivcheck")
def main() -> None:
    """Check a step-by-step derivation: each step is proved, confirmed, refuted or unknown."""


@main.command()
@click.pass_context
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json", "github", "junit"]), default="text", show_default=True,
    help="How to write the report.",
)
@click.option("--seed", type=int, default=None, help="Seed for the random test points.")
@click.option(
    "--timeout", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True,
    help="Time budget per step, in seconds.",
)
@click.option("--show-reading", is_flag=True, help="Show how each step was read, fully bracketed.")
def check(
    ctx: click.Context,
    files: tuple[str, ...],
    fmt: str,
    seed: int | None,
    timeout: float,
    show_reading: bool,
) -> None:
    """Check each FILE (`-` reads standard input) and report every step."""
    # imported here, not at the top, so `derivcheck --help` does not pay for sympy
    from . import api

    report = api.check_paths(files, seed=seed, timeout=timeout)
    if fmt == "json":
        from .report import json as json_report

        click.echo(json_report.render(report))
    elif fmt in ("github", "junit"):
        from .report import github, junit

        out = (github if fmt == "github" else junit).render(report)
        if out:
            click.echo(out)
    else:
        from .report import text

        color = use_color()
        click.echo(text.render(report, color=color, show_reading=show_reading), color=color)
    ctx.exit(exit_code(report))


@main.command()
@click.pass_context
@click.argument("files", nargs=-1, required=True, metavar="FILE...")
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True,
    help="How to write the orders.",
)
def order(ctx: click.Context, files: tuple[str, ...], fmt: str) -> None:
    """Put the shuffled steps of each derivation headed `order: unknown` in logical order.

    Prints the order as step numbers and the chain rewritten in it, with the rule that takes
    each step to the next; lists every order when several are equally good.  Exit status:
    0 when every step follows from the one before by a rule, 1 when no order achieves that,
    2 when a file cannot be read.
    """
    from . import api
    from .report import order as order_report

    results = api.order_paths(files)
    if fmt == "json":
        click.echo(order_report.render_json(results))
    else:
        click.echo(order_report.render_text(results))
    if any(d.severity == "error" for f in results for d in f.diagnostics):
        ctx.exit(EXIT_INPUT_ERROR)
    ctx.exit(EXIT_OK if all(r.complete for f in results for r in f.derivations) else EXIT_FINDINGS)


@main.command()
def rules() -> None:
    """List every rule a hint may cite: its name, what it says, its side conditions and the
    phrases it answers to (a hint may also state an identity, like `exp(log u) = u`)."""
    from .report import order as order_report
    from .rules import library

    rows = [(r.name, r.aliases, r.description, r.conditions) for r in library().rules]
    click.echo(order_report.render_rules(rows))
