"""Facts added on top of ../shared/reference/compat-facts.yaml, each with its source key.

tools/build_kb.py merges these into envmgr/knowledge/data/*.yaml. SOURCES.md says why each one is here.
"""
from __future__ import annotations

KB_VERSION = "2026.12.07"

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
