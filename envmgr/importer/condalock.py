"""conda-lock.yml as a source: the direct requests it was locked from, else what it locked.

conda-lock records the files it was made from in ``metadata.sources``; when one of them sits
next to the lockfile it holds the direct requests, which is what a spec wants. Otherwise every
locked package is there, transitive ones included, so the lockfile is read like a
``conda env export``: the build strings give the torch variant, and the transitive pins are
filtered later (``exports``).
"""
from __future__ import annotations

import re
from pathlib import Path, PurePosixPath

from ..errors import UsageError
from ..models import PLATFORMS
from .sourcefile import Dropped, Line, Source
from .sources import compose, is_conda_lock, read_plain, read_text

_ARCHIVE = re.compile(r"(\.tar\.bz2|\.conda)$")


def read_conda_lock(path: Path, data) -> Source:
    metadata = data.get("metadata") if isinstance(data, dict) else None
    packages = data.get("package") if isinstance(data, dict) else None
    if not isinstance(metadata, dict) or not isinstance(packages, list):
        raise UsageError("not a conda-lock file: `metadata` must be a mapping and `package` a list",
                         file=path, fix="give the conda-lock.yml that `conda-lock lock` wrote")
    platforms, other_platforms = _platforms(metadata)
    source = _from_recorded_sources(path, metadata)
    if source is None:
        source = _from_locked_packages(path, packages, platforms)
    source.kind = "conda-lock"
    if platforms:
        source.platforms = platforms
    if other_platforms:
        source.dropped.append(Dropped(f"platforms {', '.join(other_platforms)}",
                                      f"envmgr locks {', '.join(PLATFORMS)}"))
    if not source.channels:
        source.channels = _channels(metadata)
    return source


def _platforms(metadata: dict) -> tuple[list[str], list[str]]:
    listed = [str(p) for p in metadata.get("platforms") or [] if isinstance(p, (str, int))]
    return [p for p in listed if p in PLATFORMS], [p for p in listed if p not in PLATFORMS]


def _channels(metadata: dict) -> list[str]:
    found = []
    for entry in metadata.get("channels") or []:
        url = entry.get("url") if isinstance(entry, dict) else entry
        if isinstance(url, str) and url.strip():
            url = url.strip().rstrip("/")
            found.append(url.rsplit("/", 1)[-1] if "conda.anaconda.org/" in url else url)
    return found


def _from_recorded_sources(path: Path, metadata: dict) -> Source | None:
    """The environment file the lock was made from, when it is next to the lockfile."""
    for recorded in metadata.get("sources") or []:
        if not isinstance(recorded, str):
            continue
        candidate = (path.parent / PurePosixPath(recorded)).resolve()
        if candidate == path.resolve() or not candidate.is_file():
            continue
        try:
            text = read_text(candidate)
            root = compose(candidate, text)
            if is_conda_lock(root):
                continue
            source = read_plain(candidate, text, root)
        except (UsageError, RecursionError):
            continue
        source.dropped.insert(0, Dropped(
            f"the {len(source.conda) + len(source.pip)} direct requests were read from {recorded}",
            "conda-lock records the files it locked; their requests are the spec, the locked "
            "transitive versions are not"))
        return source
    return None


def _from_locked_packages(path: Path, packages: list, platforms: list[str]) -> Source:
    source = Source(path=path, kind="conda-lock", is_export=True)
    preferred = platforms[0] if platforms else "linux-64"
    chosen: dict[tuple[str, str], dict] = {}
    for entry in packages:
        if not isinstance(entry, dict) or not isinstance(entry.get("name"), str):
            continue
        key = (str(entry.get("manager") or "conda"), entry["name"].lower())
        if key not in chosen or entry.get("platform") == preferred:
            chosen[key] = entry
    if not chosen:
        raise UsageError("the conda-lock file locks no packages", file=path,
                         fix="give a conda-lock.yml with a `package:` list")
    for (manager, name), entry in chosen.items():
        version = str(entry.get("version") or "").strip()
        if manager == "pip":
            source.pip.append(Line(f"{name}=={version}" if version else name))
        else:
            build = _build_of(entry, name, version)
            text = name + (f"={version}" if version else "") + (f"={build}" if build and version else "")
            source.conda.append(Line(text))
    return source


def _build_of(entry: dict, name: str, version: str) -> str | None:
    """The build string, from the record or its archive name ``pytorch-1.10.1-py3.9_cuda11.3_0.tar.bz2``."""
    if isinstance(entry.get("build"), str):
        return entry["build"]
    url = entry.get("url")
    if not isinstance(url, str):
        return None
    archive = _ARCHIVE.sub("", url.rsplit("/", 1)[-1])
    prefix = f"{name}-{version}-"
    return archive[len(prefix):] or None if archive.startswith(prefix) else None
