"""Workspace settings (envmgr.yaml and the ENVMGR_* variables): one rule for every setting, values
type-checked, a mistyped or impossible one a one-line error at its line or naming its variable."""
from __future__ import annotations

import json

from pathlib import Path

import pytest

from clihelp import CPU, envmgr, one_line_error


# -- envmgr.yaml values are type-checked, and every setting is read by one rule ------------------
@pytest.mark.parametrize("setting, message", [
    ("default_channels: 7", "default_channels must be a list of URLs or one comma-separated string"),
    ("envs_dir: [a, b]", "envs_dir must be a string (a folder), not list"),
    ("channel_alias: {url: x}", "channel_alias must be a string (a URL), not dict"),
    ("default_channels: [https://mirror.example/main, 5]", "not 5 in the list"),
    ("default_channels: []", "default_channels names no channel"),
    ("pkgs_dir: ''", "pkgs_dir must be a string (a folder), not an empty string"),
])
def test_a_mistyped_setting_is_an_error_at_its_line(cpu, setting, message):
    (cpu.root / "envmgr.yaml").write_text(f"# mirror settings\n{setting}\n")
    for command in (["lock", "cpu"], ["list"], ["create", "cpu"]):
        line = one_line_error(envmgr(*command), code=2)
        assert "envmgr.yaml:2: " in line and message in line
    result = envmgr("list", "--json")                      # with --json: one JSON object on stdout
    problem = json.loads(result.stdout)["problems"][0]
    assert result.exit_code == 2 and message in problem["message"]
    assert problem["file"] == str(cpu.root / "envmgr.yaml") and problem["line"] == 2
    assert not any("[" in p.name for p in cpu.root.iterdir())   # no folder named "['a', 'b']"


@pytest.mark.parametrize("value", [",", " , ", ",,"])
def test_default_channels_variable_naming_nothing_is_an_error(cpu, monkeypatch, value):
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", value)
    cpu.spec_path("cpu").write_text(CPU + "channels: [defaults]\n")
    line = one_line_error(envmgr("lock", "cpu"), code=2)
    assert "ENVMGR_DEFAULT_CHANNELS names no channel" in line


def test_every_setting_follows_one_rule(tmp_path, monkeypatch):
    from envmgr.engine.channels import channel_alias, default_channels
    from envmgr.envs.environments import envs_root, pkgs_dir
    from envmgr.engine.piplayer.resolve import pypi_index, pytorch_index
    from envmgr.specs.workspace import find_workspace

    (tmp_path / "envmgr.yaml").write_text(
        "channel_alias: https://mirror.example/conda/\n"
        "default_channels: https://mirror.example/main, https://mirror.example/r\n"
        "pypi_index: https://mirror.example/simple/\npytorch_index: https://mirror.example/whl\n"
        "envs_dir: my-envs\npkgs_dir: ~/cache\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    variables = ("ENVMGR_CHANNEL_ALIAS", "ENVMGR_DEFAULT_CHANNELS", "ENVMGR_PYPI_INDEX",
                 "ENVMGR_PYTORCH_INDEX", "ENVMGR_ENVS_DIR", "ENVMGR_PKGS_DIR")
    for var in variables:
        monkeypatch.setenv(var, " ")          # set but blank: the file's value applies
    workspace = find_workspace(tmp_path)
    assert channel_alias(workspace) == "https://mirror.example/conda/"
    assert default_channels(workspace) == ["https://mirror.example/main", "https://mirror.example/r"]
    assert pypi_index(workspace) == "https://mirror.example/simple"
    assert pytorch_index(workspace) == "https://mirror.example/whl"
    assert envs_root(workspace) == tmp_path / "my-envs"      # relative to the workspace, not the cwd
    assert pkgs_dir(workspace) == tmp_path / "home" / "cache"
    for var in variables:                                    # a variable wins over envmgr.yaml
        monkeypatch.setenv(var, f"/from/{var}" if var.endswith("_DIR") else f"file:///from/{var}")
    assert channel_alias(workspace) == "file:///from/ENVMGR_CHANNEL_ALIAS/"
    assert default_channels(workspace) == ["file:///from/ENVMGR_DEFAULT_CHANNELS"]
    assert pypi_index(workspace) == "file:///from/ENVMGR_PYPI_INDEX"
    assert envs_root(workspace) == Path("/from/ENVMGR_ENVS_DIR")
    assert pkgs_dir(workspace) == Path("/from/ENVMGR_PKGS_DIR")


# -- an envs dir or package cache that is a file -------------------------------------------------
@pytest.mark.parametrize("variable", ["ENVMGR_ENVS_DIR", "ENVMGR_PKGS_DIR"])
@pytest.mark.parametrize("below", [False, True])
def test_a_folder_setting_pointing_at_a_file_is_one_line(cpu, tmp_path, monkeypatch, variable, below):
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    monkeypatch.setenv(variable, str(a_file / "sub" if below else a_file))
    assert envmgr("lock", "cpu").exit_code == 0
    for command in (["create", "cpu"], ["list"], ["remove", "cpu", "--yes"]):
        line = one_line_error(envmgr(*command), code=2)
        assert f"{a_file} is a file" in line and f"point {variable} at a folder" in line
    assert a_file.read_text() == "x"


def test_a_folder_setting_in_envmgr_yaml_names_its_line(cpu, tmp_path, monkeypatch):
    a_file = tmp_path / "cache-file"
    a_file.write_text("x")
    monkeypatch.delenv("ENVMGR_PKGS_DIR")
    (cpu.root / "envmgr.yaml").write_text(f"# where packages go\npkgs_dir: {a_file}\n")
    line = one_line_error(envmgr("create", "cpu"), code=2)
    assert "envmgr.yaml:2: " in line and "point pkgs_dir in envmgr.yaml at a folder" in line


# -- ENVMGR_WORKSPACE must name an existing folder -----------------------------------------------
@pytest.mark.parametrize("what", ["file", "missing"])
def test_envmgr_workspace_must_be_an_existing_folder(tmp_path, monkeypatch, what):
    target = tmp_path / "afile"
    if what == "file":
        target.write_text("x")
    monkeypatch.setenv("ENVMGR_WORKSPACE", str(target))
    monkeypatch.chdir(tmp_path)
    for args in (["new", "x", "torch 1.13 cpu"], ["list"], ["check"]):
        line = one_line_error(envmgr(*args), code=2)
        assert "ENVMGR_WORKSPACE" in line and str(target) in line
    assert (target.is_file() if what == "file" else not target.exists())
