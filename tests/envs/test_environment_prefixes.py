"""Where environments go, who owns a prefix, the marker, leftovers, the swap, conda's registry.

These need no lockfile: a "populate" step writes a tiny prefix the way the installer would
(conda-meta records), so the bookkeeping around installs is tested on its own.
"""
from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import pytest

from envmgr import disk
from envmgr.envs.environments import (CREATED, FOREIGN, MISSING, OUT_OF_SYNC, Environment, envs_root,
                                 file_digest, pkgs_dir)
from envmgr.host.locations import conda_envs_dir
from envmgr.errors import EnvmgrError, UsageError


@pytest.fixture
def home(tmp_path, monkeypatch):
    """An empty home with no conda anywhere in sight."""
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    for var in ("ENVMGR_ENVS_DIR", "ENVMGR_PKGS_DIR", "CONDA_EXE", "CONDA_ENVS_PATH",
                "CONDA_ENVS_DIRS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-conda-here"))
    return home


def fake_conda(root: Path) -> Path:
    exe = root / "bin" / "conda"
    exe.parent.mkdir(parents=True)
    exe.write_text("#!/bin/sh\nexit 0\n")
    exe.chmod(exe.stat().st_mode | stat.S_IEXEC)
    return exe


def populate_with(packages: list[str]):
    def populate(tmp: Path) -> None:
        (tmp / "conda-meta").mkdir()
        for pkg in packages:
            (tmp / "conda-meta" / f"{pkg}.json").write_text("{}")
        (tmp / "bin").mkdir()
        (tmp / "bin" / "tool").write_text(f"#!/bin/sh\n# {len(packages)}\n")
    return populate


# -- where -------------------------------------------------------------------------------------
def test_envs_dir_without_conda_is_under_home(home):
    assert conda_envs_dir() is None
    assert envs_root() == home / ".envmgr" / "envs"
    assert pkgs_dir() == home / ".envmgr" / "pkgs"


def test_envmgr_envs_dir_wins(home, tmp_path, monkeypatch):
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(tmp_path / "mine"))
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(tmp_path / "cache"))
    fake_conda(tmp_path / "miniconda")
    monkeypatch.setenv("CONDA_EXE", str(tmp_path / "miniconda" / "bin" / "conda"))
    assert Environment.named("x").prefix == tmp_path / "mine" / "x"
    assert Environment.named("x").pkgs_dir == tmp_path / "cache"


def test_conda_envs_dir_from_conda_exe(home, tmp_path, monkeypatch):
    exe = fake_conda(tmp_path / "miniconda")
    monkeypatch.setenv("CONDA_EXE", str(exe))
    assert envs_root() == tmp_path / "miniconda" / "envs"


def test_conda_on_path_is_found(home, tmp_path, monkeypatch):
    exe = fake_conda(tmp_path / "mambaforge")
    monkeypatch.setenv("PATH", str(exe.parent))
    assert envs_root() == tmp_path / "mambaforge" / "envs"


def test_conda_envs_path_variable(home, tmp_path, monkeypatch):
    monkeypatch.setenv("CONDA_ENVS_PATH", f"{tmp_path / 'a'}{os.pathsep}{tmp_path / 'b'}")
    assert envs_root() == tmp_path / "a"


def test_conda_registry_alone_means_users_conda_envs(home):
    (home / ".conda").mkdir()
    (home / ".conda" / "environments.txt").write_text("")
    assert envs_root() == home / ".conda" / "envs"


@pytest.mark.parametrize("name", ["../etc", "a/b", "", ".hidden", "-x"])
def test_bad_names_are_refused(home, name):
    with pytest.raises(UsageError):
        Environment.named(name)


# -- building, owning, removing -----------------------------------------------------------------
def test_build_writes_marker_and_is_in_sync(home, tmp_path):
    lockfile = tmp_path / "x.conda-lock.yml"
    lockfile.write_text("version: 1\n")
    env = Environment.named("x")
    assert env.status(lockfile, "linux-64") == MISSING
    with env.locked():
        env.build(populate_with(["a-1-0", "b-2-0"]),
                  {"lockfile_sha256": file_digest(lockfile), "platform": "linux-64"})
    marker = json.loads((env.prefix / "conda-meta" / "envmgr.json").read_text())
    assert marker["packages"] == ["a-1-0", "b-2-0"] and marker["prefix"] == str(env.prefix)
    assert env.in_sync(lockfile, "linux-64") and env.status(lockfile, "linux-64") == CREATED
    assert not env.in_sync(lockfile, "win-64")
    assert not list(env.prefix.parent.glob(".x.envmgr-tmp-*"))


def test_changed_lockfile_or_packages_is_out_of_sync(home, tmp_path):
    lockfile = tmp_path / "x.conda-lock.yml"
    lockfile.write_text("version: 1\n")
    env = Environment.named("x")
    with env.locked():
        env.build(populate_with(["a-1-0"]), {"lockfile_sha256": file_digest(lockfile),
                                             "platform": "linux-64"})
    (env.prefix / "conda-meta" / "intruder-1-0.json").write_text("{}")  # `conda install` by hand
    assert env.status(lockfile, "linux-64") == OUT_OF_SYNC
    (env.prefix / "conda-meta" / "intruder-1-0.json").unlink()
    assert env.in_sync(lockfile, "linux-64")
    lockfile.write_text("version: 1\n# re-locked\n")
    assert env.status(lockfile, "linux-64") == OUT_OF_SYNC


def test_rebuild_swaps_in_place_and_leaves_nothing_behind(home, tmp_path):
    env = Environment.named("x")
    with env.locked():
        env.build(populate_with(["a-1-0"]), {"lockfile_sha256": "1", "platform": "linux-64"})
        env.build(populate_with(["a-2-0", "c-1-0"]), {"lockfile_sha256": "2", "platform": "linux-64"})
    assert env.marker()["lockfile_sha256"] == "2"
    assert env.installed_packages() == {"a-2-0", "c-1-0"}
    assert sorted(p.name for p in env.prefix.parent.iterdir()) == [".x.envmgr.lock", "x"]


def test_failed_build_keeps_the_old_env(home):
    env = Environment.named("x")
    with env.locked():
        env.build(populate_with(["a-1-0"]), {"lockfile_sha256": "1", "platform": "linux-64"})

        def broken(tmp: Path) -> None:
            populate_with(["a-2-0"])(tmp)
            raise EnvmgrError("package archive a-2-0 does not match the lockfile")

        with pytest.raises(EnvmgrError):
            env.build(broken, {"lockfile_sha256": "2", "platform": "linux-64"})
    assert env.marker()["lockfile_sha256"] == "1"
    assert not list(env.prefix.parent.glob(".x.envmgr-*-*"))


def test_foreign_prefix_is_never_replaced_or_removed(home):
    env = Environment.named("theirs")
    (env.prefix / "conda-meta").mkdir(parents=True)
    (env.prefix / "precious.txt").write_text("keep me")
    assert env.status(None, "linux-64") == FOREIGN
    with pytest.raises(EnvmgrError, match="not created by envmgr"):
        env.refuse_foreign()
    with env.locked(), pytest.raises(EnvmgrError, match="not created by envmgr"):
        env.remove()
    assert (env.prefix / "precious.txt").read_text() == "keep me"


def test_leftovers_with_marker_are_cleaned_others_kept(home):
    env = Environment.named("x")
    root = env.prefix.parent
    ours = root / ".x.envmgr-tmp-abc123"
    (ours / "lib").mkdir(parents=True)
    (ours / ".envmgr-tmp").write_text('{"name": "x", "pid": 1}')
    not_ours = root / ".x.envmgr-tmp-zzz"          # the right name, but no marker inside
    not_ours.mkdir()
    (not_ours / "data.txt").write_text("someone's")
    killed_early = root / ".x.envmgr-tmp-empty"    # killed between mkdtemp and the marker
    killed_early.mkdir()
    other_name = root / ".y.envmgr-tmp-abc"
    other_name.mkdir()
    (other_name / ".envmgr-tmp").write_text('{"name": "y", "pid": 1}')
    with env.locked():
        assert sorted(env.clean_leftovers()) == sorted([ours, killed_early])
    assert not ours.exists() and not killed_early.exists()
    assert (not_ours / "data.txt").is_file() and other_name.exists()


def test_remove_deletes_env_and_unregisters(home, tmp_path, monkeypatch):
    monkeypatch.setenv("CONDA_EXE", str(fake_conda(tmp_path / "miniconda")))
    env = Environment.named("x")
    with env.locked():
        env.build(populate_with(["a-1-0"]), {"lockfile_sha256": "1", "platform": "linux-64"})
    registry = home / ".conda" / "environments.txt"
    assert str(env.prefix) in registry.read_text().splitlines()
    with env.locked():
        env.remove()
    assert not env.exists()
    assert str(env.prefix) not in registry.read_text().splitlines()


def test_no_registry_written_without_conda(home):
    env = Environment.named("x")
    with env.locked():
        env.build(populate_with(["a-1-0"]), {"lockfile_sha256": "1", "platform": "linux-64"})
    assert not (home / ".conda").exists()


# -- disk ---------------------------------------------------------------------------------------
def test_disk_usage_counts_hardlinks_once(tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.mkdir()
    b.mkdir()
    (a / "big").write_bytes(os.urandom(256 * 1024))
    os.link(a / "big", b / "big")
    (b / "own").write_bytes(os.urandom(8 * 1024))
    one, both = disk.usage(a), disk.usage(a, b)
    assert one.total >= 256 * 1024 and one.private < 64 * 1024   # the blob is shared (2 links)
    extra = both.total - one.total
    assert 8 * 1024 <= extra < 64 * 1024                        # b adds its own file, not the blob
    assert disk.usage(a, a).total == one.total
    assert disk.human(1536) == "1.5 KiB" and disk.human(None) == "-"


# -- a non-UTF-8 ~/.conda/environments.txt goes back byte for byte -------------------------------
@pytest.fixture
def conda_home(tmp_path, monkeypatch):
    """A home whose conda registry exists (so envmgr registers), with no conda installed."""
    home = tmp_path / "home"
    (home / ".conda").mkdir(parents=True)
    monkeypatch.setenv("HOME", str(home))
    for var in ("ENVMGR_ENVS_DIR", "ENVMGR_PKGS_DIR", "CONDA_EXE", "CONDA_ENVS_PATH", "CONDA_ENVS_DIRS"):
        monkeypatch.delenv(var, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path / "no-conda-here"))
    return home


def populate(tmp: Path) -> None:
    (tmp / "conda-meta").mkdir()
    (tmp / "conda-meta" / "a-1-0.json").write_text("{}")
    (tmp / "bin").mkdir()
    (tmp / "bin" / "python").write_text("#!/bin/sh\n")


def test_a_latin1_conda_registry_survives_create_and_remove(conda_home):
    registry = conda_home / ".conda" / "environments.txt"
    theirs = "/home/s\xf8ren/miniconda3/envs/old".encode("latin-1") + b"\n"
    registry.write_bytes(theirs)
    env = Environment.named("x")
    with env.locked():
        env.build(populate, {"lockfile_sha256": "1", "platform": "linux-64"})
    assert registry.read_bytes() == theirs + os.fsencode(env.prefix) + b"\n"
    with env.locked():
        env.remove()
    assert registry.read_bytes() == theirs and not env.exists()
