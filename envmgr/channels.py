"""Channel names -> channel URLs, through a channel alias, as conda does.

Rendered environment files name channels (``pytorch``, ``nvidia``, ``conda-forge``, ``defaults``);
the engine resolves them here, so one spec works against anaconda.org, a mirror or a local
``file://`` channel:

* a name ``X`` (also ``pytorch/label/nightly``) -> ``<alias>X``. The alias is
  ``ENVMGR_CHANNEL_ALIAS``, else ``channel_alias:`` in ``envmgr.yaml``, else
  ``https://conda.anaconda.org/``.
* ``defaults`` is not under the alias (on anaconda.org it is not a channel at all): it expands to
  the *default channels*, ``ENVMGR_DEFAULT_CHANNELS`` (comma list), else ``default_channels:``
  (list or comma string), else ``https://repo.anaconda.com/pkgs/main`` alone.
  Deliberately only ``main``: conda adds ``pkgs/r`` (R packages) and, on Windows, ``pkgs/msys2``;
  a PyTorch stack needs neither, each costs a repodata download, and keeping one list for every
  platform keeps a lockfile's channel list the same across its platforms. Add them through
  ``default_channels`` when wanted.
* a URL (``https://...``, ``file:///...``) stays as it is; an absolute path becomes ``file://``.

A university mirror, e.g. TUNA::

    channel_alias: https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud/
    default_channels: [https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main]
"""
from __future__ import annotations

import os
from pathlib import Path
from urllib.parse import urlsplit

from .errors import UsageError
from .workspace import Workspace

DEFAULT_ALIAS = "https://conda.anaconda.org/"
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main",)
ALIAS_VAR = "ENVMGR_CHANNEL_ALIAS"
DEFAULTS_VAR = "ENVMGR_DEFAULT_CHANNELS"


def _setting(workspace: Workspace | None, key: str, env_var: str):
    if workspace is not None:
        return workspace.setting(key, env_var)
    return os.environ.get(env_var) or None


def _source(key: str, env_var: str) -> str:
    """Where a setting came from, for errors."""
    return env_var if os.environ.get(env_var) else f"{key} in envmgr.yaml"


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a channel location (None when it can): rattler's own errors for these
    ("invalid channel name: 'http:/pytorch'") would not say which setting is wrong."""
    try:
        parts = urlsplit(url)
        parts.port                                  # parses the port: ValueError when malformed
    except ValueError as exc:
        return str(exc)
    if not parts.scheme:
        return "no scheme"
    if parts.scheme != "file" and not parts.hostname:
        return "no host"
    return None


def channel_alias(workspace: Workspace | None = None) -> str:
    alias = _setting(workspace, "channel_alias", ALIAS_VAR) or DEFAULT_ALIAS
    problem = url_problem(alias) if isinstance(alias, str) and "://" in alias else "not a URL"
    if problem:
        raise UsageError(f"channel alias {alias!r} ({_source('channel_alias', ALIAS_VAR)}) is not a "
                         f"valid URL: {problem}",
                         file=None if os.environ.get(ALIAS_VAR) else "envmgr.yaml",
                         fix="use a URL such as https://conda.anaconda.org/ or file:///srv/channels/")
    return alias.rstrip("/") + "/"


def default_channels(workspace: Workspace | None = None) -> list[str]:
    value = _setting(workspace, "default_channels", DEFAULTS_VAR)
    if not value:
        return list(DEFAULT_CHANNELS)
    items = value.split(",") if isinstance(value, str) else list(value)
    urls = [_as_url(str(item).strip(), workspace) for item in items if str(item).strip()]
    problems = [f"{url!r}: {url_problem(url)}" if url else "a name, not a URL" for url in urls
                if url is None or url_problem(url)]
    if problems:
        raise UsageError(f"default channels ({_source('default_channels', DEFAULTS_VAR)}) must be "
                         f"URLs, got {value!r} ({problems[0]})",
                         file=None if os.environ.get(DEFAULTS_VAR) else "envmgr.yaml",
                         fix="e.g. https://repo.anaconda.com/pkgs/main or file:///srv/channels/main")
    return urls


def _as_url(name: str, workspace: Workspace | None) -> str | None:
    """A URL for what is already a location (URL or absolute path); None for a name."""
    if "://" in name:
        return name.rstrip("/")
    if os.path.isabs(name):
        return Path(name).resolve().as_uri()
    return None


def channel_urls(name: str, workspace: Workspace | None = None) -> list[str]:
    """The URLs one channel entry stands for (``defaults`` may stand for several)."""
    name = name.strip()
    if name == "defaults":
        return default_channels(workspace)
    url = _as_url(name, workspace)
    if url:
        problem = url_problem(url)
        if problem:
            raise UsageError(f"invalid channel URL {name!r}: {problem}",
                             fix="use a channel name such as conda-forge, or a full URL")
        return [url]
    if not name or name.startswith("/") or " " in name:
        raise UsageError(f"invalid channel {name!r}", fix="use a channel name such as conda-forge, or a URL")
    return [channel_alias(workspace) + name.strip("/")]


def resolve_channels(names: list[str], workspace: Workspace | None = None) -> list[str]:
    """Channel URLs in priority order, without duplicates (``nodefaults`` is dropped, as conda does)."""
    urls: list[str] = []
    for name in names:
        if name == "nodefaults":
            continue
        for url in channel_urls(name, workspace):
            if url not in urls:
                urls.append(url)
    return urls
