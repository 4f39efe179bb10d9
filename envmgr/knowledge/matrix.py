"""matrix: the compatibility tables people look up, straight from the knowledge base."""
from __future__ import annotations

from packaging.version import InvalidVersion, Version

from ..errors import UsageError
from .facts import KnowledgeBase
from .records import TorchRelease


def python_span(versions: list[str]) -> str:
    if not versions:
        return ""
    return versions[0] if len(versions) == 1 else f"{versions[0]}-{versions[-1]}"


def release_row(release: TorchRelease) -> dict:
    return {
        "torch": release.torch,
        "torchvision": release.torchvision,
        "torchaudio": release.torchaudio,
        "python": release.python,
        "cuda_conda": release.conda_cuda(),
        "cpu_conda": bool(release.conda and release.conda.cpu),
        "cuda_pip": release.pip_cuda(),
        "cuda_conda_forge": release.conda_forge_cuda(),
        "released": release.released,
        "from_overlay": list(release.from_overlay),
    }


def select_releases(kb: KnowledgeBase, torch: str | None, cuda: str | None) -> list[TorchRelease]:
    releases = kb.releases
    if torch:
        try:
            Version(torch)
        except InvalidVersion:
            raise UsageError(f"--torch {torch} is not a version", fix="--torch 1.10 or --torch 1.10.1") from None
        releases = [r for r in releases if r.torch == torch or r.minor == torch]
        if not releases:
            raise UsageError(f"torch {torch} is not a release envmgr knows",
                             fix=f"pick one of {kb.releases[0].torch} .. {kb.releases[-1].torch}")
    if cuda:
        releases = [r for r in releases if cuda in r.all_cuda()]
    return releases


def toolkit_info(kb: KnowledgeBase, cuda: str) -> dict:
    toolkit = kb.toolkit(cuda)
    if toolkit is None:
        known = ", ".join(t.cuda for t in kb.toolkits)
        raise UsageError(f"CUDA {cuda} is not a toolkit envmgr knows", fix=f"use one of {known}")
    return {
        "cuda": cuda,
        "min_driver_linux": toolkit.driver_linux,
        "min_driver_windows": toolkit.driver_windows,
        "minor_compat_driver_linux": toolkit.minor_compat_driver_linux,
        "minor_compat_driver_windows": toolkit.minor_compat_driver_windows,
        "archs": toolkit.archs,
        "sources": [kb.cite([s]) for s in toolkit.sources],
    }


def matrix(kb: KnowledgeBase, torch: str | None = None, cuda: str | None = None) -> dict:
    info = toolkit_info(kb, cuda) if cuda else None
    rows = [release_row(r) for r in select_releases(kb, torch, cuda)]
    overlay = kb.overlay
    return {"kb_version": kb.version, "toolkit": info, "releases": rows,
            "overlay": {"path": overlay["path"], "refreshed": overlay["refreshed"]} if overlay else None}


def table_rows(rows: list[dict]) -> list[list[str]]:
    def cudas(values):
        return ", ".join(values) or "-"

    return [[r["torch"] + ("*" if r.get("from_overlay") else ""), r["torchvision"] or "-", r["torchaudio"] or "-", python_span(r["python"]),
             cudas(r["cuda_conda"]) + (" +cpu" if r["cpu_conda"] else ""), cudas(r["cuda_pip"]),
             cudas(r["cuda_conda_forge"]), r["released"] or ""] for r in rows]


TABLE_HEADERS = ["torch", "torchvision", "torchaudio", "python", "CUDA (conda)", "CUDA (pip)",
                 "CUDA (conda-forge)", "released"]
