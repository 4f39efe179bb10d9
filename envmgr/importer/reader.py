"""Which reader a file needs: pixi manifests (``*.toml``) to ``pixi``, conda-lock files to
``condalock``, the rest to ``sources``."""
from __future__ import annotations

from pathlib import Path

import yaml

from ..errors import UsageError
from .sourcefile import Source
from .sources import FILE_KINDS, compose, is_conda_lock, read_plain, read_text


def read_source(path: str | Path, environment: str | None = None) -> Source:
    """Read any supported file; ``UsageError`` when it is missing or not an environment file.
    ``environment``: which of a pixi manifest's environments (default: its default one)."""
    path = Path(path)
    text = read_text(path)
    from .pixi import is_pixi_manifest, read_pixi

    if is_pixi_manifest(path):
        return read_pixi(path, text, environment)
    if environment is not None:
        raise UsageError("--environment chooses among a pixi manifest's environments; this file "
                         "is not one", file=path, fix="drop --environment")
    try:
        root = compose(path, text)
        if is_conda_lock(root):
            from .condalock import read_conda_lock

            return read_conda_lock(path, yaml.safe_load(text))
        return read_plain(path, text, root)
    except RecursionError:
        raise UsageError("the file is nested too deeply to be an environment file", file=path,
                         fix=FILE_KINDS) from None
