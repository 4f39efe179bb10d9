"""`envmgr lock --all` over 12 specs, one at a time (--jobs 1) and two at a time (--jobs 2).

    .venv/bin/python bench/bench_parallel_lock.py [--repeat 3] [--json]

Both runs are the real command (`python -m envmgr lock --all --update --jobs N`, a fresh process
each time) against the local test channels (``envmgr.testchannel``): each spec is a torch stack
from the test channels plus 8 packages of the ~20,000-record synthetic channel, so each solve
reads repodata the size of a real channel's (a spec against the small test channels alone locks
in ~0.05 s, and the command's start-up would be all that is measured). The lockfiles are written
once first, so every run solves all 12 specs again and writes nothing new. The two are
interleaved so load on the machine hits both alike, and reported as medians. The speedup is
jobs-1 time / jobs-2 time in the same run; the target on a 2-CPU machine is >= 1.7. The JSON of
both runs (seconds aside) must be identical: parallel locking changes no result.

It also measures the part no number of workers shortens: a fresh process importing what the
workers are forked with (``PRELOAD``: rattler, conda-lock, envmgr's lock stages) and loading the
knowledge base. With that serial share ``s`` of the jobs-1 time ``t1``, two workers can at best
reach ``t1 / (s + (t1 - s) / 2)`` (Amdahl's law), reported as ``bound_2``.
"""
from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from envmgr.testchannel import build_test_channels, channel_env  # noqa: E402
from envmgr.testchannel.synthetic import write_synthetic_channel  # noqa: E402

STACKS = ["torch 1.13 cpu", "torch 2.4 cpu", "torch 1.13 cpu + py3.9", "torch 1.10.1 cpu + py3.8"]
SPECS = 12
CHANNELS = ["pytorch", "defaults"]     # the route of these CPU stacks, then the synthetic channel


def plain_names(synthetic: Path) -> list[str]:
    """Synthetic packages that need no python (any torch stack's python then fits)."""
    packages = json.loads((synthetic / "linux-64" / "repodata.json").read_text())["packages"]
    needs_python = {r["name"] for r in packages.values()
                    if any(d.split()[0] == "python" for d in r["depends"])}
    return sorted({r["name"] for r in packages.values()} - needs_python)


def write_specs(workspace: Path, synthetic: Path) -> list[str]:
    import random

    pool, names = plain_names(synthetic), []
    channels = json.dumps([*CHANNELS, synthetic.as_uri()])
    for number in range(SPECS):
        name = f"spec{number:02d}"
        extra = json.dumps(random.Random(number).sample(pool, 8))
        (workspace / "envs" / f"{name}.yaml").write_text(
            f"stack: {STACKS[number % len(STACKS)]}\nplatforms: [linux-64]\n"
            f"channels: {channels}\npackages: {extra}\n", encoding="utf-8")
        names.append(name)
    return names


def lock_all(jobs: int, env: dict, workspace: Path) -> tuple[float, list]:
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "envmgr", "lock", "--all", "--update", "--json",
                           "--jobs", str(jobs)], env=env, cwd=workspace, capture_output=True, text=True)
    seconds = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"lock --jobs {jobs} failed ({done.returncode}): {done.stderr[-2000:]} {done.stdout[-3000:]}")
    objects = json.loads(done.stdout)
    for obj in objects:
        obj.pop("seconds", None)
    return seconds, objects


def serial_floor(env: dict, workspace: Path) -> float:
    """Seconds a fresh process takes to import what the workers are forked with and load the
    knowledge base: what every ``lock --all`` does once before any spec is solved."""
    from envmgr.cli.parallelrun import PRELOAD

    code = (f"import {', '.join(PRELOAD)}\n"
            "from envmgr.knowledge.facts import load\nload()\n")
    started = time.perf_counter()
    subprocess.run([sys.executable, "-c", code], env=env, cwd=workspace, check=True)
    return time.perf_counter() - started


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="envmgr-bench-") as tmp:
        tmp = Path(tmp)
        build_test_channels(tmp / "channels")
        write_synthetic_channel(tmp / "synthetic")
        workspace = tmp / "ws"
        (workspace / "envs").mkdir(parents=True)
        (workspace / "lockfiles").mkdir()
        names = write_specs(workspace, tmp / "synthetic")
        env = {**os.environ, **channel_env(tmp / "channels"), "ENVMGR_WORKSPACE": str(workspace),
               "ENVMGR_CACHE_DIR": str(tmp / "cache"), "ENVMGR_NO_GPU": "1",
               "ENVMGR_ENVS_DIR": str(tmp / "envs"), "ENVMGR_PKGS_DIR": str(tmp / "pkgs")}
        lock_all(1, env, workspace)                       # write the lockfiles, warm the OS cache
        one, two, floor = [], [], []
        for _ in range(args.repeat):
            floor.append(serial_floor(env, workspace))
            seconds, sequential = lock_all(1, env, workspace)
            one.append(seconds)
            seconds, parallel = lock_all(2, env, workspace)
            two.append(seconds)
            assert parallel == sequential, "--jobs 2 gave other results than --jobs 1"
    row = {"specs": len(names), "cpus": os.cpu_count(), "jobs_1_s": round(statistics.median(one), 3),
           "jobs_2_s": round(statistics.median(two), 3)}
    row["speedup"] = round(row["jobs_1_s"] / row["jobs_2_s"], 2)
    serial = statistics.median(floor)
    row["serial_s"] = round(serial, 3)
    row["bound_2"] = round(row["jobs_1_s"] / (serial + (row["jobs_1_s"] - serial) / 2), 2)
    if args.json:
        print(json.dumps(row, indent=2))
    else:
        print(f"envmgr lock --all --update over {row['specs']} specs (test channels), median of "
              f"{args.repeat} runs each, {row['cpus']} CPUs:")
        print(f"  --jobs 1: {row['jobs_1_s']:.2f} s   --jobs 2: {row['jobs_2_s']:.2f} s   "
              f"speedup {row['speedup']:.2f}x (target >= 1.7); same results: yes")
        print(f"  serial part (imports + knowledge base, before any solve): {row['serial_s']:.2f} s, "
              f"so 2 workers can reach at most {row['bound_2']:.2f}x")
    return 0 if row["speedup"] >= 1.7 else 1


if __name__ == "__main__":
    sys.exit(main())
