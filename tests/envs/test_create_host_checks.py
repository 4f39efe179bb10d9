"""create runs the host checks first: it refuses a stack this machine cannot run, unless --force."""
from __future__ import annotations

import json

from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.envs.environments import Environment

PAPER = "stack: torch 1.10.1 + cu102 + py3.7\n"


def envmgr(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def on_machine(monkeypatch, gpu: str, driver: str) -> None:
    monkeypatch.delenv("ENVMGR_NO_GPU", raising=False)
    monkeypatch.setenv("ENVMGR_GPU", gpu)
    monkeypatch.setenv("ENVMGR_DRIVER_VERSION", driver)


def test_driver_too_old_is_refused_and_nothing_is_installed(tmp_workspace, write_spec, monkeypatch):
    write_spec(tmp_workspace, "paper", PAPER)
    on_machine(monkeypatch, "GeForce GTX 1080", "390.116")   # CUDA 10.2 needs 440.33
    result = envmgr("create", "paper")
    assert result.exit_code == 1
    assert "paper cannot run on this machine" in result.output
    assert "390.116" in result.output and "440.33" in result.output
    assert "--ignore-host" in result.output
    assert not Environment.named("paper", tmp_workspace).exists()


def test_force_installs_anyway_with_a_warning(tmp_workspace, write_spec, monkeypatch):
    write_spec(tmp_workspace, "paper", PAPER)
    on_machine(monkeypatch, "GeForce GTX 1080", "390.116")
    result = envmgr("create", "paper", "--force", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)[0]["action"] == "created"
    assert "installing anyway" in result.stderr


def test_a_gpu_newer_than_the_toolkit_is_refused(tmp_workspace, write_spec, monkeypatch):
    # The field-notes case: an RTX 3090 (sm_86) with torch 1.10 + cu102. The conda build has only
    # compute_37 PTX, and CUDA 10.2 cannot target sm_86 at all; cu113 builds carry sm_86.
    write_spec(tmp_workspace, "paper", PAPER)
    on_machine(monkeypatch, "NVIDIA GeForce RTX 3090", "470.57.02")
    result = envmgr("create", "paper")
    assert result.exit_code == 1
    assert "sm_86" in result.output and "cannot target" in result.output
    assert 'cuda: "11.3"' in result.output
    assert not Environment.named("paper", tmp_workspace).exists()


def test_no_gpu_is_a_note_not_a_refusal(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    result = envmgr("create", "paper", "--json")
    assert result.exit_code == 0, result.output
    assert "note:" in result.stderr or "no NVIDIA GPU" in result.stderr or result.stderr == ""


def test_a_declared_gpu_alone_is_checked(tmp_workspace, write_spec, monkeypatch):
    # A login node naming only the compute node's GPU: its architecture is checked (the driver
    # is unknown there, so only a note about it), and an RTX 3090 cannot run the cu102 build.
    write_spec(tmp_workspace, "paper", PAPER)
    monkeypatch.delenv("ENVMGR_NO_GPU", raising=False)
    monkeypatch.delenv("ENVMGR_DRIVER_VERSION", raising=False)
    monkeypatch.setenv("ENVMGR_GPU", "sm_86")
    result = envmgr("create", "paper")
    assert result.exit_code == 1
    assert "sm_86" in result.output and "cannot target" in result.output
    assert not Environment.named("paper", tmp_workspace).exists()
