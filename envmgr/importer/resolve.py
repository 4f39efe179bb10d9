"""From the facts a file states to a spec: versions decided, everything else carried over.

An unpinned or ranged torch resolves to the newest release the constraint allows that also
fits the file's other pins (torchvision, torchaudio, CUDA, python), each of which narrows the
choice only while some release still fits: ``torchvision==0.11.2`` with a bare ``torch``
gives 1.10.1. The resolution is reported as a note, so the user sees what was decided.
"""
from __future__ import annotations

from packaging.version import Version

from ..compat.versions import nearest
from ..knowledge.routes import default_cuda, has_cpu, route_offers
from ..errors import EnvmgrError
from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import TorchRelease
from ..models import CPU, default_platforms, Problem, Spec
from ..specs.speckeys import NONE
from ..specs.stack import TORCH_VERSION
from . import exports
from .carry import carry_channels, carry_conda, carry_pip
from .pins import settle
from .outcome import Change, Imported
from .sourcefile import Dropped, Source
from .specs import allows, exact_version, lowest_version
from .torchstack import GPU, StackFacts


def build_spec(source: Source, facts: StackFacts, name: str, kb: KnowledgeBase,
               fix: bool = False, keep_pins: bool = False) -> Imported:
    if not facts.has_torch:
        # The file reads fine (so not exit 2), but there is no stack to manage: nothing is written.
        raise EnvmgrError("no torch in the file: envmgr manages PyTorch stacks", file=source.path,
                          fix="add `pytorch` (conda) or `torch` (pip) to it and import again, "
                              "or start with `envmgr new NAME \"torch X.Y + cuXYZ\"`")
    spec = Spec(name=name)
    result = Imported(spec=spec, facts=facts, source=source, release=None,
                      dropped=list(source.dropped), keep_pins=keep_pins)
    result.conflicts = settle(facts, kb)
    claim = facts.cuda_claim()
    cuda = claim.value if claim else None
    spec.cuda = None if cuda == GPU else cuda
    release = _choose_release(result, kb, fix)
    result.release = release
    spec.python = _python(facts, release)
    spec.torchvision = _companion(facts.vision, release, "torchvision")
    spec.torchaudio = _companion(facts.audio, release, "torchaudio")
    _platforms(result)
    spec.channels = carry_channels(result)
    spec.route = _route(result)
    carry_conda(result)
    carry_pip(result)
    _suggest_as_of(result)
    return result


def _suggest_as_of(result: Imported) -> None:
    """A dump whose transitive pins were dropped: the solver picks today's versions of them
    unless the spec solves as of the dump's date; say which date, and where it came from."""
    transitive = [d for d in result.dropped if " transitive " in d.item]
    if not transitive or result.spec.as_of is not None:
        return
    dated = exports.date_of(result.source.path)
    count = sum(len(d.items) for d in transitive)
    if dated is None:
        when, fix = "", "add as_of: \"YYYY-MM-DD\" (the day the authors made it) to the spec"
    else:
        day, where = dated
        when = f"; the file is dated {day} ({where})"
        fix = f"add as_of: \"{day}\" to the spec to solve as of that day"
    result.notes.append(Problem(
        code="as-of-suggested", key="as_of", severity="note",
        message=f"{count} exact transitive pins of the dump were dropped (listed under dropped), so "
                f"their versions are solved anew{when}",
        fix=f"{fix}, or import again with --keep-pins to keep the authors' exact versions"))


# -- torch -----------------------------------------------------------------------------------

def _choose_release(result: Imported, kb: KnowledgeBase, fix: bool) -> TorchRelease | None:
    facts, spec = result.facts, result.spec
    constraint = facts.torch_constraint()   # an unreadable pin is none (``pins`` reports it)
    allowed = [r for r in kb.releases if allows(constraint, r.torch)]
    if not allowed:
        return _no_known_release(result, constraint, kb, fix)
    narrowed, reasons = allowed, []
    for label, keep in _narrowing(facts, spec):
        fitting = [r for r in narrowed if keep(r)]
        if fitting and len(fitting) < len(narrowed):
            reasons.append(label)
        narrowed = fitting or narrowed
    release = max(narrowed, key=lambda r: r.version)
    spec.torch = release.torch
    exact = exact_version(constraint)
    if exact is None or len(exact.split(".")) < 3:
        asked = f"`{facts.torch_claim().how}`" if facts.torch_claim() else "no torch pin (torch comes " \
                                                                          "with torchvision/torchaudio)"
        why = f", the newest that fits {', '.join(reasons)}" if reasons else \
            ", the newest release it allows"
        result.notes.append(Problem(
            code="torch-resolved", key="torch", severity="note",
            message=f"the file asks for {asked}: resolved to torch {release.torch}{why}",
            fix=f"torch: \"{release.torch}\" is written to the spec; edit it to choose another"))
    return release


def _narrowing(facts: StackFacts, spec: Spec):
    if facts.vision and facts.vision.value:
        yield f"torchvision {facts.vision.value.lstrip('=')}", \
            lambda r: any(allows(facts.vision.value, v) for v in _pairs(r, "torchvision"))
    if facts.audio and facts.audio.value:
        yield f"torchaudio {facts.audio.value.lstrip('=')}", \
            lambda r: any(allows(facts.audio.value, v) for v in _pairs(r, "torchaudio"))
    if spec.cuda:
        yield ("the CPU build" if spec.cuda == CPU else f"CUDA {spec.cuda}"), \
            lambda r: has_cpu(r) if spec.cuda == CPU else spec.cuda in r.all_cuda()
    python = facts.python.value if facts.python and facts.python.value else None
    if python:
        yield f"python {python.lstrip('=')}", lambda r: any(allows(python, p) for p in r.python)


def _pairs(release: TorchRelease, package: str) -> list[str]:
    found = [getattr(release, package)]
    for builds in (release.conda, release.pip):
        if builds is not None:
            found.append(getattr(builds, package))
    return [v for v in found if v]


def _no_known_release(result: Imported, constraint: str, kb: KnowledgeBase,
                      fix: bool) -> TorchRelease | None:
    """A pin outside the knowledge base. An exact ``0.4.1`` names its version and is written as
    such (compat then says it is unknown); a range (``<1``, ``>=99``) names no version: writing
    its bound would claim a release nobody asked for, so without --fix nothing is written."""
    literal = _literal_torch(constraint)
    if exact_version(constraint) and allows(constraint, literal):
        result.spec.torch = literal
        return kb.release(literal)
    claim = result.facts.torch_claim()
    known = [r.torch for r in kb.releases]
    chosen = nearest(literal, known)
    if not fix:
        raise EnvmgrError(
            f"`{claim.how}` allows no torch release envmgr knows ({known[0]} to {known[-1]}); the "
            f"nearest are {', '.join(_neighbours(literal, known))}; nothing was written",
            file=result.source.path, line=claim.line,
            fix=f"pin one of them in the file, or add --fix to write torch {chosen}, the nearest")
    result.spec.torch = chosen
    result.changes.append(Change("torch", claim.how, chosen,
                                 f"no torch release envmgr knows satisfies `{claim.how}`; "
                                 f"{chosen} is the nearest"))
    return kb.release(chosen)


def _neighbours(version: str, known: list[str]) -> list[str]:
    """The known releases either side of ``version`` (two on one side when it is past an end)."""
    target = Version(version)
    below = [v for v in known if Version(v) < target]
    above = [v for v in known if Version(v) >= target]
    return (below[-1:] if above else below[-2:]) + (above[:1] if below else above[:2])


def _literal_torch(constraint: str | None) -> str:
    """The version a pin names, padded to the spec's X.Y form: ``<1`` -> "1.0"."""
    version = exact_version(constraint) or lowest_version(constraint) or "0.0"
    if not TORCH_VERSION.fullmatch(version):
        parts = (version.split(".") + ["0"])[:3]
        version = ".".join(parts[:max(2, min(3, len(version.split("."))))])
    return version


# -- python, torchvision, torchaudio ---------------------------------------------------------

def _python(facts: StackFacts, release: TorchRelease | None) -> str | None:
    constraint = facts.python.value if facts.python else None
    if not constraint:
        return facts.build_python.value if facts.build_python else None
    exact = exact_version(constraint)
    if exact:
        return ".".join(exact.split(".")[:2]) if "." in exact else None
    if release is not None:
        fitting = [p for p in release.python if allows(constraint, p) or allows(constraint, p + ".99")]
        if fitting:
            return fitting[-1]
    lowest = lowest_version(constraint)
    return ".".join(lowest.split(".")[:2]) if lowest and "." in lowest else None


def _companion(claim, release: TorchRelease | None, package: str) -> str | None:
    """A version the file pins; None (the paired release) when it leaves it open; "none" if absent."""
    if claim is None:
        return NONE
    if not claim.value:
        return None
    exact = exact_version(claim.value)
    if exact:
        return exact
    if release is not None and any(allows(claim.value, v) for v in _pairs(release, package)):
        return None
    return lowest_version(claim.value)


# -- platforms, route ------------------------------------------------------------------------

def _platforms(result: Imported) -> None:
    source, spec = result.source, result.spec
    names = [s.name for s in result.facts.other_conda]
    pip_names = [p.name for p in result.facts.other_pip if p.name]
    platform = exports.platform_of_dump(names, pip_names)
    if source.platforms:
        spec.platforms = list(source.platforms)
    elif platform == "win-64":
        spec.platforms = ["win-64"]
        result.notes.append(Problem(
            code="windows-export", key="platforms", severity="note",
            message="the file was exported on Windows (it lists Windows runtimes such as vc or "
                    "vs2015_runtime): the spec targets win-64",
            fix="platforms: [linux-64, win-64] to lock for Linux as well"))
    macs = [p for p in spec.platforms or () if p.startswith("osx")]
    if macs and spec.cuda and spec.cuda != CPU:
        # conda-lock's default platforms hold osx-64 whatever the stack: a CUDA one has no macOS build
        spec.platforms = [p for p in spec.platforms if p not in macs] or None
        result.dropped.append(Dropped(f"platform{'s' * (len(macs) > 1)} {', '.join(macs)}",
                                      "a CUDA stack has no macOS build (write a CPU spec of its "
                                      "own for macOS)", line=source.lines.get("platforms")))


def _route(result: Imported) -> str | None:
    """Stay on the route the file used when envmgr knows that route offers the build."""
    facts, release, spec = result.facts, result.release, result.spec
    if release is None:
        return None
    platforms = list(spec.platforms or default_platforms())
    cuda = spec.cuda or default_cuda(release)
    if facts.torch_pip is not None and facts.torch_conda is None:
        wanted = "pip"
    elif facts.forge:
        wanted = "conda-forge"
    else:
        return None
    if route_offers(release, wanted, cuda, platforms):
        return wanted
    variant = "the CPU build" if cuda == CPU else f"the CUDA {cuda} build"
    where = "PyTorch's wheel index" if wanted == "pip" else "conda-forge"
    known = "does not publish" if wanted == "pip" else "is not known by envmgr to publish"
    result.notes.append(Problem(
        code=f"route-{wanted}-unavailable", key="route", severity="note",
        message=f"the file installs torch from {where}, which {known} {variant} of torch "
                f"{release.torch} for {', '.join(platforms)}: envmgr chooses the route",
        fix=f"route: {wanted} to insist (`envmgr check` then says whether it can work)"))
    return None
