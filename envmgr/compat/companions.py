"""torchvision / torchaudio: which release of each goes with a torch release on a route.

A route's own pairing (the pytorch channel's documented one) wins; otherwise every companion whose
Requires-Dist pins the release is accepted (``companions`` in torch.yaml, read from PyPI), the newest
not yanked is the default, and on the pip route one without a wheel for the stack's python is left
out with a note naming the python that has it.
"""
from __future__ import annotations

from ..knowledge.facts import KnowledgeBase
from ..knowledge.records import TorchRelease
from ..knowledge.routes import stable_pythons
from ..models import Problem
from .versions import nearest, version_key

PYPI_SOURCE = "pypi-recorded"      # sources.yaml: the PyPI responses the shipped PyPI facts come from


def pypi_cite(kb: KnowledgeBase, release: TorchRelease) -> str:
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


def _route_pairing(release: TorchRelease, package: str, route: str | None):
    """The route's own pairing (the pytorch channel's documented one): a version, False when the
    route publishes no such companion for this release, None when it says nothing."""
    builds = release.conda if route == "pytorch" else release.pip if route == "pip" else None
    return getattr(builds, package, None) if builds else None


def paired(release: TorchRelease, package: str, route: str | None) -> str | None:
    """The torchvision/torchaudio release paired with ``release`` on ``route``."""
    override = _route_pairing(release, package, route)
    if override is False:
        return None
    return override or getattr(release, package)


def _lacks_python(companion, python: str, platforms: list[str], release: TorchRelease) -> list[str]:
    """The platforms where torch has a PyPI wheel for ``python`` and ``companion`` has none."""
    torch_tags = release.pypi_python or {}
    return [p for p in platforms if python in (torch_tags.get(p) or ())
            and python not in (companion.python.get(p) or ()) and "py3" not in (companion.python.get(p) or ())]


def companion(kb: KnowledgeBase, release: TorchRelease, package: str, wanted: str | None,
               route: str | None, python: str | None = None,
               platforms: list[str] | None = None) -> tuple[str | None, Problem | None]:
    pair = paired(release, package, route)
    override = _route_pairing(release, package, route)
    # A route's own pairing wins over the PyPI pins.
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
            chosen = max(pick, key=lambda c: version_key(c.version))
            if chosen.yanked:
                return chosen.version, Problem(
                    code=f"{package}-yanked", key=package, severity="warning",
                    message=f"{package} {chosen.version} is yanked on PyPI",
                    fact=f"PyPI marks every file of {package} {chosen.version} yanked",
                    source=pypi_cite(kb, release),
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
                                     source=pypi_cite(kb, release),
                                     fix=f"{with_it}; or {package}: none to say it is left out")
            return None, Problem(code=f"{package}-python", key=package, message=message,
                                 fact=f"the cpXY tags of {package}'s wheels on PyPI",
                                 source=pypi_cite(kb, release), fix=f"{with_it}; or {package}: none")
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
