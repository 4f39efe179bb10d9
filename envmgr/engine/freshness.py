"""Is a lock fresh? One judgement, :func:`judge`, for every command: ``lock`` (whether to solve
again), ``lock --check``, ``list``, ``create``, ``run`` and ``verify`` all call it, so none of them
can call a lock fresh that another calls stale.

Two ways to the same verdict:

* The quick way, for a lock whose seal matches (``lockseal.py``: the file is exactly what envmgr
  wrote) and no ``--as-of`` given now: when the spec's digest, the knowledge-base version and
  envmgr's version are the ones the lock recorded, the rendered environment file, the virtual
  packages, the as_of cutoff and conda-lock's content hash would all come out as recorded, so the
  lock is fresh without rendering, parsing its package list or importing conda-lock. Only the
  environment file beside it is read, to see that nobody edited it.
* Otherwise the spec is rendered in memory and every recorded fact compared with today's. A lock
  with a seal that does not match was edited after envmgr wrote it: damaged. A lock written before
  seals existed has its content hash recomputed with conda-lock, as ``conda-lock
  --check-input-hash`` would.
"""
from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..specs.workspace import Workspace
from .lockfacts import FRESH, MISSING, STALE, kb_version, sha256_text, spec_digest
from .lockread import DAMAGED, load_checked, read_metadata
from .lockseal import read_sealed

# The knowledge base version is recorded but is not a staleness reason by itself on the slow way:
# knowledge that changes a lock changes the rendered environment file (pins, channels, co-pins), and
# an envmgr upgrade that only adds GPUs or fixes a note must not mark every committed lock stale.
LABELS = {"spec_sha256": "the spec changed",
          "env_file_sha256": "the rendered environment file changed (spec or knowledge base)",
          "virtual_packages": "the virtual packages assumed changed"}


@dataclass
class Verdict:
    state: str                      # fresh / stale / missing
    reason: str | None = None       # why it is not fresh
    recorded: dict = field(default_factory=dict)   # the lock's custom_metadata, when readable
    spec: object = None             # the spec, when it was read on the way


def judge(workspace: Workspace, name: str, as_of: str | None = None) -> Verdict:
    """Whether ``lockfiles/NAME.conda-lock.yml`` is fresh for spec ``name``; ``as_of``: a
    ``--as-of`` given on the command line (envmgr/knowledge/asof.py says which cutoff applies).
    Raises EnvmgrError when the spec itself cannot be read or checked."""
    lockfile = workspace.lockfile(name)
    if not lockfile.is_file():
        return Verdict(MISSING)
    meta, sealed = read_sealed(lockfile)
    if sealed and as_of is None:
        quick = _quick(workspace, name, meta.get("custom_metadata") or {})
        if quick is not None:
            return quick
    return _slow(workspace, name, as_of)


def state(workspace: Workspace, name: str, as_of: str | None = None) -> tuple[str, str | None]:
    """(fresh|stale|missing, why not fresh): :func:`judge`, as a pair."""
    verdict = judge(workspace, name, as_of)
    return verdict.state, verdict.reason


def _quick(workspace: Workspace, name: str, recorded: dict) -> Verdict | None:
    """The verdict from the recorded digests alone, or None when they differ (render then)."""
    from ..specs.specfile import load_named_spec

    from ..knowledge.asof import COMMAND_LINE, KEY_ORIGIN

    spec = load_named_spec(workspace, name)
    if (recorded.get("spec_sha256") != spec_digest(spec) or recorded.get("kb_version") != kb_version()
            or recorded.get("envmgr_version") != __version__):
        return None
    if spec.as_of and recorded.get(KEY_ORIGIN) == COMMAND_LINE:
        return None     # the spec's as_of wins over a cutoff an earlier --as-of recorded
    edited = _env_file_edited(workspace.environment_file(name), recorded.get("env_file_sha256"))
    return Verdict(STALE, edited, recorded, spec) if edited else Verdict(FRESH, None, recorded, spec)


def _slow(workspace: Workspace, name: str, as_of: str | None) -> Verdict:
    from ..knowledge.asof import KEY_DATE, staleness

    lockfile = workspace.lockfile(name)
    data, damage = load_checked(lockfile)      # damage first: a truncated file has no metadata
    if damage:
        return Verdict(STALE, f"{DAMAGED}: {damage}")
    recorded = read_metadata(lockfile, data).get("custom_metadata") or {}
    if not recorded.get("spec_sha256"):
        if recorded.get("envmgr_version"):      # envmgr wrote it, then someone edited its facts
            return Verdict(STALE, f"{DAMAGED}: its envmgr metadata has no spec_sha256", recorded)
        return Verdict(STALE, "not written by envmgr (no envmgr metadata)", recorded)
    facts, resolved, text, spec = expected_facts(workspace, name, as_of, recorded)
    for key, label in LABELS.items():
        if recorded.get(key) != facts[key]:
            return Verdict(STALE, label, recorded, spec)
    edited_file = _env_file_edited(workspace.environment_file(name), facts["env_file_sha256"])
    if edited_file:
        return Verdict(STALE, edited_file, recorded, spec)
    if recorded.get(KEY_DATE) != facts.get(KEY_DATE):
        return Verdict(STALE, staleness(recorded, facts), recorded, spec)
    if not recorded.get("envmgr_seal") and not _content_hash_matches(workspace, name, data, resolved, text):
        return Verdict(STALE, "the content hash differs (specs, channels or platforms changed)", recorded, spec)
    return Verdict(FRESH, None, recorded, spec)


def expected_facts(workspace: Workspace, name: str, as_of: str | None = None,
                   recorded: dict | None = None):
    """(facts a fresh lock records, resolved stack, rendered text, spec) for spec ``name``,
    computed now. Renders in memory only: checking writes nothing. ``as_of``: a ``--as-of`` given
    now; ``recorded``: the lock's custom_metadata (a cutoff an earlier ``--as-of`` recorded applies)."""
    from ..host.virtual import describe
    from ..knowledge import asof
    from ..specs.pipeline import load_named_spec, relative, render_spec, resolve_spec

    spec = load_named_spec(workspace, name)
    resolved = resolve_spec(workspace, spec)
    text = render_spec(workspace, spec, resolved)
    facts = {"spec_sha256": spec_digest(spec), "kb_version": kb_version(),
             "env_file_sha256": sha256_text(text),
             "virtual_packages": describe(list(resolved.platforms), resolved.cuda)}
    cutoff = asof.effective(spec, resolved.torch, cli=as_of, recorded=recorded,
                            spec_file=relative(workspace, spec.path) if spec.path else None)
    if cutoff:
        facts.update(cutoff.facts())
    return facts, resolved, text, spec


def _env_file_edited(env_file: Path, rendered_sha256: str | None) -> str | None:
    """Why the rendered environment file next to the lock is not what the spec renders to, or
    None (a missing one is not an edit: the lock alone installs; it names the lock's sources for
    conda-lock)."""
    try:
        same = hashlib.sha256(env_file.read_bytes()).hexdigest() == rendered_sha256
    except FileNotFoundError:
        return None
    except OSError:
        same = False
    return None if same else (f"{env_file.name} differs from the spec's rendering (edited by hand?); "
                              "`envmgr lock` writes it again")


def _content_hash_matches(workspace: Workspace, name: str, data: dict, resolved, text: str) -> bool:
    """conda-lock's content hash, recomputed from the rendered file, equals the lock's: the check
    for a lock written before seals existed (it imports conda-lock)."""
    from .lockfile import content_hashes, make_lock_spec

    meta = read_metadata(workspace.lockfile(name), data)
    platforms = list(resolved.platforms)
    import tempfile

    with tempfile.TemporaryDirectory(prefix="envmgr-check-") as tmp:
        lock_spec = make_lock_spec(text, workspace.environment_file(name).name, platforms, Path(tmp))
        hashes = content_hashes(lock_spec, platforms, resolved.cuda, Path(tmp))
    return meta.get("content_hash") == hashes


# -- the verdict, said ------------------------------------------------------------------------------
def lock_state_problems(workspace: Workspace, name: str, state: str, reason: str | None,
                        as_of: str | None = None) -> list[dict]:
    """What ``lock --check`` (and ``list``) find wrong with one lock, as JSON problems."""
    if state == FRESH:
        return []
    import shlex        # here: `list` asks this of every lock, and most are fresh

    again = f" --as-of {as_of}" if as_of else ""
    lockfile = str(workspace.lockfile(name))
    command = f"envmgr lock {shlex.quote(name)}{again}"
    if not workspace.spec_path(name).is_file():
        return [{"code": "unknown-spec", "message": f"no spec named '{name}'",
                 "fix": f'envmgr new {name} "torch 2.4 + cu121"', "severity": "error",
                 "file": str(workspace.spec_path(name))}]
    if state == MISSING:
        return [{"code": "lock-missing", "message": "no lockfile yet", "fix": command,
                 "severity": "error", "file": lockfile}]
    return [{"code": stale_code(reason), "message": stale_message(reason),
             "fix": command, "severity": "error", "file": lockfile}]


def stale_code(reason: str | None) -> str:
    """The --json problem code of a lock that is not fresh: `lock-damaged` or `lock-stale`."""
    return "lock-damaged" if reason and reason.startswith(DAMAGED) else "lock-stale"


def stale_message(reason: str | None) -> str:
    """What is wrong with a lock that is not fresh: a damaged one says so plainly (as verify and
    the installer do), any other is stale because of ``reason``."""
    if reason and reason.startswith(DAMAGED):
        return reason
    return f"the lockfile is stale ({reason or 'its inputs changed'})"
