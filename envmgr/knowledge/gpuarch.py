"""GPU architectures: which devices a torch build's kernels run on, which architectures a CUDA
toolkit can target, and which architectures exist at all (the knowledge base's union).

Rule (NVIDIA CUDA C Programming Guide, "Binary Compatibility" and "Application Compatibility"):
a cubin built for sm_XY runs on any device X.Z with Z >= Y (same major only; arch-specific sm_XYa
runs on X.Y alone); PTX for compute_XY is JIT-compiled by the driver for any device >= X.Y,
provided the driver knows that PTX version (a driver older than the build's CUDA does not).
A toolkit that cannot target the device's major architecture cannot carry SASS for it.
"""
from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from .gpunames import capability_from_sm
from .facts import KnowledgeBase

ROUTE_TABLES = {  # the arch table of a route on an OS, then fallbacks (lower confidence)
    ("pytorch", "linux"): ("conda",), ("pytorch", "windows"): ("conda",),
    ("pip", "linux"): ("linux-wheel", "measured-linux-wheel"),
    ("pip", "windows"): ("windows-wheel", "linux-wheel"),
    ("conda-forge", "linux"): ("conda-forge",), ("conda-forge", "windows"): ("conda-forge",),
}
SAME_ARTIFACTS = {"measured-linux-wheel"}   # measured from the very wheels: as good as the build list


def cc_tuple(cc: str) -> tuple[int, int]:
    major, minor = cc.split(".")
    return int(major), int(minor)


def sm_of(cc: str) -> str:
    return "sm_" + cc.replace(".", "")


@dataclass
class Coverage:
    covered: bool
    via_ptx: bool = False
    how: str = ""
    ptx: str | None = None      # "compute_37": the PTX the device would JIT, when via_ptx


def coverage(arch_list: list[str], cc: str) -> Coverage:
    """Whether a build with ``arch_list`` (torch.cuda.get_arch_list() spelling) runs on ``cc``."""
    device = cc_tuple(cc)
    ptx = None
    for arch in arch_list:
        target = capability_from_sm(arch)
        if not target:
            continue
        built = cc_tuple(target)
        if arch.startswith("compute_"):
            if built <= device and (ptx is None or built > cc_tuple(ptx)):
                ptx = target
            continue
        specific = arch.lower().endswith("a")
        if built == device or (not specific and built[0] == device[0] and built[1] <= device[1]):
            how = (f"{arch} kernels" if built == device else
                   f"{arch} kernels run on {sm_of(cc)} (same major architecture)")
            return Coverage(True, False, how)
    if ptx:
        arch = f"compute_{ptx.replace('.', '')}"
        return Coverage(True, True, f"PTX {arch}, JIT-compiled for {sm_of(cc)} by the driver", arch)
    return Coverage(False)


def arch_list_for(kb: KnowledgeBase, torch: str, cuda: str, route: str, os_name: str
                  ) -> tuple[list[str] | None, str | None, bool]:
    """(arch list, table used, whether it describes these very artifacts) for a build."""
    tables = ROUTE_TABLES.get((route, os_name), ("linux-wheel",))
    for position, table in enumerate(tables):
        found = kb.build_arches(torch, cuda, table) or _sibling_patch(kb, torch, cuda, table)
        if found is not None:
            return found, table, position == 0 or table in SAME_ARTIFACTS
    return None, None, False


def _sibling_patch(kb: KnowledgeBase, torch: str, cuda: str, table: str) -> list[str] | None:
    """Patches of one minor are built from one release branch with one arch list (builder's
    release/X.Y scripts), so 1.10.2+cu102 takes 1.10.1+cu102's list when its own is missing."""
    wanted = Version(torch)
    for patch in sorted((r for r in kb.releases if r.minor == f"{wanted.major}.{wanted.minor}"),
                        key=lambda r: r.version, reverse=True):
        found = kb.build_arches(patch.torch, cuda, table)
        if found is not None:
            return found
    return None


def toolkit_reach(kb: KnowledgeBase, cuda: str, cc: str) -> str:
    """Why CUDA ``cuda`` cannot target a ``cc`` device (only asked when ``toolkit_targets`` is False):
    the toolkit is older than the architecture, or has dropped it."""
    sm = sm_of(cc)
    newest = max(kb.toolkit(cuda).archs, key=cc_tuple)
    if cc_tuple(cc) > cc_tuple(newest):
        return f"CUDA {cuda} predates {sm} and cannot target it"
    return f"CUDA {cuda} no longer targets {sm}"


def toolkit_targets(kb: KnowledgeBase, cuda: str, cc: str) -> bool | None:
    """Whether nvcc of CUDA ``cuda`` can emit SASS for a ``cc`` device (None: unknown)."""
    toolkit = kb.toolkit(cuda)
    if toolkit is None or not toolkit.archs:
        return None
    device = cc_tuple(cc)
    if any(cc_tuple(a)[0] == device[0] and cc_tuple(a)[1] <= device[1] for a in toolkit.archs):
        return True
    return None if not toolkit.archs_complete else False


def known_capabilities(kb: KnowledgeBase) -> list[str]:
    """Every compute capability the knowledge base knows to exist: the architectures some CUDA
    toolkit targets and those of the GPUs in the name table, oldest first."""
    found = {cc for toolkit in kb.toolkits for cc in toolkit.archs} | {str(g.cc) for g in kb.gpus}
    return sorted(found, key=cc_tuple)
