"""How each variant of a torch release is installed: conda specs, channels and pip lines.

The CUDA (or CPU) variant is always pinned twice, so no solver can fall back to another build:
by the selector package the release used (``cudatoolkit=X``, ``pytorch-cuda=X``, the ``cuda90``
feature packages of 1.0, ``cpuonly``; ``cuda-version=X`` on conda-forge) and by a build-string
glob on ``pytorch`` itself (``*cuda10.2*``, ``*cpu*``, ``cuda126*``). Pip wheels are pinned by
their local version tag (``torch==1.10.1+cu111``) so a same-named PyPI wheel never matches.
"""
from __future__ import annotations

from packaging.version import Version

from .facts import KnowledgeBase
from .records import TorchRelease, cuda_tag
from ..models import CPU, Resolved

# PyTorch's own pages spell the `+cuXYZ` tag on torchaudio wheels only from 2.0 on;
# before that torchaudio was pinned untagged (which still matches a tagged wheel).
TORCHAUDIO_TAGGED_FROM = Version("2.0")


def feature_package(cuda: str) -> str:
    """torch 1.0 selected CUDA with feature packages: 9.0 -> cuda90, 10.0 -> cuda100."""
    return "cuda" + cuda.replace(".", "")


def default_channels(release: TorchRelease, route: str, cuda: str) -> list[str]:
    if route == "pytorch":
        extra = [] if cuda == CPU else list(release.conda.cuda.get(cuda, []))
        return [release.conda.channel, *extra, "defaults"]
    return ["conda-forge"]


def _pytorch_channel_specs(release: TorchRelease, resolved: Resolved) -> list[str]:
    builds = release.conda
    cpu_names = resolved.cuda == CPU and builds.cpu_selector == "pytorch-cpu"
    torch_name = "pytorch-cpu" if cpu_names else "pytorch"
    vision_name = "torchvision-cpu" if cpu_names else "torchvision"
    if resolved.cuda == CPU:
        torch_spec = f"{torch_name}={resolved.torch}" if cpu_names else f"pytorch={resolved.torch}=*cpu*"
    else:
        torch_spec = f"pytorch={resolved.torch}=*cuda{resolved.cuda}*"
    specs = [torch_spec]
    if resolved.torchvision:
        specs.append(f"{vision_name}={resolved.torchvision}")
    if resolved.torchaudio:
        specs.append(f"torchaudio={resolved.torchaudio}")
    if resolved.cuda == CPU:
        specs.append("cpuonly")  # documented even next to the pytorch-cpu names of 1.0/1.1
    elif builds.cuda_selector == "feature":
        specs.append(feature_package(resolved.cuda))
    else:
        specs.append(f"{builds.cuda_selector}={resolved.cuda}")
    return specs


def _conda_forge_specs(release: TorchRelease, resolved: Resolved) -> list[str]:
    if resolved.cuda == CPU:
        specs = [f"pytorch={resolved.torch}=cpu*"]
    else:
        pattern = release.conda_forge.build_pattern.replace("{cu}", resolved.cuda.replace(".", ""))
        specs = [f"pytorch={resolved.torch}={pattern}"]
    if resolved.torchvision:
        specs.append(f"torchvision={resolved.torchvision}")
    if resolved.torchaudio:
        specs.append(f"torchaudio={resolved.torchaudio}")
    if resolved.cuda != CPU:
        specs.append(f"cuda-version={resolved.cuda}")
    return specs


def conda_specs(release: TorchRelease, resolved: Resolved, kb: KnowledgeBase) -> list[str]:
    """The stack's own conda specs (co-pins and the user's packages are added by render)."""
    specs = [f"python={resolved.python}"]
    if resolved.route == "pytorch":
        specs += _pytorch_channel_specs(release, resolved)
    elif resolved.route == "conda-forge":
        specs += _conda_forge_specs(release, resolved)
    if resolved.route == "pip" or resolved.user_pip:
        specs.append("pip")
    return specs


def _wheel_pin(name: str, version: str, tag: str | None) -> str:
    return f"{name}=={version}+{tag}" if tag else f"{name}=={version}"


def pip_lines(release: TorchRelease, resolved: Resolved) -> list[str]:
    """Pip requirement lines: for the pip route the torch family from PyTorch's index, then the user's."""
    if resolved.route != "pip":
        return list(resolved.user_pip)
    builds = release.pip
    # macOS wheels are published untagged (PyPI's CPU wheels): no `+cpu` to pin there.
    on_macos = all(p.startswith("osx") for p in resolved.platforms)
    tag = cuda_tag(resolved.cuda) if builds.local_tag and not on_macos else None
    option = "--find-links" if builds.index in ("find-links", "manual") else "--extra-index-url"
    lines = [f"{option} {builds.index_url(resolved.cuda)}", _wheel_pin("torch", resolved.torch, tag)]
    if resolved.torchvision:
        lines.append(_wheel_pin("torchvision", resolved.torchvision, tag))
    if resolved.torchaudio:
        audio_tag = tag if Version(resolved.torch) >= TORCHAUDIO_TAGGED_FROM else None
        lines.append(_wheel_pin("torchaudio", resolved.torchaudio, audio_tag))
    return lines + list(resolved.user_pip)
