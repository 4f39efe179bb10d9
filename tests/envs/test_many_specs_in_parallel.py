"""lock / create over many specs with --jobs N: the same objects, order and exit code as one by
one; one progress line per spec; processes sharing the cache and one spec take turns, never
corrupt."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from clihelp import envmgr

SPECS = {"b-cpu": "stack: torch 1.13 cpu\n",
         "a-old": "stack: torch 1.10.1 + cu102 + py3.7\nplatforms: [linux-64]\n",
         "c-new": "stack: torch 2.4 cpu\nplatforms: [linux-64]\n",
         "d-bad": "stack: torch 1.10 + cu121\n"}


def cli(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    """The real command in its own process (the workers fork from it)."""
    return subprocess.run([sys.executable, "-m", "envmgr", *args], cwd=cwd, capture_output=True,
                          text=True, timeout=300)


def without_seconds(objects: list[dict]) -> list[dict]:
    return [{k: v for k, v in obj.items() if k != "seconds"} for obj in objects]


def write_all(workspace, write_spec, specs=SPECS):
    for name, text in specs.items():
        write_spec(workspace, name, text)


def test_parallel_lock_gives_the_sequential_results_in_name_order(tmp_workspace, write_spec):
    write_all(tmp_workspace, write_spec)
    parallel = cli("lock", "--all", "--jobs", "2", "--json", cwd=tmp_workspace.root)
    texts = {n: tmp_workspace.lockfile(n).read_text() for n in SPECS if n != "d-bad"}
    sequential = cli("lock", "--all", "--update", "--jobs", "1", "--json", cwd=tmp_workspace.root)
    assert parallel.returncode == sequential.returncode == 1       # d-bad fails in both
    first, second = json.loads(parallel.stdout), json.loads(sequential.stdout)
    assert [o["name"] for o in first] == ["a-old", "b-cpu", "c-new", "d-bad"]
    assert [o["action"] for o in first] == ["locked", "locked", "locked", None]
    assert [o["action"] for o in second] == ["unchanged", "unchanged", "unchanged", None]
    for one in (first, second):
        for obj in one:
            obj.pop("action")
    assert without_seconds(first) == without_seconds(second)
    # the files the workers wrote are those a sequential solve writes again, byte for byte
    assert {n: tmp_workspace.lockfile(n).read_text() for n in texts} == texts


def test_parallel_text_output_is_the_sequential_one_plus_a_progress_line_each(tmp_workspace,
                                                                             write_spec):
    write_all(tmp_workspace, write_spec)
    cli("lock", "--all", cwd=tmp_workspace.root)
    parallel = cli("lock", "--all", "--jobs", "2", cwd=tmp_workspace.root)
    sequential = cli("lock", "--all", "--jobs", "1", cwd=tmp_workspace.root)
    strip = lambda text: [l.rsplit(" (", 1)[0] for l in text.splitlines()]  # noqa: E731 - timings
    assert strip(parallel.stdout) == strip(sequential.stdout)
    progress = [l for l in parallel.stderr.splitlines() if l.startswith("[")]
    assert sorted(l.split("] ")[1].split(":")[0] for l in progress) == sorted(SPECS)
    assert [l for l in parallel.stderr.splitlines() if not l.startswith("[")] == \
        sequential.stderr.splitlines()
    assert not [l for l in sequential.stderr.splitlines() if l.startswith("[")]


def test_parallel_create_all_matches_the_sequential_run(tmp_workspace, write_spec):
    write_all(tmp_workspace, write_spec, {k: v for k, v in SPECS.items() if k != "d-bad"})
    made = cli("create", "--all", "--jobs", "2", "--json", cwd=tmp_workspace.root)
    assert made.returncode == 0, made.stderr
    objects = json.loads(made.stdout)
    assert [(o["name"], o["action"]) for o in objects] == [
        ("a-old", "created"), ("b-cpu", "created"), ("c-new", "created")]
    for obj in objects:
        python = Path(obj["prefix"]) / "bin" / "python"
        out = subprocess.run([python, "-c", "import torch; print(torch.__file__)"],
                             capture_output=True, text=True, check=True).stdout
        assert out.startswith(obj["prefix"])
    again = [cli("create", "--all", "--jobs", jobs, "--json", cwd=tmp_workspace.root)
             for jobs in ("2", "1")]
    assert [without_seconds(json.loads(r.stdout)) for r in again][0] == \
        [without_seconds(json.loads(r.stdout)) for r in again][1]
    assert {o["action"] for o in json.loads(again[0].stdout)} == {"up-to-date"}


def test_in_process_many_specs_run_in_workers_too(tmp_workspace, write_spec):
    # the test process already ran rattler (its threads): the workers start from a clean server
    write_all(tmp_workspace, write_spec, {"b-cpu": SPECS["b-cpu"], "c-new": SPECS["c-new"]})
    result = envmgr("lock", "b-cpu", "c-new", "--jobs", "2", "--json")
    assert result.exit_code == 0, result.output
    assert [o["action"] for o in json.loads(result.stdout)] == ["locked", "locked"]


def test_two_processes_on_one_spec_and_one_cache_take_turns(tmp_workspace, write_spec, tmp_path,
                                                           monkeypatch):
    # a fresh package cache and envs dir, shared by two envmgr processes started together: the
    # one spec they both lock is solved, one waits; both environments come out whole
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(tmp_path / "fresh-pkgs"))
    write_spec(tmp_workspace, "one", SPECS["b-cpu"])
    write_spec(tmp_workspace, "two", SPECS["b-cpu"])
    started = [subprocess.Popen([sys.executable, "-m", "envmgr", "create", name, "--json"],
                                cwd=tmp_workspace.root, stdout=subprocess.PIPE, text=True,
                                stderr=subprocess.PIPE)
               for name in ("one", "two", "one")]
    outs = [p.communicate(timeout=300) for p in started]
    assert [p.returncode for p in started] == [0, 0, 0], [o[1] for o in outs]
    actions = sorted(json.loads(out)[0]["action"] for out, _ in outs)
    assert actions in (["created", "created", "up-to-date"], ["created", "created", "updated"])
    for name in ("one", "two"):
        prefix = Path(os.environ["ENVMGR_ENVS_DIR"]) / name
        assert cli("verify", name, cwd=tmp_workspace.root).returncode == 0
        assert (prefix / "bin" / "python").is_file()
    assert cli("lock", "--check", "one", "two", cwd=tmp_workspace.root).returncode == 0


def _pool_sizes(item):
    return {name: os.environ.get(name) for name in ("TOKIO_WORKER_THREADS", "RAYON_NUM_THREADS")}


def test_each_worker_sizes_rattlers_thread_pools_to_its_share_of_the_cpus(monkeypatch):
    from envmgr.host import parallel

    for name in parallel.THREAD_POOL_VARIABLES:
        monkeypatch.delenv(name, raising=False)
    share = str(max(1, parallel.default_jobs() // 2))
    results = parallel.run_each([1, 2, 3], _pool_sizes, jobs=2)
    assert [r["value"] for r in results] == [{"TOKIO_WORKER_THREADS": share, "RAYON_NUM_THREADS": share}] * 3
    alone = parallel.run_each([1], _pool_sizes, jobs=2)          # one item: one worker, pools as they are
    assert alone[0]["value"] == {"TOKIO_WORKER_THREADS": None, "RAYON_NUM_THREADS": None}
    monkeypatch.setenv("RAYON_NUM_THREADS", "7")                  # the caller's own setting wins
    assert parallel.run_each([1, 2], _pool_sizes, jobs=2)[0]["value"]["RAYON_NUM_THREADS"] == "7"


FREEZE_PROBE = """
import gc, json
from envmgr.host import parallel

def frozen(item):
    return gc.get_freeze_count()

results = parallel.run_each([1, 2, 3], frozen, jobs=2)
print(json.dumps({"start": parallel._context([]).get_start_method(),
                  "children": [r["value"] for r in results], "parent_after": gc.get_freeze_count()}))
"""


def test_forked_workers_inherit_a_frozen_heap_and_the_parent_gets_it_back(tmp_path):
    # a fresh single-threaded process, as the CLI is, so the workers are forked from it
    done = subprocess.run([sys.executable, "-c", FREEZE_PROBE], capture_output=True, text=True,
                          cwd=tmp_path, check=True)
    seen = json.loads(done.stdout)
    assert seen["start"] == "fork"
    assert all(count > 1000 for count in seen["children"]), seen   # the parent's objects, frozen
    assert seen["parent_after"] == 0
