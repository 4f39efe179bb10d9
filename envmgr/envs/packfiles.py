"""Which files of a prefix go into a packed archive, as conda-pack sees them.

conda-pack (``conda_pack.CondaEnv``) writes the archive, ``bin/conda-unpack`` and ``bin/activate``.
Its own loader (``CondaEnv.from_prefix``) reads *every* ``conda-meta/*.json`` as a package record,
and envmgr's ownership marker (``conda-meta/envmgr.json``) is JSON but no package record, so the
loader stops on it. envmgr therefore lists the files itself, with conda-pack's own per-package
reader (``load_managed_package``: the package cache's ``info/paths.json``, so files that hold the
prefix are packed from the cache with the placeholder still in them, and ``conda-unpack`` writes
the new prefix in), and leaves envmgr's marker and build marker out of the archive: an unpacked
environment runs without envmgr and is not one of envmgr's environments.
"""
from __future__ import annotations

import json
import os
from pathlib import Path

from ..errors import EnvmgrError
from .marker import MARKER, TMP_MARKER

LEFT_OUT = {f"conda-meta/{MARKER}", TMP_MARKER}
# conda-pack drops activation scripts an old conda put into child environments (its own go in)
OLD_CONDA_SCRIPTS = ("conda", "activate", "deactivate")


def package_records(prefix: Path) -> list[tuple[str, dict]]:
    """(file name, record) of each package conda-meta records; envmgr's marker is not one."""
    meta = prefix / "conda-meta"
    records = []
    for name in sorted(os.listdir(meta)):
        if not name.endswith(".json") or name == MARKER:
            continue
        try:
            records.append((name, json.loads((meta / name).read_text(encoding="utf-8"))))
        except (OSError, ValueError) as exc:
            raise EnvmgrError(f"cannot read conda-meta/{name}: {exc}", file=meta / name,
                              fix="rebuild the environment with `envmgr create NAME --force`") from None
    return records


def prefix_files(prefix: Path, name: str) -> list:
    """conda-pack ``File`` entries for everything in ``prefix`` but envmgr's markers. Refuses
    (one line) a package whose files were deleted, one whose package-cache entry is gone (its
    placeholders could not be restored), and editable pip installs (as conda-pack does)."""
    from conda_pack.compat import find_py_source
    from conda_pack.core import (BIN_DIR, CondaPackException, File, check_no_editable_packages,
                                 find_site_packages, load_files, load_managed_package)

    site_packages = find_site_packages(str(prefix))
    if site_packages is not None:
        try:
            check_no_editable_packages(str(prefix), site_packages)
        except CondaPackException as exc:
            raise EnvmgrError(" ".join(str(exc).split()), file=prefix,
                              fix="install those packages without -e, or leave them out") from None
    present = {os.path.normcase(p): p for p in load_files(str(prefix))}
    files, managed, missing, uncached = [], set(), [], []
    for record_name, info in package_records(prefix):
        source = (info.get("link") or {}).get("source") or info.get("extracted_package_dir") or ""
        label = f"{info.get('name')} {info.get('version')}"
        if not source or not os.path.isdir(source):
            uncached.append(label)
            continue
        entries = load_managed_package(info, str(prefix), site_packages, present)
        targets = {os.path.normcase(f.target) for f in entries}
        gone = sorted(targets - set(present))
        if gone:
            missing.append(f"{label} ({gone[0]}{' and more' if len(gone) > 1 else ''})")
        managed |= targets
        files.extend(entries)
        target = os.path.join("conda-meta", record_name)
        managed.add(target)
        files.append(File(str(prefix / target), target, is_conda=True))
    if uncached:
        raise EnvmgrError(f"the package cache no longer holds {len(uncached)} of {name}'s packages "
                          f"(e.g. {uncached[0]}), which packing needs to restore their prefixes",
                          file=prefix, fix=f"`envmgr pack {name} --from-lock` (it fills the cache "
                                           f"again), or `envmgr create {name} --force` first")
    if missing:
        raise EnvmgrError(f"files of {len(missing)} package(s) were deleted or overwritten in "
                          f"{name}, e.g. {missing[0]}", file=prefix,
                          fix=f"rebuild it with `envmgr create {name} --force`")
    history = os.path.join("conda-meta", "history")
    if os.path.normcase(history) in present:
        managed.add(os.path.normcase(history))
        files.append(File(str(prefix / history), history, is_conda=True))
    left_out = {os.path.normcase(p) for p in LEFT_OUT}
    left_out |= {os.path.normcase(os.path.join(BIN_DIR, s)) for s in OLD_CONDA_SCRIPTS}
    for key, path in sorted(present.items()):
        if key in managed or key in left_out or find_py_source(path) in managed:
            continue
        # not from a conda package (the pip layer, say): conda-pack looks for the prefix in it
        files.append(File(str(prefix / path), path, is_conda=False, file_mode="unknown"))
    return files
