"""The workspace: the folder holding ``envs/``, ``lockfiles/`` and an optional ``envmgr.yaml``.

envmgr looks for the workspace from the current directory upwards (``is_workspace``), or takes
``ENVMGR_WORKSPACE`` when set.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..errors import UsageError

CONFIG_NAME = "envmgr.yaml"
# Every setting: its environment variable (which wins when set and not empty) and its kind.
# "text": a string (a URL); "path": a string, relative to the workspace when it comes from
# envmgr.yaml; "list": a YAML list of strings or one comma-separated string.
SETTINGS = {
    "channel_alias": ("ENVMGR_CHANNEL_ALIAS", "text"),
    "default_channels": ("ENVMGR_DEFAULT_CHANNELS", "list"),
    "pypi_index": ("ENVMGR_PYPI_INDEX", "text"),
    "pytorch_index": ("ENVMGR_PYTORCH_INDEX", "text"),
    "envs_dir": ("ENVMGR_ENVS_DIR", "path"),
    "pkgs_dir": ("ENVMGR_PKGS_DIR", "path"),
}
CONFIG_KEYS = frozenset(SETTINGS)
KIND_WORDS = {"text": "a string (a URL)", "path": "a string (a folder)",
              "list": "a list of URLs or one comma-separated string"}


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: dict = field(default_factory=dict, compare=False)
    config_lines: dict = field(default_factory=dict, compare=False)   # key -> line in envmgr.yaml

    @property
    def envs_dir(self) -> Path:
        return self.root / "envs"

    @property
    def lockfiles_dir(self) -> Path:
        return self.root / "lockfiles"

    @property
    def config_path(self) -> Path:
        return self.root / CONFIG_NAME

    def spec_path(self, name: str) -> Path:
        return self.envs_dir / f"{name}.yaml"

    def environment_file(self, name: str) -> Path:
        return self.lockfiles_dir / f"{name}.environment.yml"

    def lockfile(self, name: str) -> Path:
        return self.lockfiles_dir / f"{name}.conda-lock.yml"

    def virtual_packages_file(self, name: str) -> Path:
        """The virtual packages the lock assumed, for ``conda-lock --virtual-package-spec``."""
        return self.lockfiles_dir / f"{name}.virtual-packages.yml"

    def spec_names(self) -> list[str]:
        """Names of all specs in ``envs/``, sorted."""
        if not self.envs_dir.is_dir():
            return []
        return sorted(p.stem for p in self.envs_dir.glob("*.yaml")
                      if not p.name.startswith(".") and p.is_file())

    def setting(self, key: str, default=None):
        """A setting (a key of ``SETTINGS``): its environment variable wins when set and not
        empty, then ``envmgr.yaml``, then ``default``. A list setting comes back as a list of
        strings, a path from envmgr.yaml as an absolute path string (relative to the workspace)."""
        env_var, kind = SETTINGS[key]
        if os.environ.get(env_var, "").strip():
            return _from_text(key, kind, os.environ[env_var], origin=env_var)
        if self.config.get(key) is None:
            return default
        value = self.config[key]
        if kind == "path":
            return str(self.root / Path(value).expanduser())   # an absolute path stays as it is
        if kind == "list":
            return _from_text(key, kind, value, origin=f"{key} in {CONFIG_NAME}",
                              file=self.config_path, line=self.config_lines.get(key))
        return value

    def origin(self, key: str) -> tuple[str, Path | None, int | None]:
        """(label, file, line) of where ``setting(key)`` comes from, for error messages."""
        env_var, _ = SETTINGS[key]
        if os.environ.get(env_var, "").strip():
            return env_var, None, None
        if self.config.get(key) is not None:
            return f"{key} in {CONFIG_NAME}", self.config_path, self.config_lines.get(key)
        return f"the default {key}", None, None


def seconds_variable(variable: str, default: float, *, zero_ok: bool = True) -> float:
    """A number of seconds from environment variable ``variable`` (``default`` when unset or
    empty): finite, and >= 0 (> 0 unless ``zero_ok``). -1, nan or inf would wait forever and
    "abc" would be a traceback, so each is one usage error naming the variable."""
    import math

    text = os.environ.get(variable, "").strip()
    if not text:
        return default
    try:
        seconds = float(text)
    except ValueError:
        seconds = math.nan
    if not math.isfinite(seconds) or seconds < 0 or (seconds == 0 and not zero_ok):
        bound = ">= 0" if zero_ok else "> 0"
        raise UsageError(f"{variable}={text!r} is not a number of seconds {bound}",
                         fix=f"set it to e.g. {default:.0f}, or unset it for the default")
    return seconds


def setting(workspace: Workspace | None, key: str, default=None):
    """``workspace.setting(key, default)``; with no workspace, the environment variable alone
    under the same rule (the one place settings are read)."""
    return (workspace or _NOWHERE).setting(key, default)


def origin(workspace: Workspace | None, key: str) -> tuple[str, Path | None, int | None]:
    return (workspace or _NOWHERE).origin(key)


_NOWHERE = Workspace(root=Path("/nonexistent-envmgr-workspace"))   # no config: variables only


def _from_text(key: str, kind: str, value, *, origin: str, file: Path | None = None,
               line: int | None = None):
    """A setting's value in its kind; a list that names nothing (``","``) is an error, not []."""
    if kind != "list":
        return value.strip()
    items = value.split(",") if isinstance(value, str) else value
    found = [str(item).strip() for item in items if str(item).strip()]
    if not found:
        raise UsageError(f"{origin} names no channel (got {value!r})", file=file, line=line,
                         fix=f"give {KIND_WORDS[kind]}, or unset it for the default")
    return found


def _load_config(path: Path) -> tuple[dict, dict]:
    """(settings, key -> line) of ``envmgr.yaml``; each value checked against its kind."""
    import yaml

    from ..yamlio import LOADER as loader

    try:
        text = path.read_text(encoding="utf-8-sig")
        data = yaml.load(text, Loader=loader) or {}
        root = yaml.compose(text, Loader=loader)
    except (OSError, UnicodeDecodeError) as exc:
        raise UsageError(f"cannot read the settings: {exc}", file=path,
                         fix="save it as a UTF-8 text file") from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"malformed YAML: {getattr(exc, 'problem', exc)}", file=path,
                         line=mark.line + 1 if mark else None,
                         fix="correct the YAML syntax") from None
    if not isinstance(data, dict):
        raise UsageError("expected a mapping of settings", file=path, line=1,
                         fix=f"use keys among: {', '.join(sorted(CONFIG_KEYS))}")
    lines = {str(k.value): v.start_mark.line + 1 for k, v in getattr(root, "value", ())}
    for key, value in data.items():
        line = lines.get(str(key))
        if key not in CONFIG_KEYS:
            raise UsageError(f"unknown setting '{key}'", file=path, line=line,
                             fix=f"use keys among: {', '.join(sorted(CONFIG_KEYS))}")
        problem = _type_problem(SETTINGS[key][1], value)
        if problem:
            raise UsageError(f"{key} must be {KIND_WORDS[SETTINGS[key][1]]}, {problem}", file=path,
                             line=line, fix=f"e.g. {_EXAMPLES[key]}")
        if SETTINGS[key][1] == "list" and value is not None:
            _from_text(key, "list", value, origin=key, file=path, line=line)
    return data, lines


_EXAMPLES = {"channel_alias": "channel_alias: https://conda.anaconda.org/",
             "default_channels": "default_channels: [https://repo.anaconda.com/pkgs/main]",
             "pypi_index": "pypi_index: https://pypi.org/simple",
             "pytorch_index": "pytorch_index: https://download.pytorch.org/whl",
             "envs_dir": "envs_dir: ~/envs", "pkgs_dir": "pkgs_dir: ~/.envmgr/pkgs"}


def _type_problem(kind: str, value) -> str | None:
    """Why ``value`` does not fit ``kind`` (None when it does; null means "not set")."""
    if value is None:
        return None
    if kind == "list" and isinstance(value, list):
        bad = [item for item in value if not isinstance(item, str)]
        return f"not {bad[0]!r} in the list" if bad else None
    if isinstance(value, str):
        return None if value.strip() or kind == "list" else "not an empty string"
    return f"not {type(value).__name__} {value!r}"


def is_workspace(folder: Path, here: Path) -> bool:
    """A folder is a workspace when it has `envmgr.yaml`, or `envs/` with `lockfiles/`, or an
    `envs/` whose YAML files are envmgr specs (so `envmgr check` in `repo/code/` finds
    `repo/envs/*.yaml`); the current folder also when it has just `envs/`. Any other `envs/`
    further up is not enough: conda's own envs directory (`~/miniconda3/envs`) and many people's
    `~/envs` are folders of environments, not envmgr specs."""
    if (folder / CONFIG_NAME).is_file():
        return True
    envs = folder / "envs"
    if not envs.is_dir():
        return False
    return folder == here or (folder / "lockfiles").is_dir() or holds_specs(envs)


SPEC_KEY = re.compile(rb"^(?:stack|torch)\s*:", re.M)   # the keys only an envmgr spec starts with
SNIFF_FILES, SNIFF_BYTES = 8, 4096                      # start-up matters: a few heads, no parsing


def holds_specs(envs: Path) -> bool:
    """Whether ``envs`` holds an envmgr spec: a YAML file with a top-level `stack:` or `torch:`
    (a conda environment file has `dependencies:`; a folder of environments has no YAML)."""
    try:
        candidates = [entry for entry in os.scandir(envs)
                      if entry.name.endswith(".yaml") and not entry.name.startswith(".")]
    except OSError:
        return False
    for entry in sorted(candidates, key=lambda e: e.name)[:SNIFF_FILES]:
        try:
            with open(entry.path, "rb") as handle:
                head = handle.read(SNIFF_BYTES)
        except OSError:
            continue
        if SPEC_KEY.search(head):
            return True
    return False


def _workspace_from_variable(value: str) -> Path:
    """``ENVMGR_WORKSPACE``: an existing folder. A file there would fail deep inside a command,
    and a missing one would be created silently by the first write."""
    root = Path(value).expanduser().resolve()
    if not root.is_dir():
        what = "is a file, not a folder" if root.exists() else "does not exist"
        raise UsageError(f"ENVMGR_WORKSPACE={value} {what}",
                         fix="point ENVMGR_WORKSPACE at your workspace folder (the one holding "
                             "envs/), or unset it to use the current folder")
    return root


def find_workspace(start: str | Path | None = None) -> Workspace:
    """The workspace for ``start`` (default: ``ENVMGR_WORKSPACE`` or the current directory)."""
    env_root = os.environ.get("ENVMGR_WORKSPACE")
    if start is None and env_root:
        root = _workspace_from_variable(env_root)
    else:
        here = Path(start or os.getcwd()).resolve()
        root = here
        for candidate in (here, *here.parents):
            if is_workspace(candidate, here):
                root = candidate
                break
    config_path = root / CONFIG_NAME
    config, lines = _load_config(config_path) if config_path.is_file() else ({}, {})
    return Workspace(root=root, config=config, config_lines=lines)
