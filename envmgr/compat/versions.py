"""Versions as people compare them: a sort key that never fails, and the nearest of some options."""
from __future__ import annotations

from packaging.version import InvalidVersion

from ..knowledge.records import parsed_version


def version_key(text: str):
    try:
        return parsed_version(text)
    except InvalidVersion:
        return parsed_version("0")


def _distance(a: str, b: str) -> float:
    """How far apart two versions are, for "nearest" suggestions: 12.1 is nearer 11.3 than 11.1."""
    def scale(text: str) -> float:
        major, minor, patch = (version_key(text).release + (0, 0))[:3]
        return major * 100 + minor + patch / 100

    return abs(scale(a) - scale(b))


def nearest(wanted: str, options: list[str]) -> str | None:
    """The option closest to ``wanted``; on a tie, the newer one."""
    if not options:
        return None
    return min(options, key=lambda o: (_distance(wanted, o), -version_key(o).release[0], -version_key(o).release[1]))
