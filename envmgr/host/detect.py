"""What this machine is: NVIDIA driver, newest CUDA it runs, GPUs and their compute capability.

Detection never fails because a machine has no GPU: no ``nvidia-smi`` means "no NVIDIA GPU found",
which is a fact to report (login nodes and CI build environments for other machines).

Order of evidence, most direct first:
  1. ``nvidia-smi --query-gpu=index,name,driver_version,memory.total,compute_cap``;
     drivers before ~510 answer ``Field "compute_cap" is not a valid field to query.`` (exit 2),
     so the query is repeated without it and the capability comes from the GPU-name table;
  2. the plain ``nvidia-smi`` header (``Driver Version: 470.57.02   CUDA Version: 11.4``), the only
     place the driver states its newest CUDA; drivers before 410 print no CUDA version;
  3. ``nvidia-smi -L`` when the query fails, and ``/proc/driver/nvidia`` when nvidia-smi is missing.
The newest CUDA printed by nvidia-smi wins (a forward-compatibility libcuda raises it); otherwise
it is derived from NVIDIA's driver table (``max_cuda_for_driver``).

Overrides describe a *target* machine (containers, CI, login nodes), each validated:
``ENVMGR_NO_GPU=1``, ``ENVMGR_GPU`` (model name, or an architecture the knowledge base knows such as
``sm_86``), ``ENVMGR_DRIVER_VERSION``, ``CONDA_OVERRIDE_CUDA`` (newest CUDA of the target driver;
empty = no CUDA), ``ENVMGR_NVIDIA_SMI``. ``ENVMGR_GPU`` alone is a GPU target whose driver is
unknown: architectures are checked, the driver is not.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
from dataclasses import asdict, dataclass, field
from pathlib import Path

from ..errors import UsageError
from ..knowledge.gpuarch import known_capabilities, sm_of
from ..knowledge.gpunames import capability_from_sm, lookup_capability, suggest_name
from .nvidiasmi import (CUDA_RE, DRIVER_RE, clean, find_nvidia_smi, first_line, int_or_none,
                        parse_header, parse_list, query_gpus, read_proc, run_tool)

PROC_ROOT = Path("/proc/driver/nvidia")
NO_GPU_FOUND = "no NVIDIA GPU found (no nvidia-smi, no NVIDIA kernel module)"
NO_GPU_SET = "ENVMGR_NO_GPU is set: GPU detection skipped, the target has no GPU"


@dataclass
class Gpu:
    index: int
    name: str
    compute_capability: str | None    # "8.6"; None when neither nvidia-smi nor the table knows
    memory_mib: int | None
    capability_source: str            # "nvidia-smi", "GPU table", "ENVMGR_GPU", "unknown"

    @property
    def sm(self) -> str | None:
        return "sm_" + self.compute_capability.replace(".", "") if self.compute_capability else None

    def to_json(self) -> dict:
        return {"index": self.index, "name": self.name, "compute_capability": self.compute_capability,
                "memory_mib": self.memory_mib, "capability_source": self.capability_source}


@dataclass
class Nvcc:
    version: str              # "11.8.89" (V11.8.89), or "unknown"
    path: str
    release: str | None = None   # "11.8" (release 11.8): the CUDA toolkit it compiles for


@dataclass
class Host:
    os: str                                   # "linux", "windows", "macos"
    driver_version: str | None = None
    max_cuda: str | None = None               # newest CUDA the driver runs natively
    max_cuda_source: str | None = None        # how max_cuda was found, in words
    gpus: list[Gpu] = field(default_factory=list)
    nvcc: Nvcc | None = None
    nvidia_smi: str | None = None             # the nvidia-smi that answered, when any
    managers: dict[str, str | None] = field(default_factory=dict)   # conda/mamba/micromamba
    overrides: dict[str, str] = field(default_factory=dict)         # variables that were honoured
    notes: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)   # overrides that contradict each other
    cuda_disabled: bool = False               # CONDA_OVERRIDE_CUDA="" or ENVMGR_NO_GPU=1

    @property
    def platform(self) -> str:
        """This machine's conda platform (its CPU too: linux-aarch64, osx-64), for the OS detected."""
        from ..models import this_platform

        here = this_platform()
        family = {"linux": "linux-", "windows": "win-", "macos": "osx-"}[self.os]
        return here if here.startswith(family) else \
            {"linux": "linux-64", "windows": "win-64", "macos": "osx-arm64"}[self.os]

    @property
    def has_gpu(self) -> bool:
        return bool(self.gpus) and not self.cuda_disabled

    @property
    def runs_cuda(self) -> bool:
        """Whether CUDA code can run on the target at all: a driver, a declared CUDA, or a GPU
        (``ENVMGR_GPU`` alone on a login node: the target has a driver, only its version is unknown)."""
        return not self.cuda_disabled and (self.driver_version is not None or self.max_cuda is not None
                                           or bool(self.gpus))

    @property
    def driver_known(self) -> bool:
        """Whether driver checks are possible (a driver version or a declared newest CUDA)."""
        return self.driver_version is not None or self.max_cuda is not None

    def capabilities(self) -> list[str]:
        """Distinct compute capabilities of the GPUs, in index order."""
        seen: dict[str, None] = {}
        for gpu in self.gpus:
            if gpu.compute_capability:
                seen.setdefault(gpu.compute_capability, None)
        return list(seen)

    def to_json(self) -> dict:
        data = asdict(self)
        data["gpus"] = [g.to_json() for g in self.gpus]
        data["nvcc"] = asdict(self.nvcc) if self.nvcc else None
        data["platform"] = self.platform
        return data


# -- overrides ---------------------------------------------------------------------------------

def _flag(environ, name: str) -> bool:
    value = environ.get(name, "").strip().lower()
    if value in ("", "0", "false", "no"):
        return False
    if value in ("1", "true", "yes"):
        return True
    raise UsageError(f"{name}={environ[name]!r} is not a yes/no value", fix=f"set {name}=1 or unset it")


def _driver_override(environ) -> str | None:
    value = environ.get("ENVMGR_DRIVER_VERSION")
    if value is None or value.strip() == "":
        return None
    value = value.strip()
    if not DRIVER_RE.match(value):
        raise UsageError(f"ENVMGR_DRIVER_VERSION={value!r} is not an NVIDIA driver version",
                         fix="use the form nvidia-smi prints, e.g. ENVMGR_DRIVER_VERSION=535.104.05")
    return value


def _cuda_override(environ) -> str | None:
    """CONDA_OVERRIDE_CUDA as conda reads it: "" = no CUDA on the target; None = not set."""
    value = environ.get("CONDA_OVERRIDE_CUDA")
    if value is None:
        return None
    value = value.strip()
    if value and not CUDA_RE.match(value):
        raise UsageError(f"CONDA_OVERRIDE_CUDA={value!r} is not a CUDA version",
                         fix="use MAJOR.MINOR, the newest CUDA the target driver supports "
                             "(e.g. CONDA_OVERRIDE_CUDA=12.4), or an empty value for no CUDA")
    return value


def _gpu_override(environ, kb) -> Gpu | None:
    value = (environ.get("ENVMGR_GPU") or "").strip()
    if not value:
        return None
    cc = capability_from_sm(value)
    if cc:
        known = known_capabilities(kb)
        if cc not in known:   # a typo (sm_68, sm_999) would be judged as a GPU that cannot exist
            raise UsageError(f"ENVMGR_GPU={value!r} is not an NVIDIA GPU architecture envmgr knows",
                             fix="use one of " + " ".join(sm_of(c) for c in known)
                                 + ", or a model name (ENVMGR_GPU='GeForce RTX 3090')")
        # no parentheses: messages put the name inside their own ("sm_86 (GPU with ...)")
        return Gpu(0, f"GPU with compute capability {cc}", cc, None, "ENVMGR_GPU")
    found = lookup_capability(value, kb.gpus)
    if found is None:
        near = suggest_name(value, kb.gpus)
        if near:
            raise UsageError(f"ENVMGR_GPU={value!r} is not a GPU model envmgr knows: did you mean {near}?",
                             fix=f"ENVMGR_GPU='{near}'")
        raise UsageError(f"ENVMGR_GPU={value!r} is neither a GPU model envmgr knows nor an architecture",
                         fix="use a model name as nvidia-smi prints it, e.g. ENVMGR_GPU='GeForce RTX 3090', "
                             "or an architecture, e.g. ENVMGR_GPU=sm_86")
    cc, matched = found
    return Gpu(0, value, cc, None, f"ENVMGR_GPU (GPU table: {matched})")


def _warn_ignored_by_no_gpu(host: Host, environ, driver, cuda, gpu) -> None:
    named = [f"ENVMGR_GPU={environ['ENVMGR_GPU'].strip()}" if gpu else None,
             f"ENVMGR_DRIVER_VERSION={driver}" if driver else None,
             f"CONDA_OVERRIDE_CUDA={cuda}" if cuda else None]
    named = [n for n in named if n]
    if named:
        host.warnings.append(f"ENVMGR_NO_GPU={environ['ENVMGR_NO_GPU'].strip()} and {', '.join(named)} "
                             "contradict each other: ENVMGR_NO_GPU wins, the target has no GPU")


def _warn_declared_cuda_against_driver(host: Host, declared: str, kb, from_override: bool) -> None:
    """CONDA_OVERRIDE_CUDA and a known driver that disagree. envmgr's driver rule accepts a build
    when either allows it (a forward-compatibility libcuda can raise the CUDA a driver runs), so the
    higher one wins; say which, so a typo in either does not pass silently."""
    from packaging.version import Version

    from ..knowledge.drivers import max_cuda_for_driver

    if not host.driver_version:
        return
    runs = host.max_cuda or max_cuda_for_driver(host.driver_version, kb, host.os)[0]
    if runs is None or Version(runs) == Version(declared):
        return
    driver = (f"ENVMGR_DRIVER_VERSION={host.driver_version}" if from_override
              else f"this machine's driver {host.driver_version}")
    winner = ("CONDA_OVERRIDE_CUDA wins, as a forward-compatibility libcuda would allow"
              if Version(declared) > Version(runs) else "the driver wins")
    host.warnings.append(f"CONDA_OVERRIDE_CUDA={declared} contradicts {driver}, which runs CUDA up to "
                         f"{runs}: {winner}; unset the one that does not describe the target")


def os_name() -> str:
    if sys.platform.startswith("win"):
        return "windows"
    return "macos" if sys.platform == "darwin" else "linux"


# -- nvcc and package managers -----------------------------------------------------------------

NVCC_RE = re.compile(r"release (\d+\.\d+), V([\d.]+)")


# where the CUDA installers put the toolkit when PATH does not name it (the symlink to the
# newest installed /usr/local/cuda-X.Y)
SYSTEM_CUDA_HOMES = ("/usr/local/cuda",)


def find_nvcc(environ) -> Nvcc | None:
    """The system CUDA compiler, if any (not what torch uses: torch ships its own runtime)."""
    path = shutil.which("nvcc", path=environ.get("PATH"))
    for home in (environ.get("CUDA_HOME"), environ.get("CUDA_PATH"), *SYSTEM_CUDA_HOMES):
        if not path and home:
            candidate = Path(home, "bin", "nvcc.exe" if os_name() == "windows" else "nvcc")
            path = str(candidate) if candidate.is_file() else None
    if not path:
        return None
    code, out = run_tool([path, "--version"], environ)
    match = NVCC_RE.search(out) if code == 0 else None
    return Nvcc(version=match.group(2) if match else "unknown", path=path,
                release=match.group(1) if match else None)


def find_managers(environ) -> dict[str, str | None]:
    found = {}
    for tool, variable in (("conda", "CONDA_EXE"), ("mamba", "MAMBA_EXE"), ("micromamba", "MAMBA_EXE")):
        path = shutil.which(tool, path=environ.get("PATH"))
        declared = environ.get(variable)
        if not path and declared and Path(declared).name.split(".")[0] == tool and Path(declared).is_file():
            path = declared
        found[tool] = path
    return found


# -- the whole picture -------------------------------------------------------------------------

def _gpus_from_rows(rows: list[dict], kb, notes: list[str]) -> list[Gpu]:
    gpus = []
    for position, row in enumerate(rows):
        name = row.get("name", "").strip() or "unknown NVIDIA GPU"
        cc = clean(row.get("compute_cap", ""))
        source = "nvidia-smi" if cc else "unknown"
        stated = int_or_none(row.get("index", ""))
        index = position if stated is None else stated      # GPU 0 is an index, not a missing one
        if not cc:
            cc, source = _capability_from_table(name, kb, notes)
        gpus.append(Gpu(index, name, cc, int_or_none(row.get("memory.total", "")), source))
    return gpus


def _capability_from_table(name: str, kb, notes: list[str]) -> tuple[str | None, str]:
    found = lookup_capability(name, kb.gpus)
    if found is None:
        notes.append(f"'{name}' is not in envmgr's GPU table: its compute capability is unknown "
                     "(set ENVMGR_GPU=sm_XY to state it)")
        return None, "unknown"
    cc, matched = found
    return cc, "GPU table" if matched.lower() in name.lower() else f"GPU table ({matched})"


def detect(environ=None, *, kb=None, proc_root: Path = PROC_ROOT) -> Host:
    """Look at this machine (or the target the overrides describe)."""
    from ..knowledge.drivers import max_cuda_for_driver

    environ = os.environ if environ is None else environ
    if kb is None:
        from ..knowledge.facts import load
        kb = load()
    host = Host(os=os_name(), nvcc=find_nvcc(environ), managers=find_managers(environ))
    no_gpu = _flag(environ, "ENVMGR_NO_GPU")
    driver_override = _driver_override(environ)
    cuda_override = _cuda_override(environ)
    gpu_override = _gpu_override(environ, kb)
    if no_gpu:
        host.overrides["ENVMGR_NO_GPU"] = environ["ENVMGR_NO_GPU"]
        _warn_ignored_by_no_gpu(host, environ, driver_override, cuda_override, gpu_override)
        host.cuda_disabled = True
        host.notes.append(NO_GPU_SET)
    else:
        _detect_driver_and_gpus(host, environ, kb, proc_root, target_gpu=gpu_override is not None)
    if driver_override and not no_gpu:
        host.overrides["ENVMGR_DRIVER_VERSION"] = driver_override
        host.driver_version, host.max_cuda, host.max_cuda_source = driver_override, None, None
    if gpu_override and not no_gpu:
        host.overrides["ENVMGR_GPU"] = environ["ENVMGR_GPU"]
        host.gpus = [gpu_override]
    if cuda_override is not None and not no_gpu:
        host.overrides["CONDA_OVERRIDE_CUDA"] = cuda_override
        if cuda_override:
            _warn_declared_cuda_against_driver(host, cuda_override, kb, from_override=bool(driver_override))
            host.max_cuda = cuda_override
            host.max_cuda_source = "CONDA_OVERRIDE_CUDA: the target driver's newest CUDA, as declared"
        else:
            host.max_cuda, host.cuda_disabled = None, True
            host.max_cuda_source = "CONDA_OVERRIDE_CUDA is empty: the target has no CUDA"
    if host.driver_version and not host.max_cuda and not host.cuda_disabled:
        host.max_cuda, host.max_cuda_source = max_cuda_for_driver(host.driver_version, kb, host.os)
    return host


def _detect_driver_and_gpus(host: Host, environ, kb, proc_root: Path, target_gpu: bool = False) -> None:
    smi = find_nvidia_smi(environ, host.os)
    proc_driver, proc_names = read_proc(proc_root) if host.os == "linux" else (None, [])
    if smi is None:
        if proc_driver:
            host.driver_version = proc_driver
            host.notes.append(f"nvidia-smi not found; driver {proc_driver} read from {proc_root}/version")
            for index, name in enumerate(proc_names):
                cc, source = _capability_from_table(name, kb, host.notes)
                host.gpus.append(Gpu(index, name, cc, None, source))
        else:
            host.notes.append("this machine has no nvidia-smi and no NVIDIA kernel module: the GPU is "
                              "the target's, from ENVMGR_GPU" if target_gpu else NO_GPU_FOUND)
        return
    host.nvidia_smi = smi
    rows, driver, notes = query_gpus(smi, environ)
    host.notes.extend(notes)
    code, plain = run_tool([smi], environ)
    header_notes: list[str] = []
    header_driver, header_cuda = parse_header(plain, header_notes) if code == 0 else (None, None)
    host.notes.extend(header_notes)
    failure = f"nvidia-smi failed: {first_line(plain)}"
    if code != 0 and not any(failure.split(": ", 1)[1] in note for note in host.notes):
        host.notes.append(failure)
    if not rows and code == 0:
        listed_code, listed = run_tool([smi, "-L"], environ)
        rows = [{"index": str(i), "name": n} for i, n in parse_list(listed)] if listed_code == 0 else []
    host.gpus = _gpus_from_rows(rows, kb, host.notes)
    host.driver_version = driver or header_driver or proc_driver
    if header_cuda:
        host.max_cuda, host.max_cuda_source = header_cuda, "nvidia-smi, the CUDA Version in its header"
    elif host.driver_version and code == 0 and not any("CUDA Version" in n for n in header_notes):
        host.notes.append("nvidia-smi prints no CUDA version (drivers before 410 do not): "
                          "derived from NVIDIA's driver table")
