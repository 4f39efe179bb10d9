"""Rows for ``envmgr list --all-workspaces``: every environment envmgr made in the envs dir,
whichever workspace made it.

The default envs dir is shared by every project, and a project folder gets deleted or moved while
its environments stay behind, taking gigabytes. conda lists named envs but knows no lockfiles;
pixi's envs live inside one project. This inventory reads each env's own marker
(``conda-meta/envmgr.json``: workspace, spec, lockfile and its hash, cuda, packages), so it needs
no spec of the current workspace, never solves, and imports neither rattler nor conda-lock.

A folder without envmgr's own marker for its name and prefix (conda's env, a copy, anything else)
is not envmgr's: it is counted as skipped, never listed. Dot-folders are envmgr's temporary
siblings or someone's hidden files, and are ignored.
"""
from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from .. import disk
from .environments import CREATED, OUT_OF_SYNC, Environment
from .marker import MARKER, is_own_marker, read_json
from ..specs.workspace import Workspace

ORPHANED = "orphaned"      # its workspace folder or its spec file is gone
UNKNOWN = "unknown"        # a marker from before envmgr recorded the workspace

_CONDA_CUDA = re.compile(r"cuda(\d+)\.?(\d+)")     # pytorch build string: py3.7_cuda10.2_cudnn7...
_PIP_CUDA = re.compile(r"\+cu(\d+?)(\d)$")         # pip wheel local tag: 2.6.0+cu124 -> 12.4


@dataclass
class EnvRow:
    name: str
    workspace: str | None      # the workspace root that made it, absolute, as the marker says
    spec: str | None
    lockfile: str | None
    torch: str | None
    cuda: str | None
    python: str | None
    env: str                   # created / out-of-sync / orphaned / unknown
    prefix: str
    size: int | None           # bytes, each inode once; None with --no-size
    private: int | None        # bytes no other env or the package cache shares
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p["severity"] == "error" for p in self.problems)

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "workspace": self.workspace, "spec": self.spec,
                "lockfile": self.lockfile, "torch": self.torch, "cuda": self.cuda,
                "python": self.python, "env": self.env, "prefix": self.prefix, "size": self.size,
                "private": self.private, "problems": self.problems}


@dataclass
class Inventory:
    envs_dir: Path
    rows: list[EnvRow]
    skipped: list[Path]        # folders in the envs dir without envmgr's marker: not envmgr's

    def total_size(self) -> int:
        """Bytes of all listed envs together, shared files counted once."""
        prefixes = [row.prefix for row in self.rows if row.size is not None]
        return disk.usage(*prefixes).total if prefixes else 0


def scan(envs_dir: Path, platform: str, pkgs_dir: Path, sizes: bool = True) -> Inventory:
    """One row per folder of ``envs_dir`` holding envmgr's own marker, sorted by name."""
    rows, skipped = [], []
    try:
        entries = sorted(os.scandir(envs_dir), key=lambda entry: entry.name)
    except (FileNotFoundError, NotADirectoryError):
        return Inventory(envs_dir=Path(envs_dir), rows=[], skipped=[])
    for entry in entries:
        if entry.name.startswith(".") or not entry.is_dir():
            continue
        prefix = Path(envs_dir) / entry.name
        marker = read_json(prefix / "conda-meta" / MARKER)
        if not is_own_marker(marker, entry.name, prefix):
            skipped.append(prefix)
            continue
        env = Environment(name=entry.name, prefix=prefix, pkgs_dir=pkgs_dir,
                          workspace_root=_text(marker.get("workspace")))
        rows.append(row_for(env, marker, platform, sizes))
    return Inventory(envs_dir=Path(envs_dir), rows=rows, skipped=skipped)


def row_for(env: Environment, marker: dict, platform: str, sizes: bool) -> EnvRow:
    workspace = _text(marker.get("workspace"))
    spec = _text(marker.get("spec"))
    lockfile = _text(marker.get("lockfile"))
    if workspace and not lockfile:
        lockfile = str(Workspace(root=Path(workspace)).lockfile(env.name))
    state, problems = env_state(env, workspace, spec, lockfile, platform)
    torch, python, cuda = stack_of(env, marker)
    usage = disk.usage(env.prefix) if sizes else None
    return EnvRow(name=env.name, workspace=workspace, spec=spec, lockfile=lockfile, torch=torch,
                  cuda=cuda, python=python, env=state, prefix=str(env.prefix),
                  size=usage.total if usage else None, private=usage.private if usage else None,
                  problems=problems)


# -- state: judged against the lockfile of the workspace that made it --------------------------
def env_state(env: Environment, workspace: str | None, spec: str | None, lockfile: str | None,
              platform: str) -> tuple[str, list[dict]]:
    name = env.name
    if workspace is None:
        return UNKNOWN, [_problem(
            "no-workspace", "its marker predates envmgr recording workspaces, so which "
            "workspace's lockfile it follows is unknown",
            f"run `envmgr create {name} --recreate` in its workspace to record it", "note")]
    if not Path(workspace).is_dir():
        return ORPHANED, [_problem(
            "orphaned", f"its workspace {workspace} no longer exists",
            f"`envmgr remove {name} --force` (from any workspace using this envs dir) deletes it",
            "warning")]
    if spec is not None and not Path(spec).is_file():
        return ORPHANED, [_problem(
            "orphaned", f"its spec {spec} no longer exists",
            f"restore the spec, or run `envmgr remove {name}` in {workspace}", "warning",
            file=spec)]
    if lockfile and env.in_sync(Path(lockfile), platform):
        return CREATED, []
    why = ("its lockfile is gone" if not lockfile or not Path(lockfile).is_file()
           else "it no longer matches its workspace's lockfile")
    return OUT_OF_SYNC, [_problem("out-of-sync", f"{why} ({lockfile})",
                                  f"run `envmgr create {name}` in {workspace}", "warning")]


def _problem(code: str, message: str, fix: str | None, severity: str, file: str | None = None) -> dict:
    problem = {"code": code, "message": message, "fix": fix, "severity": severity}
    if file:
        problem["file"] = file
    return problem


# -- stack: from what the marker and conda-meta record, without opening a package -------------
def stack_of(env: Environment, marker: dict) -> tuple[str | None, str | None, str | None]:
    """(torch, python, cuda): the conda records' pytorch and python (the marker's package list,
    else conda-meta's file names), a pip-installed torch's dist-info folder, and the CUDA the
    marker records, else the one the torch build names."""
    packages = marker.get("packages")
    if not isinstance(packages, list):
        packages = sorted(env.installed_packages())
    found = dict(_name_version_build(str(p)) for p in packages if str(p).count("-") >= 2)
    python = found.get("python", (None, None))[0]
    torch, build = found.get("pytorch", (None, None))
    cuda = _text(marker.get("cuda"))
    if torch is None:
        torch, local_cuda = _pip_torch(env.prefix)
        cuda = cuda or local_cuda
    elif cuda is None and build:
        match = _CONDA_CUDA.search(build)
        cuda = f"{match[1]}.{match[2]}" if match else ("cpu" if "cpu" in build else None)
    return torch, python, cuda


def _name_version_build(record: str) -> tuple[str, tuple[str, str]]:
    name, version, build = record.rsplit("-", 2)
    return name, (version, build)


def _pip_torch(prefix: Path) -> tuple[str | None, str | None]:
    """torch's version and CUDA from its ``torch-VERSION.dist-info`` folder (a pip-route stack)."""
    for site in (*prefix.glob("lib/python*/site-packages"), prefix / "Lib" / "site-packages"):
        for info in site.glob("torch-*.dist-info"):
            version = info.name[len("torch-"):-len(".dist-info")]
            match = _PIP_CUDA.search(version)
            cuda = f"{match[1]}.{match[2]}" if match else ("cpu" if version.endswith("+cpu") else None)
            return version.split("+")[0], cuda
    return None, None


def _text(value) -> str | None:
    return value if isinstance(value, str) and value else None
