"""Benchmark: `envmgr check` over 30 specs, as a ratio to `python -c pass` (aim: <= 4x).

Run with `make bench` or `.venv/bin/python bench/bench_check.py`. Prints medians of N runs.
"""
from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STACKS = [
    "torch 1.10 + cu102 + py3.7", "torch 1.10 + cu113", "torch 1.10 + cu111", "torch 2.4 + cu121",
    "torch 1.13 cpu", "torch 2.0 + cu118", "torch 1.7.1 + cu110", "torch 1.12 + cu116",
    "torch 2.1 + cu121 + py3.11", "torch 1.8.1 + cu102", "torch 2.5 + cu124", "torch 2.3 + cu118",
    "torch 1.11 + cu113", "torch 2.2 + cu121", "torch 1.9 + cu102", "torch 2.6 + cu126",
    "torch 2.7 + cu128", "torch 2.8 + cu129", "torch 2.9 + cu130", "torch 1.6 + cu101",
    "torch 1.5 + cu92", "torch 1.4 + cu101", "torch 2.0 cpu", "torch 1.10 + cu121",
    "torch 2.4 + cu102", "torch 1.13 + cu117", "torch 2.1 + cu118", "torch 1.12 + cu113",
    "torch 2.5 cpu", "torch 1.9.1 + cu111",
]


def median_seconds(command: list[str], cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the child: CPU time is what a
    loaded machine disturbs least."""
    wall, cpu = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        _, _, usage = os.wait4(proc.pid, 0)
        wall.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
    return statistics.median(wall), statistics.median(cpu)


def main(runs: int = 15) -> None:
    envmgr = Path(sys.executable).with_name("envmgr")
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        (root / "envs").mkdir()
        for i, stack in enumerate(STACKS):
            (root / "envs" / f"spec{i:02d}.yaml").write_text(f"stack: {stack}\n")
        subprocess.run([str(envmgr), "check"], cwd=root, stdout=subprocess.DEVNULL)  # warm caches
        baseline = median_seconds([sys.executable, "-c", "pass"], root, runs)
        check = median_seconds([str(envmgr), "check"], root, runs)
    print(f"{'':24} {'wall':>9} {'cpu':>9}")
    print(f"{'python -c pass':24} {baseline[0] * 1000:7.1f}ms {baseline[1] * 1000:7.1f}ms")
    print(f"{'envmgr check (30 specs)':24} {check[0] * 1000:7.1f}ms {check[1] * 1000:7.1f}ms")
    print(f"{'ratio':24} {check[0] / baseline[0]:8.2f}x {check[1] / baseline[1]:8.2f}x   (aim: <= 4x)")


if __name__ == "__main__":
    main(int(os.environ.get("BENCH_RUNS", "15")))
