"""Shared fixtures: local conda channels built once per test session, and isolated workspaces.

Fixtures (use them, don't rebuild channels in your own tests: it costs ~3 s each time):

``test_channels`` (session)
    A :class:`ChannelSet` with the four test channels (``pytorch``, ``nvidia``, ``conda-forge``,
    ``defaults``) built by ``envmgr.testchannel`` into one temporary root. Read-only: never
    write into it (build your own with ``build_channel`` for tampering tests).
``use_test_channels`` (function)
    Sets ``ENVMGR_CHANNEL_ALIAS`` / ``ENVMGR_DEFAULT_CHANNELS`` so channel names resolve to the
    test channels; returns the ChannelSet.
``pkgs_dir`` (session)
    One package cache shared by the session (installs hardlink from it, like real use).
``tmp_workspace`` (function)
    An empty workspace (``envs/``, ``lockfiles/``) in a temp dir with ``ENVMGR_WORKSPACE``,
    ``ENVMGR_ENVS_DIR`` (temp), ``ENVMGR_PKGS_DIR`` (the shared cache), ``ENVMGR_CACHE_DIR``
    (temp: repodata cache) and the channel variables
    set, and the current directory moved into it. Nothing is written under the user's home.
``write_spec`` (function)
    ``write_spec(workspace, name, text)`` writes ``envs/NAME.yaml`` and returns its path.
``synthetic_channel`` (session)
    The ~20,000-record synthetic channel (repodata only) and its requestable names.
``workspace`` (function)
    An empty workspace (just ``envs/``) for the commands that need no channel.
``cpu`` / ``created_cpu`` (function)
    ``tmp_workspace`` holding one CPU spec ``cpu``; ``created_cpu`` has its environment created too
    and returns its lockfile.

Every test also gets a temporary ``HOME`` and uv cache, and fails if it writes under the real home
(``homeguard.py``, autouse).
"""
from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import pytest

from envmgr.testchannel import build_test_channels, channel_alias_for, channel_env
from envmgr.specs.workspace import Workspace

pytest_plugins = ["homeguard", "pytester"]


@dataclass(frozen=True)
class ChannelSet:
    root: Path
    dirs: dict[str, Path]     # channel name -> directory

    @property
    def alias(self) -> str:
        return channel_alias_for(self.root)

    @property
    def env(self) -> dict[str, str]:
        return channel_env(self.root)

    def url(self, name: str) -> str:
        return self.dirs[name].resolve().as_uri()


@pytest.fixture(scope="session")
def test_channels(tmp_path_factory) -> ChannelSet:
    root = tmp_path_factory.mktemp("channels")
    return ChannelSet(root=root, dirs=build_test_channels(root))


@pytest.fixture
def use_test_channels(test_channels, monkeypatch) -> ChannelSet:
    for key, value in test_channels.env.items():
        monkeypatch.setenv(key, value)
    return test_channels


@pytest.fixture(scope="session")
def pkgs_dir(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("pkgs")


@pytest.fixture
def tmp_workspace(tmp_path, use_test_channels, pkgs_dir, monkeypatch) -> Workspace:
    root = tmp_path / "ws"
    (root / "envs").mkdir(parents=True)
    (root / "lockfiles").mkdir()
    monkeypatch.setenv("ENVMGR_WORKSPACE", str(root))
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(tmp_path / "conda-envs"))
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(pkgs_dir))
    monkeypatch.setenv("ENVMGR_CACHE_DIR", str(tmp_path / "cache"))
    monkeypatch.delenv("CONDA_OVERRIDE_CUDA", raising=False)
    # The machine the tests describe has no GPU unless a test says otherwise (ENVMGR_GPU=...).
    for var in ("ENVMGR_GPU", "ENVMGR_DRIVER_VERSION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ENVMGR_NO_GPU", "1")
    monkeypatch.chdir(root)
    return Workspace(root=root)


@pytest.fixture
def write_spec():
    def write(workspace: Workspace, name: str, text: str) -> Path:
        path = workspace.spec_path(name)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return path
    return write


@pytest.fixture(scope="session")
def synthetic_channel(tmp_path_factory) -> tuple[Path, list[str]]:
    from envmgr.testchannel.synthetic import write_synthetic_channel

    root = tmp_path_factory.mktemp("synthetic")
    return root, write_synthetic_channel(root)


@pytest.fixture
def workspace(tmp_path, monkeypatch) -> Path:
    """An empty workspace (just `envs/`) as the current directory, on a machine with no GPU:
    for the commands that need no channel (new, check, render, matrix, import)."""
    (tmp_path / "envs").mkdir()
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("ENVMGR_WORKSPACE", raising=False)
    for var in ("CONDA_OVERRIDE_CUDA", "ENVMGR_GPU", "ENVMGR_DRIVER_VERSION"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("ENVMGR_NO_GPU", "1")
    return tmp_path


@pytest.fixture
def cpu(tmp_workspace, write_spec):
    """A workspace holding one CPU spec, `cpu` (torch 1.13)."""
    write_spec(tmp_workspace, "cpu", "stack: torch 1.13 cpu\n")
    return tmp_workspace


@pytest.fixture
def created_cpu(cpu):
    """The `cpu` workspace with its environment created (through the CLI); returns its lockfile."""
    from clihelp import envmgr

    assert envmgr("create", "cpu").exit_code == 0
    return cpu.lockfile("cpu")


@pytest.fixture
def paper(tmp_workspace, write_spec):
    """The paper stack (torch 1.10 + cu102 + py3.7) locked in a temporary workspace."""
    from clihelp import run

    # both platforms written out: the default is only the platform of the machine that locks
    write_spec(tmp_workspace, "paper-2021",
               "stack: torch 1.10 + cu102 + py3.7\nplatforms: [linux-64, win-64]\n")
    code, out = run("lock", "paper-2021")
    assert code == 0, out
    return tmp_workspace.lockfile("paper-2021")


@pytest.fixture(autouse=True)
def no_system_cuda_toolkit(monkeypatch):
    """doctor also looks for nvcc in /usr/local/cuda: the machine running the tests may have one,
    which no test expects (tests put a stand-in nvcc on PATH)."""
    monkeypatch.setattr("envmgr.host.detect.SYSTEM_CUDA_HOMES", ())
