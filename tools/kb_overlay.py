"""Facts added on top of ../shared/reference/compat-facts.yaml, each with its source key.

tools/build_kb.py merges these into envmgr/knowledge/data/*.yaml. SOURCES.md says why each one is here.
"""
from __future__ import annotations

KB_VERSION = "2026.12.07"

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

# Release dates, torchvision/torchaudio pairings, the plain-PyPI CUDA and the wheels' python tags
# are no longer typed here: build_kb.py derives them from the recorded PyPI responses
# (tools/recorded/, written by tools/record_pypi.py with envmgr's refresh code).
RELEASED: dict[str, tuple[str, str]] = {}

_STABLE_ABI_AUDIO = ("torchaudio 2.11.0 is built against PyTorch's stable ABI and supports 2.11 and "
                     "all later versions; no later torchaudio exists on PyPI")
_PYPI_PY = "python list from the cpXY wheel tags on PyPI"

# torch version -> field overrides, merged into the generated row ("notes" is appended).
RELEASE_FIXES: dict[str, dict] = {
    # 1.7.0 has no cp39 wheels (PyPI); 3.9 arrived with 1.7.1. torchaudio 0.7.0 says <=3.8 too.
    "1.7.0": {"python": ["3.6", "3.7", "3.8"], "sources": ["pypi-torch"],
              "notes": "python 3.9: torchvision README says yes, torchaudio docs and PyPI wheels say no"},
    # The page's cudatoolkit=11.3 for 1.8.1/1.9.x conda is wrong: the pytorch channel has only
    # 11.1 builds of them (pytorch.github.io#1033, checked against anaconda.org files).
    "1.8.1": {"conda": {"cuda": {"10.2": [], "11.1": ["conda-forge"]}}, "sources": ["pytorch-github-io-1033"],
              "notes": "conda CUDA 11.1, not the page's 11.3 (pytorch.github.io#1033)"},
    "1.9.0": {"conda": {"cuda": {"10.2": [], "11.1": ["conda-forge"]}}, "sources": ["pytorch-github-io-1033"],
              "notes": "conda CUDA 11.1, not the page's 11.3 (pytorch.github.io#1033)"},
    "1.9.1": {"conda": {"cuda": {"10.2": [], "11.1": ["conda-forge"]}}, "sources": ["pytorch-github-io-1033"],
              "notes": "conda CUDA 11.1, not the page's 11.3 (pytorch.github.io#1033)"},
    # The page's own note for 1.8.2 LTS ("only supported for Python <= 3.8") wins over the
    # torchvision 0.9 table: the LTS builds are a separate release stream.
    "1.8.2": {"python": ["3.6", "3.7", "3.8"],
              "notes": "not on PyPI (LTS wheels only on download.pytorch.org/whl/lts/1.8); release date "
                       "not verified; Windows conda command adds conda-forge instead of nvidia for 11.1; "
                       "the page notes Python <=3.8, torchvision 0.9 says <=3.9"},
    # The page's 1.10.1 pip command uses the per-variant page, .../whl/cu111/torch_stable.html.
    "1.10.1": {"pip": {"url": "https://download.pytorch.org/whl/{variant}/torch_stable.html"}},
    # 2.4.1: the previous-versions section was never read; the pytorch channel has it with
    # pytorch-cuda 11.8/12.1/12.4 (many third-party install commands, same as 2.4.0).
    "2.4.1": {"conda": {"channel": "pytorch", "cuda_selector": "pytorch-cuda", "cpu_selector": "cpuonly",
                        "cpu": True, "cuda": {"11.8": ["nvidia"], "12.1": ["nvidia"], "12.4": ["nvidia"]}},
              "sources": ["secondary-install-commands"],
              "notes": "conda 2.4.1 from third-party install commands (pytorch-cuda=11.8/12.1/12.4 -c pytorch -c nvidia)"},
    # 2.10+ rows: PyPI confirms the patch versions and the same-day torchvision uploads.
    "2.10.0": {"sources": ["pypi-torch", "pypi-torchvision"],
               "notes": "2.10.0 is the only 2.10 release on PyPI"},
    "2.11.0": {"sources": ["pypi-torch", "pypi-torchvision"],
               "notes": "2.11.0 is the only 2.11 release on PyPI"},
    "2.12.0": {"sources": ["pypi-torch", "pypi-torchvision", "audio-install"]},
    "2.13.0": {"python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "python_experimental": ["3.14t"],
               "sources": ["pypi-torch", "pypi-torchvision", "audio-install"],
               "notes": f"{_PYPI_PY} (RELEASE.md says <=3.15 but there are no cp315 wheels)"},
    "2.14.0": {"python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "python_experimental": ["3.14t"],
               "sources": ["pypi-torch", "pypi-torchvision", "audio-install", "arch-deprecations"],
               "notes": f"{_PYPI_PY} (RELEASE.md says <=3.15 but there are no cp315 wheels); "
                        "torchvision 0.29.0 uploaded to PyPI with 2.14.0"},
}

# torch version -> {"builds": conda_forge block, "sources": [...], "notes": "..."}
# Rule (SOURCES.md): a CUDA variant is listed only where a source shows that build for that platform;
# a platform whose builds were not verified is null (envmgr then does not offer the conda-forge route
# there). Lists can therefore be incomplete, never invented. linux-64 CPU builds come with every
# feedstock configuration (cf-feedstock-ci-support); win-64 CPU likewise since #231.
_CF_PATTERN = "cuda{cu}_*"      # cuda126_mkl_py312_h<hash>_304, cuda129_generic_...: blas part varies
CONDA_FORGE: dict[str, dict] = {
    "2.6.0": {
        "builds": {"linux-64": {"cuda": ["12.6"], "cpu": True}, "win-64": None, "osx-arm64": None,
                   "build_pattern": _CF_PATTERN},
        "sources": ["cf-observed-builds", "cf-feedstock-ci-support", "cf-repodata-patches-973"],
        "notes": "conda-forge: linux-64 cuda126_mkl_py310_h5ee0071_304 and cpu_mkl_py312_h446997d_101 seen; "
                 "torchvision 0.21.0 cuda126 and torchaudio 2.6.0 (cpu, cuda126) exist; win-64 and "
                 "osx-arm64 builds not verified",
    },
    "2.7.0": {
        "builds": {"linux-64": {"cuda": ["12.6"], "cpu": True}, "win-64": None, "osx-arm64": None,
                   "build_pattern": _CF_PATTERN},
        "sources": ["cf-observed-builds", "cf-feedstock-ci-support", "cf-repodata-patches-973"],
        "notes": "conda-forge: cuda126_mkl_py312_h30b5a27_300 (libtorch 566.9 MiB) seen; torchaudio 2.7.0 "
                 "cuda126 exists; other CUDA variants, win-64 and osx-arm64 not verified",
    },
    "2.7.1": {
        "builds": {"linux-64": {"cuda": ["12.6"], "cpu": True}, "win-64": None, "osx-arm64": None,
                   "build_pattern": _CF_PATTERN},
        "sources": ["cf-observed-builds", "cf-feedstock-ci-support"],
        "notes": "conda-forge: linux cuda126_mkl_py39_hd241233_300 and cuda126_generic builds seen; "
                 "a 12.9 rebuild (CUDA 12.9 migration, July 2025) not verified; win-64 and osx-arm64 "
                 "not verified",
    },
    "2.8.0": {
        "builds": {"linux-64": {"cuda": ["12.9"], "cpu": True}, "win-64": {"cuda": ["12.8"], "cpu": True},
                   "osx-arm64": {"cuda": [], "cpu": True}, "build_pattern": _CF_PATTERN},
        "sources": ["cf-observed-builds", "cf-feedstock-ci-support", "cf-pinning-7476", "cf-feedstock-231"],
        "notes": "conda-forge: linux cuda129_mkl_py311_h974e97e_302, win-64 cuda128_mkl_py311_h889696f_302, "
                 "osx-arm64 cpu_generic_py311_hf0c13c8_2 seen; win-64 has no 12.9 build (pinning#7476: "
                 "12.9 OOMs on Windows); a linux cuda128 build may exist (seen without its platform)",
    },
    "2.10.0": {
        "builds": {"linux-64": {"cuda": ["12.9"], "cpu": True}, "win-64": {"cuda": ["12.8"], "cpu": True},
                   "osx-arm64": None, "build_pattern": _CF_PATTERN},
        "sources": ["cf-observed-builds", "cf-feedstock-ci-support", "cf-pinning-7476"],
        "notes": "conda-forge: linux-64 cuda129_mkl_py312_hb9da02c_305 (linux-64 lock), win-64 "
                 "cuda128_mkl_py311_ha828eda_302 seen; cuda130_mkl builds (_301, _304) seen without their "
                 "platform, so 13.0 is not listed; osx-arm64 not verified",
    },
    "2.13.0": {
        "builds": {
            "linux-64": {"cuda": ["12.9", "13.0"], "cpu": True},
            "win-64": {"cuda": ["12.8", "13.0"], "cpu": True},
            "osx-arm64": {"cuda": [], "cpu": True},
            "build_pattern": _CF_PATTERN,
        },
        "sources": ["conda-forge-feedstock", "cf-observed-builds"],
    },
}

# arch key -> arch list for conda-forge builds (torch.cuda.get_arch_list() spelling).
CONDA_FORGE_ARCHES: dict[str, list[str]] = {
    # feedstock @ 74dd3d46 (pytorch 2.13.0): TORCH_CUDA_ARCH_LIST per CUDA variant
    # feedstock @ 238fe50d / 81c145f0 (pytorch 2.10.0, builds 1 and 3), build.sh case 12.[89]:
    # "5.0;6.0;7.0;7.5;8.0;8.6;9.0;10.0;12.0+PTX" (linux-64 builds are cuda129; the win-64 cuda128
    # build uses bld.bat, which was not readable at these commits: no 2.10.0+cu128 key)
    "2.10.0+cu129": ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100",
                     "sm_120", "compute_120"],
    "2.13.0+cu128": ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100",
                     "sm_120", "compute_120"],
    "2.13.0+cu129": ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100",
                     "sm_120", "compute_120"],
    "2.13.0+cu130": ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_110", "sm_120",
                     "compute_120"],
}

def _add_fix(torch: str, fix: dict) -> None:
    """Merge one more fix into RELEASE_FIXES[torch] (sources and notes accumulate)."""
    entry = RELEASE_FIXES.setdefault(torch, {})
    for key, value in fix.items():
        if key == "sources":
            entry["sources"] = entry.get("sources", []) + [k for k in value if k not in entry.get("sources", [])]
        elif key == "notes":
            entry["notes"] = "; ".join(n for n in (entry.get("notes"), value) if n)
        elif isinstance(value, dict):
            entry[key] = {**entry.get(key, {}), **value}
        else:
            entry[key] = value


for _torch, _cf in CONDA_FORGE.items():
    if _cf.get("notes"):
        _add_fix(_torch, {"notes": _cf["notes"]})


def _release_tuple(torch: str) -> tuple[int, ...]:
    return tuple(int(part) for part in torch.split("."))


# Subdirs of the anaconda `pytorch` channel per release (`conda.platforms`; absent = linux-64 and
# win-64). Windows: every release's page section has a "Linux and Windows" conda command.
# osx-64: the page's OSX commands up to 2.2.x; 2.2 is the last release with macOS x86 binaries.
# osx-arm64: none in December 2020; PyTorch 1.12 is the first release with M1 conda packages.
# 1.8.2 LTS (pytorch-lts) was published for Linux and Windows only.
def conda_platforms(torch: str) -> tuple[list[str], list[str]]:
    if torch == "1.8.2":
        return ["linux-64", "win-64"], ["prev-versions"]
    version = _release_tuple(torch)
    if version < (1, 12):
        return ["linux-64", "win-64", "osx-64"], ["prev-versions", "miniforge-80", "pytorch-82428"]
    if version < (2, 3):
        return ["linux-64", "win-64", "osx-64", "osx-arm64"], ["prev-versions", "pytorch-82428"]
    return ["linux-64", "win-64", "osx-arm64"], ["pytorch-114602", "pytorch-131766", "pytorch-117801"]


def _recorded_versions() -> list[str]:
    import json
    from pathlib import Path

    recorded = Path(__file__).resolve().parent / "recorded" / "pypi.json"
    return [row["torch"] for row in json.loads(recorded.read_text(encoding="utf-8"))["releases"]]


for _torch in [*_recorded_versions(), "1.8.2"]:
    if _release_tuple(_torch) <= (2, 5, 1):
        _platforms, _sources = conda_platforms(_torch)
        _add_fix(_torch, {"conda": {"platforms": _platforms}, "sources": _sources})

# pip CUDA 11.3 wheels of 1.10.0/1.10.1: builder release/1.10 built cu113 (the Windows wheel table
# above lists 1.10.x+cu113 from its windows/cuda113.bat), and many install commands pin
# torch==1.10.x+cu113 from download.pytorch.org/whl/cu113/torch_stable.html. The page lists 11.3
# only as a conda variant for 1.10.x. The Linux arch list of these wheels is not known.
for _torch in ("1.10.0", "1.10.1"):
    _add_fix(_torch, {"pip": {"cuda": ["10.2", "11.1", "11.3"]},
                      "sources": ["builder-arch-lists", "secondary-install-commands"],
                      "notes": "pip cu113 wheels added (builder release/1.10 windows/cuda113.bat; many "
                               "third-party torch==%s+cu113 install commands); not on the page" % _torch})

# The cu80 builds of 1.0.0 were built with CUDA 8.0.61 (GA2), hence the 8.0 row's GA2 drivers.
_add_fix("1.0.0", {"sources": ["builder-dockerfile-80", "cuda80-measured-conda"],
                   "notes": "cu80 wheels and conda builds used CUDA 8.0.61 (GA2): driver >= 375.26 / 376.51"})

# Rows the reference does not have at all, each with its own sources. "like" copies another
# row first (same minor: CUDA variants and channels come from the per-minor RELEASE.md matrix).
_FIND_LINKS = {"index": "find-links", "url": "https://download.pytorch.org/whl/torch_stable.html",
               "local_tag": True}
EXTRA_RELEASES: list[dict] = [
    {"torch": "1.3.0", "torchvision": "0.4.1", "torchaudio": None,
     "python": ["2.7", "3.5", "3.6", "3.7"],
     "conda": {"channel": "pytorch", "cuda_selector": "cudatoolkit", "cpu_selector": "cpuonly",
               "cpu": True, "cuda": {"9.2": [], "10.1": []}, "removed": True},
     "pip": {"cuda": ["9.2", "10.0", "10.1"], "cpu": True, **_FIND_LINKS},
     "sources": ["pypi-torch", "pypi-torchvision", "evelthon-measured", "secondary-install-commands",
                 "pytorch-104754"],
     "notes": "missing from the previous-versions page; python from PyPI wheel tags; pip cu92/cu100 "
              "wheels measured by evelthon, cu101 is the untagged PyPI default per third-party "
              "commands; conda cudatoolkit 9.2/10.1 from third-party commands only, and deleted "
              "from the pytorch channel in July 2023 (pytorch#104754)"},
    {"torch": "1.3.1", "torchvision": "0.4.2", "torchaudio": None,
     "python": ["2.7", "3.5", "3.6", "3.7"],
     "conda": {"channel": "pytorch", "cuda_selector": "cudatoolkit", "cpu_selector": "cpuonly",
               "cpu": True, "cuda": {"9.2": [], "10.1": []}, "removed": True},
     "pip": {"cuda": ["9.2", "10.0", "10.1"], "cpu": True, **_FIND_LINKS},
     "sources": ["pypi-torch", "pypi-torchvision", "evelthon-measured", "secondary-install-commands",
                 "pytorch-104754"],
     "notes": "missing from the previous-versions page; same evidence as 1.3.0"},
    {"torch": "1.10.2", "torchvision": "0.11.3", "torchaudio": "0.10.2",
     "python": ["3.6", "3.7", "3.8", "3.9"],
     "conda": {"channel": "pytorch", "cuda_selector": "cudatoolkit", "cpu_selector": "cpuonly",
               "cpu": True, "cuda": {"10.2": [], "11.3": ["conda-forge"]}},
     "pip": {"cuda": ["10.2", "11.1", "11.3"], "cpu": True, **_FIND_LINKS},
     "sources": ["pypi-torch", "pypi-torchvision", "pypi-torchaudio", "secondary-install-commands"],
     "notes": "missing from the previous-versions page; companions uploaded to PyPI the same day; "
              "pip cu102/cu111/cu113 and conda cudatoolkit 10.2/11.3 from third-party install "
              "commands (NOTES: measured wheel list); no cp310 x86_64 wheels on PyPI"},
    {"like": "2.12.0", "torch": "2.12.1", "torchvision": "0.27.1",
     "sources": ["pypi-torch", "pypi-torchvision"],
     "notes": "patch release found on PyPI; CUDA variants assumed equal to 2.12.0 (RELEASE.md is per minor)"},
    {"like": "2.14.0", "torch": "2.14.1", "torchvision": "0.29.1",
     "sources": ["pypi-torch", "pypi-torchvision"],
     "notes": "patch release found on PyPI; CUDA variants assumed equal to 2.14.0 (RELEASE.md is per minor)"},
    {"torch": "2.15.0",
     "python": ["3.11", "3.12", "3.13", "3.14", "3.15"], "python_experimental": ["3.14t", "3.15t"],
     "conda": None,
     "pip": {"cuda": ["13.2"], "cpu": True, "index": "index-url",
             "url": "https://download.pytorch.org/whl/{variant}", "local_tag": True},
     "sources": ["pypi-torch", "pypi-torchvision", "audio-install"],
     "notes": "newer than every compiled source: only PyPI is known. python from wheel tags "
              "(cp311..cp315, free-threaded 3.14t/3.15t); the PyPI wheel depends on cuda-toolkit "
              "13.2.2, so 13.2 is the PyPI default; OTHER CUDA VARIANTS ON download.pytorch.org ARE "
              "NOT VERIFIED; torchvision 0.29.2 (py3-none wheels, torch>=2.14) and torchaudio 2.11.1 "
              "(torch>=2.11) uploaded the same day"},
]

# CUDA toolkit -> field overrides.
CUDA_FIXES: dict[str, dict] = {
    # NVIDIA: 11.0 shipped with an older driver; 450.80.02/452.39 is what the rest of 11.x needs.
    # For 11.0 itself its own GA driver is already enough, so the minimum stays the GA driver.
    "11.0": {"minor_compat_driver_linux": "450.51.05", "minor_compat_driver_windows": "451.48"},
}

_CUDA12_MINOR_COMPAT_NOTE = (
    "current NVIDIA Table 2 gives only '>= 525'; 525.60.13 (Linux) equals the 12.0 GA toolkit driver in "
    "Table 3; Windows 528.33 from a copy of the older release-notes Table 2, while copies of the older "
    "compatibility guide say 527.41: the stricter 528.33 is kept (SOURCES.md)")
CUDA_FIXES["12.9"] = {
    "sources": ["nvidia-driver-table", "nvidia-minor-compat", "cmake-archs", "cmake-archs-031593de",
                "clang-cuda-archs", "arch-deprecations"],
    "notes": _CUDA12_MINOR_COMPAT_NOTE + "; CMake @031593de: 100 101 103 120 121 at >=12.9 (primary); "
             "agrees with LLVM PR #136639 (sm_103/sm_121 with PTX ISA 8.8) and the cuRANDDx notes",
}

# Toolkits the reference does not have. CUDA 8.0: torch 1.0.0 ships cu80 (conda feature cuda80, pip).
# NVIDIA Table 3 has two 8.0 rows; the minimum is the GA2 row because PyTorch's cu80 builds used 8.0.61.
# Archs: CMake's initial set (20 21 30 35 37 50 52 53) plus 60 61 62 at >=8.0; clang Cuda.cpp adds
# sm_32 (min CUDA 7.0) and ends sm_20/21 at CUDA 8.0.
EXTRA_TOOLKITS: list[dict] = [{
    "cuda": "8.0",
    "released": None,
    "driver_linux": "375.26",
    "driver_windows": "376.51",
    "minor_compat_driver_linux": None,
    "minor_compat_driver_windows": None,
    "archs": ["2.0", "2.1", "3.0", "3.2", "3.5", "3.7", "5.0", "5.2", "5.3", "6.0", "6.1", "6.2"],
    "archs_complete": True,
    "updates": [{"release": "8.0 (8.0.44)", "linux": "367.48", "windows": "369.30"},
                {"release": "8.0 (8.0.61 GA2)", "linux": "375.26", "windows": "376.51"}],
    "sources": ["nvidia-driver-table", "cmake-archs", "clang-cuda-archs", "builder-dockerfile-80"],
    "notes": "no minor-version compatibility before CUDA 11: minimum driver = toolkit driver; minimum is the "
             "8.0.61 GA2 row (375.26 / 376.51), the toolkit PyTorch's cu80 builds used (builder "
             "Dockerfile_80); the first 8.0 release, 8.0.44, shipped with 367.48 / 369.30; CMake: 60 61 62 "
             "at >=8.0, 20/21 removed at >=9.0; clang Cuda.cpp: sm_20/21 max CUDA 8.0, sm_60-62 min 8.0",
}]

# packaging -> arch key -> full list, replacing the reference's list (SOURCES.md, audit 2026.11.27.1).
ARCH_FIXES: dict[str, dict[str, list[str]]] = {
    "linux-wheel": {
        # release/2.7 12.8 case: "7.5;8.0;8.6;9.0;10.0;12.0+PTX" (SECONDARY: recorded 2.7.1+cu128
        # get_arch_list(), transcriptions of v2.7.0/v2.7.1 build_cuda.sh)
        "2.7.0+cu128": ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"],
        "2.7.1+cu128": ["sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"],
        # 12.9 case "7.0;7.5;8.0;8.6;9.0;10.0;12.0+PTX" (the 12.8 case has no +PTX): build_cuda.sh
        # @799d09f2 has this 12.9 line; for v2.8.0 itself only transcriptions were read
        "2.8.0+cu129": ["sm_70", "sm_75", "sm_80", "sm_86", "sm_90", "sm_100", "sm_120", "compute_120"],
    },
}

CUDA_RELEASED: dict[str, str] = {}

ARCH_NOTES = {
    "linux-wheel": (
        "1.8-2.5 from pytorch/builder release branches (patches of a minor share the branch list); "
        "2.6-2.8 SECONDARY (Nix transcriptions of release build_cuda.sh; compute_120 of 2.7.x cu128 and "
        "2.8.0 cu129 from recorded get_arch_list() outputs and tag transcriptions; 2.6 PTX unknown); "
        "2.9/2.10 cu126/cu128/cu130 equal pytorch .ci/manywheel/build_cuda.sh @799d09f2 (primary, branch "
        "unknown); 2.11-2.14 from the dev-discuss / RELEASE.md support matrix. Linux wheels carry no PTX "
        "and no sm_61 from builder 8d064bfc (2020-07-09) until 2.7 cu128 (12.0+PTX); since then only the "
        "newest CUDA variant of a release has PTX (2.8 cu129, 2.9+ cu130). "
        "1.10.x cu113 wheels: list unknown."),
    "windows-wheel": "pytorch/builder windows/cuda*.bat per release branch, 1.8-2.5",
    "conda": "pytorch-channel builds (builder conda/pytorch-nightly/build.sh), 1.8-2.5; keep sm_61 and 3.7+PTX",
    "conda-forge": ("feedstock TORCH_CUDA_ARCH_LIST: 2.10.0 cu129 from build.sh at 2.10.0 commits (linux; Windows bld.bat unread), 2.13.0 at the 74dd3d46 snapshot (linux-aarch64 adds 8.7); 2.6.0-2.8.0 and the win-64 2.10.0 cu128 build unknown (SOURCES.md)"),
    "measured-linux-wheel": "third-party measurement, intersection over per-Python wheels, < 1.8 only",
}
