"""import: a paper's environment file -> envs/NAME.yaml, with a diagnosis (and --fix)."""
from __future__ import annotations

import sys

import click

from ..errors import EnvmgrError, UsageError
from . import cli
from .output import emit_json, error_problem, labelled


@cli.command(name="import")
@click.argument("path", type=click.Path(dir_okay=True, path_type=str))
@click.option("--name", "name", metavar="NAME", help="Environment name (default: the file's `name:` or its folder).")
@click.option("--fix", is_flag=True, help="Apply the nearest repair and list each change.")
@click.option("--force", is_flag=True, help="Overwrite an existing envs/NAME.yaml.")
@click.option("--environment", "environment", metavar="ENV",
              help="Which of a pixi manifest's [environments] to import (default: its default one).")
@click.option("--keep-pins", is_flag=True,
              help="From a `conda env export` dump, keep every transitive pin at its exact version "
                   "(build strings dropped) instead of suggesting as_of.")
@click.option("--json", "as_json", is_flag=True, help="Print name, spec, problems, dropped (and changes) as JSON.")
def import_command(path, name, fix, force, environment, keep_pins, as_json):
    """Read a paper's environment.yml, requirements.txt, conda-lock.yml or pixi manifest
    (pixi.toml, pyproject.toml with [tool.pixi]) into envs/NAME.yaml.

    The torch stack becomes envmgr's torch/cuda/python/torchvision/torchaudio; other packages are
    carried over as packages/pip, and whatever cannot be is listed as dropped, with why. Then the
    spec is checked and the file diagnosed: python or CUDA the torch release was never built for,
    unpaired torchvision/torchaudio, stale channels, wrong CUDA selectors, missing numpy<2/mkl
    guards, a risk of the CPU build, +cuXYZ wheels with no index, torch installed twice.
    Without --fix the spec keeps the file's pins.

    A dump (`conda env export`, a lockfile) lists hundreds of transitive pins; by default envmgr
    keeps the direct requests, lists the dropped pins and suggests `as_of` with the file's date
    (a date in its comments, else its modification time), so the solver picks versions of that
    day. --keep-pins keeps the authors' exact versions instead, as extra pins in the spec.

    \b
    Exit 0: the spec is written and valid.
    Exit 1: the spec is written, with problems (listed); or there is nothing to
            write: no torch in the file, or a torch range no release envmgr knows
            satisfies (--fix writes the nearest release instead).
    Exit 2: the file cannot be read as an environment file, or a usage error
            (envs/NAME.yaml exists without --force, an invalid --name).

    \b
    Examples:
      envmgr import ../paper/environment.yml --name paper
      envmgr import requirements.txt --name paper --fix --force
    """
    from ..importer import ImportReport, import_file
    from ..specs.pipeline import relative
    from ..specs.specfile import validate_name
    from ..specs.workspace import find_workspace

    workspace = find_workspace()
    try:
        if name is not None:
            with labelled("invalid-name"):
                validate_name(name)
        report = import_file(path, workspace, name=name, fix=fix, force=force,
                             environment=environment, keep_pins=keep_pins)
    except EnvmgrError as err:
        if not as_json:
            raise
        # exit 2: the file cannot be read as an environment file; 1: nothing in it to write
        code = "unreadable-file" if isinstance(err, UsageError) else "nothing-to-import"
        emit_json(ImportReport.failure_json(name, path, error_problem(err, code), fix))
        sys.exit(err.exit_code)
    if as_json:
        emit_json(report.to_json())
    else:
        _print_report(report, relative(workspace, report.spec_path))
    sys.exit(0 if report.ok else 1)


def _print_report(report, spec_where: str) -> None:
    from ..specs.render import stack_label

    spec = report.spec
    state = "ok" if report.ok else f"{len(report.errors)} problem{'s' * (len(report.errors) != 1)}"
    click.echo(f"wrote {spec_where} from {report.source} ({report.source_kind}): {state}")
    if report.resolved is not None:
        click.echo(f"  {stack_label(report.resolved)}; route: {report.resolved.route}")
    else:
        click.echo(f"  torch {spec.torch}, cuda {spec.cuda or '(not pinned)'}, python {spec.python or '(not pinned)'}")
    for change in report.changes:
        click.echo(f"  changed {change}")
    if report.fixed and not report.changes:
        click.echo("  --fix: nothing to change")
    for problem in report.problems:
        where = f"{report.read_from}:{problem.line}: " if getattr(problem, "line", None) else ""
        click.echo(f"  {problem.severity}: {where}{problem.message}")
        if problem.fix:
            click.echo(f"      fix:  {problem.fix}")
    for dropped in report.dropped:
        where = f" (line {dropped.line})" if dropped.line else ""
        click.echo(f"  dropped: {dropped.item}{where}: {dropped.why}")
    if not report.ok and not report.fixed:
        click.echo(f"  next: envmgr import {report.source} --name {report.name} --fix --force "
                   f"applies the nearest repairs")
    elif report.ok:
        click.echo(f"  next: envmgr lock {report.name}")
