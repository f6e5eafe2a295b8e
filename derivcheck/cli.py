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
@click.option(
    "--file-timeout", type=click.FloatRange(min=0, min_open=True), default=300.0, show_default=True,
    help="Time budget per file, all its steps together, in seconds.",
)
@click.option(
    "--memory-limit", type=click.IntRange(min=16), default=1024, show_default=True, metavar="MB",
    help="Memory the check of one step may use (in its worker process).",
)
@click.option("--show-reading", is_flag=True, help="Show how each step was read, fully bracketed.")
def check(
    ctx: click.Context,
    files: tuple[str, ...],
    fmt: str,
    seed: int | None,
    timeout: float,
    file_timeout: float,
    memory_limit: int,
    show_reading: bool,
) -> None:
    """Check each FILE (`-` reads standard input) and report every step."""
    # imported here, not at the top, so `derivcheck --help` does not pay for sympy
    from . import api
    from .limits import Limits

    limits = Limits(file_seconds=file_timeout, memory_mb=memory_limit)  # docs/security.md
    report = api.check_paths(files, seed=seed, timeout=timeout, limits=limits)
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
@click.argument("key", metavar="KEY")
@click.argument("submissions", nargs=-1, required=True, metavar="SUBMISSIONS...")
@click.option("-o", "--out", default="grades", show_default=True, metavar="DIR",
              help="Folder for grades.csv, junit.xml, summary.txt, feedback/ and gradescope/.")
@click.option("-j", "--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes (default: the machine's cores).")
@click.option("--time-limit", type=click.FloatRange(min=0, min_open=True), default=60.0, show_default=True,
              help="Seconds one submission may take before its worker is killed.")
@click.option("--timeout", type=click.FloatRange(min=0, min_open=True), default=5.0, show_default=True,
              help="Time budget per step, in seconds.")
@click.option("--seed", type=int, default=0, help="Seed for the random test points.")
@click.option("--resume", is_flag=True, help="Continue an interrupted run in the same --out folder.")
@click.option("--id-column", default=None, metavar="NAME", help="The id column of a CSV/JSONL export.")
@click.option("--answer-column", default=None, metavar="NAME", help="The answer column of a CSV/JSONL export.")
def grade(ctx: click.Context, key: str, submissions: tuple[str, ...], out: str, jobs: int | None,
          time_limit: float, timeout: float, seed: int, resume: bool, id_column: str | None,
          answer_column: str | None) -> None:
    """Grade SUBMISSIONS (files, folders, or one CSV/JSONL export) against the answer KEY.

    Exit status: 0 when every submission was graded, 1 when some could not be (timed out,
    crashed, unreadable, empty or unparsable: each still has its row), 2 when the key or the
    inputs cannot be used.
    """
    from .grade import batch, session
    from .grade.inputs import InputProblem
    from .grade.key import KeyProblem
    from .report import grades_summary

    bar = _ProgressBar() if sys.stderr.isatty() else None
    try:
        outcome = session.grade_class(key, list(submissions), out, jobs=jobs, time_limit=time_limit,
                                      timeout=timeout, seed=seed, resume=resume, id_column=id_column,
                                      answer_column=answer_column, progress=bar)
    except KeyProblem as e:
        for line, col, message in e.problems:
            click.echo(f"{key}:{line}:{col}: error: {message}", err=True)
        ctx.exit(EXIT_INPUT_ERROR)
    except (InputProblem, batch.JournalMismatch) as e:
        click.echo(f"error: {e}", err=True)
        ctx.exit(EXIT_INPUT_ERROR)
    except KeyboardInterrupt:
        click.echo(f"\ninterrupted: the grades so far are kept in {out}; run again with --resume", err=True)
        ctx.exit(130)
    finally:
        if bar is not None:
            bar.close()
    for severity, line, col, message in outcome.key_findings:
        click.echo(f"{key}:{line}:{col}: {severity}: {message}", err=True)
    s = outcome.stats
    click.echo(grades_summary.render(outcome.grades, title=outcome.key.title, points=outcome.key.points))
    rate = f"{s.graded / s.seconds:.1f}/s" if s.seconds > 0 else "—"
    click.echo(f"\ngraded {s.graded} in {s.seconds:.1f} s ({rate}), step cache hit rate {s.hit_rate:.0%}"
               + (f"; {s.copies} identical answers graded once" if s.copies else "")
               + (f"; {s.reused} read back from the journal" if s.reused else "")
               + (f"; {s.timeouts} timed out" if s.timeouts else "")
               + (f"; {s.crashes} worker{'s' if s.crashes != 1 else ''} died and were replaced" if s.crashes else ""))
    click.echo("written: " + ", ".join(outcome.written))
    ctx.exit(EXIT_OK if all(g.status == "graded" for g in outcome.grades) else EXIT_FINDINGS)


class _ProgressBar:
    """`[#####.....] 120/400  57/s` on standard error, redrawn in place (a terminal only)."""

    WIDTH = 30

    def __init__(self) -> None:
        import time

        self.clock = time.monotonic
        self.started = self.clock()
        self.shown = False

    def __call__(self, done: int, total: int) -> None:
        filled = self.WIDTH * done // total if total else self.WIDTH
        elapsed = self.clock() - self.started
        rate = f"  {done / elapsed:.0f}/s" if elapsed > 1 and done else ""
        sys.stderr.write(f"\r[{'#' * filled}{'.' * (self.WIDTH - filled)}] {done}/{total}{rate}   ")
        sys.stderr.flush()
        self.shown = True

    def close(self) -> None:
        if self.shown:
            sys.stderr.write("\n")
            sys.stderr.flush()


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
