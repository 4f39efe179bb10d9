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
    """
    from ..host.doctor import render_text, report
    from ..specs.workspace import find_workspace

    data = report(find_workspace())
    if as_json:
        emit_json(data)
    else:
        click.echo(render_text(data))
