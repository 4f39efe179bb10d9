"""The workspace: the folder holding ``envs/``, ``lockfiles/`` and an optional ``envmgr.yaml``.

envmgr looks for the workspace from the current directory upwards (the first folder with an
``envmgr.yaml`` or an ``envs/`` folder), or takes ``ENVMGR_WORKSPACE`` when set.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from .errors import UsageError

CONFIG_NAME = "envmgr.yaml"
CONFIG_KEYS = {"channel_alias", "default_channels", "pypi_index", "pytorch_index", "envs_dir",
               "pkgs_dir"}


@dataclass(frozen=True)
class Workspace:
    root: Path
    config: dict = field(default_factory=dict, compare=False)

    @property
    def envs_dir(self) -> Path:
        return self.root / "envs"

    @property
    def lockfiles_dir(self) -> Path:
        return self.root / "lockfiles"

    def spec_path(self, name: str) -> Path:
        return self.envs_dir / f"{name}.yaml"

    def environment_file(self, name: str) -> Path:
        return self.lockfiles_dir / f"{name}.environment.yml"

    def lockfile(self, name: str) -> Path:
        return self.lockfiles_dir / f"{name}.conda-lock.yml"

    def spec_names(self) -> list[str]:
        """Names of all specs in ``envs/``, sorted."""
        if not self.envs_dir.is_dir():
            return []
        return sorted(p.stem for p in self.envs_dir.glob("*.yaml") if not p.name.startswith("."))

    def setting(self, key: str, env_var: str | None = None, default=None):
        """A setting: the environment variable wins, then ``envmgr.yaml``, then the default."""
        if env_var and os.environ.get(env_var) not in (None, ""):
            return os.environ[env_var]
        return self.config.get(key, default)


def _load_config(path: Path) -> dict:
    import yaml

    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise UsageError(f"malformed YAML: {getattr(exc, 'problem', exc)}", file=path,
                         line=mark.line + 1 if mark else None,
                         fix="correct the YAML syntax") from None
    if not isinstance(data, dict):
        raise UsageError("expected a mapping of settings", file=path, line=1,
                         fix=f"use keys among: {', '.join(sorted(CONFIG_KEYS))}")
    unknown = sorted(set(data) - CONFIG_KEYS)
    if unknown:
        raise UsageError(f"unknown setting '{unknown[0]}'", file=path,
                         fix=f"use keys among: {', '.join(sorted(CONFIG_KEYS))}")
    return data


def find_workspace(start: str | Path | None = None) -> Workspace:
    """The workspace for ``start`` (default: ``ENVMGR_WORKSPACE`` or the current directory)."""
    env_root = os.environ.get("ENVMGR_WORKSPACE")
    if start is None and env_root:
        root = Path(env_root).resolve()
    else:
        here = Path(start or os.getcwd()).resolve()
        root = here
        for candidate in (here, *here.parents):
            if (candidate / CONFIG_NAME).is_file() or (candidate / "envs").is_dir():
                root = candidate
                break
    config_path = root / CONFIG_NAME
    config = _load_config(config_path) if config_path.is_file() else {}
    return Workspace(root=root, config=config)
