"""`envmgr verify --all`: every created environment of the workspace, one report each (a list
with --json), the specs not created named and skipped; the worst exit code wins."""
from __future__ import annotations

import json

from clihelp import envmgr, one_line_error


def test_verify_all_reports_each_created_env_and_names_the_others(cpu, write_spec):
    write_spec(cpu, "later", "stack: torch 1.13 cpu\npackages: [typing_extensions]\n")
    assert envmgr("create", "cpu").exit_code == 0
    result = envmgr("verify", "--all", "--json")
    assert result.exit_code == 0, result.output
    [report] = json.loads(result.stdout)
    assert report["name"] == "cpu" and report["ok"] and report["torch_version"].startswith("1.13")
    assert "not created, skipped: later" in result.stderr
    text = envmgr("verify", "--all")
    assert text.exit_code == 0 and "cpu:" in text.stdout and "torch   1.13" in text.stdout


def test_several_names_give_a_list_and_the_worst_exit_code(cpu, write_spec):
    write_spec(cpu, "later", "stack: torch 1.13 cpu\npackages: [typing_extensions]\n")
    assert envmgr("create", "cpu").exit_code == 0
    result = envmgr("verify", "cpu", "later", "--json")
    assert result.exit_code == 1
    ok, missing = json.loads(result.stdout)
    assert ok["ok"] and not missing["ok"] and missing["problems"][0]["code"] == "no-env"


def test_verify_needs_names_or_all(cpu):
    assert "name an environment, or pass --all" in one_line_error(envmgr("verify"), code=2)
    assert "no environment of this workspace is created yet" in one_line_error(
        envmgr("verify", "--all"), code=2)
    assert "not both" in one_line_error(envmgr("verify", "cpu", "--all"), code=2)
