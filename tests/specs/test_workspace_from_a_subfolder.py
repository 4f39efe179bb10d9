"""A workspace is found from a subfolder of a repository whose envs/ holds envmgr specs, and
never in conda's envs directory (a folder of environments)."""
from __future__ import annotations

import json

from clihelp import envmgr
from envmgr.specs.workspace import find_workspace


def repo_with_specs(tmp_path):
    repo = tmp_path / "repo"
    (repo / "envs").mkdir(parents=True)
    (repo / "code" / "models").mkdir(parents=True)
    (repo / "envs" / "paper.yaml").write_text("# the paper's stack\nstack: torch 1.13 cpu\n")
    return repo


def test_check_in_a_subfolder_finds_the_repositorys_specs(tmp_path, monkeypatch):
    monkeypatch.delenv("ENVMGR_WORKSPACE", raising=False)
    repo = repo_with_specs(tmp_path)
    monkeypatch.chdir(repo / "code" / "models")
    assert find_workspace().root == repo
    result = envmgr("check", "--json")
    assert result.exit_code == 0, result.output
    assert [r["name"] for r in json.loads(result.stdout)] == ["paper"]


def test_a_spec_written_with_fields_counts_too(tmp_path, monkeypatch):
    repo = tmp_path / "repo"
    (repo / "envs").mkdir(parents=True)
    (repo / "src").mkdir()
    (repo / "envs" / "a.yaml").write_text('torch: "2.4"\ncuda: "12.1"\n')
    assert find_workspace(repo / "src").root == repo


def test_conda_environment_files_or_a_conda_envs_dir_are_not_a_workspace(tmp_path):
    conda = tmp_path / "miniconda3"
    (conda / "envs" / "py38" / "conda-meta").mkdir(parents=True)
    (conda / "envs" / "py38" / "conda-meta" / "history").write_text("")
    inside = conda / "envs" / "py38" / "lib"
    inside.mkdir()
    assert find_workspace(inside).root == inside            # not ~/miniconda3
    other = tmp_path / "notes"
    (other / "envs").mkdir(parents=True)
    (other / "envs" / "environment.yaml").write_text("name: x\ndependencies: [python=3.8]\n")
    (other / "sub").mkdir()
    assert find_workspace(other / "sub").root == other / "sub"
