"""compat: check a spec against the knowledge base and decide the stack it resolves to.

``check(spec)`` returns the resolved stack (when valid) and every problem found, each with the
fact behind it, its source and the nearest fix. It never touches the machine: host checks
(driver, GPU architecture) live in ``hostcheck``; the install route is chosen by ``routes``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from packaging.version import InvalidVersion

from ..knowledge.facts import KnowledgeBase, TorchRelease, cuda_tag, load, parsed_version
from ..models import (CPU, default_platforms, PLATFORMS, ROUTES, CoPin, Problem, ProblemReport,
                     Resolved, Spec)
from ..knowledge.routes import (ROUTE_NAMES, choose_route, default_cuda, has_cpu, route_offers,
                                route_pythons, stable_pythons)
from ..knowledge.variants import conda_specs, default_channels, pip_lines


@dataclass
class CheckResult(ProblemReport):
    name: str
    resolved: Resolved | None
    problems: list[Problem] = field(default_factory=list)

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok,
                "problems": [p.to_json() for p in self.problems],
                "resolved": self.resolved.summary() if self.resolved else None}


def _vkey(text: str):
    try:
        return parsed_version(text)
    except InvalidVersion:
        return parsed_version("0")


def _distance(a: str, b: str) -> float:
    """How far apart two versions are, for "nearest" suggestions: 12.1 is nearer 11.3 than 11.1."""
    def scale(text: str) -> float:
        major, minor, patch = (_vkey(text).release + (0, 0))[:3]
        return major * 100 + minor + patch / 100

    return abs(scale(a) - scale(b))


def nearest(wanted: str, options: list[str]) -> str | None:
    """The option closest to ``wanted``; on a tie, the newer one."""
    if not options:
        return None
    return min(options, key=lambda o: (_distance(wanted, o), -_vkey(o).release[0], -_vkey(o).release[1]))


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
    return max(release.python, key=_vkey)


def _route_default_python(release: TorchRelease, route: str | None, platforms: list[str]) -> str:
    """The newest documented python the route has a build of, else the route's newest."""
    if route is None:
        return default_python(release)
    stable = stable_pythons(release, route, platforms)
    documented = [p for p in stable if p in release.python]
    if documented or stable:
        return max(documented or stable, key=_vkey)
    return default_python(release)


PYPI_SOURCE = "pypi-recorded"      # sources.yaml: the PyPI responses the shipped PyPI facts come from


def _overlay_cite(kb: KnowledgeBase, release: TorchRelease) -> str:
    """The source of a fact read from PyPI: the overlay when it set the row, else the recording."""
    if release.overlay_source:
        return f"knowledge overlay: {release.overlay_source}"
    return kb.cite([PYPI_SOURCE] if PYPI_SOURCE in release.sources else release.sources)


def _python_with_companions(release: TorchRelease, companions, route: str, python: str,
                            platforms: list[str]) -> str | None:
    """The python nearest ``python`` that the route has torch for and one of ``companions`` has
    wheels for, on every platform."""
    stable = stable_pythons(release, route, platforms)
    fits = [p for p in stable if any(not _lacks_python(c, p, platforms, release) for c in companions)]
    return nearest(python, fits) if fits else None


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


# -- torchvision / torchaudio ----------------------------------------------------------------

def paired(release: TorchRelease, package: str, route: str | None) -> str | None:
    """The torchvision/torchaudio release paired with ``release`` on ``route``."""
    builds = release.conda if route == "pytorch" else release.pip if route == "pip" else None
    override = getattr(builds, package, None) if builds else None
    if override is False:           # the route publishes no such companion for this release
        return None
    return override or getattr(release, package)


def _lacks_python(companion, python: str, platforms: list[str], release: TorchRelease) -> list[str]:
    """The platforms where torch has a PyPI wheel for ``python`` and ``companion`` has none."""
    torch_tags = release.pypi_python or {}
    return [p for p in platforms if python in (torch_tags.get(p) or ())
            and python not in (companion.python.get(p) or ()) and "py3" not in (companion.python.get(p) or ())]


def _companion(kb: KnowledgeBase, release: TorchRelease, package: str, wanted: str | None,
               route: str | None, python: str | None = None,
               platforms: list[str] | None = None) -> tuple[str | None, Problem | None]:
    pair = paired(release, package, route)
    override = route in ("pytorch", "pip") and getattr(release.conda if route == "pytorch" else release.pip,
                                                       package, None)
    # A route's own pairing (the pytorch channel's documented one) wins over the PyPI pins;
    # False: that route publishes no such companion for this release.
    known = [] if override or override is False else release.companion_releases(package)
    if wanted == "none" or (override is False and wanted is None):
        return None, None
    matches = lambda v: wanted is None or v == wanted or v.startswith(wanted + ".")  # noqa: E731
    if known:
        fitting = [c for c in known if matches(c.version)]
        if route == "pip" and python and platforms:
            usable = [c for c in fitting if not _lacks_python(c, python, platforms, release)]
        else:
            usable = fitting
        pick = ([c for c in usable if not c.yanked] or usable)
        pick = [c for c in pick if c.version == pair] or pick
        if pick:
            chosen = max(pick, key=lambda c: _vkey(c.version))
            if chosen.yanked:
                return chosen.version, Problem(
                    code=f"{package}-yanked", key=package, severity="warning",
                    message=f"{package} {chosen.version} is yanked on PyPI",
                    fact=f"PyPI marks every file of {package} {chosen.version} yanked",
                    source=_overlay_cite(kb, release),
                    fix=f"{package}: \"{pair}\"" if pair and pair != chosen.version else f"{package}: none")
            return chosen.version, None
        if fitting:
            lacking = sorted({p for c in fitting for p in _lacks_python(c, python, platforms, release)})
            names = ", ".join(c.version for c in fitting)
            message = (f"{package} {names} (paired with torch {release.torch}) has no wheel for "
                       f"python {python} on {', '.join(lacking)}")
            other = _python_with_companions(release, fitting, route, python, platforms)
            with_it = f"python: \"{other}\" to have {package}" if other else f"no python has {package} {names}"
            if wanted is None:
                return None, Problem(code=f"{package}-left-out", key=package, severity="note",
                                     message=message + f"; the stack leaves {package} out",
                                     fact=f"the cpXY tags of {package}'s wheels on PyPI",
                                     source=_overlay_cite(kb, release),
                                     fix=f"{with_it}; or {package}: none to say it is left out")
            return None, Problem(code=f"{package}-python", key=package, message=message,
                                 fact=f"the cpXY tags of {package}'s wheels on PyPI",
                                 source=_overlay_cite(kb, release), fix=f"{with_it}; or {package}: none")
    if wanted is None:
        return pair, None
    if pair and (wanted == pair or pair.startswith(wanted + ".")):
        return pair, None
    owners = [r.torch for r in kb.releases if getattr(r, package) == wanted
              or (getattr(r, package) or "").startswith(wanted + ".")
              or any(c.version == wanted for c in r.companion_releases(package))]
    accepted = [c.version for c in known] or ([pair] if pair else [])
    if accepted:
        message = (f"{package} {wanted} does not pair with torch {release.torch}, which pairs with "
                   f"{package} {', '.join(accepted)}")
    else:
        message = f"torch {release.torch} has no paired {package} release"
    if owners:
        message += f"; {package} {wanted} pairs with torch {', '.join(owners)}"
    fix = f"{package}: \"{pair}\"" if pair else f"{package}: none"
    if owners:
        fix += f" (or torch: \"{owners[-1]}\")"
    return pair, Problem(code=f"{package}-mismatch", key=package, message=message,
                         fact=f"each torch release pairs with the {package} releases whose Requires-Dist pins it",
                         source=kb.cite(release.sources), fix=fix)


# -- platforms, co-pins ----------------------------------------------------------------------

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
    torchvision, tv_problem = _companion(kb, release, "torchvision", spec.torchvision, route,
                                         python, platforms)
    torchaudio, ta_problem = _companion(kb, release, "torchaudio", spec.torchaudio, route,
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
                                source=_overlay_cite(kb, release), fix="torch: another patch release"))

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


__all__ = ["CheckResult", "check", "default_python", "nearest", "paired", "variant_label"]
