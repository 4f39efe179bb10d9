"""What the test channels hold: packages in the shapes of the real ``pytorch``, ``nvidia``,
``conda-forge`` and ``defaults`` (anaconda ``main``) channels, for linux-64 and win-64 (+ noarch).

Shapes follow the real recipes where it matters to a solver: build strings
(``py3.7_cuda10.2_cudnn7.6.5_0``), ``pytorch-mutex``/``cpuonly``, ``cudatoolkit`` with
``constrains: __cuda >=X.Y``, ``pytorch-cuda`` -> nvidia ``cuda-*`` -> ``cuda-version`` with
``constrains: __cuda >=12``, conda-forge CUDA builds depending on ``__cuda``, and the known traps:
``mkl`` 2023.1 *and* 2024.1 (old builds need ``mkl<2024.1``) and ``numpy`` 1 *and* 2.
Versions, dates and hashes in build strings are realistic, not copied facts.
"""
from __future__ import annotations

import hashlib

from .archive import Package, ms
from .payloads import MB, activation_files, library_files, module_files, python_files, torch_files

ARCH_SUBDIRS = ("linux-64", "win-64")

# python minor -> (full version, date), on defaults and on conda-forge
PYTHONS = {"3.7": ("3.7.16", "2023-01-19"), "3.8": ("3.8.18", "2023-09-12"),
           "3.9": ("3.9.19", "2024-03-21"), "3.10": ("3.10.14", "2024-03-21"),
           "3.11": ("3.11.9", "2024-04-16"), "3.12": ("3.12.4", "2024-06-14"),
           "3.13": ("3.13.1", "2024-12-04")}
# conda-forge numpy builds: version -> pythons (the pip route puts python + numpy<2 on conda-forge)
CONDA_FORGE_NUMPY = {"1.21.5": ["3.7", "3.8", "3.9", "3.10"], "1.26.4": ["3.9", "3.10", "3.11", "3.12"],
                     "2.0.1": ["3.9", "3.10", "3.11", "3.12"], "2.1.3": ["3.10", "3.11", "3.12", "3.13"]}
GLIBC_DEP = "__glibc >=2.17,<3.0.a0"

# torch, companions, release date, pythons, CUDA variants (cuda -> cudnn), cuda dep style
PYTORCH_CHANNEL_RELEASES = [
    {"torch": "1.10.1", "vision": "0.11.2", "audio": "0.10.1", "date": "2021-12-10",
     "pythons": ["3.7", "3.8", "3.9"], "cuda": {"10.2": "7.6.5", "11.3": "8.2.0"},
     "style": "cudatoolkit", "numpy": "numpy >=1.19"},
    {"torch": "1.10.2", "vision": "0.11.3", "audio": "0.10.2", "date": "2022-01-27",
     "pythons": ["3.7", "3.8", "3.9"], "cuda": {"10.2": "7.6.5", "11.3": "8.2.0"},
     "style": "cudatoolkit", "numpy": "numpy >=1.19"},
    {"torch": "1.13.1", "vision": "0.14.1", "audio": "0.13.1", "date": "2022-12-15",
     "pythons": ["3.7", "3.8", "3.9", "3.10"], "cuda": {"11.7": "8.5.0"},
     "style": "pytorch-cuda", "numpy": None},
    {"torch": "2.4.1", "vision": "0.19.1", "audio": "2.4.1", "date": "2024-09-04",
     "pythons": ["3.10", "3.11", "3.12"], "cuda": {"11.8": "9.1.0", "12.1": "9.1.0", "12.4": "9.1.0"},
     "style": "pytorch-cuda", "numpy": None},
]
CONDA_FORGE_TORCH = {"torch": "2.6.0", "vision": "0.21.0", "audio": "2.6.0", "date": "2025-02-10",
                     "pythons": ["3.10", "3.11", "3.12", "3.13"], "cuda": "12.6"}

# cudatoolkit version -> (channel, date); CUDA 11.7+ toolkits came from nvidia
CUDATOOLKITS = {"10.2.89": ("defaults", "2020-06-15"), "11.3.1": ("defaults", "2021-06-07"),
                "11.7.1": ("nvidia", "2022-08-10"), "11.8.0": ("nvidia", "2022-10-04")}
# nvidia split packages: minor -> (cudart/nvtx patch, date)
NVIDIA_CUDA = {"11.7": ("11.7.99", "2022-08-10"), "11.8": ("11.8.89", "2022-10-04"),
               "12.1": ("12.1.105", "2023-04-12"), "12.4": ("12.4.127", "2024-03-06")}


def fake_hash(*parts: str) -> str:
    """A stable 7-hex "h1a2b3c4"-style hash, as conda-build puts in build strings."""
    return "h" + hashlib.sha1(":".join(parts).encode()).hexdigest()[:7]


def python_pin(minor: str) -> str:
    major, mi = minor.split(".")
    return f"python >={minor},<{major}.{int(mi) + 1}.0a0"


def minor_range(cuda: str) -> str:
    """"12.1" -> ">=12.1,<12.2"."""
    major, mi = cuda.split(".")[:2]
    return f">={major}.{mi},<{major}.{int(mi) + 1}"


def arch_list(torch: str, cuda: str, packaging: str) -> list[str]:
    """The build's GPU architectures from the knowledge base; an illustrative list if it has none."""
    try:
        from ..knowledge import facts as knowledge

        found = knowledge.load().build_arches(torch, cuda, packaging)
    except Exception:  # noqa: BLE001 - the test channel must build even while the KB is being edited
        found = None
    return found or ["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86", "sm_90"]


def _defaults() -> list[Package]:
    pkgs: list[Package] = []
    for subdir in ARCH_SUBDIRS:
        linux = subdir == "linux-64"
        for minor, (version, date) in PYTHONS.items():
            files, prefix_files = python_files(subdir, version)
            pkgs.append(Package("python", version, fake_hash("py", version, subdir) + "_0", subdir,
                                depends=[GLIBC_DEP] if linux else [], timestamp=ms(date),
                                license="PSF-2.0", files=files, prefix_files=prefix_files))
        for version, build, date in (("2023.1.0", "h213fc3f_46344", "2023-06-27"),
                                     ("2024.1.0", "h6d14046_694", "2024-05-02")):
            pkgs.append(Package("mkl", version, build if linux else fake_hash("mkl", version) + "_0",
                                subdir, build_number=int(build.rsplit("_", 1)[1]),
                                timestamp=ms(date), license="Intel Simplified Software License",
                                files={**library_files(subdir, "mkl_core", 256 * 1024),
                                       **activation_files("mkl")}))
        pkgs.append(Package("blas", "1.0", "mkl", subdir, depends=["mkl"], timestamp=ms("2020-05-01")))
        for version, date, minors in (("1.21.5", "2022-03-01", ["3.7", "3.8", "3.9", "3.10"]),
                                      ("1.26.4", "2024-02-06", ["3.9", "3.10", "3.11", "3.12"]),
                                      ("2.0.1", "2024-08-01", ["3.9", "3.10", "3.11", "3.12"])):
            for minor in minors:
                pkgs.append(Package(
                    "numpy", version, f"py{minor.replace('.', '')}{fake_hash('np', version, subdir)}_0",
                    subdir, depends=[python_pin(minor), "blas 1.0 mkl", "mkl >=2023.1.0,<2025.0a0"],
                    timestamp=ms(date), files=module_files(subdir, minor, "numpy", version)))
        for version, date, minors, numpy in (("1.10.1", "2023-03-01", ["3.8", "3.9", "3.10", "3.11"],
                                              "numpy >=1.19.5,<1.27.0"),
                                             ("1.13.1", "2024-05-30", ["3.9", "3.10", "3.11", "3.12"],
                                              "numpy >=1.22.4,<2.3")):
            for minor in minors:
                pkgs.append(Package(
                    "scipy", version, f"py{minor.replace('.', '')}{fake_hash('sp', version, subdir)}_0",
                    subdir, depends=[python_pin(minor), numpy], timestamp=ms(date),
                    files=module_files(subdir, minor, "scipy", version)))
        for version, (channel, date) in CUDATOOLKITS.items():
            if channel != "defaults":
                continue
            pkgs.append(cudatoolkit(version, subdir, channel, date))
    pkgs.append(Package("pip", "24.0", "py_0", noarch="python", depends=["python >=3.7"],
                        timestamp=ms("2024-02-05"), license="MIT",
                        # dist-info only: the host's pip keeps working inside a test env
                        files={"site-packages/pip-24.0.dist-info/METADATA":
                               "Metadata-Version: 2.1\nName: pip\nVersion: 24.0\n"}))
    pkgs.append(Package("typing_extensions", "4.11.0", "py_0", noarch="python",
                        depends=["python >=3.7"], timestamp=ms("2024-04-10"), license="PSF-2.0",
                        files={"site-packages/typing_extensions.py":
                               "from typing import *  # noqa: F401,F403\n__version__ = '4.11.0'\n"}))
    return pkgs


def cudatoolkit(version: str, subdir: str, channel: str, date: str) -> Package:
    major_minor = ".".join(version.split(".")[:2])
    return Package("cudatoolkit", version, fake_hash("cudatoolkit", version, subdir) + "_10", subdir,
                   channel=channel, build_number=10,
                   depends=[GLIBC_DEP] if subdir == "linux-64" else [],
                   constrains=[f"__cuda >={major_minor}"], timestamp=ms(date),
                   license="NVIDIA End User License Agreement",
                   files={**library_files(subdir, f"cudart{major_minor.replace('.', '')}", 512 * 1024),
                          **activation_files("cudatoolkit")})


def _nvidia() -> list[Package]:
    pkgs: list[Package] = []
    for version, (channel, date) in CUDATOOLKITS.items():
        if channel == "nvidia":
            pkgs += [cudatoolkit(version, subdir, channel, date) for subdir in ARCH_SUBDIRS]
    for minor, (patch, date) in NVIDIA_CUDA.items():
        pkgs.append(cuda_version(minor, "nvidia", date))
        same_minor = f"cuda-version >={minor},<{minor_range(minor).split('<')[1]}.0a0"
        for subdir in ARCH_SUBDIRS:
            for name in ("cuda-cudart", "cuda-nvtx"):
                pkgs.append(Package(name, patch, "0", subdir, channel="nvidia", depends=[same_minor],
                                    timestamp=ms(date), license="NVIDIA End User License Agreement",
                                    files=library_files(subdir, name.replace("-", "_"), 128 * 1024)))
            pkgs.append(Package("cuda-libraries", f"{minor}.0", "0", subdir, channel="nvidia",
                                depends=[f"cuda-cudart >={patch}"], timestamp=ms(date)))
            pkgs.append(Package("cuda-runtime", f"{minor}.0", "0", subdir, channel="nvidia",
                                depends=[f"cuda-libraries >={minor}.0"], timestamp=ms(date)))
    return pkgs


def cuda_version(minor: str, channel: str, date: str) -> Package:
    major = minor.split(".")[0]
    return Package("cuda-version", minor, "0", channel=channel, timestamp=ms(date),
                   constrains=[f"__cuda >={major}", f"cudatoolkit {minor}|{minor}.*"])


def _torch_family(rel: dict, subdir: str, minor: str, cuda: str | None) -> list[Package]:
    """pytorch + torchvision + torchaudio builds of one release for one python and variant."""
    py = minor.replace(".", "")
    win = subdir == "win-64"
    stamp = ms(rel["date"])
    if cuda is None:
        torch_build, companion_build = f"py{minor}_cpu_0", f"py{py}_cpu"
        variant = ["pytorch-mutex 1.0 cpu"]
    else:
        cudnn = rel["cuda"][cuda]
        cudnn_tag = cudnn.split(".")[0] if win else cudnn
        torch_build = f"py{minor}_cuda{cuda}_cudnn{cudnn_tag}_0"
        companion_build = f"py{py}_cu{cuda.replace('.', '')}"
        variant = ["pytorch-mutex 1.0 cuda"] + (
            [f"cudatoolkit {minor_range(cuda)}"] if rel["style"] == "cudatoolkit"
            else [f"pytorch-cuda {minor_range(cuda)}"])
    torch_deps = [python_pin(minor), "mkl >=2018", "blas * mkl", "typing_extensions", *variant]
    if rel["numpy"]:
        torch_deps.append(rel["numpy"])
    arches = arch_list(rel["torch"], cuda, "conda") if cuda else []
    torch = Package("pytorch", rel["torch"], torch_build, subdir, channel="pytorch", depends=torch_deps,
                    timestamp=stamp, files=torch_files(subdir, minor, rel["torch"], cuda,
                                                       rel["cuda"].get(cuda), arches))
    companions = [Package(name, version, companion_build, subdir, channel="pytorch",
                          depends=[python_pin(minor), f"pytorch =={rel['torch']}", *variant],
                          timestamp=stamp, files=module_files(subdir, minor, name, version, size=64 * 1024))
                  for name, version in (("torchvision", rel["vision"]), ("torchaudio", rel["audio"]))]
    return [torch, *companions]


def _pytorch() -> list[Package]:
    pkgs = [Package("pytorch-mutex", "1.0", "cuda", channel="pytorch", timestamp=ms("2020-07-01")),
            # track_features makes a solver prefer the cuda mutex when nothing pins the variant
            Package("pytorch-mutex", "1.0", "cpu", channel="pytorch", track_features="pytorch-mutex",
                    timestamp=ms("2020-07-01")),
            Package("cpuonly", "2.0", "0", channel="pytorch", depends=["pytorch-mutex 1.0 cpu"],
                    timestamp=ms("2021-10-01"))]
    for minor, (_, date) in NVIDIA_CUDA.items():
        deps = [f"{name} {minor_range(minor)}" for name in ("cuda-libraries", "cuda-nvtx", "cuda-runtime")]
        pkgs.append(Package("pytorch-cuda", minor, "h" + fake_hash("pytorch-cuda", minor)[1:] + "_5",
                            channel="pytorch", build_number=5, depends=deps, timestamp=ms(date)))
    for rel in PYTORCH_CHANNEL_RELEASES:
        for subdir in ARCH_SUBDIRS:
            for minor in rel["pythons"]:
                for cuda in [*rel["cuda"], None]:
                    pkgs += _torch_family(rel, subdir, minor, cuda)
    return pkgs


def _conda_forge() -> list[Package]:
    rel = CONDA_FORGE_TORCH
    cuda = rel["cuda"]
    cu = cuda.replace(".", "")
    stamp = ms(rel["date"])
    pkgs = [cuda_version(cuda, "conda-forge", "2024-10-01"),
            Package("pip", "24.0", "pyhd8ed1ab_0", channel="conda-forge", noarch="python",
                    depends=["python >=3.7"], timestamp=ms("2024-02-05"), license="MIT",
                    files={"site-packages/pip-24.0.dist-info/METADATA":
                           "Metadata-Version: 2.1\nName: pip\nVersion: 24.0\n"})]
    for subdir in ARCH_SUBDIRS:
        linux = subdir == "linux-64"
        pkgs.append(Package("cuda-cudart", "12.6.77", fake_hash("cf-cudart", subdir) + "_0", subdir,
                            channel="conda-forge", depends=[f"cuda-version >={cuda},<12.7.0a0"],
                            timestamp=ms("2024-10-01"), files=library_files(subdir, "cudart12", 128 * 1024)))
        for minor, (version, date) in PYTHONS.items():
            files, prefix_files = python_files(subdir, version)
            pkgs.append(Package("python", version, fake_hash("cf-py", version, subdir) + "_0_cpython",
                                subdir, channel="conda-forge", depends=[GLIBC_DEP] if linux else [],
                                timestamp=ms(date), license="Python-2.0", files=files,
                                prefix_files=prefix_files))
        for np_version, minors in CONDA_FORGE_NUMPY.items():
            for minor in minors:
                pkgs.append(Package("numpy", np_version,
                                    f"py{minor.replace('.', '')}{fake_hash('cf-np', np_version, subdir)}_0",
                                    subdir, channel="conda-forge", depends=[python_pin(minor)],
                                    timestamp=ms("2024-08-01"),
                                    files=module_files(subdir, minor, "numpy", np_version)))
        for minor in rel["pythons"]:
            py = minor.replace(".", "")
            for variant in (f"cuda{cu}", "cpu"):
                is_cuda = variant != "cpu"
                tag = fake_hash("cf-torch", variant, minor, subdir)
                deps = [python_pin(minor)] + ([GLIBC_DEP] if linux else [])
                if is_cuda:
                    deps += ["__cuda", f"cuda-version >={cuda},<13", "cuda-cudart >=12.6.77,<13.0a0"]
                build_number = 300 if is_cuda else 100
                pkgs.append(Package(
                    "pytorch", rel["torch"], f"{variant}_mkl_py{py}_{tag}_{build_number}", subdir,
                    channel="conda-forge", build_number=build_number, depends=deps, timestamp=stamp,
                    files=torch_files(subdir, minor, rel["torch"], cuda if is_cuda else None,
                                      "9.3.0" if is_cuda else None,
                                      arch_list(rel["torch"], cuda, "conda-forge") if is_cuda else [])))
                for name, version in (("torchvision", rel["vision"]), ("torchaudio", rel["audio"])):
                    pkgs.append(Package(
                        name, version, f"{variant}_py{py}_{fake_hash('cf', name, variant, minor, subdir)}_0",
                        subdir, channel="conda-forge",
                        depends=[python_pin(minor), f"pytorch {rel['torch']} {variant}_*"], timestamp=stamp,
                        files=module_files(subdir, minor, name, version)))
    pkgs.append(Package("typing_extensions", "4.12.2", "pyha770c72_0", channel="conda-forge",
                        noarch="python", depends=["python >=3.8"], timestamp=ms("2024-06-07"),
                        license="PSF-2.0", files={"site-packages/typing_extensions.py":
                                                  "from typing import *  # noqa: F401,F403\n"}))
    return pkgs


def default_packages() -> list[Package]:
    """Every package of the four test channels (each carries its ``channel``)."""
    return [*_defaults(), *_nvidia(), *_pytorch(), *_conda_forge()]


__all__ = ["default_packages", "fake_hash", "python_pin", "minor_range", "MB"]
