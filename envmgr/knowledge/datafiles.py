"""The shipped data files as bytes: which they are, their digest and the version they declare.

Light on purpose (no YAML, no packaging): ``envmgr list`` needs the knowledge base's version to
judge a lock, not its facts.
"""
from __future__ import annotations

import hashlib
import re
from functools import cache
from pathlib import Path

DATA_DIR = Path(__file__).resolve().parent / "data"
DATA_FILES = ("sources.yaml", "torch.yaml", "cuda.yaml", "arches.yaml", "gpus.yaml", "copins.yaml",
              "platforms.yaml")
_KB_VERSION = re.compile(r"^kb_version:\s*['\"]?([^'\"\s#]+)", re.MULTILINE)


def read_texts() -> tuple[dict[str, str], bytes | None, str]:
    """(file name -> text, the user's overlay (``knowledge refresh``) or None, the sha256 of them
    all) for the data files."""
    from .refresh.overlay import read_overlay_bytes

    digest = hashlib.sha256()
    texts: dict[str, str] = {}
    for name in DATA_FILES:
        text = (DATA_DIR / name).read_text(encoding="utf-8")
        digest.update(name.encode() + b"\0" + text.encode() + b"\0")
        texts[name] = text
    overlay = read_overlay_bytes()
    if overlay is not None:
        digest.update(b"overlay\0" + overlay)
    return texts, overlay, digest.hexdigest()


def version_label(kb_version: str, digest: str) -> str:
    """What lockfiles record as the knowledge base's version: the declared one plus the digest."""
    return f"{kb_version}+{digest[:12]}"


def kb_version() -> str:
    """:func:`version_label` of the shipped files and the overlay, read without parsing them
    (once per process while the overlay file stays as it is)."""
    from .refresh.overlay import overlay_path

    path = overlay_path()
    try:
        stat = path.stat()
        stamp = (str(path), stat.st_mtime_ns, stat.st_size)
    except OSError:
        stamp = (str(path), None, None)
    return _kb_version(stamp)


@cache
def _kb_version(overlay_stamp) -> str:
    texts, _, digest = read_texts()
    found = _KB_VERSION.search(texts["sources.yaml"])
    return version_label(found.group(1) if found else "0", digest)
