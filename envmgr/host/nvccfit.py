"""The system ``nvcc`` against each environment's CUDA.

torch carries its own CUDA runtime, so a system toolkit does not matter to ``import torch``; it
matters the moment something compiles a CUDA extension against the env's torch (apex,
flash-attn, detectron2, a paper's own kernels): ``torch.utils.cpp_extension`` takes ``nvcc``
from ``CUDA_HOME`` / PATH and refuses, or builds something that fails to load, when its CUDA
differs from the one torch was built with ("The detected CUDA version (11.8) mismatches the
version that was used to compile PyTorch (12.1)"). The cure that keeps the env self-contained is
the env's own compiler: conda-forge's ``cuda-nvcc`` (CUDA 12 and later) or the nvidia channel's
(CUDA 11.x, under ``nvidia/label/cuda-11.X.Y``).
"""
from __future__ import annotations

from ..models import Problem

FIRST_CONDA_FORGE_NVCC = (12, 0)   # conda-forge's cuda-nvcc starts with the CUDA 12 packages
FIRST_NVIDIA_NVCC = (11, 3)        # the nvidia channel's cuda-nvcc labels start with 11.3


def _minor(version: str | None) -> tuple[int, int] | None:
    try:
        major, minor = str(version).split(".")[:2]
        return int(major), int(minor)
    except (TypeError, ValueError):
        return None


def env_nvcc_package(cuda: str) -> str:
    """The conda package (and channel) that gives an env the compiler for ``cuda``."""
    wanted = _minor(cuda)
    if wanted and wanted >= FIRST_CONDA_FORGE_NVCC:
        return f'`cuda-nvcc={cuda}` from conda-forge (packages: ["cuda-nvcc={cuda}"] in the spec)'
    if wanted and wanted >= FIRST_NVIDIA_NVCC:
        return (f"`cuda-nvcc={cuda}` from the nvidia channel (label nvidia/label/cuda-{cuda}.0; "
                f'packages: ["cuda-nvcc={cuda}"] with that channel in the spec)')
    return (f"a CUDA {cuda} toolkit (no conda cuda-nvcc package is that old): install it and point "
            "CUDA_HOME at it before building")


def nvcc_problems(nvcc_release: str | None, nvcc_path: str | None, cuda: str,
                  env_nvcc: str | None = None) -> list[Problem]:
    """A warning when the system nvcc compiles for another CUDA than the env's torch;
    ``env_nvcc``: the version of the env's own cuda-nvcc package, when it has one."""
    if cuda == "cpu" or nvcc_release is None:
        return []
    if env_nvcc and _minor(env_nvcc) == _minor(cuda):
        return [Problem(code="nvcc-in-env", severity="note",
                        message=f"the environment has its own nvcc {env_nvcc} (cuda-nvcc), matching "
                                f"its CUDA {cuda}; extensions built with the env active use it")]
    if _minor(nvcc_release) == _minor(cuda):
        return []
    return [Problem(
        code="nvcc-mismatch", severity="warning",
        message=f"the system nvcc ({nvcc_path}) is CUDA {nvcc_release}, this stack's torch is built "
                f"for CUDA {cuda}: CUDA extensions (apex, flash-attn, ...) built against it fail to "
                "build or to load",
        fact="torch.utils.cpp_extension compiles with the nvcc of CUDA_HOME / PATH and refuses a "
             "CUDA major other than torch's own",
        fix=f"give the environment its own compiler: {env_nvcc_package(cuda)}")]
