"""A big synthetic channel (~20,000 records) for solver benchmarks: repodata only, no archives.

Shape (after engine.md Q6): 2,000 names, 3-9 versions each; a fifth of the names are python
packages with one build per python 3.8-3.12; each record depends on 0-7 names with a lower index
(so the graph has no cycles and every request is satisfiable), skewed toward the first 100 "core"
libraries, with lower bounds that grow with the depending package's version. Deterministic for
a given seed. Solving needs no archives, so ``url``s point at files that do not exist.
"""
from __future__ import annotations

import hashlib
import json
import random
from pathlib import Path

from ..atomic import write_text_atomic

PYTHONS = ("3.8", "3.9", "3.10", "3.11", "3.12")
CORE = 100


def _version(i: int) -> str:
    return f"{1 + i // 4}.{i % 4}.0"


def _record(name: str, version: str, build: str, depends: list[str], number: int) -> dict:
    digest = hashlib.sha256(f"{name}-{version}-{build}".encode())
    return {"name": name, "version": version, "build": build, "build_number": 0,
            "depends": depends, "license": "MIT", "subdir": "linux-64",
            "timestamp": 1_600_000_000_000 + number * 60_000,
            "md5": digest.hexdigest()[:32], "sha256": digest.hexdigest(), "size": 1000 + number}


def synthetic_repodata(n_names: int = 2000, seed: int = 0) -> tuple[dict, list[str]]:
    """(linux-64 repodata, names of the non-core packages, usable as requests)."""
    rng = random.Random(seed)
    names = [f"core-lib-{i:03d}" if i < CORE else f"pkg-{i:04d}" for i in range(n_names)]
    n_versions = [rng.randint(3, 9) for _ in names]
    is_python_pkg = [i >= CORE and rng.random() < 0.2 for i in range(n_names)]
    packages: dict[str, dict] = {}
    counter = 0
    for py in PYTHONS:
        version = f"{py}.{rng.randint(10, 18)}"
        rec = _record("python", version, "h0_0", [], counter)
        packages[f"python-{version}-h0_0.tar.bz2"] = rec
        counter += 1
    for index, name in enumerate(names):
        for vi in range(n_versions[index]):
            deps = []
            for _ in range(rng.randint(0, 7) if index else 0):
                pool = CORE if rng.random() < 0.6 or index <= CORE else index
                target = rng.randrange(min(pool, index))
                # lower bound grows with this version, never above the target's newest version
                bound = min(vi, n_versions[target] - 1) // 2
                deps.append(f"{names[target]} >={_version(bound)}")
            deps = sorted(set(deps))
            version = _version(vi)
            pythons = PYTHONS if is_python_pkg[index] else (None,)
            for py in pythons:
                build = f"py{py.replace('.', '')}h{counter % 9973:04x}_0" if py else f"h{counter % 9973:04x}_0"
                major, minor = py.split(".") if py else (None, None)
                record_deps = deps + ([f"python >={py},<{major}.{int(minor) + 1}.0a0"] if py else [])
                packages[f"{name}-{version}-{build}.tar.bz2"] = _record(name, version, build,
                                                                        record_deps, counter)
                counter += 1
    repodata = {"info": {"subdir": "linux-64"}, "packages": packages, "packages.conda": {},
                "removed": [], "repodata_version": 1}
    return repodata, names[CORE:]


def write_synthetic_channel(channel_dir: Path, n_names: int = 2000, seed: int = 0) -> list[str]:
    """Write the synthetic channel (linux-64 + empty noarch); returns the requestable names."""
    channel_dir = Path(channel_dir)
    repodata, requestable = synthetic_repodata(n_names, seed)
    write_text_atomic(channel_dir / "linux-64" / "repodata.json", json.dumps(repodata, sort_keys=True))
    empty = {"info": {"subdir": "noarch"}, "packages": {}, "packages.conda": {}, "removed": [],
             "repodata_version": 1}
    write_text_atomic(channel_dir / "noarch" / "repodata.json", json.dumps(empty))
    return requestable
