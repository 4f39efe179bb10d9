"""Resolve the pip section of an environment for each target platform, with uv.

Why uv: one static binary from PyPI (``uv.find_uv_bin()``), it resolves for *another* platform
and python (``--python-platform``, ``--python-version``) so one Linux machine locks win-64 too,
it honours ``--exclude-newer`` (``as_of``) where an index publishes upload times, it pins packages
to one index (``[tool.uv.sources]`` + an ``explicit`` index), and it writes ``pylock.toml``
(PEP 751) with each file's URL and sha256: exactly what a conda-lock pip entry needs.
pip's ``--dry-run --report`` only resolves for the running interpreter and platform.

Index handling:
* the torch family (``torch``, ``torchvision``, ``torchaudio``...) comes only from PyTorch's wheel
  index when the environment file names one (``--extra-index-url .../whl/cu124`` or
  ``--find-links .../torch_stable.html``): an *explicit* uv index, so a same-named PyPI project
  can never win, on top of the local version tag in the pin (``torch==2.6.0+cu124``);
* everything else comes from PyPI, or ``ENVMGR_PYPI_INDEX`` / ``pypi_index:`` in envmgr.yaml (a
  mirror); other ``--extra-index-url`` lines stay extra indexes;
* ``ENVMGR_PYTORCH_INDEX`` / ``pytorch_index:`` replaces ``https://download.pytorch.org/whl``
  (a mirror, or the tests' local index).

The conda packages of the platform (python, numpy, pip...) are taken as installed: their PyPI
names go to ``--excludes``, so uv neither re-resolves them nor pulls their PyPI dependencies (a
PyPI ``torch`` would drag in ``nvidia-*`` wheels that the conda build already bundles). A pip
requirement that names one of them directly is an error, not silently dropped.
"""
from __future__ import annotations

import os
import subprocess
import tempfile
import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from ...errors import EnvmgrError
from ...specs.workspace import setting

PYTORCH_INDEX = "https://download.pytorch.org/whl"
PYPI_INDEX = "https://pypi.org/simple"
TORCH_FAMILY = ("torch", "torchvision", "torchaudio", "torchtext", "torchdata")
# conda platform -> uv's --python-platform. linux follows the glibc the conda lock assumes
# (__glibc 2.17; 2.28 on aarch64: see virtual.py), so pip wheels need no newer glibc than conda.
UV_PLATFORMS = {"linux-64": "x86_64-manylinux_2_17", "linux-aarch64": "aarch64-manylinux_2_28",
                "win-64": "x86_64-pc-windows-msvc", "osx-arm64": "aarch64-apple-darwin",
                "osx-64": "x86_64-apple-darwin"}
# conda names whose PyPI distribution is named differently (identity otherwise)
CONDA_TO_PYPI = {"pytorch": "torch", "pytorch-cpu": "torch", "pytorch-gpu": "torch",
                 "torchvision-cpu": "torchvision", "msgpack-python": "msgpack",
                 "matplotlib-base": "matplotlib", "pytables": "tables", "python-build": "build"}
INDEX_OPTIONS = ("--extra-index-url", "--index-url", "-i")
LINK_OPTIONS = ("--find-links", "-f")
IGNORED_OPTIONS = ("--trusted-host", "--pre", "--prefer-binary")


@dataclass
class PipRequest:
    """The pip section split into requirements and index options."""

    requirements: list[str]
    index_urls: list[str] = field(default_factory=list)     # --index-url / --extra-index-url
    find_links: list[str] = field(default_factory=list)

    @classmethod
    def from_lines(cls, lines: list[str], file=None) -> "PipRequest":
        request = cls(requirements=[])
        for raw in lines:
            line = str(raw).strip()
            if not line or line.startswith("#"):
                continue
            option, _, value = line.partition(" ")
            if "=" in option and option.startswith("--"):
                option, _, value = line.partition("=")
            value = value.strip()
            if option in INDEX_OPTIONS:
                request.index_urls.append(value)
            elif option in LINK_OPTIONS:
                request.find_links.append(value)
            elif option in IGNORED_OPTIONS:
                continue
            elif line.startswith("-"):
                raise EnvmgrError(f"pip option '{option}' is not supported in the pip list", file=file,
                                  fix="keep requirements and --extra-index-url/--find-links lines only")
            else:
                try:
                    Requirement(line)
                except InvalidRequirement as exc:
                    raise EnvmgrError(f"'{line}' is not a pip requirement: {exc}".splitlines()[0],
                                      file=file, fix="write it like timm==0.9.12") from None
                request.requirements.append(line)
        return request

    def names(self) -> set[str]:
        return {canonicalize_name(Requirement(r).name) for r in self.requirements}


@dataclass
class LockedWheel:
    """One file the pip layer installs on one platform."""

    name: str
    version: str
    url: str
    sha256: str
    platform: str
    index: str | None = None      # the extra index / find-links page it came from; None: the default


@dataclass
class Resolution:
    wheels: list[LockedWheel]
    notes: list[str]


# -- settings ----------------------------------------------------------------------------------
def pypi_index(workspace=None) -> str:
    """``ENVMGR_PYPI_INDEX`` / ``pypi_index:`` (a mirror), else PyPI."""
    return setting(workspace, "pypi_index", PYPI_INDEX).rstrip("/")


def pytorch_index(workspace=None) -> str:
    """``ENVMGR_PYTORCH_INDEX`` / ``pytorch_index:``, else https://download.pytorch.org/whl."""
    return setting(workspace, "pytorch_index", PYTORCH_INDEX).rstrip("/")


def _mirror(url: str, workspace) -> tuple[str, bool]:
    """(the URL to use, whether it is PyTorch's index) for an index or find-links URL."""
    base = pytorch_index(workspace)
    for known in dict.fromkeys((PYTORCH_INDEX, base)):
        if url == known or url.startswith(known + "/"):
            return base + url[len(known):], True
    return url, False


# -- what conda already installs ---------------------------------------------------------------
def conda_provided(records) -> dict[str, str]:
    """PyPI name -> version of the conda packages in one platform's solution (python excluded)."""
    out = {}
    for record in records:
        name = record.name.normalized
        if name == "python" or name.startswith("__"):
            continue
        out[canonicalize_name(CONDA_TO_PYPI.get(name, name))] = str(record.version)
    return out


def python_version(records, platform: str) -> str:
    for record in records:
        if record.name.normalized == "python":
            return str(record.version)
    raise EnvmgrError(f"the conda solution for {platform} has no python, so pip packages cannot be "
                      "resolved", fix="add python to the spec")


# -- uv ------------------------------------------------------------------------------------------
def uv_binary() -> str:
    try:
        from uv import find_uv_bin
    except ImportError:
        raise EnvmgrError("locking pip requirements needs uv, which is not installed",
                          fix="pip install uv (it is one of envmgr's dependencies)") from None
    return find_uv_bin()


def uv_env(cache_dir: Path | None = None) -> dict[str, str]:
    """The environment for uv: no UV_* settings from the user's shell (reproducibility), no
    Python downloads (a resolve for another python needs only its version). Where the cache is
    changes no result: without ``cache_dir`` the shell's UV_CACHE_DIR still counts."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("UV_") or k == "UV_CACHE_DIR"}
    env["UV_PYTHON_DOWNLOADS"] = "never"
    env["UV_NO_PROGRESS"] = "1"
    if cache_dir is not None:
        env["UV_CACHE_DIR"] = str(cache_dir)
    return env


def _toml_str(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def project_file(request: PipRequest, workspace) -> tuple[str, bool]:
    """A throwaway pyproject.toml whose dependencies are the requirements and whose uv sources pin
    the torch family to PyTorch's index; returns (text, whether the torch family is pinned)."""
    indexes, pinned_index = [], None
    sources = [(url, f"extra{n}", "simple") for n, url in enumerate(request.index_urls)]
    sources += [(url, f"links{n}", "flat") for n, url in enumerate(request.find_links)]
    for url, fallback_name, kind in sources:
        url, is_pytorch = _mirror(url, workspace)
        name = "pytorch" if is_pytorch and pinned_index is None else fallback_name
        if is_pytorch and pinned_index is None:
            pinned_index = name
        indexes.append((name, url, is_pytorch, kind))
    lines = ['[project]', 'name = "envmgr-pip-layer"', 'version = "0"', "dependencies = ["]
    lines += [f"  {_toml_str(r)}," for r in request.requirements]
    lines.append("]")
    family = sorted(request.names() & set(TORCH_FAMILY))
    if pinned_index and family:
        lines.append("\n[tool.uv.sources]")
        lines += [f'{name} = {{ index = "{pinned_index}" }}' for name in family]
    for name, url, is_pytorch, kind in indexes:
        lines += ["\n[[tool.uv.index]]", f'name = "{name}"', f"url = {_toml_str(url)}"]
        if kind == "flat":
            lines.append('format = "flat"')
        if is_pytorch:
            lines.append("explicit = true")
    return "\n".join(lines) + "\n", bool(pinned_index and family)


INDEX_FIX = ("check the network (and any proxy), or point ENVMGR_PYPI_INDEX / pypi_index (and "
             "ENVMGR_PYTORCH_INDEX / pytorch_index for PyTorch's wheels) in envmgr.yaml at a reachable "
             "mirror")


def unreachable(stderr: str) -> tuple[str, str] | None:
    """(the URL uv failed to fetch, the root cause) when uv's error is a failed fetch, not a
    resolution problem: "Failed to fetch: URL", then its causes down to the OS error."""
    causes = [line.strip().removeprefix("cause:").strip() for line in stderr.splitlines()
              if line.strip().startswith("cause:")]
    url = next((c.removeprefix("Failed to fetch:").strip().strip("`") for c in causes
                if c.startswith("Failed to fetch:")), None)
    return (url, causes[-1]) if url else None


def index_of(url: str) -> str:
    """The index a simple-API project page belongs to (``.../simple/timm/`` -> ``.../simple``);
    any other URL (a flat find-links page) as it is."""
    return url.rstrip("/").rsplit("/", 1)[0] if url.endswith("/") else url


def _uv_error(stderr: str, platform: str, file) -> EnvmgrError:
    failed = unreachable(stderr)
    if failed:
        url, root = failed
        return EnvmgrError(f"cannot reach the index URL {index_of(url)} ({url}: {root}), so the pip "
                           f"requirements cannot be locked for {platform}", file=file, fix=INDEX_FIX)
    lines = [line.strip() for line in stderr.splitlines() if line.strip()
             and not line.strip().startswith("warning:")]
    cause = next((line.removeprefix("cause:").strip() for line in lines if line.startswith("cause:")),
                 None)
    first = lines[0].removeprefix("error:").strip() if lines else "uv failed"
    message = f"{first}: {cause}" if cause else first
    hint = next((line.removeprefix("hint:").strip() for line in lines if line.startswith("hint:")), None)
    return EnvmgrError(f"pip requirements cannot be resolved for {platform}: {message}", file=file,
                       fix=hint or "loosen the pip pins in the spec, or check the index "
                                   "(ENVMGR_PYPI_INDEX / ENVMGR_PYTORCH_INDEX)")


def compile_platform(request: PipRequest, platform: str, python: str, installed: dict[str, str], *,
                     workspace=None, exclude_newer: str | None = None, file=None,
                     cache_dir: Path | None = None) -> list[LockedWheel]:
    """One ``uv pip compile`` for one platform; the chosen files with their URLs and hashes."""
    if platform not in UV_PLATFORMS:
        raise EnvmgrError(f"pip requirements cannot be locked for {platform} yet",
                          fix=f"use platforms among {', '.join(UV_PLATFORMS)}")
    clash = sorted(request.names() & set(installed))
    if clash:
        name = clash[0]
        raise EnvmgrError(f"pip requirement '{name}' names a package conda already installs "
                          f"({name} {installed[name]}); conda's copy would be overwritten",
                          file=file, fix=f"drop {name} from pip: (or move it to packages:)")
    text, family_pinned = project_file(request, workspace)
    with tempfile.TemporaryDirectory(prefix="envmgr-pip-") as tmp:
        work = Path(tmp)
        (work / "pyproject.toml").write_text(text, encoding="utf-8")
        (work / "installed.txt").write_text("".join(f"{n}\n" for n in sorted(installed)),
                                            encoding="utf-8")
        command = [uv_binary(), "pip", "compile", str(work / "pyproject.toml"),
                   "--format", "pylock.toml", "-o", str(work / "pylock.toml"), "--no-header",
                   "--no-config", "--quiet", "--python-platform", UV_PLATFORMS[platform],
                   "--python-version", python, "--default-index", pypi_index(workspace),
                   "--excludes", str(work / "installed.txt")]
        if exclude_newer:
            command += ["--exclude-newer", exclude_newer]
            if family_pinned:
                # PyTorch's index publishes no upload times; uv would drop every file from it.
                # The family is pinned to an exact version+tag anyway, so the date adds nothing.
                for name in sorted(request.names() & set(TORCH_FAMILY)):
                    command += ["--exclude-newer-package", f"{name}=false"]
        done = subprocess.run(command, capture_output=True, text=True, cwd=work,
                              env=uv_env(cache_dir))
        if done.returncode != 0:
            raise _uv_error(done.stderr, platform, file)
        lock = tomllib.loads((work / "pylock.toml").read_text(encoding="utf-8"))
    wheels = [_wheel_of(package, platform) for package in lock.get("packages", [])]
    return [_with_index(w, request, workspace, family_pinned) for w in wheels]


def _with_index(wheel: LockedWheel, request: PipRequest, workspace, family_pinned: bool) -> LockedWheel:
    """``wheel`` with the extra index or find-links page it came from (uv's pylock does not say):
    the torch family when it is pinned to PyTorch's index, or a file under one of the request's
    index URLs (``.../whl/cu124/torch-...whl``) or beside a find-links page
    (``.../whl/torch_stable.html`` -> ``.../whl/cu101/torch-...whl``)."""
    from dataclasses import replace

    places = _places(request, workspace)
    for url, _, is_pytorch in places:
        if family_pinned and is_pytorch and wheel.name in TORCH_FAMILY:
            return replace(wheel, index=url)
    for url, folder, _ in places:
        if wheel.url.startswith(folder):
            return replace(wheel, index=url)
    return wheel


def _places(request: PipRequest, workspace) -> list[tuple[str, str, bool]]:
    """(URL as used, the folder its files lie under, whether it is PyTorch's) for each extra index
    and find-links page of ``request``."""
    out = []
    for url in request.index_urls:
        used, is_pytorch = _mirror(url, workspace)
        out.append((used, used.rstrip("/") + "/", is_pytorch))
    for url in request.find_links:
        used, is_pytorch = _mirror(url, workspace)
        out.append((used, used.rsplit("/", 1)[0] + "/", is_pytorch))
    return out


def _wheel_of(package: dict, platform: str) -> LockedWheel:
    files = list(package.get("wheels") or [])
    if package.get("sdist"):
        files.append(package["sdist"])
    if not files:
        raise EnvmgrError(f"uv locked {package.get('name')} without a file to install",
                          fix="pin a version that publishes wheels")
    chosen = files[0]    # uv lists only files compatible with the target platform
    sha256 = (chosen.get("hashes") or {}).get("sha256")
    if not sha256:
        raise EnvmgrError(f"the index gave no sha256 for {chosen.get('url')}",
                          fix="use an index that publishes hashes (PEP 503 #sha256=)")
    return LockedWheel(name=canonicalize_name(package["name"]), version=str(package["version"]),
                       url=chosen["url"], sha256=sha256, platform=platform)


def as_of_date(as_of: str | None, torch: str | None) -> str | None:
    """``as_of`` as a date for uv: "YYYY-MM-DD" as given; "release": the torch release date."""
    if not as_of:
        return None
    if as_of != "release":
        return as_of
    from ...knowledge.facts import load

    release = load().release(torch) if torch else None
    return release.released if release and release.released else None


def resolve_platforms(request: PipRequest, records_by_platform: dict[str, list], *, workspace=None,
                      as_of: str | None = None, torch: str | None = None, file=None) -> Resolution:
    """Resolve ``request`` for every platform of the conda solution."""
    notes = []
    cutoff = as_of_date(as_of, torch)
    if cutoff and request.names() & set(TORCH_FAMILY) and (request.index_urls or request.find_links):
        notes.append(f"as_of {cutoff} applies to the PyPI packages; PyTorch's wheel index publishes "
                     "no upload times, so the torch family is taken by its exact pin instead")
    cache = None
    if workspace is not None:
        from ...host.locations import pkgs_dir

        cache = pkgs_dir(workspace) / "pip-cache"
    wheels = []
    for platform, records in sorted(records_by_platform.items()):
        wheels += compile_platform(request, platform, python_version(records, platform),
                                   conda_provided(records), workspace=workspace,
                                   exclude_newer=cutoff, file=file, cache_dir=cache)
    return Resolution(wheels=wheels, notes=notes)


__all__ = ["PipRequest", "LockedWheel", "Resolution", "resolve_platforms", "compile_platform",
           "pypi_index", "pytorch_index", "uv_binary", "uv_env", "TORCH_FAMILY"]
