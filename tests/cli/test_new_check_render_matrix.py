"""new / check / render / matrix through the real CLI, in a temporary workspace."""
from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
import yaml
from click.testing import CliRunner

from envmgr.cli import cli
from clihelp import REPO


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def test_new_writes_a_spec_that_checks_ok(workspace):
    result = run("new", "paper", "torch 1.10.1 + cu102 + py3.7")
    assert result.exit_code == 0, result.output
    assert "torch 1.10.1" in result.output
    spec = yaml.safe_load((workspace / "envs" / "paper.yaml").read_text())
    assert "1.10.1" in spec["stack"] and "cu102" in spec["stack"]
    checked = run("check", "paper", "--json")
    assert checked.exit_code == 0
    [entry] = json.loads(checked.output)
    assert entry["ok"] is True and entry["problems"] == []
    assert entry["resolved"] == {"torch": "1.10.1", "torchvision": "0.11.2", "torchaudio": "0.10.1",
                                 "python": "3.7", "cuda": "10.2", "route": "pytorch"}


def test_new_refuses_to_overwrite_without_force(workspace):
    assert run("new", "x", "torch 1.13 cpu").exit_code == 0
    again = run("new", "x", "torch 2.4 + cu121")
    assert again.exit_code == 2
    assert "already exists" in again.output and "--force" in again.output
    assert run("new", "x", "torch 2.4 + cu121", "--force").exit_code == 0
    assert "2.4" in (workspace / "envs" / "x.yaml").read_text()


def test_new_refuses_an_invalid_stack_and_writes_nothing(workspace):
    result = run("new", "bad", "torch 1.10 + cu121 + py3.11")
    assert result.exit_code == 1
    assert "nearest: cu113" in result.output
    # every fix applied gives a valid stack: new says the command to run
    assert 'try: envmgr new bad "torch 1.10 + cu113 + py3.9"' in result.output
    assert not (workspace / "envs" / "bad.yaml").exists()
    assert run("new", "bad", "torch 1.10 + cu113 + py3.9").exit_code == 0


def test_new_rejects_malformed_shorthand_and_bad_names(workspace):
    result = run("new", "x", "torch 1.10 + cu")
    assert result.exit_code == 2 and "error:" in result.output
    assert run("new", "-bad", "torch 1.13 cpu").exit_code == 2
    assert run("new", "a/b", "torch 1.13 cpu").exit_code == 2
    assert list((workspace / "envs").iterdir()) == []


def test_check_reports_problems_with_file_line_and_fix(workspace):
    (workspace / "envs" / "old.yaml").write_text("# comment\nstack: torch 1.10 + cu121\n")
    result = run("check", "old")
    assert result.exit_code == 1
    assert "envs/old.yaml:2:" in result.output
    assert "fix:  cuda: \"11.3\"" in result.output
    data = json.loads(run("check", "old", "--json").output)
    assert data[0]["ok"] is False
    problem = data[0]["problems"][0]
    assert set(problem) >= {"code", "message", "fix"}
    assert data[0]["resolved"] is None


def test_check_malformed_yaml_is_a_usage_error_with_line(workspace):
    (workspace / "envs" / "broken.yaml").write_text("stack: torch 1.10 + cu102\npip: [unclosed\n")
    result = run("check", "broken")
    assert result.exit_code == 2
    assert "broken.yaml:" in result.output


def test_check_stack_option_and_default_all(workspace):
    assert run("check", "--stack", "torch 2.4 + cu121").exit_code == 0
    assert run("check", "--stack", "torch 2.4 + cu102").exit_code == 1
    run("new", "a", "torch 1.13 cpu")
    run("new", "b", "torch 2.4 + cu121")
    data = json.loads(run("check", "--json").output)
    assert [d["name"] for d in data] == ["a", "b"]


def test_unknown_spec_name_is_a_usage_error_everywhere(workspace):
    assert run("check", "nope").exit_code == 2
    result = run("render", "nope")
    assert result.exit_code == 2 and "no spec named 'nope'" in result.output


def test_check_refuses_an_as_of_that_lock_would_refuse(workspace):
    (workspace / "envs" / "future.yaml").write_text(
        'stack: torch 1.13 cpu\nas_of: "2099-01-01"\n')
    result = run("check", "future")
    assert result.exit_code == 1
    assert "envs/future.yaml:2:" in result.output and "future" in result.output


def test_problems_without_a_fact_print_no_empty_fact_line(workspace):
    result = run("check", "--stack", "torch 2.5 + cu124 + py3.13")
    assert "fact:  " not in result.output and "fact: (" not in result.output


def test_render_is_byte_identical_and_pins_the_cuda_variant(workspace):
    run("new", "paper", "torch 1.10.1 + cu102 + py3.7")
    first = run("render", "paper")
    assert first.exit_code == 0, first.output
    path = workspace / "lockfiles" / "paper.environment.yml"
    text = path.read_text()
    assert "unchanged" in run("render", "paper").output
    assert path.read_text() == text
    env = yaml.safe_load(text)
    assert env["name"] == "paper"
    assert env["channels"][0] == "pytorch" and env["channels"][-1] == "defaults"
    deps = env["dependencies"]
    assert "pytorch=1.10.1=*cuda10.2*" in deps
    assert "cudatoolkit=10.2" in deps
    assert "python=3.7" in deps
    assert "numpy<2" in deps
    assert "# " in text.split("numpy<2", 1)[1].splitlines()[0]  # the co-pin says why


def test_render_cpu_stack_uses_cpuonly(workspace):
    run("new", "cpu", "torch 1.13 cpu")
    env = yaml.safe_load(run("render", "cpu", "--stdout").output)
    assert "pytorch=1.13.1=*cpu*" in env["dependencies"]
    assert "cpuonly" in env["dependencies"]
    assert not (workspace / "lockfiles" / "cpu.environment.yml").exists()


def test_render_refuses_invalid_spec(workspace):
    (workspace / "envs" / "old.yaml").write_text("stack: torch 1.10 + cu121\n")
    result = run("render", "old")
    assert result.exit_code == 1
    assert "nearest: cu113" in result.output
    assert not (workspace / "lockfiles" / "old.environment.yml").exists()


def test_render_pip_section(workspace):
    run("new", "wheel", "torch 1.10.1 + cu111")
    (workspace / "envs" / "wheel.yaml").write_text(
        (workspace / "envs" / "wheel.yaml").read_text() + 'pip: ["timm==0.4.12"]\n')
    env = yaml.safe_load(run("render", "wheel", "--stdout").output)
    pip = next(d for d in env["dependencies"] if isinstance(d, dict))["pip"]
    assert pip[0].startswith("--find-links ")
    assert "torch==1.10.1+cu111" in pip and "timm==0.4.12" in pip
    assert "pip" in env["dependencies"]


def test_matrix_cuda_lists_releases_and_driver(workspace):
    result = run("matrix", "--cuda", "11.8")
    assert result.exit_code == 0
    assert "520.61.05" in result.output and "450.80.02" in result.output
    data = json.loads(run("matrix", "--cuda", "11.8", "--json").output)
    torches = [r["torch"] for r in data["releases"]]
    assert "2.0.0" in torches and "1.10.1" not in torches
    assert all("11.8" in r["cuda_conda"] + r["cuda_pip"] + r["cuda_conda_forge"] for r in data["releases"])


def test_matrix_torch_filter(workspace):
    data = json.loads(run("matrix", "--torch", "1.10", "--json").output)
    torches = [r["torch"] for r in data["releases"]]
    assert torches[:2] == ["1.10.0", "1.10.1"] and all(t.startswith("1.10.") for t in torches)
    assert run("matrix", "--torch", "7.0").exit_code == 2


@pytest.mark.parametrize("command", [["check"], ["render", "--stdout"], ["matrix"], ["list"],
                                     ["new", "fresh", "torch 1.13 cpu"]])
def test_light_commands_import_neither_conda_lock_nor_rattler(workspace, command):
    (workspace / "envs" / "cpu.yaml").write_text("stack: torch 1.13 cpu\n")
    env = dict(os.environ, PYTHONPATH=str(REPO))
    proc = subprocess.run([sys.executable, "-X", "importtime", "-m", "envmgr", *command],
                          capture_output=True, text=True, cwd=workspace, env=env)
    assert proc.returncode == 0, proc.stderr[-2000:]
    imported = {line.split("|")[-1].strip().split(".")[0] for line in proc.stderr.splitlines()
                if line.startswith("import time:")}
    assert "envmgr" in imported          # the measurement saw the command's own imports
    assert "conda_lock" not in imported
    assert "rattler" not in imported


def test_platform_specific_copin_uses_a_conda_lock_selector(workspace):
    from conda_lock.src_parser.selectors import filter_platform_selectors

    run("new", "paper", "torch 1.10.1 + cu102 + py3.7", "--platform", "linux-64", "--platform",
        "win-64")
    text = run("render", "paper", "--stdout").output
    linux = "\n".join(filter_platform_selectors(text, "linux-64"))
    windows = "\n".join(filter_platform_selectors(text, "win-64"))
    assert "mkl<2024.1" in linux and "mkl<2024.1" not in windows
    assert "numpy<2" in linux and "numpy<2" in windows
    run("new", "linux", "torch 1.10.1 + cu102 + py3.7", "--platform", "linux-64")
    only_linux = run("render", "linux", "--stdout").output
    assert "mkl<2024.1" in only_linux and "[linux64]" not in only_linux


def test_new_on_a_gpu_no_build_of_the_release_supports_suggests_a_stack(workspace, monkeypatch):
    monkeypatch.delenv("ENVMGR_NO_GPU")
    monkeypatch.setenv("ENVMGR_GPU", "H100")
    monkeypatch.setenv("ENVMGR_DRIVER_VERSION", "550.54.14")
    result = run("new", "h1", "torch 1.10")
    assert result.exit_code == 0
    assert "chose CPU" in result.output and "sm_90" in result.output
    suggestion = result.output.split("warning: wrote the CPU build; ", 1)[1]
    command = suggestion[suggestion.index("envmgr new"):].strip()
    assert command.startswith('envmgr new h1 "torch ') and command.endswith("--force")
    # the suggested stack really has kernels for the H100
    stack = command.split('"')[1]
    checked = json.loads(run("check", "--stack", stack, "--host", "--json").output)[0]
    assert checked["ok"] and checked["resolved"]["cuda"] != "cpu"


def test_a_lone_envs_folder_further_up_is_not_a_workspace(tmp_path, monkeypatch):
    from envmgr.specs.workspace import find_workspace

    monkeypatch.delenv("ENVMGR_WORKSPACE", raising=False)
    (tmp_path / "envs").mkdir()                     # e.g. ~/envs full of virtualenvs
    project = tmp_path / "projects" / "paper"
    project.mkdir(parents=True)
    assert find_workspace(project).root == project
    (tmp_path / "lockfiles").mkdir()                 # an envmgr workspace has both
    assert find_workspace(project).root == tmp_path
    (project / "envmgr.yaml").write_text("{}\n")
    assert find_workspace(project).root == project


def test_the_file_system_saying_no_is_one_line_not_a_traceback(workspace):
    (workspace / "envs" / "r.yaml").write_text("stack: torch 1.13 cpu\n")
    (workspace / "lockfiles").write_text("a file where a folder belongs\n")
    result = run("render", "r")
    assert result.exit_code == 1
    assert "Traceback" not in result.output
    assert result.output.startswith("error: lockfiles")


def test_a_previous_file_that_is_not_text_is_replaced(workspace):
    (workspace / "envs" / "r.yaml").write_text("stack: torch 1.13 cpu\n")
    (workspace / "lockfiles").mkdir()
    (workspace / "lockfiles" / "r.environment.yml").write_bytes(b"\xff\xfe\x00")
    assert run("render", "r").exit_code == 0
    assert "pytorch=1.13.1=*cpu*" in (workspace / "lockfiles" / "r.environment.yml").read_text()


def test_spec_errors_name_the_file_relative_to_here(workspace):
    (workspace / "envs" / "bad.yaml").write_text("stack: [1\n")
    result = run("check", "bad")
    assert result.exit_code == 2
    assert "envs/bad.yaml:" in result.output and str(workspace) not in result.output


def test_matrix_refuses_empty_filters(workspace):
    assert run("matrix", "--torch", "").exit_code == 2
    assert run("matrix", "--cuda", " ").exit_code == 2
