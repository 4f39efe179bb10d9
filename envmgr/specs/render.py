"""render: a resolved stack as a standard conda environment file.

The output is byte-identical for the same spec and knowledge base: no timestamps, a fixed key
order, and dependencies in the order the stack defines them. Comments say where the file came
from and why each co-pin is there; conda and conda-lock ignore them.

One file serves both readers of it:

* ``conda env create -f`` reads ``name``, ``channels`` and ``dependencies``; its pip step gets the
  pip list as a requirements file, so the index options stay in it (``--extra-index-url URL``,
  ``--find-links URL``) and the ``+cu124`` wheels are found;
* ``conda-lock`` (4.0.3, ``src_parser/environment_yaml.py``) also reads ``platforms:`` and
  ``pip-repositories:`` (and ``allow-pypi-requests:``), but takes every pip line as a PEP 508
  requirement, so an option line fails with ``InvalidRequirement``. Each option line therefore
  ends with a selector that matches no platform (``# ... [pip-option]``): conda-lock's selector
  filter drops the line, YAML (and conda) sees only a comment. The index goes to
  ``pip-repositories:``, conda-lock's own way to name one. conda warns that it ignores the two
  conda-lock keys.
"""
from __future__ import annotations

import json
import re

from .. import __version__
from ..knowledge.records import cuda_tag
from ..models import CPU, Resolved

# conda-lock (and conda-build) platform selectors: a trailing "# ... [linux64]" on a dependency.
# conda-lock's platform selectors (conda_lock/src_parser/selectors.py)
SELECTORS = {"linux-64": "linux64", "linux-aarch64": "aarch64", "osx-64": "osx64",
             "osx-arm64": "arm64", "win-64": "win64"}
# A selector no platform matches: conda-lock drops the line, conda reads it (see the docstring).
PIP_OPTION_SELECTOR = "pip-option"
_INDEX_OPTIONS = ("--extra-index-url", "--index-url", "-i")
_REPLACING_INDEX = ("--index-url", "-i")
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
        # conda-lock reads the platforms here (else it locks four); conda ignores the key
        "platforms:",
        *[f"  - {_scalar(p)}" for p in resolved.platforms],
        "dependencies:",
        *[f"  - {_scalar(s)}" for s in resolved.conda],
    ]
    for pin in resolved.copins:
        why = " ".join(pin.reason.replace("[", "(").replace("]", ")").split())
        if pin.platforms and len(pin.platforms) == 1:
            why += f" [{SELECTORS[pin.platforms[0]]}]"
        lines.append(f"  - {_scalar(pin.spec)}  # {why}")
    lines += [f"  - {_scalar(s)}" for s in resolved.packages]
    repositories, replaces_pypi = [], False
    if resolved.pip:
        lines.append("  - pip:")
        for line in resolved.pip:
            option, value = pip_option(line)
            if option is None:
                lines.append(f"      - {_scalar(line)}")
                continue
            if option in _INDEX_OPTIONS and value:
                repositories.append(value)
                replaces_pypi = replaces_pypi or option in _REPLACING_INDEX
                why = "for conda's pip; conda-lock reads pip-repositories"
            elif option in ("--find-links", "-f"):
                why = "for conda's pip; conda-lock has no find-links"
            else:
                why = "for conda's pip"
            lines.append(f"      - {_scalar(line)}  # {why} [{PIP_OPTION_SELECTOR}]")
    if repositories:
        lines += ["pip-repositories:", *[f"  - {_scalar(url)}" for url in dict.fromkeys(repositories)]]
    if replaces_pypi:
        lines.append("allow-pypi-requests: false")
    return "\n".join(lines) + "\n"


def pip_option(line: str) -> tuple[str | None, str]:
    """(option, value) of a pip option line (``--extra-index-url URL``, ``--index-url=URL``),
    (None, "") for a requirement."""
    text = str(line).strip()
    if not text.startswith("-"):
        return None, ""
    option, _, value = text.partition(" ")
    if "=" in option and option.startswith("--"):
        option, _, value = text.partition("=")
    return option, value.strip()
