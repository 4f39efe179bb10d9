"""envmgr ci: one CI job per environment and platform, with the lock check, the create and the
test command run inside the env; GitHub and GitLab YAML that parses, JSON for other engines."""
from __future__ import annotations

import json

import yaml

from clihelp import envmgr, one_line_error
from envmgr.knowledge.drivers import toolkit_driver
from envmgr.knowledge.facts import load

SPECS = {"cpu": "stack: torch 1.13 cpu\nplatforms: [linux-64, win-64]\n",
         "old": "stack: torch 1.10.1 + cu102 + py3.7\nplatforms: [linux-64]\n",
         "mac": "stack: torch 1.13 cpu\nplatforms: [linux-64, osx-arm64]\n"}


def workspace_with_specs(tmp_workspace, write_spec):
    for name, text in SPECS.items():
        write_spec(tmp_workspace, name, text)
    return tmp_workspace


def output(*args) -> str:
    result = envmgr("ci", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


def test_github_workflow_has_one_job_per_env_and_platform(tmp_workspace, write_spec):
    workspace_with_specs(tmp_workspace, write_spec)
    workflow = yaml.safe_load(output("--github"))
    jobs = workflow["jobs"]
    assert sorted(jobs) == sorted(["env-cpu-linux-64", "env-cpu-win-64", "env-mac-linux-64",
                                   "env-mac-osx-arm64", "env-old-linux-64"])
    assert jobs["env-cpu-win-64"]["runs-on"] == "windows-latest"
    assert jobs["env-mac-osx-arm64"]["runs-on"] == "macos-latest"
    assert jobs["env-old-linux-64"]["runs-on"] == ["self-hosted", "linux", "x64", "gpu"]
    assert jobs["env-old-linux-64"]["env"]["ENVMGR_MIN_DRIVER"] == \
        toolkit_driver(load().toolkit("10.2"), "linux")
    runs = [step.get("run") for step in jobs["env-old-linux-64"]["steps"]]
    assert "envmgr lock --check old" in runs and "envmgr create old" in runs
    assert runs[-1] == 'envmgr run old -- python -c "import torch; print(torch.__version__)"'
    cache = next(s for s in jobs["env-cpu-linux-64"]["steps"] if s.get("name") == "package cache")
    assert "hashFiles('lockfiles/cpu.conda-lock.yml')" in cache["with"]["key"]


def test_gitlab_pipeline_and_options(tmp_workspace, write_spec):
    workspace_with_specs(tmp_workspace, write_spec)
    pipeline = yaml.safe_load(output("old", "cpu", "--gitlab", "--test-command", "pytest -q tests",
                                     "--gpu-runner", "a100", "--install", "pip install ."))
    jobs = {k: v for k, v in pipeline.items() if k.startswith("env-")}
    assert sorted(jobs) == ["env-cpu-linux-64", "env-cpu-win-64", "env-old-linux-64"]
    assert jobs["env-old-linux-64"]["tags"] == ["a100"]
    assert jobs["env-cpu-linux-64"]["script"] == [
        "pip install .", "envmgr lock --check cpu", "envmgr create cpu",
        "envmgr run cpu -- pytest -q tests"]
    assert jobs["env-cpu-linux-64"]["cache"]["key"]["files"] == ["lockfiles/cpu.conda-lock.yml"]


def test_json_for_other_engines_and_its_errors(tmp_workspace, write_spec):
    workspace_with_specs(tmp_workspace, write_spec)
    data = json.loads(output("--json"))
    assert data["ok"] and data["problems"] == []
    pairs = sorted((job["env"], job["platform"]) for job in data["jobs"])
    assert pairs == [("cpu", "linux-64"), ("cpu", "win-64"), ("mac", "linux-64"),
                     ("mac", "osx-arm64"), ("old", "linux-64")]
    gpu = [job for job in data["jobs"] if job["gpu"]]
    assert [(job["env"], job["cuda"]) for job in gpu] == [("old", "10.2")]
    result = envmgr("ci", "nope", "--json")
    assert result.exit_code == 2
    assert json.loads(result.stdout)["problems"][0]["code"] == "unknown-spec"
    assert "no spec named 'nope'" in one_line_error(envmgr("ci", "nope"), 2)


def test_job_ids_stay_valid_and_distinct_for_any_spec_name(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "a.b", "stack: torch 1.13 cpu\nplatforms: [linux-64]\n")
    write_spec(tmp_workspace, "a_b", "stack: torch 1.13 cpu\nplatforms: [linux-64]\n")
    jobs = yaml.safe_load(output())["jobs"]
    assert sorted(jobs) == ["env-a_b-linux-64", "env-a_b-linux-64-2"]
