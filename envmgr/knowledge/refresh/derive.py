"""derive: knowledge-base facts from what the indexes say.

``pypi_facts`` reads the three projects; ``pair`` decides which torchvision/torchaudio releases
go with a torch release from the companions' own Requires-Dist pins; ``overlay_rows`` turns it
all into overlay rows (the shape of torch.yaml rows, see data/SCHEMA.md "overlay").
"""
from __future__ import annotations

import re

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import Version

from .pypi import PACKAGES, PIN_PLATFORMS, MetadataReader, pick_wheel, project_files, pypi_cuda, releases, torch_pin
from .wheels import bundled_cuda

COMPANIONS = ("torchvision", "torchaudio")
# The plain PyPI wheel names its CUDA in Requires-Dist from 1.13 on; older wheels bundle it, and
# say which in torch/version.py.
FIRST_CUDA_PINNED = Version("1.13")


def pypi_facts(base: str, reader: MetadataReader, progress=None) -> dict:
    """{"torch": {version: facts}, "torchvision": {...}, "torchaudio": {...}, "urls": {...}}.
    ``progress(text)``, when given, hears of each release read."""
    out: dict = {"urls": {}}
    for name in PACKAGES:
        files, url = project_files(base, name)
        out["urls"][name] = url
        found = releases(files)
        for number, (version, row) in enumerate(found.items(), start=1):
            if progress is not None:
                progress(f"{name} {version} ({number}/{len(found)})")
            if name == "torch":
                row["default_cuda"], row["cuda_evidence"], row["cuda_wheel"] = plain_wheel_cuda(version, row, reader)
            else:
                wheel, text = _first_readable(row, reader)
                row["pin"] = torch_pin(text) if text else None
                row["pin_read"] = text is not None
                row["pin_wheel"] = wheel[0].filename if wheel and text else None
            del row["wheels"]
        out[name] = dict(sorted(found.items(), key=lambda kv: Version(kv[0])))
    return out


def plain_wheel_cuda(version: str, row: dict, reader: MetadataReader) -> tuple[str | None, str | None, str | None]:
    """(CUDA, the line it was read from, the wheel) of the plain PyPI linux-64 wheel of torch
    ``version``: its `nvidia-*`/`cuda-toolkit` pin from 1.13 on, its torch/version.py before."""
    pinned = Version(version) >= FIRST_CUDA_PINNED
    wheel, text = _first_readable(row, reader, ("linux-64",), suffix="METADATA" if pinned else "version.py")
    if not text:
        return None, None, None
    cuda, evidence = (pypi_cuda if pinned else bundled_cuda)(text)
    return cuda, evidence, wheel[0].filename


def _first_readable(row: dict, reader: MetadataReader, platforms=PIN_PLATFORMS, tries: int = 3,
                    suffix: str = "METADATA"):
    """(wheel, text of its ``suffix``: METADATA or torch/version.py) of the first wheel that can
    be read, trying one per platform in ``platforms`` order (a cached one first), at most
    ``tries``."""
    read = reader.read if suffix == "METADATA" else reader.read_version_py
    seen: set = set()
    for _ in range(tries):
        left = [w for w in row["wheels"] if w[2] not in seen]
        wheel = pick_wheel({"wheels": left}, reader, platforms, suffix)
        if wheel is None:
            break
        seen.add(wheel[2])
        text = read(wheel[0])
        if text is not None:
            return wheel, text
    return None, None


def _spec(pin: str) -> SpecifierSet | None:
    """The pin as a specifier on torch's public version: a wheel that pins a local build
    (torchvision 0.11.0: ``torch ==1.10.0+cpu``, 0.15.0: ``==2.0.0+cu117``) pairs with that
    release all the same (both were yanked for it, and are companions that are never a default)."""
    try:
        return SpecifierSet(_LOCAL.sub("", pin))
    except InvalidSpecifier:
        return None


_LOCAL = re.compile(r"\+[A-Za-z0-9.]+")


def _exact(pin: str | None) -> bool:
    return bool(pin) and any(s.operator in ("==", "===") for s in (_spec(pin) or ()))


def pair(torch: str, companions: dict[str, dict]) -> list[str]:
    """The companion releases that pin ``torch``, oldest first.

    Pairing is many-to-one: every release whose Requires-Dist admits ``torch`` counts, except
    that an open pin (``>=2.14.0`` or a bare ``torch``) only counts when it is newer than the
    newest release that pins an exact torch at or below ``torch`` (torchvision 0.3.0's
    ``>=1.1.0`` does not make it a companion of torch 2.1). A release with no torch requirement
    at all (torchaudio 2.11.0) pairs with nothing.
    """
    wanted = Version(torch)
    exact_below = [Version(v) for v, c in companions.items() if c.get("pin_read") and _exact(c.get("pin"))
                   and any(Version(s.version.rstrip(".*")) <= wanted for s in _spec(c["pin"]) or ()
                           if s.operator == "==")]
    newest_exact = max(exact_below, default=None)
    found = []
    for version, facts in companions.items():
        pin = facts.get("pin")
        if pin is None:
            continue
        spec = _spec(pin)
        if spec is None or wanted not in spec:
            continue
        if not _exact(pin) and newest_exact is not None and Version(version) < newest_exact:
            continue
        found.append(version)
    return sorted(found, key=Version)


def default_companion(versions: list[str], companions: dict[str, dict],
                      torch_platforms=()) -> str | None:
    """The newest paired release that is not yanked (a yanked one is never a default), among
    those with wheels for every platform torch has when there are such (torchvision
    0.4.1.post2 is an osx-64-only fix of 0.4.1)."""
    usable = [v for v in versions if not companions[v]["yanked"]]
    covering = [v for v in usable if set(torch_platforms) <= set(companions[v]["python"])]
    usable = covering or usable
    return max(usable, key=Version) if usable else None


def overlay_rows(facts: dict, source: str, read: str) -> list[dict]:
    """One overlay row per torch release PyPI publishes (1.0 and later)."""
    rows = []
    for torch, info in facts["torch"].items():
        if Version(torch) < Version("1.0") or Version(torch).is_prerelease:
            continue
        row: dict = {"torch": torch, "released": info["date"], "yanked": info["yanked"],
                     "pypi": {"python": info["python"], "requires_python": info["requires_python"],
                              "default_cuda": info.get("default_cuda"),
                              "cuda_evidence": info.get("cuda_evidence")},
                     "companions": {}, "source": source, "read": read}
        for name in COMPANIONS:
            table = facts[name]
            versions = pair(torch, table)
            row["companions"][name] = [
                {"version": v, "pin": table[v]["pin"], "yanked": table[v]["yanked"],
                 "python": table[v]["python"], "date": table[v]["date"]} for v in versions]
            row[name] = default_companion(versions, table, info["python"])
        rows.append(row)
    return rows
