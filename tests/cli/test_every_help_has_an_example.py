"""Every command's --help ends with runnable examples of itself (what people copy first), and
`envmgr --help` lists every command."""
from __future__ import annotations

import re

import pytest

from clihelp import envmgr
from envmgr.cli import COMMAND_MODULES


@pytest.mark.parametrize("command", sorted(COMMAND_MODULES))
def test_help_has_an_example_of_the_command(command):
    result = envmgr(command, "--help")
    assert result.exit_code == 0, result.output
    assert re.search(r"^\s*Examples?:\s*$", result.stdout, re.M), result.stdout
    block = result.stdout.split("Example", 1)[1].split("\n\n", 1)[0]   # up to the blank line
    runs = [line.strip() for line in block.splitlines()[1:] if line.strip()]
    assert runs and all(re.search(rf"(^|\s)envmgr {re.escape(command)}(\s|$)", line)
                        for line in runs), runs


def test_top_level_help_lists_every_command():
    text = envmgr("--help").stdout
    for command in COMMAND_MODULES:
        assert re.search(rf"^\s+{re.escape(command)}\s", text, re.M), command
