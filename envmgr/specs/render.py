"""render: a resolved stack as a standard conda environment file.

The output is byte-identical for the same spec and knowledge base: no timestamps, a fixed key
order, and dependencies in the order the stack defines them. Comments say where the file came
from and why each co-pin is there; conda and conda-lock ignore them.
"""
from __future__ import annotations

import json
import re

from .. import __version__
from ..knowledge.facts import cuda_tag
from ..models import CPU, Resolved

# conda-lock (and conda-build) platform selectors: a trailing "# ... [linux64]" on a dependency.
# conda-lock's platform selectors (conda_lock/src_parser/selectors.py)
SELECTORS = {"linux-64": "linux64", "linux-aarch64": "aarch64", "osx-64": "osx64",
             "osx-arm64": "arm64", "win-64": "win64"}
_PLAIN = re.compile(r"^[A-Za-z0-9_.\-=<>!*,:/+\[\]' ]+$")


def _scalar(text: str) -> str:
    """A YAML scalar: plain when safe, else JSON-quoted (JSON strings are valid YAML)."""
    if (_PLAIN.match(text) and ": " not in text and not text.startswith(("*", "!", "[", "'", ":"))
            and not text.startswith(("- ", "-\t")) and text != "-"):
        return text
    return json.dumps(text)


def stack_label(resolved: Resolved) -> str:
    variant = "CPU" if resolved.cuda == CPU else f"CUDA {resolved.cuda} ({cuda_tag(resolved.cuda)})"
    return f"torch {resolved.torch} + {variant}, python {resolved.python}"


def render_environment(resolved: Resolved, spec_file: str) -> str:
    lines = [
        f"# Rendered by envmgr {__version__} from {spec_file}; do not edit: "
        f"change the spec and run `envmgr render {resolved.name}`.",
        f"# {stack_label(resolved)}",
        f"# route: {resolved.route} ({resolved.route_reason})",
        f"name: {_scalar(resolved.name)}",
        "channels:",
        *[f"  - {_scalar(c)}" for c in resolved.channels],
        "dependencies:",
        *[f"  - {_scalar(s)}" for s in resolved.conda],
    ]
    for pin in resolved.copins:
        why = " ".join(pin.reason.replace("[", "(").replace("]", ")").split())
        if pin.platforms and len(pin.platforms) == 1:
            why += f" [{SELECTORS[pin.platforms[0]]}]"
        lines.append(f"  - {_scalar(pin.spec)}  # {why}")
    lines += [f"  - {_scalar(s)}" for s in resolved.packages]
    if resolved.pip:
        lines.append("  - pip:")
        lines += [f"      - {_scalar(s)}" for s in resolved.pip]
    return "\n".join(lines) + "\n"
