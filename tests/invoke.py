"""Run the CLI in-process through Typer's CliRunner (as tests/test_cli.py does), from any test.

The caller sets the working directory (``monkeypatch.chdir``): config files are discovered
from it, so tests run from their own temporary directories.
"""

from __future__ import annotations

from collections.abc import Mapping

from typer.testing import CliRunner

from svcaudit.cli import app
from tests.test_cli import ENV, Run


def invoke(*args: str, env: Mapping[str, str | None] | None = None) -> Run:
    """``svcaudit ARGS`` in this process; an unexpected exception is re-raised."""
    result = CliRunner().invoke(app, list(args), env={**ENV, **(env or {})})
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Run(result.exit_code, result.stdout, result.stderr)


def error_lines(run: Run) -> list[str]:
    """The ``error:`` lines on stderr."""
    return [line for line in run.stderr.splitlines() if line.startswith("error:")]


def assert_one_error(run: Run, *needles: str) -> str:
    """Exit 2, nothing on stdout, no traceback, exactly one ``error:`` line mentioning needles."""
    assert run.code == 2, (run.code, run.stdout, run.stderr)
    assert "Traceback" not in run.stdout + run.stderr
    assert run.stdout == "", run.stdout
    errors = error_lines(run)
    assert len(errors) == 1, run.stderr
    for needle in needles:
        assert needle in errors[0], (needle, errors[0])
    return errors[0]
