"""CLI helpers shared by the robustness tests (pytest puts tests/ on sys.path)."""
from __future__ import annotations

from click.testing import CliRunner

from envmgr.cli import cli

CPU = "stack: torch 1.13 cpu\n"


def envmgr(*args: str):
    """The CLI in-process; an exception other than EnvmgrError (a traceback) fails the test."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def one_line_error(result, code: int = 1) -> str:
    """The error line of a failed command (exactly one line on stderr, no traceback)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and result.stderr.strip().endswith(lines[0]), result.stderr
    return lines[0]
