"""What an imported file says, as read: its requests line by line and what the spec cannot carry.

The readers (``sources`` for environment files and requirements, ``condalock`` for conda-lock
files) produce a :class:`Source`; everything after them works on it.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Dropped:
    """Something in the file that the spec does not carry, and why."""

    item: str
    why: str
    items: list[str] = field(default_factory=list)   # the names, when ``item`` summarises many
    line: int | None = None

    def to_json(self) -> dict:
        data = {"item": self.item, "why": self.why}
        if self.items:
            data["items"] = list(self.items)
        if self.line:
            data["line"] = self.line
        return data


@dataclass
class Line:
    text: str
    line: int | None = None


@dataclass
class Source:
    path: Path
    kind: str                              # "environment", "requirements" or "conda-lock"
    name: str | None = None
    channels: list[str] = field(default_factory=list)
    conda: list[Line] = field(default_factory=list)
    pip: list[Line] = field(default_factory=list)
    platforms: list[str] | None = None
    is_export: bool = False                # a full dump (conda env export, a lockfile)
    dropped: list[Dropped] = field(default_factory=list)
    lines: dict[str, int] = field(default_factory=dict)   # "channels", "name" -> line
