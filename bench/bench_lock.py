"""envmgr's lock engine against a bare rattler solve of the same specs, on a ~20,000-record channel.

    .venv/bin/python bench/bench_lock.py [--repeat 7] [--json]

Both sides start each run with a new Gateway (repodata loaded and solved from scratch), on the same
synthetic channel (``envmgr.testchannel.synthetic``). "envmgr lock" is the whole engine for one
environment file: conda-lock's parse of the file, its content hash, the solve, and writing the
conda-lock file (skipped-write check included). Imports are warmed first on both sides; the
one-off import cost of conda-lock (~0.5 s) is reported separately. Target: ratio <= 1.3.
"""
from __future__ import annotations

import argparse
import asyncio
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from envmgr.testchannel.synthetic import write_synthetic_channel  # noqa: E402


def problems(names: list[str]) -> dict[str, list[str]]:
    rng = random.Random(7)
    return {"3 leaf pkgs + python 3.11": ["python=3.11", *rng.sample(names[-300:], 3)],
            "10 random pkgs": rng.sample(names, 10),
            "40 random pkgs + python 3.10": ["python=3.10", *rng.sample(names, 40)]}


def env_text(specs: list[str], channel_url: str) -> str:
    deps = "".join(f"  - {s}\n" for s in specs)
    return f"name: bench\nchannels:\n  - {channel_url}\ndependencies:\n{deps}"


def bare_solve(channel_url: str, specs: list[str], cache: Path) -> int:
    import rattler

    from envmgr.host.virtual import rattler_virtual_packages

    records = asyncio.run(rattler.solve(
        sources=[channel_url], specs=[rattler.MatchSpec(s, strict=False) for s in specs],
        gateway=rattler.Gateway(cache_dir=cache), platforms=["linux-64", "noarch"],
        virtual_packages=rattler_virtual_packages("linux-64", None)))
    return len(records)


def envmgr_lock(channel_url: str, specs: list[str], workdir: Path) -> int:
    from envmgr.engine.lock import lock_env_file
    from envmgr.engine.lockfile import LockInputs

    text = env_text(specs, channel_url)
    env_file = workdir / "bench.environment.yml"
    env_file.write_text(text, encoding="utf-8")
    inputs = LockInputs(env_file=env_file, env_text=text, platforms=["linux-64"], cuda=None,
                        channels=[channel_url], channel_urls=[channel_url], facts={"spec_sha256": "bench"})
    lockfile = workdir / "bench.conda-lock.yml"
    lockfile.unlink(missing_ok=True)
    _, counts = lock_env_file(inputs, lockfile)
    return counts["linux-64"]


def timed_pair(first, second, repeat: int) -> tuple[float, float, int, int]:
    """Medians of ``first`` and ``second``, interleaved so machine load drifts hit both alike."""
    a, b, size_a, size_b = [], [], 0, 0
    for _ in range(repeat):
        started = time.perf_counter()
        size_a = first()
        a.append(time.perf_counter() - started)
        started = time.perf_counter()
        size_b = second()
        b.append(time.perf_counter() - started)
    return statistics.median(a), statistics.median(b), size_a, size_b


def import_cost(module: str) -> float:
    code = f"import time; t = time.perf_counter(); import {module}; print(time.perf_counter() - t)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return float(out.stdout.strip())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--json", action="store_true")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="envmgr-bench-") as tmp:
        tmp = Path(tmp)
        names = write_synthetic_channel(tmp / "synthetic")
        records = len(json.loads((tmp / "synthetic" / "linux-64" / "repodata.json").read_text())["packages"])
        url = (tmp / "synthetic").as_uri()
        cache = tmp / "cache"
        first = next(iter(problems(names).values()))
        bare_solve(url, first, cache)                    # warm imports and the OS file cache
        envmgr_lock(url, first, tmp)
        rows = []
        for label, specs in problems(names).items():
            bare, ours, size, locked = timed_pair(lambda: bare_solve(url, specs, cache),
                                                  lambda: envmgr_lock(url, specs, tmp), args.repeat)
            assert locked == size, (label, locked, size)
            rows.append({"problem": label, "packages": size, "rattler_s": round(bare, 3),
                         "envmgr_lock_s": round(ours, 3), "ratio": round(ours / bare, 2)})
    imports = {"rattler": round(import_cost("rattler"), 3),
               "conda_lock (lock paths only)": round(import_cost("conda_lock.lockfile"), 3)}
    if args.json:
        print(json.dumps({"records": records, "rows": rows, "imports_s": imports}, indent=2))
    else:
        from tabulate import tabulate

        print(f"synthetic channel: {records} records; median of {args.repeat} runs, new Gateway each run")
        print(tabulate(rows, headers="keys"))
        print("one-off imports (s): " + ", ".join(f"{k} {v}" for k, v in imports.items()))
    return 0 if all(r["ratio"] <= 1.3 for r in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
