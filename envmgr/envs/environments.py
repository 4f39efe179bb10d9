"""Named environments on disk: where they live, whether they match their lockfile, and how they
are created and removed without ever leaving half an environment behind.

Where
    ``locations``: the envs dir, the package cache, conda's own envs dir and its
    ``environments.txt``. The ownership marker: ``marker``.

Why install into a temporary sibling, and how the paths stay right
    Conda packages contain their install prefix in files (``/opt/anaconda1anaconda2anaconda3``
    rewritten at link time), so an environment built in ``.NAME.envmgr-tmp-XXXX`` and renamed
    would point at the temporary path. rattler's installer can write one prefix into the files
    while linking into another (``alternative_target_prefix``), so envmgr installs into the
    temporary sibling *with the final prefix written into every file* and then renames it into
    place (same folder, so the rename is atomic). The tests check that no file in a created
    environment mentions the temporary path.

    Replacing an existing environment swaps the two folders in one ``renameat2(RENAME_EXCHANGE)``
    on Linux (two renames elsewhere), then deletes the old one. At every instant ``NAME`` is the
    old environment, the new one, or (only on the two-rename fallback) absent; never half.

    A crash, Ctrl-C or ``kill -9`` leaves at most a temporary sibling or a tombstone (an old env
    being deleted, renamed ``.NAME.envmgr-old-XXXX`` first). Each one carries envmgr's marker
    until its last file is gone (``leftovers.delete_marked`` deletes the marker last), and the next
    create or remove deletes it while holding that name's lock, so nobody else can be using it;
    it also sweeps the leftovers of every other name whose lock is free. A failed or interrupted
    install is deleted only after the installer has stopped writing: it runs in a child process
    (``engine.linkjob``), and envmgr waits for that process to exit first.

Concurrency and ownership
    Every create or remove of NAME holds ``.NAME.envmgr.lock`` next to the prefix (filelock): a
    second envmgr waits with a message, then fails clearly after ``ENVMGR_LOCK_TIMEOUT`` seconds
    (default 600). envmgr only replaces or deletes a prefix holding its own marker,
    ``conda-meta/envmgr.json`` (name, prefix, workspace, spec, lockfile hash, platform, packages).

One envs dir, many workspaces
    The default envs dir (``~/.envmgr/envs``, or conda's) is shared by every project, so two
    workspaces may both have an ``envs/paper.yaml``. The marker records the workspace root that
    made the env; ``create`` and ``remove`` from another workspace refuse it unless ``--force``
    (which takes it over, or deletes it), ``verify`` refuses it, and ``list`` shows it as
    ``other-workspace``. A marker written before envmgr recorded workspaces has no ``workspace``
    key: it counts as belonging to whichever workspace asks (as before), until its next create.

The no-op check (``in_sync``) reads that marker and lists ``conda-meta``; it imports neither
rattler nor conda-lock, so ``envmgr create`` of an up-to-date environment takes milliseconds.
"""
from __future__ import annotations

import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from ..atomic import current_umask
from ..errors import EnvmgrError, SpecError, UsageError
from ..host.locations import envs_root, make_folder, pkgs_dir, register, unregister
from ..host.ownership import find_leftovers
from .leftovers import delete_marked, sweep
from .marker import (MARKER, TMP_MARKER, file_digest, is_own_marker, read_json,  # noqa: F401
                     write_build_marker, write_marker)

DEFAULT_LOCK_TIMEOUT = 600.0

# Status words shared with `envmgr list`.
CREATED, MISSING, OUT_OF_SYNC, FOREIGN = "created", "missing", "out-of-sync", "foreign"
OTHER_WORKSPACE = "other-workspace"    # envmgr's, but made from another workspace's spec


def lock_timeout() -> float:
    """Seconds to wait for another envmgr working on the same name: ``ENVMGR_LOCK_TIMEOUT``, else
    the default. Commands call it before any work, so a bad value is refused before a solve or an
    install, not after."""
    from ..specs.workspace import seconds_variable

    return seconds_variable("ENVMGR_LOCK_TIMEOUT", DEFAULT_LOCK_TIMEOUT)


def undeletable(paths) -> tuple[Path, Path] | None:
    """(path, its folder) for the first of ``paths`` that cannot be deleted (or renamed away):
    its folder refuses changes. Checked before deleting anything, so a refusal leaves all in place."""
    for path in paths:
        folder = Path(path).parent
        if not os.access(folder, os.W_OK | os.X_OK):
            return Path(path), folder
    return None


def check_name(name: str) -> str:
    """An environment name, by the one rule spec names follow (it becomes a folder name too)."""
    from ..specs.names import validate_name

    return validate_name(name)


def valid_name_like(name: str) -> str:
    """A valid name close to ``name`` ("a b" -> "a-b", "ünï" -> "uni"), for a rename fix."""
    import re
    import unicodedata

    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^A-Za-z0-9._-]+", "-", ascii_name).strip(".-")[:64] or "env"


# -- one environment ---------------------------------------------------------------------------
@dataclass
class Environment:
    """A named environment: ``exists``, ``in_sync``, ``create``, ``remove`` (hatch-style)."""

    name: str
    prefix: Path
    pkgs_dir: Path
    workspace_root: Path | None = None    # the workspace asking; None: no ownership check

    @classmethod
    def named(cls, name: str, workspace=None) -> "Environment":
        try:
            check_name(name)
        except UsageError as err:
            spec = workspace.spec_path(name) if workspace is not None else None
            if spec is None or not spec.is_file():
                raise
            # the name came from a file in envs/ (list, create --all): say which, and what to do
            raise SpecError(err.message, file=spec,
                            fix=f"rename the file, e.g. to envs/{valid_name_like(name)}.yaml") from None
        return cls(name=name, prefix=envs_root(workspace) / name, pkgs_dir=pkgs_dir(workspace),
                   workspace_root=workspace.root if workspace is not None else None)

    # -- reading state (fast: no rattler, no conda-lock) ---------------------------------------
    @property
    def marker_path(self) -> Path:
        return self.prefix / "conda-meta" / MARKER

    @property
    def lock_path(self) -> Path:
        return self.prefix.parent / f".{self.name}.envmgr.lock"

    @property
    def python(self) -> Path:
        return self.prefix / ("python.exe" if sys.platform == "win32" else "bin/python")

    def exists(self) -> bool:
        return self.prefix.exists() or self.prefix.is_symlink()

    def marker(self) -> dict | None:
        """envmgr's marker of this prefix; None when there is none or it is not envmgr's own for
        this name and prefix (any other JSON there is someone else's file, not an ownership claim)."""
        data = read_json(self.marker_path)
        return data if is_own_marker(data, self.name, self.prefix) else None

    def is_managed(self) -> bool:
        """True when envmgr made this prefix (its own marker is there)."""
        return self.marker() is not None

    def owner(self) -> str | None:
        """The workspace root the marker records; None without a marker, or for an old marker
        that predates the field."""
        owner = (self.marker() or {}).get("workspace")
        return owner if isinstance(owner, str) and owner else None

    def other_workspace(self) -> str | None:
        """The owning workspace when it is not the one asking (an old marker counts as ours)."""
        owner = self.owner()
        if owner is None or self.workspace_root is None:
            return None
        return None if Path(owner).resolve() == Path(self.workspace_root).resolve() else owner

    def refuse_other_workspace(self, command: str) -> None:
        """One line naming both workspaces when this env belongs to another one. ``command``:
        create, remove or verify (what the user ran, for the fix)."""
        owner = self.other_workspace()
        if owner is None:
            return
        gone = "" if Path(owner).is_dir() else " (that folder no longer exists)"
        own_dir = "give each project its own envs dir (ENVMGR_ENVS_DIR / envs_dir in envmgr.yaml)"
        verb, fix = {
            "create": ("replace", f"pick another name, or {own_dir}, or "
                                  f"`envmgr create {self.name} --take-over` to take it over"),
            "remove": ("delete", f"remove it from {owner}, or "
                                 f"`envmgr remove {self.name} --force` to delete it anyway"),
        }.get(command, (command, f"run `envmgr {command} {self.name}` in {owner}, or {own_dir}"))
        raise EnvmgrError(
            f"environment '{self.name}' belongs to workspace {owner}{gone}, not to this workspace "
            f"{self.workspace_root}; envmgr will not {verb} it", file=self.prefix, fix=fix)

    def installed_packages(self) -> set[str]:
        """``name-version-build`` of each package conda-meta records."""
        meta = self.prefix / "conda-meta"
        try:
            return {p[:-5] for p in os.listdir(meta) if p.endswith(".json") and p != MARKER}
        except (FileNotFoundError, NotADirectoryError):
            return set()

    def in_sync(self, lockfile: Path, platform: str) -> bool:
        """The env was made by envmgr from exactly this lockfile, here, nobody changed its packages,
        and its python is still there (one stat: a deleted bin/python leaves conda-meta intact)."""
        marker = self.marker()
        if not marker or not Path(lockfile).is_file() or not isinstance(marker.get("packages"), list):
            return False
        if _has_python(marker["packages"]) and not os.path.lexists(self.python):
            return False
        return (marker.get("lockfile_sha256") == file_digest(lockfile)
                and marker.get("platform") == platform
                and set(map(str, marker["packages"])) == self.installed_packages())

    def status(self, lockfile: Path | None, platform: str) -> str:
        if not self.exists():
            return MISSING
        if not self.is_managed():
            return FOREIGN
        if self.other_workspace():
            return OTHER_WORKSPACE
        if lockfile is not None and self.in_sync(lockfile, platform):
            return CREATED
        return OUT_OF_SYNC

    # -- changing state -----------------------------------------------------------------------
    def sync_variables(self, wanted: dict[str, str]) -> bool:
        """Give the env the spec's ``variables:`` in conda-meta/state (see envvars.py), under the
        name's lock; True when something changed."""
        from . import envvars

        if not envvars.needs_sync(self.marker(), wanted):
            return False
        with self.locked():
            marker = self.marker()
            if not envvars.needs_sync(marker, wanted):
                return False
            envvars.sync(self.prefix, self.marker_path, marker, wanted)
        return True

    def refuse_foreign(self) -> None:
        if self.exists() and not self.is_managed():
            found = self.marker_path.exists()
            why = (f"its conda-meta/{MARKER} is not envmgr's marker for '{self.name}' at this prefix"
                   if found else f"no conda-meta/{MARKER}")
            raise EnvmgrError(
                f"{self.prefix} exists but was not created by envmgr ({why}); "
                "envmgr will not replace or delete it", file=self.prefix,
                fix="move it away yourself, or create under another name or ENVMGR_ENVS_DIR")

    def locked(self, notify: Callable[[str], None] | None = None):
        """A context manager holding this name's lock; waits with a message, then fails clearly."""
        import filelock

        make_folder(self.prefix.parent, "envs_dir")
        lock = filelock.FileLock(str(self.lock_path))
        timeout = lock_timeout()
        try:
            lock.acquire(timeout=0.1)
        except filelock.Timeout:
            if notify:
                notify(f"waiting for another envmgr working on '{self.name}' "
                       f"(lock {self.lock_path}, up to {timeout:.0f} s)")
            try:
                lock.acquire(timeout=timeout)
            except filelock.Timeout:
                raise EnvmgrError(f"another envmgr is still working on '{self.name}' after "
                                  f"{timeout:.0f} s", file=self.lock_path,
                                  fix="wait for it to finish, or raise ENVMGR_LOCK_TIMEOUT") from None
        return _Held(lock)

    def leftovers(self) -> list[Path]:
        """Temporary siblings and tombstones an interrupted envmgr left for this name (a crash,
        Ctrl-C, kill -9): an empty ``.NAME.envmgr-{tmp,old}-*`` folder (killed between mkdtemp and
        its marker), or one holding envmgr's build marker or its own marker for this name and
        prefix (``host.ownership``). Anyone else's folder of that shape is not listed."""
        return find_leftovers(self.prefix.parent, self.name)

    def clean_leftovers(self, others: bool = False) -> list[Path]:
        """Delete :meth:`leftovers` (call with the lock held, so nobody is building them); with
        ``others``, also those of every other name whose lock is free."""
        removed = [sibling for sibling in self.leftovers() if delete_marked(sibling, self.name)]
        if others:
            removed += sweep(self.prefix.parent, skip=self.name)
        return removed

    def build(self, populate: Callable[[Path], list[str] | None], record: dict) -> None:
        """Build the env in a temporary sibling with ``populate(tmp)``, then put it in place.

        ``populate`` links packages into ``tmp`` with ``self.prefix`` as the prefix written into
        files. ``record`` (lockfile hash, platform, spec...) goes into the marker. Call with the lock
        held, after :meth:`refuse_foreign`.
        """
        make_folder(self.prefix.parent, "envs_dir")
        tmp = self._hidden_sibling("tmp")
        try:
            # mkdtemp makes it 0700 and the rename keeps that: the env would be private to its
            # creator, unlike a folder made by mkdir (or by conda)
            os.chmod(tmp, 0o777 & ~current_umask())
            write_build_marker(tmp, self.name)
            populate(tmp)
            _pause_for_tests()
            packages = sorted({p[:-5] for p in os.listdir(tmp / "conda-meta")
                               if p.endswith(".json") and p != MARKER})
            write_marker(tmp, self.name, self.prefix, record, packages)
            (tmp / TMP_MARKER).unlink()
            self._put_in_place(tmp)
        except BaseException:
            # populate has returned or raised, so nothing writes into tmp any more (the
            # installer's child process has exited); a second Ctrl-C here leaves tmp marked
            delete_marked(tmp, self.name)
            raise
        register(self.prefix)

    def _hidden_sibling(self, kind: str) -> Path:
        """A new empty ``.NAME.envmgr-KIND-*`` folder beside the prefix (a build, or an old env on
        its way out): the names host.ownership recognises as envmgr's own leftovers."""
        import tempfile     # here: `envmgr list` imports this module and makes no folder

        return Path(tempfile.mkdtemp(prefix=f".{self.name}.envmgr-{kind}-", dir=self.prefix.parent))

    def _put_in_place(self, new: Path) -> None:
        if not self.exists():
            os.rename(new, self.prefix)
            return
        if _exchange(new, self.prefix):
            old = new                                  # the old env now sits at the temp path
        else:
            old = self._hidden_sibling("old")
            os.rmdir(old)
            os.rename(self.prefix, old)
            os.rename(new, self.prefix)
        delete_marked(old, self.name)

    def remove(self, force: bool = False) -> None:
        """Delete the env (only one envmgr made, and, unless ``force``, from this workspace);
        call with the lock held."""
        self.refuse_foreign()
        if not force:
            self.refuse_other_workspace("remove")
        if not self.exists():
            return
        # Rename first, so an interrupted delete leaves a marked leftover, not a broken NAME.
        trash = self._hidden_sibling("old")
        os.rmdir(trash)
        os.rename(self.prefix, trash)
        unregister(self.prefix)
        delete_marked(trash, self.name)


class _Held:
    def __init__(self, lock):
        self.lock = lock

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.lock.release()


def _has_python(packages: list) -> bool:
    """The marker's packages (``name-version-build``) include the python interpreter."""
    return any(str(p).startswith("python-") and str(p)[7:8].isdigit() for p in packages)


def _pause_for_tests() -> None:
    # Fault-injection hook: the crash-safety tests kill envmgr inside this window, after the
    # packages are linked into the temporary sibling and before it is renamed into place.
    delay = os.environ.get("ENVMGR_TEST_PAUSE_BEFORE_RENAME")
    if delay:
        time.sleep(float(delay))


def _exchange(a: Path, b: Path) -> bool:
    """Atomically swap two paths (Linux renameat2 RENAME_EXCHANGE); False when unsupported."""
    if not sys.platform.startswith("linux"):
        return False
    import ctypes     # here, not at the top: every `envmgr list` would pay for it

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    at_fdcwd, rename_exchange = -100, 2
    result = renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange)
    return result == 0
