"""Channel names resolve through the alias and default channels; a channel or package URL that
cannot be read is a one-line error naming it (and only it) and the setting behind it."""
from __future__ import annotations

import pytest

from clihelp import CPU, envmgr, one_line_error, reseal


def test_channel_names_resolve_through_the_alias(monkeypatch, tmp_path):
    from envmgr.engine.channels import resolve_channels
    from envmgr.errors import UsageError
    from envmgr.specs.workspace import Workspace

    for var in ("ENVMGR_CHANNEL_ALIAS", "ENVMGR_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    assert resolve_channels(["pytorch", "nvidia", "defaults"]) == [
        "https://conda.anaconda.org/pytorch", "https://conda.anaconda.org/nvidia",
        "https://repo.anaconda.com/pkgs/main"]
    tuna = Workspace(root=tmp_path, config={
        "channel_alias": "https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud",
        "default_channels": ["https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main",
                             "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/r"]})
    assert resolve_channels(["conda-forge", "defaults", "nodefaults"], tuna) == [
        "https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud/conda-forge",
        "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main",
        "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/r"]
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "file:///srv/ch")      # the variable beats envmgr.yaml
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", "file:///srv/main, file:///srv/msys2")
    assert resolve_channels(["pytorch", "defaults", "https://example.org/x/", str(tmp_path)], tuna) == [
        "file:///srv/ch/pytorch", "file:///srv/main", "file:///srv/msys2", "https://example.org/x",
        tmp_path.as_uri()]
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "not a url")
    with pytest.raises(UsageError):
        resolve_channels(["pytorch"])


# -- channels that cannot be read ---------------------------------------------------------------
def test_a_missing_file_channel_is_one_line_naming_it(cpu, tmp_path, monkeypatch):
    missing = (tmp_path / "no-such-mirror").as_uri()
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", missing + "/")
    line = one_line_error(envmgr("lock", "cpu", "--update"))
    assert f"{missing}/pytorch" in line and "ENVMGR_CHANNEL_ALIAS" in line


def test_missing_default_channels_name_the_setting(cpu, tmp_path, monkeypatch):
    missing = (tmp_path / "no-main").as_uri()
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", missing)
    write = cpu.spec_path("cpu")
    write.write_text(CPU + "channels: [defaults]\n")
    line = one_line_error(envmgr("lock", "cpu"))
    assert missing in line and "ENVMGR_DEFAULT_CHANNELS" in line


def test_a_scheme_rattler_does_not_support_is_one_line(cpu, monkeypatch):
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "ftp://mirror.example/")
    line = one_line_error(envmgr("lock", "cpu"))
    assert "ftp://mirror.example/pytorch" in line and "not a supported scheme" in line


@pytest.mark.parametrize("alias", ["http://", "https://[::1", "https://mirror:port/"])
def test_a_malformed_alias_is_a_usage_error_naming_the_variable(cpu, monkeypatch, alias):
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", alias)
    line = one_line_error(envmgr("lock", "cpu"), code=2)
    assert repr(alias) in line and "ENVMGR_CHANNEL_ALIAS" in line


# -- a channel error names only the channels that failed ------------------------------------------
def test_an_unsupported_alias_names_only_the_channels_under_it(cpu, monkeypatch, test_channels):
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "ftp://mirror.example/")
    cpu.spec_path("cpu").write_text(CPU + "channels: [pytorch, defaults]\n")
    line = one_line_error(envmgr("lock", "cpu"))
    assert "cannot read the channel ftp://mirror.example/pytorch:" in line
    assert test_channels.url("defaults") not in line and "file://" not in line


def test_an_unreachable_package_url_fails_the_install_in_one_line(cpu, tmp_path, monkeypatch):
    assert envmgr("lock", "cpu").exit_code == 0
    lockfile = cpu.lockfile("cpu")
    # a port nothing listens on: refused at once, no network needed
    text = lockfile.read_text()
    lockfile.write_text(text.replace("url: file://", "url: http://127.0.0.1:9"))
    reseal(lockfile)
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(tmp_path / "empty-cache"))   # nothing cached
    line = one_line_error(envmgr("create", "cpu", "--relock"))
    assert "install failed" in line and "Connection refused" in line
    assert "(from http://127.0.0.1:9/" in line and "check the network" in line
