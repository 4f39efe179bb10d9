"""Rows for ``envmgr list``: every spec in ``envs/`` with its lock and environment state.

Listing never solves and imports neither conda-lock nor rattler: the stack comes from the spec
and the knowledge base, lock freshness from the lock side's fast check, the env state from
envmgr's marker (``environments.Environment.status``) and sizes from ``disk.usage``.
"""
from __future__ import annotations

from dataclasses import asdict, dataclass

from . import asof, disk
from .environments import Environment, envs_root
from .errors import EnvmgrError
from .install import host_platform
from .workspace import Workspace

FRESH, STALE, MISSING = "fresh", "stale", "missing"


@dataclass
class Row:
    name: str
    torch: str | None
    cuda: str | None
    python: str | None
    lock: str                  # fresh / stale / missing
    env: str                   # created / missing / out-of-sync / foreign / other-workspace
    prefix: str
    size: int | None           # bytes of the env, each inode once
    private: int | None        # bytes no other env or the package cache shares
    problem: str | None = None  # why torch/cuda/python are unknown (an invalid spec)
    stale_because: str | None = None
    as_of: str | None = None   # the lock's as_of cutoff date, else the spec's as_of (envmgr/asof.py)
    owner: str | None = None   # the workspace that created the env, when it is not this one

    def to_json(self) -> dict:
        return asdict(self)


def lock_state(workspace: Workspace, name: str) -> tuple[str, str | None]:
    """(fresh / stale / missing, why stale), from the lock side's check that never solves."""
    from .lockfile import fast_state  # recorded facts only: no conda-lock import

    return fast_state(workspace, name)


def _stack(workspace: Workspace, name: str) -> tuple[dict, str | None]:
    from .pipeline import load_named_spec, resolve_spec

    try:
        resolved = resolve_spec(workspace, load_named_spec(workspace, name))
    except EnvmgrError as err:
        return {}, str(err)
    return {"torch": resolved.torch, "cuda": resolved.cuda, "python": resolved.python}, None


def row_for(workspace: Workspace, name: str, platform: str | None = None,
            sizes: bool = True) -> Row:
    platform = platform or host_platform()
    stack, problem = _stack(workspace, name)
    env = Environment.named(name, workspace)
    lockfile = workspace.lockfile(name)
    try:
        lock, stale_because = lock_state(workspace, name)
    except EnvmgrError as err:
        lock, stale_because = STALE, None
        problem = problem or str(err)
    state = env.status(lockfile if lockfile.is_file() else None, platform)
    usage = disk.usage(env.prefix) if sizes and env.exists() else None
    return Row(name=name, torch=stack.get("torch"), cuda=stack.get("cuda"),
               python=stack.get("python"), lock=lock, env=state, prefix=str(env.prefix),
               size=usage.total if usage else None, private=usage.private if usage else None,
               problem=problem, stale_because=stale_because, as_of=asof.listed(workspace, name),
               owner=env.other_workspace())


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
