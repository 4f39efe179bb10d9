"""`envmgr doctor` on recorded machines: the facts it reports and its verdict for each spec."""
from __future__ import annotations

import json

import pytest
from click.testing import CliRunner

from envmgr.cli import cli

from clihelp import machine_env

SPECS = {
    "paper-wheels": "stack: torch 1.10 + cu102 + py3.7\nroute: pip\n",
    "modern": "stack: torch 2.4 + cu121\nroute: pip\n",
    "laptop": "stack: torch 2.4 cpu\n",
    "broken": "stack: torch 0.1 + cu102\n",
}


@pytest.fixture
def workspace(tmp_path):
    (tmp_path / "envs").mkdir()
    for name, text in SPECS.items():
        (tmp_path / "envs" / f"{name}.yaml").write_text(text)
    return tmp_path


def doctor(workspace, machine, *args, **overrides):
    env = machine_env(machine, ENVMGR_WORKSPACE=str(workspace),
                      ENVMGR_ENVS_DIR=str(workspace / "conda-envs"),
                      ENVMGR_PKGS_DIR=str(workspace / "pkgs"), **overrides)
    return CliRunner().invoke(cli, ["doctor", *args], env=env, catch_exceptions=False)


def envs_by_name(data):
    return {env["name"]: env for env in data["envs"]}


def test_json_report_on_rtx3090(workspace):
    result = doctor(workspace, "rtx3090-470", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["driver_version"] == "470.57.02"
    assert data["max_cuda"] == "11.4" and data["max_cuda_source"].startswith("nvidia-smi")
    assert data["max_cuda_minor_compat"] == "11.8" and data["minor_compat_driver"] == "450.80.02"
    assert data["gpus"] == [{"index": 0, "name": "NVIDIA GeForce RTX 3090", "compute_capability": "8.6",
                             "memory_mib": 24265, "capability_source": "GPU table"}]
    assert set(data["managers"]) == {"conda", "mamba", "micromamba"}
    assert "nvcc" in data
    assert [place["path"] for place in data["storage"]] == [str(workspace / "conda-envs"),
                                                            str(workspace / "pkgs")]
    assert all(isinstance(place["free_bytes"], int) for place in data["storage"])
    envs = envs_by_name(data)
    assert sorted(envs) == sorted(SPECS)
    assert envs["paper-wheels"]["runnable"] is False
    assert [p["code"] for p in envs["paper-wheels"]["problems"]] == ["gpu-arch-unsupported"]
    assert envs["modern"]["runnable"] is False
    assert [p["code"] for p in envs["modern"]["problems"]] == ["driver-too-old"]
    assert envs["laptop"]["runnable"] is True
    assert [p["severity"] for p in envs["laptop"]["problems"]] == ["warning"]
    assert envs["broken"]["runnable"] is False and envs["broken"]["resolved"] is None


def test_old_driver_report_derives_cuda(workspace):
    data = json.loads(doctor(workspace, "gtx1050ti-384", "--json").output)
    assert data["driver_version"] == "384.130" and data["max_cuda"] == "9.0"
    assert "driver table" in data["max_cuda_source"]
    assert data["gpus"][0]["compute_capability"] == "6.1"
    assert not any(env["runnable"] for env in data["envs"] if env["name"] != "laptop")


def test_h100_runs_the_modern_stack(workspace):
    envs = envs_by_name(json.loads(doctor(workspace, "h100-550", "--json").output))
    assert envs["modern"]["runnable"] is True
    assert envs["paper-wheels"]["runnable"] is False   # cu102 wheels: sm_37..sm_70, no sm_90


def test_text_report(workspace):
    result = doctor(workspace, "rtx3090-470")
    assert result.exit_code == 0
    text = result.output
    assert "470.57.02" in text and "11.4" in text
    assert "NVIDIA GeForce RTX 3090: sm_86 (compute capability 8.6" in text
    assert "paper-wheels     cannot run here" in text
    assert "laptop           runs here" in text
    assert 'fix: cuda: "11.1"' in text


def test_no_gpu_is_exit_0(workspace):
    result = doctor(workspace, None)
    assert result.exit_code == 0
    assert "no NVIDIA GPU found" in result.output
    data = json.loads(doctor(workspace, None, "--json").output)
    assert data["gpu_found"] is False and data["driver_version"] is None and data["gpus"] == []
    envs = envs_by_name(data)
    assert envs["modern"]["runnable"] is True        # login nodes build for compute nodes
    assert [p["severity"] for p in envs["modern"]["problems"]] == ["note"]


def test_malformed_override_is_one_line_exit_2(workspace):
    result = doctor(workspace, "rtx3090-470", CONDA_OVERRIDE_CUDA="twelve")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and "CONDA_OVERRIDE_CUDA" in result.output


def test_overrides_are_reported(workspace):
    data = json.loads(doctor(workspace, None, "--json", ENVMGR_GPU="sm_120",
                             ENVMGR_DRIVER_VERSION="570.133.07").output)
    assert data["overrides"] == {"ENVMGR_DRIVER_VERSION": "570.133.07", "ENVMGR_GPU": "sm_120"}
    assert data["max_cuda"] == "12.8"
    envs = envs_by_name(data)
    assert [p["code"] for p in envs["modern"]["problems"]] == ["gpu-arch-unsupported"]


def test_gpu_override_alone_is_a_gpu_with_an_unknown_driver(workspace):
    result = doctor(workspace, None, ENVMGR_GPU="sm_86")
    assert result.exit_code == 0, result.output
    assert "no NVIDIA GPU found" not in result.output
    assert "GPU with compute capability 8.6" in result.output
    assert "driver       unknown (set ENVMGR_DRIVER_VERSION" in result.output
    assert "no NVIDIA driver" not in result.output
    envs = envs_by_name(json.loads(doctor(workspace, None, "--json", ENVMGR_GPU="sm_86").output))
    assert envs["paper-wheels"]["runnable"] is False   # cu102 wheels have no sm_86 kernels
    assert envs["modern"]["runnable"] is True
    assert "no-gpu" not in [p["code"] for p in envs["modern"]["problems"]]


# -- text that says each thing once, and what "here" means without a GPU --------------------------

def line_of(text, start):
    return next(line for line in text.splitlines() if line.strip().startswith(start))


def test_declared_cuda_alone_is_shown_and_no_gpu_is_said_once(workspace):
    text = doctor(workspace, None, CONDA_OVERRIDE_CUDA="11.4").output
    assert line_of(text, "newest CUDA").split(None, 2)[2] == "11.4 (from CONDA_OVERRIDE_CUDA)"
    assert text.count("no NVIDIA GPU found") == 1


def test_empty_cuda_override_is_said_once(workspace):
    text = doctor(workspace, None, CONDA_OVERRIDE_CUDA="").output
    assert text.count("CONDA_OVERRIDE_CUDA is empty") == 1
    assert line_of(text, "modern").split(None, 1)[1].startswith(
        "installs here; runs where an NVIDIA driver >= 525.60.13 is present:")
    assert line_of(text, "paper-wheels").split(None, 1)[1].startswith(
        "installs here; runs where an NVIDIA driver >= 440.33 is present:")


def test_without_a_gpu_cuda_stacks_install_here_and_cpu_stacks_run_here(workspace):
    text = doctor(workspace, None).output
    for name in ("modern", "paper-wheels"):
        assert not line_of(text, name).split(None, 1)[1].startswith("runs here")
    assert "installs here; runs where an NVIDIA driver >= 525.60.13" in line_of(text, "modern")
    assert line_of(text, "laptop").split(None, 1)[1].startswith("runs here:")
    assert text.count("no NVIDIA GPU found") == 1


def test_notes_shared_by_every_cuda_spec_are_said_once(workspace):
    text = doctor(workspace, None, ENVMGR_GPU="sm_86").output
    assert text.count("note: driver unknown: set ENVMGR_DRIVER_VERSION or CONDA_OVERRIDE_CUDA") == 1


def test_nvcc_line_is_short(workspace, tmp_path):
    bin_dir = tmp_path / "cuda-bin"
    bin_dir.mkdir()
    nvcc = bin_dir / "nvcc"
    nvcc.write_text("#!/bin/sh\necho 'Cuda compilation tools, release 11.8, V11.8.89'\n")
    nvcc.chmod(0o755)
    path = f"{bin_dir}:{machine_env(None)['PATH']}"
    text = doctor(workspace, None, PATH=path).output
    line = line_of(text, "nvcc")
    assert "11.8.89" in line and str(nvcc) in line
    assert len(line) - len(str(nvcc)) <= 100, line


def test_contradicting_overrides_are_a_warning_in_text_and_json(workspace):
    overrides = {"ENVMGR_NO_GPU": "1", "ENVMGR_GPU": "A100"}
    data = json.loads(doctor(workspace, None, "--json", **overrides).output)
    [warning] = data["warnings"]
    assert "ENVMGR_NO_GPU wins" in warning
    text = doctor(workspace, None, **overrides).output
    assert f"  warning: {warning}" in text


def test_doctor_names_each_stack_as_check_does(workspace):
    text = doctor(workspace, "rtx3090-470").output
    env = machine_env("rtx3090-470", ENVMGR_WORKSPACE=str(workspace))
    for name in ("laptop", "modern", "paper-wheels"):
        checked = CliRunner().invoke(cli, ["check", name], env=env).output
        label = checked.splitlines()[0].split(":", 1)[1].strip().removeprefix("ok").strip()
        assert label.startswith("torch ") and "; route: " in label
        assert line_of(text, name).endswith(f": {label}"), (line_of(text, name), label)
