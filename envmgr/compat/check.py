"""compat: check a spec against the knowledge base and decide the stack it resolves to.

``check(spec)`` returns the resolved stack (when valid) and every problem found, each with the
fact behind it, its source and the nearest fix. It never touches the machine: host checks
(driver, GPU architecture) live in ``hostcheck``; the install route is chosen by ``routes``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..knowledge.facts import KnowledgeBase, load
from ..knowledge.records import TorchRelease, cuda_tag
from ..models import (CPU, default_platforms, PLATFORMS, ROUTES, CoPin, Problem, ProblemReport,
                     Resolved, Spec)
from ..knowledge.routes import (ROUTE_NAMES, choose_route, default_cuda, has_cpu, route_offers,
                                route_pythons, stable_pythons)
from ..knowledge.variants import conda_specs, default_channels, pip_lines
from .companions import companion, pypi_cite
from .versions import nearest, version_key


@dataclass
class CheckResult(ProblemReport):
    name: str
    resolved: Resolved | None
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok,
                "problems": [p.to_json() for p in self.problems],
                "resolved": self.resolved.summary() if self.resolved else None}


# -- torch -----------------------------------------------------------------------------------

def _unknown_torch(kb: KnowledgeBase, torch: str) -> Problem:
    from .nearest_release import unknown_torch

    return unknown_torch(kb, torch)


# -- CUDA ------------------------------------------------------------------------------------

def variant_label(release: TorchRelease, cuda: str) -> str:
    """"11.1 (pip)" for a variant the release's conda route does not publish."""
    conda_variants = set(release.conda_cuda()) | set(release.conda_forge_cuda())
    if not conda_variants or cuda in conda_variants:
        return cuda
    return f"{cuda} (pip)"


def _torch_range_for_cuda(kb: KnowledgeBase, release: TorchRelease, cuda: str) -> str | None:
    built = [r for r in kb.releases if cuda in r.all_cuda()]
    if not built:
        return None
    first, last = built[0], built[-1]
    if release.version < first.version:
        tail = f" (built up to torch {last.torch})" if last is not kb.releases[-1] else ""
        return f"CUDA {cuda} needs torch >= {first.minor}{tail}"
    if release.version > last.version:
        return f"CUDA {cuda} was last built for torch {last.torch}"
    return f"CUDA {cuda} builds exist for torch {first.torch} to {last.torch}"


def _cuda_problem(kb: KnowledgeBase, release: TorchRelease, cuda: str) -> Problem | None:
    if cuda == CPU:
        if has_cpu(release):
            return None
        return Problem(code="cpu-not-built", key="cuda",
                       message=f"torch {release.torch} has no CPU build envmgr knows",
                       source=kb.cite(release.sources), fix="cuda: a CUDA variant")
    variants = release.all_cuda()
    if cuda in variants:
        return None
    labels = ", ".join(variant_label(release, v) for v in variants) or "no CUDA variant"
    near = nearest(cuda, variants)
    parts = [f"torch {release.torch} was built for CUDA {labels}"]
    if near:
        parts.append(f"nearest: {cuda_tag(near)}")
    span = _torch_range_for_cuda(kb, release, cuda)
    if span:
        parts.append(span)
    elif kb.toolkit(cuda) is None:
        parts.append(f"CUDA {cuda} is not a CUDA toolkit envmgr knows")
    fix = f"cuda: \"{near}\"" if near else "cuda: cpu"
    return Problem(code="cuda-not-built", key="cuda", message="; ".join(parts),
                   fact=f"CUDA variants of torch {release.torch} (conda and pip)",
                   source=kb.cite(release.sources), fix=fix)


# -- python ----------------------------------------------------------------------------------

def default_python(release: TorchRelease) -> str:
    return max(release.python, key=version_key)


def _route_default_python(release: TorchRelease, route: str | None, platforms: list[str]) -> str:
    """The newest documented python the route has a build of, else the route's newest."""
    if route is None:
        return default_python(release)
    stable = stable_pythons(release, route, platforms)
    documented = [p for p in stable if p in release.python]
    if documented or stable:
        return max(documented or stable, key=version_key)
    return default_python(release)


def _python_problem(kb: KnowledgeBase, release: TorchRelease, python: str,
                    route: str | None = None, platforms: list[str] | None = None,
                    cuda: str | None = None) -> Problem | None:
    """Judged by the facts of ``route`` (the one the stack really takes) when it is known."""
    platforms = platforms or ["linux-64"]
    allowed = (route_pythons(release, route, platforms) if route
               else list(release.python) + list(release.python_experimental))
    if python in allowed:
        if python in release.python_experimental or (python.endswith("t") and python not in release.python):
            return Problem(code="python-experimental", key="python", severity="warning",
                           message=f"torch {release.torch} supports python {python} only experimentally: "
                                   "some channels and indexes publish no build for it",
                           fact=f"torch {release.torch} lists python {python} as experimental",
                           source=kb.cite(release.sources), fix=f"python: \"{default_python(release)}\"")
        return None
    supported = (stable_pythons(release, route, platforms) if route else []) or release.python
    span = f"{supported[0]} to {supported[-1]}" if len(supported) > 1 else supported[0]
    near = nearest(python.rstrip("t"), supported)
    where = f" on {ROUTE_NAMES[route]} ({', '.join(platforms)})" if route else ""
    fix = f"python: \"{near}\""
    others = [r for r in ROUTES if r != route and cuda and route_offers(release, r, cuda, platforms)
              and python in route_pythons(release, r, platforms)]
    if others and route:
        fix += f" (or route: {others[0]}, which has python {python})"
    return Problem(code="python-unsupported", key="python",
                   message=f"torch {release.torch} supports python {span}, not {python}{where}; "
                           f"nearest: {near}",
                   fact=f"python versions the builds of torch {release.torch} exist for"
                        + (f" ({ROUTE_NAMES[route]}: its wheel tags or repodata)" if route else ""),
                   source=kb.cite(release.sources), fix=fix)



def _platform_problems(platforms: list[str], cuda: str) -> list[Problem]:
    problems = []
    for platform in platforms:
        if platform not in PLATFORMS:
            problems.append(Problem(code="unknown-platform", key="platforms",
                                    message=f"platform {platform} is not supported",
                                    fix=f"platforms: one of {', '.join(PLATFORMS)}"))
        elif platform.startswith("osx") and cuda != CPU:
            problems.append(Problem(code="platform-cuda", key="platforms",
                                    message=f"CUDA builds do not exist for {platform}",
                                    fact="NVIDIA CUDA is not available on macOS",
                                    fix="cuda: cpu, or drop " + platform))
    return problems


_TORCH_FAMILY = ("torch", "torchvision", "torchaudio", "pytorch")


def _pip_torch_family_problems(pip_lines: list[str]) -> list[Problem]:
    """The torch family comes from the stack; a pip line for it would install it a second time."""
    import re

    problems = []
    for line in pip_lines:
        match = re.match(r"\s*([A-Za-z0-9][A-Za-z0-9._-]*)", line)
        name = match.group(1).lower().replace("_", "-") if match and not line.lstrip().startswith("-") else ""
        if name in _TORCH_FAMILY:
            key = "torch" if name == "pytorch" else name
            problems.append(Problem(
                code="torch-twice", key="pip",
                message=f"`pip: {line.strip()}` would install {key} a second time: the stack already "
                        f"installs {key} (its version and CUDA variant come from the spec's fields)",
                fact="torch, torchvision and torchaudio are pinned by the stack, for the route that "
                     "publishes the variant",
                fix=f"remove it from `pip:` and set `{key}:` (or `stack:`) instead"))
    return problems


def _mixes_macos(platforms: list[str]) -> bool:
    macos = [p.startswith("osx") for p in platforms]
    return any(macos) and not all(macos)


def copins_for(kb: KnowledgeBase, torch: str, route: str, platforms: list[str]) -> list[CoPin]:
    pins = []
    for rule in kb.copins:
        if not rule.applies(torch, route, platforms):
            continue
        subset = [p for p in platforms if p in rule.platforms] if rule.platforms else []
        pins.append(CoPin(spec=rule.spec, reason=rule.reason, source=kb.cite(rule.sources),
                          platforms=subset if subset and len(subset) < len(platforms) else None))
    return pins


def _as_of_problem(spec: Spec, release: TorchRelease) -> Problem | None:
    """`as_of` is checked here as `lock` checks it, so `check` never passes what `lock` refuses."""
    if not spec.as_of:
        return None
    from ..knowledge.asof import SPEC, cutoff_for
    from ..errors import EnvmgrError

    try:
        cutoff_for(spec.as_of, release.torch, SPEC)
    except EnvmgrError as err:
        return Problem(code="as-of-invalid", key="as_of", message=err.message, fix=err.fix,
                       fact="as_of is a past date YYYY-MM-DD, or `release` (the torch release date "
                            "plus a margin)")
    return None


# -- the whole check -------------------------------------------------------------------------

def _candidates(kb: KnowledgeBase, torch: str) -> list[TorchRelease]:
    """The releases ``torch`` may mean: an exact patch, or every patch of a minor, newest first."""
    exact = kb.release(torch)
    if exact is None or exact.torch == torch or len(torch.split(".")) != 2:
        return [exact] if exact else []
    return sorted((r for r in kb.releases if r.minor == torch), key=lambda r: r.version, reverse=True)


def check(spec: Spec, kb: KnowledgeBase | None = None) -> CheckResult:
    """Check ``spec``. A minor (``torch: "1.8"``) means its newest patch that fits the rest of the
    spec (CUDA, python, platforms...), so "torch 1.8 + cu111 + py3.9" is 1.8.1, not the 1.8.2 LTS
    that lacks python 3.9; with no patch that fits, the newest patch's problems are reported."""
    kb = kb or load()
    candidates = _candidates(kb, spec.torch) if spec.torch else []
    if not candidates:
        result = CheckResult(name=spec.name, resolved=None)
        result.problems.append(_unknown_torch(kb, spec.torch or "?"))
        return result
    newest = _check_release(spec, kb, candidates[0])
    if newest.ok:
        return newest
    for release in candidates[1:]:
        older = _check_release(spec, kb, release)
        if older.ok:
            older.problems.insert(0, Problem(
                code="older-patch", key="torch", severity="note",
                message=f"torch {spec.torch} means {release.torch} here: the newest {spec.torch} "
                        f"release, {candidates[0].torch}, does not fit ({newest.errors[0].message})",
                fix=f"torch: \"{release.torch}\" to say so, or change the rest of the spec for "
                    f"{candidates[0].torch}"))
            return older
    return newest


def _check_release(spec: Spec, kb: KnowledgeBase, release: TorchRelease) -> CheckResult:
    result = CheckResult(name=spec.name, resolved=None)
    problems = result.problems

    cuda = spec.cuda or default_cuda(release)
    platforms = list(spec.platforms or default_platforms())
    problems += _platform_problems(platforms, cuda)
    cuda_problem = _cuda_problem(kb, release, cuda)
    if cuda_problem:
        problems.append(cuda_problem)

    route, route_reason = None, ""
    python_route = None
    if not cuda_problem:
        if spec.route:
            route = spec.route
            route_reason = "forced by the spec"
            if route not in ROUTES or not route_offers(release, route, cuda, platforms):
                problems.append(Problem(
                    code="route-unavailable", key="route",
                    message=f"route {route} does not publish torch {release.torch} "
                            f"{'CPU' if cuda == CPU else 'CUDA ' + cuda}",
                    fix="remove `route:` to let envmgr choose"))
                route = None
        else:
            route, route_reason = choose_route(release, cuda, platforms, spec.python)
            if route is None and spec.python:
                base, _ = choose_route(release, cuda, platforms)
                if base is not None:
                    python_route = base      # the variant exists, no build for this python
            if route is None and python_route is None:
                problems.append(Problem(code="no-route", key="platforms",
                                        message=f"torch {release.torch}: {route_reason} "
                                                f"for {', '.join(platforms)}",
                                        fix="platforms: [linux-64]"))

    if route == "pip" and _mixes_macos(platforms):
        problems.append(Problem(
            code="platform-mix", key="platforms",
            message=f"torch {release.torch} comes from wheels here, and macOS takes PyPI's untagged "
                    f"wheel while {', '.join(p for p in platforms if not p.startswith('osx'))} "
                    f"takes the `+{cuda_tag(cuda)}` one: one pip list cannot pin both",
            fact="download.pytorch.org tags Linux and Windows wheels `+cpu`/`+cuXYZ`; macOS wheels "
                 "carry no tag",
            fix="split the macOS platform into its own spec"))
        route = None

    problems += _pip_torch_family_problems(spec.pip)
    python = spec.python or _route_default_python(release, route, platforms)
    python_problem = _python_problem(kb, release, python, route or python_route, platforms, cuda)
    if python_problem:
        problems.append(python_problem)
        if python_problem.severity == "error":
            route = None
    torchvision, tv_problem = companion(kb, release, "torchvision", spec.torchvision, route,
                                         python, platforms)
    torchaudio, ta_problem = companion(kb, release, "torchaudio", spec.torchaudio, route,
                                        python, platforms)
    problems += [p for p in (tv_problem, ta_problem) if p]
    if release.from_overlay:
        problems.append(Problem(
            code="overlay-facts", key="torch", severity="note",
            message=f"facts of torch {release.torch} come from the knowledge overlay: "
                    f"{', '.join(release.from_overlay)}",
            fact="`envmgr knowledge refresh` derived them from the indexes",
            source=f"knowledge overlay: {release.overlay_source}",
            fix="envmgr knowledge show lists them; delete the overlay to use only the shipped facts"))
    if release.yanked:
        problems.append(Problem(code="torch-yanked", key="torch", severity="warning",
                                message=f"torch {release.torch} is yanked on PyPI",
                                fact="PyPI marks every file of the release yanked",
                                source=pypi_cite(kb, release), fix="torch: another patch release"))

    as_of_problem = _as_of_problem(spec, release)
    if as_of_problem:
        problems.append(as_of_problem)

    if result.errors or route is None:
        return result
    resolved = Resolved(
        name=spec.name, torch=release.torch, torchvision=torchvision, torchaudio=torchaudio,
        python=python, cuda=cuda, route=route, route_reason=route_reason,
        channels=list(spec.channels) if spec.channels else default_channels(release, route, cuda),
        platforms=platforms, conda=[], pip=[], copins=copins_for(kb, release.torch, route, platforms),
        packages=list(spec.packages), user_pip=list(spec.pip))
    resolved.conda = conda_specs(release, resolved, kb)
    resolved.pip = pip_lines(release, resolved)
    result.resolved = resolved
    return result


__all__ = ["CheckResult", "check", "default_python", "variant_label"]
