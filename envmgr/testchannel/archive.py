"""One conda package: its record (name, version, build, depends...) and a real ``.tar.bz2`` archive.

The archives are written with the standard library's ``tarfile`` with fixed mtimes, owners and
member order, so the same record always gives the same bytes (same md5) and lockfiles made from a
test channel can be compared across runs. ``bz2`` adds no timestamp of its own.
"""
from __future__ import annotations

import hashlib
import io
import json
import tarfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

PREFIX_PLACEHOLDER = "/opt/anaconda1anaconda2anaconda3"
ARCHIVE_MTIME = 1_600_000_000  # fixed member mtime (2020-09-13): the archive bytes never depend on now
PLATFORM_OF_SUBDIR = {"linux-64": ("linux", "x86_64"), "win-64": ("win", "x86_64"),
                      "osx-arm64": ("osx", "arm64"), "osx-64": ("osx", "x86_64")}


def ms(date: str) -> int:
    """"2021-12-10" -> milliseconds since the epoch (conda's ``timestamp`` unit)."""
    moment = datetime.fromisoformat(date).replace(tzinfo=timezone.utc)
    return int(moment.timestamp() * 1000)


@dataclass
class Package:
    """A package to put in a test channel. ``files`` maps archive paths to their content.

    ``prefix_files`` names the files that contain :data:`PREFIX_PLACEHOLDER` (installed in text
    mode, the placeholder rewritten to the prefix). ``channel`` is the channel directory it goes to.
    """

    name: str
    version: str
    build: str
    subdir: str = "noarch"
    channel: str = "defaults"
    build_number: int = 0
    depends: list[str] = field(default_factory=list)
    constrains: list[str] = field(default_factory=list)
    noarch: str | None = None              # "generic" or "python" when subdir == "noarch"
    track_features: str = ""
    timestamp: int = ms("2021-01-01")      # milliseconds, as conda writes it
    license: str = "BSD-3-Clause"
    files: dict[str, bytes | str] = field(default_factory=dict)
    prefix_files: set[str] = field(default_factory=set)

    def __post_init__(self):
        if self.subdir == "noarch" and self.noarch is None:
            self.noarch = "generic"

    @property
    def filename(self) -> str:
        return f"{self.name}-{self.version}-{self.build}.tar.bz2"

    def index_json(self) -> dict:
        """``info/index.json``: the record the indexer copies into repodata."""
        record = {"name": self.name, "version": self.version, "build": self.build,
                  "build_number": self.build_number, "depends": list(self.depends),
                  "license": self.license, "subdir": self.subdir, "timestamp": self.timestamp}
        if self.constrains:
            record["constrains"] = list(self.constrains)
        if self.subdir == "noarch":
            record["noarch"] = self.noarch
        else:
            record["platform"], record["arch"] = PLATFORM_OF_SUBDIR[self.subdir]
        if self.track_features:
            record["track_features"] = self.track_features
        return record


def _bytes(content: bytes | str) -> bytes:
    return content.encode("utf-8") if isinstance(content, str) else content


def _paths_json(pkg: Package, payload: dict[str, bytes]) -> dict:
    entries = []
    for path, data in payload.items():
        entry = {"_path": path, "path_type": "hardlink",
                 "sha256": hashlib.sha256(data).hexdigest(), "size_in_bytes": len(data)}
        if path in pkg.prefix_files:
            entry.update(file_mode="text", prefix_placeholder=PREFIX_PLACEHOLDER)
        entries.append(entry)
    return {"paths": entries, "paths_version": 1}


def info_files(pkg: Package, payload: dict[str, bytes]) -> dict[str, bytes]:
    """The ``info/`` metadata conda and rattler read (they do not invent any of it)."""
    dump = lambda obj: (json.dumps(obj, indent=2, sort_keys=True) + "\n").encode()  # noqa: E731
    info = {"info/index.json": dump(pkg.index_json()),
            "info/paths.json": dump(_paths_json(pkg, payload)),
            "info/files": "".join(f"{p}\n" for p in payload).encode(),
            "info/about.json": dump({"summary": f"envmgr test package {pkg.name}",
                                     "license": pkg.license})}
    if pkg.prefix_files:
        info["info/has_prefix"] = "".join(
            f"{PREFIX_PLACEHOLDER} text {p}\n" for p in sorted(pkg.prefix_files)).encode()
    if pkg.noarch == "python":
        info["info/link.json"] = dump({"noarch": {"type": "python"}, "package_metadata_version": 1})
    return info


def _add(tar: tarfile.TarFile, path: str, data: bytes, executable: bool) -> None:
    member = tarfile.TarInfo(path)
    member.size = len(data)
    member.mtime = ARCHIVE_MTIME
    member.mode = 0o755 if executable else 0o644
    member.uid = member.gid = 0
    member.uname = member.gname = ""
    tar.addfile(member, io.BytesIO(data))


def write_archive(pkg: Package, subdir_dir: Path) -> Path:
    """Write ``pkg`` as ``subdir_dir/<name>-<version>-<build>.tar.bz2``; returns its path.

    ``info/`` goes first (as conda-build does), so readers find the metadata without
    decompressing the payload.
    """
    payload = {path: _bytes(pkg.files[path]) for path in sorted(pkg.files)}
    subdir_dir.mkdir(parents=True, exist_ok=True)
    out = subdir_dir / pkg.filename
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w:bz2", format=tarfile.GNU_FORMAT) as tar:
        for path, data in info_files(pkg, payload).items():
            _add(tar, path, data, executable=False)
        for path, data in payload.items():
            executable = path.startswith(("bin/", "Scripts/")) or path.endswith(".exe")
            _add(tar, path, data, executable)
    out.write_bytes(buffer.getvalue())
    return out
