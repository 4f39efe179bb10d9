"""envmgr list --all-workspaces: every env envmgr made in the shared envs dir, whichever workspace
made it, read from each env's marker; real environments built from the test channels."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.envs.environments import Environment
from envmgr.specs.workspace import Workspace
from clihelp import REPO

PAPER = "stack: torch 1.10.1 + cu102 + py3.7\n"
CPU = "stack: torch 1.13 cpu\n"


def envmgr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def inventory(*extra: str) -> dict:
    result = envmgr("list", "--all-workspaces", "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return json.loads(result.stdout)


def rows(*extra: str) -> dict[str, dict]:
    return {row["name"]: row for row in inventory(*extra)["environments"]}


def use(monkeypatch, root: Path) -> None:
    monkeypatch.setenv("ENVMGR_WORKSPACE", str(root))
    monkeypatch.chdir(root)


def second_workspace(tmp_path: Path, write_spec, name: str, text: str) -> Workspace:
    root = tmp_path / "projects" / "b"
    (root / "envs").mkdir(parents=True)
    other = Workspace(root=root)
    write_spec(other, name, text)
    return other


def two_workspaces(tmp_workspace, write_spec, tmp_path, monkeypatch) -> Workspace:
    """``paper`` created from the fixture's workspace, ``laptop`` from a second one, both in the
    one envs dir (ENVMGR_ENVS_DIR); the fixture's workspace is current afterwards."""
    write_spec(tmp_workspace, "paper", PAPER)
    assert envmgr("create", "paper").exit_code == 0
    other = second_workspace(tmp_path, write_spec, "laptop", CPU)
    use(monkeypatch, other.root)
    assert envmgr("create", "laptop").exit_code == 0
    use(monkeypatch, tmp_workspace.root)
    return other


def test_lists_the_envs_of_every_workspace_sharing_the_envs_dir(tmp_workspace, write_spec,
                                                                tmp_path, monkeypatch):
    other = two_workspaces(tmp_workspace, write_spec, tmp_path, monkeypatch)
    # plain list stays one row per spec of this workspace
    assert [r["name"] for r in json.loads(envmgr("list", "--json").stdout)["environments"]] == ["paper"]

    data = inventory()
    found = {row["name"]: row for row in data["environments"]}
    assert sorted(found) == ["laptop", "paper"] and data["skipped"] == []
    paper, laptop = found["paper"], found["laptop"]
    assert paper["workspace"] == str(tmp_workspace.root) and laptop["workspace"] == str(other.root)
    assert laptop["spec"] == str(other.spec_path("laptop"))
    assert laptop["lockfile"] == str(other.lockfile("laptop"))
    assert (paper["torch"], paper["cuda"], paper["python"]) == ("1.10.1", "10.2", "3.7.16")
    assert (laptop["torch"], laptop["cuda"]) == ("1.13.1", "cpu") and laptop["python"]
    assert {row["env"] for row in found.values()} == {"created"}
    assert all(row["ok"] and row["problems"] == [] for row in found.values())
    assert paper["prefix"] == str(Environment.named("paper", tmp_workspace).prefix)
    assert paper["size"] > 3 * 1024 * 1024 and 0 < paper["private"] < paper["size"]
    assert data["total_size"] < paper["size"] + laptop["size"]      # shared files counted once

    # the same answer from a folder that is no workspace at all, with the same envs dir
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    use(monkeypatch, elsewhere)
    assert rows("--no-size").keys() == found.keys()

    # the table names each workspace as its owner knows it: under ~ when it is there
    monkeypatch.setenv("HOME", str(tmp_path))
    result = envmgr("list", "--all-workspaces")
    assert result.exit_code == 0 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0].split() == ["name", "workspace", "torch", "cuda", "python", "env", "prefix", "size"]
    assert any(line.split()[:6] == ["laptop", "~/projects/b", "1.13.1", "cpu", laptop["python"],
                                    "created"] for line in lines)
    assert any(line.split()[:2] == ["paper", "~/ws"] for line in lines)
    assert "all envs together" in result.stdout


def test_an_env_whose_spec_or_workspace_is_gone_is_orphaned(tmp_workspace, write_spec, tmp_path,
                                                             monkeypatch):
    other = two_workspaces(tmp_workspace, write_spec, tmp_path, monkeypatch)
    # someone installs a package by hand into paper: out of sync with its own workspace's lockfile
    meta = Environment.named("paper", tmp_workspace).prefix / "conda-meta"
    (meta / "handmade-1.0-0.json").write_text("{}")
    assert rows()["paper"]["env"] == "out-of-sync"
    (meta / "handmade-1.0-0.json").unlink()

    other.spec_path("laptop").unlink()
    laptop = rows()["laptop"]
    assert laptop["env"] == "orphaned" and laptop["ok"] is True     # a warning, not a failure
    assert [p["code"] for p in laptop["problems"]] == ["orphaned"]
    assert laptop["problems"][0]["severity"] == "warning"
    assert str(other.spec_path("laptop")) in laptop["problems"][0]["message"]
    assert rows()["paper"]["env"] == "created"                       # judged by its own workspace

    shutil.rmtree(other.root)
    laptop = rows()["laptop"]
    assert laptop["env"] == "orphaned" and "no longer exists" in laptop["problems"][0]["message"]
    assert "remove laptop --force" in laptop["problems"][0]["fix"]
    result = envmgr("list", "--all-workspaces")
    assert result.exit_code == 0 and "orphaned" in result.stdout
    assert result.stderr.startswith("laptop: its workspace") and result.stderr.count("\n") == 1
    # and the fix it gives works from this workspace
    assert envmgr("remove", "laptop", "--force", "--yes").exit_code == 0
    assert sorted(rows()) == ["paper"]


def test_folders_without_envmgrs_marker_are_counted_not_listed(tmp_workspace, write_spec,
                                                               monkeypatch):
    write_spec(tmp_workspace, "laptop", CPU)
    assert envmgr("create", "laptop").exit_code == 0
    envs_dir = Path(os.environ["ENVMGR_ENVS_DIR"])
    conda_own = envs_dir / "conda-own" / "conda-meta"       # conda's env: no envmgr marker
    conda_own.mkdir(parents=True)
    (conda_own / "python-3.11.0-h0_0.json").write_text("{}")
    copied = envs_dir / "copy"                               # a copy: its marker names laptop
    shutil.copytree(envs_dir / "laptop" / "conda-meta", copied / "conda-meta")
    (envs_dir / ".laptop.envmgr-tmp-x").mkdir()              # a leftover sibling: not a candidate
    (envs_dir / "notes.txt").write_text("mine")

    data = inventory()
    assert [row["name"] for row in data["environments"]] == ["laptop"]
    assert sorted(data["skipped"]) == [str(envs_dir / "conda-own"), str(envs_dir / "copy")]
    result = envmgr("list", "--all-workspaces", "--no-size")
    assert result.exit_code == 0 and "conda-own" not in result.stdout
    assert "2 folders there without envmgr's marker are not envmgr's" in result.stdout
    assert "all envs together" not in result.stdout
    row = rows("--no-size")["laptop"]
    assert row["size"] is None and "total_size" not in inventory("--no-size")


def test_an_empty_envs_dir_says_so(tmp_workspace):
    result = envmgr("list", "--all-workspaces")
    assert result.exit_code == 0 and "no environments made by envmgr in" in result.stdout
    assert inventory()["environments"] == []


def test_list_all_workspaces_imports_neither_rattler_nor_conda_lock(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", CPU)
    assert envmgr("create", "laptop").exit_code == 0
    env = dict(os.environ, PYTHONPATH=str(REPO))
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "envmgr", "list",
                           "--all-workspaces", "--json"],
                          capture_output=True, text=True, env=env, timeout=60)
    assert done.returncode == 0, done.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in done.stderr.splitlines()
                if line.startswith("import time:")}
    assert "envmgr" in imported           # the measurement saw the command's own imports
    assert "rattler" not in imported and "conda_lock" not in imported
    assert json.loads(done.stdout)["environments"][0]["env"] == "created"


def test_a_pip_installed_torch_and_an_unrecorded_cuda_are_read_from_the_prefix(tmp_path):
    from envmgr.envs.inventory import stack_of
    from envmgr.envs.marker import write_marker

    prefix = tmp_path / "envs" / "new"
    (prefix / "lib" / "python3.12" / "site-packages" / "torch-2.6.0+cu124.dist-info").mkdir(parents=True)
    (prefix / "conda-meta").mkdir()
    write_marker(prefix, "new", prefix, {"cuda": None}, ["python-3.12.8-h0_0", "pip-24.0-pyh_0"])
    env = Environment(name="new", prefix=prefix, pkgs_dir=tmp_path / "pkgs")
    assert stack_of(env, env.marker()) == ("2.6.0", "3.12.8", "12.4")
    # a conda pytorch whose marker records no CUDA: its build string names it
    old = {"packages": ["pytorch-1.10.1-py3.7_cuda10.2_cudnn7.6.5_0", "python-3.7.16-h0_0"]}
    assert stack_of(env, old) == ("1.10.1", "3.7.16", "10.2")
