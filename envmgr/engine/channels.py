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

from ..errors import UsageError
from ..specs.workspace import Workspace, origin, setting

DEFAULT_ALIAS = "https://conda.anaconda.org/"
DEFAULT_CHANNELS = ("https://repo.anaconda.com/pkgs/main",)


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be a channel location (None when it can): rattler's own errors for these
    ("invalid channel name: 'http:/pytorch'") would not say which setting is wrong."""
    try:
        parts = urlsplit(url)
        parts.port                                  # parses the port: ValueError when malformed
    except ValueError as exc:
        return str(exc)
    if "://" not in url or not parts.scheme:
        return "not a URL"
    if parts.scheme != "file" and not parts.hostname:
        return "no host"
    return None


def _bad_setting(workspace: Workspace | None, key: str, message: str, fix: str) -> UsageError:
    label, file, line = origin(workspace, key)
    return UsageError(f"{message} ({label})", file=file, line=line, fix=fix)


def channel_alias(workspace: Workspace | None = None) -> str:
    alias = setting(workspace, "channel_alias") or DEFAULT_ALIAS
    problem = url_problem(alias)
    if problem:
        raise _bad_setting(workspace, "channel_alias",
                           f"channel alias {alias!r} is not a valid URL: {problem}",
                           fix="use a URL such as https://conda.anaconda.org/ or file:///srv/channels/")
    return alias.rstrip("/") + "/"


def default_channels(workspace: Workspace | None = None) -> list[str]:
    items = setting(workspace, "default_channels")
    if items is None:
        return list(DEFAULT_CHANNELS)
    urls = []
    for item in items:
        url = _as_url(item, workspace)
        problem = "a name, not a URL" if url is None else url_problem(item if "://" in item else url)
        if problem:
            raise _bad_setting(workspace, "default_channels",
                               f"default channel {item!r} is not a valid URL: {problem}",
                               fix="e.g. https://repo.anaconda.com/pkgs/main or file:///srv/channels/main")
        urls.append(url)
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


def setting_origin_words(workspace: Workspace | None, key: str) -> str:
    """Where a setting's value comes from, in words: "ENVMGR_X, set in your environment, which
    overrides x in envmgr.yaml:3", "x in envmgr.yaml:3", or "the default x"."""
    from ..specs.workspace import CONFIG_NAME, SETTINGS

    variable = SETTINGS[key][0]
    label, file, line = origin(workspace, key)
    if label == variable:
        shadowed = workspace is not None and workspace.config.get(key) is not None
        where = f"{CONFIG_NAME}:{workspace.config_lines.get(key)}" if shadowed else ""
        return (f"{variable}, set in your environment" +
                (f", which overrides {key} in {where}" if shadowed else ""))
    if file is not None:
        return f"{key} in {CONFIG_NAME}" + (f":{line}" if line else "")
    return label


def failing_channel_settings(urls: list[str], workspace: Workspace | None) -> tuple[str, str] | None:
    """(where the failing URLs come from, the setting to change) when they come from the default
    channels or the channel alias; None for URLs written in the spec itself."""
    from ..specs.workspace import SETTINGS

    try:
        defaults, alias = default_channels(workspace), channel_alias(workspace)
    except UsageError:
        return None
    for key, matches, what in (
            ("default_channels", lambda u: u.rstrip("/") in defaults, "`defaults` expands to"),
            ("channel_alias", lambda u: u.startswith(alias), "channel names resolve through")):
        if not any(matches(url) for url in urls):
            continue
        variable = SETTINGS[key][0]
        words = setting_origin_words(workspace, key)
        value = ", ".join(defaults) if key == "default_channels" else alias
        where = f"{what} {value} ({words})"
        if words.startswith(variable):
            fix = f"correct or unset {variable} (it is set in your environment)"
        else:
            example = ("comma-separated URLs" if key == "default_channels" else "a URL")
            fix = (f"point {variable} ({example}) or {key}: in envmgr.yaml at a reachable mirror"
                   + (", or drop `defaults` from the spec's channels" if key == "default_channels"
                      else ""))
        return where, fix
    return None
