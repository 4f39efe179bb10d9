"""Which reader a file needs: conda-lock files to ``condalock``, the rest to ``sources``."""
from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import UsageError
from .sourcefile import Source
from .sources import FILE_KINDS, compose, is_conda_lock, read_plain, read_text


def read_source(path: str | Path) -> Source:
    """Read any supported file; ``UsageError`` when it is missing or not an environment file."""
    path = Path(path)
    text = read_text(path)
    try:
        root = compose(path, text)
        if is_conda_lock(root):
            from .condalock import read_conda_lock

            return read_conda_lock(path, yaml.safe_load(text))
        return read_plain(path, text, root)
    except RecursionError:
        raise UsageError("the file is nested too deeply to be an environment file", file=path,
                         fix=FILE_KINDS) from None
