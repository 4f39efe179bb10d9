"""create over several names: every name reported, the worst exit code, --all and names refused
together, unknown names and no name at all answered with what exists."""
from __future__ import annotations

import json

from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.envs.environments import Environment
from clihelp import listed, one_line_error


PAPER = "stack: torch 1.10.1 + cu102 + py3.7\n"


CPU = "stack: torch 1.13 cpu\n"


def envmgr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_create_all_and_unknown_names(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    write_spec(tmp_workspace, "laptop", CPU)
    result = envmgr("create", "--all", "--json")
    assert result.exit_code == 0, result.stderr
    assert sorted(r["name"] for r in json.loads(result.stdout)) == ["laptop", "paper"]
    assert {row["env"] for row in listed().values()} == {"created"}
    result = envmgr("create", "nope")
    assert result.exit_code != 0 and "no spec named 'nope'" in result.stderr
    assert "Traceback" not in result.output


def test_create_without_a_name_suggests_one_from_this_workspace(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", CPU)
    result = envmgr("create")
    assert result.exit_code == 2 and "envmgr create laptop" in result.stderr
    assert "--all" in result.stderr and "paper-2021" not in result.stderr
    for path in tmp_workspace.envs_dir.iterdir():
        path.unlink()
    result = envmgr("create")
    assert result.exit_code == 2 and "envmgr new" in result.stderr


# -- create goes on past one spec's failure, like lock ---------------------------------------------
BAD = "stack: torch 0.1 + cu999\n"


def test_create_reports_every_name_and_exits_with_the_worst_code(cpu, write_spec):
    write_spec(cpu, "bad", BAD)
    result = envmgr("create", "bad", "cpu", "--json")
    assert result.exit_code == 1
    objects = {o["name"]: o for o in json.loads(result.stdout)}
    assert objects["cpu"]["ok"] and objects["cpu"]["action"] == "created"
    assert not objects["bad"]["ok"] and objects["bad"]["problems"][0]["code"] == "unknown-torch"
    assert Environment.named("cpu", cpu).is_managed()

    envmgr("remove", "cpu", "--yes")
    human = envmgr("create", "nosuch", "bad", "cpu")      # no spec at all: a usage error, exit 2
    assert human.exit_code == 2 and "Traceback" not in human.output
    assert "created cpu at" in human.stdout
    assert "error: bad: " in human.stderr and "error: nosuch: " in human.stderr


# -- create refuses names with --all, as lock does ------------------------------------------------
def test_create_refuses_names_with_all(cpu):
    line = one_line_error(envmgr("create", "--all", "cpu"), code=2)
    assert "--all" in line
    assert not Environment.named("cpu", cpu).exists()
