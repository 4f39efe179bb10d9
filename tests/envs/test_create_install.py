"""envmgr create end to end: lock -> install from the test channels -> verify; a no-op create,
shared package files, kill -9 and concurrent creates, a tampered archive, foreign prefixes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

from click.testing import CliRunner

from envmgr import disk
from envmgr.cli import cli
from envmgr.envs.environments import Environment

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
