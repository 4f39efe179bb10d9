"""The facts a lock records about its inputs, and the three states a lock can be in: light enough
for ``envmgr list`` (no conda-lock, no rattler, no tempfile)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import fields

FRESH, STALE, MISSING = "fresh", "stale", "missing"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def spec_digest(spec) -> str:
    """A hash of what the spec says (not how it is written: comments and key order don't count).
    ``variables`` are not part of it: they change activation, not what is solved or installed."""
    # the fields as they are (asdict's deep copy was most of this function's time): json
    # reads the lists and strings without copying them
    said = {f.name: getattr(spec, f.name) for f in fields(spec) if f.name not in ("path", "lines", "variables")}
    return sha256_text(json.dumps(said, sort_keys=True, default=str))


def kb_version() -> str:
    """The knowledge base's version as lockfiles record it, read without loading the facts."""
    from ..knowledge.datafiles import kb_version

    return kb_version()
