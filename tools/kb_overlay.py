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
    "nvidia-cuda-legacy-gpus": {
        "title": "NVIDIA Legacy CUDA GPU Compute Capability (Pascal and older, V100, Jetson Xavier/TX2/Nano)",
        "url": "https://developer.nvidia.com/cuda-legacy-gpus",
    },
    "pypi-torch": {
        "title": "PyPI torch release history (first upload per version, wheel tags, metadata)",
        "url": "https://pypi.org/project/torch/#history",
        "note": "read 2026-11-27 through the PyPI JSON API",
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
}

# torch version -> (release date, source key): the first upload of the version to PyPI (UTC).
# 1.8.2 LTS was never uploaded to PyPI.
_PYPI_FIRST_UPLOAD = """
1.0.0 2018-12-07  1.0.1 2019-02-05  1.1.0 2019-04-30  1.2.0 2019-08-08  1.3.0 2019-10-10
1.3.1 2019-11-07  1.4.0 2020-01-15  1.5.0 2020-04-21  1.5.1 2020-06-18  1.6.0 2020-07-28
1.7.0 2020-10-27  1.7.1 2020-12-10  1.8.0 2021-03-04  1.8.1 2021-03-25  1.9.0 2021-06-15
1.9.1 2021-09-20  1.10.0 2021-10-21 1.10.1 2021-12-15 1.10.2 2022-01-27 1.11.0 2022-03-10
1.12.0 2022-06-28 1.12.1 2022-08-05 1.13.0 2022-10-28 1.13.1 2022-12-15 2.0.0 2023-03-15
2.0.1 2023-05-08  2.1.0 2023-10-04  2.1.1 2023-11-15  2.1.2 2023-12-14  2.2.0 2024-01-30
2.2.1 2024-02-22  2.2.2 2024-03-27  2.3.0 2024-04-24  2.3.1 2024-06-05  2.4.0 2024-07-24
2.4.1 2024-09-04  2.5.0 2024-10-17  2.5.1 2024-10-29  2.6.0 2025-01-29  2.7.0 2025-04-23
2.7.1 2025-06-04  2.8.0 2025-08-06  2.9.0 2025-10-15  2.9.1 2025-11-12  2.10.0 2026-01-21
2.11.0 2026-03-23 2.12.0 2026-05-13 2.12.1 2026-06-17 2.13.0 2026-07-08 2.14.0 2026-09-02
2.14.1 2026-09-30 2.15.0 2026-10-28
"""
_pairs = _PYPI_FIRST_UPLOAD.split()
RELEASED: dict[str, tuple[str, str]] = {
    _pairs[i]: (_pairs[i + 1], "pypi-torch") for i in range(0, len(_pairs), 2)}

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
    "2.12.0": {"torchaudio": "2.11.0", "sources": ["pypi-torch", "pypi-torchvision", "audio-install"],
               "notes": _STABLE_ABI_AUDIO},
    "2.13.0": {"torchaudio": "2.11.0", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "python_experimental": ["3.14t"],
               "sources": ["pypi-torch", "pypi-torchvision", "audio-install"],
               "notes": f"{_STABLE_ABI_AUDIO}; {_PYPI_PY} (RELEASE.md says <=3.15 but there are no cp315 wheels)"},
    "2.14.0": {"torchvision": "0.29.0", "torchaudio": "2.11.0", "python": ["3.10", "3.11", "3.12", "3.13", "3.14"],
               "python_experimental": ["3.14t"], "pip": {"pypi_default_cuda": "13.2"},
               "sources": ["pypi-torch", "pypi-torchvision", "audio-install", "arch-deprecations"],
               "notes": f"{_STABLE_ABI_AUDIO}; {_PYPI_PY} (RELEASE.md says <=3.15 but there are no cp315 wheels); "
                        "torchvision 0.29.0 uploaded to PyPI with 2.14.0; 13.2 is the PyPI default (RFC #190385)"},
}

# torch version -> {"builds": conda_forge block, "sources": [...]}
CONDA_FORGE: dict[str, dict] = {
    "2.13.0": {
        "builds": {
            "linux-64": {"cuda": ["12.9", "13.0"], "cpu": True},
            "win-64": {"cuda": ["12.8", "13.0"], "cpu": True},
            "osx-arm64": {"cuda": [], "cpu": True},
            "build_pattern": "cuda{cu}_*",
        },
        "sources": ["conda-forge-feedstock"],
    },
}

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

# Rows the reference does not have at all, each with its own sources. "like" copies another
# row first (same minor: CUDA variants and channels come from the per-minor RELEASE.md matrix).
_FIND_LINKS = {"index": "find-links", "url": "https://download.pytorch.org/whl/torch_stable.html",
               "local_tag": True}
EXTRA_RELEASES: list[dict] = [
    {"torch": "1.3.0", "torchvision": "0.4.1", "torchaudio": None,
     "python": ["2.7", "3.5", "3.6", "3.7"],
     "conda": {"channel": "pytorch", "cuda_selector": "cudatoolkit", "cpu_selector": "cpuonly",
               "cpu": True, "cuda": {"9.2": [], "10.1": []}, "removed": True},
     "pip": {"cuda": ["9.2", "10.0", "10.1"], "cpu": True, **_FIND_LINKS, "pypi_default_cuda": "10.1"},
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
     "pip": {"cuda": ["9.2", "10.0", "10.1"], "cpu": True, **_FIND_LINKS, "pypi_default_cuda": "10.1"},
     "sources": ["pypi-torch", "pypi-torchvision", "evelthon-measured", "secondary-install-commands",
                 "pytorch-104754"],
     "notes": "missing from the previous-versions page; same evidence as 1.3.0"},
    {"torch": "1.10.2", "torchvision": "0.11.3", "torchaudio": "0.10.2",
     "python": ["3.6", "3.7", "3.8", "3.9"],
     "conda": {"channel": "pytorch", "cuda_selector": "cudatoolkit", "cpu_selector": "cpuonly",
               "cpu": True, "cuda": {"10.2": [], "11.3": ["conda-forge"]}},
     "pip": {"cuda": ["10.2", "11.1", "11.3"], "cpu": True, **_FIND_LINKS, "pypi_default_cuda": "10.2"},
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
    {"torch": "2.15.0", "torchvision": "0.29.2", "torchaudio": "2.11.0",
     "python": ["3.11", "3.12", "3.13", "3.14", "3.15"], "python_experimental": ["3.14t", "3.15t"],
     "conda": None,
     "pip": {"cuda": ["13.2"], "cpu": True, "index": "index-url",
             "url": "https://download.pytorch.org/whl/{variant}", "local_tag": True,
             "pypi_default_cuda": "13.2"},
     "sources": ["pypi-torch", "pypi-torchvision", "audio-install"],
     "notes": "newer than every compiled source: only PyPI is known. python from wheel tags "
              "(cp311..cp315, free-threaded 3.14t/3.15t); the PyPI wheel depends on cuda-toolkit "
              "13.2.2, so 13.2 is the PyPI default; OTHER CUDA VARIANTS ON download.pytorch.org ARE "
              "NOT VERIFIED; torchvision 0.29.2 (py3-none wheels, torch>=2.14) uploaded the same "
              "day; torchaudio 2.11.0 covers all later torch (stable ABI)"},
]

# CUDA toolkit -> field overrides.
CUDA_FIXES: dict[str, dict] = {
    # NVIDIA: 11.0 shipped with an older driver; 450.80.02/452.39 is what the rest of 11.x needs.
    # For 11.0 itself its own GA driver is already enough, so the minimum stays the GA driver.
    "11.0": {"minor_compat_driver_linux": "450.51.05", "minor_compat_driver_windows": "451.48"},
}

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
