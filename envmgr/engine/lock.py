"""``envmgr lock``: spec -> rendered environment file -> rattler solve per platform -> conda-lock file.

* An existing lock that is fresh is left alone (no solve, no write) unless ``update``.
* Otherwise the spec is solved again; the file is rewritten only when its text changes, so an
  unchanged solution leaves the file byte-identical (no churn in git).
* :func:`lock_env_file` is the engine under it, for any environment file (the benchmark uses it).
"""
from __future__ import annotations

import shlex
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from .freshness import lock_state_problems, stale_code, stale_message, state as lock_state
from .lockfacts import FRESH, MISSING
from .lockfile import LockInputs
from ..specs.workspace import Workspace


@dataclass
class LockResult:
    name: str
    action: str                      # "fresh" (left alone), "locked" (new file), "updated", "unchanged"
    lockfile: str
    platforms: list[str] = field(default_factory=list)
    packages: dict[str, int] = field(default_factory=dict)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    as_of: str | None = None         # the cutoff date it is solved as of (envmgr/knowledge/asof.py)

    def to_json(self) -> dict:
        """One spec's object of ``lock --json``: name, ok, what was done, problems (none here)."""
        return {"name": self.name, "ok": True, **{k: v for k, v in self.__dict__.items() if k != "name"},
                "problems": []}

    @staticmethod
    def failure_json(name: str, lockfile: Path, seconds: float, problem: dict) -> dict:
        """The same object for a spec that could not be locked: ok false, nothing done."""
        return {"name": name, "ok": False, "action": None, "lockfile": str(lockfile), "platforms": [],
                "packages": {}, "seconds": round(seconds, 3), "notes": [], "as_of": None,
                "problems": [problem]}


def lock_env_file(inputs: LockInputs, lockfile: Path, *, what: str = "", workspace=None,
                  notes: list[str] | None = None) -> tuple[bool, dict[str, int]]:
    """Solve ``inputs`` and write ``lockfile`` if its text changes; returns (written, counts).

    The pip section, if any, is resolved after the conda solve (see envmgr/engine/piplayer); its notes
    (e.g. how ``as_of`` applied) are appended to ``notes``."""
    from ..knowledge.asof import moment_of
    from ..atomic import write_text_if_changed
    from .lockfile import conda_specs, content_hashes, make_lock_spec, render_lockfile
    from .solve import solve_platforms

    from concurrent.futures import ThreadPoolExecutor

    cutoff = moment_of(inputs.as_of_cutoff) if inputs.as_of_cutoff else None
    with tempfile.TemporaryDirectory(prefix="envmgr-lock-") as tmp, ThreadPoolExecutor(1) as pool:
        lock_spec = make_lock_spec(inputs.env_text, inputs.env_file.name, inputs.platforms, Path(tmp))
        # the content hash needs no solution: compute it while rattler solves (the solver runs
        # outside the GIL, so the two overlap)
        hashing = pool.submit(content_hashes, lock_spec, inputs.platforms, inputs.cuda, Path(tmp))
        specs_by_platform = {p: conda_specs(lock_spec, p) for p in inputs.platforms}
        records: dict[str, list] = {}
        # platforms with the same specs share one solve call (rattler solves them concurrently)
        for specs in sorted({tuple(s) for s in specs_by_platform.values()}):
            group = [p for p in inputs.platforms if tuple(specs_by_platform[p]) == specs]
            records.update(solve_platforms(inputs.channel_urls, list(specs), group, inputs.cuda,
                                           what=what, file=inputs.env_file, exclude_newer=cutoff,
                                           as_of_facts=inputs.facts, workspace=workspace))
        hashes = hashing.result()
    from . import piplayer

    pip_packages, pip_notes = piplayer.lock(inputs, records, workspace)
    if notes is not None:
        notes.extend(pip_notes)
    text = render_lockfile(inputs, lockfile, records, lock_spec, hashes, pip_packages)
    # the virtual packages the hash covers, for `conda-lock --virtual-package-spec` (named in the
    # lock's header); written first, so a lock never names a file that is not there
    from ..host.virtual import spec_text
    from .lockfile import virtual_packages_file

    write_text_if_changed(virtual_packages_file(lockfile), spec_text(inputs.platforms, inputs.cuda))
    return write_text_if_changed(lockfile, text), {p: len(r) for p, r in sorted(records.items())}


def inputs_for(workspace: Workspace, name: str, as_of: str | None = None) -> tuple[LockInputs, object]:
    """Render spec ``name`` (refreshing its environment file) and gather what its lock depends on.
    ``as_of``: ``--as-of`` from the command line; which cutoff applies is envmgr/knowledge/asof.py's rule."""
    from ..knowledge import asof
    from .channels import resolve_channels
    from .lockfacts import kb_version, spec_digest
    from .lockread import read_metadata
    from ..specs.pipeline import prepare, relative

    prepared = prepare(workspace, name)
    resolved = prepared.resolved
    facts = {"spec_sha256": spec_digest(prepared.spec), "kb_version": kb_version(),
             "route": resolved.route, "torch": resolved.torch, "python": resolved.python}
    spec = prepared.spec
    recorded = read_metadata(workspace.lockfile(name)).get("custom_metadata") or {}
    cutoff = asof.effective(spec, resolved.torch, cli=as_of, recorded=recorded,
                            spec_file=relative(workspace, spec.path) if spec.path else None)
    if cutoff:
        facts.update(cutoff.facts())    # facts["as_of"]: the date, also what the pip layer applies
    inputs = LockInputs(env_file=prepared.env_file, env_text=prepared.env_text,
                        platforms=list(resolved.platforms), cuda=resolved.cuda,
                        channels=list(resolved.channels),
                        channel_urls=resolve_channels(list(resolved.channels), workspace), facts=facts)
    return inputs, resolved


def lock_environment(workspace: Workspace, name: str, update: bool = False,
                     as_of: str | None = None) -> LockResult:
    """``as_of``: a ``--as-of`` (date, "release" or "none") that wins over the spec's ``as_of``."""
    from ..paths import require_encodable

    started = time.perf_counter()
    lockfile = workspace.lockfile(name)
    require_encodable(current_folder=Path.cwd(), workspace=workspace.root)   # before its lock's key
    with spec_lock(lockfile):
        return _lock_held(workspace, name, update, as_of, started)


def spec_lock(lockfile: Path):
    """A file lock for writing ``lockfile``: two envmgr processes locking one spec (``lock --all``
    on two nodes of a cluster sharing the workspace) take turns; the second then finds the lock
    fresh. The lock file lives in envmgr's cache folder (ENVMGR_CACHE_DIR, else ~/.cache/envmgr:
    on a shared home, the same for every node), not in the committed lockfiles/ folder. filelock
    takes flock(2) locks, which Linux NFS clients turn into NFS byte-range locks."""
    import hashlib
    import os

    import filelock

    from ..paths import cache_dir
    from ..specs.workspace import seconds_variable

    folder = cache_dir("locks")
    folder.mkdir(parents=True, exist_ok=True)
    key = hashlib.sha256(os.path.realpath(lockfile).encode()).hexdigest()[:24]
    timeout = seconds_variable("ENVMGR_LOCK_TIMEOUT", 600.0)
    return _Waiting(filelock.FileLock(str(folder / f"{key}.lock"), timeout=timeout), lockfile, timeout)


class _Waiting:
    """The file lock as a context manager whose timeout is one line naming the lockfile."""

    def __init__(self, lock, lockfile: Path, timeout: float):
        self.lock, self.lockfile, self.timeout = lock, lockfile, timeout

    def __enter__(self):
        import filelock

        from ..errors import EnvmgrError

        try:
            self.lock.acquire()
        except filelock.Timeout:
            raise EnvmgrError(f"another envmgr is still locking {self.lockfile.name} after "
                              f"{self.timeout:.0f} s", file=self.lockfile,
                              fix="wait for it to finish, or raise ENVMGR_LOCK_TIMEOUT") from None
        return self

    def __exit__(self, *exc):
        self.lock.release()


def _lock_held(workspace: Workspace, name: str, update: bool, as_of: str | None,
               started: float) -> LockResult:
    from ..knowledge.asof import note

    lockfile = workspace.lockfile(name)
    existed = lockfile.is_file()
    inputs, resolved = inputs_for(workspace, name, as_of)
    result = LockResult(name=name, action=FRESH, lockfile=str(lockfile), platforms=inputs.platforms,
                        as_of=inputs.as_of_cutoff)
    if existed and not update and lock_state(workspace, name, as_of)[0] == FRESH:
        result.seconds = round(time.perf_counter() - started, 3)
        return result
    dated = note(inputs.facts.get("as_of"), inputs.facts.get("as_of_rule"))
    if dated:
        result.notes.append(dated)
    written, result.packages = lock_env_file(inputs, lockfile, what=name, workspace=workspace,
                                             notes=result.notes)
    result.action = "unchanged" if not written else ("updated" if existed else "locked")
    result.seconds = round(time.perf_counter() - started, 3)
    return result


def check_locks(workspace: Workspace, names: list[str], as_of: str | None = None) -> list[dict]:
    """One row per name: {"name", "ok", "state", "reason", "lockfile", "problems"}; never solves. ``as_of``: a
    ``--as-of`` to check the locks against."""
    from ..errors import EnvmgrError

    rows = []
    for name in names:
        try:
            state, reason = lock_state(workspace, name, as_of)
        except EnvmgrError as err:
            state, reason = "stale", str(err)
        rows.append({"name": name, "ok": state == FRESH, "state": state, "reason": reason,
                     "lockfile": str(workspace.lockfile(name)),
                     "problems": lock_state_problems(workspace, name, state, reason, as_of)})
    return rows


def require_fresh_lock(workspace: Workspace, name: str, command: str) -> Path:
    """The lockfile of spec ``name`` when it is fresh (the one verdict, ``freshness.judge``);
    else the error every command that works from a lock gives (``lock-missing``, ``lock-stale``,
    ``lock-damaged``), naming the fix. ``command``: what the user ran (pack, export...)."""
    from ..errors import EnvmgrError
    from ..specs.pipeline import load_named_spec

    load_named_spec(workspace, name)        # an unknown name is a usage error, before anything
    lockfile = workspace.lockfile(name)
    state, reason = lock_state(workspace, name)
    if state == FRESH:
        return lockfile
    fix = f"run `envmgr lock {shlex.quote(name)}`, then `envmgr {command}` again"
    if state == MISSING:
        raise EnvmgrError(f"no lockfile yet for '{name}'", file=lockfile, fix=fix, code="lock-missing")
    raise EnvmgrError(stale_message(reason), file=lockfile, fix=fix, code=stale_code(reason))
