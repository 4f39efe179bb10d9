"""Where the knowledge base's facts come from: one entry per source key (title, URL, what was
read), cited by the rows' ``sources:``. tools/build_kb.py writes them to
envmgr/knowledge/data/sources.yaml, with those of ../shared/reference/compat-facts.yaml."""
from __future__ import annotations

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
        "title": "pytorch/pytorch .ci/manywheel/build_cuda.sh (2.9/2.10-era content: 12.6 5.0;6.0;7.0..9.0, "
                 "12.8 7.0..9.0;10.0;12.0, 12.9 ...;12.0+PTX, 13.0 7.5..10.0;12.0+PTX)",
        "url": "https://github.com/pytorch/pytorch/blob/799d09f215740cc4fb78e0bd278dce469e33ddcb/.ci/manywheel/build_cuda.sh",
        "note": "commit on an unknown branch; its lists equal the KB's 2.9/2.10 cu126/cu128/cu130 rows",
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
    "nvidia-cuda-legacy-gpus": {
        "title": "NVIDIA Legacy CUDA GPU Compute Capability (Pascal and older, V100, Jetson Xavier/TX2/Nano)",
        "url": "https://developer.nvidia.com/cuda-legacy-gpus",
    },
    "pypi-torch": {
        "title": "PyPI torch release history (first upload per version, wheel tags, metadata)",
        "url": "https://pypi.org/project/torch/#history",
        "note": "read 2026-11-27 through the PyPI JSON API",
    },
    "pypi-torch-files-2026-12-04": {
        "title": "PyPI torch JSON API, every release's file list: which platform tags have wheels "
                 "(macosx x86_64, macosx arm64, manylinux aarch64)",
        "url": "https://pypi.org/pypi/torch/json",
        "note": "read 2026-12-04: macosx x86_64 wheels 1.0.0-2.2.2 (none from 2.3.0); macosx arm64 "
                "from 1.8.0 (none for 1.8.1, 1.9.1); manylinux aarch64 from 1.8.0 (none for 1.9.1; "
                "manylinux2014 to 2.5.1, manylinux_2_28 from 2.6.0). Used by platforms.yaml",
    },
    "pypi-torchvision": {
        "title": "PyPI torchvision release history",
        "url": "https://pypi.org/project/torchvision/#history",
    },
    "pypi-torchaudio": {
        "title": "PyPI torchaudio release history",
        "url": "https://pypi.org/project/torchaudio/#history",
    },
    "pytorch-github-io-1033": {
        "title": "pytorch.github.io#1033: 1.8.1/1.9.0/1.9.1 conda builds exist only for cudatoolkit 11.1, not 11.3",
        "url": "https://github.com/pytorch/pytorch.github.io/issues/1033",
    },
    "pytorch-104754": {
        "title": "pytorch/pytorch#104754: pytorch < 1.5.1 (and torchvision < 0.6.1) deleted from the pytorch channel",
        "url": "https://github.com/pytorch/pytorch/issues/104754",
        "note": "reported 2023-07-07 from anaconda.org/pytorch/pytorch/files (every subdir); the issue is "
                "closed without a restore; torchvision counterpart vision#7725 is still open",
    },
    "pytorch-131668": {
        "title": "pytorch/pytorch#131668: 2.4.0 Windows wheels not compatible with NumPy 2 (fixed in 2.4.1)",
        "url": "https://github.com/pytorch/pytorch/issues/131668",
    },
    "builder-1770": {
        "title": "pytorch/builder#1770: release 2.3 wheels and conda builds built against numpy 2.0.0rc1",
        "url": "https://github.com/pytorch/builder/pull/1770",
    },
    "secondary-install-commands": {
        "title": "third-party install commands found in public repositories (code search)",
        "url": "https://github.com/search?type=code",
        "note": "SECONDARY; corroboration only, listed per row in notes",
    },
    "pytorch-123097": {
        "title": "pytorch/pytorch#123097: undefined symbol iJIT_NotifyEvent with mkl 2024.1 (pytorch channel)",
        "url": "https://github.com/pytorch/pytorch/issues/123097",
    },
    # -- conda-forge builds 2.6+ and pytorch-channel platforms (SOURCES.md, "conda-forge" and
    #    "Platforms of the pytorch channel") ----------------------------------------------------
    "cf-feedstock-231": {
        "title": "conda-forge/pytorch-cpu-feedstock#231: Windows builds (merged; CPU and CUDA 12.6, mkl only, "
                 "first published for 2.5.1 in January 2025)",
        "url": "https://github.com/conda-forge/pytorch-cpu-feedstock/pull/231",
        "note": "branch recipe 44c60351 (2.5.1): build strings cuda{cu}_{blas}_py{py}_h{hash}_{n} / "
                "cpu_{blas}_py{py}_h{hash}_{n}; #351 (open): generic BLAS on Windows was de-scoped",
    },
    "cf-feedstock-ci-support": {
        "title": "conda-forge/pytorch-cpu-feedstock .ci_support history (variant configs per platform and CUDA)",
        "url": "https://github.com/conda-forge/pytorch-cpu-feedstock/tree/3c9d0df70c239236e9c5ce32a0a491495a4d1238/.ci_support",
        "note": "win_64 ...cuda_compiler_version12.6 (93e950d6, 44c60351), win_64 ...12.8 (3c9d0df7), "
                "win_64 ...13.0 (db27a261), linux_64 ...12.9 (3c9d0df7), linux_64 ...13.0 (cb62f0dc); "
                "every configuration set includes the CPU (cuda_compiler_version None) variants",
    },
    "cf-pinning-7476": {
        "title": "conda-forge-pinning-feedstock#7476: migrate for CUDA 12.9 (July 2025); pytorch win-64 "
                 "OOMs with 12.9 and stays on 12.8",
        "url": "https://github.com/conda-forge/conda-forge-pinning-feedstock/pull/7476",
    },
    "cf-pinning-7994": {
        "title": "conda-forge-pinning-feedstock#7994: pytorch 2.9 migration (2025-11-26), after "
                 "pytorch-cpu-feedstock#448",
        "url": "https://github.com/conda-forge/conda-forge-pinning-feedstock/pull/7994",
    },
    "cf-pinning-8578": {
        "title": "conda-forge-pinning-feedstock#8578: pytorch 2.11 migration (2026-06-05), after "
                 "pytorch-cpu-feedstock#490; 2.12 in progress (#503)",
        "url": "https://github.com/conda-forge/conda-forge-pinning-feedstock/pull/8578",
    },
    "cf-observed-builds": {
        "title": "conda-forge pytorch build strings recorded in third-party environments, locks and install "
                 "logs (code search)",
        "url": "https://github.com/search?type=code",
        "note": "SECONDARY: each listed variant was seen as a concrete conda-forge build (see SOURCES.md); "
                "lists can be incomplete, never invented",
    },
    "cf-feedstock-2.10.0": {
        "title": "conda-forge/pytorch-cpu-feedstock recipe/build.sh + recipe/meta.yaml at pytorch 2.10.0 "
                 "(238fe50d: build 1; 81c145f0: build 3): TORCH_CUDA_ARCH_LIST per cuda_compiler_version",
        "url": "https://github.com/conda-forge/pytorch-cpu-feedstock/blob/238fe50d9f9a3957584d3713531a81eec91e9f0e/recipe/build.sh",
        "note": "12.[89]) 5.0;6.0;7.0;7.5;8.0;8.6;9.0;10.0;12.0+PTX, 13.0) 7.5;8.0;8.6;9.0;10.0;11.0;12.0+PTX "
                "(unix build.sh; 81c145f0 adds an arm tegra case 8.7;10.1+PTX); the Windows bld.bat of "
                "these commits was not readable",
    },
    "cf-feedstock-393": {
        "title": "conda-forge/pytorch-cpu-feedstock#393: Rebuild for CUDA 12.9 (June/July 2025) replaces the "
                 "12.[0-6] arch list 5.0;6.0;6.1;7.0;7.5;8.0;8.6;8.9;9.0+PTX with a 12.[89] list",
        "url": "https://github.com/conda-forge/pytorch-cpu-feedstock/pull/393",
        "note": "review excerpt only (proposed list ...;8.9;9.0;10.0;12.0+PTX, reviewer agrees to drop "
                "archs); the merged list and the torch version it first shipped with were not readable",
    },
    "cf-repodata-patches-973": {
        "title": "conda-forge-repodata-patches-feedstock#973: file list incl. torchaudio 2.5.1/2.6.0/2.7.0 "
                 "conda-forge builds (cpu_ and cuda126_)",
        "url": "https://github.com/conda-forge/conda-forge-repodata-patches-feedstock/pull/973",
    },
    "miniforge-80": {
        "title": "conda-forge/miniforge#80 (2020-12-12): no pytorch packages for osx-arm64 on the pytorch channel",
        "url": "https://github.com/conda-forge/miniforge/issues/80",
    },
    "pytorch-82428": {
        "title": "pytorch/pytorch#82428 and #82483 (July 2022): PyTorch 1.12 osx-arm64 conda packages on the "
                 "pytorch channel (solver/current_repodata problems with them)",
        "url": "https://github.com/pytorch/pytorch/issues/82428",
    },
    "pytorch-117801": {
        "title": "pytorch/pytorch#117801 (2024-01): build M1 (osx-arm64) conda binaries on M1 runners",
        "url": "https://github.com/pytorch/pytorch/pull/117801",
    },
    "pytorch-114602": {
        "title": "pytorch/pytorch#114602: macOS x86 builds deprecated; 2.2.x is the last release with "
                 "macOS x86_64 binaries",
        "url": "https://github.com/pytorch/pytorch/issues/114602",
    },
    "pytorch-131766": {
        "title": "pytorch/pytorch#131766: no osx-64 build of 2.4 on PyPI or the pytorch conda channel (expected)",
        "url": "https://github.com/pytorch/pytorch/issues/131766",
    },
    "vision-7725": {
        "title": "pytorch/vision#7725: torchvision < 0.6.1 no longer on the pytorch conda channel (open)",
        "url": "https://github.com/pytorch/vision/issues/7725",
    },
    # -- data audit 2026.11.27.1 (SOURCES.md, "Audit 2026.11.27.1") -----------------------------
    "builder-1957": {
        "title": "pytorch/builder#1957: [Release 2.4] cherry pick of 'Use numpy 2.0.0rc1 for windows builds' "
                 "(#1945), merged 2024-08-14, i.e. first in 2.4.1",
        "url": "https://github.com/pytorch/builder/pull/1957",
    },
    "builder-1941": {
        "title": "pytorch/builder#1941 (reverted by #1944, re-landed as #1945): the Windows fix edits "
                 "windows/condaenv.bat, the wheel build environment, which pinned NumPy 1.x for every Python",
        "url": "https://github.com/pytorch/builder/pull/1941",
    },
    "builder-1768": {
        "title": "pytorch/builder#1768: numpy 2.0.0rc1 for the conda builds (conda-build recipe) and the "
                 "Linux wheels; cherry-picked to release 2.3 by #1770",
        "url": "https://github.com/pytorch/builder/pull/1768",
    },
    "pytorch-128860": {
        "title": "pytorch/pytorch#128860: Update PyTorch CI to numpy 2.0 (Windows reports: 2.3.x wheels fail "
                 "with NumPy 2, '_ARRAY_API not found')",
        "url": "https://github.com/pytorch/pytorch/issues/128860",
    },
    "cmake-archs-031593de": {
        "title": "Kitware CMake CMakeCUDAArchitecturesAll.cmake with the CUDA 12.9 case "
                 "(VERSION_GREATER_EQUAL 12.9: 100 101 103 120 121)",
        "url": "https://github.com/Kitware/CMake/blob/031593de2564f4ecacebd0c376416eef997c779c/Modules/Internal/CMakeCUDAArchitecturesAll.cmake",
    },
    "builder-dockerfile-80": {
        "title": "pytorch/builder manywheel/Dockerfile_80: cu80 wheels built on nvidia/cuda:8.0-devel-centos7 "
                 "plus the CUDA 8.0.61 (GA2, Prod2) patch 2",
        "url": "https://github.com/pytorch/builder/blob/06a166dffc76e05d018c7f466d6b8b6cb6916c0b/manywheel/Dockerfile_80",
    },
    "cuda80-measured-conda": {
        "title": "moi90/pytorch_compute_capabilities table.md: pytorch-1.0.0-py3.7_cuda8.0.61_cudnn7.1.2_1 "
                 "(pytorch channel) carries sm_20 .. sm_61 (third party)",
        "url": "https://github.com/moi90/pytorch_compute_capabilities/blob/6bbfa99e99cdc2d4b3bbd0de86dab3748ca489cf/table.md",
        "note": "SECONDARY; corroborates that 1.0.0 conda cu80 builds used CUDA 8.0.61",
    },
    "secondary-arch-records": {
        "title": "third-party torch.cuda.get_arch_list() recordings and transcriptions of release-tag "
                 ".ci/manywheel/build_cuda.sh (2.7.x cu128 and 2.8 cu129 '+PTX')",
        "url": "https://github.com/search?type=code",
        "note": "SECONDARY; e.g. a recorded 2.7.1+cu128 ['sm_75' .. 'sm_120', 'compute_120']; "
                "v2.7.0/v2.7.1 12.8 case '7.5;8.0;8.6;9.0;10.0;12.0+PTX'; v2.8.0 12.9 case '...;12.0+PTX', "
                "12.8 case without +PTX",
    },
}


# The reference compilation's source files -> the keys above.
REFERENCE_SOURCE_KEYS = {
    "pytorch.github.io__previous-versions.md": "prev-versions",
    "pytorch.github.io__previous-versions@04862e37__excerpt.md": "prev-versions-04862e37",
    "pytorch.org__previous-versions__docs-corpus-excerpts.md": "prev-versions-live",
    "pytorch__RELEASE.md@aa6104e2__excerpt.md": "release-md",
    "pytorch__RELEASE.md__newer-copy-in-zh-translation__excerpt.md": "release-md-copy",
    "pytorch-vision__README.md@447c9374__via-fork-autooptm-vision-ao__excerpt.md": "vision-readme",
    "pytorch-audio__installation.html@2.11.0__docs-corpus-excerpt.md": "audio-install",
    "secondary__torchvision-patch-and-pip-variant-corroboration.md": "secondary-wheel-lists",
    "nvidia__cuda-toolkit-release-notes-13.2.2__driver-tables.md": "nvidia-driver-table",
    "nvidia__cuda-compatibility__minor-version-compatibility__excerpts.md": "nvidia-minor-compat",
    "kitware-cmake__CMakeCUDAArchitecturesAll.cmake@2dac61ce.cmake": "cmake-archs",
    "llvm__clang-lib-Basic-Cuda.cpp@adf82cff__excerpt.cpp": "clang-cuda-archs",
    "pytorch-issues-and-release-notes__arch-deprecations__excerpts.md": "arch-deprecations",
    "pytorch-builder__manywheel_arch_lists.txt": "builder-arch-lists",
    "pytorch-builder__manywheel_build.sh_history.txt": "builder-arch-lists",
    "pytorch-builder__conda_recipes.txt": "builder-conda-recipes",
    "secondary__nix-transcriptions-of-pytorch-release-build_cuda.sh.md": "nix-build-cuda",
    "pytorch__.ci-manywheel-build_cuda.sh@799d09f2__excerpt.sh": "pytorch-build-cuda-sh",
    "evelthon__PyTorch-supported-compute-capability__README.md": "evelthon-measured",
    "conda-channel__deprecation-and-anaconda.org__excerpts.md": "pytorch-138506",
    "conda-forge__pytorch-cpu-feedstock__excerpts.txt": "conda-forge-feedstock",
}


def source_keys(src_names) -> list[str]:
    keys: list[str] = []
    for name in src_names or ():
        key = REFERENCE_SOURCE_KEYS[name]
        if key not in keys:
            keys.append(key)
    return keys
