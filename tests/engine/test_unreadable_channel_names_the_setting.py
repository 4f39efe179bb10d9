"""A channel that cannot be read is named with the setting that made its URL: `defaults` ->
ENVMGR_DEFAULT_CHANNELS / default_channels; a channel name -> ENVMGR_CHANNEL_ALIAS /
channel_alias; an environment variable that overrides envmgr.yaml is named as such."""
from __future__ import annotations

from clihelp import one_line_error, envmgr

SPEC = "stack: torch 1.10 + cu102\nplatforms: [linux-64]\n"   # pytorch + defaults


def test_unreadable_defaults_from_envmgr_yaml_names_default_channels(tmp_workspace, write_spec,
                                                                    monkeypatch, tmp_path):
    write_spec(tmp_workspace, "paper", SPEC)
    monkeypatch.delenv("ENVMGR_DEFAULT_CHANNELS")
    (tmp_workspace.root / "envmgr.yaml").write_text(
        f"default_channels: [{(tmp_path / 'nowhere').as_uri()}]\n")
    line = one_line_error(envmgr("lock", "paper"))
    assert "`defaults` expands to" in line and "default_channels in envmgr.yaml:1" in line
    assert "fix: point ENVMGR_DEFAULT_CHANNELS (comma-separated URLs) or default_channels:" in line


def test_a_variable_overriding_envmgr_yaml_is_named_in_the_error(tmp_workspace, write_spec,
                                                                monkeypatch, tmp_path):
    write_spec(tmp_workspace, "paper", SPEC)
    (tmp_workspace.root / "envmgr.yaml").write_text(
        f"default_channels: [{(tmp_path / 'fine').as_uri()}]\n")
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", (tmp_path / "stale").as_uri())
    line = one_line_error(envmgr("lock", "paper"))
    assert ("ENVMGR_DEFAULT_CHANNELS, set in your environment, which overrides default_channels "
            "in envmgr.yaml:1") in line
    assert "fix: correct or unset ENVMGR_DEFAULT_CHANNELS" in line


def test_an_unreadable_alias_names_the_channel_alias(tmp_workspace, write_spec, monkeypatch,
                                                     tmp_path):
    write_spec(tmp_workspace, "paper", SPEC)
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", (tmp_path / "gone").as_uri() + "/")
    line = one_line_error(envmgr("lock", "paper"))
    assert "channel names resolve through" in line and "ENVMGR_CHANNEL_ALIAS, set in your environment" in line
