"""How one CUDA build of torch fits one machine: does the driver run its CUDA, do its kernels
(or PTX) run on each GPU. ``fit`` gives the verdict and its problems, each with the fact behind it;
``envmgr.hostcheck`` turns verdicts into checks and suggestions. Driver rules: ``envmgr.drivers``;
architecture rules: ``envmgr.gpuarch``.
"""
from __future__ import annotations

from dataclasses import dataclass

from packaging.version import Version

from ..knowledge.drivers import driver_runs
from ..knowledge.gpuarch import arch_list_for, cc_tuple, coverage, sm_of, toolkit_reach, toolkit_targets
from ..knowledge.gpunames import capability_from_sm
from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import cuda_tag
from ..models import Problem


@dataclass
class Fit:
    """How a (torch, cuda, route) build fits the machine."""
    driver_ok: bool
    driver_how: str
    arch_ok: bool
    arch_known: bool
    problems: list[Problem]


def _driver_problem(kb, torch: str, cuda: str, host, verdict) -> Problem | None:
    if verdict.how == "unknown" or verdict.how == "native":
        return None
    toolkit = kb.toolkit(cuda)
    source = kb.cite(toolkit.sources) if toolkit else None
    if verdict.how == "minor-compat":
        return Problem(
            code="driver-minor-compat", severity="note", key="cuda",
            message=f"CUDA {cuda} is newer than this driver's CUDA {host.max_cuda or '?'}: it runs through "
                    f"minor-version compatibility ({verdict.detail}); PTX JIT and newer driver APIs "
                    "are not available",
            fact=f"CUDA {cuda} toolkit driver {verdict.toolkit_driver}; CUDA {Version(cuda).major}.x "
                 f"minor-version compatibility from {verdict.compat_driver}", source=source)
    needs = verdict.toolkit_driver or "?"
    if verdict.compat_driver:
        needs = f"{verdict.compat_driver} (CUDA {Version(cuda).major}.x minor-version compatibility; " \
                f"{verdict.toolkit_driver} is the CUDA {cuda} toolkit driver)"
    allows = f"supports CUDA up to {host.max_cuda}" if host.max_cuda else "supports no CUDA envmgr knows"
    have = (f"this machine has driver {host.driver_version}, which {allows}" if host.driver_version
            else f"the target runs CUDA up to {host.max_cuda}, as CONDA_OVERRIDE_CUDA declares")
    return Problem(
        code="driver-too-old", key="cuda",
        message=f"torch {torch} + {cuda_tag(cuda)} needs NVIDIA driver >= {needs}; {have}",
        fact=f"NVIDIA driver table: CUDA {cuda} needs driver >= {verdict.compat_driver or needs}",
        source=source)


def _toolkit_range(kb, cuda: str) -> str:
    """The rule behind "CUDA X cannot target sm_YZ" (only called when the toolkit's archs are known)."""
    archs = sorted(kb.toolkit(cuda).archs, key=cc_tuple)
    return f"CUDA {cuda} targets compute capabilities {archs[0]}-{archs[-1]}"


PTX_RULE = "PTX for compute_XY is JIT-compiled by the driver for any GPU of compute capability >= X.Y"
# cuda.yaml rows cite these for their driver columns; the rest of a row's sources back its archs.
DRIVER_SOURCES = frozenset({"nvidia-driver-table", "nvidia-minor-compat"})


def _toolkit_arch_sources(kb, cuda: str) -> list[str]:
    toolkit = kb.toolkit(cuda)
    return [s for s in (toolkit.sources if toolkit else ()) if s not in DRIVER_SOURCES]


def _arch_problem(kb, torch: str, cuda: str, host, gpu_cc: str, names: str, arch_list, table,
                  exact: bool, verdict) -> Problem | None:
    sm = sm_of(gpu_cc)
    build = f"torch {torch} + {cuda_tag(cuda)}"
    targets = toolkit_targets(kb, cuda, gpu_cc)
    build_sources = kb.arches_source(table) if table else []
    source = kb.cite(build_sources) if table else None
    toolkit_sources = list(kb.toolkit(cuda).sources) if kb.toolkit(cuda) else []
    # Why a toolkit cannot reach a GPU is a fact about its archs (CMake, clang), not about drivers.
    reach_source = kb.cite(_toolkit_arch_sources(kb, cuda) + build_sources)
    if arch_list is None:
        if targets is False:   # the rule: a toolkit too old to target the GPU is an error
            return Problem(code="gpu-arch-unsupported", key="cuda",
                           message=f"{build} has no kernels for {sm} ({names}): "
                                   f"{toolkit_reach(kb, cuda, gpu_cc)}, and PTX alone is not enough "
                                   f"for CUDA {cuda}'s libraries",
                           fact=_toolkit_range(kb, cuda) + f"; {sm} is outside it", source=reach_source)
        return Problem(code="gpu-arch-unknown", key="cuda", severity="note",
                       message=f"the arch list of {build} is not in envmgr's tables: "
                               f"{sm} ({names}) was not checked")
    found = coverage(arch_list, gpu_cc)
    listed = " ".join(arch_list)
    if found.covered and found.via_ptx and verdict.how == "minor-compat":
        return Problem(code="gpu-arch-ptx-driver", key="cuda",
                       message=f"{names} ({sm}) runs {build} only through its PTX, {found.ptx}, "
                               f"and driver {host.driver_version} is older than CUDA {cuda}: "
                               "it cannot JIT-compile that PTX",
                       fact=f"PTX from CUDA {cuda} is JIT-compiled only by a driver >= "
                            f"{verdict.toolkit_driver or '?'}, the CUDA {cuda} toolkit driver; "
                            "minor-version compatibility does not cover PTX",
                       source=kb.cite(toolkit_sources + build_sources))
    if found.covered and found.via_ptx and targets is False:
        # PTX alone is not enough here: CUDA's own libraries of that toolkit (cuBLAS, cuDNN) have
        # no kernels for a GPU newer than the toolkit, and torch warns "sm_XY is not compatible".
        return Problem(code="gpu-arch-unsupported", key="cuda",
                       message=f"{build} has no kernels for {sm} ({names}): "
                               f"{toolkit_reach(kb, cuda, gpu_cc)}, and the build's only PTX "
                               f"({found.ptx}) is not enough for CUDA {cuda}'s libraries",
                       fact=_toolkit_range(kb, cuda) + f"; {sm} is outside it", source=reach_source)
    if found.covered and found.via_ptx:
        return Problem(code="gpu-arch-ptx", key="cuda", severity="note",
                       message=f"{names} ({sm}) runs {build} only through {found.how}: "
                               "the first start is slow", fact=PTX_RULE, source=source)
    if found.covered:
        return None
    newer_only = all(cc_tuple(c) > cc_tuple(gpu_cc) for c in
                     filter(None, (capability_from_sm(a) for a in arch_list)))
    code = "gpu-arch-dropped" if newer_only else "gpu-arch-unsupported"
    what = (f"{build} dropped {sm} ({names}): its kernels start above it"
            if newer_only else f"{build} has no kernels for {sm} ({names}) and no PTX it can JIT")
    if targets is False:
        what += f"; {toolkit_reach(kb, cuda, gpu_cc)}"
    table_note = "" if exact else f", from envmgr's {table} table"
    return Problem(code=code, key="cuda", severity="error" if exact else "warning",
                   message=f"{what}; the build carries {listed}{table_note}",
                   fact=f"{sm} needs SASS sm_{gpu_cc.split('.')[0]}x, x <= {gpu_cc.split('.')[1]}, "
                        f"or PTX compute_XY <= {sm.split('_')[1]}", source=source)


def fit(kb: KnowledgeBase, torch: str, cuda: str, route: str, host) -> Fit:
    """Driver and architecture verdicts of one CUDA build on ``host``."""
    verdict = driver_runs(cuda, host.driver_version, host.max_cuda, kb, host.os)
    problems = [p for p in [_driver_problem(kb, torch, cuda, host, verdict)] if p]
    by_cc: dict[str, list[str]] = {}
    for gpu in host.gpus:
        if gpu.compute_capability:
            by_cc.setdefault(gpu.compute_capability, []).append(gpu.name)
    arch_list, table, exact = arch_list_for(kb, torch, cuda, route, host.os)
    for gpu_cc, names in by_cc.items():
        label = names[0] if len(names) == 1 else f"{len(names)}x {names[0]}"
        problem = _arch_problem(kb, torch, cuda, host, gpu_cc, label, arch_list, table, exact, verdict)
        if problem:
            problems.append(problem)
    arch_ok = not any(p.code.startswith("gpu-arch") and p.severity in ("error", "warning")
                      for p in problems)
    return Fit(driver_ok=verdict.ok or verdict.how == "unknown", driver_how=verdict.how,
               arch_ok=arch_ok, arch_known=arch_list is not None or not by_cc, problems=problems)
