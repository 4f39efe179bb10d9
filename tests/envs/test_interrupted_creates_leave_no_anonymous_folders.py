"""Ctrl-C, a failed install or kill -9 while an env is built or deleted: what is left is always a
folder envmgr recognises (its marker is deleted last), the next create or remove deletes it (for
any name whose lock is free), `list --all-workspaces` counts it and doctor reports its size."""
from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from clihelp import envmgr
from envmgr.envs.environments import Environment


# kill -9 right after a file of that name is deleted: the worst moment for the old code, which
# deleted conda-meta/envmgr.json (envmgr's ownership marker) before the thousands of other files
DIE_AFTER_UNLINKING = """
import os, runpy, sys
real_unlink, fatal = os.unlink, sys.argv[1]
def unlink(path, *args, **kwargs):
    real_unlink(path, *args, **kwargs)
    if os.path.basename(os.fsdecode(path)) == fatal:
        os._exit(137)
os.unlink = unlink
sys.argv = ["envmgr", *sys.argv[2:]]
runpy.run_module("envmgr", run_name="__main__")
"""


def killed_after_unlinking(basename: str, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", DIE_AFTER_UNLINKING, basename, *args],
                          capture_output=True, text=True, timeout=120)


def files_in(folder: Path) -> int:
    return sum(1 for _ in folder.rglob("*"))


def test_kill_while_remove_deletes_leaves_a_marked_tombstone(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    env = Environment.named("cpu", cpu)
    assert killed_after_unlinking("envmgr.json", "remove", "cpu", "--yes").returncode == 137
    (tombstone,) = env.leftovers()
    assert ".cpu.envmgr-old-" in tombstone.name and files_in(tombstone) > 10 and not env.exists()
    result = envmgr("remove", "cpu", "--yes", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["leftovers_removed"] == [str(tombstone)]
    assert not tombstone.exists()


def test_kill_while_create_force_deletes_the_old_env_leaves_it_marked(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    env = Environment.named("cpu", cpu)
    # the old env's marker: the new env's is renamed into place, never unlinked
    assert killed_after_unlinking("envmgr.json", "create", "cpu", "--force").returncode == 137
    assert env.is_managed()                      # the new env is in place
    (old,) = env.leftovers()
    assert files_in(old) > 10
    assert envmgr("create", "cpu", "--force").exit_code == 0
    assert env.leftovers() == []


def write_leftover(envs_dir: Path, name: str, kind: str = "tmp") -> Path:
    folder = envs_dir / f".{name}.envmgr-{kind}-abc123"
    (folder / "lib").mkdir(parents=True)
    (folder / "lib" / "blob").write_bytes(b"x" * 10000)
    (folder / ".envmgr-tmp").write_text(json.dumps({"name": name, "pid": 1}))
    return folder


def test_create_and_remove_sweep_other_names_leftovers_but_not_busy_or_foreign_ones(cpu):
    import filelock

    env = Environment.named("cpu", cpu)
    envs_dir = env.prefix.parent
    envs_dir.mkdir(parents=True, exist_ok=True)
    other = write_leftover(envs_dir, "paper", "old")
    busy = write_leftover(envs_dir, "busy")
    foreign = envs_dir / ".mine.envmgr-tmp-keep"     # the shape, but not envmgr's marker
    (foreign / "data").mkdir(parents=True)
    lock = filelock.FileLock(str(envs_dir / ".busy.envmgr.lock"))
    lock.acquire()
    try:
        listed = json.loads(envmgr("list", "--all-workspaces", "--json").stdout)
        assert listed["leftovers"]["count"] == 2 and listed["leftovers"]["size"] >= 20000
        text = envmgr("list", "--all-workspaces").stdout
        assert "2 leftover folders" in text
        assert envmgr("create", "cpu").exit_code == 0
        assert not other.exists() and busy.exists() and foreign.exists()
    finally:
        lock.release()
    removed = json.loads(envmgr("remove", "cpu", "--yes", "--json").stdout)["leftovers_removed"]
    assert removed == [str(busy)] and foreign.exists()


def test_doctor_reports_leftovers_and_their_size(cpu):
    envs_dir = Environment.named("cpu", cpu).prefix.parent
    envs_dir.mkdir(parents=True, exist_ok=True)
    write_leftover(envs_dir, "paper")
    report = json.loads(envmgr("doctor", "--json").stdout)
    assert report["leftovers"]["count"] == 1 and report["leftovers"]["size"] >= 10000
    assert "leftovers" in envmgr("doctor").stdout


# -- Ctrl-C while rattler links thousands of files --------------------------------------------
@pytest.fixture(scope="module")
def big_channels(tmp_path_factory):
    from envmgr.testchannel import Package, build_test_channels

    root = tmp_path_factory.mktemp("big-channels")
    files = {f"share/big/d{i // 100}/f{i}.txt": f"file {i}\n" * 20 for i in range(4000)}
    build_test_channels(root, extra=[Package(name="bigpkg", version="1.0", build="0",
                                             channel="defaults", files=files)])
    return root


def test_ctrl_c_during_a_cold_create_leaves_nothing(tmp_workspace, write_spec, big_channels,
                                                    tmp_path, monkeypatch):
    from envmgr.testchannel import channel_env

    for key, value in channel_env(big_channels).items():
        monkeypatch.setenv(key, value)
    write_spec(tmp_workspace, "big", "stack: torch 1.13 cpu\npackages: [bigpkg]\n")
    assert envmgr("lock", "big").exit_code == 0
    env = Environment.named("big", tmp_workspace)
    for trial in range(2):
        monkeypatch.setenv("ENVMGR_PKGS_DIR", str(tmp_path / f"cold-cache-{trial}"))
        process = subprocess.Popen([sys.executable, "-m", "envmgr", "create", "big"],
                                   stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                                   start_new_session=True)
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and not any(
                (p / "share").is_dir() for p in env.prefix.parent.glob(".big.envmgr-tmp-*")):
            time.sleep(0.002)
        os.killpg(process.pid, signal.SIGINT)          # what a terminal's Ctrl-C does
        _, err = process.communicate(timeout=60)
        assert process.returncode == 130 and "interrupted" in err and "Traceback" not in err
        time.sleep(0.3)                                 # anything still writing would show now
        left = list(env.prefix.parent.glob(".big.envmgr-*"))
        assert left == [] and not env.exists(), [(p, files_in(p)) for p in left]
