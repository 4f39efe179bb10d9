"""envmgr list / remove on real environments built from the test channels: states, sizes, envs of
another workspace, unknown names, paths shown relative, remove --spec all or nothing."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.envs.environments import Environment
from clihelp import listed, one_line_error

PAPER = "stack: torch 1.10.1 + cu102 + py3.7\n"
CPU = "stack: torch 1.13 cpu\n"


def envmgr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_list_follows_lock_and_env_states(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    row = listed()["paper"]
    assert (row["torch"], row["cuda"], row["python"]) == ("1.10.1", "10.2", "3.7")
    assert (row["lock"], row["env"], row["size"]) == ("missing", "missing", None)

    assert envmgr("create", "paper").exit_code == 0
    row = listed()["paper"]
    assert (row["lock"], row["env"]) == ("fresh", "created")
    assert row["prefix"] == str(Environment.named("paper", tmp_workspace).prefix)
    assert row["size"] > 3 * 1024 * 1024 and 0 < row["private"] < row["size"]

    # Someone installs a package by hand: the env no longer matches its lockfile.
    meta = Environment.named("paper", tmp_workspace).prefix / "conda-meta"
    (meta / "handmade-1.0-0.json").write_text("{}")
    assert listed()["paper"]["env"] == "out-of-sync"
    (meta / "handmade-1.0-0.json").unlink()

    write_spec(tmp_workspace, "paper", "stack: torch 1.10.1 + cu102 + py3.8\n")
    row = listed()["paper"]
    assert row["lock"] == "stale" and row["reason"] and row["python"] == "3.8"


def test_list_counts_shared_files_once_in_the_total(tmp_workspace, write_spec):
    for name in ("a", "b"):
        write_spec(tmp_workspace, name, PAPER)
    assert envmgr("create", "a", "b").exit_code == 0
    data = json.loads(envmgr("list", "--json").stdout)
    sizes = [row["size"] for row in data["environments"]]
    assert data["total_size"] < 0.6 * sum(sizes)          # b is mostly hardlinks to a's files


def test_list_table_and_an_invalid_spec(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    write_spec(tmp_workspace, "broken", "stack: torch 0.1 + cu999\n")
    result = envmgr("list")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0].split()[:6] == ["name", "torch", "cuda", "python", "lock", "env"]
    assert any(line.split()[:4] == ["paper", "1.10.1", "10.2", "3.7"] for line in lines)
    assert "broken:" in result.stderr


def test_list_imports_neither_rattler_nor_conda_lock(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    assert envmgr("create", "paper").exit_code == 0
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "envmgr", "list", "--json"],
                          capture_output=True, text=True, env=dict(os.environ), timeout=60)
    assert done.returncode == 0, done.stderr
    imported = {line.split("|")[-1].strip() for line in done.stderr.splitlines()}
    assert "rattler" not in imported and "conda_lock" not in imported
    assert json.loads(done.stdout)["environments"][0]["env"] == "created"


def test_remove_keeps_spec_and_lockfile_unless_asked(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    assert envmgr("create", "paper").exit_code == 0
    env = Environment.named("paper", tmp_workspace)
    result = envmgr("remove", "paper", "--yes", "--json")
    assert result.exit_code == 0 and json.loads(result.stdout)["env_removed"] is True
    assert not env.exists()
    assert tmp_workspace.spec_path("paper").is_file() and tmp_workspace.lockfile("paper").is_file()
    assert listed()["paper"]["env"] == "missing"

    assert envmgr("create", "paper").exit_code == 0
    assert envmgr("remove", "paper", "--yes", "--spec").exit_code == 0
    assert not env.exists() and not tmp_workspace.spec_path("paper").exists()
    assert not tmp_workspace.lockfile("paper").exists()
    assert not tmp_workspace.environment_file("paper").exists()


def test_remove_of_nothing_is_a_clear_error(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    result = envmgr("remove", "paper", "--yes")
    assert result.exit_code == 1 and result.stderr.startswith("error: ")
    assert "no environment 'paper'" in result.stderr


# -- one envs dir, two workspaces (the default envs dir is shared by every project) -------------
def _other_workspace(tmp_path, monkeypatch, write_spec, text: str):
    """A second workspace ``b`` with envs/paper.yaml = ``text``, the current one while in use."""
    from envmgr.specs.workspace import Workspace

    root = tmp_path / "b"
    (root / "envs").mkdir(parents=True)
    other = Workspace(root=root)
    write_spec(other, "paper", text)
    return other


def use(monkeypatch, workspace) -> None:
    monkeypatch.setenv("ENVMGR_WORKSPACE", str(workspace.root))
    monkeypatch.chdir(workspace.root)


def test_an_env_of_another_workspace_is_never_silently_replaced(tmp_workspace, write_spec,
                                                                 tmp_path, monkeypatch):
    here = tmp_workspace
    write_spec(here, "paper", CPU)
    other = _other_workspace(tmp_path, monkeypatch, write_spec, PAPER)
    use(monkeypatch, other)
    assert envmgr("create", "paper").exit_code == 0
    env = Environment.named("paper", other)
    theirs = env.marker()
    assert theirs["workspace"] == str(other.root) and theirs["spec"] == str(other.spec_path("paper"))

    use(monkeypatch, here)
    result = envmgr("create", "paper")
    assert result.exit_code == 1 and result.stderr.count("\n") == 1
    assert str(other.root) in result.stderr and str(here.root) in result.stderr
    assert "ENVMGR_ENVS_DIR" in result.stderr and "create paper --take-over" in result.stderr
    assert env.marker() == theirs                                 # untouched
    row = listed()["paper"]
    assert row["env"] == "other-workspace" and row["owner"] == str(other.root)
    assert "other-workspace" in envmgr("list").stdout
    result = envmgr("remove", "paper", "--yes")
    assert result.exit_code == 1 and str(other.root) in result.stderr and env.marker() == theirs
    assert "remove paper --force" in result.stderr
    result = envmgr("verify", "paper")
    assert result.exit_code == 1 and str(other.root) in result.stderr

    # --force takes it over: it now belongs here, and the other workspace sees that
    assert envmgr("create", "paper", "--force").exit_code == 0
    assert env.marker()["workspace"] == str(here.root) and listed()["paper"]["env"] == "created"
    use(monkeypatch, other)
    assert listed()["paper"]["env"] == "other-workspace"
    assert envmgr("remove", "paper", "--force", "--yes").exit_code == 0 and not env.exists()


def test_an_old_marker_without_a_workspace_counts_as_this_workspace(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", CPU)
    assert envmgr("create", "paper").exit_code == 0
    env = Environment.named("paper", tmp_workspace)
    marker = env.marker()
    del marker["workspace"]
    env.marker_path.write_text(json.dumps(marker))
    assert listed()["paper"]["env"] == "created"
    assert envmgr("create", "paper", "--force").exit_code == 0
    assert env.marker()["workspace"] == str(tmp_workspace.root)   # rebuilt: now recorded
    assert envmgr("remove", "paper", "--yes").exit_code == 0


# -- names that name nothing --------------------------------------------------------------------
def test_verify_and_remove_of_an_unknown_name_are_usage_errors(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    for command in ("verify", "remove"):
        result = envmgr(command, "nosuch", *(["--yes"] if command == "remove" else []))
        assert result.exit_code == 2, (command, result.output)
        assert result.stderr.startswith("error: ") and result.stderr.count("\n") == 1
        assert "nosuch" in result.stderr and "paper" in result.stderr     # what does exist
        assert "envmgr list" in result.stderr and "envmgr create nosuch" not in result.stderr
    # a known spec whose environment is not created yet is a state, not a typo
    result = envmgr("verify", "paper")
    assert result.exit_code == 1 and "envmgr create paper" in result.stderr


def test_human_output_shows_paths_relative_to_the_current_folder(tmp_workspace, write_spec,
                                                                  monkeypatch, tmp_path):
    # envs inside the workspace folder (an envs_dir: envs-here in envmgr.yaml, say)
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(tmp_workspace.root / "envs-here"))
    write_spec(tmp_workspace, "cpu", CPU)
    result = envmgr("create", "cpu")
    assert result.stdout.startswith("created cpu at envs-here/cpu (")
    assert "installing 10 conda packages into envs-here/cpu" in result.stderr
    table = envmgr("list").stdout
    assert " envs-here/cpu " in table and "envs dir: envs-here" in table
    assert str(tmp_workspace.root) not in table
    assert json.loads(envmgr("list", "--json").stdout)["environments"][0]["prefix"] == \
        str(tmp_workspace.root / "envs-here" / "cpu")            # JSON keeps absolute paths
    assert envmgr("remove", "cpu", "--yes").stdout == "removed cpu (envs-here/cpu)\n"


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` refusing new and deleted entries, even to root (who ignores the mode bits):
    ``chattr +i`` when running as root, ``chmod a-w`` otherwise."""
    as_root = os.geteuid() == 0
    if as_root:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    else:
        os.chmod(folder, 0o555)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            os.chmod(folder, 0o755)


# -- remove --spec checks every delete before the first one ---------------------------------------
def test_remove_spec_deletes_nothing_when_a_file_cannot_be_deleted(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    env = Environment.named("cpu", cpu)
    kept = [env.prefix, cpu.spec_path("cpu"), cpu.lockfile("cpu"), cpu.environment_file("cpu")]
    with read_only(cpu.lockfiles_dir):
        line = one_line_error(envmgr("remove", "cpu", "--spec", "--yes"))
        assert "lockfiles" in line and "nothing was removed" in line
        assert all(path.exists() for path in kept)
        result = envmgr("remove", "cpu", "--spec", "--yes", "--json")
        assert result.exit_code == 1 and json.loads(result.stdout)["ok"] is False
    assert all(path.exists() for path in kept)
    assert envmgr("remove", "cpu", "--spec", "--yes").exit_code == 0
    assert not any(path.exists() for path in kept)
