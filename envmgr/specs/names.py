"""The rule for environment names (a spec's file name, a folder name, a conda env name).

Apart from specfile.py so that commands that only name an environment (``envmgr run``) check the
name without importing the YAML reader.
"""
from __future__ import annotations

import re

from ..errors import UsageError

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9._-]*")
MAX_NAME_LENGTH = 64
NAME_RULE = ("letters, digits, '.', '_' and '-', not starting with '.' or '-', "
             f"at most {MAX_NAME_LENGTH} characters")


def validate_name(name: str) -> str:
    """An environment name: it becomes a file name and a conda environment name."""
    if not isinstance(name, str) or len(name) > MAX_NAME_LENGTH or not _NAME.fullmatch(name):
        raise UsageError(f"invalid environment name {name!r}: use {NAME_RULE}",
                         fix="pick a name like paper-2021 or torch2.4_cu121")
    return name
