"""The facts a lock records about its inputs, and the three states a lock can be in: light enough
for ``envmgr list`` (no conda-lock, no rattler, no tempfile)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict

FRESH, STALE, MISSING = "fresh", "stale", "missing"


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def spec_digest(spec) -> str:
    """A hash of what the spec says (not how it is written: comments and key order don't count).
    ``variables`` are not part of it: they change activation, not what is solved or installed."""
    fields = {k: v for k, v in asdict(spec).items() if k not in ("path", "lines", "variables")}
    return sha256_text(json.dumps(fields, sort_keys=True, default=str))


def kb_version() -> str:
    """The knowledge base's version as lockfiles record it, read without loading the facts."""
    from ..knowledge.datafiles import kb_version

    return kb_version()
