"""routes: which install route publishes a torch release's variant, by one documented rule.

The install route is chosen by one documented rule (README, "Routes"):
  1. ``pytorch``     the release's CUDA/CPU variant is published on the anaconda ``pytorch`` channel
                     (torch 1.0 to 2.5);
  2. ``conda-forge`` else conda-forge publishes that variant of that release for every platform asked;
  3. ``pip``         else PyTorch publishes it as a wheel on download.pytorch.org.
A spec may force a route with ``route:``; it must then offer the variant.
"""
from __future__ import annotations

from .records import TorchRelease
from ..models import CPU


def has_cpu(release: TorchRelease, platform: str = "linux-64") -> bool:
    return bool((release.conda and release.conda.cpu) or (release.pip and release.pip.cpu)
                or (release.conda_forge and release.conda_forge.has_cpu(platform)))


def default_cuda(release: TorchRelease) -> str:
    """The variant a spec without ``cuda`` gets: the newest CUDA of the preferred route, else CPU."""
    for variants in (release.conda_cuda(), release.conda_forge_cuda(), release.pip_cuda()):
        if variants:
            return variants[-1]
    return CPU


def route_offers(release: TorchRelease, route: str, cuda: str, platforms: list[str]) -> bool:
    if route == "pytorch":
        builds = release.conda
        return (bool(builds) and all(p in builds.platforms for p in platforms)
                and (builds.cpu if cuda == CPU else cuda in builds.cuda))
    if route == "conda-forge":
        forge = release.conda_forge
        if not forge:
            return False
        return all(forge.has_cpu(p) if cuda == CPU else cuda in forge.cuda_for(p) for p in platforms)
    if route == "pip":
        builds = release.pip
        return bool(builds) and all(builds.offers(cuda, p) for p in platforms)
    return False


ROUTE_NAMES = {"pytorch": "the pytorch conda channel", "conda-forge": "conda-forge",
               "pip": "PyTorch's wheels"}


def route_pythons(release: TorchRelease, route: str, platforms: list[str]) -> list[str]:
    """The python minors ``route`` publishes ``release`` for on every one of ``platforms``."""
    lists = [release.route_python(route, p) for p in platforms] or [release.route_python(route, "linux-64")]
    common = set(lists[0]).intersection(*lists[1:])
    return [p for p in lists[0] if p in common]


def stable_pythons(release: TorchRelease, route: str, platforms: list[str]) -> list[str]:
    """``route_pythons`` without free-threaded and experimental builds."""
    return [p for p in route_pythons(release, route, platforms)
            if p[:1].isdigit() and not p.endswith("t") and p not in release.python_experimental]


def choose_route(release: TorchRelease, cuda: str, platforms: list[str],
                 python: str | None = None) -> tuple[str | None, str]:
    """The first route (pytorch, conda-forge, pip) that publishes the variant for ``platforms``
    and, when ``python`` is given, a build for that python on each of them."""
    what = "the CPU build" if cuda == CPU else f"the CUDA {cuda} build"
    skipped = []
    for route in ("pytorch", "conda-forge", "pip"):
        if not route_offers(release, route, cuda, platforms):
            continue
        if python and python not in route_pythons(release, route, platforms):
            skipped.append(route)
            continue
        lacks = (f"; {' and '.join(ROUTE_NAMES[r] for r in skipped)} "
                 f"{'have' if len(skipped) > 1 else 'has'} no python {python} build") if skipped else ""
        if route == "pytorch":
            return route, f"the `{release.conda.channel}` conda channel publishes {what}{lacks}"
        if route == "conda-forge":
            return route, f"conda-forge publishes {what} for {', '.join(platforms)}{lacks}"
        return route, (f"PyTorch's wheel index publishes {what}{lacks}" if skipped
                       else f"only PyTorch's wheel index publishes {what}")
    if skipped:
        return None, f"no route publishes {what} for python {python}"
    return None, f"no route publishes {what}"
