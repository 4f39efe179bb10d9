"""Everything in the file besides the torch stack: carried into the spec, or dropped with why.

What is carried must be what the later stages take: the pip layer locks requirements (PEP 508,
names with a version or a URL to one file) and ``--index-url``/``--extra-index-url``/
``--find-links`` (it skips ``--pre``, ``--trusted-host``, ``--prefer-binary``); the engine takes
channel names and URLs. Anything else would only fail at ``envmgr lock``, far from its line,
so it is dropped here, each item with its line and what to do instead:

- pip: another file (``-r``/``-c``), local paths and editable checkouts, VCS requirements
  (``git+https://...``: no file, no sha256 to lock), options the pip layer does not take
  (``--no-deps``, ``--no-binary``, ...), options written after a requirement (the requirement
  is kept), lines pip itself cannot read (``numpy=1.19``);
- channels: a local channel of the machine that wrote the file that this machine lacks.

anaconda.org channel URLs become names, so the workspace's channel alias or mirror applies.
"""
from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import unquote, urlsplit

from . import exports
from .sourcefile import Dropped
from .specs import channel_name

_LOCAL_PATH = re.compile(r"^(\.|/|~|file:|[A-Za-z]:\\)")
_VCS = re.compile(r"^(?:[A-Za-z0-9._-]+\s*@\s*)?(git|hg|svn|bzr)\+", re.IGNORECASE)
# the options the pip layer takes; it skips the last three (they change nothing it locks)
PIP_LAYER_OPTIONS = ("--index-url", "--extra-index-url", "--find-links", "--pre", "--trusted-host",
                     "--prefer-binary")
_AFTER_CREATE = "install it after `envmgr create`"


# -- channels ------------------------------------------------------------------------------------

def carry_channels(result) -> list[str] | None:
    """The file's channels; a ``pytorch::pytorch`` prefix names a channel too, so it joins them."""
    source, facts = result.source, result.facts
    prefixed = [s.channel for s in facts.conda_family if s.channel]
    kept = []
    for channel in dict.fromkeys([*prefixed, *source.channels]):
        carried, why = _channel(channel, source.path.parent)
        if carried:
            kept.append(carried)
        else:
            line = source.lines.get(f"channel {channel}") or source.lines.get("channels")
            result.dropped.append(Dropped(f"channel {channel}", why, line=line))
    return list(dict.fromkeys(kept)) or None


def _channel(channel: str, folder: Path) -> tuple[str | None, str]:
    """(what the spec says, why not when None)."""
    if not _LOCAL_PATH.match(channel):
        return channel_name(channel), ""
    local = Path(unquote(urlsplit(channel).path)) if channel.startswith("file:") else \
        Path(channel).expanduser()
    local = local if local.is_absolute() else folder / local
    if local.is_dir():
        return local.resolve().as_uri(), ""
    return None, ("a local channel on the machine that wrote the file, not found here: add "
                  "its path or URL to the spec's channels if you have a copy")


# -- conda ---------------------------------------------------------------------------------------

def carry_conda(result) -> None:
    items = result.facts.other_conda
    if result.source.is_export and result.keep_pins:
        items, mutexes = exports.drop_variant_mutexes(items, lambda s: s.name)
        result.dropped += [mutexes] if mutexes else []
    elif result.source.is_export:
        items, dropped = exports.drop_transitive(items, "conda", lambda s: s.name)
        result.dropped += [dropped] if dropped else []
    items, runtimes = exports.drop_platform_runtimes(items, lambda s: s.name)
    result.dropped += [runtimes] if runtimes else []
    stripped = [s for s in items if s.build and "*" not in s.build]
    if stripped:
        result.dropped.append(Dropped(
            f"build strings of {len(stripped)} package{'s' * (len(stripped) != 1)}",
            "a build string pins one platform's build hash; the versions are kept",
            items=[s.text for s in stripped]))
    result.spec.packages = [_exact(s) if result.keep_pins and _is_kept_pin(s) else
                            _conda_text(s, s in stripped) for s in items]
    unused = result.facts.unused_builds
    if unused:
        result.dropped.append(Dropped(
            f"build strings of the torch stack ({', '.join(s.text for s in unused)})",
            "envmgr chooses the builds of torch and its companions itself, from cuda and python",
            items=[s.text for s in unused]))
    for line in result.facts.unreadable:
        result.dropped.append(Dropped(line.text, "not a conda match spec", line=line.line))
    if result.facts.bare_pip:
        result.dropped.append(Dropped("pip", "envmgr adds pip itself when the spec has pip requirements"))


def _is_kept_pin(spec) -> bool:
    """A dump's transitive pin at one exact version (``libpng=1.6.37=h21135ba_2``), kept by --keep-pins."""
    version = spec.version or ""
    return (exports.is_transitive(spec.name, "conda") and bool(version)
            and not any(c in version for c in "<>=!~*,|"))


def _exact(spec) -> str:
    """``name==version``: conda reads ``name=1.0`` as ``1.0.*``; the authors had exactly 1.0."""
    prefix = f"{spec.channel}::" if spec.channel else ""
    return f"{prefix}{spec.name}=={spec.version}"


def _conda_text(spec, without_build: bool) -> str:
    """The line as written, less its comment (and build); a channel URL prefix as its name."""
    if without_build:
        return spec.without_build()
    text = spec.text.split("#", 1)[0].strip()
    if spec.channel and "::" in text:
        text = f"{spec.channel}::{text.split('::', 1)[1].strip()}"
    return text


# -- pip -----------------------------------------------------------------------------------------

def carry_pip(result) -> None:
    facts = result.facts
    items = facts.other_pip
    if result.source.is_export and not result.keep_pins:
        items, dropped = exports.drop_transitive(items, "pip", lambda p: p.name or "")
        result.dropped += [dropped] if dropped else []
    kept = []
    for requirement in items:
        why = pip_drop_reason(requirement)
        if why:
            result.dropped.append(Dropped(requirement.text, why, line=requirement.line))
            continue
        kept.append(requirement.requirement if requirement.option is None else
                    requirement.text.split(" #", 1)[0].strip())
        if requirement.line_options:
            result.dropped.append(Dropped(
                f"{requirement.line_options} (after {requirement.requirement})",
                _line_option_reason(requirement), line=requirement.line))
    for requirement in facts.pip_family:
        if requirement.line_options:
            result.dropped.append(Dropped(
                f"{requirement.line_options} (after {requirement.requirement})",
                "envmgr writes the torch stack's pip lines itself", line=requirement.line))
    for index in facts.pip_indexes:
        result.dropped.append(Dropped(index.text, "PyTorch's wheel index: envmgr writes the right "
                                      "index line itself when torch comes from pip", line=index.line))
    result.spec.pip = kept


def pip_drop_reason(requirement) -> str | None:
    """Why a pip line cannot be carried into the spec; None when it can."""
    option, value = requirement.option, requirement.value or ""
    if option is None:
        return _requirement_reason(requirement)
    if option in ("--requirement", "--constraint"):
        return f"refers to another file ({value}): import or copy its requirements"
    if option == "--editable":
        if _VCS.match(value):
            return _vcs_reason(value)
        if _LOCAL_PATH.match(value):
            return f"a local checkout, relative to the paper's repository: {_AFTER_CREATE}"
        return f"an editable install: envmgr locks files, not checkouts; {_AFTER_CREATE} " \
               f"(pip install -e {value})"
    if option == "--no-deps":
        return ("envmgr resolves and locks the dependencies of every pip package; to skip a "
                f"package's dependencies, {_AFTER_CREATE} with pip install --no-deps")
    if option in ("--no-binary", "--only-binary"):
        return ("envmgr's pip layer locks the files uv picks (wheels where they exist) and takes "
                "no build options")
    if option in PIP_LAYER_OPTIONS:
        return None
    return (f"pip option {option} is not one envmgr's pip list takes (it takes requirements and "
            f"{', '.join(PIP_LAYER_OPTIONS[:3])})")


def _requirement_reason(requirement) -> str | None:
    text = requirement.requirement or requirement.text
    if _VCS.match(text):
        return _vcs_reason(text)
    if requirement.name is None and _LOCAL_PATH.match(text):
        return f"a local path, relative to the paper's repository: {_AFTER_CREATE}"
    if requirement.error is None and requirement.name is not None:
        return None
    if "://" in text:
        return "a URL without a package name: write it in the spec as `NAME @ URL`"
    conda_style = re.fullmatch(r"([A-Za-z0-9][\w.-]*)=([\w.*]+)", text)
    if conda_style:
        return f"conda's syntax, which pip cannot read: pip writes {conda_style[1]}=={conda_style[2]}"
    return f"not a requirement pip can read ({requirement.error})"


def _vcs_reason(url: str) -> str:
    return (f"a version-control checkout ({url.split('+', 1)[0].split('@')[-1].strip()}): envmgr "
            f"locks each pip package to one file and its sha256, which a checkout does not have; "
            f"pin a release from PyPI in the spec, or {_AFTER_CREATE} (pip install \"{url}\")")


def _line_option_reason(requirement) -> str:
    if requirement.line_options.startswith("--hash"):
        return "a hash pins one file; envmgr's lock records the hash of each file it resolves"
    if requirement.line_options.startswith("--no-deps"):
        return ("the requirement is kept; envmgr locks its dependencies too (to skip them, "
                f"{_AFTER_CREATE} with pip install --no-deps)")
    return "the requirement is kept; envmgr's pip list takes no per-requirement options"
