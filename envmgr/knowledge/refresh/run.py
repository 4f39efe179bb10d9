"""run: one refresh, from the indexes to a new overlay document (nothing is written here)."""
from __future__ import annotations

import datetime
from pathlib import Path

from . import repodata as conda
from .derive import overlay_rows, pypi_facts
from .pypi import PYPI, MetadataReader
from .wheelindex import wheel_index_facts
from .keys import python_key, version_key


def metadata_cache_dir() -> Path:
    """Where wheel METADATA read by a refresh is kept, in envmgr's cache dir."""
    from ...paths import cache_dir

    return cache_dir("metadata")


def _pythons(info: dict) -> list[str]:
    """The pythons of a subdir's builds, CPU and CUDA together (repodata.channel_facts)."""
    return sorted({p for ps in [info["cpu"], *info["cuda"].values()] for p in ps}, key=python_key)


def build_overlay(pypi: str = PYPI, wheel_index: str | None = None, repodata=(),
                  cache_dir: Path | None = None, offline_metadata: bool = False,
                  today: str | None = None, progress=None) -> dict:
    """The overlay a refresh writes: rows from PyPI, plus route facts from the wheel index and
    each channel's repodata. Any unreadable or malformed index raises EnvmgrError first."""
    today = today or datetime.date.today().isoformat()
    reader = MetadataReader(cache_dir or metadata_cache_dir(), offline=offline_metadata)
    facts = pypi_facts(pypi, reader, progress)
    sources = {"overlay-pypi": {"title": f"PyPI-compatible index {pypi.rstrip('/')} (JSON API / PEP 691, "
                                         f"wheel METADATA), read {today}",
                                "url": pypi.rstrip("/"), "read": today}}
    rows = overlay_rows(facts, "overlay-pypi", today)
    by_torch = {r["torch"]: r for r in rows}
    if wheel_index:
        found, url = wheel_index_facts(wheel_index)
        sources["overlay-wheel-index"] = {"title": f"PyTorch wheel index {url}, read {today}", "url": url,
                                          "read": today}
        for version, info in found.items():
            if version in by_torch:
                by_torch[version]["pip_facts"] = info
                by_torch[version].setdefault("sources_read", []).append("overlay-wheel-index")
    for number, source in enumerate(repodata or (), start=1):
        records = conda.read_records(source)
        key = f"overlay-repodata-{number}"
        sources[key] = {"title": f"conda repodata {source}, read {today}", "url": source, "read": today}
        forge = conda.is_conda_forge(source)
        for version, subdirs in conda.channel_facts(records).items():
            row = by_torch.get(version)
            if row is None:
                continue
            row.setdefault("sources_read", []).append(key)
            if forge:
                row["conda_forge_facts"] = {
                    subdir: {"cuda": sorted(info["cuda"], key=version_key), "cpu": bool(info["cpu"]),
                             "python": _pythons(info)}
                    for subdir, info in sorted(subdirs.items())}
                continue
            variants = sorted({v for info in subdirs.values() for v in info["cuda"]}, key=version_key)
            selector = next((i["selector"] for i in subdirs.values() if i["selector"]), None)
            row["conda_facts"] = {
                "channel": "pytorch", "cuda": variants, "cuda_selector": selector,
                "cpu": any(info["cpu"] for info in subdirs.values()),
                "platforms": sorted(subdirs),
                "python": {subdir: _pythons(info) for subdir, info in sorted(subdirs.items())},
                "extra_channels": {v: ["nvidia"] for v in variants} if selector == "pytorch-cuda" else {}}
    return {"schema": 1, "refreshed": today, "sources": sources, "releases": rows,
            "metadata_requests": reader.requests, "metadata_failures": reader.failures}
