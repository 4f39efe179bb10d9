"""create's overrides each mean one thing: --recreate rebuilds, --ignore-host installs what this
machine cannot run, --take-over replaces another workspace's env; --force is a deprecated alias
of all three that says so."""
from __future__ import annotations

import json

from clihelp import envmgr

from envmgr.envs.environments import Environment

PAPER = "stack: torch 1.10.1 + cu102 + py3.7\n"


def on_old_driver(monkeypatch) -> None:
    monkeypatch.delenv("ENVMGR_NO_GPU", raising=False)
    monkeypatch.setenv("ENVMGR_GPU", "GeForce GTX 1080")
    monkeypatch.setenv("ENVMGR_DRIVER_VERSION", "390.116")   # CUDA 10.2 needs 440.33


def test_recreate_rebuilds_but_does_not_ignore_the_host(tmp_workspace, write_spec, monkeypatch):
    write_spec(tmp_workspace, "paper", PAPER)
    assert envmgr("create", "paper").exit_code == 0
    [again] = json.loads(envmgr("create", "paper", "--recreate", "--json").stdout)
    assert again["action"] == "updated"
    on_old_driver(monkeypatch)
    refused = envmgr("create", "paper", "--recreate")
    assert refused.exit_code == 1 and "--ignore-host" in refused.stderr


def test_ignore_host_installs_but_leaves_an_up_to_date_env_alone(tmp_workspace, write_spec,
                                                                  monkeypatch):
    write_spec(tmp_workspace, "paper", PAPER)
    on_old_driver(monkeypatch)
    result = envmgr("create", "paper", "--ignore-host", "--json")
    assert result.exit_code == 0, result.output
    [created] = json.loads(result.stdout)
    assert created["action"] == "created"
    assert any("--ignore-host" in p["message"] for p in created["problems"])
    [again] = json.loads(envmgr("create", "paper", "--ignore-host", "--json").stdout)
    assert again["action"] == "up-to-date"
    assert Environment.named("paper", tmp_workspace).exists()


def test_force_still_works_and_says_what_it_maps_to(tmp_workspace, write_spec, monkeypatch):
    write_spec(tmp_workspace, "paper", PAPER)
    on_old_driver(monkeypatch)
    result = envmgr("create", "paper", "--force")
    assert result.exit_code == 0, result.output
    assert "--force is deprecated: it means --recreate --ignore-host --take-over" in result.stderr
