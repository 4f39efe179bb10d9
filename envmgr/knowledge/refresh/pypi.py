"""pypi: what a PyPI-compatible index says about torch, torchvision and torchaudio.

Reads ``BASE/pypi/NAME/json`` (the JSON API), else ``BASE/simple/NAME/`` as PEP 691 JSON, and
for the Requires-Dist of a wheel its PEP 658 metadata where the index offers it, else the wheel's
METADATA through HTTP ranges. What was read from a wheel is cached (by file name, which PyPI
never reuses) under envmgr's cache dir, so a second refresh costs only the index pages.
"""
from __future__ import annotations

import json
import re
from pathlib import Path
from typing import NamedTuple
from urllib.parse import urljoin

from ...errors import EnvmgrError
from . import fetch
from .keys import python_key
from .wheels import (envmgr_platform, member_by_range, metadata_by_range, parse_wheel, python_of,
                     requires_dist)

PYPI = "https://pypi.org"
PACKAGES = ("torch", "torchvision", "torchaudio")
SIMPLE_JSON = "application/vnd.pypi.simple.v1+json"
# The wheel a companion's torch pin is read from, best first: the aarch64 and macOS-arm64 wheels
# of several torchvision releases declare a bare `torch` where linux-64 and win-64 pin it.
PIN_PLATFORMS = ("linux-64", "win-64", "osx-64", "linux-aarch64", "osx-arm64")


class IndexFile(NamedTuple):
    filename: str
    url: str
    size: int | None
    sha256: str | None
    upload_time: str | None
    yanked: bool
    yanked_reason: str | None
    requires_python: str | None
    metadata: bool            # PEP 658/714: URL + ".metadata" serves the METADATA


def _bad_index(url: str, what: str) -> EnvmgrError:
    return EnvmgrError(f"{url}: {what}", code="bad-index",
                       fix="check that --pypi names a PyPI-compatible index (its /pypi/NAME/json or "
                           "/simple/NAME/ pages); the old overlay is kept")


def _json(url: str, data: bytes) -> dict:
    try:
        value = json.loads(data)
    except ValueError as exc:
        raise _bad_index(url, f"not valid JSON ({exc.msg} at char {exc.pos}): truncated or not an index") from None
    if not isinstance(value, dict):
        raise _bad_index(url, "not a JSON object")
    return value


def project_files(base: str, name: str) -> tuple[list[IndexFile], str]:
    """Every file of project ``name`` and the URL it was read from."""
    base = base.rstrip("/") + "/"
    url = urljoin(base, f"pypi/{name}/json")
    data = fetch.get(url, not_found_ok=True)
    if data is not None:
        return _from_json_api(url, _json(url, data)), url
    url = urljoin(base, f"simple/{name}/")
    data = fetch.get(url, accept=SIMPLE_JSON, not_found_ok=True)
    if data is None:
        raise _bad_index(url, f"{name} is not on this index (neither /pypi/{name}/json nor /simple/{name}/)")
    return _from_simple(url, _json(url, data)), url


def _from_json_api(url: str, doc: dict) -> list[IndexFile]:
    releases = doc.get("releases")
    if not isinstance(releases, dict):
        raise _bad_index(url, "has no `releases` mapping (not a PyPI JSON API page)")
    files = []
    for entries in releases.values():
        for entry in entries or ():
            try:
                files.append(IndexFile(
                    filename=entry["filename"], url=urljoin(url, entry["url"]), size=entry.get("size"),
                    sha256=(entry.get("digests") or {}).get("sha256"),
                    upload_time=entry.get("upload_time_iso_8601") or entry.get("upload_time"),
                    yanked=bool(entry.get("yanked")), yanked_reason=entry.get("yanked_reason"),
                    requires_python=entry.get("requires_python"),
                    metadata=bool(entry.get("core-metadata") or entry.get("data-dist-info-metadata"))))
            except (KeyError, TypeError, AttributeError):
                raise _bad_index(url, f"a file entry lacks filename/url: {str(entry)[:80]}") from None
    return files


def _from_simple(url: str, doc: dict) -> list[IndexFile]:
    entries = doc.get("files")
    if not isinstance(entries, list):
        raise _bad_index(url, "has no `files` list (not a PEP 691 JSON page)")
    files = []
    for entry in entries:
        try:
            yanked = entry.get("yanked")
            files.append(IndexFile(
                filename=entry["filename"], url=urljoin(url, entry["url"]), size=entry.get("size"),
                sha256=(entry.get("hashes") or {}).get("sha256"), upload_time=entry.get("upload-time"),
                yanked=bool(yanked), yanked_reason=yanked if isinstance(yanked, str) else None,
                requires_python=entry.get("requires-python"),
                metadata=bool(entry.get("core-metadata") or entry.get("data-dist-info-metadata"))))
        except (KeyError, TypeError, AttributeError):
            raise _bad_index(url, f"a file entry lacks filename/url: {str(entry)[:80]}") from None
    return files


# -- releases ----------------------------------------------------------------------------------

def releases(files: list[IndexFile]) -> dict[str, dict]:
    """version -> {date, yanked, yanked_reason, requires_python, python: {platform: [...]}, wheels}."""
    from packaging.version import InvalidVersion, Version

    out: dict[str, dict] = {}
    for item in files:
        wheel = parse_wheel(item.filename)
        if wheel is None:
            continue
        try:
            version = str(Version(wheel.public_version))
        except InvalidVersion:
            continue
        row = out.setdefault(version, {"date": None, "yanked": True, "yanked_reason": None,
                                       "requires_python": None, "python": {}, "wheels": []})
        day = (item.upload_time or "")[:10] or None
        if day and (row["date"] is None or day < row["date"]):
            row["date"] = day
        row["yanked"] = row["yanked"] and item.yanked
        if item.yanked and item.yanked_reason:
            row["yanked_reason"] = item.yanked_reason
        row["requires_python"] = row["requires_python"] or item.requires_python
        platforms = [envmgr_platform(wheel.platform)] if wheel.platform != "any" else []
        python = python_of(wheel)
        for platform in platforms:
            if platform and python:
                tags = row["python"].setdefault(platform, [])
                if python not in tags:
                    tags.append(python)
        row["wheels"].append((item, wheel, platforms[0] if platforms else None))
    for row in out.values():
        if not row["yanked"]:
            row["yanked_reason"] = None
        row["python"] = {p: sorted(tags, key=python_key) for p, tags in sorted(row["python"].items())}
    return out


# -- METADATA ----------------------------------------------------------------------------------

class MetadataReader:
    """Reads and caches wheel METADATA. ``offline``: only what is cached (build_kb, tests)."""

    def __init__(self, cache_dir: Path, offline: bool = False):
        self.cache_dir = Path(cache_dir)
        self.offline = offline
        self.requests = 0
        self.failures: list[str] = []     # "wheel: why" for METADATA that could not be read

    def cached(self, filename: str, suffix: str = "METADATA") -> str | None:
        try:
            return (self.cache_dir / f"{filename}.{suffix}").read_text(encoding="utf-8")
        except OSError:
            return None

    def read(self, item: IndexFile) -> str | None:
        """The wheel's METADATA: PEP 658 where the index offers it, else by HTTP ranges."""
        def fetch_metadata():
            text = None
            if item.metadata:
                data = fetch.get(item.url + ".metadata", not_found_ok=True)
                self.requests += 1
                text = data.decode("utf-8", errors="replace") if data is not None else None
            if text is None:
                text = metadata_by_range(item.url, item.size)
                self.requests += 1
            return text

        return self._read(item, "METADATA", lambda: metadata_headers(fetch_metadata()))

    def read_version_py(self, item: IndexFile) -> str | None:
        """``torch/version.py`` of a torch wheel (what it was built with), by HTTP ranges."""
        def fetch_member():
            text = member_by_range(item.url, lambda name: name == "torch/version.py", "torch/version.py")
            self.requests += 1
            return text

        return self._read(item, "version.py", fetch_member)

    def _read(self, item: IndexFile, suffix: str, fetch_text) -> str | None:
        text = self.cached(item.filename, suffix)
        if text is not None:
            return text
        if self.offline:
            self.failures.append(f"{item.filename}: {suffix} not in the cache (offline)")
            return None
        try:
            text = fetch_text()
        except EnvmgrError as err:
            # One unreadable wheel leaves that fact unknown (the shipped value stays); the
            # refresh goes on and says so.
            self.failures.append(f"{item.filename}: {err.message}")
            return None
        self._store(f"{item.filename}.{suffix}", text)
        return text

    def _store(self, name: str, text: str) -> None:
        from ...atomic import write_text_atomic

        try:
            write_text_atomic(self.cache_dir / name, text)
        except OSError:
            pass        # an unwritable cache only costs the next refresh its requests


def metadata_headers(text: str) -> str:
    """METADATA without its description body: the headers are all a refresh reads, and the body
    (torch's README) is most of the bytes a cache would keep."""
    head, _, _ = text.replace("\r\n", "\n").partition("\n\n")
    return head + "\n"


def pick_wheel(row: dict, reader: MetadataReader, platforms=PIN_PLATFORMS, suffix: str = "METADATA"):
    """The wheel to read a release's ``suffix`` (METADATA, version.py) from: a cached one first,
    then by platform."""
    wheels = [w for w in row["wheels"] if w[2] in platforms]
    wheels.sort(key=lambda w: (platforms.index(w[2]), w[0].size or 0))
    for candidate in wheels:
        if reader.cached(candidate[0].filename, suffix) is not None:
            return candidate
    return wheels[0] if wheels else None


def torch_pin(metadata: str) -> str | None:
    """The specifier a companion's Requires-Dist puts on torch: "==2.9.0", ">=2.14.0", "" for a
    bare `torch`, None for no torch requirement at all."""
    from packaging.requirements import InvalidRequirement, Requirement

    for line in requires_dist(metadata):
        try:
            req = Requirement(line)
        except InvalidRequirement:
            continue
        if req.name.lower() == "torch" and (req.marker is None or "extra" not in str(req.marker)):
            return str(req.specifier)
    return None


_CUDA_PINS = (re.compile(r"^cuda-toolkit(\[[^\]]*\])?\s*\(?\s*==\s*(\d+)\.(\d+)"),
              re.compile(r"^nvidia-cuda-runtime(-cu\d+)?\s*\(?\s*==\s*(\d+)\.(\d+)"))


def pypi_cuda(metadata: str) -> tuple[str | None, str | None]:
    """The CUDA of a plain PyPI linux wheel from its `cuda-toolkit` / `nvidia-cuda-runtime` pin,
    and the requirement it was read from."""
    for line in requires_dist(metadata):
        for pattern in _CUDA_PINS:
            match = pattern.match(line.strip())
            if match:
                return f"{match.group(2)}.{match.group(3)}", line.strip()
    return None, None
