"""new, check, render, matrix: the commands that need no solver."""
from __future__ import annotations

from . import cli  # noqa: F401
