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


# -- envmgr create, end to end: lock -> install from the test channels -> verify ----------------
import shutil  # noqa: E402
import subprocess  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from envmgr.cli import cli  # noqa: E402

PAPER = "stack: torch 1.10.1 + cu102 + py3.7\n"


def envmgr(*args: str):
    """Run the CLI in-process; returns click's Result (exit_code, stdout, stderr)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def envmgr_process(*args: str, env: dict | None = None, **popen) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "envmgr", *args], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, env={**os.environ, **(env or {})},
                            **popen)


def create_json(name: str, *extra: str) -> dict:
    result = envmgr("create", name, "--json", *extra)
    assert result.exit_code == 0, result.stderr
    (only,) = json.loads(result.stdout)          # always a list, one object per environment
    return only


def wait_for(predicate, timeout: float = 30.0, step: float = 0.01):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        found = predicate()
        if found:
            return found
        time.sleep(step)
    raise AssertionError("timed out waiting")


def temp_siblings(env: Environment) -> list[Path]:
    return sorted(env.prefix.parent.glob(f".{env.name}.envmgr-*-*"))


def test_create_locks_installs_and_verify_reports_the_cuda_build(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    result = create_json("paper")
    assert result["action"] == "created" and tmp_workspace.lockfile("paper").is_file()
    env = Environment.named("paper", tmp_workspace)
    # The final prefix, not the temporary sibling, was written into the files.
    script = (env.prefix / "bin" / "python").read_text()
    assert f'PREFIX="{env.prefix}"' in script and "envmgr-tmp" not in script
    verified = envmgr("verify", "paper", "--json")
    report = json.loads(verified.stdout)
    assert verified.exit_code == 0, verified.output
    assert report["torch_version"] == "1.10.1" and report["torch_cuda"] == "10.2"
    assert report["python_version"].startswith("3.7.") and report["ok"] is True
    assert report["torch_file"].startswith(str(env.prefix))


def test_noop_create_touches_nothing_and_loads_no_engine(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    create_json("paper")
    env = Environment.named("paper", tmp_workspace)
    before = {p.name: p.stat().st_mtime_ns for p in (env.prefix / "conda-meta").iterdir()}
    process = envmgr_process("create", "paper", "--json", env={"PYTHONPROFILEIMPORTTIME": "1"})
    out, err = process.communicate(timeout=60)
    assert process.returncode == 0, err
    assert json.loads(out)[0]["action"] == "up-to-date"
    imported = {line.split("|")[-1].strip() for line in err.splitlines() if "import time:" in line}
    assert "rattler" not in imported and "conda_lock" not in imported
    after = {p.name: p.stat().st_mtime_ns for p in (env.prefix / "conda-meta").iterdir()}
    assert after == before


def test_two_identical_envs_cost_less_than_5_percent_extra(tmp_workspace, write_spec):
    for name in ("one", "two"):
        write_spec(tmp_workspace, name, PAPER)
        create_json(name)
    one = Environment.named("one", tmp_workspace).prefix
    two = Environment.named("two", tmp_workspace).prefix
    alone, both = disk.usage(one), disk.usage(one, two)
    assert alone.total > 3 * 1024 * 1024              # the fake torch alone is 3 MiB
    assert (both.total - alone.total) < 0.05 * alone.total


def test_kill_9_mid_create_leaves_no_env_and_retry_succeeds(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    assert envmgr("lock", "paper").exit_code == 0
    env = Environment.named("paper", tmp_workspace)
    # The pause hook holds envmgr after linking, before the rename: the worst moment to die.
    process = envmgr_process("create", "paper", env={"ENVMGR_TEST_PAUSE_BEFORE_RENAME": "60"})
    try:
        tmp = wait_for(lambda: [p for p in temp_siblings(env) if (p / "conda-meta").is_dir()])[0]
        wait_for(lambda: (tmp / "bin" / "python").exists())
    finally:
        process.kill()
        process.communicate()
    assert process.returncode == -9
    assert not env.exists() and temp_siblings(env) == [tmp]
    result = create_json("paper")
    assert result["action"] == "created" and temp_siblings(env) == []
    assert envmgr("verify", "paper").exit_code == 0


def test_kill_while_rattler_installs_then_retry(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    create_json("paper")                                 # an older env that must survive
    env = Environment.named("paper", tmp_workspace)
    old_marker = env.marker()
    process = envmgr_process("create", "paper", "--force")
    try:
        wait_for(lambda: temp_siblings(env), step=0.002)
    finally:
        process.kill()
        process.communicate()
    assert env.marker() == old_marker                    # NAME is still the complete old env
    assert create_json("paper", "--force")["action"] == "updated"
    assert temp_siblings(env) == [] and env.in_sync(tmp_workspace.lockfile("paper"),
                                                    env.marker()["platform"])


def test_two_concurrent_creates_wait_and_do_not_corrupt(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    create_json("paper")
    shutil.rmtree(Environment.named("paper", tmp_workspace).prefix)
    env = Environment.named("paper", tmp_workspace)
    first = envmgr_process("create", "paper", env={"ENVMGR_TEST_PAUSE_BEFORE_RENAME": "1.5"})
    wait_for(lambda: temp_siblings(env))
    second = envmgr_process("create", "paper", "--json")
    out2, err2 = second.communicate(timeout=60)
    out1, err1 = first.communicate(timeout=60)
    assert first.returncode == 0, err1
    assert second.returncode == 0, err2
    assert "waiting for another envmgr" in err2
    assert json.loads(out2)[0]["action"] == "up-to-date"    # it saw the finished env, no 2nd install
    assert temp_siblings(env) == [] and envmgr("verify", "paper").exit_code == 0


def test_lock_wait_times_out_with_a_clear_error(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    create_json("paper")
    env = Environment.named("paper", tmp_workspace)
    first = envmgr_process("create", "paper", "--force",
                           env={"ENVMGR_TEST_PAUSE_BEFORE_RENAME": "5"})
    try:
        wait_for(lambda: temp_siblings(env))
        second = envmgr_process("create", "paper", "--force", env={"ENVMGR_LOCK_TIMEOUT": "0.3"})
        _, err = second.communicate(timeout=60)
        assert second.returncode == 1
        assert err.strip().splitlines()[-1].startswith("error: ")
        assert "still working on 'paper'" in err and "Traceback" not in err
    finally:
        first.kill()
        first.communicate()


def test_tampered_archive_stops_the_install(tmp_workspace, write_spec, test_channels, tmp_path,
                                            monkeypatch):
    from envmgr.testchannel import channel_env

    channels = tmp_path / "channels"
    shutil.copytree(test_channels.root, channels)
    for key, value in channel_env(channels).items():
        monkeypatch.setenv(key, value)
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(tmp_path / "fresh-cache"))
    write_spec(tmp_workspace, "paper", PAPER)
    assert envmgr("lock", "paper").exit_code == 0
    archive = next((channels / "pytorch" / "linux-64").glob("pytorch-1.10.1-py3.7_cuda10.2*"))
    data = bytearray(archive.read_bytes())
    data[len(data) // 2] ^= 0xFF                          # one flipped byte after indexing
    archive.write_bytes(bytes(data))
    result = envmgr("create", "paper")
    assert result.exit_code == 1
    errors = [line for line in result.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "Traceback" not in result.stderr
    assert "does not match the lockfile" in errors[0] and archive.name in errors[0]
    env = Environment.named("paper", tmp_workspace)
    assert not env.exists() and temp_siblings(env) == []


def test_create_refuses_a_foreign_prefix(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    env = Environment.named("paper", tmp_workspace)
    env.prefix.mkdir(parents=True)
    (env.prefix / "notes.txt").write_text("mine")
    result = envmgr("create", "paper")
    assert result.exit_code == 1 and "not created by envmgr" in result.stderr
    assert sorted(p.name for p in env.prefix.iterdir()) == ["notes.txt"]
    assert not tmp_workspace.lockfile("paper").exists()  # refused before solving anything
    result = envmgr("remove", "paper", "--yes")
    assert result.exit_code == 1 and (env.prefix / "notes.txt").is_file()


def test_stale_lockfile_is_refused_unless_relock(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    create_json("paper")
    write_spec(tmp_workspace, "paper", "stack: torch 1.10.1 + cu102 + py3.8\n")
    result = envmgr("create", "paper")
    assert result.exit_code == 1 and "stale" in result.stderr and "--relock" in result.stderr
    assert create_json("paper", "--relock")["action"] == "updated"
    report = json.loads(envmgr("verify", "paper", "--json").stdout)
    assert report["python_version"].startswith("3.8.") and report["ok"]


def test_create_results_go_to_stdout_and_progress_to_stderr(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    first = envmgr("create", "paper")
    assert first.exit_code == 0
    assert first.stdout.startswith("created paper at ") and "envmgr verify paper" in first.stdout
    assert first.stdout.count("\n") == 1
    assert "locking paper" in first.stderr and "installing" in first.stderr
    assert "created paper" not in first.stderr
    again = envmgr("create", "paper")
    assert again.stdout.startswith("paper is up to date") and again.stderr == ""


def test_create_json_is_a_list_with_seconds_to_the_millisecond(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", PAPER)
    for _ in ("created", "up-to-date"):       # a new env, then the no-op path
        result = envmgr("create", "paper", "--json")
        (row,) = json.loads(result.stdout)
        assert row["seconds"] == round(row["seconds"], 3) and result.stderr == ""
    assert row["action"] == "up-to-date"
