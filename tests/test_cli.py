"""The command line: options reach the api, the report reaches stdout, the exit status is right.

`derivcheck.api` is replaced by a stub returning hand-built Reports, so these tests exercise
only the CLI's own wiring.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import types
from pathlib import Path

import pytest
from click.testing import CliRunner

import derivcheck
from derivcheck import cli
from derivcheck.ast import Sym
from derivcheck.diagnostics import Diagnostic
from derivcheck.model import (
    Counterexample,
    Derivation,
    DerivationResult,
    FileReport,
    Report,
    Step,
    StepResult,
    Verdict,
)

ROOT = Path(__file__).resolve().parents[1]


def _step(index, relation, written):
    return Step(index, relation, written, Sym("x"), index + 1, 1)


def _derivation(verdict):
    witness = Counterexample((("x", "1"),), (), "2", "3") if verdict is Verdict.REFUTED else None
    return DerivationResult(
        Derivation("t", 1, (), ()),
        (
            StepResult(_step(1, None, "x + x"), Verdict.START),
            StepResult(_step(2, "=", "3x"), verdict, counterexample=witness),
        ),
    )


OK = Report((FileReport("ok.deriv", (_derivation(Verdict.PROVED),)),))
REFUTED = Report((FileReport("bad.deriv", (_derivation(Verdict.REFUTED),)),))
UNKNOWN = Report((FileReport("slow.deriv", (_derivation(Verdict.UNKNOWN),)),))
PARSE_ERROR = Report(
    (
        FileReport("ok.deriv", (_derivation(Verdict.PROVED),)),
        FileReport(
            "broken.deriv",
            diagnostics=(Diagnostic("parse-error", "unexpected `)`", 2, 5, source_line="= x )"),),
        ),
    )
)
WARNING_ONLY = Report(
    (
        FileReport(
            "ok.deriv",
            (_derivation(Verdict.PROVED),),
            diagnostics=(Diagnostic("reading", "`2x` read as 2·x", 2, 3, severity="note"),),
        ),
    )
)


@pytest.fixture
def api(monkeypatch):
    """A stand-in `derivcheck.api` whose check_paths returns `api.report` and records its calls."""
    stub = types.ModuleType("derivcheck.api")
    stub.report = OK
    stub.calls = []

    def check_paths(paths, *, seed=None, timeout=5.0, limits=None):
        stub.calls.append((tuple(paths), seed, timeout))
        stub.limits = limits
        return stub.report

    stub.check_paths = check_paths
    monkeypatch.setitem(sys.modules, "derivcheck.api", stub)
    monkeypatch.setattr(derivcheck, "api", stub, raising=False)
    return stub


def run(args, env=None):
    return CliRunner().invoke(cli.main, args, env=env or {"NO_COLOR": None})


@pytest.mark.parametrize(
    "report, status",
    [
        pytest.param(OK, 0, id="all-hold"),
        pytest.param(WARNING_ONLY, 0, id="a-note-is-not-a-finding"),
        pytest.param(REFUTED, 1, id="refuted"),
        pytest.param(UNKNOWN, 1, id="unknown"),
        pytest.param(PARSE_ERROR, 2, id="parse-error"),
    ],
)
@pytest.mark.parametrize("fmt", ["text", "json"])
def test_exit_status(api, report, status, fmt):
    api.report = report
    result = run(["check", "--format", fmt, "a.deriv"])
    assert result.exit_code == status, result.output
    assert cli.exit_code(report) == status


def test_options_reach_the_api(api):
    result = run(["check", "a.deriv", "-", "b.tex", "--seed", "7", "--timeout", "0.5"])
    assert result.exit_code == 0
    assert api.calls == [(("a.deriv", "-", "b.tex"), 7, 0.5)]


def test_defaults(api):
    run(["check", "a.deriv"])
    assert api.calls == [(("a.deriv",), None, 5.0)]


def test_text_report_on_stdout(api):
    api.report = REFUTED
    result = run(["check", "bad.deriv"])
    assert "bad.deriv — t" in result.stdout
    assert "   2  ✗ = 3x     refuted" in result.stdout
    assert "counterexample: x = 1" in result.stdout


def test_json_report_parses(api):
    api.report = PARSE_ERROR
    result = run(["check", "--format", "json", "ok.deriv", "broken.deriv"])
    doc = json.loads(result.stdout)
    assert doc["version"] == 1
    # the file that failed to parse is reported alongside the one that was checked
    assert [f["path"] for f in doc["files"]] == ["ok.deriv", "broken.deriv"]
    assert doc["files"][0]["derivations"][0]["ok"] is True
    assert doc["files"][1]["diagnostics"][0]["code"] == "parse-error"


def test_parse_error_text_keeps_the_other_files(api):
    api.report = PARSE_ERROR
    result = run(["check", "ok.deriv", "broken.deriv"])
    assert result.exit_code == 2
    assert "ok.deriv — t" in result.stdout
    assert "broken.deriv:2:5: error: unexpected `)` [parse-error]" in result.stdout


def test_show_reading(api, monkeypatch):
    def to_plain(node, bracketed=False):
        return f"[{node.name}]{bracketed}"

    printer = types.SimpleNamespace(to_plain=to_plain)
    monkeypatch.setitem(sys.modules, "derivcheck.printer", printer)
    result = run(["check", "--show-reading", "a.deriv"])
    assert "reading: [x]True" in result.stdout


@pytest.mark.parametrize(
    "args",
    [
        pytest.param(["check"], id="no-files"),
        pytest.param(["check", "--format", "xml", "a.deriv"], id="bad-format"),
        pytest.param(["check", "--seed", "abc", "a.deriv"], id="bad-seed"),
        pytest.param(["check", "--timeout", "0", "a.deriv"], id="zero-timeout"),
        pytest.param(["check", "--frobnicate", "a.deriv"], id="unknown-option"),
        pytest.param(["verify", "a.deriv"], id="unknown-command"),
    ],
)
def test_usage_errors_exit_2_without_checking(api, args):
    result = run(args)
    assert result.exit_code == 2
    assert api.calls == []


@pytest.mark.parametrize(
    "terminal, env, coloured",
    [
        pytest.param(True, {"NO_COLOR": None}, True, id="terminal"),
        pytest.param(True, {"NO_COLOR": "1"}, False, id="terminal-with-NO_COLOR"),
        pytest.param(True, {"NO_COLOR": ""}, True, id="empty-NO_COLOR-is-unset"),
        pytest.param(False, {"NO_COLOR": None}, False, id="pipe"),
    ],
)
def test_colour(api, monkeypatch, terminal, env, coloured):
    api.report = REFUTED
    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: terminal)
    result = run(["check", "bad.deriv"], env=env)
    assert ("\x1b[" in result.stdout) is coloured
    assert "✗" in result.stdout


def test_json_is_never_coloured(api, monkeypatch):
    api.report = REFUTED
    monkeypatch.setattr(cli, "_stdout_is_terminal", lambda: True)
    result = run(["check", "--format", "json", "bad.deriv"])
    assert "\x1b[" not in result.stdout
    json.loads(result.stdout)


def test_version():
    result = run(["--version"])
    assert result.exit_code == 0
    assert derivcheck.__version__ in result.stdout


def _python(*args):
    # the checkout comes first on the path, whether or not derivcheck is installed
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {**os.environ, "PYTHONPATH": path}
    return subprocess.run(
        [sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_python_dash_m():
    proc = _python("-m", "derivcheck", "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.startswith("derivcheck") and derivcheck.__version__ in proc.stdout


def test_help_does_not_load_sympy():
    code = (
        "import sys\n"
        "from derivcheck.cli import main\n"
        "from derivcheck.report import text, json\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "try:\n"
        "    main(['check', '--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'sympy' not in sys.modules, 'sympy was imported'\n"
    )
    proc = _python("-c", code)
    assert proc.returncode == 0, proc.stderr
