"""Benchmark: `envmgr run x -- true` on an environment in sync with its lockfile, as a ratio to
`python -c pass` measured in the same run (aim: <= 5x). It must not solve, lock or import
conda-lock or rattler: the env check is a marker read and a lockfile hash, the activation comes
from the cache (envmgr/envs/activation.py), then envmgr execs the command.

Also shown: the first run after a change (activation recomputed: a shell, rattler's activator),
and bare `true` for scale. Runs the real CLI against the local test channels (no network), in a
temporary folder. Run with `make bench` or `.venv/bin/python bench/bench_run.py`.
"""
from __future__ import annotations

import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from envmgr.testchannel import build_test_channels, channel_env  # noqa: E402

SPEC = "stack: torch 1.10 + cu102 + py3.7\n"
AIM = 5.0


def median_seconds(command: list[str], env: dict, cwd: Path, runs: int) -> tuple[float, float]:
    """Median wall time and median CPU time (user + system) of the child and what it execs."""
    wall, cpu = [], []
    for _ in range(runs):
        start = time.perf_counter()
        proc = subprocess.Popen(command, env=env, cwd=cwd, stdout=subprocess.DEVNULL,
                                stderr=subprocess.PIPE)
        _, status, usage = os.wait4(proc.pid, 0)
        wall.append(time.perf_counter() - start)
        cpu.append(usage.ru_utime + usage.ru_stime)
        if status != 0:
            sys.exit(f"{' '.join(command)} failed: {proc.stderr.read().decode()}")
        proc.stderr.close()
    return statistics.median(wall), statistics.median(cpu)


def main(runs: int = 15) -> None:
    envmgr = str(Path(sys.executable).with_name("envmgr"))
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_test_channels(root / "channels")
        ws = root / "ws"
        (ws / "envs").mkdir(parents=True)
        (ws / "envs" / "x.yaml").write_text(SPEC)
        env = {**os.environ, **channel_env(root / "channels"), "ENVMGR_WORKSPACE": str(ws),
               "ENVMGR_ENVS_DIR": str(root / "envs"), "ENVMGR_PKGS_DIR": str(root / "pkgs"),
               "ENVMGR_CACHE_DIR": str(root / "cache")}
        for step in (["lock", "x"], ["create", "x"], ["run", "x", "--", "true"]):   # warm the cache
            subprocess.run([envmgr, *step], env=env, cwd=ws, check=True, capture_output=True)
        baseline = median_seconds([sys.executable, "-c", "pass"], env, ws, runs)
        bare = median_seconds([shutil.which("true") or "true"], env, ws, runs)
        cached = median_seconds([envmgr, "run", "x", "--", "true"], env, ws, runs)
        uncached = []
        for _ in range(max(3, runs // 5)):
            shutil.rmtree(root / "cache" / "activation", ignore_errors=True)
            uncached.append(median_seconds([envmgr, "run", "x", "--", "true"], env, ws, 1))
        cold = (statistics.median(u[0] for u in uncached), statistics.median(u[1] for u in uncached))
    print(f"{'':34} {'wall':>9} {'cpu':>9}")
    for label, (wall, cpu) in (("python -c pass", baseline), ("true", bare),
                               ("envmgr run x -- true (in sync)", cached),
                               ("  same, activation not cached", cold)):
        print(f"{label:34} {wall * 1000:7.1f}ms {cpu * 1000:7.1f}ms")
    print(f"{'ratio (in sync, cached)':34} {cached[0] / baseline[0]:8.2f}x "
          f"{cached[1] / baseline[1]:8.2f}x   (aim: <= {AIM:g}x)")


if __name__ == "__main__":
    main(int(os.environ.get("BENCH_RUNS", "15")))
