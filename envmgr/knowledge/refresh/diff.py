"""diff: what a new overlay changes, release by release and field by field."""
from __future__ import annotations

import json

from .overlay import merge_rows

SHOWN = ("released", "yanked", "torchvision", "torchaudio", "python", "pypi", "companions", "pip", "conda",
         "conda_forge")


def _short(value) -> str:
    if isinstance(value, dict) and "python" in value and set(value) <= {"python", "requires_python",
                                                                         "default_cuda", "cuda_evidence"}:
        value = {k: v for k, v in value.items() if k != "cuda_evidence"}
    if isinstance(value, list) and value and isinstance(value[0], dict) and "version" in value[0]:
        return ", ".join(c["version"] + (" (yanked)" if c.get("yanked") else "") for c in value)
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 160 else text[:157] + "..."


def _flatten(row: dict) -> dict[str, object]:
    out = {}
    for key in SHOWN:
        value = row.get(key)
        if key == "companions" and isinstance(value, dict):
            for name, items in value.items():
                out[f"companions.{name}"] = items
        elif key in ("pip", "conda") and isinstance(value, dict):
            for sub, item in value.items():
                out[f"{key}.{sub}"] = item
        else:
            out[key] = value
    return out


def changes(shipped: list[dict], old: dict | None, new: dict) -> list[dict]:
    """[{"torch", "field", "before", "after", "shipped"}] from the rows as the old overlay made
    them to the rows the new overlay makes; ``shipped`` is True where the new value replaces a
    value the shipped knowledge base had (not only an older overlay's)."""
    before = {str(r["torch"]): r for r in (merge_rows(shipped, old) if old else shipped)}
    after = {str(r["torch"]): r for r in merge_rows(shipped, new)}
    base = {str(r["torch"]): r for r in shipped}
    found = []
    for torch, row in after.items():
        if torch not in before:
            found.append({"torch": torch, "field": "release", "before": None, "after": "added", "shipped": False})
            continue
        flat_before, flat_after = _flatten(before[torch]), _flatten(row)
        flat_base = _flatten(base[torch]) if torch in base else {}
        for field, value in flat_after.items():
            if flat_before.get(field) != value:
                was = flat_base.get(field)
                found.append({"torch": torch, "field": field, "before": flat_before.get(field), "after": value,
                              "shipped": was is not None and was != value})
    return found


def render(found: list[dict]) -> list[str]:
    lines = []
    for item in found:
        if item["field"] == "release":
            lines.append(f"+ torch {item['torch']}: a release the knowledge base did not know")
            continue
        mark = " (changes a shipped fact)" if item["shipped"] else ""
        lines.append(f"~ torch {item['torch']} {item['field']}: {_short(item['before'])} -> "
                     f"{_short(item['after'])}{mark}")
    return lines
