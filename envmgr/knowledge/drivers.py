"""NVIDIA driver versus CUDA: which CUDA builds a driver runs, from the knowledge base's driver table.

The rule envmgr uses (NVIDIA CUDA Toolkit release notes, Tables 2 and 3, and the CUDA
Compatibility guide, "Minor Version Compatibility"):

* Native: a driver runs CUDA X.Y when it is at least the X.Y toolkit driver (Table 3). This is
  also the newest CUDA that ``nvidia-smi`` prints for a driver; envmgr derives it the same way when
  nvidia-smi prints none (drivers before 410) or when ``ENVMGR_DRIVER_VERSION`` is given.
* Minor-version compatibility (CUDA 11 and later only): a driver of the same major family at or
  above the family minimum (Table 2: 450.80.02/452.39 for 11.x, 525.60.13/528.33 for 12.x,
  580.65.06 for 13.x) runs any X.y build. Its limits: PTX produced by the newer toolkit cannot be
  JIT-compiled by the older driver (so the GPU needs SASS in the build), and APIs introduced after
  the driver fail at call time. envmgr therefore accepts it with a note, and refuses it when the
  build would reach the GPU only through PTX.
* CUDA 10.2 and older have no minor-version compatibility: the toolkit driver is the minimum.
* When nvidia-smi prints a newer CUDA than the table gives for its driver (a forward-compatibility
  ``cuda-compat`` libcuda is in use), nvidia-smi wins.
"""
from __future__ import annotations

from dataclasses import dataclass

from packaging.version import InvalidVersion, Version


def dv(text: str | None) -> Version | None:
    """A driver or CUDA version as a comparable Version; None for N/A or missing."""
    if not text:
        return None
    try:
        return Version(str(text))
    except InvalidVersion:
        return None


def toolkit_driver(toolkit, os_name: str) -> str | None:
    value = toolkit.min_driver(os_name, minor_compat=False)
    return value if dv(value) else None


def compat_driver(toolkit, os_name: str) -> str | None:
    """The family minimum under minor-version compatibility, or None (CUDA < 11, or N/A)."""
    value = toolkit.min_driver(os_name, minor_compat=True)
    native = toolkit_driver(toolkit, os_name)
    return value if dv(value) and value != native else None


def max_cuda_for_driver(driver: str, kb, os_name: str = "linux") -> tuple[str | None, str]:
    """The newest CUDA this driver runs natively, and the table row that says so."""
    have = dv(driver)
    best = None
    for toolkit in kb.toolkits:
        needed = toolkit_driver(toolkit, os_name)
        if have is not None and needed and have >= dv(needed):
            best = (toolkit.cuda, needed)
    if best is None:
        oldest = next((t for t in kb.toolkits if toolkit_driver(t, os_name)), None)
        floor = f" (CUDA {oldest.cuda} needs {toolkit_driver(oldest, os_name)})" if oldest else ""
        return None, f"driver {driver} is older than every toolkit driver in envmgr's table{floor}"
    cuda, needed = best
    return cuda, (f"NVIDIA driver table: driver {driver} >= {needed}, the CUDA {cuda} toolkit driver "
                  f"on {os_name}")


def max_cuda_minor_compat(driver: str, kb, os_name: str = "linux") -> tuple[str | None, str | None]:
    """The newest CUDA this driver runs through minor-version compatibility, with its family minimum."""
    have = dv(driver)
    best = (None, None)
    for toolkit in kb.toolkits:
        family_min = compat_driver(toolkit, os_name)
        if have is not None and family_min and have >= dv(family_min):
            best = (toolkit.cuda, family_min)
    return best


@dataclass
class DriverVerdict:
    ok: bool
    how: str                    # "native", "minor-compat", "too-old", "unknown"
    toolkit_driver: str | None
    compat_driver: str | None
    detail: str


def driver_runs(cuda: str, driver: str | None, max_cuda: str | None, kb,
                os_name: str = "linux") -> DriverVerdict:
    """Whether a driver (or a target declaring ``max_cuda``) runs a CUDA ``cuda`` build."""
    toolkit = kb.toolkit(cuda)
    native = toolkit_driver(toolkit, os_name) if toolkit else None
    family = compat_driver(toolkit, os_name) if toolkit else None
    wanted, ceiling, have = dv(cuda), dv(max_cuda), dv(driver)
    if ceiling is not None and wanted is not None and wanted <= ceiling:
        return DriverVerdict(True, "native", native, family, f"the target runs CUDA up to {max_cuda}")
    if have is not None and native and have >= dv(native):
        return DriverVerdict(True, "native", native, family, f"driver {driver} >= {native}")
    if have is not None and family and have >= dv(family):
        return DriverVerdict(True, "minor-compat", native, family,
                             f"driver {driver} >= {family}, the CUDA {wanted.major}.x minimum for "
                             "minor-version compatibility")
    if have is None and ceiling is not None and wanted is not None:
        # Only a declared CUDA (CONDA_OVERRIDE_CUDA): a driver that runs X.a natively is in the
        # X.x family, so minor-version compatibility holds from CUDA 11 on (11.0's first GA
        # driver, 450.51, predates the 450.80.02 family minimum: say so rather than assume).
        if wanted.major == ceiling.major and wanted.major >= 11:
            caveat = " (if the driver is >= 450.80.02)" if max_cuda == "11.0" else ""
            return DriverVerdict(True, "minor-compat", native, family,
                                 f"the target runs CUDA {max_cuda}; {cuda} runs through "
                                 f"minor-version compatibility{caveat}")
        return DriverVerdict(False, "too-old", native, family,
                             f"the target runs CUDA up to {max_cuda}")
    if have is None:
        return DriverVerdict(False, "unknown", native, family, "no NVIDIA driver known")
    if toolkit is None:
        return DriverVerdict(False, "unknown", None, None, f"CUDA {cuda} is not in the driver table")
    return DriverVerdict(False, "too-old", native, family, f"driver {driver} < {family or native}")
