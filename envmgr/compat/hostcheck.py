"""Verdicts about a stack on a machine: does its CUDA run on this driver, do its kernels run on
these GPUs, and what would run instead. Facts come from the knowledge base (driver table,
official build arch lists); the machine from ``envmgr.host``. Rules for the driver live in
``envmgr.drivers``, rules for GPU architectures in ``envmgr.gpuarch``, the verdict on one build
in ``envmgr.buildfit``.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

from packaging.version import Version

from .buildfit import Fit, fit
from ..knowledge.routes import choose_route, has_cpu, route_offers
from ..knowledge.gpuarch import coverage, sm_of
from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import TorchRelease, cuda_tag
from ..models import CPU, Problem, Resolved


# -- what would work instead ---------------------------------------------------------------------

@dataclass(frozen=True)
class Option:
    torch: str
    cuda: str
    route: str
    verified: bool          # the arch list is known (not just "nothing known against it")
    sass: bool              # real kernels for every GPU, not PTX JIT
    native: bool            # the driver runs it without minor-version compatibility

    def label(self) -> str:
        return f"torch {self.torch} + {cuda_tag(self.cuda)}, {self.route} route"


def _uses_ptx(verdict: Fit) -> bool:
    return any(p.code == "gpu-arch-ptx" for p in verdict.problems)


def offered_variants(release: TorchRelease, platform: str) -> list[str]:
    found = set(release.conda_cuda()) | set(release.pip_cuda()) | set(release.conda_forge_cuda(platform))
    return sorted(found, key=Version)


def working_options(kb: KnowledgeBase, release: TorchRelease, host, platform: str) -> list[Option]:
    options = []
    for cuda in offered_variants(release, platform):
        for route in ("pytorch", "conda-forge", "pip"):
            if not route_offers(release, route, cuda, [platform]):
                continue
            verdict = fit(kb, release.torch, cuda, route, host)
            if verdict.driver_ok and verdict.arch_ok:
                options.append(Option(release.torch, cuda, route, verdict.arch_known,
                                      not _uses_ptx(verdict), verdict.driver_how in ("native", "unknown")))
    return options


def _closest(options: list[Option], cuda: str, route: str) -> Option | None:
    if not options:
        return None
    wanted = Version(cuda)

    def rank(o: Option):
        gap = abs((Version(o.cuda).major - wanted.major) * 100 + Version(o.cuda).minor - wanted.minor)
        return (not o.verified, not o.sass, o.route != route, gap, -Version(o.cuda).major, -Version(o.cuda).minor)
    return min(options, key=rank)


def _releases_by_distance(kb: KnowledgeBase, torch: str) -> list[TorchRelease]:
    here = Version(torch)

    def rank(r: TorchRelease):
        v = r.version
        return (abs((v.major - here.major) * 100 + v.minor - here.minor), v < here, -v.micro)
    return sorted((r for r in kb.releases if r.minor != f"{here.major}.{here.minor}"), key=rank)


def nearest_working(kb: KnowledgeBase, resolved: Resolved, host) -> list[Option]:
    """Up to two stacks that run here: the same torch first, then the nearest other release."""
    platform = host.platform
    release = kb.release(resolved.torch)
    found = []
    if release:
        same = _closest(working_options(kb, release, host, platform), resolved.cuda, resolved.route)
        if same and same.verified:
            found.append(same)
    for other in _releases_by_distance(kb, resolved.torch):
        if len(found) == 2 or (found and found[0].torch != resolved.torch):
            break
        choice = _closest([o for o in working_options(kb, other, host, platform) if o.verified],
                          resolved.cuda, resolved.route)
        if choice:
            found.append(choice)
    return found


def _fix_text(kb: KnowledgeBase, resolved: Resolved, host, options: list[Option], driver_fix: str | None,
              works: str = "runs here") -> str | None:
    parts = []
    if options and options[0].torch == resolved.torch:
        parts.append(f'cuda: "{options[0].cuda}" ({options[0].label()}, {works})')
        options = options[1:]
    for option in options:
        parts.append(f'stack: "torch {option.torch} + {cuda_tag(option.cuda)}" ({option.route}), '
                     f"the nearest release that {works}")
    if driver_fix:
        parts.append(driver_fix)
    return "; or ".join(parts) or None


def _driver_upgrade(kb: KnowledgeBase, cuda: str, os_name: str) -> str | None:
    toolkit = kb.toolkit(cuda)
    if toolkit is None:
        return None
    minimum = toolkit.min_driver(os_name, minor_compat=True)
    return f"upgrade the NVIDIA driver to >= {minimum}" if minimum else None


def _attach_fixes(kb: KnowledgeBase, resolved: Resolved, host, problems: list[Problem]) -> None:
    """The nearest stacks that run here; for an arch error with none, the ones that would after a
    driver upgrade (the GPU cannot change, the driver can)."""
    options = nearest_working(kb, resolved, host)
    driver_fix = _driver_upgrade(kb, resolved.cuda, host.os)
    works = "runs here" if host.driver_known else "has kernels for this GPU"   # driver unchecked
    for problem in problems:
        if problem.severity != "error" or problem.fix:
            continue
        if problem.code == "driver-too-old":
            problem.fix = _fix_text(kb, resolved, host, options, driver_fix)
        elif options:
            problem.fix = _fix_text(kb, resolved, host, options, None, works)
        else:
            unlimited = replace(host, driver_version=None, max_cuda=None)
            later = nearest_working(kb, resolved, unlimited)
            upgrade = _driver_upgrade(kb, later[0].cuda, host.os) if later else None
            problem.fix = _fix_text(kb, resolved, host, later, upgrade,
                                    works="has kernels for this GPU")


# -- a GPU box where no CUDA build of the release runs ------------------------------------------------

@dataclass(frozen=True)
class Upgrade:
    driver: str             # the oldest driver that runs ``cuda`` on these GPUs
    cuda: str               # the variant of the requested release it would run


@dataclass(frozen=True)
class GpuAlternatives:
    stack: Option | None    # the nearest other release that runs here, with the route `new` picks
    upgrade: Upgrade | None  # or keep the release, after a driver upgrade


def _as_new_writes(kb: KnowledgeBase, release: TorchRelease, host, platform: str) -> Option | None:
    """The best verified option among those ``envmgr new "torch X + cuYZ"`` reproduces exactly
    (the route it would choose for that variant)."""
    options = [o for o in working_options(kb, release, host, platform)
               if o.verified and o.route == choose_route(release, o.cuda, [platform])[0]]
    return max(options, key=lambda o: (o.sass, o.native, Version(o.cuda)), default=None)


def _driver_upgrade_for(kb: KnowledgeBase, release: TorchRelease, host, platform: str) -> Upgrade | None:
    """The variant of ``release`` with kernels for these GPUs, and the oldest driver that runs it
    (checked: under minor-version compatibility PTX cannot be JIT-compiled, so that driver may not do)."""
    if not host.driver_known or not host.gpus:
        return None
    from ..knowledge.drivers import max_cuda_for_driver

    cuda, _ = best_variant(release, replace(host, driver_version=None, max_cuda=None), kb, platform)
    toolkit = kb.toolkit(cuda) if cuda != CPU else None
    route = choose_route(release, cuda, [platform])[0]
    if toolkit is None or route is None:
        return None
    for minimum in dict.fromkeys(filter(None, (toolkit.min_driver(host.os, minor_compat=True),
                                               toolkit.min_driver(host.os, minor_compat=False)))):
        newest, _ = max_cuda_for_driver(minimum, kb, host.os)
        upgraded = replace(host, driver_version=minimum, max_cuda=newest)
        verdict = fit(kb, release.torch, cuda, route, upgraded)
        if verdict.driver_ok and verdict.arch_ok and verdict.arch_known:
            return Upgrade(minimum, cuda)
    return None


def gpu_alternatives(release: TorchRelease, host, kb: KnowledgeBase, platform: str) -> GpuAlternatives | None:
    """When no CUDA build of ``release`` runs on this GPU machine: the nearest release that does,
    and the driver upgrade that would let ``release`` run. None when there is nothing to suggest
    (no GPU, or a CUDA build of ``release`` runs)."""
    if not (host.has_gpu and host.runs_cuda) or best_variant(release, host, kb, platform)[0] != CPU:
        return None
    nearest = None
    for other in _releases_by_distance(kb, release.torch):
        nearest = _as_new_writes(kb, other, host, platform)
        if nearest:
            break
    found = GpuAlternatives(nearest, _driver_upgrade_for(kb, release, host, platform))
    return found if found.stack or found.upgrade else None


def suggest_for_new(release: TorchRelease, host, kb: KnowledgeBase, platform: str, name: str
                    ) -> str | None:
    """What ``envmgr new NAME "torch X"`` says after writing the CPU build on a GPU machine where
    no CUDA build of X runs: the commands that give a stack with GPU support. None otherwise."""
    found = gpu_alternatives(release, host, kb, platform)
    if found is None:
        return None
    parts = []
    if found.stack:
        shorthand = f"torch {found.stack.torch} + {cuda_tag(found.stack.cuda)}"
        parts.append(f'nearest stack with GPU support: {shorthand}: envmgr new {name} "{shorthand}" --force')
    if found.upgrade:
        shorthand = f"torch {release.torch} + {cuda_tag(found.upgrade.cuda)}"
        parts.append(f"upgrade the NVIDIA driver to >= {found.upgrade.driver}, then "
                     f'envmgr new {name} "{shorthand}" --force')
    return "; or ".join(parts)


def _gpu_fix(release: TorchRelease, host, kb: KnowledgeBase) -> str | None:
    """The fix of a CPU spec on a GPU machine where no CUDA build of its release runs."""
    found = gpu_alternatives(release, host, kb, host.platform)
    if found is None:
        return None
    parts = []
    if found.stack:
        parts.append(f'stack: "torch {found.stack.torch} + {cuda_tag(found.stack.cuda)}" '
                     f"({found.stack.route}), the nearest release with GPU support here")
    if found.upgrade:
        parts.append(f"upgrade the NVIDIA driver to >= {found.upgrade.driver} and use "
                     f'cuda: "{found.upgrade.cuda}"')
    return "; or ".join(parts)


# -- the public checks ---------------------------------------------------------------------------

DRIVER_UNKNOWN = "driver unknown: set ENVMGR_DRIVER_VERSION or CONDA_OVERRIDE_CUDA to check it"


def _driver_words(host) -> str:
    if host.driver_version:
        return f"driver {host.driver_version}" + (f" (CUDA <= {host.max_cuda})" if host.max_cuda else "")
    return f"the target (CUDA <= {host.max_cuda})" if host.max_cuda else "an unknown driver"


def _unchecked_driver(resolved: Resolved, host, verdict: Fit) -> Problem | None:
    """A note when the driver could not be judged: none known (ENVMGR_GPU alone), or a CUDA
    missing from the driver table."""
    if not host.driver_known:
        return Problem(code="driver-unknown", severity="note", key="cuda",
                       message=f"{DRIVER_UNKNOWN} (only the GPU architecture was checked)")
    if verdict.driver_how == "unknown":
        return Problem(code="driver-unknown", severity="note", key="cuda",
                       message=f"CUDA {resolved.cuda} is not in envmgr's driver table: the driver "
                               "was not checked")
    return None


def _gpu_summary(host) -> str:
    parts = [f"{g.name} ({g.sm})" if g.sm else g.name for g in host.gpus]
    return ", ".join(dict.fromkeys(parts)) or "no GPU"


def host_problems(resolved: Resolved, host, kb: KnowledgeBase) -> list[Problem]:
    """Problems of running ``resolved`` on ``host``: driver, GPU architectures, CPU on a GPU box."""
    release = kb.release(resolved.torch)
    if not resolved.is_cuda:
        if host.has_gpu and host.runs_cuda and release:
            cuda, reason = best_variant(release, host, kb, host.platform)
            return [Problem(code="cpu-build-on-gpu", severity="warning", key="cuda",
                            message=f"this is a CPU-only build; torch will not use {_gpu_summary(host)}",
                            fix=f'cuda: "{cuda}" ({reason})' if cuda != CPU else _gpu_fix(release, host, kb))]
        return []
    if not host.runs_cuda:
        toolkit = kb.toolkit(resolved.cuda)
        needs = toolkit.min_driver(host.os, minor_compat=True) if toolkit else None
        why = ("CONDA_OVERRIDE_CUDA is empty" if host.cuda_disabled and "CONDA_OVERRIDE_CUDA" in host.overrides
               else "no NVIDIA GPU found on this machine")
        return [Problem(code="no-gpu", severity="note", key="cuda",
                        message=f"{why}: the CUDA {resolved.cuda} build still locks and installs "
                                f"(for another machine), and runs where an NVIDIA driver"
                                f"{f' >= {needs}' if needs else ''} is present")]
    verdict = fit(kb, resolved.torch, resolved.cuda, resolved.route, host)
    problems = list(verdict.problems)
    if any(p.severity == "error" for p in problems):
        _attach_fixes(kb, resolved, host, problems)
    unchecked = _unchecked_driver(resolved, host, verdict)
    if unchecked:
        problems.append(unchecked)
    for gpu in host.gpus:
        if not gpu.compute_capability:
            problems.append(Problem(code="gpu-capability-unknown", severity="note",
                                    message=f"compute capability of {gpu.name} is unknown: its "
                                            "architecture was not checked",
                                    fix="set ENVMGR_GPU=sm_XY (e.g. sm_86) to state it"))
    if not host.gpus:
        problems.append(Problem(code="no-gpu-to-check", severity="note",
                                message="no GPU to check the build's architectures against",
                                fix="set ENVMGR_GPU to the target GPU (e.g. ENVMGR_GPU=sm_86)"))
    if host.platform not in resolved.platforms:
        problems.append(Problem(code="platform-not-locked", severity="warning", key="platforms",
                                message=f"this machine is {host.platform}, which the spec does not "
                                        f"lock ({', '.join(resolved.platforms)})",
                                fix=f"platforms: add {host.platform}"))
    return problems


def best_variant(release: TorchRelease, host, kb: KnowledgeBase, platform: str = "linux-64"
                 ) -> tuple[str, str]:
    """The CUDA variant of ``release`` that suits this machine best, with a one-line reason."""
    if not host.runs_cuda or (not host.gpus and not host.max_cuda):
        if not has_cpu(release, platform):
            newest = offered_variants(release, platform)[-1:]
            return (newest[0] if newest else CPU,
                    f"no NVIDIA GPU found, and torch {release.torch} has no CPU build")
        return CPU, "no NVIDIA GPU found on this machine: the CPU build"
    scored = []
    for cuda in offered_variants(release, platform):
        route, _ = choose_route(release, cuda, [platform])
        if not route:
            continue
        verdict = fit(kb, release.torch, cuda, route, host)
        if verdict.driver_ok and verdict.arch_ok:
            scored.append(((verdict.arch_known, not _uses_ptx(verdict),
                            verdict.driver_how != "minor-compat", Version(cuda)), cuda, verdict))
    driver = _driver_words(host)
    if not scored:
        return CPU, _no_cuda_build_runs(kb, release, host, platform) + ": the CPU build"
    (known, _sass, native, _), cuda, _ = max(scored, key=lambda s: s[0])
    kernels = f" with kernels for {_gpu_summary(host)}" if host.gpus else ""
    unverified = ""
    if not known:   # the arch list is unknown: nothing was checked, so claim no kernels
        sms = " ".join(dict.fromkeys(g.sm for g in host.gpus if g.sm))
        kernels, unverified = "", (f"; kernels for {sms} not verified (the arch list of torch "
                                   f"{release.torch} + {cuda_tag(cuda)} is not in envmgr's tables)")
    if not host.driver_known:
        return cuda, (f"{cuda_tag(cuda)}: the newest CUDA variant of torch {release.torch}{kernels}"
                      f"{unverified}; {DRIVER_UNKNOWN}")
    how = "natively" if native else "through minor-version compatibility"
    return cuda, (f"{cuda_tag(cuda)}: the newest CUDA variant of torch {release.torch} that {driver} "
                  f"runs {how}{kernels}{unverified}")


def _no_cuda_build_runs(kb: KnowledgeBase, release: TorchRelease, host, platform: str) -> str:
    """Why no CUDA build of ``release`` runs here: the GPU (no kernels), the driver, or both."""
    variants = offered_variants(release, platform)
    listed = ", ".join(cuda_tag(c) for c in variants) or "none published"
    verdicts = []
    for cuda in variants:
        route, _ = choose_route(release, cuda, [platform])
        if route:
            verdicts.append(fit(kb, release.torch, cuda, route, host))
    gpus, driver = _gpu_summary(host), _driver_words(host)
    if verdicts and all(v.driver_ok for v in verdicts):
        why = f"none has kernels for {gpus}"
    elif verdicts and all(v.arch_ok for v in verdicts):
        have = host.driver_version or f"the target's, CUDA <= {host.max_cuda}"
        why = f"each needs a newer NVIDIA driver than {have}"
    else:
        why = f"none runs with {driver} on {gpus}"
    return f"no CUDA build of torch {release.torch} ({listed}) runs here: {why}"


def device_arch_problems(arch_list: list[str], capability: str, device: str = "this GPU"
                         ) -> list[Problem]:
    """Compare ``torch.cuda.get_arch_list()`` with a device's capability (``envmgr verify``)."""
    sm = sm_of(capability)
    listed = " ".join(arch_list) or "nothing"
    if not arch_list:
        return [Problem(code="gpu-arch-unsupported",
                        message=f"this torch was built without CUDA kernels; {device} is {sm}")]
    found = coverage(arch_list, capability)
    if not found.covered:
        return [Problem(code="gpu-arch-unsupported",
                        message=f"{device} is {sm} (compute capability {capability}); this torch "
                                f"carries kernels for {listed} and no PTX it can JIT: "
                                "'no kernel image is available for execution on the device'",
                        fix="recreate the environment with a CUDA variant whose build covers "
                            f"{sm} (envmgr doctor lists which)")]
    if found.via_ptx:
        return [Problem(code="gpu-arch-ptx", severity="warning",
                        message=f"{device} ({sm}) runs this torch only through {found.how}: "
                                "the first CUDA call compiles kernels and is slow")]
    return []
