"""The data passed between stages: a spec as the user wrote it, the stack it resolves to,
and the problems found on the way. Stages exchange these, never raw dicts."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field
from pathlib import Path

CPU = "cpu"
ROUTES = ("pytorch", "conda-forge", "pip")
# The conda platforms envmgr locks for. osx-64: torch to 2.2 (the Intel Macs many older papers
# were made on); linux-aarch64: Grace-Hopper and other Arm clusters.
PLATFORMS = ("linux-64", "linux-aarch64", "osx-64", "osx-arm64", "win-64")
FALLBACK_PLATFORM = "linux-64"   # the default on a machine envmgr locks for no platform of


def this_platform() -> str:
    """This machine's conda platform ("linux-64", "linux-aarch64", "osx-arm64", "win-64"...),
    from the interpreter alone (no rattler import: start-up matters)."""
    import platform as _platform
    import sys

    machine = _platform.machine().lower()
    arch = {"x86_64": "64", "amd64": "64", "aarch64": "aarch64", "arm64": "arm64",
            "ppc64le": "ppc64le", "s390x": "s390x"}.get(machine, machine)
    if sys.platform.startswith("linux"):
        return f"linux-{arch}"
    if sys.platform == "darwin":
        return "osx-arm64" if arch in ("arm64", "aarch64") else "osx-64"
    if sys.platform == "win32":
        return "win-arm64" if arch in ("arm64", "aarch64") else "win-64"
    return f"{sys.platform}-{arch}"


def default_platforms() -> tuple[str, ...]:
    """The platforms of a spec that names none: this machine's, as pixi and conda do (a default
    that also held win-64 moved Linux users to the pip route whenever the pytorch channel had
    no Windows build). Write `platforms:` in the spec to lock for others too."""
    here = this_platform()
    return (here if here in PLATFORMS else FALLBACK_PLATFORM,)


@dataclass
class Spec:
    """``envs/NAME.yaml`` as written. ``None`` means "not given, let the knowledge base choose"."""

    name: str
    stack: str | None = None
    torch: str | None = None
    cuda: str | None = None          # "10.2", "12.1" or "cpu"
    python: str | None = None        # "3.8"
    torchvision: str | None = None   # a version, or "none"
    torchaudio: str | None = None
    packages: list[str] = field(default_factory=list)
    pip: list[str] = field(default_factory=list)
    channels: list[str] | None = None
    platforms: list[str] | None = None
    route: str | None = None         # force "pytorch", "conda-forge" or "pip"
    as_of: str | None = None         # "YYYY-MM-DD" or "release": resolve as of that date
    # environment variables activation sets (`variables:`); not a lock input (envmgr/envs/envvars.py)
    variables: dict[str, str] = field(default_factory=dict)
    path: Path | None = None         # file it came from, when any
    lines: dict[str, int] = field(default_factory=dict)  # key -> line in the file

    def line_of(self, key: str) -> int | None:
        return self.lines.get(key)


@dataclass
class Problem:
    """One thing wrong with a stack: what, the fact behind it (with its source), the nearest fix."""

    code: str
    message: str
    fix: str | None = None
    fact: str | None = None
    source: str | None = None
    key: str | None = None           # the spec key it is about, for file:line reports
    severity: str = "error"          # "error" or "warning"

    def to_json(self) -> dict:
        # code, message, fix and severity always present (fix may be null), so scripts can read
        # them without .get(); the other fields only when set
        always = ("code", "message", "fix", "severity")
        return {k: v for k, v in asdict(self).items() if v is not None or k in always}


class ProblemReport:
    """For results that carry ``problems``: the errors among them, and whether there are none."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def ok(self) -> bool:
        return not self.errors


@dataclass
class CoPin:
    """A package pin added because of a known bad combination, with the reason and its source."""

    spec: str
    reason: str
    source: str
    platforms: list[str] | None = None   # the spec's platforms it applies to; None: all of them


@dataclass
class Resolved:
    """A valid stack, fully decided: exact versions, the install route, channels and pins."""

    name: str
    torch: str
    torchvision: str | None
    torchaudio: str | None
    python: str                      # minor, e.g. "3.7"
    cuda: str                        # "10.2" or "cpu"
    route: str                       # one of ROUTES
    route_reason: str
    channels: list[str]
    platforms: list[str]
    conda: list[str]                 # conda match specs, in render order
    pip: list[str]                   # pip requirement lines (options such as --extra-index-url first)
    copins: list[CoPin] = field(default_factory=list)
    packages: list[str] = field(default_factory=list)   # the user's extra conda specs
    user_pip: list[str] = field(default_factory=list)   # the user's extra pip requirements

    @property
    def is_cuda(self) -> bool:
        return self.cuda != CPU

    def summary(self) -> dict:
        return {"torch": self.torch, "torchvision": self.torchvision,
                "torchaudio": self.torchaudio, "python": self.python,
                "cuda": self.cuda, "route": self.route}
