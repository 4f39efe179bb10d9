"""``envmgr verify``: run the environment's own python, ask torch what it is, compare with the lock.

The probe runs inside the env (``<prefix>/bin/python``) because that is the only way to know what
a user will get: the installed torch, its CUDA runtime, cuDNN, and whether it sees a GPU. It prints
one JSON object; envmgr compares it with what the lockfile pins and what the spec asked for.

Extending: host-awareness checks (e.g. "this GPU's sm_86 is not in the build's arch list") are
functions ``check(probe, expected) -> list[Problem]`` registered with :func:`register_check`.
They run after the built-in comparisons, get the probe (device name, capability, arch list) and
add their problems to the report.
"""
from __future__ import annotations

import json
import subprocess
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from packaging.version import InvalidVersion, Version

from ..errors import EnvmgrError
from ..models import CPU, Problem

# Importing a real torch with CUDA from a cold network file system can take minutes; a hang (a
# driver call that never returns, an import lock) must not keep verify waiting forever.
PROBE_TIMEOUT = 300.0
TIMEOUT_VARIABLE = "ENVMGR_VERIFY_TIMEOUT"


def probe_timeout() -> float:
    """Seconds the probe may take: ``ENVMGR_VERIFY_TIMEOUT`` (a finite number > 0), else 300."""
    from ..specs.workspace import seconds_variable

    return seconds_variable(TIMEOUT_VARIABLE, PROBE_TIMEOUT, zero_ok=False)

# Runs inside the env's python, which may be as old as 3.6: keep it plain.
PROBE_SCRIPT = r"""
import json, platform, sys
out = {"python_version": platform.python_version(), "python_executable": sys.executable}
try:
    import torch
except Exception as exc:
    out["import_error"] = "%s: %s" % (type(exc).__name__, exc)
    print(json.dumps(out)); sys.exit(0)
out["torch_version"] = str(getattr(torch, "__version__", None))
out["torch_file"] = getattr(torch, "__file__", None)
out["torch_cuda"] = getattr(getattr(torch, "version", None), "cuda", None)
try:
    out["cudnn_version"] = torch.backends.cudnn.version()
except Exception:
    out["cudnn_version"] = None
try:
    out["cuda_available"] = bool(torch.cuda.is_available())
except Exception as exc:
    out["cuda_available"] = False
    out["cuda_error"] = "%s: %s" % (type(exc).__name__, exc)
if out["cuda_available"]:
    try:
        out["device_name"] = torch.cuda.get_device_name(0)
        out["device_capability"] = list(torch.cuda.get_device_capability(0))
        out["arch_list"] = list(torch.cuda.get_arch_list())
    except Exception as exc:
        out["cuda_error"] = "%s: %s" % (type(exc).__name__, exc)
print(json.dumps(out))
"""


@dataclass
class Probe:
    """What the env's torch says about itself."""

    python_version: str | None = None
    torch_version: str | None = None
    torch_cuda: str | None = None
    cudnn_version: int | None = None
    cuda_available: bool = False
    device_name: str | None = None
    device_capability: list[int] | None = None
    arch_list: list[str] | None = None
    import_error: str | None = None
    cuda_error: str | None = None
    torch_file: str | None = None

    @classmethod
    def from_json(cls, data: dict) -> "Probe":
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        return cls(**known)


@dataclass
class Expected:
    """What the env should hold: from the lockfile (torch, python) and the spec (CUDA variant)."""

    torch: str | None
    cuda: str | None               # "10.2", "12.1", "cpu", or None when unknown
    python: str | None             # minor, "3.7"


@dataclass(frozen=True)
class Advice:
    """Whom the fixes name, and what they say first: an env that no longer matches its lockfile
    needs ``create`` again, a lock older than its spec needs ``create --relock``; only when both
    agree is a mismatch the lock's own fault (or someone changed the env's files)."""

    name: str
    lock_stale: bool = False       # the spec (or the knowledge behind it) changed since the lock
    env_in_sync: bool = True       # the env holds exactly the packages its lockfile pins

    def fix(self, when_in_sync: str) -> str:
        if self.lock_stale:
            return (f"the spec changed since the lock: `envmgr create {self.name} --relock` "
                    "re-locks and installs it")
        if not self.env_in_sync:
            return f"the environment no longer matches its lockfile: run `envmgr create {self.name}`"
        return when_in_sync

    @property
    def rebuild(self) -> str:
        return self.fix(f"run `envmgr create {self.name} --recreate` to rebuild it")

    @property
    def relock(self) -> str:
        return self.fix(f"the lockfile pins another build: `envmgr lock {self.name} --update`, "
                        f"then `envmgr create {self.name}`")


@dataclass
class Report:
    name: str
    prefix: str
    probe: Probe
    expected: Expected
    problems: list[Problem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p.severity == "error" for p in self.problems)

    def to_json(self) -> dict:
        data = {"name": self.name, "prefix": self.prefix, "ok": self.ok,
                **{k: v for k, v in asdict(self.probe).items()},
                "expected": asdict(self.expected),
                "problems": [p.to_json() for p in self.problems]}
        return data


Check = Callable[[Probe, Expected], "list[Problem]"]
_EXTRA_CHECKS: list[Check] = []


def register_check(check: Check) -> Check:
    """Add a check run by every verify (usable as a decorator). Returns ``check``."""
    if check not in _EXTRA_CHECKS:
        _EXTRA_CHECKS.append(check)
    return check


def device_arch_check(probe: Probe, expected: Expected) -> list[Problem]:
    """The GPU's compute capability against the build's arch list (host module's rule)."""
    if not probe.cuda_available or probe.arch_list is None or not probe.device_capability:
        return []
    try:
        from ..compat.hostcheck import device_arch_problems
    except ImportError:  # the host-awareness module is optional for verify
        return []
    capability = ".".join(str(part) for part in probe.device_capability[:2])
    return device_arch_problems(probe.arch_list, capability, probe.device_name or "this GPU")


register_check(device_arch_check)


def run_probe(python: Path, advice: Advice, timeout: float | None = None) -> Probe:
    """Run :data:`PROBE_SCRIPT` with the env's ``python``, for ``timeout`` seconds at most
    (default: :func:`probe_timeout`)."""
    timeout = probe_timeout() if timeout is None else timeout
    if not Path(python).exists():
        raise EnvmgrError(f"the environment has no python at {python}", file=python,
                          fix=advice.rebuild)
    try:
        done = _run_with_timeout([str(python), "-c", PROBE_SCRIPT], timeout)
    except subprocess.TimeoutExpired:
        raise EnvmgrError(f"importing torch took more than {timeout:g} s ({TIMEOUT_VARIABLE}); "
                          "it was stopped", file=python,
                          fix=f"run `{python} -c 'import torch'` by hand to see where it hangs; on a "
                              f"slow file system raise {TIMEOUT_VARIABLE}") from None
    except OSError as exc:
        raise EnvmgrError(f"cannot run the env's python: {exc.strerror}", file=python,
                          fix=advice.rebuild) from None
    lines = [line for line in done.stdout.splitlines() if line.startswith("{")]
    if done.returncode != 0 or not lines:
        detail = (done.stderr.strip().splitlines() or [f"exit {done.returncode}"])[-1]
        raise EnvmgrError(f"the env's python failed: {detail}", file=python,
                          fix=advice.rebuild)
    return Probe.from_json(json.loads(lines[-1]))


def _run_with_timeout(command: list[str], timeout: float) -> subprocess.CompletedProcess:
    """``subprocess.run`` with the probe in its own process group, all of which is killed when
    the time is up: a child torch started (a compile worker, a driver helper) would otherwise
    outlive it, holding the output pipes open."""
    import os
    import signal

    own_group = os.name == "posix"
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                          start_new_session=own_group) as process:
        try:
            stdout, stderr = process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            if own_group:
                try:
                    os.killpg(process.pid, signal.SIGKILL)
                except OSError:
                    process.kill()
            else:
                process.kill()
            process.wait()     # not communicate(): a grandchild that left the group keeps the pipes
            raise
    return subprocess.CompletedProcess(command, process.returncode, stdout, stderr)


def _public(version: str) -> Version | None:
    try:
        return Version(Version(version).public)
    except (InvalidVersion, TypeError):
        return None


def _minor(version: str | None) -> str | None:
    return ".".join(version.split(".")[:2]) if version else None


def compare(probe: Probe, expected: Expected, advice: Advice) -> list[Problem]:
    """The built-in comparisons: torch imports, its version, its CUDA variant, the python minor."""
    if probe.import_error:
        return [Problem(code="torch-import", message=f"import torch failed: {probe.import_error}",
                        fix=advice.rebuild)]
    problems = []
    if expected.torch and _public(probe.torch_version or "") != _public(expected.torch):
        problems.append(Problem(
            code="torch-version", key="torch",
            message=f"torch {probe.torch_version} is installed but the lockfile pins {expected.torch}",
            fix=advice.rebuild))
    problems += _cuda_problems(probe, expected, advice)
    if expected.python and _minor(probe.python_version) != expected.python:
        problems.append(Problem(
            code="python-version", key="python",
            message=f"python {probe.python_version} runs but the lockfile pins {expected.python}",
            fix=advice.rebuild))
    return problems


def _cuda_problems(probe: Probe, expected: Expected, advice: Advice) -> list[Problem]:
    if expected.cuda is None:
        return []
    if expected.cuda == CPU:
        if probe.torch_cuda:
            return [Problem(code="cuda-variant", key="cuda",
                            message=f"a CUDA {probe.torch_cuda} build of torch is installed but the "
                                    "spec asks for the CPU build",
                            fix=advice.relock)]
        return []
    if not probe.torch_cuda:
        return [Problem(code="cpu-build", key="cuda",
                        message=f"the CPU build of torch is installed but the spec asks for CUDA "
                                f"{expected.cuda}",
                        fix=advice.relock)]
    if _minor(probe.torch_cuda) != _minor(expected.cuda):
        return [Problem(code="cuda-variant", key="cuda",
                        message=f"torch was built for CUDA {probe.torch_cuda} but the spec asks "
                                f"for CUDA {expected.cuda}",
                        fix=advice.relock)]
    if not probe.cuda_available:
        # The right build, but this machine cannot run it (no GPU, no driver, or too old a
        # driver): worth saying, not a mismatch, since envs are often built on login nodes.
        why = f": {probe.cuda_error}" if probe.cuda_error else ""
        return [Problem(code="no-gpu", severity="warning",
                        message=f"the CUDA {probe.torch_cuda} build is installed but "
                                f"torch.cuda.is_available() is False on this machine{why}",
                        fix="expected on a machine without a GPU; on a GPU machine check the "
                            "driver with nvidia-smi")]
    return []


def verify(name: str, prefix: Path, python: Path, expected: Expected,
           advice: Advice | None = None) -> Report:
    advice = advice or Advice(name)
    probe = run_probe(python, advice)
    problems = compare(probe, expected, advice)
    if not probe.import_error:
        for check in _EXTRA_CHECKS:
            problems.extend(check(probe, expected) or [])
    return Report(name=name, prefix=str(prefix), probe=probe, expected=expected,
                  problems=problems)


# -- what to expect, from the lockfile ---------------------------------------------------------
TORCH_NAMES = ("pytorch", "torch")  # not the pytorch-cpu/-gpu metapackages


def expected_from_lock(lockfile: Path, platform: str, cuda: str | None) -> Expected:
    """torch and python versions the lockfile pins for ``platform``; ``cuda`` from the spec."""
    from ..engine.install import _lock_entries

    torch = python = None
    for entry in _lock_entries(lockfile):
        if entry.get("platform") != platform:
            continue
        if entry.get("name") in TORCH_NAMES and torch is None:
            torch = str(entry.get("version"))
        elif entry.get("name") == "python" and entry.get("manager", "conda") == "conda":
            python = _minor(str(entry.get("version")))
    return Expected(torch=torch, cuda=cuda, python=python)
