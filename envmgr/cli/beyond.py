"""pack, export, ci: handing an environment to other machines and engines (cluster nodes,
containers, CI), from its lockfile."""
from __future__ import annotations

import shlex
import sys

import click

from . import cli
from ..errors import EnvmgrError, UsageError
from .output import absolute_path, emit_json, shown_path, spec_problem


def _workspace():
    from ..specs.workspace import find_workspace

    return find_workspace()


def _fail_json(workspace, name, err, default_code: str, **fields) -> None:
    """The command's one object for a failure (ok false, the error as its problem), then exit."""
    emit_json({"name": name, "ok": False, **fields,
               "problems": [spec_problem(workspace, name, err, default_code)]})
    sys.exit(err.exit_code)


# -- pack ---------------------------------------------------------------------------------------
@cli.command()
@click.argument("name")
@click.option("-o", "--output", metavar="FILE", help="Where to write it (default: NAME.tar.gz, "
              "NAME.zip or NAME-packed/ in the current folder).")
@click.option("--format", "fmt", type=click.Choice(["tar.gz", "zip", "dir"]),
              help="tar.gz (default), zip, or dir: the unpacked tree, ready for mksquashfs.")
@click.option("--from-lock", is_flag=True,
              help="Pack the lockfile's packages without creating the environment (a temporary "
                   "prefix, deleted afterwards).")
@click.option("--dest-prefix", metavar="PATH",
              help="Write PATH into the files now, for an environment that will live at PATH "
                   "(a read-only squashfs image, say); the archive then has no conda-unpack.")
@click.option("--force", is_flag=True, help="Replace an existing output (a folder only when pack made it).")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def pack(name, output, fmt, from_lock, dest_prefix, force, as_json):
    """Pack environment NAME into a relocatable archive (conda-pack) for another machine of this
    platform with no envmgr, conda or network.

    \b
    On the other machine:
      mkdir -p ~/envs/NAME && tar -xzf NAME.tar.gz -C ~/envs/NAME
      ~/envs/NAME/bin/python ~/envs/NAME/bin/conda-unpack     # once: writes the new prefix in
      source ~/envs/NAME/bin/activate                          # or call ~/envs/NAME/bin/python

    The archive carries the lockfile (share/envmgr/NAME.conda-lock.yml). A stale lock, or an
    environment that does not match its lockfile, is refused.

    \b
    Examples:
      envmgr pack paper-2021
      envmgr pack paper-2021 --from-lock -o /scratch/paper-2021.tar.gz
    """
    from ..envs.pack import pack_environment

    workspace = _workspace()
    say = (lambda message: None) if as_json else (lambda message: click.echo(message, err=True))
    progress = sys.stderr.isatty() and not as_json
    try:
        result = pack_environment(workspace, name, output=output, fmt=fmt, from_lock=from_lock,
                                  force=force, dest_prefix=dest_prefix, progress=progress, say=say)
    except EnvmgrError as err:
        if not as_json:
            raise
        _fail_json(workspace, name, err, "pack-failed", archive=None, format=fmt, platform=None,
                   source="lockfile" if from_lock else "environment", prefix=None,
                   dest_prefix=dest_prefix, packages=None, files=None, size=None,
                   lockfile=str(workspace.lockfile(name)), seconds=None)
    if as_json:
        emit_json(result)
        return
    from ..disk import human

    shown = shown_path(result["archive"])
    click.echo(f"packed {name} ({result['packages']} packages, {result['platform']}) into {shown} "
               f"({human(result['size'])}, {result['seconds']:.1f} s)")
    if result["format"] != "dir" and not dest_prefix:
        archive = shlex.quote(shown)
        unpack = (f"tar -xzf {archive} -C DIR" if result["format"] == "tar.gz"
                  else f"unzip -q {archive} -d DIR")
        click.echo(f"  on the other machine: mkdir -p DIR && {unpack} && DIR/bin/python "
                   "DIR/bin/conda-unpack")
    elif result["format"] == "dir":
        click.echo(f"  squash it: mksquashfs {shlex.quote(shown)} {name}.sqsh -noappend"
                   + ("" if dest_prefix else " (then run bin/conda-unpack where it is writable, "
                                             "or pack with --dest-prefix MOUNTPOINT)"))


# -- export -------------------------------------------------------------------------------------
@cli.command()
@click.argument("name")
@click.option("--format", "fmt", required=True,
              type=click.Choice(["dockerfile", "apptainer", "explicit", "conda-lock-env"]),
              help="A container recipe, conda's @EXPLICIT file, or an environment file pinning "
                   "every package (conda-lock render --kind env).")
@click.option("--platform", metavar="P", help="The lock's platform to export (default: this "
              "machine's, or the lock's Linux platform for containers).")
@click.option("-o", "--output", metavar="FILE", help="Write it to FILE (atomically) instead of stdout.")
@click.option("--base", metavar="IMAGE", help="The base image of a container recipe "
              "(default: mambaorg/micromamba, or debian:bookworm-slim with --from-pack).")
@click.option("--from-pack", "from_pack", metavar="ARCHIVE",
              help="A container recipe that unpacks this archive of `envmgr pack` (in the workspace: "
                   "the build context) instead of installing from channels.")
@click.option("--force", is_flag=True, help="Overwrite an existing -o file.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON (the text in `text`).")
def export(name, fmt, platform, output, base, from_pack, force, as_json):
    """Write what another engine needs to install NAME exactly as its lockfile says: a Dockerfile
    or Apptainer definition, conda's @EXPLICIT file, or a fully pinned environment file.

    Refuses a stale lock. Every package URL and hash comes from the lockfile; a CUDA
    environment's recipe names the NVIDIA driver it needs.

    \b
    Examples:
      envmgr export paper-2021 --format dockerfile -o Dockerfile
      envmgr export paper-2021 --format explicit --platform linux-64
    """
    workspace = _workspace()
    try:
        recipe, written = _export(workspace, name, fmt, platform, output, base, from_pack, force)
    except EnvmgrError as err:
        if not as_json:
            raise
        _fail_json(workspace, name, err, "export-failed", format=fmt, platform=platform,
                   output=absolute_path(output), text=None, urls=[], driver=None)
    if as_json:
        emit_json({"name": name, "ok": True, "format": fmt, "platform": recipe.platform,
                   "output": absolute_path(written), "text": recipe.text, "urls": recipe.urls,
                   "driver": recipe.driver, "problems": []})
    elif written is None:
        click.echo(recipe.text, nl=False)
    else:
        click.echo(f"wrote {shown_path(written)} ({fmt}, {recipe.platform}, "
                   f"{len(recipe.urls)} packages)")


def _export(workspace, name, fmt, platform, output, base, from_pack, force):
    from pathlib import Path

    from ..atomic import write_text_atomic
    from ..engine.export import export_recipe
    from ..engine.lock import require_fresh_lock
    from ..specs.pipeline import load_named_spec, resolve_spec

    lockfile = require_fresh_lock(workspace, name, "export")
    resolved = resolve_spec(workspace, load_named_spec(workspace, name))
    if output is not None:
        target = Path(output).expanduser().absolute()
        if target.is_dir():
            raise UsageError(f"{output} is a folder", fix=f"-o {Path(output) / (name + '.' + fmt)}")
        if not target.parent.is_dir():
            raise UsageError(f"folder {target.parent} does not exist", fix="create it first")
        if target.exists() and not force:
            raise UsageError(f"{output} already exists", file=target, fix="pass --force to overwrite it")
    recipe = export_recipe(workspace, name, fmt, lockfile, platform=platform, cuda=resolved.cuda,
                           base=base, pack_archive=from_pack)
    if output is None:
        return recipe, None
    write_text_atomic(target, recipe.text)
    return recipe, target


# -- ci -----------------------------------------------------------------------------------------
@cli.command()
@click.argument("names", nargs=-1)
@click.option("--github", "engine", flag_value="github", help="A GitHub Actions workflow (the default).")
@click.option("--gitlab", "engine", flag_value="gitlab", help="A .gitlab-ci.yml.")
@click.option("--json", "engine", flag_value="json", help="The jobs as JSON, for any other engine.")
@click.option("--test-command", default=None, metavar="CMD",
              help='What each job runs in its environment (default: python -c "import torch; '
                   'print(torch.__version__)").')
@click.option("--install", "install", default=None, metavar="CMD",
              help="How a job installs envmgr (default: python -m pip install envmgr).")
@click.option("--gpu-runner", default=None, metavar="LABEL",
              help="The runner label (GitLab: tag) of machines with an NVIDIA GPU (default: gpu).")
def ci(names, engine, test_command, install, gpu_runner):
    """Print the matrix of environments as CI jobs: one per environment and platform, on a GPU
    runner for CUDA environments; each checks the lock, creates the env and runs the test command
    in it (envmgr run NAME -- CMD).

    \b
    Examples:
      envmgr ci --github > .github/workflows/envs.yml
      envmgr ci paper-2021 --gitlab --test-command "pytest -q"
    """
    from ..envs.cimatrix import (DEFAULT_GPU_LABEL, DEFAULT_INSTALL, DEFAULT_TEST_COMMAND,
                                 github_workflow, gitlab_ci, jobs_for)
    from ..specs.pipeline import load_named_spec, resolve_spec

    engine = engine or "github"
    workspace = _workspace()
    selected = list(dict.fromkeys(names)) or workspace.spec_names()
    if not selected:
        raise UsageError(f"no specs in {shown_path(workspace.envs_dir)}",
                         fix='envmgr new NAME "torch 2.4 + cu121"')
    specs, problems = [], []
    for name in selected:
        try:
            specs.append((name, resolve_spec(workspace, load_named_spec(workspace, name))))
        except EnvmgrError as err:
            if engine != "json":
                raise
            problems.append({"name": name, **spec_problem(workspace, name, err, "spec-error")})
    jobs = jobs_for(specs, lockfile_of=lambda n: _relative(workspace, workspace.lockfile(n)),
                    test_command=test_command or DEFAULT_TEST_COMMAND,
                    install=install or DEFAULT_INSTALL, gpu_label=gpu_runner or DEFAULT_GPU_LABEL,
                    engine="gitlab" if engine == "gitlab" else "github")
    if engine == "json":
        emit_json({"ok": not problems, "jobs": [job.to_json() for job in jobs], "problems": problems})
        if problems:
            sys.exit(max(2 if p["code"] in ("unknown-spec", "spec-error") else 1 for p in problems))
        return
    args = "".join(f" {shlex.quote(n)}" for n in names) + f" --{engine}"
    click.echo((gitlab_ci if engine == "gitlab" else github_workflow)(jobs, args), nl=False)


def _relative(workspace, path) -> str:
    from pathlib import Path

    try:
        return Path(path).resolve().relative_to(Path(workspace.root).resolve()).as_posix()
    except ValueError:
        return str(path)
