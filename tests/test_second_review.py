"""The second review's robustness findings, one test (or a few) each: a folder that refuses a
delete, settings that are not what they say, a non-UTF-8 conda registry, symlinked envs dirs,
create over several names, odd spec file names, damaged lockfiles, leftovers, a hung verify."""
from __future__ import annotations

import contextlib
import json
import os
import subprocess
from pathlib import Path

import pytest

from envmgr.envs.environments import Environment
from clihelp import CPU, envmgr, one_line_error


@contextlib.contextmanager
def read_only(folder: Path):
    """``folder`` refusing new and deleted entries, even to root (who ignores the mode bits):
    ``chattr +i`` when running as root, ``chmod a-w`` otherwise."""
    as_root = os.geteuid() == 0
    if as_root:
        done = subprocess.run(["chattr", "+i", str(folder)], capture_output=True)
        if done.returncode != 0:
            pytest.skip("cannot make a folder read-only for root here (no chattr +i)")
    else:
        os.chmod(folder, 0o555)
    try:
        yield
    finally:
        if as_root:
            subprocess.run(["chattr", "-i", str(folder)], check=True)
        else:
            os.chmod(folder, 0o755)


# -- 1. remove --spec checks every delete before the first one ---------------------------------------
def test_remove_spec_deletes_nothing_when_a_file_cannot_be_deleted(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    env = Environment.named("cpu", cpu)
    kept = [env.prefix, cpu.spec_path("cpu"), cpu.lockfile("cpu"), cpu.environment_file("cpu")]
    with read_only(cpu.lockfiles_dir):
        line = one_line_error(envmgr("remove", "cpu", "--spec", "--yes"))
        assert "lockfiles" in line and "nothing was removed" in line
        assert all(path.exists() for path in kept)
        result = envmgr("remove", "cpu", "--spec", "--yes", "--json")
        assert result.exit_code == 1 and json.loads(result.stdout)["ok"] is False
    assert all(path.exists() for path in kept)
    assert envmgr("remove", "cpu", "--spec", "--yes").exit_code == 0
    assert not any(path.exists() for path in kept)


# -- 2. ENVMGR_WORKSPACE must name an existing folder -----------------------------------------------
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


# -- 3. ENVMGR_LOCK_TIMEOUT must be a finite number >= 0 --------------------------------------------
@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_lock_timeout_must_be_a_finite_number(cpu, monkeypatch, value):
    monkeypatch.setenv("ENVMGR_LOCK_TIMEOUT", value)
    for args in (["create", "cpu"], ["remove", "cpu", "--yes"]):
        line = one_line_error(envmgr(*args), code=2)
        assert "ENVMGR_LOCK_TIMEOUT" in line and repr(value) in line
    assert not cpu.lockfile("cpu").exists()      # refused before any work


def test_lock_timeout_zero_is_allowed(cpu, monkeypatch):
    monkeypatch.setenv("ENVMGR_LOCK_TIMEOUT", "0")
    assert envmgr("create", "cpu").exit_code == 0


# -- 4. a non-UTF-8 ~/.conda/environments.txt goes back byte for byte -------------------------------
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


# -- 5. an envs dir reached through a symlink is the same envs dir ------------------------------------
def test_an_env_made_through_a_symlinked_envs_dir_is_ours_through_the_real_path(cpu, tmp_path,
                                                                              monkeypatch):
    real = tmp_path / "gpfs-envs"
    real.mkdir()
    (tmp_path / "home-envs").symlink_to(real)
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(tmp_path / "home-envs"))
    assert envmgr("create", "cpu").exit_code == 0
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(real))
    row = json.loads(envmgr("list", "--json").stdout)["environments"][0]
    assert row["env"] == "created" and row["ok"], row
    again = envmgr("create", "cpu")
    assert again.exit_code == 0 and "up to date" in again.stdout
    assert envmgr("remove", "cpu", "--yes").exit_code == 0
    assert not (real / "cpu").exists()


# -- 6. create goes on past one spec's failure, like lock ---------------------------------------------
BAD = "stack: torch 0.1 + cu999\n"


def test_create_reports_every_name_and_exits_with_the_worst_code(cpu, write_spec):
    write_spec(cpu, "bad", BAD)
    result = envmgr("create", "bad", "cpu", "--json")
    assert result.exit_code == 1
    objects = {o["name"]: o for o in json.loads(result.stdout)}
    assert objects["cpu"]["ok"] and objects["cpu"]["action"] == "created"
    assert not objects["bad"]["ok"] and objects["bad"]["problems"][0]["code"] == "unknown-torch"
    assert Environment.named("cpu", cpu).is_managed()

    envmgr("remove", "cpu", "--yes")
    human = envmgr("create", "nosuch", "bad", "cpu")      # no spec at all: a usage error, exit 2
    assert human.exit_code == 2 and "Traceback" not in human.output
    assert "created cpu at" in human.stdout
    assert "error: bad: " in human.stderr and "error: nosuch: " in human.stderr


# -- 9. create refuses names with --all, as lock does ------------------------------------------------
def test_create_refuses_names_with_all(cpu):
    line = one_line_error(envmgr("create", "--all", "cpu"), code=2)
    assert "--all" in line
    assert not Environment.named("cpu", cpu).exists()


# -- 7. a spec file whose name is not a valid environment name ---------------------------------------
@pytest.mark.parametrize("file_name", ["a b.yaml", "ünï.yaml"])
def test_an_invalid_spec_file_name_is_one_row_naming_the_file(cpu, file_name):
    (cpu.envs_dir / file_name).write_text(CPU, encoding="utf-8")
    listed = envmgr("list", "--json")
    assert listed.exit_code == 0, listed.output
    rows = {row["name"]: row for row in json.loads(listed.stdout)["environments"]}
    bad = rows[file_name[:-5]]
    assert rows["cpu"]["ok"] and not bad["ok"]
    problem = bad["problems"][0]
    assert problem["file"] == str(cpu.envs_dir / file_name) and "rename" in problem["fix"]
    human = envmgr("list")
    assert human.exit_code == 0 and "cpu" in human.stdout and file_name in human.stderr

    created = envmgr("create", "--all")
    assert created.exit_code == 2 and "created cpu at" in created.stdout
    assert f"envs/{file_name}" in created.stderr and "rename" in created.stderr


def test_lock_check_quotes_the_names_it_suggests(cpu):
    (cpu.envs_dir / "a b.yaml").write_text(CPU)
    checked = envmgr("lock", "--check")
    assert checked.exit_code != 0 and "Traceback" not in checked.output
    assert "envmgr lock 'a b' cpu" in checked.stderr


# -- 8. a damaged lockfile is "damaged" everywhere; a lock of another version or an edited
#       environment file is not fresh -------------------------------------------------------------
@pytest.fixture
def created_cpu(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    return cpu.lockfile("cpu")


@pytest.mark.parametrize("edit, what", [
    (lambda text: text[:text.index("\n- name:", len(text) // 3)], "package"),   # cut at an entry
    (lambda text: text.replace("\npackage:\n", "\npackage: [\n"), "it is not valid YAML (line"),
    (lambda text: "[1, 2]\n", "it is not a mapping"),
    (lambda text: text.replace("sha256:", "sha257:"), "has no valid hash (sha256 or md5)"),
    (lambda text: text.replace("\nversion: 1\n", "\nversion: 7\n"), "its version is 7, not 1"),
])
def test_a_damaged_lockfile_is_called_damaged_by_every_command(created_cpu, edit, what):
    created_cpu.write_text(edit(created_cpu.read_text()))
    said = "the lockfile is damaged: "
    checked = envmgr("lock", "--check")
    assert checked.exit_code == 1 and f"cpu: stale: {said}" in checked.stderr and what in checked.stderr
    line = one_line_error(envmgr("create", "cpu"))
    assert said in line and what in line and "not written by envmgr" not in line
    assert f"{said}" in envmgr("list").stderr
    line = one_line_error(envmgr("verify", "cpu"))
    assert said in line and what in line
    assert envmgr("lock", "cpu").exit_code == 0          # and lock writes it again
    assert envmgr("lock", "--check").exit_code == 0


def test_an_edited_environment_file_is_not_fresh(created_cpu, cpu):
    env_file = cpu.environment_file("cpu")
    rendered = env_file.read_text()
    env_file.write_text("garbage: [\n")
    checked = envmgr("lock", "--check")
    assert checked.exit_code == 1 and "cpu.environment.yml differs" in checked.stderr
    assert envmgr("lock", "cpu").exit_code == 0
    assert env_file.read_text() == rendered and envmgr("lock", "--check").exit_code == 0


# -- 11. remove cleans up what an interrupted create left of that name -------------------------------
def test_remove_deletes_the_leftover_of_a_killed_create(cpu):
    env = Environment.named("cpu", cpu)
    env.prefix.parent.mkdir(parents=True, exist_ok=True)
    ours = env.prefix.parent / ".cpu.envmgr-tmp-k1ll"
    (ours / "lib").mkdir(parents=True)
    (ours / ".envmgr-tmp").write_text('{"name": "cpu", "pid": 1}')
    theirs = env.prefix.parent / ".cpu.envmgr-tmp-else"
    theirs.mkdir()
    (theirs / "data.txt").write_text("someone's")
    result = envmgr("remove", "cpu", "--yes", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and not report["env_removed"] and report["leftovers_removed"] == [str(ours)]
    assert not ours.exists() and (theirs / "data.txt").is_file()
    # nothing of ours left: the usual "no environment"
    assert "no environment 'cpu'" in one_line_error(envmgr("remove", "cpu", "--yes"))


# -- 12. an env without its python is not in sync -----------------------------------------------------
def test_an_env_whose_python_was_deleted_is_out_of_sync(created_cpu, cpu):
    env = Environment.named("cpu", cpu)
    assert env.python.exists()
    env.python.unlink()
    assert json.loads(envmgr("list", "--json").stdout)["environments"][0]["env"] == "out-of-sync"
    again = envmgr("create", "cpu")
    assert again.exit_code == 0 and "updated cpu at" in again.stdout
    assert env.python.exists()


# -- 13. verify gives up on a hung torch import ------------------------------------------------------
def test_verify_stops_a_hung_probe_after_its_timeout(created_cpu, tmp_path, monkeypatch):
    import time

    hang = tmp_path / "hang.sh"
    # the env's test python runs $ENVMGR_HOST_PYTHON; this one hangs, and so does a child of it
    hang.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {tmp_path / 'child'}\nexec sleep 60\n")
    hang.chmod(0o755)
    monkeypatch.setenv("ENVMGR_HOST_PYTHON", str(hang))
    monkeypatch.setenv("ENVMGR_VERIFY_TIMEOUT", "1")
    started = time.monotonic()
    line = one_line_error(envmgr("verify", "cpu"))
    assert time.monotonic() - started < 15
    assert "more than 1 s (ENVMGR_VERIFY_TIMEOUT)" in line
    child = int((tmp_path / "child").read_text())
    for _ in range(100):                       # the whole group was killed, the child too
        if not is_running(child):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the probe's child outlived the timeout")


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_verify_timeout_must_be_a_positive_number(cpu, monkeypatch, value):
    monkeypatch.setenv("ENVMGR_VERIFY_TIMEOUT", value)
    line = one_line_error(envmgr("verify", "cpu"), code=2)
    assert "ENVMGR_VERIFY_TIMEOUT" in line and repr(value) in line


# -- 14. a channel error names only the channels that failed ------------------------------------------
def test_an_unsupported_alias_names_only_the_channels_under_it(cpu, monkeypatch, test_channels):
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "ftp://mirror.example/")
    cpu.spec_path("cpu").write_text(CPU + "channels: [pytorch, defaults]\n")
    line = one_line_error(envmgr("lock", "cpu"))
    assert "cannot read the channel ftp://mirror.example/pytorch:" in line
    assert test_channels.url("defaults") not in line and "file://" not in line


# -- 15. a cutoff before the torch release itself says so -------------------------------------------
def test_a_cutoff_before_the_torch_release_names_the_release_date(cpu):
    from envmgr.knowledge.facts import load

    released = str(load().release("1.13.1").released)
    result = envmgr("lock", "cpu", "--as-of", "0001-01-01")
    assert result.exit_code == 1
    fix = result.stderr.split("(fix: ", 1)[1]
    assert f"torch 1.13.1 was released on {released}" in fix and "--as-of release" in fix
    assert "0001-04-01" not in fix


def test_unsat_hint_before_the_release_follows_the_request():
    from envmgr.knowledge.asof import moment_of, unsat_hint

    why = "pytorch 1.10.1 py3.9_cpu_0 is excluded because the package is uploaded after the cutoff date"
    hint = unsat_hint(why, moment_of("2000-01-01"), rule="2000-01-01", origin="spec", torch="1.10.1")
    assert "torch 1.10.1 was released on 2021-" in hint and "`as_of: release`" in hint
    assert 'as_of: "2022-' in hint.split(" (or ")[0]            # a date after the release, spec first
    later = unsat_hint(why, moment_of("2022-02-01"), rule="2022-02-01", origin="spec", torch="1.10.1")
    assert "was released" not in later and "too early" in later
