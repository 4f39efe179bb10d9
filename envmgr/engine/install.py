"""Lockfile -> records for this platform -> ``rattler.install`` into a prefix.

The conda-lock v1 file is read with rattler's own reader (``rattler.LockFile``), which gives
installable ``RepoDataRecord`` objects. rattler's reader ignores conda-lock's ``category`` and
``optional`` keys, so envmgr filters the records to the main, non-optional packages itself.

Hashes: rattler checks the sha256 of archives it downloads over HTTP, but links ``file://``
archives without checking them, so envmgr hashes local archives against the lockfile before
installing. Either way a tampered archive stops the install with one line naming the package.
Already extracted packages are checked against their paths.json first (``cachecheck``).
"""
from __future__ import annotations

import hashlib
import sys
from pathlib import Path
from urllib.parse import unquote, urlparse

from ..errors import EnvmgrError

MAIN_CATEGORY = "main"


def host_platform() -> str:
    """This machine's conda platform ("linux-64", "osx-arm64", "win-64"), without importing rattler."""
    from ..models import this_platform

    return this_platform()


def _lock_entries(lockfile: Path) -> list[dict]:
    """The lockfile's package entries, checked (``lockread.load_checked``) before anyone reads them."""
    from .lockread import DAMAGED, load_checked

    data, problem = load_checked(lockfile)
    if problem:
        raise EnvmgrError(f"{DAMAGED}: {problem}", file=lockfile,
                          fix=f"run `envmgr lock {_env_name(lockfile)} --update` to write it again")
    return list(data["package"])


def wanted_urls(lockfile: Path, platform: str) -> tuple[set[str], list[dict]]:
    """URLs of the main conda packages for ``platform``, and the pip entries (for the caller)."""
    conda, pip = set(), []
    for entry in _lock_entries(lockfile):
        if entry.get("platform") != platform or entry.get("optional"):
            continue
        categories = entry.get("categories") or [entry.get("category") or MAIN_CATEGORY]
        if MAIN_CATEGORY not in categories:
            continue
        if entry.get("manager") == "pip":
            pip.append(entry)
        else:
            conda.add(entry.get("url"))
    return conda, pip


def locked_records(lockfile: Path, platform: str) -> list:
    """The ``RepoDataRecord``s the lockfile pins for ``platform`` (main category only)."""
    import rattler

    urls, _pip = wanted_urls(lockfile, platform)   # the pip layer is installed by link()
    try:
        lock = rattler.LockFile.from_path(Path(lockfile))
    except Exception as exc:  # rattler raises its own ParseCondaLockError
        raise EnvmgrError(f"cannot read the lockfile: {_first_line(exc)}", file=lockfile,
                          fix=f"run `envmgr lock {_env_name(lockfile)} --update` to write it again") from None
    env = lock.default_environment()
    target = next((p for p in (env.platforms() if env else []) if p.name == platform), None)
    if target is None or not urls:
        raise EnvmgrError(f"the lockfile has no packages for {platform} (this machine)",
                          file=lockfile, fix=f"add {platform} to the spec's platforms and run "
                                             f"`envmgr lock {_env_name(lockfile)} --update`")
    records = [r for r in env.conda_repodata_records_for_platform(target) or [] if r.url in urls]
    missing = urls - {r.url for r in records}
    if missing:
        raise EnvmgrError(f"rattler could not read {len(missing)} locked package(s), e.g. "
                          f"{sorted(missing)[0]}", file=lockfile,
                          fix=f"run `envmgr lock {_env_name(lockfile)} --update` to write it again")
    return records


def _cached_sha256(cache_dir: Path, record) -> bytes | None:
    # rattler's cache keeps `<name>-<version>-<build>.lock`: an 8-byte revision then the sha256 of
    # the archive it extracted. A match means the archive was already checked and unpacked.
    stem = record.file_name.removesuffix(".conda").removesuffix(".tar.bz2")
    try:
        data = (cache_dir / f"{stem}.lock").read_bytes()
    except OSError:
        return None
    return data[8:40] if len(data) >= 40 else None


def check_local_archives(records, cache_dir: Path, lockfile: Path | None = None) -> None:
    """Hash each ``file://`` archive against the lockfile (rattler does not for local files)."""
    for record in records:
        url = urlparse(record.url)
        if url.scheme != "file":
            continue
        expected_sha = record.sha256
        stem = record.file_name.removesuffix(".conda").removesuffix(".tar.bz2")
        if (expected_sha is not None and _cached_sha256(cache_dir, record) == expected_sha
                and (cache_dir / stem).is_dir()):
            continue
        path = Path(unquote(url.path))
        if sys.platform == "win32" and str(path).startswith("\\"):
            path = Path(str(path)[1:])
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise EnvmgrError(f"cannot read package archive {path}: {exc.strerror}",
                              file=lockfile, fix="check that the channel is reachable, or "
                              f"run `envmgr lock {_env_name(lockfile)} --update`") from None
        if expected_sha is not None:
            name, got, want = "sha256", hashlib.sha256(data).digest(), expected_sha
        elif record.md5 is not None:
            name, got, want = "md5", hashlib.md5(data).digest(), record.md5
        else:
            continue
        if got != want:
            raise EnvmgrError(
                f"package archive {record.file_name} does not match the lockfile: {name} "
                f"{got.hex()[:16]}... but the lockfile pins {want.hex()[:16]}...", file=path,
                fix="the archive changed after locking; restore it from the channel, or re-lock "
                    f"with `envmgr lock {_env_name(lockfile)} --update` if the change is trusted")


def link(records, prefix: Path, final_prefix: Path, cache_dir: Path, *,
         progress: bool = False, requested: list[str] | None = None,
         lockfile: Path | None = None, verify_cache: bool = False, say=None) -> None:
    """Install ``records`` into ``prefix`` with ``final_prefix`` written into files. Callers that
    delete ``prefix`` after a failure run this in a child process (``linkjob``)."""
    import rattler

    from ..host.locations import make_folder

    make_folder(cache_dir, "pkgs_dir")
    from .cachecheck import check_cache

    # before the archives: a damaged entry is removed here, and its archive is then needed
    check_cache(records, cache_dir, verify_all=verify_cache,
                say=say or (lambda message: print(message, file=sys.stderr)))
    check_local_archives(records, cache_dir, lockfile)
    specs = []
    for text in requested or ():
        try:
            specs.append(rattler.MatchSpec(text)._match_spec)  # wrapper bug: wants the inner object
        except Exception:  # a pip line or an option; conda-meta just won't record it
            continue
    import asyncio  # here, not at module level: `envmgr list` imports this module

    from .solve import one_line, rattler_errors

    try:
        asyncio.run(rattler.install(
            records, target_prefix=prefix, cache_dir=cache_dir, show_progress=progress,
            alternative_target_prefix=final_prefix, requested_specs=specs or None,
            execute_link_scripts=False))
    except rattler_errors() as exc:
        message = one_line(exc)
        disk = _disk_full(message, final_prefix, cache_dir, lockfile)
        if disk is not None:
            raise disk from None
        # rattler names the archive, not where it comes from: the URL says which channel failed
        source = next((str(r.url) for r in records if r.file_name in message), None)
        where = f" (from {source})" if source and source not in message else ""
        raise EnvmgrError(f"install failed: {message}{where}", file=lockfile,
                          fix=_install_fix(str(exc), lockfile)) from None
    records_follow_umask(prefix)
    if lockfile is not None:
        _install_pip_layer(lockfile, prefix, final_prefix, cache_dir)


def records_follow_umask(prefix: Path) -> None:
    """rattler writes ``conda-meta/*.json`` through a temp file, so they come out 0600 whatever the
    umask: a group-shared envs dir (umask 002) would hold package records only their creator can
    read. Give them the mode ``open()`` gives, as envmgr's own files have."""
    import os

    from ..atomic import current_umask

    mode = 0o666 & ~current_umask()
    meta = Path(prefix) / "conda-meta"
    try:
        names = os.listdir(meta)
    except OSError:
        return
    for name in names:
        if name.endswith(".json"):
            try:
                os.chmod(meta / name, mode)
            except OSError:
                pass   # someone else's file in a shared prefix: leave it as it is


def _disk_full(message: str, final_prefix: Path, cache_dir: Path, lockfile) -> EnvmgrError | None:
    """The disk filled up (or is read-only, or over quota) while extracting or linking: say that,
    not "remove the package cache"."""
    from ..errors import DISK_ERRNOS, disk_problem

    name = disk_problem(message)
    if name is None:
        return None
    meaning = DISK_ERRNOS[name][0]
    where = f"{Path(final_prefix).parent} (environments) and {cache_dir} (package cache)"
    fix = (f"free space on the disk holding {where}: `df -h` shows it, `envmgr list "
           "--all-workspaces` the environments to remove; then run the command again"
           if name != "EROFS" else "point ENVMGR_ENVS_DIR / ENVMGR_PKGS_DIR at a writable folder")
    return EnvmgrError(f"install failed: {meaning}: {message}", file=lockfile, fix=fix,
                       code=name.lower())


def _install_pip_layer(lockfile: Path, prefix: Path, final_prefix: Path, cache_dir: Path) -> None:
    """The lockfile's pip entries for this platform, after the conda layer (envmgr/engine/piplayer)."""
    platform = host_platform()
    _, pip = wanted_urls(lockfile, platform)
    if pip:
        from .piplayer.install import install_pip_layer

        install_pip_layer(pip, prefix, final_prefix, cache_dir, platform=platform, lockfile=lockfile)


def _env_name(lockfile: Path | None) -> str:
    return Path(lockfile).name.removesuffix(".conda-lock.yml") if lockfile else "NAME"


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


def _install_fix(message: str, lockfile: Path | None) -> str:
    if "hash mismatch" in message:
        return ("the downloaded archive does not match the lockfile; check the channel or mirror, "
                f"or re-lock with `envmgr lock {_env_name(lockfile)} --update` if the change is trusted")
    if any(word in message.lower() for word in ("error sending request", "dns", "connect", "timed out")):
        return ("check the network (and any proxy), or that the channel or mirror the lockfile names "
                "is reachable; a lockfile pins package URLs, so after changing ENVMGR_CHANNEL_ALIAS / "
                f"channel_alias re-lock with `envmgr lock {_env_name(lockfile)} --update`")
    return "run the command again; if it persists, remove the package cache (ENVMGR_PKGS_DIR)"
