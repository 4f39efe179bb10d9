"""Which files in envs/ are specs, and a spec file whose name is not a valid environment name:
one row naming the file (and the rename), names quoted in suggested commands."""
from __future__ import annotations

import json

import pytest

from clihelp import CPU, envmgr


# -- only files in envs/ are specs ----------------------------------------------------------------
def test_a_folder_named_like_a_spec_is_not_a_spec(cpu):
    (cpu.envs_dir / "dir.yaml").mkdir()
    assert cpu.spec_names() == ["cpu"]
    listed = envmgr("list", "--json", "--no-size")
    assert listed.exit_code == 0 and '"name": "dir"' not in listed.stdout


# -- a spec file whose name is not a valid environment name ---------------------------------------
@pytest.mark.parametrize("file_name", ["a b.yaml", "ünï.yaml"])
def test_an_invalid_spec_file_name_is_one_row_naming_the_file(cpu, file_name):
    (cpu.envs_dir / file_name).write_text(CPU, encoding="utf-8")
    listed = envmgr("list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in json.loads(listed.stdout)["environments"]}
    bad = rows[file_name[:-5]]
    assert rows["cpu"]["ok"] and not bad["ok"]
    problem = bad["problems"][0]
    assert problem["file"] == str(cpu.envs_dir / file_name) and "rename" in problem["fix"]
    human = envmgr("list")
    assert human.exit_code == 0 and "cpu" in human.stdout and file_name in human.stderr

    created = envmgr("create", "--all")
    assert created.exit_code == 2 and "created cpu at" in created.stdout
    assert f"envs/{file_name}" in created.stderr and "rename" in created.stderr


def test_lock_check_quotes_the_names_it_suggests(cpu):
    (cpu.envs_dir / "a b.yaml").write_text(CPU)
    checked = envmgr("lock", "--check")
    assert checked.exit_code != 0 and "Traceback" not in checked.output
    assert "envmgr lock 'a b' cpu" in checked.stderr
