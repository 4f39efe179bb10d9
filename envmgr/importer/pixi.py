"""pixi manifests as a source: ``pixi.toml``, or ``pyproject.toml`` with ``[tool.pixi]``.

One pixi environment becomes the spec: the default feature (``[dependencies]``,
``[pypi-dependencies]``, ``[system-requirements]``, ``[pypi-options]``) plus the features the chosen
environment lists (``[environments]``; the one named ``default`` unless another is asked for).
Conda dependencies become conda lines (``pytorch = "2.4.*"`` -> ``pytorch 2.4.*``, a table's
``channel``/``build`` -> ``pytorch::pytorch 2.4.* build``), PyPI dependencies pip lines (an
``index`` -> ``--extra-index-url``), ``[system-requirements] cuda`` says a CUDA build is wanted
(it is the driver's CUDA, not which toolkit). What a spec cannot carry (per-platform
``[target.*]`` tables, git/path dependencies, tasks, other environments) is listed as dropped.

In a ``pyproject.toml`` the PEP 621 ``[project] dependencies`` are the default feature's PyPI
dependencies and ``requires-python`` its python, as pixi reads them. TOML is read with tomllib.
"""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

from ..errors import UsageError
from ..models import PLATFORMS
from .sourcefile import Dropped, Line, Source

PIXI_FIX = "give a pixi.toml (or a pyproject.toml with [tool.pixi]) with [dependencies]"
FEATURE_TABLES = ("dependencies", "pypi-dependencies", "system-requirements", "pypi-options",
                  "target", "channels", "platforms", "tasks", "activation", "host-dependencies",
                  "build-dependencies")
KNOWN_TOP = {"project", "workspace", "package", "feature", "environments", *FEATURE_TABLES}


def is_pixi_manifest(path: Path) -> bool:
    """The file is TOML by its name: pixi.toml, pyproject.toml, or any other ``*.toml``."""
    return path.name.lower().endswith(".toml")


def read_pixi(path: Path, text: str, environment: str | None = None) -> Source:
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        line = re.search(r"line (\d+)", str(exc))
        raise UsageError(f"not valid TOML: {str(exc).split(' (at', 1)[0]}", file=path,
                         line=int(line[1]) if line else None,
                         fix="check the quoting and brackets on that line") from None
    lines = _LineFinder(text)
    project: dict = {}
    if path.name.lower() == "pyproject.toml" or "tool" in data:
        project = _table(data.get("project"))
        manifest = _table(_table(data.get("tool")).get("pixi"))
        if not manifest:
            raise UsageError("a pyproject.toml without [tool.pixi] is not an environment file",
                             file=path, fix="give the project's environment.yml or "
                                            "requirements.txt, or a pixi manifest")
        lines.prefix = "tool.pixi."
    else:
        manifest = data
    if not any(key in manifest for key in ("dependencies", "pypi-dependencies", "feature")) \
            and not project.get("dependencies"):
        raise UsageError("not a pixi manifest: it has no [dependencies], [pypi-dependencies] or "
                         "[feature.*]", file=path, fix=PIXI_FIX)
    header = _table(manifest.get("workspace")) or _table(manifest.get("project"))
    source = Source(path=path, kind="pixi", name=_text(header.get("name")) or _text(project.get("name")))
    source.channels = _channels(header.get("channels"))
    source.lines["channels"] = lines.key("workspace", "channels") or lines.key("project", "channels")
    _read_platforms(header.get("platforms"), source, lines)
    features = _features_of(path, manifest, environment, source, lines)
    if project:
        _read_pep621(project, source, lines)
    _read_feature(manifest, "", source, lines)
    for name in features:
        _read_feature(_table(_table(manifest.get("feature")).get(name)), f"feature.{name}.",
                      source, lines)
    for key in manifest:
        if key not in KNOWN_TOP:
            source.dropped.append(Dropped(f"[{key}]", "envmgr specs have no such section",
                                          line=lines.header(key)))
    return source


# -- which environment ----------------------------------------------------------------------
def _features_of(path: Path, manifest: dict, wanted: str | None, source: Source,
                 lines: "_LineFinder") -> list[str]:
    """The features of the chosen environment (besides the default feature), in order."""
    environments = {}
    for name, value in _table(manifest.get("environments")).items():
        listed = value.get("features") if isinstance(value, dict) else value
        environments[str(name)] = [str(f) for f in listed or [] if isinstance(f, str)]
    chosen = wanted or "default"
    if wanted and wanted not in environments:
        known = ", ".join(sorted(environments)) or "none but the default"
        raise UsageError(f"the manifest has no environment '{wanted}' (environments: {known})",
                         file=path, line=lines.header("environments"),
                         fix="name one of its [environments] with --environment")
    features = [f for f in environments.get(chosen, []) if f != "default"]
    others = sorted(set(environments) - {chosen})
    if others:
        source.dropped.append(Dropped(
            f"pixi environments {', '.join(others)}",
            f"a spec is one environment; this one is {chosen!r}: `envmgr import {path} "
            f"--environment NAME --name NAME` imports another", items=others,
            line=lines.header("environments")))
    unused = sorted(set(_table(manifest.get("feature"))) - set(features))
    if unused:
        source.dropped.append(Dropped(f"features {', '.join(unused)}",
                                      f"not part of the environment {chosen!r}", items=unused))
    return features


# -- one feature ----------------------------------------------------------------------------
def _read_feature(table: dict, prefix: str, source: Source, lines: "_LineFinder") -> None:
    for name, value in _table(table.get("dependencies")).items():
        line = lines.key(f"{prefix}dependencies", name)
        conda = _conda_line(str(name), value)
        if conda is None:
            source.dropped.append(Dropped(f"{name} (conda)", "a path, url or git source: only "
                                          "channel packages can be locked", line=line))
        else:
            source.conda.append(Line(conda, line))
    indexes = []
    for name, value in _table(table.get("pypi-dependencies")).items():
        line = lines.key(f"{prefix}pypi-dependencies", name)
        pip, index = _pip_line(str(name), value)
        if pip is None:
            source.dropped.append(Dropped(f"{name} (pypi)", "a git or path source: only index "
                                          "packages can be locked", line=line))
            continue
        source.pip.append(Line(pip, line))
        if index and index not in indexes:
            indexes.append(index)
    options = _table(table.get("pypi-options"))
    option_line = lines.header(f"{prefix}pypi-options")
    if isinstance(options.get("index-url"), str):
        source.pip.insert(0, Line(f"--index-url {options['index-url']}", option_line))
    for url in [*(options.get("extra-index-urls") or []), *indexes]:
        if isinstance(url, str):
            source.pip.insert(0, Line(f"--extra-index-url {url}", option_line))
    for link in options.get("find-links") or []:
        url = link.get("url") or link.get("path") if isinstance(link, dict) else link
        if isinstance(url, str):
            source.pip.insert(0, Line(f"--find-links {url}", option_line))
    cuda = _table(table.get("system-requirements")).get("cuda")
    if cuda is not None:
        source.system_cuda = Line(str(cuda), lines.key(f"{prefix}system-requirements", "cuda"))
    for key in table:
        if key == "target":
            for platform in _table(table["target"]):
                source.dropped.append(Dropped(
                    f"[{prefix}target.{platform}]", "per-platform dependencies: a spec lists the "
                    "same packages for every platform; add what you need to packages/pip",
                    line=lines.header(f"{prefix}target.{platform}.dependencies")
                    or lines.header(f"{prefix}target.{platform}.pypi-dependencies")))
        elif key in ("tasks", "activation", "host-dependencies", "build-dependencies"):
            source.dropped.append(Dropped(f"[{prefix}{key}]", "envmgr specs have no such section; "
                                          "`envmgr run NAME -- CMD` runs commands in the env",
                                          line=lines.header(f"{prefix}{key}")))


def _conda_line(name: str, value) -> str | None:
    if isinstance(value, str):
        return _with_version(name, value)
    if not isinstance(value, dict):
        return name
    if any(key in value for key in ("path", "url", "git")):
        return None
    text = _with_version(name, str(value.get("version") or "*"))
    build = value.get("build")
    if isinstance(build, str) and build.strip():
        text = f"{text} {build.strip()}" if " " in text else f"{text} * {build.strip()}"
    channel = value.get("channel")
    return f"{channel}::{text}" if isinstance(channel, str) and channel.strip() else text


def _with_version(name: str, version: str) -> str:
    version = version.strip()
    return name if version in ("", "*") else f"{name} {version}"


def _pip_line(name: str, value) -> tuple[str | None, str | None]:
    """(the requirement line, the index it must come from); (None, None) for git/path."""
    if isinstance(value, str):
        version = value.strip()
        return (name if version in ("", "*") else f"{name}{_pep440(version)}"), None
    if not isinstance(value, dict):
        return name, None
    if "git" in value or "path" in value:
        return None, None
    extras = value.get("extras") or []
    text = name + (f"[{','.join(map(str, extras))}]" if extras else "")
    if isinstance(value.get("url"), str):
        return f"{text} @ {value['url']}", None
    version = str(value.get("version") or "*").strip()
    if version not in ("", "*"):
        text += _pep440(version)
    index = value.get("index")
    return text, index if isinstance(index, str) else None


def _pep440(version: str) -> str:
    """pixi allows a bare version for PyPI too: ``"2.4.1"`` means ``==2.4.1``."""
    return version if version[0] in "<>=!~" else f"=={version}"


def _read_pep621(project: dict, source: Source, lines: "_LineFinder") -> None:
    line = lines.key("project", "dependencies", raw=True)
    for requirement in project.get("dependencies") or []:
        if isinstance(requirement, str) and requirement.strip():
            source.pip.append(Line(requirement.strip(), line))
    python = project.get("requires-python")
    if isinstance(python, str) and python.strip():
        source.conda.append(Line(f"python {python.strip()}",
                                 lines.key("project", "requires-python", raw=True)))


def _read_platforms(value, source: Source, lines: "_LineFinder") -> None:
    wanted = [str(p) for p in value or [] if isinstance(p, str)]
    line = lines.key("workspace", "platforms") or lines.key("project", "platforms")
    for other in (p for p in wanted if p not in PLATFORMS):
        source.dropped.append(Dropped(f"platform {other}", f"envmgr locks {', '.join(PLATFORMS)}",
                                      line=line))
    source.platforms = [p for p in wanted if p in PLATFORMS] or None


def _channels(value) -> list[str]:
    found = []
    for entry in value or []:
        channel = entry.get("channel") if isinstance(entry, dict) else entry
        if isinstance(channel, str) and channel.strip():
            found.append(channel.strip())
    return found


def _table(value) -> dict:
    return value if isinstance(value, dict) else {}


def _text(value) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


class _LineFinder:
    """Line numbers for TOML tables and keys (tomllib gives none): the ``[header]`` line, and the
    first ``key =`` line inside that table."""

    _HEADER = re.compile(r"^\s*\[\s*([^\[\]]+?)\s*\]\s*(?:#.*)?$")

    def __init__(self, text: str):
        self.prefix = ""
        self.headers: dict[str, int] = {}
        self.rows = text.splitlines()
        for number, row in enumerate(self.rows, start=1):
            match = self._HEADER.match(row)
            if match:
                self.headers.setdefault(re.sub(r"\s*\.\s*", ".", match[1]).replace('"', ""), number)

    def header(self, table: str, raw: bool = False) -> int | None:
        return self.headers.get(table if raw else self.prefix + table)

    def key(self, table: str, key: str, raw: bool = False) -> int | None:
        start = self.header(table, raw)
        if start is None:
            return None
        pattern = re.compile(rf"""^\s*["']?{re.escape(key)}["']?\s*=""")
        for number in range(start, len(self.rows)):
            row = self.rows[number]
            if self._HEADER.match(row):
                return start
            if pattern.match(row):
                return number + 1
        return start
