"""CLI helpers shared by the robustness tests (pytest puts tests/ on sys.path)."""
from __future__ import annotations

from click.testing import CliRunner

from envmgr.cli import cli

CPU = "stack: torch 1.13 cpu\n"


def envmgr(*args: str):
    """The CLI in-process; an exception other than EnvmgrError (a traceback) fails the test."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def reseal(lockfile) -> None:
    """Seal an edited lockfile again, as if envmgr had written it so (a lock made against a mirror
    that is down now, say): its seal then matches and only the edit itself is judged."""
    from envmgr.engine.lockseal import SEAL_KEY, seal_for

    text = lockfile.read_text()
    old = next(line for line in text.splitlines() if line.strip().startswith(SEAL_KEY + ":"))
    lockfile.write_text(text.replace(old, f"    {SEAL_KEY}: {seal_for(text)}"))


def one_line_error(result, code: int = 1) -> str:
    """The error line of a failed command (exactly one line on stderr, no traceback)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and result.stderr.strip().endswith(lines[0]), result.stderr
    return lines[0]
