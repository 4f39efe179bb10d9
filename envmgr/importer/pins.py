"""Pins a file states more than once, and pins envmgr cannot read.

conda and pip both require every line to hold: ``pytorch>=1.7`` with ``pytorch<1.9`` means a
1.8, while ``pytorch=1.10`` with ``pytorch=1.12`` cannot be installed at all. ``settle`` combines
the lines of one manager that some known version satisfies together, and keeps the first line
of those that conflict; ``pin_problems`` reports each conflict (an error: which line the author
meant is theirs to say) and each pin envmgr could not read (a warning naming what it did
instead). Nothing the file pins is dropped without a word.
"""
from __future__ import annotations

from dataclasses import dataclass

from ..knowledge.facts import KnowledgeBase
from ..models import Problem
from .specs import allows, both, exact_version, lowest_version
from .outcome import FileProblem
from .torchstack import Claim, StackFacts

ATTRIBUTE = {"torch": "torch", "torchvision": "vision", "torchaudio": "audio", "python": "python"}


@dataclass
class Conflict:
    key: str             # "torch", "torchvision", "torchaudio" or "python"
    kept: Claim
    others: list[Claim]


def settle(facts: StackFacts, kb: KnowledgeBase) -> list[Conflict]:
    """Fold repeated pins of one manager into the pin in effect; the ones that cannot be folded."""
    conflicts = []
    for key, attribute in ATTRIBUTE.items():
        primary = getattr(facts, attribute)
        if primary is None or not primary.value:
            continue
        same = [c for k, c in facts.pins if k == key and c.manager == primary.manager and c.value]
        values = list(dict.fromkeys(c.value for c in same))
        if len(values) < 2:
            continue
        if _satisfiable(values, _known_versions(key, kb)):
            combined = Claim(both(*values), "`, `".join(c.how for c in same), primary.line,
                             primary.manager)
            setattr(facts, attribute, combined)
        else:
            conflicts.append(Conflict(key, primary, [c for c in same if c.value != primary.value]))
    return conflicts


def _known_versions(key: str, kb: KnowledgeBase) -> list[str]:
    found: list[str] = []
    for release in kb.releases:
        if key == "torch":
            found.append(release.torch)
        elif key == "python":
            found += [*release.python, *release.python_experimental]
        else:
            found += [getattr(b, key) for b in (release, release.conda, release.pip) if b is not None]
    return [v for v in dict.fromkeys(found) if v]


def _satisfiable(values: list[str], known: list[str]) -> bool:
    """Whether one version satisfies every value: a known one, or one a value names itself."""
    named = [exact_version(v) or lowest_version(v) for v in values]
    return any(all(allows(v, candidate) for v in values) for candidate in [*known, *filter(None, named)])


_WHAT = {"torch": "torch version", "torchvision": "torchvision version",
         "torchaudio": "torchaudio version", "python": "python version", "cuda": "CUDA version (X.Y)"}


def pin_problems(imported) -> list[Problem]:

    spec, problems = imported.spec, []
    for conflict in imported.conflicts:
        kept, others = conflict.kept, conflict.others
        shown = ", ".join(f"`{c.how}` (line {c.line or '?'})" for c in [kept, *others])
        written = getattr(spec, conflict.key) or "the default"
        problems.append(FileProblem(
            code=f"{conflict.key}-conflict", key=conflict.key, line=others[0].line,
            message=f"the file pins {conflict.key} {len(others) + 1} ways that no version satisfies "
                    f"together: {shown}, so {kept.manager} cannot install it as written; the spec "
                    f"follows the first: {conflict.key} {written}",
            fix=f"delete the line you do not mean and import again, or edit {conflict.key}: in "
                f"the spec"))
    for key, claim in imported.facts.unreadable_pins:
        problems.append(_unreadable(key, claim, spec))
    return problems


def _unreadable(key: str, claim: Claim, spec) -> Problem:
    if key == "build":
        return FileProblem(
            code="build-unreadable", key="torch", severity="warning", line=claim.line,
            message=f"`{claim.how}`: `{claim.value}` is not a build string conda can read (conda "
                    f"rejects the line); envmgr ignores it",
            fix="nothing to change: envmgr chooses the build from the spec's cuda and python")
    if key == "cuda":
        done, fix = "the variant is left open", "cuda: \"X.Y\" in the spec pins the variant " \
                                                "(`envmgr import --fix` pins one)"
    elif key == "python":
        done, fix = f"python is left to the default of torch {spec.torch}", "python: \"3.X\" in the spec"
    elif key == "torch":
        done, fix = f"treated as unpinned (the spec says torch {spec.torch})", \
            "torch: \"X.Y.Z\" in the spec"
    else:
        done, fix = f"treated as unpinned (the {key} paired with torch {spec.torch})", \
            f"{key}: \"X.Y.Z\" in the spec"
    return FileProblem(
        code=f"{key}-pin-unreadable", key=key, severity="warning", line=claim.line,
        message=f"`{claim.how}` names no {_WHAT[key]} envmgr can read: {done}", fix=fix)
