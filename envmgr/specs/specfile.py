"""Spec files, ``envs/NAME.yaml``: read them with a line for every key, and write them for ``envmgr new``.

Only syntax lives here; whether the versions exist is ``envmgr.compat``'s business.
YAML is read as nodes (``yaml.compose``) rather than values, for two reasons: every key keeps
its line for file:line errors, and a plain ``torch: 1.10`` can be read from its source text
("1.10") instead of the float YAML makes of it (1.1, a different release).
"""
from __future__ import annotations

import functools
from pathlib import Path

from ..errors import SpecError, UsageError
from ..paths import shown_path
from .workspace import Workspace
from ..models import PLATFORMS, Spec
from .stack import format_stack, parse_stack, python_version
from .names import MAX_NAME_LENGTH, NAME_RULE, validate_name  # noqa: F401  (importers take them from here)

from .speckeys import EXAMPLE_STACK, NONE, quote, unique


def load_spec(path: str | Path) -> Spec:
    """Read ``envs/NAME.yaml`` into a ``Spec``; raise ``SpecError`` (file:line, fix) when it is wrong."""
    path = Path(path)
    try:
        name = validate_name(path.stem)
    except UsageError as err:
        raise SpecError(err.message, file=path, fix="rename the file") from None
    try:
        text = path.read_text(encoding="utf-8-sig")   # tolerate a BOM from Windows editors
    except FileNotFoundError:
        raise SpecError("no such spec file", file=path,
                        fix=f"create it with `envmgr new {name} \"torch 2.4 + cu121\"`") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise SpecError(f"cannot read the spec: {exc}", file=path,
                        fix="save it as a UTF-8 text file") from None
    return read_spec_text(path, text, name)


def read_spec_text(path: Path, text: str, name: str | None = None) -> Spec:
    """``text`` read as the spec file ``path`` would be (also for an edit checked before it is
    written). A spec read before is taken from envmgr's cache, keyed by its text: PyYAML's
    import and the node walk are most of `envmgr check` over a workspace of specs."""
    path = Path(path)
    name = name or validate_name(path.stem)
    key = _cache_key(name, text)
    cached = _cached_spec(key, path)
    if cached is not None:
        return cached
    from .specnodes import SpecReader

    spec = SpecReader(path, name).read(text)
    _store_spec(key, spec)
    return spec


# Bumped when what a spec file reads into changes, so an older cache entry is never taken.
SPEC_CACHE_FORMAT = 1


def _cache_key(name: str, text: str) -> str:
    import hashlib

    from .. import __version__

    said = f"{SPEC_CACHE_FORMAT}\0{__version__}\0{_reader_stamp()}\0{name}\0{text}"
    return hashlib.sha256(said.encode()).hexdigest()


@functools.cache
def _reader_stamp() -> str:
    from ..paths import source_stamp

    return source_stamp(Path(__file__).with_name("specnodes.py"), Path(__file__))


def _cached_spec(key: str, path: Path) -> Spec | None:
    from .. import jsoncache

    fields = jsoncache.read("specs", key[:32])
    try:
        return Spec(**fields, path=path) if isinstance(fields, dict) else None
    except TypeError:               # an entry of another shape
        return None


def _store_spec(key: str, spec: Spec) -> None:
    import dataclasses

    from .. import jsoncache

    jsoncache.write("specs", key[:32],
                    {f.name: getattr(spec, f.name) for f in dataclasses.fields(spec) if f.name != "path"})


def spec_from_stack(name: str, stack: str, python: str | None = None,
                    platforms: list[str] | None = None) -> Spec:
    """The spec ``envmgr new NAME STACK`` writes; ``python`` wins over a python in the stack."""
    name = validate_name(name)
    request = parse_stack(stack)
    chosen_python = python_version(python) if python is not None else request.python
    for platform in platforms or ():
        if platform not in PLATFORMS:
            raise UsageError(f"unknown platform {platform!r}",
                             fix=f"use one of {', '.join(PLATFORMS)}")
    chosen_platforms = unique(platforms) if platforms else None   # said: written, even if the default here
    return Spec(name=name, stack=format_stack(request.torch, request.cuda, chosen_python),
                torch=request.torch, cuda=request.cuda, python=chosen_python,
                platforms=chosen_platforms)


def dump_spec(spec: Spec) -> str:
    """The YAML text of a spec, human-first and deterministic; ``load_spec`` reads back the same fields.

    torch, CUDA and python go on the ``stack:`` line; other keys appear only when they say
    something the defaults would not.
    """
    if spec.torch is None:
        raise UsageError(f"spec {spec.name!r} has no torch version",
                         fix=f"add `{EXAMPLE_STACK}`")
    out = [
        f"# envmgr spec for the environment {spec.name!r}. Check it with `envmgr check {spec.name}`.",
        "# `stack:` is shorthand for torch, CUDA (cuNNN or cpu) and python (pyX.Y); explicit keys",
        "# win over it. Optional keys: torch, cuda, python, torchvision, torchaudio (\"none\" leaves",
        "# one out), packages, pip, channels, platforms (default: this machine's; linux-64,",
        "# linux-aarch64, osx-64, osx-arm64, win-64),",
        "# route (pytorch | conda-forge | pip), as_of (YYYY-MM-DD or release).",
        f"stack: {format_stack(spec.torch, spec.cuda, spec.python)}",
    ]
    for key in ("torchvision", "torchaudio"):
        value = getattr(spec, key)
        if value is not None:
            out.append(f"{key}: {quote(value) if value != NONE else NONE}")
    for key in ("packages", "pip", "channels"):
        out.extend(_block_list(key, getattr(spec, key)))
    if spec.platforms is not None:
        out.extend(_block_list("platforms", spec.platforms))
    if spec.route is not None:
        out.append(f"route: {spec.route}")
    if spec.as_of is not None:
        out.append(f"as_of: {quote(spec.as_of)}")
    if spec.variables:
        out.append("variables:")
        out.extend(f"  {name}: {quote(value)}" for name, value in spec.variables.items())
    return "\n".join(out) + "\n"


def _block_list(key: str, items: list[str] | None) -> list[str]:
    if not items:
        return []
    from .specnodes import quote_if_needed

    return [f"{key}:", *(f"  - {quote_if_needed(item)}" for item in items)]




def load_named_spec(workspace: Workspace, name: str) -> Spec:
    validate_name(name)
    path = workspace.spec_path(name)
    if not path.is_file():
        known = ", ".join(workspace.spec_names()) or "none yet"
        raise UsageError(f"no spec named '{name}' (specs: {known})", file=shown_path(path),
                         fix=f"envmgr new {name} \"torch 2.4 + cu121\"")
    return load_spec(path)
