"""Fresh or stale: lock --check never solves, a fresh lock is left as is (byte-identical on
--update), and an edited spec or environment file makes the lock stale."""
from __future__ import annotations

import json
import os
import subprocess
import sys

from clihelp import envmgr, locked_packages, run

PAPER = "stack: torch 1.10 + cu102 + py3.7\n"

CPU = "stack: torch 1.13 cpu\n"


def test_relock_is_a_no_op_and_update_is_byte_identical(paper):
    before = paper.read_bytes()
    code, out = run("lock", "paper-2021", "--json")
    assert code == 0 and json.loads(out)[0]["action"] == "fresh"
    code, out = run("lock", "paper-2021", "--update", "--json")
    assert code == 0 and json.loads(out)[0]["action"] == "unchanged"
    assert paper.read_bytes() == before


def test_check_fresh_stale_missing(paper, tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", CPU)
    code, out = run("lock", "--check")
    assert code == 1 and "laptop: missing" in out and "paper-2021: fresh" in out
    code, _ = run("lock", "laptop")
    assert code == 0
    code, out = run("lock", "--check", "--json")
    assert code == 0 and all(row["ok"] for row in json.loads(out))
    write_spec(tmp_workspace, "paper-2021", PAPER + "packages: [pip]\n")
    code, out = run("lock", "--check", "paper-2021")
    assert code == 1 and "paper-2021: stale: the spec changed" in out
    code, out = run("lock", "paper-2021")
    assert code == 0 and "pip" in locked_packages(paper, "linux-64")
    assert run("lock", "--check")[0] == 0


def test_judging_a_sealed_lock_imports_neither_conda_lock_nor_rattler(paper, tmp_workspace):
    probe = ("import sys; from envmgr.specs.workspace import find_workspace; from envmgr.engine.freshness import state;"
             "print(state(find_workspace(), 'paper-2021')[0], 'conda_lock' in sys.modules, "
             "'rattler' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "ENVMGR_WORKSPACE": str(tmp_workspace.root)}).stdout.split()
    assert out == ["fresh", "False", "False"]


def test_lock_prints_the_lockfile_relative_to_the_current_folder(tmp_workspace, write_spec,
                                                                 monkeypatch):
    import re

    write_spec(tmp_workspace, "cpu", "stack: torch 1.13 cpu\n")
    code, out = run("lock", "cpu")
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("cpu: locked (") and "-> lockfiles/cpu.conda-lock.yml (" in first
    assert str(tmp_workspace.root) not in first and re.search(r"\(\d+\.\d\d s\)$", first)
    monkeypatch.chdir(tmp_workspace.lockfiles_dir)           # from below: the path as typed there
    # ... and still fresh: nothing a lock depends on may change with the current folder
    assert "cpu: fresh, left as is -> cpu.conda-lock.yml (" in run("lock", "cpu")[1]
    elsewhere = tmp_workspace.root.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)                             # outside: absolute
    assert f"cpu: fresh, left as is -> {tmp_workspace.lockfile('cpu')} (" in run("lock", "cpu")[1]


def test_an_edited_environment_file_is_not_fresh(created_cpu, cpu):
    env_file = cpu.environment_file("cpu")
    rendered = env_file.read_text()
    env_file.write_text("garbage: [\n")
    checked = envmgr("lock", "--check")
    assert checked.exit_code == 1 and "cpu.environment.yml differs" in checked.stderr
    assert envmgr("lock", "cpu").exit_code == 0
    assert env_file.read_text() == rendered and envmgr("lock", "--check").exit_code == 0
