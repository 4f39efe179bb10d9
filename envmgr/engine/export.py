"""``envmgr export``: what other engines need to install an environment, from its lockfile.

* ``explicit``: conda's ``@EXPLICIT`` file for one platform (``URL#md5`` lines, pip entries as
  ``# pip name @ URL#sha256=...``), and ``conda-lock-env``: an environment file pinning every
  package to ``name=version=build``. Both are conda-lock's own renderings (``conda-lock render
  --kind explicit|env`` gives the same lines), so conda, mamba and conda-lock read them as usual.
* ``dockerfile`` / ``apptainer``: a container recipe on micromamba's small image that copies the
  committed lockfile in and installs exactly it (micromamba reads conda-lock files and checks
  each package's hash); its pip entries, which micromamba's reader does not install
  (mamba-org/mamba#1900), follow with pip, pinned by URL and sha256. Or, with a packed archive
  (``envmgr pack``), a plain Debian image that unpacks it: no channel is reached at build time.
  A CUDA environment's recipe names the NVIDIA driver it needs (the knowledge base's driver table).

Nothing here solves: every URL and hash comes from the lockfile.
"""
from __future__ import annotations

import shlex
from dataclasses import dataclass
from pathlib import Path

from ..errors import EnvmgrError, UsageError

FORMATS = ("dockerfile", "apptainer", "explicit", "conda-lock-env")
MICROMAMBA_IMAGE = "mambaorg/micromamba:1.5.10"
PLAIN_IMAGE = "debian:bookworm-slim"
CONTAINER_PLATFORMS = ("linux-64", "linux-aarch64")
ENV_PREFIX = "/opt/env"


@dataclass
class Recipe:
    name: str
    format: str
    platform: str
    text: str
    urls: list[str]          # the package URLs it installs (all from the lockfile)
    cuda: str | None
    driver: dict | None      # {"cuda", "min_driver", "min_driver_minor_compat"} for a CUDA env


def locked_entries(lockfile: Path, platform: str) -> tuple[list[dict], list[dict]]:
    """(conda entries, pip entries) the lockfile pins for ``platform``, main category."""
    from .install import MAIN_CATEGORY, _lock_entries

    conda, pip = [], []
    for entry in _lock_entries(lockfile):
        categories = entry.get("categories") or [entry.get("category") or MAIN_CATEGORY]
        if entry.get("platform") != platform or entry.get("optional") or MAIN_CATEGORY not in categories:
            continue
        (pip if entry.get("manager") == "pip" else conda).append(entry)
    return conda, pip


def platforms_of(lockfile: Path) -> list[str]:
    from .lockread import read_metadata

    return [str(p) for p in read_metadata(lockfile).get("platforms") or []]


def pick_platform(lockfile: Path, wanted: str | None, fmt: str, name: str) -> str:
    """``--platform``, else this machine's (containers: the lock's Linux platform)."""
    from .install import host_platform

    locked = platforms_of(lockfile)
    if wanted is None:
        if fmt in ("dockerfile", "apptainer"):
            wanted = next((p for p in CONTAINER_PLATFORMS if p in locked), None)
            if wanted is None:
                raise EnvmgrError(f"{name} is locked for {', '.join(locked)}; containers need "
                                  "linux-64 (or linux-aarch64)", file=lockfile,
                                  fix=f"add linux-64 to the spec's platforms, then `envmgr lock {name}`")
            return wanted
        wanted = host_platform() if host_platform() in locked else locked[0]
    if fmt in ("dockerfile", "apptainer") and wanted not in CONTAINER_PLATFORMS:
        raise UsageError(f"containers run linux platforms, not {wanted}",
                         fix="--platform linux-64, or leave --platform out")
    if wanted not in locked:
        raise EnvmgrError(f"{name} is not locked for {wanted} (only {', '.join(locked)})",
                          file=lockfile, fix=f"add {wanted} to the spec's platforms, then "
                                             f"`envmgr lock {name}`")
    return wanted


def conda_lock_rendering(lockfile: Path, platform: str, kind: str) -> str:
    """conda-lock's own ``render --kind explicit|env`` text for one platform."""
    import logging

    from conda_lock.conda_lock import render_lockfile_for_platform
    from conda_lock.lockfile import parse_conda_lock_file

    logging.getLogger("conda_lock").setLevel(logging.ERROR)   # its pip-and-explicit warning
    content = parse_conda_lock_file(Path(lockfile))
    lines = render_lockfile_for_platform(lockfile=content, include_dev_dependencies=False,
                                         extras=None, kind=kind, platform=platform,
                                         suppress_warning_for_pip_and_explicit=True)
    return "\n".join(lines) + "\n"


def driver_needs(cuda: str | None) -> dict | None:
    """What NVIDIA driver a CUDA ``cuda`` build needs on Linux (knowledge/drivers.py); None for CPU."""
    if not cuda or cuda == "cpu":
        return None
    from ..knowledge.drivers import compat_driver, toolkit_driver
    from ..knowledge.facts import load

    toolkit = load().toolkit(cuda)
    if toolkit is None:
        return {"cuda": cuda, "min_driver": None, "min_driver_minor_compat": None}
    return {"cuda": cuda, "min_driver": toolkit_driver(toolkit, "linux"),
            "min_driver_minor_compat": compat_driver(toolkit, "linux")}


def driver_line(needs: dict) -> str:
    native, compat = needs["min_driver"], needs["min_driver_minor_compat"]
    if not native:
        return f"needs an NVIDIA driver for CUDA {needs['cuda']} (not in envmgr's driver table)"
    also = f"; >= {compat} through minor-version compatibility" if compat else ""
    return f"needs an NVIDIA driver >= {native} on the host (CUDA {needs['cuda']}{also})"


def export_recipe(workspace, name: str, fmt: str, lockfile: Path, *, platform: str | None = None,
                  cuda: str | None = None, base: str | None = None,
                  pack_archive: str | None = None) -> Recipe:
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}", fix=f"--format one of {', '.join(FORMATS)}")
    if pack_archive is not None and fmt not in ("dockerfile", "apptainer"):
        raise UsageError("--from-pack is for container recipes",
                         fix="--format dockerfile or apptainer, or drop --from-pack")
    platform = pick_platform(lockfile, platform, fmt, name)
    if pack_archive is not None:
        pack_archive = packed_from(workspace, pack_archive, lockfile, name)
    conda, pip = locked_entries(lockfile, platform)
    urls = [str(e["url"]) for e in conda + pip]
    needs = driver_needs(cuda)
    if fmt in ("explicit", "conda-lock-env"):
        kind = "explicit" if fmt == "explicit" else "env"
        head = (f"# envmgr export {name} --format {fmt} --platform {platform}: every package of "
                f"{_relative(workspace, lockfile)}\n")
        if needs:
            head += f"# {driver_line(needs)}\n"
        text = head + conda_lock_rendering(lockfile, platform, kind)
    else:
        context = _Context(workspace, name, lockfile, platform, conda, pip, needs, base, pack_archive)
        text = _dockerfile(context) if fmt == "dockerfile" else _apptainer(context)
    return Recipe(name=name, format=fmt, platform=platform, text=text, urls=urls, cuda=cuda,
                  driver=needs)


def packed_from(workspace, archive: str, lockfile: Path, name: str) -> str:
    """``archive`` as the recipe names it (relative to the workspace root, the build context),
    once its ``share/envmgr/pack.json`` shows it was packed from this very lockfile."""
    import hashlib
    import json
    import tarfile

    path = Path(archive).expanduser().absolute()
    try:
        inside = path.resolve().relative_to(Path(workspace.root).resolve()).as_posix()
    except ValueError:
        raise UsageError(f"{archive} is outside the workspace {workspace.root}, the build context",
                         fix="pack into the workspace, e.g. `envmgr pack NAME -o NAME.tar.gz` there") from None
    try:
        with tarfile.open(path, "r:gz") as tar:
            member = tar.extractfile("share/envmgr/pack.json")
            info = json.loads(member.read().decode("utf-8")) if member else {}
    except (OSError, tarfile.TarError, KeyError, ValueError):
        raise UsageError(f"{archive} is not a .tar.gz made by `envmgr pack`", file=path,
                         fix=f"`envmgr pack {name} -o {name}.tar.gz`") from None
    if info.get("lockfile_sha256") != hashlib.sha256(Path(lockfile).read_bytes()).hexdigest():
        raise EnvmgrError(f"{archive} was packed from another version of {lockfile.name}",
                          file=path, code="pack-stale",
                          fix=f"pack it again: `envmgr pack {name} -o {archive} --force`")
    if info.get("dest_prefix"):
        raise UsageError(f"{archive} was packed for {info['dest_prefix']} (--dest-prefix), so it "
                         "has no conda-unpack to relocate it", fix="pack it without --dest-prefix")
    return inside


@dataclass
class _Context:
    workspace: object
    name: str
    lockfile: Path
    platform: str
    conda: list
    pip: list
    needs: dict | None
    base: str | None
    pack_archive: str | None

    @property
    def lock_in_context(self) -> str:
        return _relative(self.workspace, self.lockfile)

    @property
    def image(self) -> str:
        return self.base or (PLAIN_IMAGE if self.pack_archive else MICROMAMBA_IMAGE)

    def header(self, fmt: str, build: str) -> list[str]:
        what = (f"the packed archive {self.pack_archive} (envmgr pack {self.name})" if self.pack_archive
                else f"{self.lock_in_context}, every package pinned by URL and hash")
        lines = [f"envmgr export {self.name} --format {fmt}: installs {what}",
                 f"platform {self.platform}; build from the workspace root: {build}"]
        if self.needs:
            lines.append(f"{driver_line(self.needs)}; "
                         + ("run with --gpus all" if fmt == "dockerfile" else "run with --nv"))
        return lines

    def pip_requirements(self) -> list[str]:
        """pip's requirement lines for the locked wheels: URL and sha256, nothing resolved."""
        lines = []
        for entry in self.pip:
            digest = (entry.get("hash") or {}).get("sha256")
            line = f"{entry['name']} @ {entry['url']}"
            lines.append(f"{line} --hash=sha256:{digest}" if digest else line)
        return lines


def _pip_step(context: _Context, python: str) -> str | None:
    """A shell command installing the lock's pip entries with pip (no resolution, hashes checked)."""
    if not context.pip:
        return None
    requirements = "\\n".join(context.pip_requirements())
    return (f"printf '{requirements}\\n' > /tmp/envmgr-pip.txt && {python} -m pip install "
            "--no-deps --require-hashes --no-cache-dir -r /tmp/envmgr-pip.txt && rm /tmp/envmgr-pip.txt")


def _dockerfile(context: _Context) -> str:
    lines = [f"# {line}" for line in context.header(
        "dockerfile", f"docker build -f {context.name}.Dockerfile -t {context.name} .")]
    lines.append(f"FROM {context.image}")
    if context.pack_archive:
        lines += [f"# ADD unpacks a local tar archive; conda-unpack writes {ENV_PREFIX} into its files",
                  f"ADD {context.pack_archive} {ENV_PREFIX}/",
                  f"RUN {ENV_PREFIX}/bin/python {ENV_PREFIX}/bin/conda-unpack"]
        python = f"{ENV_PREFIX}/bin/python"
    else:
        lock = f"/tmp/{context.lockfile.name}"
        prefix = f"/opt/conda/envs/{context.name}"
        lines += [f"COPY --chown=$MAMBA_USER:$MAMBA_USER {context.lock_in_context} {lock}",
                  f"RUN micromamba create --yes --prefix {prefix} --file {lock} \\",
                  "    && micromamba clean --all --yes",
                  f"ENV ENV_NAME={context.name} PATH={prefix}/bin:$PATH"]
        python = f"{prefix}/bin/python"
    pip = _pip_step(context, python)
    if pip:
        lines.append(f"RUN {pip}")
    if context.pack_archive:
        lines.append(f"ENV PATH={ENV_PREFIX}/bin:$PATH")
    lines.append("LABEL " + " ".join(f"{k}={shlex.quote(v)}" for k, v in label_values(context).items()))
    if context.needs:
        lines.append("ENV NVIDIA_VISIBLE_DEVICES=all NVIDIA_DRIVER_CAPABILITIES=compute,utility")
    lines.append('CMD ["python"]')
    return "\n".join(lines) + "\n"


def _apptainer(context: _Context) -> str:
    lines = [f"# {line}" for line in context.header(
        "apptainer", f"apptainer build {context.name}.sif {context.name}.def")]
    lines += ["Bootstrap: docker", f"From: {context.image}", "", "%files"]
    if context.pack_archive:
        lines += [f"    {context.pack_archive} /opt/envmgr/{Path(context.pack_archive).name}", "",
                  "%post", f"    mkdir -p {ENV_PREFIX}",
                  f"    tar -xzf /opt/envmgr/{Path(context.pack_archive).name} -C {ENV_PREFIX}",
                  f"    {ENV_PREFIX}/bin/python {ENV_PREFIX}/bin/conda-unpack"]
    else:
        lock = f"/opt/envmgr/{context.lockfile.name}"
        lines += [f"    {context.lock_in_context} {lock}", "", "%post",
                  "    export MAMBA_ROOT_PREFIX=/opt/micromamba",
                  f"    micromamba create --yes --prefix {ENV_PREFIX} --file {lock}",
                  "    micromamba clean --all --yes"]
    pip = _pip_step(context, f"{ENV_PREFIX}/bin/python")
    if pip:
        lines.append(f"    {pip}")
    lines += ["", "%environment", f"    export PATH={ENV_PREFIX}/bin:$PATH", "", "%runscript",
              f'    exec {ENV_PREFIX}/bin/python "$@"', "", "%labels"]
    lines += [f"    {k} {v}" for k, v in label_values(context).items()]
    return "\n".join(lines) + "\n"


def label_values(context: _Context) -> dict[str, str]:
    import hashlib

    digest = hashlib.sha256(Path(context.lockfile).read_bytes()).hexdigest()
    labels = {"org.opencontainers.image.title": context.name,
              "envmgr.lockfile": context.lock_in_context, "envmgr.lockfile.sha256": digest,
              "envmgr.platform": context.platform}
    if context.needs:
        labels["envmgr.cuda"] = context.needs["cuda"]
        labels["envmgr.min_driver"] = context.needs["min_driver"] or "unknown"
        if context.needs["min_driver_minor_compat"]:
            labels["envmgr.min_driver_minor_compat"] = context.needs["min_driver_minor_compat"]
    return labels


def _relative(workspace, path: Path) -> str:
    try:
        return Path(path).resolve().relative_to(Path(workspace.root).resolve()).as_posix()
    except ValueError:
        return str(path)
