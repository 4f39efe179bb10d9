"""Facts added on top of ../shared/reference/compat-facts.yaml, each with its source key.

tools/build_kb.py merges these into envmgr/data/*.yaml. SOURCES.md says why each one is here.
"""
from __future__ import annotations

KB_VERSION = "2026.11.27"

REF_NOTE = "read for ../shared/reference/compat-facts.yaml; see its NOTES for how it was read"

SOURCES = {
    # -- compiled in ../shared/reference --------------------------------------------------------
    "prev-versions": {
        "title": "pytorch.github.io _get_started/previous-versions.md (1.0.0 .. 2.3.1)",
        "url": "https://github.com/pytorch/pytorch.github.io/blob/e3f009bbc0d7509ed5c85b633313ec72aa2d1a40/_get_started/previous-versions.md",
        "note": REF_NOTE,
    },
    "prev-versions-04862e37": {
        "title": "pytorch.github.io previous-versions.md, older revision (newest entry v2.0.1)",
        "url": "https://github.com/pytorch/pytorch.github.io/blob/04862e376ea686ba351674864400db1d93113979/_get_started/previous-versions.md",
        "note": "shows the +cu117 local tags later revisions dropped",
    },
    "prev-versions-live": {
        "title": "pytorch.org/get-started/previous-versions (2.4.0 .. 2.9.1, search excerpts)",
        "url": "https://pytorch.org/get-started/previous-versions/",
        "note": "only excerpts were readable; 2.4.1, 2.7.x and 2.8.0 sections never seen",
    },
    "release-md": {
        "title": "pytorch/pytorch RELEASE.md release compatibility matrix (rows 1.12 .. 2.3)",
        "url": "https://github.com/pytorch/pytorch/blob/aa6104e2a21e72f83ce217ea93e8e69884e22b04/RELEASE.md",
    },
    "release-md-copy": {
        "title": "RELEASE.md matrix rows 1.12 .. 2.14, via a third-party translation that keeps the tables",
        "url": "https://github.com/pytorch/pytorch/blob/main/RELEASE.md",
        "note": "SECONDARY copy (code index id 66643764700); rows 1.12..2.3 match release-md",
    },
    "vision-readme": {
        "title": "pytorch/vision README.md version table (up to 2.13 / 0.28)",
        "url": "https://github.com/pytorch/vision/blob/447c9374be54faf736439d909b99703f0d5bd4ff/README.md",
        "note": "read via fork autooptm/vision-ao; older rows also at 56f3a7a915eb4b0a56b68bf6d633091aabb239f2",
    },
    "audio-install": {
        "title": "torchaudio installation docs, compatibility matrix (up to 2.11)",
        "url": "https://docs.pytorch.org/audio/2.11.0/installation.html",
        "note": "older rows: pytorch/audio docs/source/installation.rst @ 3e7e696cc6b49f85e08d5f79db022f66d1c1a2fa",
    },
    "secondary-wheel-lists": {
        "title": "third-party listings of download.pytorch.org wheel names (torchvision patch numbers)",
        "url": "https://download.pytorch.org/whl/torchvision/",
        "note": "SECONDARY; used only to confirm torchvision patch versions the README gives as minors",
    },
    "nvidia-driver-table": {
        "title": "NVIDIA CUDA Toolkit release notes 13.2 Update 2, Tables 2 and 3 (driver versions)",
        "url": "https://docs.nvidia.com/cuda/archive/13.2.2/cuda-toolkit-release-notes/index.html",
    },
    "nvidia-minor-compat": {
        "title": "NVIDIA CUDA Compatibility: minor version compatibility",
        "url": "https://docs.nvidia.com/deploy/cuda-compatibility/minor-version-compatibility.html",
    },
    "cmake-archs": {
        "title": "Kitware CMake CMakeCUDAArchitecturesAll.cmake (archs per CUDA version)",
        "url": "https://github.com/Kitware/CMake/blob/2dac61ce26096db8916739dd768ac7db29bb05ec/Modules/Internal/CMakeCUDAArchitecturesAll.cmake",
    },
    "clang-cuda-archs": {
        "title": "LLVM clang/lib/Basic/Cuda.cpp (min/max CUDA version per sm_XX)",
        "url": "https://github.com/llvm/llvm-project/blob/adf82cffbb872f5ae354cf230a7ff2e88680b1ea/clang/lib/Basic/Cuda.cpp",
    },
    "arch-deprecations": {
        "title": "pytorch issues and release notes on arch changes (#157517, #158700, #147607, #172352, #190385)",
        "url": "https://github.com/pytorch/pytorch/issues/172352",
    },
    "builder-arch-lists": {
        "title": "pytorch/builder release branches: manywheel/build*.sh, windows/cuda*.bat, conda/pytorch-nightly/build.sh",
        "url": "https://github.com/pytorch/builder/tree/f4cfb7069fd795cee288be13804d183f65dedb4f",
        "note": "branch tips lts/release/1.8 7e44027e .. release/2.5 aec5fb5d (see compat-facts-NOTES.md)",
    },
    "builder-conda-recipes": {
        "title": "pytorch/builder conda recipes: pytorch-cuda, cpuonly, pytorch-mutex, build_pytorch.sh",
        "url": "https://github.com/pytorch/builder/tree/f4cfb7069fd795cee288be13804d183f65dedb4f/conda",
    },
    "nix-build-cuda": {
        "title": "Nix transcriptions of pytorch release/2.6 .. 2.10 .ci/manywheel/build_cuda.sh",
        "url": "https://github.com/pytorch/pytorch/blob/main/.ci/manywheel/build_cuda.sh",
        "note": "SECONDARY; PTX markers not represented",
    },
    "pytorch-build-cuda-sh": {
        "title": "pytorch/pytorch .ci/manywheel/build_cuda.sh (2.9/2.10-era content)",
        "url": "https://github.com/pytorch/pytorch/blob/799d09f215740cc4fb78e0bd278dce469e33ddcb/.ci/manywheel/build_cuda.sh",
    },
    "evelthon-measured": {
        "title": "evelthon/PyTorch-supported-compute-capability: SASS measured in Linux wheels (third party)",
        "url": "https://github.com/evelthon/PyTorch-supported-compute-capability/blob/5adb9e493286623cf890551c516501310c4a31c5/README.md",
        "note": "lower confidence; intersection over per-Python wheels stored",
    },
    "pytorch-138506": {
        "title": "pytorch/pytorch#138506: 2.5 is the last release published to the pytorch conda channel",
        "url": "https://github.com/pytorch/pytorch/issues/138506",
    },
    "conda-forge-feedstock": {
        "title": "conda-forge/pytorch-cpu-feedstock (recipe and .ci_support at pytorch 2.13.0)",
        "url": "https://github.com/conda-forge/pytorch-cpu-feedstock/tree/74dd3d46ff0c3d05053197961386b5a2018cf3d1",
    },
    # -- added by research (SOURCES.md) ---------------------------------------------------------
    "nvidia-cuda-gpus": {
        "title": "NVIDIA CUDA GPUs: compute capability per product",
        "url": "https://developer.nvidia.com/cuda-gpus",
    },
    "pytorch-107302": {
        "title": "pytorch/pytorch#107302: NumPy 2.0 support",
        "url": "https://github.com/pytorch/pytorch/issues/107302",
    },
    "pytorch-132179": {
        "title": "pytorch/pytorch#132179: torch < 2.3 wheels fail with NumPy 2 (compiled using NumPy 1.x)",
        "url": "https://github.com/pytorch/pytorch/issues/132179",
    },
    "pytorch-123097": {
        "title": "pytorch/pytorch#123097: undefined symbol iJIT_NotifyEvent with mkl 2024.1 (pytorch channel)",
        "url": "https://github.com/pytorch/pytorch/issues/123097",
    },
}

# torch version -> (release date, source key). Filled by research (SOURCES.md).
RELEASED: dict[str, tuple[str, str]] = {}

# torch version -> field overrides, merged into the generated row.
RELEASE_FIXES: dict[str, dict] = {}

# torch version -> {"builds": conda_forge block, "sources": [...]}
CONDA_FORGE: dict[str, dict] = {}

# arch key -> arch list for conda-forge builds (torch.cuda.get_arch_list() spelling).
CONDA_FORGE_ARCHES: dict[str, list[str]] = {
    # feedstock @ 74dd3d46 (pytorch 2.13.0): TORCH_CUDA_ARCH_LIST per CUDA variant
    "2.13.0+cu128": ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100",
                     "sm_120", "compute_120"],
    "2.13.0+cu129": ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100",
                     "sm_120", "compute_120"],
    "2.13.0+cu130": ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_110", "sm_120",
                     "compute_120"],
}

# Rows the reference does not have at all (e.g. 1.3.0), each with its own sources.
EXTRA_RELEASES: list[dict] = []

CUDA_RELEASED: dict[str, str] = {}

ARCH_NOTES = {
    "linux-wheel": (
        "1.8-2.5 from pytorch/builder release branches (patches of a minor share the branch list); "
        "2.6-2.10 SECONDARY (Nix transcriptions of build_cuda.sh; PTX markers unknown for 2.6-2.8); "
        "2.11-2.14 from the dev-discuss / RELEASE.md support matrix. Linux wheels carry no PTX and "
        "no sm_61 from builder 8d064bfc (2020-07-09) until the 13.0 builds (+PTX)."),
    "windows-wheel": "pytorch/builder windows/cuda*.bat per release branch, 1.8-2.5",
    "conda": "pytorch-channel builds (builder conda/pytorch-nightly/build.sh), 1.8-2.5; keep sm_61 and 3.7+PTX",
    "conda-forge": "feedstock TORCH_CUDA_ARCH_LIST at the 2.13.0 snapshot; linux-aarch64 adds 8.7",
    "measured-linux-wheel": "third-party measurement, intersection over per-Python wheels, < 1.8 only",
}
