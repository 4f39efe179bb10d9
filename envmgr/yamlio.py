"""The one YAML loader envmgr reads with: libyaml's safe loader when PyYAML has it (the pure-Python
one dominates `envmgr check`), else PyYAML's own."""
from __future__ import annotations

import yaml

LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def load(text: str):
    return yaml.load(text, Loader=LOADER)
