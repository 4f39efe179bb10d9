"""Benchmark: `envmgr create` cold, warm (cache full) and no-op, and the disk of N identical
side-by-side environments against one.

Runs the real CLI against the local test channels (no network), in a temporary folder.
Run with `make bench` or `.venv/bin/python bench/bench_create.py [N]`. Targets: a no-op create
well under a second; N identical envs cost little more than one (hardlinks from one cache).
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

from envmgr import disk  # noqa: E402
from envmgr.testchannel import build_test_channels, channel_env  # noqa: E402

SPEC = "stack: torch 1.10 + cu102 + py3.7\n"


def envmgr(args: list[str], env: dict, cwd: Path) -> float:
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "envmgr", *args], env=env, cwd=cwd,
                          capture_output=True, text=True)
    seconds = time.perf_counter() - start
    if done.returncode != 0:
        sys.exit(f"envmgr {' '.join(args)} failed:\n{done.stderr}")
    return seconds


def main(copies: int = 5, runs: int = 7) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        build_test_channels(root / "channels")
        ws = root / "ws"
        (ws / "envs").mkdir(parents=True)
        names = [f"paper-{i}" for i in range(1, copies + 1)]
        for name in names:
            (ws / "envs" / f"{name}.yaml").write_text(SPEC)
        env = {**os.environ, **channel_env(root / "channels"), "ENVMGR_WORKSPACE": str(ws),
               "ENVMGR_ENVS_DIR": str(root / "envs"), "ENVMGR_PKGS_DIR": str(root / "pkgs")}
        envmgr(["lock", *names], env, ws)

        cold = envmgr(["create", names[0]], env, ws)
        shutil.rmtree(root / "envs" / names[0])
        warm = envmgr(["create", names[0]], env, ws)
        noop = statistics.median(envmgr(["create", names[0]], env, ws) for _ in range(runs))
        start = time.perf_counter()
        subprocess.run([sys.executable, "-c", "pass"], check=True)
        python = time.perf_counter() - start

        for name in names[1:]:
            envmgr(["create", name], env, ws)
        prefixes = [root / "envs" / name for name in names]
        one = disk.usage(prefixes[0])
        all_ = disk.usage(*prefixes)
        cache = disk.usage(root / "pkgs")
        extra = (all_.total - one.total) / max(copies - 1, 1)

        print(f"create, cold cache          {cold:6.2f} s   (interpreter start {python:.2f} s)")
        print(f"create, warm cache          {warm:6.2f} s")
        print(f"create, no-op (median {runs})   {noop:6.2f} s")
        print(f"disk: one env               {disk.human(one.total):>10}   "
              f"(private {disk.human(one.private)})")
        print(f"disk: {copies} identical envs        {disk.human(all_.total):>10}   "
              f"(each extra env adds {disk.human(int(extra))} = {100 * extra / one.total:.1f}%)")
        print(f"disk: package cache         {disk.human(cache.total):>10}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 5)
