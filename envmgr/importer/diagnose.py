"""The diagnosis of an imported file: compat's problems, and the ones only an import can see.

Two kinds. About the file as shipped (warnings: the spec envmgr writes does not repeat them):
a CUDA selector the release never used, a bare ``pytorch`` that may silently be the CPU build,
``+cuXYZ`` wheels with no index to find them, torch installed twice, conflicting CUDA claims.
About the spec as written (recomputed after ``--fix``): compat's check, channels that cannot
serve the build or no longer serve it, user pins that fight the knowledge base's co-pins, and
on a machine with a GPU, a GPU the stack cannot drive.
"""
from __future__ import annotations

import re
from packaging.version import InvalidVersion, Version

from ..compat.check import CheckResult, check
from ..knowledge.routes import choose_route, default_cuda
from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import TorchRelease, cuda_tag
from ..models import CPU, default_platforms, Problem, Spec
from ..knowledge.variants import default_channels
from .outcome import FileProblem, Imported, at
from .specs import admits_below, parse_conda, parse_pip

SERVING_CHANNELS = ("pytorch", "pytorch-lts")


def diagnose(imported: Imported, kb: KnowledgeBase) -> tuple[CheckResult, list[Problem]]:
    """compat's result for the spec, and every problem: the spec's first, then the file's."""
    spec = imported.spec
    result = check(spec, kb)
    release = kb.release(spec.torch) if spec.torch else None
    problems = [at(_explain(p, spec, kb), _line_for(imported, p.key)) for p in result.problems]
    if release is not None:
        route = effective_route(spec, release, result)
        problems += channel_problems(imported, release, route)
        problems += copin_problems(imported, kb, route or likely_route(spec, release))
    problems += _host_problems(result, kb)
    problems += file_problems(imported, release)
    problems += imported.notes
    problems += [at(problem, line) for problem, line in imported.source.warnings]
    return result, problems


def effective_route(spec: Spec, release: TorchRelease, result: CheckResult | None = None) -> str | None:
    if result is not None and result.resolved is not None:
        return result.resolved.route
    if spec.route:
        return spec.route
    cuda = spec.cuda or default_cuda(release)
    return choose_route(release, cuda, list(spec.platforms or default_platforms()))[0]


def likely_route(spec: Spec, release: TorchRelease) -> str | None:
    """The route of the release's default variant: what an invalid spec would become once fixed."""
    return choose_route(release, default_cuda(release), list(spec.platforms or default_platforms()))[0]


def _line_for(imported: Imported, key: str | None) -> int | None:
    facts = imported.facts
    claim = {"torch": facts.torch_claim(), "cuda": facts.cuda_claim(), "python": facts.python,
             "torchvision": facts.vision, "torchaudio": facts.audio}.get(key or "")
    return claim.line if claim else None


def _explain(problem: Problem, spec: Spec, kb: KnowledgeBase) -> Problem:
    """compat's unknown-torch, said the way an import needs: too old, too new, or an unlisted patch."""
    if problem.code != "unknown-torch" or not spec.torch:
        return problem
    try:
        wanted = Version(spec.torch)
    except InvalidVersion:
        return problem
    oldest, newest = kb.releases[0], kb.releases[-1]
    minor = [r for r in kb.releases if r.minor == f"{wanted.major}.{wanted.minor}"]
    if minor:
        problem.message = (f"torch {spec.torch} is not a release envmgr knows; the {minor[-1].minor} "
                           f"releases it knows are {', '.join(r.torch for r in minor)}")
        problem.fix = f"torch: \"{minor[-1].torch}\" (same minor)"
    elif wanted < oldest.version:
        problem.message = (f"torch {spec.torch} is too old: envmgr knows torch {oldest.torch} to "
                           f"{newest.torch}. Builds from before 1.0 (2018, CUDA chosen with the "
                           f"cuda90-style feature packages) are no longer served by the pytorch "
                           f"channel, and their CUDA 8/9 toolkits do not run on GPUs newer than Volta")
        problem.fix = f"torch: \"{oldest.torch}\", the oldest release envmgr knows (port the code to it)"
    elif wanted > newest.version:
        problem.message = f"torch {spec.torch} is newer than any release envmgr knows (newest: {newest.torch})"
    return problem


# -- channels --------------------------------------------------------------------------------

def required_channels(release: TorchRelease, route: str | None, cuda: str) -> list[str]:
    if route is None or route == "pip":
        return []
    return [c for c in default_channels(release, route, cuda) if c != "defaults"]


def channel_problems(imported: Imported, release: TorchRelease, route: str | None) -> list[Problem]:
    spec = imported.spec
    if not spec.channels:
        return []
    line = imported.source.lines.get("channels")
    cuda = spec.cuda or default_cuda(release)
    problems = []
    missing = [c for c in required_channels(release, route, cuda) if c not in spec.channels]
    if missing:
        needed = required_channels(release, route, cuda)
        problems.append(FileProblem(
            code="channel-missing", key="channels", line=line,
            message=f"torch {release.torch} ({'CPU' if cuda == CPU else cuda_tag(cuda)}) comes from the "
                    f"{route} route, which needs the channel{'s' * (len(needed) > 1)} "
                    f"{', '.join(needed)}; the file's channels ({', '.join(spec.channels)}) lack "
                    f"{', '.join(missing)}",
            fix=f"channels: [{', '.join(fixed_channels(spec.channels, needed))}]"))
    for channel in (c for c in spec.channels if c in SERVING_CHANNELS):
        if release.conda and channel == release.conda.channel and route in (None, "pytorch"):
            continue
        variant = "CPU" if cuda == CPU else f"CUDA {cuda}"
        if release.conda is None:
            why = f"the {channel} channel has no torch {release.torch} (it ends at torch 2.5)"
        elif channel == release.conda.channel:   # the release is there, but not this variant
            why = f"the {channel} channel has torch {release.torch}, but no {variant} build of it"
        else:
            why = f"torch {release.torch} is served by the {release.conda.channel} channel, not {channel}"
        problems.append(FileProblem(
            code="channel-stale", key="channels", severity="warning", line=line,
            message=f"{why}; envmgr installs it through the {route or 'chosen'} route",
            fix=f"channels: [{', '.join(fixed_channels(spec.channels, required_channels(release, route, cuda)))}]"))
    return problems


def fixed_channels(channels: list[str], required: list[str]) -> list[str]:
    """The route's channels first, then the file's own others (bioconda, conda-forge, ...)."""
    others = [c for c in channels if c not in SERVING_CHANNELS and c != "nvidia"]
    return list(dict.fromkeys([*required, *others])) or ["conda-forge"]


# -- co-pins ---------------------------------------------------------------------------------

def _guard(spec_text: str) -> tuple[str, str] | None:
    match = re.fullmatch(r"([A-Za-z0-9_.\-]+)\s*<\s*([\d.]+)", spec_text.strip())
    return (match[1].lower(), match[2]) if match else None


def user_pins(spec: Spec, package: str) -> list[tuple[str, str | None, str]]:
    """(list, constraint, text) for each of the user's pins of ``package`` in packages and pip."""
    found = []
    for text in spec.packages:
        parsed = parse_conda(text)
        if parsed and parsed.name == package:
            found.append(("packages", parsed.version, text))
    for text in spec.pip:
        parsed = parse_pip(text)
        if parsed.name == package.replace("_", "-"):
            found.append(("pip", parsed.specifier or None, text))
    return found


def caps_below(constraint: str | None, bound: str) -> bool:
    """Whether every version the constraint allows is below ``bound`` (``numpy=1.19`` is)."""
    if not constraint:
        return False
    limit = Version(bound)
    for branch in constraint.split("|"):
        capped = False
        for clause in filter(None, branch.split(",")):
            operator = re.match(r"(<=|<|===|==|=|>=|>|!=|~=)?", clause).group(1) or ""
            number = re.search(r"\d+(?:\.\d+)*", clause)
            if not number:
                continue
            value = Version(number.group())
            if operator == "<":
                capped = capped or value <= limit
            elif operator in ("<=", "", "=", "==", "==="):
                capped = capped or value < limit
        if not capped:
            return False
    return True


def guard_rules(imported: Imported, kb: KnowledgeBase, route: str | None):
    """(rule, package, bound, the user's pins of that package) for each co-pin that applies."""
    spec = imported.spec
    if route is None:
        return
    for rule in kb.copins:
        guard = _guard(rule.spec)
        if guard is not None and rule.applies(spec.torch, route, spec.platforms or default_platforms()):
            yield rule, guard[0], guard[1], user_pins(spec, guard[0])


def copin_problems(imported: Imported, kb: KnowledgeBase, route: str | None) -> list[Problem]:
    spec, problems = imported.spec, []
    for rule, _, bound, pins in guard_rules(imported, kb, route):
        reason = " ".join(rule.reason.split())
        conflicting = [p for p in pins if not admits_below(p[1], bound)]
        if conflicting:
            where, _, text = conflicting[0]
            problems.append(FileProblem(
                code="copin-conflict", key=where,
                message=f"the file pins {text}, but torch {spec.torch} needs {rule.spec}: {reason}",
                source=kb.cite(rule.sources), fix=f"{where}: replace {text} with {rule.spec}"))
        elif not any(caps_below(p[1], bound) for p in pins):
            problems.append(FileProblem(
                code="copin-missing", key="packages", severity="note",   # envmgr adds it itself
                message=f"the file has no {rule.spec} guard ({reason}); envmgr adds {rule.spec} "
                        f"when it renders the environment",
                source=kb.cite(rule.sources)))
    return problems


# -- the machine -----------------------------------------------------------------------------

def _host_problems(result: CheckResult, kb: KnowledgeBase) -> list[Problem]:
    """On a machine with a GPU: can this stack drive it? Skipped where host checks are absent."""
    if result.resolved is None or not result.resolved.is_cuda:
        return []
    try:
        from ..host.detect import detect
        from ..compat.hostcheck import host_problems
    except ImportError:
        return []
    host = detect(kb=kb)
    if not host.has_gpu:
        return []
    return list(host_problems(result.resolved, host, kb))


# -- the file as shipped ---------------------------------------------------------------------

def file_problems(imported: Imported, release: TorchRelease | None) -> list[Problem]:
    from .filechecks import file_checks
    from .pins import pin_problems

    return file_checks(imported, release) + pin_problems(imported)


__all__ = ["FileProblem", "at", "caps_below", "channel_problems", "copin_problems", "diagnose",
           "effective_route", "fixed_channels", "guard_rules", "required_channels", "user_pins"]
