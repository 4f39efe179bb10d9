"""Benchmark: start-up of the commands people run most, over a workspace of 30 locked specs, each
as a ratio to `python -c pass` measured side by side in the same run (aim: <= 4x; `run`: 5x).

Run with `make bench` or `.venv/bin/python bench/bench_startup.py`. The workspace is built on the
local test channels (no network): 30 specs, each locked, so `list` has 30 lockfiles to judge.
Prints the median wall and CPU time of BENCH_RUNS runs (default 7) and the ratios.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from envmgr.testchannel import build_test_channels, channel_env  # noqa: E402

# Stacks the local test channels hold, each under ten names.
STACKS = ["torch 1.13 cpu", "torch 1.10 + cu102 + py3.7", "torch 2.4 + cu121"]
COMMANDS = {"list": ["list"], "check": ["check"], "render": ["render"], "--help": ["--help"]}
AIM = 4.0


def median_seconds(command: list[str], cwd: Path, env: dict, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the child."""
    wall, cpu = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, env=env, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        wall.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def workspace(root: Path) -> tuple[Path, dict]:
    build_test_channels(root / "channels")
    env = dict(os.environ, **channel_env(root / "channels"))
    env.update(ENVMGR_ENVS_DIR=str(root / "envs-dir"), ENVMGR_PKGS_DIR=str(root / "pkgs"),
               ENVMGR_CACHE_DIR=str(root / "cache"), ENVMGR_NO_GPU="1")
    env.pop("ENVMGR_WORKSPACE", None)
    ws = root / "ws"
    (ws / "envs").mkdir(parents=True)
    for i in range(30):
        (ws / "envs" / f"spec{i:02d}.yaml").write_text(f"stack: {STACKS[i % len(STACKS)]}\n")
    return ws, env


def main(runs: int) -> int:
    envmgr = str(Path(sys.executable).with_name("envmgr"))
    # An editable install has no bytecode until a run writes it, and PYTHONDONTWRITEBYTECODE (set
    # on some machines) stops that: every run would then compile envmgr again, which an installed
    # envmgr never does. Compile once, as `pip install` does.
    subprocess.run([sys.executable, "-m", "compileall", "-q", str(Path(__file__).resolve().parents[1] / "envmgr")],
                   check=True, stdout=subprocess.DEVNULL)
    with tempfile.TemporaryDirectory() as tmp:
        ws, env = workspace(Path(tmp))
        subprocess.run([envmgr, "lock", "--all"], cwd=ws, env=env, check=True, stdout=subprocess.DEVNULL)
        for args in COMMANDS.values():   # warm the caches (knowledge cache, bytecode)
            subprocess.run([envmgr, *args], cwd=ws, env=env, stdout=subprocess.DEVNULL)
        rows, worst = [], 0.0
        for label, args in COMMANDS.items():
            # the baseline is measured next to each command, so a drifting machine hits both alike
            base = median_seconds([sys.executable, "-c", "pass"], ws, env, runs)
            took = median_seconds([envmgr, *args], ws, env, runs)
            ratio = took[0] / base[0]
            worst = max(worst, ratio)
            rows.append((f"envmgr {label}", took, base, ratio, took[1] / base[1]))
    print(f"{'30 locked specs':22} {'wall':>9} {'cpu':>9} {'baseline':>9} {'ratio':>7} {'cpu ratio':>9}")
    for label, took, base, ratio, cpu_ratio in rows:
        print(f"{label:22} {took[0] * 1000:7.1f}ms {took[1] * 1000:7.1f}ms {base[0] * 1000:7.1f}ms "
              f"{ratio:6.2f}x {cpu_ratio:8.2f}x")
    print(f"aim: each <= {AIM:g}x python -c pass; worst {worst:.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main(int(os.environ.get("BENCH_RUNS", "7"))))
