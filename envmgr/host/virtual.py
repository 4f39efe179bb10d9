"""The virtual packages a lock assumes, per platform: explicit, recorded, never read from the host.

One table feeds both consumers, so the solve and the content hash cannot disagree:
rattler's ``GenericVirtualPackage`` list (what the solver sees) and conda-lock's
virtual-package spec (``virtual-packages.yml`` shape, what the content hash covers).

Assumed values, and why:

* ``__glibc 2.17``: the oldest glibc still met in the field (CentOS/RHEL 7 clusters, manylinux2014)
  and the baseline the ``pytorch`` channel and conda-forge's default sysroot built against. A lock
  made against 2.17 installs on any machine with glibc >= 2.17; a package that needs newer fails to
  solve with a clear message instead of failing at import time on an old cluster.
* ``__linux 5.10``, ``__archspec 1 x86_64``, ``__osx 11.0``: conda-lock's own defaults; no package
  in a PyTorch stack constrains them further.
* ``__cuda``: the environment's CUDA version (a CUDA env needs a driver for at least that CUDA; the
  lock says so instead of conda-lock's blanket 11.4). None for CPU environments, so nothing
  CUDA-gated is chosen by accident and the lock does not claim a driver.
"""
from __future__ import annotations

import json
from pathlib import Path

from ..models import CPU

BASE: dict[str, dict[str, str]] = {
    "linux-64": {"__unix": "0", "__linux": "5.10", "__glibc": "2.17", "__archspec": "1 x86_64"},
    # aarch64: glibc 2.28, as conda-lock assumes there; the Arm clusters envmgr targets
    # (Grace-Hopper: RHEL 8+/Ubuntu 20.04+) all have it, and torch's aarch64 wheels need it from 2.6
    "linux-aarch64": {"__unix": "0", "__linux": "5.10", "__glibc": "2.28", "__archspec": "1 aarch64"},
    "win-64": {"__win": "0", "__archspec": "1 x86_64"},
    "osx-64": {"__unix": "0", "__osx": "11.0", "__archspec": "1 x86_64"},
    "osx-arm64": {"__unix": "0", "__osx": "11.0", "__archspec": "1 arm64"},
}


def virtual_packages(platform: str, cuda: str | None) -> dict[str, str]:
    """name -> "version[ build]" for ``platform``, with ``__cuda`` for a CUDA environment."""
    if platform not in BASE:
        from ..errors import UsageError

        raise UsageError(f"no virtual-package set for platform {platform!r}",
                         fix=f"use one of: {', '.join(BASE)}")
    packages = dict(BASE[platform])
    if cuda and cuda != CPU and not platform.startswith("osx"):
        packages["__cuda"] = cuda
    return dict(sorted(packages.items()))


def spec_document(platforms: list[str], cuda: str | None) -> dict:
    """conda-lock's ``virtual-packages.yml`` content for these platforms."""
    return {"subdirs": {p: {"packages": virtual_packages(p, cuda)} for p in platforms}}


def spec_text(platforms: list[str], cuda: str | None) -> str:
    """The same document as the file written beside each lock (``lockfiles/NAME.virtual-packages.yml``),
    in conda-lock's ``--virtual-package-spec`` format: ``conda-lock lock --check-input-hash
    --virtual-package-spec`` with it recomputes the lock's content hash."""
    lines = ["# The virtual packages this lock assumes (envmgr/host/virtual.py), in conda-lock's",
             "# --virtual-package-spec format; written by `envmgr lock`, do not edit.",
             "subdirs:"]
    for platform in platforms:
        lines += [f"  {platform}:", "    packages:"]
        lines += [f"      {name}: {json.dumps(value)}" for name, value in virtual_packages(platform, cuda).items()]
    return "\n".join(lines) + "\n"


def describe(platforms: list[str], cuda: str | None) -> str:
    """One line per platform, for the lockfile's metadata: ``linux-64: __cuda=10.2 __glibc=2.17 ...``."""
    return "; ".join(f"{p}: " + " ".join(f"{n}={v.replace(' ', '=')}" for n, v in
                                         virtual_packages(p, cuda).items()) for p in platforms)


def _split(value: str) -> tuple[str, str]:
    """conda-lock's rule: "1 x86_64" -> version "1", build "x86_64"; no build -> build "0"."""
    version, _, build = value.partition(" ")
    return version, build or "0"


def rattler_virtual_packages(platform: str, cuda: str | None) -> list:
    """The same set as ``rattler.GenericVirtualPackage`` objects, for ``rattler.solve``."""
    from rattler import GenericVirtualPackage, PackageName, Version
    from rattler.package.build_string import BuildString

    out = []
    for name, value in virtual_packages(platform, cuda).items():
        version, build = _split(value)
        out.append(GenericVirtualPackage(PackageName(name), Version(version), BuildString(build)))
    return out


def conda_lock_repo(platforms: list[str], cuda: str | None, workdir: Path):
    """conda-lock's ``FakeRepoData`` for the content hash (imports conda-lock: lock paths only).

    Note: assign the result, never ``with ... as repo`` (``FakeRepoData.__enter__`` returns None
    and the hash would silently drop the virtual packages).
    """
    from conda_lock.virtual_package import virtual_package_repo_from_specification

    spec_file = Path(workdir) / "virtual-packages.yml"
    spec_file.write_text(spec_text(platforms, cuda), encoding="utf-8")
    return virtual_package_repo_from_specification(spec_file)
