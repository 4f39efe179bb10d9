"""Locked pip files <-> conda-lock ``manager: pip`` entries.

conda-lock writes a pip package as ``name, version, manager: pip, platform, url, hash: {sha256}``
(URL without a ``#sha256=`` fragment), category ``main``; ``conda-lock install`` turns each into
``name @ url#sha256=...`` and runs ``pip install --no-deps``. envmgr writes the same shape with
conda-lock's own model. ``dependencies`` stays empty: uv's pylock output does not carry the
requirement edges, and neither installer reads them (both install with ``--no-deps``).

A file from an index other than the default one (PyTorch's ``+cu124`` wheels, any extra index or
find-links page) also gets conda-lock's ``source: {type: url, url: URL#sha256=...}``, the form
conda-lock gives a direct reference: ``conda-lock render --kind env`` then writes
``torch @ URL#sha256=...`` instead of ``torch == 2.6.0+cu124``, which pip would look up on PyPI
(PyPI accepts no local versions, so it never has them).
"""
from __future__ import annotations

from dataclasses import dataclass

from .resolve import LockedWheel


def pip_entries(wheels: list[LockedWheel]) -> list:
    """conda-lock ``LockedDependency`` objects (v2prelim models, written as v1) for ``wheels``."""
    from conda_lock.lockfile.v1.models import DependencySource
    from conda_lock.lockfile.v2prelim.models import HashModel, LockedDependency

    return [LockedDependency(name=w.name, version=w.version, manager="pip", platform=w.platform,
                             dependencies={}, url=w.url, hash=HashModel(sha256=w.sha256),
                             categories={"main"},
                             source=DependencySource(type="url", url=f"{w.url}#sha256={w.sha256}")
                             if w.index else None)
            for w in sorted(wheels, key=lambda w: (w.platform, w.name))]


@dataclass(frozen=True)
class PipEntry:
    """A pip entry read back from a lockfile (plain YAML, no conda-lock import)."""

    name: str
    version: str
    url: str
    sha256: str

    @classmethod
    def from_yaml(cls, entry: dict) -> "PipEntry":
        sha256 = (entry.get("hash") or {}).get("sha256") or ""
        return cls(name=str(entry["name"]), version=str(entry["version"]), url=str(entry["url"]),
                   sha256=str(sha256))

    def requirement_line(self) -> str:
        """A hash-pinned direct reference, as pip and uv take it with --require-hashes."""
        return f"{self.name} @ {self.url} --hash=sha256:{self.sha256}"
