"""The pip layer: pip requirements (and the PyTorch wheels of a pip-route stack) locked into the
same conda-lock file as ``manager: pip`` entries, then installed after the conda layer.

* :mod:`.resolve`: resolve the pip section of the rendered environment file for each target
  platform and the env's python with uv (``uv pip compile --python-platform --python-version``),
  taking the conda packages of that platform as installed.
* :mod:`.entries`: those results as conda-lock ``LockedDependency(manager="pip")`` entries.
* :mod:`.install`: install the locked entries into an env with its own interpreter, from the
  locked URLs, hash-checked, no re-resolution, through one shared wheel cache.

Nothing here imports conda-lock or rattler at module level.
"""
from __future__ import annotations

def lock(inputs, records_by_platform: dict[str, list], workspace=None) -> tuple[list, list[str]]:
    """conda-lock pip entries for ``inputs`` (a ``lockfile.LockInputs``) and notes for the user.

    ``records_by_platform``: the conda solution, platform -> rattler records (the packages taken
    as installed). Returns ``([], [])`` when the environment file has no pip section.
    """
    from ..lockfile import pip_requirements
    from .entries import pip_entries
    from .resolve import PipRequest, resolve_platforms

    lines = pip_requirements(inputs.env_text)
    if not lines:
        return [], []
    request = PipRequest.from_lines(lines, file=inputs.env_file)
    resolution = resolve_platforms(request, records_by_platform, workspace=workspace,
                                   as_of=inputs.facts.get("as_of"), torch=inputs.facts.get("torch"))
    return pip_entries(resolution.wheels), resolution.notes
