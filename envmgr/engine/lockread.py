"""Reading a lockfile back, and judging whether it is damaged: one judgement for every reader
(``lock --check``, ``list``, ``create``, ``verify``, the installer), so all of them say the same of
a truncated, hand-edited or merged-badly file. pyyaml only: no conda-lock, no rattler."""
from __future__ import annotations

from pathlib import Path
from .lockseal import SEAL_KEY, head_mapping, seal_of, split


def read_lockfile(lockfile: Path) -> dict:
    """The lockfile's YAML mapping (pyyaml only); {} when unreadable or not a mapping."""
    import yaml

    from ..yamlio import load

    try:
        data = load(Path(lockfile).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, yaml.YAMLError):
        return {}
    return data if isinstance(data, dict) else {}


def read_metadata(lockfile: Path, data: dict | None = None) -> dict:
    """The lockfile's ``metadata`` mapping; {} when unreadable. Its ``custom_metadata``, when
    present, is always a mapping (a hand-edited non-mapping is dropped), so callers can ``.get``."""
    meta = (_head_of(lockfile) if data is None else data).get("metadata")
    if not isinstance(meta, dict):
        return {}
    if "custom_metadata" in meta and not isinstance(meta["custom_metadata"], dict):
        meta = {k: v for k, v in meta.items() if k != "custom_metadata"}
    return meta


def _head_of(lockfile: Path) -> dict:
    """The lockfile's mapping before its package list (all that ``metadata`` needs, and cached
    by text), else the whole file's when the metadata comes after the packages."""
    try:
        text = Path(lockfile).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    head = head_mapping(split(text)[0])
    if isinstance(head, dict) and "metadata" in head:
        return head
    return read_lockfile(lockfile)


ENTRY_TEXT_KEYS = ("name", "manager", "platform", "url")
HASH_KINDS = ("sha256", "md5")        # conda-lock's hash model has these keys and no other
DAMAGED = "the lockfile is damaged"
EDITED = ("its package list or metadata was changed after envmgr wrote it (its envmgr_seal "
          "does not match)")
LOCK_FORMAT = 1        # conda-lock's v1 file format: what envmgr writes and rattler reads as such


def load_checked(lockfile: Path) -> tuple[dict, str | None]:
    """(the lockfile's mapping, why it is damaged or None): one judgement for every reader, so
    lock --check, list, create and verify all say the same of a truncated or hand-edited file."""
    import yaml

    from ..yamlio import load

    try:
        text = Path(lockfile).read_text(encoding="utf-8")
        data = load(text)
    except UnicodeDecodeError:
        return {}, "it is not UTF-8 text"
    except OSError as exc:
        return {}, f"it cannot be read ({exc.strerror or exc})"
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"line {mark.line + 1}: " if mark else ""
        return {}, f"it is not valid YAML ({where}{getattr(exc, 'problem', None) or exc})"
    if not isinstance(data, dict):
        return {}, "it is empty" if data is None else "it is not a mapping"
    version = data.get("version")
    if version != LOCK_FORMAT:
        return data, ("it has no version" if version is None else
                      f"its version is {version!r}, not {LOCK_FORMAT} (the conda-lock format envmgr writes)")
    return data, package_problem(data) or seal_problem(text, data)


def seal_problem(text: str, data: dict) -> str | None:
    """Why a lock that carries envmgr's seal is not what envmgr wrote, or None (also for a lock
    written before seals existed: it has none)."""
    recorded = (read_metadata(Path(), data).get("custom_metadata") or {}).get(SEAL_KEY)
    if not recorded:
        return None
    head = {key: value for key, value in data.items() if key != "package"}
    if recorded != seal_of(head, split(text)[1]):
        return EDITED
    return None


HASH_LENGTHS = {"sha256": 64, "md5": 32}   # hex digits: a file cut short leaves a shorter one


def _is_digest(kind: str, value) -> bool:
    return (isinstance(value, str) and len(value) == HASH_LENGTHS[kind]
            and all(c in "0123456789abcdefABCDEF" for c in value))


def package_problem(data: dict) -> str | None:
    """Why the ``package`` list of a parsed lockfile cannot be installed from, or None.

    Catches what a hand edit or a bad merge leaves: no list, entries that are not mappings or lack
    their name/platform/url, a hash that is not a mapping, and a platform the metadata lists with
    no packages at all (an emptied list would otherwise pass every hash check: the content hash
    covers the inputs, not the solution)."""
    packages = data.get("package")
    if not isinstance(packages, list):
        return f"its package list is {'missing' if packages is None else 'not a list'}"
    for number, entry in enumerate(packages, start=1):
        if not isinstance(entry, dict):
            return f"package entry {number} is not a mapping"
        label = entry.get("name") if isinstance(entry.get("name"), str) else f"entry {number}"
        bad = [key for key in ENTRY_TEXT_KEYS if not isinstance(entry.get(key), str) or not entry[key]]
        if not isinstance(entry.get("version"), (str, int, float)):
            bad.append("version")
        digest = entry.get("hash")
        if (not isinstance(digest, dict) or not set(digest) <= set(HASH_KINDS)
                or not any(isinstance(digest.get(kind), str) and digest[kind] for kind in HASH_KINDS)
                or not all(value is None or _is_digest(kind, value) for kind, value in digest.items())):
            bad.append("hash (sha256 or md5)")
        if bad:
            return f"package {label} has no valid {', '.join(bad)}"
    platforms = read_metadata(Path(), data).get("platforms")
    if not isinstance(platforms, list) or not platforms:
        return "its metadata lists no platforms"
    present = {entry["platform"] for entry in packages}
    empty = [str(p) for p in platforms if p not in present]
    if empty:
        return f"it has no packages for {', '.join(empty)}"
    return None
