"""The compatibility knowledge base: loads ``envmgr/knowledge/data/*.yaml`` (see ``data/SCHEMA.md``).

Only this module reads the data files. Everything else asks it questions: which torch release
a version means, which CUDA variants it was built for, what driver a toolkit needs, which GPU
architectures a build ships kernels for.
"""
from __future__ import annotations

import hashlib
from typing import NamedTuple
from functools import cache, cached_property
from pathlib import Path

from packaging.version import InvalidVersion, Version

from .datafiles import read_texts, version_label
PACKAGINGS = ("linux-wheel", "windows-wheel", "conda", "conda-forge", "measured-linux-wheel")


def _yaml_load(text: str):
    from ..yamlio import load

    return load(text)


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
def _specifier(text: str):
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
        return parsed_version(torch) in _specifier(self.torch)


def _copin_releases(raw: dict) -> None:
    """Each co-pin rule's list of the known torch releases its ``torch`` range admits."""
    versions = [str(r["torch"]) for r in raw["torch.yaml"].get("releases") or []]
    for rule in raw["copins.yaml"].get("copins") or []:
        wanted = _specifier(str(rule["torch"]))
        rule["torch_releases"] = [v for v in versions if parsed_version(v) in wanted]


class KnowledgeBase:
    """The loaded data; a plain class, as dataclass code generation costs `envmgr check` startup."""

    def __init__(self, raw: dict[str, dict], digest: str):
        self.raw = raw
        self.digest = digest
        self.releases: list[TorchRelease] = []
        self.toolkits: list[CudaToolkit] = []
        self.gpus: list[Gpu] = []
        self.copins: list[CoPinRule] = []

    # -- identity ---------------------------------------------------------------------------
    @property
    def version(self) -> str:
        """Knowledge-base version plus a digest of the data, recorded in lockfiles."""
        return version_label(str(self.raw['sources.yaml'].get('kb_version', '0')), self.digest)

    @cached_property
    def sources(self) -> dict[str, dict]:
        found = dict(self.raw["sources.yaml"].get("sources") or {})
        found.update((self.raw.get("overlay") or {}).get("sources") or {})
        return found

    @property
    def overlay(self) -> dict | None:
        """{"path", "refreshed", "sources"} when a user-level overlay was merged, else None."""
        return self.raw.get("overlay")

    # Sources a reader can check first, when a row cites several.
    PRIMARY_FIRST = ("prev-versions", "release-md", "nvidia-driver-table")

    def cite(self, keys, most: int = 2) -> str:
        """A short human citation: the titles of at most ``most`` sources (primary ones first),
        then how many more the row cites (`envmgr matrix --json` and sources.yaml have them all)."""
        keys = list(dict.fromkeys(keys or ()))
        keys.sort(key=lambda k: self.PRIMARY_FIRST.index(k) if k in self.PRIMARY_FIRST else len(self.PRIMARY_FIRST))
        titles = [self.sources.get(k, {}).get("title", k) for k in keys[:most]]
        more = len(keys) - most
        return "; ".join(titles) + (f"; and {more} more" if more > 0 else "")

    # -- torch ------------------------------------------------------------------------------
    @cached_property
    def _by_torch(self) -> dict[str, TorchRelease]:
        return {r.torch: r for r in self.releases}

    def release(self, torch: str) -> TorchRelease | None:
        """The release ``torch`` names: an exact patch ("1.10.1") or a minor ("1.10": newest patch)."""
        if torch in self._by_torch:
            return self._by_torch[torch]
        try:
            wanted = Version(torch)
        except InvalidVersion:
            return None
        if len(wanted.release) == 2:
            same_minor = [r for r in self.releases if r.minor == torch]
            return max(same_minor, key=lambda r: r.version) if same_minor else None
        for release in self.releases:
            if release.version == wanted:
                return release
        return None

    def minors(self) -> list[str]:
        seen: dict[str, None] = {}
        for release in sorted(self.releases, key=lambda r: r.version):
            seen.setdefault(release.minor, None)
        return list(seen)

    # -- CUDA -------------------------------------------------------------------------------
    @cached_property
    def _by_cuda(self) -> dict[str, CudaToolkit]:
        return {t.cuda: t for t in self.toolkits}

    def toolkit(self, cuda: str) -> CudaToolkit | None:
        return self._by_cuda.get(cuda)

    # -- GPU architectures ------------------------------------------------------------------
    def build_arches(self, torch: str, cuda: str, packaging: str) -> list[str] | None:
        """Arch list of an official build, e.g. ("1.10.1", "10.2", "linux-wheel"), or None if unknown."""
        table = (self.raw["arches.yaml"].get("builds") or {}).get(packaging) or {}
        tag = cuda_tag(cuda)
        for key in (f"{torch}+{tag}", f"{minor_of(torch)}+{tag}"):
            if key in table:
                return list(table[key])
        return None

    def arches_source(self, packaging: str) -> list[str]:
        return list((self.raw["arches.yaml"].get("sources") or {}).get(packaging) or [])


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


def _release(row: dict) -> TorchRelease:
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


def _pip_platforms(torch: str, rules: dict) -> dict[str, bool]:
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


def _toolkit(row: dict) -> CudaToolkit:
    return CudaToolkit(
        cuda=str(row["cuda"]), driver_linux=row.get("driver_linux"),
        driver_windows=row.get("driver_windows"),
        minor_compat_driver_linux=row.get("minor_compat_driver_linux"),
        minor_compat_driver_windows=row.get("minor_compat_driver_windows"),
        archs=[str(a) for a in row.get("archs") or []],
        archs_complete=bool(row.get("archs_complete", True)),
        sources=list(row.get("sources") or []), released=row.get("released"))


def shipped_releases() -> list[dict]:
    """torch.yaml's release rows as shipped, without the user's overlay."""
    texts, _, _ = read_texts()
    return (_yaml_load(texts["torch.yaml"]) or {}).get("releases") or []


# Bumped when what read_raw adds to the parsed files changes, so an older cache is not read.
CACHE_FORMAT = 2


def read_raw() -> tuple[dict[str, dict], str]:
    """The parsed data files and a digest of their bytes.

    Parsing YAML costs more than the rest of `envmgr check`, so the parsed data is cached as
    JSON under the user cache dir, keyed by the digest: any edit to a data file misses the cache.
    """
    from .. import jsoncache
    from ..paths import source_stamp
    from .refresh.overlay import overlay_path

    texts, overlay, hexdigest = read_texts()
    here = Path(__file__).parent
    code = hashlib.sha256(source_stamp(Path(__file__), here / "refresh" / "overlay.py").encode()).hexdigest()
    key = f"kb{CACHE_FORMAT}-{hexdigest[:24]}-{code[:8]}"
    cached = jsoncache.read("", key)
    if cached is not None:
        return cached, hexdigest
    raw = {name: _yaml_load(text) or {} for name, text in texts.items()}
    if overlay is not None:
        from .refresh.overlay import merge_rows, parse_overlay

        doc = parse_overlay(overlay, overlay_path())
        raw["torch.yaml"]["releases"] = merge_rows(raw["torch.yaml"].get("releases") or [], doc)
        raw["overlay"] = {"path": str(overlay_path()), "refreshed": doc.get("refreshed"),
                          "sources": doc.get("sources") or {}}
    _copin_releases(raw)
    jsoncache.write("", key, raw, default=str)
    return raw, hexdigest


@cache
def load() -> KnowledgeBase:
    raw, digest = read_raw()
    kb = KnowledgeBase(raw=raw, digest=digest)
    kb.releases = sorted((_release(r) for r in raw["torch.yaml"].get("releases") or []),
                         key=lambda r: r.version)
    rules = (raw.get("platforms.yaml") or {}).get("platforms") or {}
    kb.releases = [r._replace(pip=r.pip._replace(platforms=_pip_platforms(r.torch, rules)))
                   if r.pip else r for r in kb.releases]
    kb.toolkits = sorted((_toolkit(t) for t in raw["cuda.yaml"].get("toolkits") or []),
                         key=lambda t: parsed_version(t.cuda))
    kb.gpus = [Gpu(name=g["name"], cc=str(g["cc"]), family=g.get("family"),
                   aliases=tuple(g.get("aliases") or ())) for g in raw["gpus.yaml"].get("gpus") or []]
    judged = frozenset(str(r["torch"]) for r in raw["torch.yaml"].get("releases") or [])
    kb.copins = [CoPinRule(id=c["id"], spec=c["spec"], torch=c["torch"],
                           routes=tuple(c.get("routes") or ()), reason=c.get("summary") or c["reason"],
                           sources=tuple(c.get("sources") or ()),
                           platforms=tuple(c.get("platforms") or ()),
                           releases=frozenset(c.get("torch_releases") or ()),
                           judged=judged if "torch_releases" in c else frozenset())
                 for c in raw["copins.yaml"].get("copins") or []]
    return kb
