"""Reading what the NVIDIA driver says about itself: ``nvidia-smi`` (query, header, ``-L``) and
``/proc/driver/nvidia``. Only parsing lives here; ``envmgr.host`` decides what the answers mean.

nvidia-smi is run with a timeout (a wedged driver can make it hang) and its output is never
trusted blindly: a field that does not look like a driver version, a CUDA version or a compute
capability is dropped with a note, so odd output costs a note, never a traceback.
"""
from __future__ import annotations

import csv
import re
import shutil
import subprocess
from pathlib import Path

from ..errors import UsageError
from ..knowledge.gpunames import CC_RE

QUERY_FIELDS = ("index", "name", "driver_version", "memory.total", "compute_cap")
SMI_TIMEOUT_S = 15      # a wedged driver can make nvidia-smi hang; never hang envmgr with it
DRIVER_RE = re.compile(r"^\d{3}\.\d{1,3}(\.\d{1,3})?$")
CUDA_RE = re.compile(r"^\d{1,2}\.\d{1,2}$")

HEADER_DRIVER_RE = re.compile(r"Driver Version:[ \t]*(\S+)")
HEADER_CUDA_RE = re.compile(r"CUDA Version:[ \t]*(\S+)")
LIST_RE = re.compile(r"^GPU (\d+): (.+?)(?: \(UUID: [^)]*\))?\s*$")
PROC_VERSION_RE = re.compile(r"Kernel Module(?: for \S+)?\s+(\d+\.\d+(?:\.\d+)?)\s")


def run_tool(args: list[str], environ=None) -> tuple[int, str]:
    """Exit code and stdout+stderr; (-1, reason) when the tool cannot run at all."""
    try:
        done = subprocess.run(args, capture_output=True, text=True, timeout=SMI_TIMEOUT_S,
                              errors="replace", env=None if environ is None else dict(environ))
    except FileNotFoundError:
        return -1, f"{args[0]} not found"
    except PermissionError:
        return -1, f"{args[0]} is not executable"
    except subprocess.TimeoutExpired:
        return -1, f"{args[0]} did not answer within {SMI_TIMEOUT_S}s"
    except OSError as exc:
        return -1, f"{args[0]}: {exc}"
    return done.returncode, (done.stdout or "") + (done.stderr or "")


def find_nvidia_smi(environ, os_kind: str) -> str | None:
    forced = (environ.get("ENVMGR_NVIDIA_SMI") or "").strip()
    if forced:
        if not Path(forced).is_file():
            raise UsageError(f"ENVMGR_NVIDIA_SMI={forced!r} is not a file",
                             fix="point it at an nvidia-smi executable, or unset it")
        return forced
    found = shutil.which("nvidia-smi", path=environ.get("PATH"))
    if found or os_kind != "windows":
        return found
    # Windows drivers put it in System32 (R418+) or the older NVSMI folder, often not on PATH.
    for root, rest in ((environ.get("SystemRoot", r"C:\Windows"), ("System32",)),
                       (environ.get("ProgramFiles", r"C:\Program Files"),
                        ("NVIDIA Corporation", "NVSMI"))):
        candidate = Path(root, *rest, "nvidia-smi.exe")
        if candidate.is_file():
            return str(candidate)
    return None


def int_or_none(text: str) -> int | None:
    match = re.match(r"\s*(\d+)", text or "")
    return int(match.group(1)) if match else None


def clean(text: str) -> str | None:
    """A field's value, or None for nvidia-smi's ways of saying "none" ([N/A], [Not Supported])."""
    text = (text or "").strip()
    return None if not text or text.startswith("[") or text in ("N/A",) else text


def checked(value: str | None, pattern: re.Pattern, what: str, kind: str,
            notes: list[str] | None) -> str | None:
    """``value`` when it has the form ``pattern`` describes; otherwise None, with a note."""
    if value is None or pattern.match(value):
        return value
    if notes is not None:
        notes.append(f"{what} is {value!r}, not {kind}: ignored")
    return None


def first_line(text: str) -> str:
    lines = [line.strip() for line in (text or "").splitlines() if line.strip()]
    return lines[0] if lines else "no output"


def query_gpus(smi: str, environ=None) -> tuple[list[dict], str | None, list[str]]:
    """GPU rows from ``--query-gpu``: (rows, driver_version, notes)."""
    notes: list[str] = []
    fields = list(QUERY_FIELDS)
    code, out = run_tool([smi, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"],
                         environ)
    if code != 0 and "compute_cap" in out and "not a valid field" in out:
        notes.append("this driver's nvidia-smi has no compute_cap field (added around driver 510); "
                     "compute capability comes from envmgr's GPU table")
        fields.remove("compute_cap")
        code, out = run_tool([smi, f"--query-gpu={','.join(fields)}", "--format=csv,noheader,nounits"],
                             environ)
    if code != 0:
        notes.append(f"nvidia-smi --query-gpu failed: {first_line(out)}")
        return [], None, notes
    rows = []
    driver = None
    for values in csv.reader(out.splitlines(), skipinitialspace=True):
        if len(values) != len(fields):
            continue
        row = dict(zip(fields, (v.strip() for v in values)))
        label = f"GPU {row.get('index', '?')}"
        driver = driver or checked(clean(row.get("driver_version", "")), DRIVER_RE,
                                   f"nvidia-smi's driver_version for {label}",
                                   "an NVIDIA driver version", notes)
        if "compute_cap" in row:   # garbage falls back to the GPU table, like a missing field
            row["compute_cap"] = checked(clean(row["compute_cap"]), CC_RE,
                                         f"nvidia-smi's compute_cap for {label}",
                                         "a compute capability", notes) or ""
        rows.append(row)
    return rows, driver, notes


def parse_header(text: str, notes: list[str] | None = None) -> tuple[str | None, str | None]:
    """(driver, cuda) from plain ``nvidia-smi`` output; cuda is None before driver 410 or "N/A".
    A value that is not a version is None, with a note in ``notes``."""
    driver = HEADER_DRIVER_RE.search(text)
    cuda = HEADER_CUDA_RE.search(text)
    cuda_value = cuda.group(1) if cuda and cuda.group(1) != "N/A" else None
    return (checked(driver.group(1) if driver else None, DRIVER_RE,
                    "the Driver Version in nvidia-smi's header",
                    "an NVIDIA driver version", notes),
            checked(cuda_value, CUDA_RE, "the CUDA Version in nvidia-smi's header",
                    "a CUDA version", notes))


def parse_list(text: str) -> list[tuple[int, str]]:
    """``nvidia-smi -L``: [(index, full name)]."""
    found = []
    for line in text.splitlines():
        match = LIST_RE.match(line.strip())
        if match:
            found.append((int(match.group(1)), match.group(2).strip()))
    return found


def read_proc(proc_root: Path) -> tuple[str | None, list[str]]:
    """Driver version and GPU model names from the Linux kernel module, when it is loaded."""
    try:
        text = (proc_root / "version").read_text(encoding="utf-8", errors="replace")
    except OSError:
        return None, []
    match = PROC_VERSION_RE.search(text)
    names = []
    for info in sorted((proc_root / "gpus").glob("*/information")):
        try:
            model = re.search(r"^Model:\s*(.+)$", info.read_text(errors="replace"), re.M)
        except OSError:
            continue
        if model:
            names.append(model.group(1).strip())
    version = match.group(1) if match else None
    return (version if version and DRIVER_RE.match(version) else None), names
