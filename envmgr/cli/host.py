"""doctor: what this machine offers (driver, CUDA, GPUs) and which specs can run on it."""
from __future__ import annotations

import click

from . import cli
from .output import emit_json


@cli.command()
@click.option("--json", "as_json", is_flag=True, help="Print the report as JSON.")
def doctor(as_json):
    """Report the NVIDIA driver, the newest CUDA it runs, each GPU's compute capability, nvcc,
    conda/mamba/micromamba, where environments and packages live, and for each spec in envs/
    whether it can run on this machine.

    \b
    No GPU is not an error: doctor says "no NVIDIA GPU found" and exits 0.
    Describe another machine with CONDA_OVERRIDE_CUDA, ENVMGR_DRIVER_VERSION,
    ENVMGR_GPU (a model name or sm_86) or ENVMGR_NO_GPU=1. ENVMGR_GPU alone
    checks GPU architectures only: the driver stays unknown until one of the
    first two states it.

    \b
    Examples:
      envmgr doctor
      ENVMGR_GPU="RTX 3090" ENVMGR_DRIVER_VERSION=470.57.02 envmgr doctor --json
    """
    from ..host.doctor import render_text, report
    from ..specs.workspace import find_workspace

    workspace = find_workspace()
    data = report(workspace, env_facts=_env_facts(workspace))
    if as_json:
        emit_json(data)
    else:
        click.echo(render_text(data))


def _env_facts(workspace) -> dict:
    """What doctor needs from each env on disk (doctor's stage does not read environments): the
    version of its own cuda-nvcc, when it has one."""
    from ..envs.environments import Environment
    from ..errors import EnvmgrError

    facts = {}
    for name in workspace.spec_names():
        try:
            marker = Environment.named(name, workspace).marker() or {}
        except EnvmgrError:
            continue
        nvcc = [p.rsplit("-", 2)[1] for p in marker.get("packages") or []
                if isinstance(p, str) and p.count("-") >= 3 and p.rsplit("-", 2)[0] == "cuda-nvcc"]
        facts[name] = {"cuda_nvcc": nvcc[0] if nvcc else None}
    return facts
