"""``lockfiles/NAME.conda-lock.yml``: genuine conda-lock v1 files, and whether they are fresh.

Written with conda-lock's own models, writer and content hash (``compute_content_hashes`` over
the rendered environment file and the virtual packages assumed), so ``conda-lock render``,
``conda-lock lock --check-input-hash`` and ``micromamba create -f`` accept them. envmgr's own facts
go in ``metadata.custom_metadata`` (str -> str, the only place conda-lock's strict models allow):
``envmgr_version``, ``kb_version``, ``spec_sha256``, ``env_file_sha256``, ``virtual_packages``,
``route``, ``cuda``, ``channel_urls``, ``envmgr_seal``, for specs with a pip section, ``pip_layer``, and for a lock
solved as of a date ``as_of``, ``as_of_rule``, ``as_of_origin`` (envmgr/knowledge/asof.py).

The output is a pure function of its inputs and the solution: no ``time_metadata``, packages
sorted, so re-locking an unchanged spec leaves the file byte-identical.

Each lock carries a seal over its metadata and package section (``lockseal.py``); whether a lock
is fresh is decided in one place, ``freshness.judge``, for every command.
"""
from __future__ import annotations

import functools
import tempfile
from dataclasses import dataclass
from pathlib import Path

import yaml

from .. import __version__
from ..errors import EnvmgrError
from .lockfacts import sha256_text
from .lockseal import SEAL_KEY, seal_for, split

PIP_OPTIONS = ("--extra-index-url", "--index-url", "-i", "--find-links", "-f", "--trusted-host")
PIP_LOCKED = ("locked: manager pip entries (url + sha256) per platform, resolved by uv; "
              "envmgr create installs them with --no-deps --require-hashes")


@dataclass(frozen=True)
class LockInputs:
    """Everything a lock depends on; recorded so freshness can be judged without solving."""

    env_file: Path               # the rendered environment file
    env_text: str
    platforms: list[str]
    cuda: str | None             # "10.2" or "cpu"
    channels: list[str]          # channel names as rendered
    channel_urls: list[str]      # what they resolved to
    facts: dict[str, str]        # envmgr facts: spec_sha256, kb_version, route...

    def custom_metadata(self) -> dict[str, str]:
        from ..host.virtual import describe

        meta = {"envmgr_version": __version__, "env_file_sha256": sha256_text(self.env_text),
                "virtual_packages": describe(self.platforms, self.cuda),
                "cuda": self.cuda or "cpu", "channel_urls": " ".join(self.channel_urls)}
        meta.update(self.facts)
        pip = pip_requirements(self.env_text)
        if pip:
            meta["pip_layer"] = PIP_LOCKED
            meta["pip_requirements"] = " ".join(pip)
        return dict(sorted(meta.items()))

    @property
    def as_of_cutoff(self) -> str | None:
        """The effective ``as_of`` date (YYYY-MM-DD) the conda layer is solved with, if any: the
        pip layer applies the same one (see envmgr/knowledge/asof.py)."""
        return self.facts.get("as_of")


# -- the environment file, as conda-lock reads it ------------------------------------------------
def _env_yaml(text: str) -> dict:
    data = yaml.safe_load(text) or {}
    if not isinstance(data, dict) or not isinstance(data.get("dependencies"), list):
        raise EnvmgrError("not an environment file (no dependencies list)")
    return data


def pip_requirements(env_text: str) -> list[str]:
    """The lines of the pip section, options included."""
    for dep in _env_yaml(env_text)["dependencies"]:
        if isinstance(dep, dict) and dep.get("pip"):
            return [str(line) for line in dep["pip"]]
    return []


def conda_lock_view(env_text: str) -> str:
    """The environment file as conda-lock can parse it.

    conda-lock rejects pip *options* (``--extra-index-url URL``) in the pip list; its own form is a
    top-level ``pip-repositories:`` list. envmgr renders both (each option line behind a selector
    conda-lock skips, see envmgr/specs/render.py), so a rendered file is passed through untouched
    and its content hash is exactly what ``conda-lock`` computes from the file itself. Only a file
    whose option lines conda-lock would read (an older rendering) is rewritten.
    """
    data = _env_yaml(_without_skipped_lines(env_text))
    changed = False
    for dep in data["dependencies"]:
        if isinstance(dep, dict) and dep.get("pip"):
            keep, repos = [], []
            for line in dep["pip"]:
                option, _, value = str(line).strip().partition(" ")
                if option in PIP_OPTIONS:
                    changed = True
                    if option in ("--extra-index-url", "--index-url", "-i") and value.strip():
                        repos.append(value.strip())
                else:
                    keep.append(line)
            dep["pip"] = keep
            if repos:
                data["pip-repositories"] = repos
    return yaml.safe_dump(data, sort_keys=False) if changed else env_text


def _without_skipped_lines(env_text: str) -> str:
    """The text without the lines conda-lock's selector filter drops on every platform."""
    from ..specs.render import PIP_OPTION_SELECTOR

    marker = f"[{PIP_OPTION_SELECTOR}]"
    return "\n".join(line for line in env_text.splitlines() if not line.rstrip().endswith(marker))


def make_lock_spec(env_text: str, file_name: str, platforms: list[str], workdir: Path):
    """conda-lock's ``LockSpecification`` of the rendered file (offline: a local, empty PyPI-name
    mapping, so only identity mapping is used, which is what the online one gives for ``pip``)."""
    import logging

    from conda_lock.src_parser import make_lock_spec as conda_lock_make_lock_spec

    # A platform selector (`# [linux64]`) dropping a co-pin on another platform is intended;
    # conda-lock logs each one as a warning, which is noise for envmgr's users.
    logging.getLogger("conda_lock.src_parser.selectors").setLevel(logging.ERROR)
    source = workdir / file_name
    source.write_text(conda_lock_view(env_text), encoding="utf-8")
    mapping = workdir / "pypi-mapping.json"
    mapping.write_text("{}", encoding="utf-8")
    try:
        return conda_lock_make_lock_spec(src_files=[source], platform_overrides=list(platforms),
                                         mapping_url=mapping.as_uri())
    except Exception as exc:  # noqa: BLE001 - conda-lock raises many kinds on bad input
        raise EnvmgrError(f"conda-lock cannot read the environment file: {exc}",
                          fix="re-render it with `envmgr render`") from None


def conda_specs(lock_spec, platform: str) -> list[str]:
    """The conda dependencies of one platform as match-spec strings, in conda's build form
    (``name version build``; the build alone gets version ``*``), as conda-lock hands them to conda."""
    out = []
    for dep in lock_spec.dependencies.get(platform, []):
        if dep.manager != "conda":
            continue
        version, build = getattr(dep, "version", "") or "", getattr(dep, "build", None)
        if build and not version:
            version = "*"
        channel = f"{dep.conda_channel}::" if getattr(dep, "conda_channel", None) else ""
        out.append(" ".join(x for x in (channel + dep.name, version, build or "") if x))
    return out


def virtual_packages_file(lockfile: Path) -> Path:
    """``lockfiles/NAME.virtual-packages.yml`` beside ``lockfiles/NAME.conda-lock.yml``: the
    virtual packages the lock assumed, as ``conda-lock --virtual-package-spec`` reads them."""
    lockfile = Path(lockfile)
    return lockfile.with_name(lockfile.name.removesuffix(".conda-lock.yml") + ".virtual-packages.yml")


def content_hashes(lock_spec, platforms: list[str], cuda: str | None, workdir: Path) -> dict[str, str]:
    from conda_lock.content_hash import compute_content_hashes

    from ..host.virtual import conda_lock_repo

    return compute_content_hashes(lock_spec, conda_lock_repo(platforms, cuda, workdir))


# -- writing -------------------------------------------------------------------------------------
@functools.lru_cache(maxsize=4096)
def _name_and_version(dep: str) -> tuple[str, str]:
    """"python >=3.7,<3.8.0a0" -> ("python", ">=3.7,<3.8.0a0"); cached: records share most deps."""
    from rattler import MatchSpec

    spec = MatchSpec(dep, strict=False)
    version = str(spec.version) if spec.version is not None else ""
    return spec.name.normalized, "" if version == "*" else version


def _dependencies(depends: list[str]) -> dict[str, str]:
    """name -> version spec, build part dropped (the lossy form conda-lock itself writes)."""
    merged: dict[str, list[str]] = {}
    for dep in depends:
        name, version = _name_and_version(dep)
        merged.setdefault(name, [])
        if version and version not in merged[name]:
            merged[name].append(version)
    return {name: ",".join(versions) for name, versions in sorted(merged.items())}


def locked_packages(records_by_platform: dict[str, list]) -> list:
    from conda_lock.lockfile.v2prelim.models import HashModel, LockedDependency

    packages = []
    for platform, records in sorted(records_by_platform.items()):
        for r in sorted(records, key=lambda r: (r.name.normalized, str(r.version), str(r.build))):
            packages.append(LockedDependency(
                name=r.name.normalized, version=str(r.version), manager="conda", platform=platform,
                dependencies=_dependencies(list(r.depends)), url=str(r.url),
                hash=HashModel(md5=r.md5.hex() if r.md5 else None,
                               sha256=r.sha256.hex() if r.sha256 else None),
                categories={"main"}, build=str(r.build)))
    return packages


def render_lockfile(inputs: LockInputs, lockfile: Path, records_by_platform: dict[str, list],
                    lock_spec, hashes: dict[str, str], pip_packages: list = ()) -> str:
    """The text of the conda-lock file: conda-lock's models, ordering and header. ``pip_packages``:
    the pip layer's ``manager: pip`` entries (``envmgr.piplayer``), written after the conda ones.

    conda-lock's ``write_conda_lock_file`` emits YAML with pyyaml's pure-Python emitter, which
    alone costs more than a small solve; the body here is the same ``to_v1().dict_for_output()``
    dumped by libyaml (``CDumper``), which gives the same bytes (tests/engine/test_lockfile_format.py compares them
    with conda-lock's own writer). The header comes from conda-lock's writer itself.
    """
    from conda_lock.lockfile.v2prelim.models import Lockfile, LockMeta

    source = Path(inputs.env_file).name if inputs.env_file.parent == lockfile.parent else str(inputs.env_file)
    meta = LockMeta(content_hash=hashes, channels=lock_spec.channels, platforms=list(inputs.platforms),
                    sources=[source], custom_metadata=inputs.custom_metadata())
    content = Lockfile(package=locked_packages(records_by_platform) + list(pip_packages), metadata=meta)
    content.alphasort_inplace()
    content.filter_virtual_packages_inplace()
    header = _conda_lock_header(lockfile.name, (source,), virtual_packages_file(lockfile).name)
    dumper = getattr(yaml, "CDumper", yaml.Dumper)
    data = content.to_v1().dict_for_output()
    text = header + yaml.dump(data, Dumper=dumper, sort_keys=False)
    # the seal covers what was just written (lockseal.py), so it is computed from that text; the
    # package section comes after the metadata, so only the head is dumped again with the seal
    custom = dict(data["metadata"].get("custom_metadata") or {}, **{SEAL_KEY: seal_for(text)})
    data["metadata"]["custom_metadata"] = dict(sorted(custom.items()))
    head = {key: value for key, value in data.items() if key != "package"}
    return header + yaml.dump(head, Dumper=dumper, sort_keys=False) + split(text)[1]


@functools.lru_cache(maxsize=64)
def _conda_lock_header(file_name: str, sources: tuple[str, ...], virtual_packages: str) -> str:
    """conda-lock's help-text header, from its own writer. It depends only on the file name, the
    sources and the package categories (always "main" here), so a package-less file gives it.
    Its re-lock commands also name the virtual-package spec written beside the lock, so conda-lock
    solves (and hashes) against the virtual packages envmgr assumed, not its own defaults."""
    from conda_lock.lockfile import write_conda_lock_file
    from conda_lock.lockfile.v2prelim.models import Lockfile, LockMeta

    meta = LockMeta(content_hash={}, channels=[], platforms=[], sources=list(sources))
    with tempfile.TemporaryDirectory(prefix="envmgr-lock-") as tmp:
        out = Path(tmp) / file_name
        write_conda_lock_file(Lockfile(package=[], metadata=meta), out, metadata_choices=set())
        lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    return "".join(_with_virtual_packages(line, file_name, virtual_packages)
                   for line in lines if line.startswith("#"))


def _with_virtual_packages(line: str, file_name: str, virtual_packages: str) -> str:
    """A header line; a ``conda-lock ... --lockfile NAME`` command gets ``--virtual-package-spec``."""
    if "conda-lock " in line and f"--lockfile {file_name}" in line and "--virtual-package-spec" not in line:
        return line.replace(f"--lockfile {file_name}",
                            f"--lockfile {file_name} --virtual-package-spec {virtual_packages}")
    return line


def render_lockfile_with_conda_lock(content, lockfile: Path) -> str:
    """conda-lock's own writer, end to end (the reference :func:`render_lockfile` must match),
    its re-lock commands naming the virtual-package spec as envmgr's header does."""
    from conda_lock.lockfile import write_conda_lock_file

    with tempfile.TemporaryDirectory(prefix="envmgr-lock-") as tmp:
        out = Path(tmp) / lockfile.name
        write_conda_lock_file(content, out, metadata_choices=set())
        lines = out.read_text(encoding="utf-8").splitlines(keepends=True)
    spec = virtual_packages_file(lockfile).name
    return "".join(_with_virtual_packages(line, lockfile.name, spec) if line.startswith("#") else line
                   for line in lines)
