"""Where environments and the package cache live, and conda's list of environments.

Where
    prefix  ``$ENVMGR_ENVS_DIR/NAME`` (or ``envs_dir:`` in ``envmgr.yaml``); else conda's envs
            directory when conda is installed (found from ``CONDA_ENVS_PATH``, ``CONDA_EXE``,
            ``conda`` on ``PATH`` or ``~/.conda/environments.txt``, without importing conda); else
            ``~/.envmgr/envs/NAME``.
    cache   ``$ENVMGR_PKGS_DIR`` (or ``pkgs_dir:``), else ``~/.envmgr/pkgs``. One cache for all
            environments, so identical files are hardlinked, not copied. envmgr does not share
            conda's own ``pkgs`` folder: rattler keeps its own bookkeeping there, and two tools
            writing one cache is a risk for both. Hardlinks need the cache and the environments
            on one filesystem; otherwise rattler copies.

envmgr registers each environment it makes in ``~/.conda/environments.txt`` (only where conda is
installed), so ``conda env list`` and ``conda activate`` find it, and unregisters it on remove.
"""
from __future__ import annotations

import os
import shutil
from pathlib import Path

from ..atomic import write_text_atomic
from ..errors import EnvmgrError, UsageError
from ..paths import envmgr_home
from ..specs.workspace import SETTINGS, origin, setting


def conda_root() -> Path | None:
    """The conda installation's root folder, if conda is installed (found without running it)."""
    candidates = [os.environ.get("CONDA_EXE"), shutil.which("conda")]
    for exe in filter(None, candidates):
        path = Path(exe).resolve()
        # <root>/bin/conda, <root>/condabin/conda, <root>/Scripts/conda.exe
        if path.parent.name in ("bin", "condabin", "Scripts"):
            return path.parent.parent
    return None


def conda_envs_dir() -> Path | None:
    """Where conda puts named environments, or None when conda is not installed."""
    for var in ("CONDA_ENVS_PATH", "CONDA_ENVS_DIRS"):
        if os.environ.get(var):
            return Path(os.environ[var].split(os.pathsep)[0]).expanduser()
    root = conda_root()
    if root is not None and os.access(root, os.W_OK):
        return root / "envs"
    if root is not None or conda_registry().is_file():
        return Path.home() / ".conda" / "envs"   # conda's own fallback for users
    return None


def conda_registry() -> Path:
    """The file `conda env list` reads to find environments outside its envs dirs."""
    return Path.home() / ".conda" / "environments.txt"


def envs_root(workspace=None) -> Path:
    explicit = setting(workspace, "envs_dir")
    if explicit:
        return _folder(Path(explicit).expanduser().absolute(), "envs_dir", workspace)
    return _folder((conda_envs_dir() or envmgr_home() / "envs").absolute(), "envs_dir",
                   workspace)


def pkgs_dir(workspace=None) -> Path:
    explicit = setting(workspace, "pkgs_dir")
    path = Path(explicit).expanduser().absolute() if explicit else envmgr_home() / "pkgs"
    return _folder(path, "pkgs_dir", workspace)


FOLDER_ROLES = {"envs_dir": "the environments", "pkgs_dir": "the package cache"}


def _folder(path: Path, key: str, workspace) -> Path:
    """``path``, unless it or the nearest existing folder above it is a file: then one line naming
    the setting now, instead of a FileExistsError deep inside a create."""
    for candidate in (path, *path.parents):
        if not (candidate.exists() or candidate.is_symlink()):
            continue
        if candidate.is_dir():
            return path
        label, file, line = origin(workspace, key)
        source = label if not label.startswith("the default") else \
            f"{SETTINGS[key][0]} / {key} in envmgr.yaml"
        what = "not a folder" if candidate == path else f"so {path} cannot be a folder"
        raise UsageError(f"{candidate} is a file, {what} for {FOLDER_ROLES[key]}",
                         file=file, line=line, fix=f"point {source} at a folder")
    return path


def make_folder(path: Path, key: str) -> None:
    """``mkdir -p`` for the envs dir or the package cache; an OS refusal is one line."""
    try:
        Path(path).mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvmgrError(f"cannot create {path} for {FOLDER_ROLES[key]}: {exc.strerror}",
                          file=path, fix=f"check its permissions, or point {SETTINGS[key][0]} / "
                                         f"{key} in envmgr.yaml at another folder") from None


# -- conda's registry of environments -----------------------------------------------------------
# conda writes environments.txt in the file system's bytes: a latin-1 path from an old setup is not
# UTF-8. Read and write it with surrogateescape, so every line goes back byte for byte.
REGISTRY_ERRORS = "surrogateescape"


def _registry_lines(registry: Path) -> list[str]:
    if not registry.is_file():
        return []
    return registry.read_text(encoding="utf-8", errors=REGISTRY_ERRORS).splitlines()


def register(prefix: Path) -> None:
    """List the env in ~/.conda/environments.txt so `conda env list` / `conda activate` find it.

    Only where conda is installed: creating that file elsewhere would make envmgr believe conda
    exists next time.
    """
    registry = conda_registry()
    if conda_envs_dir() is None:
        return
    with _registry_held(registry):
        lines = _registry_lines(registry)
        if not any(_same_prefix(line, prefix) for line in lines):
            write_text_atomic(registry, "\n".join([*lines, str(prefix)]) + "\n",
                              errors=REGISTRY_ERRORS)


def unregister(prefix: Path) -> None:
    registry = conda_registry()
    if not registry.is_file():
        return
    with _registry_held(registry):
        lines = _registry_lines(registry)
        kept = [line for line in lines if not _same_prefix(line, prefix)]
        if kept != lines:
            write_text_atomic(registry, "".join(f"{line}\n" for line in kept), errors=REGISTRY_ERRORS)


def _registry_held(registry: Path):
    """A file lock around reading and rewriting the registry: two creates at once (``create
    --all --jobs N``, or two nodes on one home) each add their line; none is lost."""
    import filelock

    registry.parent.mkdir(parents=True, exist_ok=True)
    return filelock.FileLock(str(registry.parent / f".{registry.name}.envmgr.lock"), timeout=60)


def _same_prefix(line: str, prefix: Path) -> bool:
    """The registry's ``line`` names ``prefix``, also through a symlink (made via a symlinked envs
    dir, removed via the real path)."""
    if line == str(prefix):
        return True
    return (os.path.basename(line.rstrip("/")) == prefix.name
            and os.path.realpath(line) == os.path.realpath(prefix))
