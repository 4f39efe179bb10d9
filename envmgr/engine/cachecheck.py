"""The package cache's extracted packages, checked against their own ``info/paths.json`` before
anything is linked from them.

rattler links (hardlinks) files out of ``<pkgs>/<name>-<version>-<build>/`` into every new env. A
cached file truncated or rewritten in place would go into each of them, silently, and an archive
hash says nothing about it once the package is extracted. So before an install:

* every file of every cached package the install uses is ``lstat``-ed against its recorded
  ``size_in_bytes`` (cheap: no file is opened);
* its ``sha256`` is checked too the first time the entry is used after its extraction (a stamp
  under ``<pkgs>/.envmgr-verified/`` records the archive hash the entry was verified for), and
  every time with ``create --verify-cache``;
* an entry that fails is removed (renamed aside, then deleted), so rattler extracts it again from
  its archive (the lockfile's URL, hashed first). When that archive is gone too, the install fails
  saying so, once: the damaged copy is not left to fail the same way forever.

Files of a package with a prefix placeholder are the cached (unreplaced) bytes, which paths.json
describes exactly, so they are checked like the rest. Symlinks and folders are not.
"""
from __future__ import annotations

import hashlib
import json
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

STAMPS = ".envmgr-verified"


@dataclass(frozen=True)
class Damage:
    package: str          # name-version-build
    path: str             # inside the package
    why: str              # "1000 bytes, 3145728 expected", "missing", "sha256 differs"

    def __str__(self) -> str:
        return f"{self.package}: {self.path} ({self.why})"


def stem_of(record) -> str:
    return record.file_name.removesuffix(".conda").removesuffix(".tar.bz2")


def archive_sha256(cache_dir: Path, stem: str) -> str | None:
    """The archive hash rattler recorded for the entry (``<stem>.lock``: 8-byte revision, then the
    sha256 of the archive it extracted), hex; None when it has none."""
    try:
        data = (Path(cache_dir) / f"{stem}.lock").read_bytes()
    except OSError:
        return None
    return data[8:40].hex() if len(data) >= 40 else None


def check_entry(entry: Path, full: bool) -> Damage | None:
    """The first file of the extracted package ``entry`` that does not match its paths.json."""
    package = entry.name
    try:
        listed = json.loads((entry / "info" / "paths.json").read_text(encoding="utf-8"))["paths"]
    except (OSError, ValueError, KeyError, TypeError):
        return Damage(package, "info/paths.json", "missing or unreadable")
    base = str(entry) + os.sep          # strings, not Path objects: this loop is the cost
    lstat = os.lstat
    for item in listed if isinstance(listed, list) else []:
        if not isinstance(item, dict) or item.get("path_type", "hardlink") != "hardlink":
            continue
        relative = item.get("_path")
        if not isinstance(relative, str):
            continue
        try:
            size = lstat(base + relative).st_size
        except OSError:
            return Damage(package, relative, "missing")
        expected = item.get("size_in_bytes")
        if isinstance(expected, int) and size != expected:
            return Damage(package, relative, f"{size} bytes, {expected} expected")
        sha256 = item.get("sha256")
        if full and isinstance(sha256, str) and _sha256(Path(base + relative)) != sha256:
            return Damage(package, relative, "sha256 differs from paths.json")
    return None


def check_cache(records, cache_dir: Path, *, verify_all: bool = False, say=None) -> list[Damage]:
    """Check the cached entries of ``records``; remove each damaged one so it is extracted again.
    Returns the damage found (``say`` is told each one)."""
    cache_dir = Path(cache_dir)
    found = []
    for record in records:
        stem = stem_of(record)
        entry = cache_dir / stem
        if not entry.is_dir():
            continue                                   # not extracted yet: rattler will
        archive = archive_sha256(cache_dir, stem)
        stamp = cache_dir / STAMPS / stem
        full = verify_all or archive is None or _read(stamp) != archive
        damage = check_entry(entry, full)
        if damage is None:
            if full and archive is not None:
                _write_stamp(stamp, archive)
            continue
        found.append(damage)
        if say:
            say(f"package cache: {damage}; extracting {stem} again from its archive")
        _remove_entry(cache_dir, entry, stem)
    return found


def _remove_entry(cache_dir: Path, entry: Path, stem: str) -> None:
    """Rename the entry aside (rattler sees it gone at once), then delete it and its stamp; the
    ``.lock`` goes too, so nothing claims the entry is extracted."""
    aside = Path(tempfile.mkdtemp(prefix=f".{stem}.envmgr-bad-", dir=cache_dir))
    os.rmdir(aside)
    os.rename(entry, aside)
    shutil.rmtree(aside, ignore_errors=True)
    for leftover in (cache_dir / f"{stem}.lock", cache_dir / STAMPS / stem):
        try:
            leftover.unlink()
        except FileNotFoundError:
            pass


def _sha256(path: Path) -> str | None:
    digest = hashlib.sha256()
    try:
        with open(path, "rb") as handle:
            for block in iter(lambda: handle.read(1 << 20), b""):
                digest.update(block)
    except OSError:
        return None
    return digest.hexdigest()


def _read(path: Path) -> str | None:
    try:
        return path.read_text(encoding="ascii").strip()
    except (OSError, UnicodeDecodeError):
        return None


def _write_stamp(stamp: Path, archive: str) -> None:
    try:
        stamp.parent.mkdir(exist_ok=True)
        stamp.write_text(archive + "\n", encoding="ascii")
    except OSError as exc:   # a read-only shared cache: the check runs in full next time
        print(f"note: cannot record the package cache check in {stamp}: {exc.strerror}",
              file=sys.stderr)
