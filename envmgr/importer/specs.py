"""Requirement lines as papers write them: conda match specs and pip requirements.

Only syntax lives here. A conda spec keeps its version as a constraint in one small language
(``allows`` reads it) so the torch recogniser can ask "does 1.10.1 satisfy what the file said?"
the same way whether the file wrote ``pytorch=1.10``, ``pytorch>=1.7,<1.11`` or
``torch~=1.10.0``.

Conda's ``=1.7`` means "1.7 or any 1.7.x" (a prefix), ``==1.7`` means exactly 1.7; a bare
version in the space form (``pytorch 1.7.1``) is read as a prefix too, which is what conda
does for the versions torch uses.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from packaging.specifiers import InvalidSpecifier, Specifier
from packaging.version import InvalidVersion, Version

_NAME = re.compile(r"[A-Za-z0-9_][A-Za-z0-9_.\-]*")
_OPERATORS = ("===", "==", "!=", ">=", "<=", "~=", ">", "<")
_LOCAL_TAG = re.compile(r"\+([A-Za-z0-9.]+)")
_BRACKET = re.compile(r"\[(.*)\]\s*$")
_BRACKET_ITEM = re.compile(r"(\w+)\s*=\s*['\"]?([^'\",]+)['\"]?")
_ANACONDA_ORG = re.compile(r"^https?://(?:conda\.)?anaconda\.org/(?P<name>[^/?#]+(?:/label/[^/?#]+)?)/?$")
# options written after a requirement on its line: ``timm==0.4.12 --no-deps``
_LINE_OPTIONS = re.compile(r"\s(--?[A-Za-z].*)$")
# the name of a pin pip cannot read, ``torch==abc``: a name, then an operator or a bracket
_GUESSED_NAME = re.compile(r"([A-Za-z0-9][A-Za-z0-9._-]*)\s*(?=[=<>!~\[(;@]|$)")


@dataclass
class CondaSpec:
    """One conda dependency: ``pytorch::pytorch=1.10.1=py3.9_cuda11.3_cudnn8.2.0_0``."""

    name: str                 # lower-case
    version: str | None       # a constraint ``allows`` reads: "1.10.1", "1.7.*", ">=1.7,<2"
    build: str | None
    channel: str | None       # the ``channel::`` prefix
    text: str                 # as written
    line: int | None = None

    def without_build(self) -> str:
        """The spec with its build string removed (build strings pin one platform's hash)."""
        prefix = f"{self.channel}::" if self.channel else ""
        if self.version is None:
            return prefix + self.name
        version = self.version
        if re.fullmatch(r"[\d.]+\.\*", version):
            return f"{prefix}{self.name}={version[:-2]}"
        if version[0] in "<>=!~":
            return f"{prefix}{self.name}{version}"
        return f"{prefix}{self.name}={version}"


@dataclass
class PipRequirement:
    """One pip line: a requirement (``torch==1.7.1+cu101``) or an option (``-f URL``)."""

    text: str
    line: int | None = None
    name: str | None = None       # normalised (lower, '-' for '_'); None for options and URLs
    specifier: str = ""           # without local tags: "==1.7.1"
    local: str | None = None      # "cu101", "cpu"
    option: str | None = None     # "--find-links", "--extra-index-url", "--index-url", "-e", ...
    value: str | None = None      # the option's argument
    error: str | None = None      # why pip cannot read it (``name`` is then a best guess)
    requirement: str = ""         # what a spec carries: no comment, no per-line options; a bare
    #                               archive URL as ``name @ URL``
    line_options: str = ""        # ``--no-deps``, ``--hash=...`` written after the requirement


def parse_conda(text: str, line: int | None = None) -> CondaSpec | None:
    """Read one conda dependency; None when it is not a match spec at all."""
    raw = text.split("#", 1)[0].strip()
    if not raw:
        return None
    channel = None
    if "::" in raw:
        channel, raw = (part.strip() for part in raw.split("::", 1))
        channel = channel_name(channel) or None
    build = None
    bracket = _BRACKET.search(raw)
    version_from_bracket = None
    if bracket:
        fields = dict(_BRACKET_ITEM.findall(bracket.group(1)))
        version_from_bracket, build = fields.get("version"), fields.get("build")
        raw = raw[:bracket.start()].strip()
    match = _NAME.match(raw)
    if not match:
        return None
    name, rest = match.group().lower(), raw[match.end():].strip()
    version = _conda_version(rest) if rest else None
    if rest and version is None:
        return None
    if isinstance(version, tuple):
        version, build = version
    if version_from_bracket and version is None:
        version = _normal_constraint(version_from_bracket)
    return CondaSpec(name=name, version=version, build=build, channel=channel,
                     text=text.strip(), line=line)


def channel_name(channel: str) -> str:
    """``https://conda.anaconda.org/pytorch`` -> "pytorch" (so a channel alias or mirror applies);
    any other channel as written."""
    named = _ANACONDA_ORG.match(channel.strip())
    return named["name"] if named else channel.strip().rstrip("/")


def _conda_version(rest: str):
    """The version part of a match spec: ``=1.7.1=build``, ``==1.7``, ``>=1.7,<2``, ``1.7 build``."""
    if rest.startswith("=") and not rest.startswith("=="):
        parts = rest[1:].split("=", 1)
        version = parts[0].strip()
        if not version:
            return None
        build = parts[1].strip() if len(parts) > 1 and parts[1].strip() else None
        return (_prefix(version), build)
    if rest.startswith(_OPERATORS):
        # conda reads `python >= 3.8` and `numpy >=1.20, <2` as one constraint: the blanks after
        # an operator or around a comma are not the version/build separator
        rest = re.sub(r"\s*,\s*", ",", re.sub(r"(==|>=|<=|!=|~=|>|<)\s+", r"\1", rest))
        pieces = rest.split()
        constraint, build = pieces[0], (pieces[1] if len(pieces) > 1 else None)
        if constraint.startswith("==") and "=" in constraint[2:]:
            head, _, tail = rest[2:].partition("=")
            constraint, build = "==" + head.strip(), tail.strip() or None
        constraint = _normal_constraint(constraint)
        return (constraint, build) if build else constraint
    pieces = rest.split()
    version = _prefix(pieces[0])
    build = pieces[1] if len(pieces) > 1 else None
    return (version, build) if build else version


def _prefix(version: str) -> str:
    """Conda's ``=1.7``: 1.7 or any 1.7.x; an explicit ``*`` means the same."""
    version = version.strip()
    if any(ch in version for ch in ",|<>!~"):
        return _normal_constraint(version)
    if version.endswith(".*"):
        return version
    if version.endswith("*"):
        return version[:-1].rstrip(".") + ".*"
    return version


def _normal_constraint(text: str) -> str:
    return text.replace(" ", "")


def parse_pip(text: str, line: int | None = None) -> PipRequirement:
    """Read one pip line; never fails (an unreadable line keeps only its text)."""
    raw = text.split(" #", 1)[0].strip()
    if raw.startswith("#"):
        raw = ""
    found = PipRequirement(text=text.strip(), line=line)
    trailing = _LINE_OPTIONS.search(raw) if not raw.startswith("-") else None
    if trailing:
        raw, found.line_options = raw[:trailing.start()].strip(), trailing[1].strip()
    if raw.startswith("-"):
        option, _, value = raw.partition("=") if "=" in raw.split()[0] else raw.partition(" ")
        option = {"-f": "--find-links", "-i": "--index-url", "-r": "--requirement",
                  "-c": "--constraint", "-e": "--editable"}.get(option.strip(), option.strip())
        found.option, found.value = option, value.strip() or None
        return found
    from packaging.requirements import InvalidRequirement, Requirement

    found.requirement = raw
    requirement_text = raw.split(";", 1)[0].strip()
    archive = _archive_name(requirement_text)
    if archive:                   # a bare wheel/sdist URL: pip reads the name from the file name
        named = parse_pip(f"{archive} @ {raw}", line)
        named.text, named.line_options = found.text, found.line_options
        return named
    local = _LOCAL_TAG.search(requirement_text)
    plain = _LOCAL_TAG.sub("", requirement_text)
    try:
        requirement = Requirement(plain)
    except InvalidRequirement as exc:
        found.error = str(exc).splitlines()[0]
        guess = _GUESSED_NAME.match(plain)
        found.name = guess[1].lower().replace("_", "-") if guess else None
        found.local = local.group(1).lower() if local and guess else None
        return found
    found.name = requirement.name.lower().replace("_", "-")
    found.specifier = str(requirement.specifier)
    found.local = local.group(1).lower() if local else None
    if requirement.url:
        found.local = found.local or _tag_in_url(requirement.url)
        found.specifier = found.specifier or _version_in_wheel_url(requirement.url, found.name)
    return found


def _archive_name(text: str) -> str | None:
    """``https://host/timm-0.4.12-py3-none-any.whl`` -> "timm"; None for anything else."""
    if "://" not in text or " " in text or "@" in text.split("://", 1)[0]:
        return None
    from urllib.parse import unquote, urlsplit

    filename = unquote(urlsplit(text).path.rsplit("/", 1)[-1])
    match = re.fullmatch(r"([A-Za-z0-9][A-Za-z0-9_.]*?)-\d[^/]*\.(whl|tar\.gz|tar\.bz2|zip)", filename)
    return match[1].replace("_", "-") if match else None


def _tag_in_url(url: str) -> str | None:
    match = re.search(r"(?:%2B|\+)(cu\d+|cpu)", url) or re.search(r"/whl/(cu\d+|cpu)/", url)
    return match.group(1) if match else None


def _version_in_wheel_url(url: str, name: str) -> str:
    match = re.search(rf"/{re.escape(name)}-(\d+(?:\.\d+)+)", url)
    return f"=={match.group(1)}" if match else ""


def allows(constraint: str | None, version: str) -> bool:
    """Whether ``version`` satisfies a constraint written by ``parse_conda``/``parse_pip``."""
    if not constraint:
        return True
    return any(all(_clause(c, version) for c in branch.split(",") if c)
               for branch in constraint.split("|"))


def _clause(clause: str, version: str) -> bool:
    clause = _LOCAL_TAG.sub("", clause)
    operator = next((op for op in _OPERATORS if clause.startswith(op)), "")
    target = clause[len(operator):]
    if target.endswith("*") and operator in ("", "==", "="):
        return _has_prefix(version, target.rstrip("*").rstrip("."))
    if operator == "" or operator == "=":
        return _has_prefix(version, target)
    if operator == "!=" and target.endswith("*"):
        return not _has_prefix(version, target.rstrip("*").rstrip("."))
    try:
        return Specifier(operator + target).contains(version, prereleases=True)
    except (InvalidSpecifier, InvalidVersion):
        return False


def _has_prefix(version: str, prefix: str) -> bool:
    try:
        have, want = Version(version).release, Version(prefix).release
    except InvalidVersion:
        return False
    return have[:len(want)] == want or (len(have) < len(want) and
                                        have + (0,) * (len(want) - len(have)) == want)


def exact_version(constraint: str | None) -> str | None:
    """The single version a constraint names, when it names one: "==1.7.1", "1.7.1", "1.7"."""
    if not constraint or any(ch in constraint for ch in ",|<>!~*"):
        return None
    version = _LOCAL_TAG.sub("", constraint.lstrip("="))
    return version if re.fullmatch(r"\d+(?:\.\d+)*", version) else None


def both(*constraints: str | None) -> str | None:
    """A constraint that holds where all of them hold (``|`` branches multiply out)."""
    branches = [""]
    for constraint in filter(None, constraints):
        branches = [",".join(filter(None, (have, more))) for have in branches
                    for more in constraint.split("|")]
    return "|".join(dict.fromkeys(branches)) or None


def lowest_version(constraint: str | None) -> str | None:
    """The first version literal in a constraint, for messages about a range nothing satisfies."""
    match = re.search(r"\d+(?:\.\d+)*", constraint or "")
    return match.group() if match else None


def admits_below(constraint: str | None, bound: str) -> bool:
    """Whether a constraint lets some version below ``bound`` through (``numpy>=2`` does not)."""
    if not constraint:
        return True
    try:
        limit = Version(bound)
    except InvalidVersion:
        return True
    for branch in constraint.split("|"):
        floor = None
        for clause in filter(None, branch.split(",")):
            clause = _LOCAL_TAG.sub("", clause)
            operator = next((op for op in _OPERATORS if clause.startswith(op)), "")
            target = clause[len(operator):].rstrip("*").rstrip(".")
            if operator in ("", "=", "==", "===", ">=", ">", "~="):
                try:
                    value = Version(target)
                except InvalidVersion:
                    continue
                floor = value if floor is None else max(floor, value)
        if floor is None or floor < limit:
            return True
    return False
