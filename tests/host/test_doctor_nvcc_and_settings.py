"""doctor relates the system nvcc to each env's CUDA (extensions built against a mismatching
nvcc fail) and suggests the env's own cuda-nvcc; it shows settings that come from environment
variables, and the envmgr.yaml line each one overrides."""
from __future__ import annotations

import json

from click.testing import CliRunner

from envmgr.cli import cli

from clihelp import machine_env

SPECS = {"new": "stack: torch 2.4 + cu121\nroute: pip\n",
         "old": "stack: torch 2.0 + cu118\nroute: pip\n",
         "cpu": "stack: torch 2.4 cpu\n"}


def doctor(workspace, *args, **env):
    return CliRunner().invoke(cli, ["doctor", *args], catch_exceptions=False, env=machine_env(
        "rtx4090-535", ENVMGR_WORKSPACE=str(workspace), ENVMGR_ENVS_DIR=str(workspace / "e"),
        ENVMGR_PKGS_DIR=str(workspace / "p"), **env))


def fake_nvcc(tmp_path, release: str, build: str) -> str:
    folder = tmp_path / "cuda" / "bin"
    folder.mkdir(parents=True)
    nvcc = folder / "nvcc"
    nvcc.write_text("#!/bin/sh\necho 'nvcc: NVIDIA (R) Cuda compiler driver'\n"
                    f"echo 'Cuda compilation tools, release {release}, V{build}'\n")
    nvcc.chmod(0o755)
    return str(folder)


def workspace_with_specs(tmp_path):
    root = tmp_path / "ws"
    (root / "envs").mkdir(parents=True)
    for name, text in SPECS.items():
        (root / "envs" / f"{name}.yaml").write_text(text)
    return root


def test_a_system_nvcc_of_another_cuda_is_a_warning_with_the_envs_own_compiler(tmp_path):
    root = workspace_with_specs(tmp_path)
    path = f"{fake_nvcc(tmp_path, '11.8', '11.8.89')}:{machine_env('rtx4090-535')['PATH']}"
    result = doctor(root, "--json", PATH=path)
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["nvcc"]["release"] == "11.8" and data["nvcc"]["version"] == "11.8.89"
    envs = {env["name"]: env for env in data["envs"]}
    [mismatch] = [p for p in envs["new"]["problems"] if p["code"] == "nvcc-mismatch"]
    assert mismatch["severity"] == "warning"
    assert "CUDA 11.8" in mismatch["message"] and "CUDA 12.1" in mismatch["message"]
    assert "cuda-nvcc=12.1" in mismatch["fix"] and "conda-forge" in mismatch["fix"]
    assert not any(p["code"] == "nvcc-mismatch" for p in envs["old"]["problems"])   # 11.8 = 11.8
    assert not any(p["code"] == "nvcc-mismatch" for p in envs["cpu"]["problems"])
    text = doctor(root, PATH=path).stdout
    assert "the system nvcc" in text and "cuda-nvcc=12.1" in text


def test_an_older_cuda_gets_the_nvidia_channels_compiler(tmp_path):
    root = workspace_with_specs(tmp_path)
    path = f"{fake_nvcc(tmp_path, '12.4', '12.4.131')}:{machine_env('rtx4090-535')['PATH']}"
    data = json.loads(doctor(root, "--json", PATH=path).stdout)
    [old] = [e for e in data["envs"] if e["name"] == "old"]
    [mismatch] = [p for p in old["problems"] if p["code"] == "nvcc-mismatch"]
    assert "cuda-nvcc=11.8" in mismatch["fix"] and "nvidia/label/cuda-11.8.0" in mismatch["fix"]


def test_no_nvcc_no_nvcc_problem(tmp_path):
    root = workspace_with_specs(tmp_path)
    data = json.loads(doctor(root, "--json").stdout)
    assert data["nvcc"] is None
    assert not any(p["code"].startswith("nvcc") for e in data["envs"] for p in e["problems"])


def test_a_variable_that_overrides_envmgr_yaml_is_shown(tmp_path):
    root = workspace_with_specs(tmp_path)
    (root / "envmgr.yaml").write_text("pypi_index: https://pypi.org/simple\n"
                                      "channel_alias: https://mirror.example/conda/\n")
    result = doctor(root, "--json", ENVMGR_CHANNEL_ALIAS="file:///srv/channels/")
    settings = {s["variable"]: s for s in json.loads(result.stdout)["settings"]}
    alias = settings["ENVMGR_CHANNEL_ALIAS"]
    assert alias["value"] == "file:///srv/channels/"
    assert alias["overrides"] == f"{root / 'envmgr.yaml'}:2"
    assert alias["file_value"] == "https://mirror.example/conda/"
    text = doctor(root, ENVMGR_CHANNEL_ALIAS="file:///srv/channels/").stdout
    assert ("ENVMGR_CHANNEL_ALIAS='file:///srv/channels/' (from your environment; overrides "
            "channel_alias: 'https://mirror.example/conda/' in") in text
