"""What an import decided: the spec with its facts (:class:`Imported`), the ``--fix`` changes
(:class:`Change`) and problems that point at a line of the imported file (:class:`FileProblem`).
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..knowledge.records import TorchRelease
from ..models import Problem, Spec
from .sourcefile import Dropped, Source
from .torchstack import StackFacts


@dataclass
class Imported:
    spec: Spec
    facts: StackFacts
    source: Source
    release: TorchRelease | None
    notes: list[Problem] = field(default_factory=list)
    dropped: list[Dropped] = field(default_factory=list)
    changes: list = field(default_factory=list)       # --fix changes made while resolving
    conflicts: list = field(default_factory=list)     # pins.Conflict: repeated pins that disagree
    keep_pins: bool = False                           # --keep-pins: a dump's transitive pins stay


@dataclass
class Change:
    key: str
    old: str | None
    new: str | None
    why: str

    def to_json(self) -> dict:
        return {"key": self.key, "from": self.old, "to": self.new, "why": self.why}

    def __str__(self) -> str:
        return f"{self.key}: {self.old or 'unset'} -> {self.new or 'unset'} ({self.why})"


@dataclass
class FileProblem(Problem):
    """A problem that points at a line of the imported file."""

    line: int | None = None


def at(problem: Problem, line: int | None) -> FileProblem:
    data = {k: getattr(problem, k) for k in ("code", "message", "fix", "fact", "source", "key", "severity")}
    return FileProblem(**data, line=line)
