"""Rows for ``envmgr list``: every spec in ``envs/`` with its lock and environment state.

Listing never solves and imports neither conda-lock nor rattler: the stack comes from the spec
and the knowledge base, lock freshness from the lock side's fast check, the env state from
envmgr's marker (``environments.Environment.status``) and sizes from ``disk.usage``.
"""
from __future__ import annotations

from dataclasses import dataclass, field

from ..knowledge import asof
from .. import disk
from .environments import Environment, envs_root
from ..errors import EnvmgrError, SpecError
from ..engine.install import host_platform
from ..specs.workspace import Workspace

FRESH, STALE, MISSING = "fresh", "stale", "missing"


@dataclass
class Row:
    name: str
    torch: str | None
    cuda: str | None
    python: str | None
    lock: str                  # fresh / stale / missing
    env: str                   # created / missing / out-of-sync / foreign / other-workspace
    prefix: str | None         # None when the name cannot be an environment's (envs/a b.yaml)
    size: int | None           # bytes of the env, each inode once
    private: int | None        # bytes no other env or the package cache shares
    reason: str | None = None  # why the lock is stale (as ``lock --check`` says it)
    as_of: str | None = None   # the lock's as_of cutoff date, else the spec's as_of (envmgr/knowledge/asof.py)
    owner: str | None = None   # the workspace that created the env, when it is not this one
    packages: int | None = None      # conda packages installed (the marker's list); None: no env
    pip_packages: int | None = None  # pip packages installed (the marker's count); None: not known
    # what list warns about, as JSON problems: an invalid spec, a stale lock, another workspace's env
    problems: list[dict] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not any(p["severity"] == "error" for p in self.problems)

    def to_json(self) -> dict:
        return {"name": self.name, "ok": self.ok, "torch": self.torch, "cuda": self.cuda,
                "python": self.python, "lock": self.lock, "env": self.env, "prefix": self.prefix,
                "size": self.size, "private": self.private, "reason": self.reason,
                "as_of": self.as_of, "owner": self.owner, "packages": self.packages,
                "pip_packages": self.pip_packages,
                "activate": activation_commands(self.name, self.prefix), "problems": self.problems}


def activation_commands(name: str, prefix: str | None) -> dict | None:
    """How to use the env: envmgr's three ways, and conda's where conda is installed (by prefix,
    which works whichever envs dir holds it). None for a name no env can have."""
    if prefix is None:
        return None
    from ..host.locations import conda_root

    return {"run": f"envmgr run {name} -- COMMAND", "shell": f"envmgr shell {name}",
            "hook": f'eval "$(envmgr shell-hook {name})"',
            "conda": f"conda activate {prefix}" if conda_root() is not None else None}


def lock_state(workspace: Workspace, name: str) -> tuple[str, str | None]:
    """(fresh / stale / missing, why stale): the one freshness judgement (engine/freshness.py)."""
    from ..engine.freshness import state

    return state(workspace, name)


def _stack(workspace: Workspace, name: str, verdict) -> tuple[dict, list[dict]]:
    """torch/cuda/python of the row: a fresh lock recorded them (resolving again would give the
    same), else the spec is resolved now."""
    if verdict is not None and verdict.state == FRESH:
        return {key: verdict.recorded.get(key) for key in ("torch", "cuda", "python")}, []
    from ..specs.pipeline import load_named_spec, resolve_spec

    try:
        spec = verdict.spec if verdict is not None and verdict.spec is not None else load_named_spec(workspace, name)
        resolved = resolve_spec(workspace, spec)
    except EnvmgrError as err:
        return {}, [_error_problem(err, "spec-error")]
    return {"torch": resolved.torch, "cuda": resolved.cuda, "python": resolved.python}, []


def _error_problem(err: EnvmgrError, code: str) -> dict:
    from pathlib import Path

    problem = {"code": code, "message": err.message, "fix": err.fix, "severity": "error"}
    if err.file:
        problem["file"] = str(Path(err.file).absolute())    # messages say it relative to here
    if err.line:
        problem["line"] = err.line
    return problem


def _owner_problem(name: str, owner: str) -> dict:
    return {"code": "other-workspace",
            "message": f"the environment belongs to workspace {owner}; create and remove here refuse it",
            "fix": "pick another name, or set ENVMGR_ENVS_DIR per project", "severity": "error"}


def row_for(workspace: Workspace, name: str, platform: str | None = None,
            sizes: bool = True) -> Row:
    platform = platform or host_platform()
    from ..engine.freshness import lock_state_problems

    try:
        env = Environment.named(name, workspace)
    except SpecError as err:       # envs/a b.yaml: no lock or environment can have that name
        return Row(name=name, torch=None, cuda=None, python=None, lock=MISSING, env=MISSING,
                   prefix=None, size=None, private=None, problems=[_error_problem(err, "spec-error")])
    from ..engine.freshness import judge

    lockfile = workspace.lockfile(name)
    try:
        verdict = judge(workspace, name)
        lock, reason = verdict.state, verdict.reason
    except EnvmgrError as err:
        verdict, lock, reason = None, STALE, None
        lock_error = [_error_problem(err, "lock-stale")]
    else:
        lock_error = []
    stack, problems = _stack(workspace, name, verdict)
    problems = problems or lock_error
    if lock == STALE and reason:
        problems += lock_state_problems(workspace, name, lock, reason)
    state = env.status(lockfile if lockfile.is_file() else None, platform)
    usage = disk.usage(env.prefix) if sizes and env.exists() else None
    owner = env.other_workspace()
    marker = env.marker() if state != MISSING else None
    installed = marker.get("packages") if marker else None
    if owner:
        problems.append(_owner_problem(name, owner))
    return Row(name=name, torch=stack.get("torch"), cuda=stack.get("cuda"),
               python=stack.get("python"), lock=lock, env=state, prefix=str(env.prefix),
               size=usage.total if usage else None, private=usage.private if usage else None,
               reason=reason, as_of=listed_as_of(workspace, name, verdict), owner=owner,
               packages=len(installed) if isinstance(installed, list) else None,
               pip_packages=marker.get("pip_packages") if marker else None, problems=problems)


def rows(workspace: Workspace, sizes: bool = True) -> list[Row]:
    platform = host_platform()
    return [row_for(workspace, name, platform, sizes) for name in workspace.spec_names()]


def total_size(workspace: Workspace, found: list[Row]) -> int:
    """Bytes of all listed envs together, shared files counted once."""
    prefixes = [row.prefix for row in found if row.size is not None]
    return disk.usage(*prefixes).total if prefixes else 0


def summary(workspace: Workspace, found: list[Row]) -> dict:
    return {"envs_dir": str(envs_root(workspace)), "platform": host_platform(),
            "total_size": total_size(workspace, found)}


def listed_as_of(workspace, name: str, verdict=None) -> str | None:
    """What ``envmgr list`` shows as ``as_of``: the cutoff date the lockfile records, else (no
    lock yet, or locked without one) the spec's request as written ("release", a date).
    ``verdict``: the lock's freshness verdict, whose recorded facts and spec are used when known."""
    from ..engine.lockread import read_metadata
    from ..specs.specfile import load_named_spec

    if verdict is not None and verdict.recorded:
        recorded = verdict.recorded
    else:
        lockfile = workspace.lockfile(name)
        recorded = (read_metadata(lockfile).get("custom_metadata") or {}) if lockfile.is_file() else {}
    if recorded.get(asof.KEY_DATE):
        return str(recorded[asof.KEY_DATE])
    if verdict is not None and verdict.spec is not None:
        return verdict.spec.as_of
    try:
        return load_named_spec(workspace, name).as_of
    except EnvmgrError:
        return None
