"""list, remove: the commands that report on or delete environments on disk (create is in
envs.py, with the helpers these share; verify in verify.py)."""
from __future__ import annotations

import json
import sys

import click

from . import cli
from ..errors import EnvmgrError
from ..specs.workspace import find_workspace
from .envs import host_platform, no_such_name, warn
from .output import coded, labelled, shown_path, spec_problem


# -- list ---------------------------------------------------------------------------------------
@cli.command("list")
@click.option("--json", "as_json", is_flag=True, help="Print the rows as JSON.")
@click.option("--no-size", is_flag=True, help="Skip measuring disk use (faster on huge envs).")
@click.option("--all-workspaces", is_flag=True,
              help="One row per environment envmgr made in the envs dir, whichever workspace "
                   "made it (read from each env's marker), instead of one per spec here.")
def list_(as_json, no_size, all_workspaces):
    """One row per spec: stack, lock state, environment state, prefix and size on disk.

    \b
    lock: fresh / stale / missing
    env:  created / missing / out-of-sync / foreign (not envmgr's) / other-workspace (envmgr's,
          created from another workspace's spec of the same name in the same envs dir)
    size: the env's files, each counted once; shared: the part hardlinked with the package
    cache or other envs. Never solves.

    \b
    --all-workspaces: every env envmgr made in the envs dir, with the workspace that made it;
    env: created / out-of-sync (against that workspace's lockfile) / orphaned (its workspace
    or spec is gone) / unknown (a marker too old to name its workspace). Folders without
    envmgr's marker are not listed, only counted.

    \b
    Examples:
      envmgr list
      envmgr list --all-workspaces --no-size
    """
    from ..envs import listing
    from ..disk import human

    workspace = find_workspace()
    if all_workspaces:
        _list_all_workspaces(workspace, as_json, no_size)
        return
    found = listing.rows(workspace, sizes=not no_size)
    summary = listing.summary(workspace, found) if not no_size else {
        "envs_dir": str(_envs_root(workspace)), "platform": host_platform()}
    if as_json:
        click.echo(json.dumps({**summary, "environments": [r.to_json() for r in found]}, indent=2))
        return
    if not found:
        click.echo(f"no specs in {shown_path(workspace.envs_dir)}; start with: "
                   'envmgr new NAME "torch 2.4 + cu121"')
        return
    from .output import table

    cells = [[r.name, r.torch or "?", r.cuda or "?", r.python or "?", r.lock, r.env,
              _counts(r), shown_path(r.prefix) if r.prefix else "-", human(r.size),
              human(None if r.size is None else r.size - r.private)]
             for r in found]
    headers = ["name", "torch", "cuda", "python", "lock", "env", "packages", "prefix", "size",
               "shared"]
    if any(r.as_of for r in found):   # the era a lock was solved for, only when some spec has one
        headers.insert(4, "as_of")
        for row, line in zip(found, cells):
            line.insert(4, row.as_of or "-")
    click.echo(table(headers, cells))
    if "total_size" in summary:
        click.echo(f"\nall envs together: {human(summary['total_size'])} "
                   f"(shared files counted once); envs dir: {shown_path(summary['envs_dir'])}")
    _print_activation(found)
    for row in found:
        for problem in row.problems:   # an invalid spec, a stale lock, another workspace's env
            where = ""
            if problem["code"] == "spec-error" and problem.get("file"):
                line = f":{problem['line']}" if problem.get("line") else ""
                where = f"{shown_path(problem['file'])}{line}: "
            fix = f" (fix: {problem['fix']})" if problem["fix"] else ""
            click.echo(f"{row.name}: {where}{problem['message']}{fix}", err=True)


def _counts(row) -> str:
    """"2 conda + 6 pip" (a pip-route env's torch is a pip package), "25 conda", or "-"."""
    if row.packages is None:
        return "-"
    return f"{row.packages} conda" + (f" + {row.pip_packages} pip" if row.pip_packages else "")


def _print_activation(found) -> None:
    """One line on using the envs: run, shell, shell-hook, and conda's where it is installed."""
    usable = [r for r in found if r.prefix and r.env == "created"]
    if not usable:
        return
    name = usable[0].name if len(usable) == 1 else "NAME"
    line = (f"use: envmgr run {name} -- COMMAND | envmgr shell {name} | "
            f'eval "$(envmgr shell-hook {name})"')
    conda = usable[0].to_json()["activate"]["conda"]
    if conda:
        line += f" | {conda if len(usable) == 1 else 'conda activate PREFIX'}"
    click.echo(line)


def _list_all_workspaces(workspace, as_json: bool, no_size: bool) -> None:
    from ..disk import human
    from ..envs.inventory import scan
    from ..host.locations import envs_root, pkgs_dir
    from .output import table

    platform = host_platform()
    from ..host.doctor import leftover_line
    from ..host.ownership import leftover_report

    found = scan(envs_root(workspace), platform, pkgs_dir(workspace), sizes=not no_size)
    summary = {"envs_dir": str(found.envs_dir), "platform": platform}
    if not no_size:
        summary["total_size"] = found.total_size()
    left = leftover_report(found.envs_dir).to_json()
    if no_size:
        left["size"] = left["private"] = None
    if as_json:
        click.echo(json.dumps({**summary, "skipped": [str(p) for p in found.skipped],
                               "leftovers": left,
                               "environments": [row.to_json() for row in found.rows]}, indent=2))
        return
    if found.rows:
        cells = [[r.name, _home_relative(r.workspace) if r.workspace else "?", r.torch or "?",
                  r.cuda or "?", r.python or "?", r.env, shown_path(r.prefix), human(r.size)]
                 for r in found.rows]
        click.echo(table(["name", "workspace", "torch", "cuda", "python", "env", "prefix", "size"],
                         cells))
        total = f"all envs together: {human(summary['total_size'])} (shared files counted once); " \
            if "total_size" in summary else ""
        click.echo(f"\n{total}envs dir: {shown_path(found.envs_dir)}")
    else:
        click.echo(f"no environments made by envmgr in {shown_path(found.envs_dir)}")
    if found.skipped:
        count = len(found.skipped)
        click.echo(f"{count} folder{'s' if count > 1 else ''} there without envmgr's marker "
                   f"{'are' if count > 1 else 'is'} not envmgr's: not listed")
    if left["count"] and no_size:
        click.echo(f"{left['count']} leftover folder{'s' * (left['count'] != 1)} of interrupted "
                   "creates/removes: the next `envmgr create` or `envmgr remove` deletes them")
    elif left["count"]:
        click.echo(f"{left['count']} leftover {leftover_line(left).split(' ', 1)[1]}")
    for row in found.rows:
        for problem in row.problems:     # orphaned, out of sync, a marker too old to say
            fix = f" (fix: {problem['fix']})" if problem["fix"] else ""
            click.echo(f"{row.name}: {problem['message']}{fix}", err=True)


def _home_relative(path: str) -> str:
    """``~/proj`` for a folder under the home directory: the workspace as its owner knows it."""
    from pathlib import Path

    try:
        return str(Path("~") / Path(path).relative_to(Path.home()))
    except ValueError:
        return path


# -- remove -------------------------------------------------------------------------------------
@cli.command()
@click.argument("name")
@click.option("--yes", "-y", is_flag=True, help="Do not ask for confirmation.")
@click.option("--force", is_flag=True,
              help="Also remove it when another workspace created it (same name, same envs dir).")
@click.option("--spec", "with_spec", is_flag=True,
              help="Also delete envs/NAME.yaml and its lockfiles.")
@click.option("--json", "as_json", is_flag=True, help="Print what was removed as JSON.")
def remove(name, yes, force, with_spec, as_json):
    """Remove an environment envmgr created; keep its spec and lockfile unless --spec.

    Never deletes a folder envmgr did not create; also deletes what an interrupted create left
    of NAME. An environment another workspace created is refused unless --force (--yes only skips
    the question). Exit 1 when NAME has a spec but no
    environment, 2 when it names neither.

    \b
    Examples:
      envmgr remove paper-2021
      envmgr remove paper-2021 --yes --spec
    """
    from ..envs.environments import lock_timeout

    workspace = find_workspace()
    lock_timeout()                 # a bad ENVMGR_LOCK_TIMEOUT is refused before anything is asked
    try:
        _remove(workspace, name, yes, force, with_spec, as_json)
    except EnvmgrError as err:
        if not as_json:
            raise
        from ..host.locations import envs_root

        # remove's object with nothing removed, the error as its problem; the usual exit code
        click.echo(json.dumps({"name": name, "ok": False, "prefix": str(envs_root(workspace) / name),
                               "env_removed": False, "files_removed": [], "leftovers_removed": [],
                               "problems": [spec_problem(workspace, name, err, "remove-failed")]},
                              indent=2))
        sys.exit(err.exit_code)


def _remove(workspace, name, yes, force, with_spec, as_json) -> None:
    from ..envs.environments import Environment

    env = Environment.named(name, workspace)
    with labelled("foreign-env"):
        env.refuse_foreign()
    if not force:
        with labelled("other-workspace"):
            env.refuse_other_workspace("remove")
    spec_files = [p for p in (workspace.spec_path(name), workspace.lockfile(name),
                              workspace.virtual_packages_file(name),
                              workspace.environment_file(name)) if p.exists()] if with_spec else []
    leftovers = env.leftovers()     # what a killed create left: remove cleans it too
    if not env.exists() and not spec_files and not leftovers:
        if not workspace.spec_path(name).is_file():
            raise no_such_name(workspace, name)
        raise coded(EnvmgrError(f"no environment '{name}' at {env.prefix}", file=env.prefix,
                                fix="envmgr list shows the environments and where they are"), "no-env")
    _refuse_undeletable(name, ([env.prefix] if env.exists() else []) + leftovers, spec_files)
    if not yes and sys.stdin.isatty():
        targets = [str(p) for p in ([env.prefix] if env.exists() else []) + leftovers + spec_files]
        click.confirm(f"remove {', '.join(targets)}?", abort=True, err=True)
    removed_env = env.exists()
    with env.locked(notify=warn):
        cleaned = env.clean_leftovers(others=True)
        env.remove(force=force)
    for path in spec_files:
        path.unlink()
    if as_json:
        click.echo(json.dumps({"name": name, "ok": True, "prefix": str(env.prefix),
                               "env_removed": removed_env,
                               "files_removed": [str(p) for p in spec_files],
                               "leftovers_removed": [str(p) for p in cleaned], "problems": []},
                              indent=2))
        return
    for path in cleaned:
        click.echo(f"removed {shown_path(path)} (left by an interrupted create)")
    if removed_env:
        click.echo(f"removed {name} ({shown_path(env.prefix)})")
    for path in spec_files:
        click.echo(f"removed {shown_path(path)}")


def _refuse_undeletable(name: str, prefixes: list, spec_files: list) -> None:
    """Every path remove would delete must be deletable before the first one goes: a read-only
    lockfiles/ must not leave the spec gone and its lockfiles behind."""
    from ..envs.environments import undeletable

    found = undeletable([*prefixes, *spec_files])
    if found:
        path, folder = found
        raise coded(EnvmgrError(f"cannot delete {shown_path(path)}: its folder {shown_path(folder)} "
                                "is read-only; nothing was removed", file=folder,
                                fix=f"make {shown_path(folder)} writable" + (
                                    f", or run `envmgr remove {name}` without --spec to keep the "
                                    "spec and lockfiles" if path in spec_files else "")),
                    "not-deletable")


def _envs_root(workspace):
    from ..host.locations import envs_root

    return envs_root(workspace)
