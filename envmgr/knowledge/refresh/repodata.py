"""repodata: a conda channel's torch-family records (the `pytorch` channel, a mirror, conda-forge).

A ``repodata.json`` (URL or local file) is read directly; a channel (name or URL not ending in
``.json``) through rattler's gateway, so only the torch family's records are read, not the
whole channel. Each ``pytorch`` record gives a variant (from its build string or the selector it
depends on: cudatoolkit, pytorch-cuda, cuda-version), its python and its subdir.
"""
from __future__ import annotations

import json
import re

from ...errors import EnvmgrError
from . import fetch

NAMES = ("pytorch", "torchvision", "torchaudio")
SUBDIRS = ("linux-64", "win-64", "osx-64", "osx-arm64", "linux-aarch64")

_BUILD_CUDA = (re.compile(r"(?:^|_)cuda(\d+)\.(\d+)(?:_|$)"), re.compile(r"(?:^|_)cuda(\d+)(\d)(?:_|$)"))
_DEP_CUDA = (("pytorch-cuda", re.compile(r"^pytorch-cuda\s+(?:[=>]*)?(\d+)\.(\d+)")),
             ("cudatoolkit", re.compile(r"^cudatoolkit\s+(?:[=>]*)?(\d+)\.(\d+)")),
             ("cuda-version", re.compile(r"^cuda-version\s+(?:[=>]*)?(\d+)\.(\d+)")))
_DEP_PY = re.compile(r"^python\s+>=(\d)\.(\d+)")
_BUILD_PY = (re.compile(r"(?:^|_)py(\d)\.(\d+)(?:_|$)"), re.compile(r"(?:^|_)py(\d)(\d+)(?:_|h|$)"))


def _first_minor(patterns, text: str) -> str | None:
    """"X.Y" from the first of ``patterns`` that matches ``text`` (groups: major, minor)."""
    for pattern in patterns:
        match = pattern.search(text)
        if match:
            return f"{match.group(1)}.{match.group(2)}"
    return None


def _variant(build: str, depends: list[str]) -> tuple[str | None, str | None]:
    """(variant, the selector package it depends on): the selector first, else the build string."""
    for name, pattern in _DEP_CUDA:
        for dep in depends:
            found = _first_minor([pattern], dep)
            if found:
                return found, name
    found = _first_minor(_BUILD_CUDA, build)
    if found:
        return found, None
    if "cpu" in build or any(d.startswith(("pytorch-mutex", "cpuonly")) and "cpu" in d for d in depends):
        return "cpu", None
    return ("cpu" if not any("cuda" in d for d in depends) else None), None


def _python(build: str, depends: list[str]) -> str | None:
    """The build's python: its free-threaded python_abi, its python pin, else its build string."""
    python = None
    for dep in depends:
        free = re.search(r"cp(\d)(\d+)t", dep) if dep.startswith("python_abi") else None
        if free:
            return f"{free.group(1)}.{free.group(2)}t"
        python = _first_minor([_DEP_PY], dep) or python
    return python or _first_minor(_BUILD_PY, build)


def record_facts(record: dict) -> dict | None:
    """{"version", "subdir", "variant" ("cpu" or "12.1"), "python", "selector"} of a pytorch record."""
    build = str(record.get("build") or "")
    depends = [str(d) for d in record.get("depends") or ()]
    variant, selector = _variant(build, depends)
    python = _python(build, depends)
    if variant is None or python is None:
        return None
    return {"version": str(record.get("version")), "subdir": record.get("subdir"), "variant": variant,
            "python": python, "selector": selector or ("cudatoolkit" if variant != "cpu" else None)}


def parse_repodata(source: str, data: bytes) -> list[dict]:
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise EnvmgrError(f"{source}: not valid JSON ({exc.msg} at char {exc.pos}): truncated or not a "
                          "repodata.json", code="bad-index",
                          fix="give --repodata a channel's repodata.json (URL or file); the old overlay is kept") from None
    if not isinstance(doc, dict) or not isinstance(doc.get("packages", {}), dict):
        raise EnvmgrError(f"{source}: not a repodata.json (no `packages` mapping)", code="bad-index",
                          fix="give --repodata a channel's repodata.json (URL or file)")
    subdir = (doc.get("info") or {}).get("subdir")
    found = []
    for key in ("packages", "packages.conda"):
        for record in (doc.get(key) or {}).values():
            if not isinstance(record, dict) or record.get("name") != "pytorch":
                continue
            record = dict(record)
            record.setdefault("subdir", subdir)
            facts = record_facts(record)
            if facts and facts["subdir"]:
                found.append(facts)
    return found


def gateway_records(channel: str, subdirs=SUBDIRS) -> list[dict]:
    """The pytorch records of ``channel`` through rattler's gateway (only these names are read)."""
    import asyncio

    from rattler import Channel, Gateway

    async def query():
        result = await Gateway().query([Channel(channel)], list(subdirs) + ["noarch"], ["pytorch"],
                                       recursive=False)
        return [record for per_source in result for record in per_source]

    try:
        records = asyncio.run(query())
    except Exception as exc:    # rattler raises its own exception types for network and parse errors
        raise EnvmgrError(f"{channel}: cannot read the channel's repodata ({type(exc).__name__}: "
                          f"{str(exc).splitlines()[0] if str(exc) else ''})", code="bad-index",
                          fix="check the channel URL, or give a repodata.json file") from None
    found = []
    for record in records:
        facts = record_facts({"version": str(record.version), "build": str(record.build),
                              "depends": list(record.depends), "subdir": str(record.subdir),
                              "name": record.name.normalized})
        if facts:
            found.append(facts)
    return found


def read_records(source: str) -> list[dict]:
    if source.endswith(".json") or (not fetch.is_remote(source) and fetch.local_path(source).is_file()):
        return parse_repodata(source, fetch.get(source))
    return gateway_records(source)


def channel_facts(records: list[dict]) -> dict[str, dict]:
    """torch version -> {subdir: {"cuda": {variant: [pythons]}, "cpu": [pythons], "selector"}}."""
    out: dict[str, dict] = {}
    for rec in records:
        per = out.setdefault(rec["version"], {}).setdefault(rec["subdir"], {"cuda": {}, "cpu": [], "selector": None})
        if rec["variant"] == "cpu":
            target = per["cpu"]
        else:
            target = per["cuda"].setdefault(rec["variant"], [])
            per["selector"] = per["selector"] or rec["selector"]
        if rec["python"] not in target:
            target.append(rec["python"])
    return out


def is_conda_forge(source: str) -> bool:
    return "conda-forge" in source
