"""The seal: proof that a lockfile is, byte for byte, what envmgr wrote.

``metadata.custom_metadata.envmgr_seal`` is a digest of the lockfile's head (its ``version`` and
its metadata, every key but the seal itself) and of the exact text of its ``package:`` section. Reading a lock back then needs no
parse of the package list and no conda-lock: a file whose seal matches has the packages, content
hash and recorded facts envmgr wrote, so its freshness follows from the recorded digests alone
(``freshness.judge``). Any edit — a package renamed, the list cut short, a content hash changed by
hand, a bad merge — breaks the seal, and the lock is judged the slow way and called damaged.

Line endings are normalised first, so a checkout with ``core.autocrlf`` keeps the seal. pyyaml
only, imported when a head is not in envmgr's cache: ``envmgr list`` reads seals.
"""
from __future__ import annotations

import hashlib
import json
from pathlib import Path

SEAL_KEY = "envmgr_seal"
PACKAGE_SECTION = "\npackage:"


def split(text: str) -> tuple[str, str]:
    """(the text before the top-level ``package:`` key, the package section); the second is ""
    when the file has no package section."""
    text = text.replace("\r\n", "\n")
    cut = text.find(PACKAGE_SECTION + "\n")
    if cut < 0:
        cut = text.find(PACKAGE_SECTION + " ")
    if cut < 0:
        return text, ""
    return text[: cut + 1], text[cut + 1:]


def seal_of(head: dict, package_text: str) -> str:
    """The seal of a lock whose parsed head (``version`` and ``metadata``) and package section
    text are these."""
    meta = dict(head.get("metadata") or {})
    meta["custom_metadata"] = {k: v for k, v in (meta.get("custom_metadata") or {}).items() if k != SEAL_KEY}
    body = {**{k: v for k, v in head.items() if k != "metadata"}, "metadata": meta,
            "packages_sha256": hashlib.sha256(package_text.encode("utf-8")).hexdigest()}
    return hashlib.sha256(json.dumps(body, sort_keys=True, default=str).encode("utf-8")).hexdigest()


def parsed_head(head: str) -> dict | None:
    """The mapping of a lockfile's head (``version``, ``metadata``); None when it is not one.

    A head read before comes from envmgr's cache, keyed by its text's sha256, so `envmgr list`
    over a workspace of locks neither imports PyYAML nor parses. Only a head that JSON keeps
    exactly is cached (one with a YAML date, say, is parsed each time)."""
    data = head_mapping(head)
    if not isinstance(data, dict):
        return None
    meta = data.get("metadata")
    if not isinstance(meta, dict) or not isinstance(meta.get("custom_metadata", {}), dict):
        return None
    return data


def head_mapping(head: str):
    """The YAML value of ``head`` (a mapping for any real lockfile), from envmgr's cache when this
    exact text was read before; None when it is not YAML."""
    key = hashlib.sha256(head.encode("utf-8")).hexdigest()
    data = _cached_head(key)
    if data is None:
        data = _parse_head(head)
        if data is not None:
            _store_head(key, data)
    return data


def _parse_head(head: str):
    import yaml

    from ..yamlio import load

    try:
        return load(head)
    except yaml.YAMLError:
        return None


def _cached_head(key: str):
    from .. import jsoncache

    return jsoncache.read("lockheads", key[:32])


def _store_head(key: str, data) -> None:
    """Kept only when JSON gives back exactly what YAML read (a YAML date would come back a
    string): such a head is parsed each time."""
    from .. import jsoncache

    try:
        if json.loads(json.dumps(data)) != data:
            return
    except (TypeError, ValueError):
        return
    jsoncache.write("lockheads", key[:32], data)


def seal_for(text: str) -> str:
    """The seal of ``text``, a lockfile envmgr just rendered without one."""
    head, packages = split(text)
    return seal_of(parsed_head(head), packages)


def read_sealed(lockfile: Path) -> tuple[dict | None, bool | None]:
    """(the lock's metadata, whether its seal matches: True, False, or None when it has no seal);
    metadata None when the head cannot be read (the slow path then says why)."""
    try:
        text = Path(lockfile).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return None, None
    head_text, packages = split(text)
    head = parsed_head(head_text)
    if head is None:
        return None, None
    meta = head["metadata"]
    recorded = (meta.get("custom_metadata") or {}).get(SEAL_KEY)
    if not recorded:
        return meta, None
    return meta, recorded == seal_of(head, packages)
