"""``envmgr pack``: a relocatable archive of an environment, for machines with no envmgr, conda or
network (cluster nodes, containers), made with conda-pack.

* From a created environment, or (``from_lock``) from the lockfile alone: installed into a
  temporary prefix with the same installer ``create`` uses, packed, deleted.
* The archive is conda-pack's: the environment's files with the install prefix as a placeholder
  where packages had one, ``bin/conda-unpack`` (writes the new prefix in after unpacking) and
  ``bin/activate``. envmgr adds ``share/envmgr/NAME.conda-lock.yml`` (what it was packed from) and
  ``share/envmgr/pack.json`` (name, platform, lockfile sha256, envmgr version).
* Only a fresh lock and an environment in sync with it are packed (the freshness and ``in_sync``
  rules every other command uses).
* Atomic: the archive is written into a hidden folder next to the output and renamed into place,
  so a failed or interrupted pack never leaves a half archive under the asked name.
"""
from __future__ import annotations

import contextlib
import json
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from .. import __version__
from ..errors import EnvmgrError, UsageError
from .marker import file_digest, write_build_marker

FORMATS = {"tar.gz": ".tar.gz", "zip": ".zip", "dir": ""}
SUFFIXES = {".tar.gz": "tar.gz", ".tgz": "tar.gz", ".zip": "zip"}
CONDA_PACK_FORMAT = {"tar.gz": "tar.gz", "zip": "zip", "dir": "no-archive"}
STAGING = ".envmgr-pack-"            # the hidden folder next to the output while packing
PACK_INFO = "share/envmgr/pack.json"


def choose_output(name: str, output: str | None, fmt: str | None) -> tuple[Path, str]:
    """(output path, format): ``--format`` wins; else the output's suffix; else tar.gz.
    The default output is ``NAME.tar.gz`` / ``NAME.zip`` / ``NAME-packed/`` here."""
    if fmt is not None and fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", fix=f"--format one of {', '.join(FORMATS)}")
    if output is None:
        fmt = fmt or "tar.gz"
        return Path(f"{name}{FORMATS[fmt]}" if fmt != "dir" else f"{name}-packed").absolute(), fmt
    path = Path(output).expanduser().absolute()
    if fmt is None:
        fmt = next((f for s, f in SUFFIXES.items() if path.name.endswith(s)), None)
        if fmt is None:
            raise UsageError(f"cannot tell the archive format from {output!r}",
                             fix="end it in .tar.gz or .zip, or give --format tar.gz|zip|dir")
    elif fmt != "dir" and not path.name.endswith(FORMATS[fmt]) and not (
            fmt == "tar.gz" and path.name.endswith(".tgz")):
        raise UsageError(f"{output!r} does not end in {FORMATS[fmt]}, the --format {fmt} suffix",
                         fix=f"name it {path.name}{FORMATS[fmt]}")
    return path, fmt


def check_output(path: Path, fmt: str, force: bool, prefix: Path | None) -> None:
    """Where the archive goes: an existing, writable folder; not inside the environment packed;
    an existing output replaced only with ``force`` (and a folder only when pack made it)."""
    folder = path.parent
    if not folder.is_dir():
        raise UsageError(f"folder {folder} does not exist", file=folder,
                         fix="create it first, or pick another -o")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise UsageError(f"cannot write into {folder}", file=folder, fix="pick another -o")
    if prefix is not None and _inside(path, prefix):
        raise UsageError(f"{path} is inside the environment being packed ({prefix})",
                         fix="write the archive somewhere outside the environment")
    if not (path.exists() or path.is_symlink()):
        return
    if not force:
        raise UsageError(f"{path} already exists", file=path, fix="pass --force to replace it, "
                                                                  "or pick another -o")
    if path.is_symlink() or (path.is_dir() != (fmt == "dir")):
        raise UsageError(f"{path} exists and is not a {'folder' if fmt == 'dir' else 'file'}",
                         file=path, fix="move it away, or pick another -o")
    if fmt == "dir" and not (path / PACK_INFO).is_file():
        raise UsageError(f"{path} exists and was not made by envmgr pack (no {PACK_INFO}); "
                         "envmgr will not replace it", file=path, fix="move it away, or pick another -o")


def _inside(path: Path, folder: Path) -> bool:
    try:
        Path(os.path.realpath(path)).relative_to(os.path.realpath(folder))
    except ValueError:
        return False
    return True


def pack_environment(workspace, name: str, *, output: str | None = None, fmt: str | None = None,
                     from_lock: bool = False, force: bool = False, dest_prefix: str | None = None,
                     progress: bool = False, say=lambda message: None) -> dict:
    """Pack environment ``name``; returns pack's JSON object (name, ok, archive, format,
    platform, source, prefix, dest_prefix, packages, files, size, lockfile, seconds, problems)."""
    from ..engine.install import host_platform, locked_records
    from .environments import Environment, lock_timeout
    from ..engine.lock import require_fresh_lock

    started = time.perf_counter()
    lock_timeout()
    lockfile = require_fresh_lock(workspace, name, "pack")
    platform = host_platform()
    env = Environment.named(name, workspace)
    path, fmt = choose_output(name, output, fmt)
    if dest_prefix is not None and not os.path.isabs(dest_prefix):
        raise UsageError(f"--dest-prefix {dest_prefix!r} is not an absolute path",
                         fix="give the absolute path the environment will live at, e.g. /opt/env")
    if not from_lock:
        _require_env(env, lockfile, platform)
    check_output(path, fmt, force, None if from_lock else env.prefix)
    records = locked_records(lockfile, platform)        # a lock with nothing for here says so now
    with env.locked(notify=say):
        if from_lock:
            with _temporary_prefix(env) as prefix:
                from ..engine import install

                say(f"installing {len(records)} packages into a temporary prefix")
                install.link(records, prefix, prefix, env.pkgs_dir, lockfile=lockfile)
                count = _write_archive(prefix, name, path, fmt, force, lockfile, platform,
                                       dest_prefix, progress, say)
        else:
            _require_env(env, lockfile, platform)      # again, under the lock
            count = _write_archive(env.prefix, name, path, fmt, force, lockfile, platform,
                                   dest_prefix, progress, say)
    return {"name": name, "ok": True, "archive": str(path), "format": fmt, "platform": platform,
            "source": "lockfile" if from_lock else "environment",
            "prefix": None if from_lock else str(env.prefix), "dest_prefix": dest_prefix,
            "packages": len(records), "files": count, "size": _size(path),
            "lockfile": str(lockfile), "seconds": round(time.perf_counter() - started, 3),
            "problems": []}


def _require_env(env, lockfile: Path, platform: str) -> None:
    if not env.exists():
        raise EnvmgrError(f"environment '{env.name}' does not exist ({env.prefix})", code="no-env",
                          file=env.prefix, fix=f"`envmgr create {env.name}` first, or "
                                               f"`envmgr pack {env.name} --from-lock`")
    env.refuse_foreign()
    env.refuse_other_workspace("pack")
    if not env.in_sync(lockfile, platform):
        raise EnvmgrError(f"environment '{env.name}' does not match its lockfile "
                          f"{lockfile.name}", code="env-out-of-sync", file=env.prefix,
                          fix=f"`envmgr create {env.name}` to bring it in line, or "
                              f"`envmgr pack {env.name} --from-lock`")


@contextlib.contextmanager
def _temporary_prefix(env):
    """A temporary sibling of the environment's prefix (same file system as the envs dir, so
    files hardlink from the cache), marked as envmgr's build so a crash leaves nothing that the
    next create or remove of the name does not clean up; deleted afterwards."""
    from ..host.locations import make_folder

    make_folder(env.prefix.parent, "envs_dir")
    prefix = Path(tempfile.mkdtemp(prefix=f".{env.name}.envmgr-pack-", dir=env.prefix.parent))
    try:
        write_build_marker(prefix, env.name)
        yield prefix
    finally:
        shutil.rmtree(prefix, ignore_errors=True)


def _write_archive(prefix: Path, name: str, path: Path, fmt: str, force: bool, lockfile: Path,
                   platform: str, dest_prefix: str | None, progress: bool, say) -> int:
    """conda-pack writes into a hidden folder next to ``path`` (its own temporary file too, so
    a big archive never crosses file systems), then the result is renamed onto ``path``."""
    from conda_pack import CondaEnv
    from conda_pack.core import CondaPackException, File

    from .packfiles import prefix_files

    staging = Path(tempfile.mkdtemp(prefix=STAGING, dir=path.parent))
    try:
        extra = _extra_files(staging, name, lockfile, platform, dest_prefix)
        files = prefix_files(prefix, name) + [File(str(src), target, is_conda=False)
                                              for src, target in extra]
        out = staging / (path.name if fmt != "dir" else "env")
        say(f"packing {len(files)} files of {name} into {path.name}")
        saved_tempdir = tempfile.tempdir
        tempfile.tempdir = str(staging)
        try:
            with contextlib.redirect_stdout(sys.stderr):     # conda-pack's progress bar
                CondaEnv(str(prefix), files).pack(output=str(out), format=CONDA_PACK_FORMAT[fmt],
                                                  dest_prefix=dest_prefix, verbose=progress,
                                                  force=True)
        except CondaPackException as exc:
            raise EnvmgrError(f"conda-pack: {' '.join(str(exc).split())}", file=prefix) from None
        finally:
            tempfile.tempdir = saved_tempdir
        if fmt == "dir" and (path.exists() and force):
            shutil.rmtree(path)        # check_output: only a folder pack made
        os.replace(out, path)
        if fmt != "dir":
            os.chmod(path, 0o666 & ~_umask())
        return len(files)
    finally:
        shutil.rmtree(staging, ignore_errors=True)


def _extra_files(staging: Path, name: str, lockfile: Path, platform: str,
                 dest_prefix: str | None) -> list[tuple[Path, str]]:
    """The lockfile and pack.json, as (file in ``staging``, path in the archive)."""
    extra = staging / "extra"
    extra.mkdir()
    lock_copy = extra / lockfile.name
    shutil.copyfile(lockfile, lock_copy)
    info = {"envmgr": __version__, "name": name, "platform": platform,
            "lockfile": lockfile.name, "lockfile_sha256": file_digest(lockfile),
            "dest_prefix": dest_prefix,
            "unpack": None if dest_prefix else "run bin/conda-unpack once after unpacking"}
    info_file = extra / "pack.json"
    info_file.write_text(json.dumps(info, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    return [(lock_copy, f"share/envmgr/{lockfile.name}"), (info_file, PACK_INFO)]


def _size(path: Path) -> int:
    if path.is_file():
        return path.stat().st_size
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


def _umask() -> int:
    from ..atomic import current_umask

    return current_umask()
