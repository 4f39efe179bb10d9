"""overlay: the user-level knowledge overlay written by `envmgr knowledge refresh`.

It lives in envmgr's home (``$ENVMGR_HOME``, default ``~/.envmgr``), never inside the installed
package: ``knowledge/overlay.json``. Each row carries the source it was read from and the date.
``merge_rows`` applies it to the shipped torch.yaml rows; the loader (facts.read_raw) calls it,
so it must stay cheap: plain dict work, no YAML, no packaging import at module level.
"""
from __future__ import annotations

import copy
import json
from pathlib import Path

from ...errors import EnvmgrError
from ...paths import envmgr_home
from .keys import python_key, version_key

SCHEMA = 1
FILE = "overlay.json"
# Fields a refresh may set on a release it did not create, and where they go.
MERGED = ("released", "yanked", "pypi", "companions", "torchvision", "torchaudio")


def overlay_path() -> Path:
    return envmgr_home() / "knowledge" / FILE


def read_overlay_bytes(path: Path | None = None) -> bytes | None:
    try:
        return (path or overlay_path()).read_bytes()
    except OSError:
        return None


def parse_overlay(data: bytes, path: Path | None = None) -> dict:
    where = path or overlay_path()
    try:
        doc = json.loads(data)
    except ValueError as exc:
        raise EnvmgrError(f"knowledge overlay is not valid JSON ({exc.msg})", file=where, code="bad-overlay",
                          fix="run `envmgr knowledge refresh` again, or delete the file") from None
    if not isinstance(doc, dict) or doc.get("schema") != SCHEMA or not isinstance(doc.get("releases"), list):
        raise EnvmgrError("knowledge overlay has an unknown shape", file=where, code="bad-overlay",
                          fix="run `envmgr knowledge refresh` again, or delete the file")
    return doc


def write_overlay(doc: dict, path: Path | None = None) -> Path:
    from ...atomic import write_text_atomic

    target = path or overlay_path()
    write_text_atomic(target, json.dumps(doc, indent=1, sort_keys=False) + "\n")
    return target


# -- merging -------------------------------------------------------------------------------------

def _new_release(row: dict, rows: list[dict]) -> dict:
    """A release the shipped data does not know: what the indexes say, nothing assumed."""
    pypi = row.get("pypi") or {}
    python = pypi.get("python") or {}
    stable = _stable(python)
    experimental = sorted({t for tags in python.values() for t in tags if t.endswith("t")}, key=python_key)
    cuda = list((row.get("pip_facts") or {}).get("cuda") or [])
    default_cuda = pypi.get("default_cuda")
    if not cuda and default_cuda:
        cuda = [default_cuda]
    return {"torch": row["torch"], "released": row.get("released"), "torchvision": None, "torchaudio": None,
            "python": stable, "python_experimental": experimental, "lts": False, "conda": None,
            "pip": {"cuda": cuda, "cpu": True, "index": "index-url",
                    "url": "https://download.pytorch.org/whl/{variant}", "local_tag": True,
                    "pypi_default_cuda": default_cuda},
            "conda_forge": None, "sources": [],
            "notes": "added by `envmgr knowledge refresh`: python from the wheels' cpXY tags, CUDA variants "
                     "from the plain PyPI wheel's pins (and PyTorch's wheel index when read)"}


def _stable(python: dict) -> list[str]:
    platforms = [p for p in ("linux-64", "win-64") if p in python] or list(python)
    lists = [{t for t in python[p] if t[:1].isdigit() and not t.endswith("t")} for p in platforms]
    return sorted(set.intersection(*lists), key=python_key) if lists else []


def merge_rows(rows: list[dict], overlay: dict) -> list[dict]:
    """The shipped torch.yaml ``rows`` with the overlay applied; each touched row records what
    came from the overlay in ``from_overlay`` (field names) and ``overlay_source``."""
    rows = copy.deepcopy(rows)
    by_torch = {str(r["torch"]): r for r in rows}
    for row in overlay.get("releases") or ():
        torch = str(row.get("torch"))
        target = by_torch.get(torch)
        changed = []
        if target is None:
            target = _new_release(row, rows)
            rows.append(target)
            by_torch[torch] = target
            changed.append("release")
        for key in MERGED:
            value = row.get(key)
            if value is None or value == {} or target.get(key) == value:
                continue
            if key == "yanked" and not value and not target.get(key):
                continue
            if key in ("torchvision", "torchaudio"):
                if not (row.get("companions") or {}).get(key):
                    continue
                conda = target.get("conda")
                if isinstance(conda, dict) and not conda.get(key):
                    # PyPI's pins pair the wheels; the pytorch channel's builds keep the pairing
                    # its documented commands use (torchvision 0.11.0 there, yanked on PyPI;
                    # false where the command installs no torchaudio).
                    conda[key] = target.get(key) or False
                    changed.append(f"conda.{key}")
            target[key] = value
            changed.append(key)
        default_cuda = (row.get("pypi") or {}).get("default_cuda")
        pip = target.get("pip")
        if default_cuda and isinstance(pip, dict) and pip.get("pypi_default_cuda") != default_cuda:
            pip["pypi_default_cuda"] = default_cuda
            changed.append("pip.pypi_default_cuda")
        for key in ("pip", "conda", "conda_forge"):
            extra = row.get(f"{key}_facts")
            if extra and _apply_route(target, key, extra):
                changed.append(key)
        if changed:
            target["from_overlay"] = sorted(set(target.get("from_overlay") or []) | set(changed))
            target["overlay_source"] = f"{row.get('source', 'overlay')} (read {row.get('read', '?')})"
    rows.sort(key=lambda r: version_key(r["torch"]))
    return rows


def _apply_route(target: dict, key: str, facts: dict) -> bool:
    """Route facts from the wheel index or a channel's repodata: variants and python per platform."""
    block = target.get(key)
    if key == "conda_forge":
        block = target[key] = dict(block or {})
        for platform, info in facts.items():
            block[platform] = info
        return True
    if block is None:
        if key != "conda" or not facts.get("cuda"):
            return False
        block = target[key] = {"channel": facts.get("channel", "pytorch"),
                               "cuda_selector": facts.get("cuda_selector", "pytorch-cuda"),
                               "cpu_selector": "cpuonly", "cpu": False, "cuda": {}}
    before = json.dumps(block, sort_keys=True)
    if key == "conda":
        for variant in facts.get("cuda") or ():
            if variant not in block["cuda"]:
                block["cuda"][variant] = list(facts.get("extra_channels", {}).get(variant, []))
    else:
        block["cuda"] = sorted(set(block.get("cuda") or []) | set(facts.get("cuda") or []), key=version_key)
    block["cpu"] = bool(block.get("cpu") or facts.get("cpu"))
    if facts.get("python"):
        block["python"] = facts["python"]
    if key == "conda" and facts.get("platforms"):
        block["platforms"] = sorted(set(block.get("platforms") or []) | set(facts["platforms"]))
    return json.dumps(block, sort_keys=True) != before
