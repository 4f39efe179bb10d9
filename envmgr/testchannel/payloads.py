"""The files inside the fake packages: a python that runs the host interpreter, a ``torch`` that
answers the questions ``envmgr verify`` asks, and blobs big enough to measure hardlink savings.

The fake ``python`` (linux-64) is a shell script holding the prefix placeholder: the installer
rewrites it to the env's prefix (proof that prefix replacement works). It puts the
site-packages of the env it is run from first on ``PYTHONPATH`` (found from its own path, as a
real python finds its prefix, so a packed and unpacked env runs where it lands) and execs the
host interpreter (``$ENVMGR_HOST_PYTHON``,
else ``/usr/bin/python3``, else ``python3`` on PATH). A ``sitecustomize.py`` makes
``platform.python_version()`` report the packaged version (``sys.version_info`` stays the host's:
it is the interpreter really running). ``bin/envmgr-test-prefix`` prints the prefix written
into it: the prefix it was installed (or, after ``conda-unpack``, relocated) for.

The fake ``torch``: ``torch.__version__``, ``torch.version.cuda`` ('10.2' or None),
``torch.backends.cudnn.version()`` (int or None), ``torch.cuda.is_available()`` (False), and the
arch list of the build. Setting ``ENVMGR_TEST_FAKE_GPU="NVIDIA GeForce RTX 3090:8.6"`` makes a CUDA
build behave as if that GPU were present (is_available, get_device_name, get_device_capability,
get_arch_list), so GPU-dependent checks can be tested on a machine without one.
"""
from __future__ import annotations

import hashlib
from functools import cache

from .archive import PREFIX_PLACEHOLDER

MB = 1024 * 1024


@cache
def blob(size: int, seed: str = "envmgr") -> bytes:
    """``size`` deterministic bytes: pseudo-random values in runs of 64, so bz2 packs them to ~2%
    quickly while the installed file still takes ``size`` bytes of disk."""
    run = 64
    digests = b"".join(hashlib.sha256(f"{seed}:{i}".encode()).digest()
                       for i in range(size // run // 32 + 1))
    return b"".join(bytes((value,)) * run for value in digests)[:size]


def site_packages(subdir: str, python: str) -> str:
    return "Lib/site-packages" if subdir.startswith("win") else f"lib/python{python}/site-packages"


PYTHON_SCRIPT = """#!/bin/sh
# envmgr test python @VERSION@: runs the host interpreter with this env's site-packages.
# PREFIX is the prefix it was installed for (rewritten at link time, as a real python's build
# records it); like a real python, it finds its site-packages from where it is run, so a moved
# (packed and unpacked) environment still works.
PREFIX="@PREFIX@"
HERE=$(CDPATH= cd -- "$(dirname -- "$0")/.." && pwd)
HOST="${ENVMGR_HOST_PYTHON:-/usr/bin/python3}"
[ -x "$HOST" ] || HOST=python3
PYTHONPATH="$HERE/lib/python@MINOR@/site-packages${PYTHONPATH:+:$PYTHONPATH}"
export PYTHONPATH
exec "$HOST" "$@"
"""

SITECUSTOMIZE = """# envmgr test python: report the packaged python version through platform.python_version().
import sys
_host = sys.version.split(" ", 1)
sys.version = {version!r} + (" " + _host[1] if len(_host) > 1 else "")
"""


def python_files(subdir: str, version: str) -> tuple[dict[str, bytes | str], set[str]]:
    """(files, prefix_files) of a fake python ``version`` ("3.7.16") for ``subdir``."""
    minor = ".".join(version.split(".")[:2])
    site = site_packages(subdir, minor)
    files: dict[str, bytes | str] = {f"{site}/sitecustomize.py": SITECUSTOMIZE.format(version=version)}
    if subdir.startswith("win"):
        files["python.exe"] = b"MZ" + blob(64 * 1024, f"python-{version}-exe")
        files[f"python{minor.replace('.', '')}.dll"] = blob(512 * 1024, f"python-{version}-dll")
        return files, set()
    script = (PYTHON_SCRIPT.replace("@VERSION@", version).replace("@MINOR@", minor)
              .replace("@PREFIX@", PREFIX_PLACEHOLDER))
    files["bin/python"] = script
    files[f"bin/python{minor}"] = script
    # a script that prints the prefix written into it: shows whether a moved env was relocated
    files["bin/envmgr-test-prefix"] = f'#!/bin/sh\necho "{PREFIX_PLACEHOLDER}"\n'
    files[f"lib/libpython{minor}.so.1.0"] = blob(512 * 1024, f"libpython-{version}")
    return files, {"bin/python", f"bin/python{minor}", "bin/envmgr-test-prefix"}


TORCH_INIT = '''"""envmgr test torch {version} ({variant})."""
__version__ = {version!r}
from . import version, cuda, backends  # noqa: E402,F401
'''

TORCH_VERSION = """__version__ = {version!r}
debug = False
cuda = {cuda!r}
hip = None
git_version = {git!r}
"""

TORCH_CUDA = '''"""Fake torch.cuda: no GPU, unless ENVMGR_TEST_FAKE_GPU="NAME:MAJOR.MINOR" is set."""
import os

_COMPILED_WITH_CUDA = {compiled!r}
_ARCH_LIST = {arches!r}


def _fake_gpu():
    value = os.environ.get("ENVMGR_TEST_FAKE_GPU", "")
    if not value or not _COMPILED_WITH_CUDA:
        return None
    name, _, cc = value.rpartition(":")
    major, _, minor = cc.partition(".")
    return name, (int(major), int(minor or 0))


def _require():
    if not _COMPILED_WITH_CUDA:
        raise AssertionError("Torch not compiled with CUDA enabled")
    if _fake_gpu() is None:
        raise RuntimeError("Found no NVIDIA driver on your system. Please check that you have an "
                           "NVIDIA GPU and installed a driver from http://www.nvidia.com/Download/index.aspx")


def is_available():
    return _fake_gpu() is not None


def device_count():
    return 1 if is_available() else 0


def get_arch_list():
    return list(_ARCH_LIST) if is_available() else []


def get_device_name(device=None):
    _require()
    return _fake_gpu()[0]


def get_device_capability(device=None):
    _require()
    return _fake_gpu()[1]
'''

CUDNN = """def version():
    return {cudnn!r}


def is_available():
    return {available!r}
"""


def cudnn_int(cudnn: str | None) -> int | None:
    """"7.6.5" -> 7605, "9.1.0" -> 90100 (cuDNN's own encoding changed at 9)."""
    if not cudnn:
        return None
    major, minor, patch = (int(x) for x in (cudnn.split(".") + ["0", "0"])[:3])
    return major * 10000 + minor * 100 + patch if major >= 9 else major * 1000 + minor * 100 + patch


def torch_files(subdir: str, python: str, version: str, cuda: str | None, cudnn: str | None,
                arches: list[str], reported_version: str | None = None,
                blob_size: int = 3 * MB) -> dict[str, bytes | str]:
    """A fake ``torch`` package for ``python`` ("3.7"); ``cuda`` None means a CPU build."""
    site = site_packages(subdir, python)
    reported = reported_version or version
    lib = ("torch_cuda.dll" if subdir.startswith("win") else "libtorch_cuda.so") if cuda else (
        "torch_cpu.dll" if subdir.startswith("win") else "libtorch_cpu.so")
    git = hashlib.sha1(f"{version}".encode()).hexdigest()
    cudnn_value = cudnn_int(cudnn) if cuda else None
    return {
        f"{site}/torch/__init__.py": TORCH_INIT.format(version=reported, variant=cuda or "cpu"),
        f"{site}/torch/version.py": TORCH_VERSION.format(version=reported, cuda=cuda, git=git),
        f"{site}/torch/cuda/__init__.py": TORCH_CUDA.format(compiled=bool(cuda),
                                                            arches=list(arches) if cuda else []),
        f"{site}/torch/backends/__init__.py": "from . import cudnn  # noqa: F401\n",
        f"{site}/torch/backends/cudnn/__init__.py": CUDNN.format(cudnn=cudnn_value,
                                                                 available=cudnn_value is not None),
        f"{site}/torch/lib/{lib}": blob(blob_size, f"torch-{version}-{cuda}"),
    }


def module_files(subdir: str, python: str | None, module: str, version: str,
                 extra: str = "", size: int = 0) -> dict[str, bytes | str]:
    """A tiny importable ``module`` with ``__version__`` (noarch: python when ``python`` is None)."""
    site = "site-packages" if python is None else site_packages(subdir, python)
    files: dict[str, bytes | str] = {f"{site}/{module}/__init__.py":
                                     f"__version__ = {version!r}\n{extra}"}
    if size:
        files[f"{site}/{module}/_blob.bin"] = blob(size, f"{module}-{version}-{subdir}")
    return files


def library_files(subdir: str, stem: str, size: int) -> dict[str, bytes | str]:
    """A shared-library-shaped blob: ``lib/lib<stem>.so`` or ``Library/bin/<stem>.dll``."""
    path = f"Library/bin/{stem}.dll" if subdir.startswith("win") else f"lib/lib{stem}.so"
    return {path: blob(size, f"{stem}-{subdir}")}


def activation_files(package: str) -> dict[str, bytes | str]:
    """``etc/conda`` activation files shaped like those of gdal, proj or the MKL/CUDA packages:
    an activate.d script for POSIX shells and one for cmd.exe (each sets variables from
    ``$CONDA_PREFIX``, so it must run after activation set it, and appends to a shared list),
    their deactivate.d counterparts, and an env_vars.d JSON of plain variables."""
    var = f"ENVMGR_TEST_{package.upper().replace('-', '_')}"
    listed = "ENVMGR_TEST_ACTIVATED"
    return {
        f"etc/conda/activate.d/{package}_activate.sh":
            f'export {var}_HOME="$CONDA_PREFIX/share/{package}"\n'
            f'export {listed}="${{{listed}:+${listed}:}}{package}"\n',
        f"etc/conda/activate.d/{package}_activate.bat":
            f'@SET "{var}_HOME=%CONDA_PREFIX%\\share\\{package}"\n'
            f'@IF DEFINED {listed} (SET "{listed}=%{listed}%:{package}") ELSE (SET "{listed}={package}")\n',
        f"etc/conda/deactivate.d/{package}_deactivate.sh": f"unset {var}_HOME\n",
        f"etc/conda/deactivate.d/{package}_deactivate.bat": f'@SET "{var}_HOME="\n',
        f"etc/conda/env_vars.d/{package}.json": f'{{"{var}_DATA": "from env_vars.d"}}\n',
    }
