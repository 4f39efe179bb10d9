"""Sort keys for what the indexes list: python tags and versions. Plain string work, so the
overlay loader (run by every command that loads the knowledge base) can use them cheaply."""
from __future__ import annotations


def python_key(tag: str):
    """Sort key of a python tag: "3.9" < "3.10" < "3.13t" < "py3" (a pure wheel, any python)."""
    if tag == "py3":
        return (3, 999, False)
    major, _, minor = tag.rstrip("t").partition(".")
    return (int(major), int(minor or 0), tag.endswith("t"))


def version_key(text: str):
    """Sort key of a release or CUDA version ("2.4.1", "12.1", "2.4.0+cu121"); tolerant of tags."""
    out = []
    for part in str(text).split("+")[0].split("."):
        digits = "".join(c for c in part if c.isdigit())
        out.append(int(digits) if digits else 0)
    return tuple(out)
