"""Answers envmgr worked out once, kept as JSON in its cache dir under a key that names every input
(a digest of the text read, the code that read it): the parsed knowledge base, spec files, lockfile
heads. A missing, unreadable or damaged entry is worked out again; a cache that cannot be written
only costs speed."""
from __future__ import annotations

import json

from .paths import cache_dir


def read(part: str, key: str):
    """The value kept under ``key`` in the cache's ``part`` folder, or None."""
    try:
        return json.loads((cache_dir(part) / f"{key}.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def write(part: str, key: str, value, *, default=None) -> None:
    """Keep ``value`` (JSON; ``default`` as for ``json.dumps``) under ``key``, atomically."""
    from .atomic import write_text_atomic

    try:
        write_text_atomic(cache_dir(part) / f"{key}.json", json.dumps(value, default=default))
    except OSError:
        pass
