"""The knowledge base's records: one typed row per fact (a torch release with its builds per
route and its companions, a CUDA toolkit, a GPU, a co-pin rule), and how each is read from a row
of the data files (``data/SCHEMA.md``). ``facts.load`` builds the knowledge base from them."""
from __future__ import annotations

from functools import cache
from typing import NamedTuple

from packaging.version import Version


@cache
def parsed_version(text: str) -> Version:
    """``Version(text)``, parsed once per process: `envmgr check` compares the same few hundred
    version strings thousands of times."""
    return Version(text)


@cache
def minor_of(version: str) -> str:
    parts = version.split(".")
    return ".".join(parts[:2])


def cuda_tag(cuda: str) -> str:
    """"10.2" -> "cu102", "cpu" -> "cpu"."""
    return "cpu" if cuda == "cpu" else "cu" + cuda.replace(".", "")


class CondaBuilds(NamedTuple):
    channel: str
    cuda_selector: str
    cpu_selector: str
    cpu: bool
    cuda: dict[str, list[str]]        # variant -> extra channels
    torchvision: str | None = None
    torchaudio: str | None = None
    platforms: tuple[str, ...] = ("linux-64", "win-64")   # the channel's subdirs for this release
    python: dict[str, list[str]] | None = None  # subdir -> python minors of its builds (repodata)


class PipBuilds(NamedTuple):
    cuda: list[str]
    cpu: bool
    index: str
    url: str
    local_tag: bool
    pypi_default_cuda: str | None = None
    torchvision: str | None = None
    torchaudio: str | None = None
    python: dict[str, list[str]] | None = None  # platform -> python tags on the wheel index
    # platform -> whether its CUDA variants are published there too (platforms.yaml); a platform
    # absent here has no wheel of this release at all
    platforms: dict[str, bool] = {"linux-64": True, "win-64": True}

    def offers(self, cuda: str, platform: str) -> bool:
        """A wheel of this variant for ``platform``."""
        if platform not in self.platforms:
            return False
        return self.cpu if cuda == "cpu" else (cuda in self.cuda and self.platforms[platform])

    def index_url(self, cuda: str) -> str:
        return self.url.replace("{variant}", cuda_tag(cuda))


class CondaForgeBuilds(NamedTuple):
    platforms: dict[str, dict]        # platform -> {"cuda": [...], "cpu": bool}
    build_pattern: str = "cuda{cu}*"

    def cuda_for(self, platform: str) -> list[str]:
        return list(self.platforms.get(platform, {}).get("cuda", []))

    def has_cpu(self, platform: str) -> bool:
        return bool(self.platforms.get(platform, {}).get("cpu", False))

    def python_for(self, platform: str) -> list[str] | None:
        found = (self.platforms.get(platform) or {}).get("python")
        return [str(p) for p in found] if found else None


class Companion(NamedTuple):
    """A torchvision/torchaudio release whose own Requires-Dist pins a torch release."""
    version: str
    pin: str | None
    yanked: bool
    python: dict[str, list[str]]      # platform -> cpXY tags of its wheels on PyPI


class TorchRelease(NamedTuple):
    torch: str
    released: str | None
    torchvision: str | None
    torchaudio: str | None
    python: list[str]
    python_experimental: list[str]
    conda: CondaBuilds | None
    pip: PipBuilds | None
    conda_forge: CondaForgeBuilds | None
    sources: list[str]
    lts: bool = False
    notes: str | None = None
    yanked: bool = False
    pypi_python: dict[str, list[str]] | None = None   # platform -> cpXY tags of the PyPI wheels
    companions: dict[str, list[Companion]] | None = None
    from_overlay: tuple[str, ...] = ()
    overlay_source: str | None = None

    def route_python(self, route: str, platform: str) -> list[str]:
        """The python minors (free-threaded ones end in "t") ``route`` publishes this release for
        on ``platform``: the route's own facts where known, else the release's documented list."""
        found = None
        if route == "pytorch" and self.conda and self.conda.python:
            found = self.conda.python.get(platform)
        elif route == "conda-forge" and self.conda_forge:
            found = self.conda_forge.python_for(platform)
        elif route == "pip":
            if self.pip and self.pip.python:
                found = self.pip.python.get(platform)
            if found is None and self.pypi_python:
                found = self.pypi_python.get(platform)
        if found is None:
            return list(self.python) + list(self.python_experimental)
        return [str(p) for p in found]

    def companion_releases(self, package: str) -> list[Companion]:
        return list((self.companions or {}).get(package) or [])

    @property
    def minor(self) -> str:
        return minor_of(self.torch)

    @property
    def version(self) -> Version:
        return parsed_version(self.torch)

    def conda_cuda(self) -> list[str]:
        return sorted(self.conda.cuda, key=parsed_version) if self.conda else []

    def pip_cuda(self) -> list[str]:
        return sorted(self.pip.cuda, key=parsed_version) if self.pip else []

    def conda_forge_cuda(self, platform: str = "linux-64") -> list[str]:
        return sorted(self.conda_forge.cuda_for(platform), key=parsed_version) if self.conda_forge else []

    def all_cuda(self) -> list[str]:
        found = set(self.conda_cuda()) | set(self.pip_cuda()) | set(self.conda_forge_cuda())
        return sorted(found, key=parsed_version)


class CudaToolkit(NamedTuple):
    cuda: str
    driver_linux: str | None
    driver_windows: str | None
    minor_compat_driver_linux: str | None
    minor_compat_driver_windows: str | None
    archs: list[str]
    archs_complete: bool
    sources: list[str]
    released: str | None = None

    def min_driver(self, os_name: str = "linux", minor_compat: bool = True) -> str | None:
        """The oldest driver that runs this toolkit's code on ``os_name`` ("linux"/"windows")."""
        toolkit = self.driver_linux if os_name == "linux" else self.driver_windows
        if minor_compat:
            compat = (self.minor_compat_driver_linux if os_name == "linux"
                      else self.minor_compat_driver_windows)
            if compat:
                return compat
        return toolkit


class Gpu(NamedTuple):
    name: str
    cc: str
    family: str | None = None
    aliases: tuple[str, ...] = ()


@cache
def specifier(text: str):
    """Parsed once per process: `envmgr check` asks every rule for every spec."""
    from packaging.specifiers import SpecifierSet

    return SpecifierSet(text)


class CoPinRule(NamedTuple):
    id: str
    spec: str
    torch: str
    routes: tuple[str, ...]
    reason: str
    sources: tuple[str, ...]
    platforms: tuple[str, ...] = ()     # empty: every platform
    # the known releases ``torch`` admits, worked out when the cache was built (see read_raw):
    # matching them needs no packaging.specifiers, whose import is a tenth of `envmgr check`
    releases: frozenset = frozenset()
    judged: frozenset = frozenset()     # the releases ``releases`` was worked out over

    def applies(self, torch: str, route: str, platforms=()) -> bool:
        if self.platforms and platforms and not set(platforms) & set(self.platforms):
            return False
        if route not in self.routes:
            return False
        if torch in self.judged:
            return torch in self.releases
        return parsed_version(torch) in specifier(self.torch)


def _conda(row: dict | None) -> CondaBuilds | None:
    if not row:
        return None
    return CondaBuilds(channel=row["channel"], cuda_selector=row["cuda_selector"],
                       cpu_selector=row.get("cpu_selector", "cpuonly"), cpu=bool(row.get("cpu")),
                       cuda={str(k): list(v or []) for k, v in (row.get("cuda") or {}).items()},
                       torchvision=row.get("torchvision"), torchaudio=row.get("torchaudio"),
                       platforms=tuple(row.get("platforms") or ("linux-64", "win-64")),
                       python=row.get("python"))


def _pip(row: dict | None) -> PipBuilds | None:
    if not row:
        return None
    return PipBuilds(cuda=[str(c) for c in row.get("cuda") or []], cpu=bool(row.get("cpu")),
                     index=row["index"], url=row["url"], local_tag=bool(row.get("local_tag")),
                     pypi_default_cuda=row.get("pypi_default_cuda"),
                     torchvision=row.get("torchvision"), torchaudio=row.get("torchaudio"),
                     python=row.get("python"))


def _conda_forge(row: dict | None) -> CondaForgeBuilds | None:
    if not row:
        return None
    platforms = {k: v for k, v in row.items() if isinstance(v, dict)}
    return CondaForgeBuilds(platforms=platforms, build_pattern=row.get("build_pattern", "cuda{cu}*"))


def read_release(row: dict) -> TorchRelease:
    return TorchRelease(
        torch=str(row["torch"]), released=row.get("released") and str(row["released"]),
        torchvision=row.get("torchvision"), torchaudio=row.get("torchaudio"),
        python=[str(p) for p in row.get("python") or []],
        python_experimental=[str(p) for p in row.get("python_experimental") or []],
        conda=_conda(row.get("conda")), pip=_pip(row.get("pip")),
        conda_forge=_conda_forge(row.get("conda_forge")),
        sources=list(row.get("sources") or []), lts=bool(row.get("lts")), notes=row.get("notes"),
        yanked=bool(row.get("yanked")), pypi_python=(row.get("pypi") or {}).get("python"),
        companions={name: [Companion(version=str(c["version"]), pin=c.get("pin"), yanked=bool(c.get("yanked")),
                                     python=c.get("python") or {}) for c in items or ()]
                    for name, items in (row.get("companions") or {}).items()},
        from_overlay=tuple(row.get("from_overlay") or ()), overlay_source=row.get("overlay_source"))


def pip_platforms(torch: str, rules: dict) -> dict[str, bool]:
    """platform -> CUDA too, for the platforms whose wheels cover ``torch`` (platforms.yaml)."""
    found = {}
    version = parsed_version(torch)
    for platform, rule in rules.items():
        pip = (rule or {}).get("pip") or {}
        first, last = pip.get("first"), pip.get("last")
        if ((first and version < parsed_version(str(first)))
                or (last and version > parsed_version(str(last)))
                or torch in {str(v) for v in pip.get("missing") or ()} or not pip.get("cpu", True)):
            continue
        found[platform] = bool(pip.get("cuda"))
    return found


def read_toolkit(row: dict) -> CudaToolkit:
    return CudaToolkit(
        cuda=str(row["cuda"]), driver_linux=row.get("driver_linux"),
        driver_windows=row.get("driver_windows"),
        minor_compat_driver_linux=row.get("minor_compat_driver_linux"),
        minor_compat_driver_windows=row.get("minor_compat_driver_windows"),
        archs=[str(a) for a in row.get("archs") or []],
        archs_complete=bool(row.get("archs_complete", True)),
        sources=list(row.get("sources") or []), released=row.get("released"))
