"""routes: which install route publishes a torch release's variant, by one documented rule.

The install route is chosen by one documented rule (README, "Routes"):
  1. ``pytorch``     the release's CUDA/CPU variant is published on the anaconda ``pytorch`` channel
                     (torch 1.0 to 2.5);
  2. ``conda-forge`` else conda-forge publishes that variant of that release for every platform asked;
  3. ``pip``         else PyTorch publishes it as a wheel on download.pytorch.org.
A spec may force a route with ``route:``; it must then offer the variant.
"""
from __future__ import annotations

from .facts import TorchRelease
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


def choose_route(release: TorchRelease, cuda: str, platforms: list[str]) -> tuple[str | None, str]:
    what = "the CPU build" if cuda == CPU else f"the CUDA {cuda} build"
    if route_offers(release, "pytorch", cuda, platforms):
        return "pytorch", f"the `{release.conda.channel}` conda channel publishes {what}"
    if route_offers(release, "conda-forge", cuda, platforms):
        return "conda-forge", f"conda-forge publishes {what} for {', '.join(platforms)}"
    if route_offers(release, "pip", cuda, platforms):
        reason = f"only PyTorch's wheel index publishes {what}"
        return "pip", reason
    return None, f"no route publishes {what}"
