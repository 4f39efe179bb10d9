"""The compatibility knowledge base: loads ``envmgr/knowledge/data/*.yaml`` (see ``data/SCHEMA.md``).

Only this module reads the data files. Everything else asks it questions: which torch release
a version means, which CUDA variants it was built for, what driver a toolkit needs, which GPU
architectures a build ships kernels for.
"""
from __future__ import annotations

import hashlib
from functools import cache, cached_property
from pathlib import Path

from packaging.version import InvalidVersion, Version

from .datafiles import read_texts, version_label
from .records import (CoPinRule, CudaToolkit, Gpu, TorchRelease, cuda_tag, minor_of, parsed_version,
                      pip_platforms, read_release, read_toolkit, specifier)

PACKAGINGS = ("linux-wheel", "windows-wheel", "conda", "conda-forge", "measured-linux-wheel")


def _yaml_load(text: str):
    from ..yamlio import load

    return load(text)


def _copin_releases(raw: dict) -> None:
    """Each co-pin rule's list of the known torch releases its ``torch`` range admits."""
    versions = [str(r["torch"]) for r in raw["torch.yaml"].get("releases") or []]
    for rule in raw["copins.yaml"].get("copins") or []:
        wanted = specifier(str(rule["torch"]))
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
    code = hashlib.sha256(source_stamp(Path(__file__), here / "records.py",
                                      here / "refresh" / "overlay.py").encode()).hexdigest()
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
    kb.releases = sorted((read_release(r) for r in raw["torch.yaml"].get("releases") or []),
                         key=lambda r: r.version)
    rules = (raw.get("platforms.yaml") or {}).get("platforms") or {}
    kb.releases = [r._replace(pip=r.pip._replace(platforms=pip_platforms(r.torch, rules)))
                   if r.pip else r for r in kb.releases]
    kb.toolkits = sorted((read_toolkit(t) for t in raw["cuda.yaml"].get("toolkits") or []),
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
