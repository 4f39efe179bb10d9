"""What a spec file may hold: its keys, the variables activation reserves, and how a value is
quoted when envmgr writes one. Shared by the reader (``specnodes``) and the writer (``specfile``)."""
from __future__ import annotations

import json

VERSION_KEYS = ("torch", "cuda", "python", "torchvision", "torchaudio")
LIST_KEYS = ("packages", "pip", "channels", "platforms")
KNOWN_KEYS = ("stack", *VERSION_KEYS, *LIST_KEYS, "route", "as_of", "variables")
# Activation itself sets these; a spec that set them would break it.
RESERVED_VARIABLES = ("PATH", "CONDA_PREFIX", "CONDA_DEFAULT_ENV", "CONDA_SHLVL",
                      "CONDA_PROMPT_MODIFIER")
NONE = "none"


EXAMPLE_STACK = "stack: torch 2.4 + cu121"


def known_keys() -> str:
    return ", ".join(KNOWN_KEYS)


def unique(items: list[str]) -> list[str]:
    return list(dict.fromkeys(items))


def quote(text: str) -> str:
    """A double-quoted YAML scalar: JSON strings are valid YAML and escape everything."""
    return json.dumps(text, ensure_ascii=False)
