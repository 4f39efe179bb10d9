"""Under faults the messages say what happened: a full disk while installing says the disk is
full (not "remove the package cache"), a full disk while writing a lockfile names the file, and a
workspace whose name a strict C locale cannot encode is one line (and a JSON object), not a
traceback."""
from __future__ import annotations

import errno
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from clihelp import envmgr, one_line_error


@pytest.fixture
def lockfile_disk_full(monkeypatch):
    """fsync fails with ENOSPC for the lockfile's temporary file only (the OS-call boundary)."""
    real_fsync = os.fsync

    def fsync(fd):
        if ".conda-lock.yml." in os.readlink(f"/proc/self/fd/{fd}"):
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_fsync(fd)
    monkeypatch.setattr(os, "fsync", fsync)


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="reads /proc/self/fd")
def test_a_full_disk_while_writing_the_lockfile_names_the_file(cpu, lockfile_disk_full):
    line = one_line_error(envmgr("lock", "cpu"))
    assert "cpu.conda-lock.yml" in line and "the disk is full" in line and "df -h" in line
    assert not cpu.lockfile("cpu").exists()
    assert not list(cpu.lockfile("cpu").parent.glob(".cpu.conda-lock.yml.*"))   # no temp left
    result = envmgr("lock", "cpu", "--json")
    (report,) = json.loads(result.stdout)
    assert result.exit_code == 1 and "the disk is full" in report["problems"][0]["message"]


def tiny_tmpfs_available() -> bool:
    if not shutil.which("unshare"):
        return False
    probe = subprocess.run(["unshare", "-rm", "sh", "-c", "mount -t tmpfs -o size=1m tmpfs /mnt"],
                           capture_output=True)
    return probe.returncode == 0


def create_on_a_full_disk(where: str, cpu, tmp_path) -> subprocess.CompletedProcess:
    """`envmgr create cpu --json` with ``where`` (envs or pkgs) on a 2 MiB tmpfs of its own (a
    private mount namespace: nothing outside sees it); the torch blob alone is 3 MiB."""
    small = tmp_path / "small"
    small.mkdir()
    env = dict(os.environ)
    if where == "pkgs":
        env["ENVMGR_PKGS_DIR"] = str(small / "pkgs")
    else:
        env["ENVMGR_ENVS_DIR"] = str(small / "envs")
    script = f"mount -t tmpfs -o size=2m tmpfs {small} && exec {sys.executable} -m envmgr create cpu --json"
    return subprocess.run(["unshare", "-rm", "sh", "-c", script], capture_output=True, text=True,
                          env=env, timeout=120)


@pytest.mark.skipif(not tiny_tmpfs_available(), reason="needs unshare -rm and a tmpfs mount")
@pytest.mark.parametrize("where", ["pkgs", "envs"])     # extraction, then linking (a copy)
def test_a_full_disk_while_installing_says_the_disk_is_full(cpu, tmp_path, where):
    assert envmgr("lock", "cpu").exit_code == 0
    done = create_on_a_full_disk(where, cpu, tmp_path)
    assert done.returncode == 1 and "Traceback" not in done.stderr, done.stderr
    (report,) = json.loads(done.stdout)
    problem = report["problems"][0]
    assert "the disk is full" in problem["message"] and "os error 28" in problem["message"]
    assert "free space" in problem["fix"] and "remove the package cache" not in problem["fix"]
    assert problem["code"] == "enospc"


LOCALE = {"LANG": "C", "LC_ALL": "C", "PYTHONUTF8": "0", "PYTHONCOERCECLOCALE": "0"}


@pytest.mark.parametrize("command", [["lock", "cpu"], ["create", "cpu"]])
def test_a_non_ascii_workspace_in_a_strict_c_locale_is_one_line(cpu, tmp_path, command):
    odd = tmp_path / "données"
    shutil.copytree(cpu.root, odd)
    env = {**os.environ, **LOCALE, "ENVMGR_WORKSPACE": str(odd)}
    for as_json in (False, True):
        args = [sys.executable, "-m", "envmgr", *command] + (["--json"] if as_json else [])
        done = subprocess.run(args, cwd=odd, env=env, capture_output=True, timeout=120)
        stderr = done.stderr.decode("ascii", "replace")
        assert done.returncode == 2 and "Traceback" not in stderr, stderr
        if as_json:
            (report,) = json.loads(done.stdout)
            assert "UTF-8 locale" in report["problems"][0]["fix"]
        else:
            assert stderr.strip().startswith("error: ") and len(stderr.strip().splitlines()) == 1
            assert "LC_ALL=C.UTF-8" in stderr
