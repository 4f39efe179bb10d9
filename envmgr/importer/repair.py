"""``envmgr import --fix``: the nearest repair, each change listed with its reason.

Nearest means: the same torch minor where possible (else the nearest release), the nearest
CUDA that release was built for, its paired torchvision/torchaudio, a python inside its
supported range, the channels its route needs, and the knowledge base's guard in place of a
user pin that fights it. A spec the file left open on the variant gets one pinned.
"""
from __future__ import annotations

from ..compat.check import check
from ..compat.companions import paired
from ..compat.versions import nearest
from ..knowledge.routes import default_cuda, has_cpu, route_offers
from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import TorchRelease
from ..models import CPU, default_platforms, Spec
from ..specs.speckeys import NONE
from .diagnose import effective_route, fixed_channels, guard_rules, likely_route, required_channels
from .outcome import Change, Imported
from .specs import admits_below

MAX_ROUNDS = 3   # a new torch can invalidate the CUDA, python and companions: re-check a few times


def repair(imported: Imported, kb: KnowledgeBase) -> list[Change]:
    changes: list[Change] = []
    for _ in range(MAX_ROUNDS):
        before = len(changes)
        release = _fix_torch(imported.spec, kb, changes)
        if release is None:
            break
        _fix_cuda(imported, release, changes)
        _fix_python(imported.spec, release, changes)
        _fix_companions(imported.spec, release, changes)
        _fix_route(imported.spec, release, changes)
        _fix_platforms(imported.spec, kb, changes)
        _fix_channels(imported.spec, release, kb, changes)
        _fix_copins(imported, kb, changes)
        if len(changes) == before:
            break
    return changes


def _set(spec: Spec, key: str, value, why: str, changes: list[Change]) -> None:
    old = getattr(spec, key)
    if old == value:
        return
    setattr(spec, key, value)
    shown = (lambda v: ", ".join(v) if isinstance(v, list) else v)
    changes.append(Change(key, shown(old), shown(value), why))


def _fix_torch(spec: Spec, kb: KnowledgeBase, changes: list[Change]) -> TorchRelease | None:
    release = kb.release(spec.torch)
    if release is not None:
        return release
    minor = ".".join(spec.torch.split(".")[:2])
    same_minor = [r for r in kb.releases if r.minor == minor]
    if same_minor:
        chosen = same_minor[-1]
        why = f"torch {spec.torch} is not a release envmgr knows; {chosen.torch} is the newest {minor}"
    else:
        chosen = kb.release(nearest(spec.torch, [r.torch for r in kb.releases]))
        if chosen is None:
            return None
        why = f"no torch {minor} release is known; {chosen.torch} is the nearest"
    _set(spec, "torch", chosen.torch, why, changes)
    return chosen


def _fix_cuda(imported: Imported, release: TorchRelease, changes: list[Change]) -> None:
    spec = imported.spec
    if spec.cuda is None:
        default = _pip_default(imported, release) or default_cuda(release)
        _set(spec, "cuda", default, "the file pins no variant; pinned "
             + ("the CPU build" if default == CPU else f"CUDA {default}")
             + (" (PyPI's default build)" if default == _pip_default(imported, release)
                else f", the newest torch {release.torch} was built for"), changes)
        return
    if spec.cuda == CPU:
        if not has_cpu(release):
            _set(spec, "cuda", default_cuda(release), f"torch {release.torch} has no CPU build", changes)
        return
    variants = release.all_cuda()
    if spec.cuda not in variants and variants:
        near = nearest(spec.cuda, variants)
        _set(spec, "cuda", near, f"torch {release.torch} was built for CUDA {', '.join(variants)}; "
                                 f"{near} is the nearest to {spec.cuda}", changes)


def _pip_default(imported: Imported, release: TorchRelease) -> str | None:
    facts = imported.facts
    if facts.torch_pip is None or facts.torch_conda is not None or release.pip is None:
        return None
    default = release.pip.pypi_default_cuda
    return default if default in release.all_cuda() else None


def _fix_python(spec: Spec, release: TorchRelease, changes: list[Change]) -> None:
    if spec.python is None or spec.python in release.python or spec.python in release.python_experimental:
        return
    near = nearest(spec.python, release.python)
    span = f"{release.python[0]} to {release.python[-1]}"
    _set(spec, "python", near, f"torch {release.torch} supports python {span}", changes)


def _fix_companions(spec: Spec, release: TorchRelease, changes: list[Change]) -> None:
    route = effective_route(spec, release)
    for package in ("torchvision", "torchaudio"):
        wanted = getattr(spec, package)
        if wanted is None or wanted == NONE:
            continue
        pair = paired(release, package, route)
        if pair and (wanted == pair or pair.startswith(wanted + ".")):
            continue
        _set(spec, package, pair or NONE,
             f"the {package} release paired with torch {release.torch}" if pair
             else f"torch {release.torch} has no paired {package} release", changes)


def _fix_route(spec: Spec, release: TorchRelease, changes: list[Change]) -> None:
    if spec.route is None:
        return
    cuda = spec.cuda or default_cuda(release)
    if not route_offers(release, spec.route, cuda, list(spec.platforms or default_platforms())):
        _set(spec, "route", None, f"route {spec.route} does not publish this build; envmgr chooses", changes)


def _fix_platforms(spec: Spec, kb: KnowledgeBase, changes: list[Change]) -> None:
    result = check(spec, kb)
    if any(p.code == "no-route" for p in result.problems):
        _set(spec, "platforms", ["linux-64"], "no route publishes this build for every platform "
                                              "asked; linux-64 has one", changes)
    if any(p.code == "platform-cuda" for p in result.problems) and spec.platforms:
        kept = [p for p in spec.platforms if not p.startswith("osx")] or ["linux-64"]
        _set(spec, "platforms", kept, "CUDA builds do not exist for macOS", changes)


def _fix_channels(spec: Spec, release: TorchRelease, kb: KnowledgeBase, changes: list[Change]) -> None:
    if not spec.channels:
        return
    route = effective_route(spec, release)
    cuda = spec.cuda or default_cuda(release)
    needed = required_channels(release, route, cuda)
    wanted = fixed_channels(spec.channels, needed)
    if wanted != spec.channels and (set(needed) - set(spec.channels)
                                    or set(spec.channels) - set(wanted)):
        _set(spec, "channels", wanted, f"the {route} route for torch {release.torch} needs "
             + (", ".join(needed) if needed else "no torch channel"), changes)


def _fix_copins(imported: Imported, kb: KnowledgeBase, changes: list[Change]) -> None:
    spec = imported.spec
    release = kb.release(spec.torch)
    if release is None:
        return
    route = effective_route(spec, release) or likely_route(spec, release)
    for rule, _, bound, pins in guard_rules(imported, kb, route):
        for where, constraint, text in pins:
            if admits_below(constraint, bound):
                continue
            items = [rule.spec if item == text else item for item in getattr(spec, where)]
            _set(spec, where, list(dict.fromkeys(items)),
                 f"{text} fights the guard {rule.spec} that torch {spec.torch} needs", changes)
