"""Indexing a channel directory: ``<channel>/<subdir>/repodata.json`` from the archives on disk.

Two indexers give the same records:

* :func:`index_channel` (default): a small pure-Python indexer. It reads ``info/index.json`` from
  each archive and adds ``md5``, ``sha256`` and ``size``. It writes no ``indexed_timestamp``, so the
  repodata is byte-reproducible and ``exclude_newer`` solves see the build ``timestamp`` (rattler
  prefers ``indexed_timestamp`` when present, which would make every package "new").
* :func:`index_channel_with_rattler`: ``rattler.index.index_fs`` with ``indexed_timestamp``
  stripped afterwards. tests/testchannel/test_channel_builder.py checks both agree.

It indexes what is on disk, not what was meant to be written, so a test can tamper with an
archive after indexing (the repodata keeps the original hashes) or before (the hashes follow).
"""
from __future__ import annotations

import hashlib
import json
import tarfile
from pathlib import Path

from ..atomic import write_text_atomic

ARCHIVE_SUFFIXES = (".tar.bz2", ".conda")


def _read_index_json(archive: Path) -> dict:
    if archive.name.endswith(".conda"):
        from conda_package_streaming.package_streaming import stream_conda_info

        for tar, member in stream_conda_info(str(archive)):
            if member.name == "info/index.json":
                return json.loads(tar.extractfile(member).read())
    else:
        # "r|bz2" streams: info/ comes first, so the payload is never decompressed.
        with tarfile.open(archive, mode="r|bz2") as tar:
            for member in tar:
                if member.name == "info/index.json":
                    return json.loads(tar.extractfile(member).read())
    raise ValueError(f"{archive}: no info/index.json")


def _digests(archive: Path) -> dict:
    data = archive.read_bytes()
    return {"md5": hashlib.md5(data).hexdigest(), "sha256": hashlib.sha256(data).hexdigest(),
            "size": len(data)}


def repodata_for_subdir(subdir_dir: Path) -> dict:
    """The repodata of one subdir, as a dict (records sorted by file name)."""
    packages: dict[str, dict] = {}
    conda_packages: dict[str, dict] = {}
    for archive in sorted(subdir_dir.iterdir()):
        if not archive.name.endswith(ARCHIVE_SUFFIXES):
            continue
        record = _read_index_json(archive)
        record.update(_digests(archive))
        target = conda_packages if archive.name.endswith(".conda") else packages
        target[archive.name] = record
    return {"info": {"subdir": subdir_dir.name}, "packages": packages,
            "packages.conda": conda_packages, "removed": [], "repodata_version": 1}


def write_repodata(subdir_dir: Path, repodata: dict) -> Path:
    out = subdir_dir / "repodata.json"
    write_text_atomic(out, json.dumps(repodata, indent=1, sort_keys=True) + "\n")
    return out


def index_channel(channel_dir: Path, subdirs: tuple[str, ...] = ()) -> None:
    """Write ``repodata.json`` for every subdir of ``channel_dir`` (``noarch`` is always made:
    solvers require it even when empty)."""
    channel_dir = Path(channel_dir)
    (channel_dir / "noarch").mkdir(parents=True, exist_ok=True)
    for name in subdirs:
        (channel_dir / name).mkdir(parents=True, exist_ok=True)
    for subdir_dir in sorted(p for p in channel_dir.iterdir() if p.is_dir()):
        write_repodata(subdir_dir, repodata_for_subdir(subdir_dir))


def index_channel_with_rattler(channel_dir: Path) -> None:
    """Index with ``rattler.index.index_fs``, then drop ``indexed_timestamp`` (see module doc)."""
    import asyncio

    from rattler.index import index_fs

    channel_dir = Path(channel_dir)
    (channel_dir / "noarch").mkdir(parents=True, exist_ok=True)
    asyncio.run(index_fs(channel_dir, write_zst=False, write_shards=False, force=True))
    for repodata_path in channel_dir.glob("*/repodata.json"):
        repodata = json.loads(repodata_path.read_text(encoding="utf-8"))
        for key in ("packages", "packages.conda"):
            for record in (repodata.get(key) or {}).values():
                record.pop("indexed_timestamp", None)
        write_repodata(repodata_path.parent, repodata)
