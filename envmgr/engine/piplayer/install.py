"""Install the locked pip layer into an environment, after its conda layer.

``uv pip install --python <env's python> --prefix <env> --no-deps --require-hashes`` from the locked
``name @ url --hash=sha256:...`` lines: the env's own interpreter decides tags and layout, nothing
is resolved again (no index is even consulted: ``--no-index``), and a file whose sha256 differs
from the lockfile stops the install with one line naming it.

One wheel cache for all environments (``<pkgs_dir>/pip-cache``, next to the conda package cache):
a second env with the same wheels downloads nothing and uv hardlinks the files from the cache.

The env is built in a temporary sibling (see environments.py), so console scripts get a shebang
naming the temporary prefix; envmgr rewrites it to the final prefix, as rattler does for conda
packages, so nothing in the finished env mentions the temporary path.
"""
from __future__ import annotations

import subprocess
import tempfile
from pathlib import Path

from ...errors import EnvmgrError
from .entries import PipEntry
from .resolve import INDEX_FIX, unreachable, uv_binary, uv_env


def env_python(prefix: Path, platform: str) -> Path:
    return prefix / "python.exe" if platform.startswith("win") else prefix / "bin" / "python"


def cache_dir(pkgs_dir: Path) -> Path:
    return Path(pkgs_dir) / "pip-cache"


def install_pip_layer(entries: list[dict], prefix: Path, final_prefix: Path, pkgs_dir: Path, *,
                      platform: str, lockfile: Path | None = None) -> list[str]:
    """Install the lockfile's pip ``entries`` (YAML dicts) into ``prefix``; returns ``name==version``s."""
    if not entries:
        return []
    wanted = [PipEntry.from_yaml(e) for e in entries]
    missing = [e.name for e in wanted if not e.sha256]
    if missing:
        raise EnvmgrError(f"the lockfile pins pip package {missing[0]} without a sha256",
                          file=lockfile, fix="re-lock with `envmgr lock NAME --update`")
    python = env_python(prefix, platform)
    if not python.exists():
        raise EnvmgrError(f"the environment has no python at {python}, so its pip packages cannot "
                          "be installed", file=lockfile, fix="add python to the spec and re-lock")
    with tempfile.TemporaryDirectory(prefix="envmgr-pip-") as tmp:
        requirements = Path(tmp) / "requirements.txt"
        requirements.write_text("".join(e.requirement_line() + "\n" for e in wanted), encoding="utf-8")
        command = [uv_binary(), "pip", "install", "-r", str(requirements), "--python", str(python),
                   "--prefix", str(prefix), "--no-deps", "--require-hashes", "--no-index",
                   "--no-config", "--quiet"]
        done = subprocess.run(command, capture_output=True, text=True,
                              env=uv_env(cache_dir(pkgs_dir)))
    if done.returncode != 0:
        raise _install_error(done.stderr, wanted, lockfile)
    if Path(prefix) != Path(final_prefix):
        retarget_scripts(prefix, final_prefix, platform)
    return [f"{e.name}=={e.version}" for e in wanted]


def _install_error(stderr: str, wanted: list[PipEntry], lockfile: Path | None) -> EnvmgrError:
    lines = [line.strip() for line in stderr.splitlines() if line.strip()]
    text = " ".join(lines)
    if "hash mismatch" in text.lower() or "hashes do not match" in text.lower():
        name = next((e.name for e in wanted if e.url in text or f"`{e.name}" in text), None)
        what = f"wheel {name}" if name else "a pip package file"
        expected = next((e.sha256 for e in wanted if e.name == name), "")
        return EnvmgrError(f"{what} does not match the lockfile (sha256 {expected[:16]}... pinned); "
                           "nothing was installed", file=lockfile,
                           fix="the file changed on the index after locking; restore it, or re-lock "
                               "with `envmgr lock NAME --update` if the change is trusted")
    failed = unreachable(stderr)
    if failed:
        return EnvmgrError(f"cannot reach {failed[0]} ({failed[1]}), so the pip packages cannot be "
                           "installed", file=lockfile, fix=INDEX_FIX)
    first = lines[0].removeprefix("error:").strip() if lines else "uv failed"
    cause = next((line.removeprefix("Caused by:").strip() for line in reversed(lines)
                  if line.startswith("Caused by:")), None)
    return EnvmgrError(f"installing the pip packages failed: {first}" + (f": {cause}" if cause else ""),
                       file=lockfile, fix="check the index is reachable (ENVMGR_PYPI_INDEX / "
                                          "ENVMGR_PYTORCH_INDEX), then run the command again")


def retarget_scripts(prefix: Path, final_prefix: Path, platform: str) -> None:
    """Point scripts that name the temporary prefix (shebangs) at the final one."""
    scripts = Path(prefix) / ("Scripts" if platform.startswith("win") else "bin")
    old, new = str(prefix).encode(), str(final_prefix).encode()
    for path in scripts.iterdir() if scripts.is_dir() else ():
        if path.is_symlink() or not path.is_file() or path.suffix == ".exe":
            continue   # Windows launchers embed the path in a binary layout; left to uv
        try:
            data = path.read_bytes()
        except OSError:
            continue
        if old in data[:4096]:
            mode = path.stat().st_mode
            path.unlink()                # never write through a hardlink shared with the cache
            path.write_bytes(data.replace(old, new))
            path.chmod(mode)


__all__ = ["install_pip_layer", "env_python", "cache_dir", "retarget_scripts"]
