"""Readers for the files papers ship: ``environment.yml``, ``requirements.txt``, ``conda-lock.yml``.

Each reader turns a file into a ``Source``: its name, channels, conda and pip lines (each with
its line number), and what could not be carried over (``dropped``, with why). Anything that is
not such a file raises ``UsageError`` (exit 2) naming the file; no input, however broken,
reaches the user as a traceback. conda-lock files are read with pyyaml, not conda-lock, so
``envmgr import`` starts fast.
"""
from __future__ import annotations

import re
from pathlib import Path

import yaml

from ..errors import UsageError
from ..models import PLATFORMS
from .sourcefile import Dropped, Line, Source

MAX_BYTES = 8 * 1024 * 1024      # far above any real environment file; bigger is not one
ENVIRONMENT_KEYS = {"name", "channels", "dependencies", "prefix", "variables", "platforms",
                    "category", "channel_priority"}


FILE_KINDS = "give an environment.yml, a requirements.txt, a conda-lock.yml or a pixi.toml"


def read_text(path: Path) -> str:
    """The file's text; ``UsageError`` when it is missing, empty, binary or too big."""
    text = _read_text(path)
    if not text.strip():
        raise UsageError("the file is empty", file=path, fix=FILE_KINDS)
    return text


def compose(path: Path, text: str) -> yaml.Node | None:
    """The YAML tree of ``text``; None for a requirements file."""
    return None if _looks_like_requirements(path, text) else _compose(path, text)


def is_conda_lock(root: yaml.Node | None) -> bool:
    return isinstance(root, yaml.MappingNode) and _has_key(root, "package") and _has_key(root, "metadata")


def read_plain(path: Path, text: str, root: yaml.Node | None) -> Source:
    """An environment file (``root`` its YAML tree) or a requirements file (``root`` None)."""
    return read_requirements(path, text) if root is None else read_environment(path, root)


def _read_text(path: Path) -> str:
    try:
        if path.is_dir():
            raise UsageError("is a folder, not a file", file=path,
                             fix=f"give the file inside it, e.g. {path / 'environment.yml'}")
        data = path.read_bytes()
    except FileNotFoundError:
        raise UsageError("no such file", file=path, fix="check the path") from None
    except OSError as exc:
        raise UsageError(f"cannot read the file: {exc.strerror or exc}", file=path,
                         fix="check the path and its permissions") from None
    if len(data) > MAX_BYTES:
        raise UsageError(f"the file is {len(data) // 1024 // 1024} MiB: too big for an environment file",
                         file=path, fix="give an environment.yml, a requirements.txt or a conda-lock.yml")
    try:
        if data[:2] in (b"\xff\xfe", b"\xfe\xff"):   # PowerShell's `conda env export > file`
            return data.decode("utf-16")
        if b"\0" in data:
            raise UsageError("this is a binary file, not an environment file", file=path,
                             fix="give an environment.yml, a requirements.txt or a conda-lock.yml")
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return _undecodable(path)


def _undecodable(path: Path) -> str:
    raise UsageError("the file is not UTF-8 text", file=path, fix="save it as UTF-8")


def _looks_like_requirements(path: Path, text: str) -> bool:
    name = path.name.lower()
    if name.endswith((".txt", ".in")) or name.startswith("requirements"):
        return True
    if name.endswith((".yml", ".yaml", ".lock")):
        return False
    # No telling extension: a pip file has no "key:" lines at the start of a line.
    return not re.search(r"^[A-Za-z_][\w-]*\s*:", text, re.MULTILINE)


def _compose(path: Path, text: str) -> yaml.Node | None:
    try:
        return yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        problem = " ".join(str(getattr(exc, "problem", None) or exc).split())
        raise UsageError(f"not valid YAML: {problem}", file=path,
                         line=mark.line + 1 if mark else None,
                         fix="check the indentation and quoting on that line") from None
    except (ValueError, TypeError) as exc:   # e.g. several documents in one file
        raise UsageError(f"not valid YAML: {exc}", file=path, fix="give one YAML document") from None


def _has_key(node: yaml.MappingNode, key: str) -> bool:
    return any(isinstance(k, yaml.ScalarNode) and k.value == key for k, _ in node.value)


def _line(node: yaml.Node) -> int:
    return node.start_mark.line + 1


def _not_environment(path: Path, what: str, line: int | None = None) -> UsageError:
    return UsageError(f"not an environment file: {what}", file=path, line=line,
                      fix="give a conda environment.yml (name, channels, dependencies), "
                          "a requirements.txt or a conda-lock.yml")


# -- environment.yml ---------------------------------------------------------------------------

def read_environment(path: Path, root: yaml.Node | None) -> Source:
    if not isinstance(root, yaml.MappingNode):
        kind = "a list" if isinstance(root, yaml.SequenceNode) else "a single value"
        raise _not_environment(path, f"the top level is {kind}, not a mapping",
                               _line(root) if root is not None else None)
    keys = {k.value: (k, v) for k, v in root.value if isinstance(k, yaml.ScalarNode)}
    if "dependencies" not in keys:
        raise _not_environment(path, "it has no `dependencies:`")
    source = Source(path=path, kind="environment")
    for key, (key_node, value) in keys.items():
        source.lines[key] = _line(key_node)
        if key == "name":
            source.name = _scalar(value)
        elif key == "channels":
            items = _strings(path, value, "channels")
            source.channels = [item.text for item in items]
            source.lines.update({f"channel {item.text}": item.line for item in reversed(items)})
        elif key == "dependencies":
            _read_dependencies(path, value, source)
        elif key == "platforms":
            _read_platforms(path, value, source)
        elif key == "prefix":
            source.is_export = True
            source.dropped.append(Dropped(f"prefix: {_scalar(value) or ''}".strip(),
                                          "a path on the machine that exported the file; "
                                          "envmgr installs into its own prefix", line=_line(key_node)))
        elif key in ("pip-repositories", "allow-pypi-requests"):
            source.dropped.append(Dropped(f"{key}:", "conda-lock's name for the pip indexes; the pip "
                                          "list's index lines say the same, and envmgr writes both "
                                          "when it renders", line=_line(key_node)))
        else:
            source.dropped.append(Dropped(f"{key}:", "envmgr specs have no such key"
                                          + ("; set these variables yourself" if key == "variables" else ""),
                                          line=_line(key_node)))
    return source


def _scalar(node: yaml.Node) -> str | None:
    if isinstance(node, yaml.ScalarNode) and node.value.strip():
        return node.value.strip()
    return None


def _strings(path: Path, node: yaml.Node, key: str) -> list[Line]:
    if isinstance(node, yaml.ScalarNode) and not node.value.strip():
        return []
    if not isinstance(node, yaml.SequenceNode):
        raise _not_environment(path, f"`{key}` is not a list", _line(node))
    items = []
    for item in node.value:
        if isinstance(item, yaml.ScalarNode) and item.value.strip():
            items.append(Line(item.value.strip(), _line(item)))
        elif not (isinstance(item, yaml.ScalarNode)):
            raise _not_environment(path, f"an item of `{key}` is not a string", _line(item))
    return items


def _read_dependencies(path: Path, node: yaml.Node, source: Source) -> None:
    if isinstance(node, yaml.ScalarNode) and not node.value.strip():
        return
    if not isinstance(node, yaml.SequenceNode):
        raise _not_environment(path, "`dependencies` is not a list", _line(node))
    for item in node.value:
        if isinstance(item, yaml.ScalarNode):
            if item.value.strip():
                source.conda.append(Line(item.value.strip(), _line(item)))
        elif isinstance(item, yaml.MappingNode):
            for key, value in item.value:
                label = key.value if isinstance(key, yaml.ScalarNode) else "?"
                if label == "pip":
                    source.pip += _strings(path, value, "pip")
                else:
                    source.dropped.append(Dropped(f"dependencies: {label}:",
                                                  "only `pip:` may be nested in dependencies",
                                                  line=_line(key)))
        else:
            raise _not_environment(path, "an item of `dependencies` is a nested list", _line(item))


def _read_platforms(path: Path, node: yaml.Node, source: Source) -> None:
    wanted = [item.text for item in _strings(path, node, "platforms")]
    known = [p for p in wanted if p in PLATFORMS]
    for other in (p for p in wanted if p not in PLATFORMS):
        source.dropped.append(Dropped(f"platform {other}", f"envmgr locks {', '.join(PLATFORMS)}",
                                      line=source.lines.get("platforms")))
    source.platforms = known or None


# -- requirements.txt --------------------------------------------------------------------------

def read_requirements(path: Path, text: str) -> Source:
    source = Source(path=path, kind="requirements")
    joined: list[Line] = []
    pending, start = "", None
    for number, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.strip()
        if pending or stripped:
            start = start or number
        if stripped.endswith("\\"):
            pending += stripped[:-1] + " "
            continue
        line = (pending + stripped).strip()
        pending = ""
        if line and not line.startswith("#"):
            joined.append(Line(line, start))
        start = None
    if not joined:
        raise UsageError("no requirements in the file", file=path,
                         fix="give a requirements.txt that lists torch")
    source.pip = joined
    return source
