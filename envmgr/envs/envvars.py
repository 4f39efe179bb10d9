"""The spec's ``variables:`` inside the environment, where conda keeps an env's own variables.

``conda env create`` writes an environment file's ``variables:`` into ``conda-meta/state``
(``{"env_vars": {...}}``, the file ``conda env config vars set`` edits), and ``conda activate``
sets them. envmgr does the same, so ``conda activate``, ``envmgr run``, ``envmgr shell`` and
``envmgr shell-hook`` all see them. Variables change activation, not packages: they are no lock
input, and editing them needs no re-lock and no reinstall; the next create or run writes them.

The marker records which variables came from the spec, so a variable removed from the spec is
removed from the env, while variables someone set with conda are left alone.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..atomic import write_text_atomic
from .marker import read_json

STATE = Path("conda-meta") / "state"
MARKER_KEY = "variables"


def state_variables(prefix: Path) -> dict[str, str]:
    data = read_json(Path(prefix) / STATE)
    found = data.get("env_vars") if isinstance(data, dict) else None
    return {str(k): str(v) for k, v in found.items()} if isinstance(found, dict) else {}


def recorded(marker: dict | None) -> dict[str, str]:
    """The spec variables the env was last given (from its marker)."""
    found = (marker or {}).get(MARKER_KEY)
    return dict(found) if isinstance(found, dict) else {}


def needs_sync(marker: dict | None, wanted: dict[str, str]) -> bool:
    return marker is not None and recorded(marker) != dict(wanted)


def sync(prefix: Path, marker_path: Path, marker: dict, wanted: dict[str, str]) -> None:
    """Give the env exactly the spec's ``wanted`` variables in conda-meta/state, keeping the
    ones it did not get from the spec. Call with the env's lock held."""
    prefix = Path(prefix)
    state = read_json(prefix / STATE)
    state = state if isinstance(state, dict) else {}
    env_vars = dict(state.get("env_vars") or {}) if isinstance(state.get("env_vars"), dict) else {}
    for name in recorded(marker):
        if name not in wanted:
            env_vars.pop(name, None)
    env_vars.update(wanted)
    if env_vars:
        state["env_vars"] = env_vars
    else:
        state.pop("env_vars", None)
    if state:
        write_text_atomic(prefix / STATE, json.dumps(state, indent=2) + "\n")
    elif (prefix / STATE).is_file():
        (prefix / STATE).unlink()
    write_text_atomic(marker_path, json.dumps({**marker, MARKER_KEY: dict(wanted)}, indent=1) + "\n")
