"""The knowledge base's CUDA side, from the reference compilation and tools/kb_overlay.py: each
toolkit's drivers and the compute capabilities its nvcc targets (cuda.yaml), and the arch lists of
torch's official builds per packaging (arches.yaml). tools/build_kb.py writes both."""
from __future__ import annotations

import copy

from packaging.version import Version

import kb_overlay as overlay
from envmgr.knowledge.records import cuda_tag
from kb_sources import source_keys

# Every real (non "a"/"f" suffixed) compute capability nvcc has known, ascending.
REAL_ARCHS = ["3.0", "3.2", "3.5", "3.7", "5.0", "5.2", "5.3", "6.0", "6.1", "6.2", "7.0", "7.2",
              "7.5", "8.0", "8.6", "8.7", "8.9", "9.0", "10.0", "10.1", "10.3", "11.0", "12.0",
              "12.1"]

def sm_number(arch: str) -> int:
    """"8.6" -> 86, "10.0" -> 100."""
    major, minor = arch.split(".")
    return int(major) * 10 + int(minor)


def sm_tag_sort_key(tag: str) -> tuple[int, int]:
    kind, number = tag.split("_")
    return int(number), 0 if kind == "sm" else 1


def sorted_arches(tags) -> list[str]:
    return sorted(tags, key=sm_tag_sort_key)


def arch_key_order(key: str) -> tuple[Version, int]:
    """'1.10.1+cu102' sorts by torch version, then by CUDA (cu92 < cu102)."""
    torch, tag = key.split("+cu")
    return Version(torch), int(tag)


# -- CUDA ---------------------------------------------------------------------------------------
def toolkit_archs(toolkits: list[dict]) -> dict[str, tuple[list[str], bool]]:
    """Compute capabilities each toolkit's nvcc can target.

    An arch is in toolkit T when sm_min(T) <= arch <= sm_max(T), it was added at or before T
    (sm_added; archs at or below the first toolkit's sm_max count as present from the start) and
    it was not removed at or before T. Toolkits with sm_max null inherit the previous set."""
    added_at: dict[int, Version] = {}
    for tk in toolkits:
        for sm in tk.get("sm_added") or ():
            if isinstance(sm, int):            # 90a is not a real arch
                added_at.setdefault(sm, Version(str(tk["version"])))
    removed: set[int] = set()
    result: dict[str, tuple[list[str], bool]] = {}
    previous: list[str] = []
    for tk in toolkits:
        cuda = str(tk["version"])
        removed |= {sm for sm in tk.get("sm_removed") or () if isinstance(sm, int)}
        if tk.get("sm_max") is None:
            archs = [a for a in previous if sm_number(a) >= tk["sm_min"] and sm_number(a) not in removed]
            result[cuda] = (archs, False)
        else:
            archs = [a for a in REAL_ARCHS
                     if tk["sm_min"] <= sm_number(a) <= tk["sm_max"]
                     and sm_number(a) not in removed
                     and added_at.get(sm_number(a), Version("0")) <= Version(cuda)]
            result[cuda] = (archs, True)
        previous = result[cuda][0]
    return result


def driver(value) -> str | None:
    return None if value in (None, "N/A") else str(value)


def build_toolkits(ref: dict) -> list[dict]:
    archs = toolkit_archs(ref["cuda"])
    rows = []
    for tk in ref["cuda"]:
        cuda = str(tk["version"])
        row = {
            "cuda": cuda,
            "released": overlay.CUDA_RELEASED.get(cuda),
            "driver_linux": driver(tk["min_driver_linux"]),
            "driver_windows": driver(tk["min_driver_windows"]),
            "minor_compat_driver_linux": driver(tk.get("minor_compat_min_driver_linux")),
            "minor_compat_driver_windows": driver(tk.get("minor_compat_min_driver_windows")),
            "archs": archs[cuda][0],
            "archs_complete": archs[cuda][1],
            "updates": [{"release": str(u["release"]), "linux": driver(u["linux"]),
                         "windows": driver(u["windows"])} for u in tk["toolkit_driver_rows"]],
            "sources": source_keys(tk.get("src")),
        }
        notes = [n for n in (tk.get("minor_compat_note"), tk.get("sm_basis")) if n]
        if notes:
            row["notes"] = "; ".join(notes)
        row.update(overlay.CUDA_FIXES.get(cuda, {}))
        rows.append(row)
    # Toolkits the reference does not cover (CUDA 8.0), written out in full in the overlay.
    rows += copy.deepcopy(overlay.EXTRA_TOOLKITS)
    return sorted(rows, key=lambda r: Version(r["cuda"]))


# -- arches -------------------------------------------------------------------------------------
def conda_arch_key(key: str) -> str:
    """'1.8.0+cuda10.2' -> '1.8.0+cu102'."""
    torch, cuda = key.split("+cuda")
    return f"{torch}+{cuda_tag(cuda)}"


def build_arches(ref: dict) -> dict:
    def table(mapping, rename=lambda k: k, fixes=None):
        rows = {rename(str(k)): sorted_arches(v) for k, v in mapping.items()}
        rows.update({k: sorted_arches(v) for k, v in (fixes or {}).items()})
        return dict(sorted(rows.items(), key=lambda kv: arch_key_order(kv[0])))

    return {
        "schema": 1,
        "builds": {
            "linux-wheel": table(ref["torch_build_arches"], fixes=overlay.ARCH_FIXES.get("linux-wheel")),
            "windows-wheel": table(ref["torch_build_arches_windows"]),
            "conda": table(ref["torch_build_arches_conda"], conda_arch_key),
            "conda-forge": table(overlay.CONDA_FORGE_ARCHES),
            "measured-linux-wheel": table(ref["torch_build_arches_measured_thirdparty"]["data"]),
        },
        "sources": {
            "linux-wheel": ["builder-arch-lists", "nix-build-cuda", "pytorch-build-cuda-sh",
                            "arch-deprecations", "release-md-copy", "secondary-arch-records"],
            "windows-wheel": ["builder-arch-lists"],
            "conda": ["builder-arch-lists", "builder-conda-recipes"],
            "conda-forge": ["conda-forge-feedstock", "cf-feedstock-2.10.0"],
            "measured-linux-wheel": ["evelthon-measured"],
        },
        "notes": overlay.ARCH_NOTES,
    }
