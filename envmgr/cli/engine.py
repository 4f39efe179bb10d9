"""lock: solve specs with the embedded rattler engine into conda-lock files."""
from __future__ import annotations

import shlex
import time

import click

from ..knowledge.asof import RELEASE_MARGIN_DAYS
from ..errors import EnvmgrError, UsageError
from . import cli
from .parallelrun import run_tasks
from .output import emit_json, shown_path, spec_problem


def _names(workspace, names, all_) -> list[str]:
    if names and all_:
        raise UsageError("give NAMEs or --all, not both", fix="drop --all, or the names")
    if names:
        return list(dict.fromkeys(names))
    found = workspace.spec_names()
    if not found:
        raise UsageError(f"no specs in {shown_path(workspace.envs_dir)}",
                         fix='envmgr new NAME "torch 2.4 + cu121"')
    return found


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Every spec in envs/ (the default when no NAME is given).")
@click.option("--update", is_flag=True, help="Solve again even when the lockfile is fresh.")
@click.option("--check", "check_only", is_flag=True,
              help="Never solve: exit 1 naming each lockfile that is missing or stale, 0 when all are fresh.")
@click.option("--as-of", "as_of", metavar="DATE|release|none",
              help="Solve with only the packages uploaded before DATE (YYYY-MM-DD), or before the torch "
                   f"release + {RELEASE_MARGIN_DAYS} days; wins over the spec's as_of and is remembered "
                   "by the lock; `none` drops it.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Lock up to N specs at once, in separate processes (default: the number of "
                   "CPUs); results and exit code are those of a run one by one.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list, one object per spec (failures included, with ok false).")
def lock(names, all_, update, check_only, as_of, jobs, as_json):
    """Lock specs into lockfiles/NAME.conda-lock.yml (conda-lock format, one solve per platform).

    \b
    A fresh lockfile is left as it is; --update solves again (the file only changes when the
    solution does). Channel names resolve through ENVMGR_CHANNEL_ALIAS / channel_alias in
    envmgr.yaml (default https://conda.anaconda.org/); `defaults` through ENVMGR_DEFAULT_CHANNELS /
    default_channels (default https://repo.anaconda.com/pkgs/main).

    \b
    Examples:
      envmgr lock paper-2021
      envmgr lock --check            (CI: exit 1 when a lockfile is missing or stale)
      envmgr lock paper-2021 --update --as-of release
    """
    from ..specs.workspace import find_workspace

    if as_of is not None:
        from ..knowledge.asof import check_request

        as_of = check_request(as_of, flag=True)
    workspace = find_workspace()
    selected = _names(workspace, names, all_)
    if check_only:
        if update:
            raise UsageError("--check never solves; --update does", fix="use one of them")
        _check(workspace, selected, as_json, as_of)
        return
    if len(selected) == 1:
        _lock_alone(workspace, selected[0], update, as_of, as_json)
        return
    # --json: a list, one object per spec (as check and create print), failures included
    from ..engine.solve import shared_repodata

    tasks = [{"name": name, "update": update, "as_of": as_of} for name in selected]
    with shared_repodata():         # each channel's repodata read once for all the specs
        outcomes = run_tasks(lock_task, tasks, jobs, as_json, "lock")
    exit_code = max(outcome["exit_code"] for outcome in outcomes)
    if as_json:
        emit_json([outcome["object"] for outcome in outcomes])
    if exit_code:
        raise click.exceptions.Exit(exit_code)


def _lock_alone(workspace, name, update, as_of, as_json) -> None:
    """One spec: its error is the command's error (one line, its own exit code)."""
    from ..engine.lock import LockResult, lock_environment

    started = time.perf_counter()
    try:
        result = lock_environment(workspace, name, update=update, as_of=as_of)
    except EnvmgrError as err:
        if not as_json:
            raise
        emit_json([LockResult.failure_json(name, workspace.lockfile(name), time.perf_counter() - started,
                                           spec_problem(workspace, name, err, "lock-failed"))])
        raise click.exceptions.Exit(err.exit_code)
    if as_json:
        emit_json([result.to_json()])
    else:
        for line in _result_lines(result):
            click.echo(line)


def lock_task(task: dict) -> dict:
    """One spec of a many-spec ``lock``, run here or in a worker process (envmgr/host/parallel):
    its JSON object, exit code (1 for a failure, as in a sequential run of several) and the lines
    a sequential run prints for it, as [text, to_stderr]."""
    from ..engine.lock import LockResult, lock_environment
    from ..specs.workspace import find_workspace

    workspace = find_workspace()
    name, started = task["name"], time.perf_counter()
    try:
        result = lock_environment(workspace, name, update=task["update"], as_of=task["as_of"])
    except EnvmgrError as err:
        return {"object": LockResult.failure_json(name, workspace.lockfile(name),
                                                  time.perf_counter() - started,
                                                  spec_problem(workspace, name, err, "lock-failed")),
                "exit_code": 1, "lines": [[f"error: {name}: {err}", True]],
                "summary": f"failed: {err.message.splitlines()[0]}"}
    return {"object": result.to_json(), "exit_code": 0,
            "lines": [[line, False] for line in _result_lines(result)],
            "summary": f"{result.action} ({result.seconds:.1f} s)"}


def _result_lines(result) -> list[str]:
    counts = ", ".join(f"{p} {n}" for p, n in result.packages.items())
    verb = {"fresh": "fresh, left as is", "locked": "locked", "updated": "re-locked",
            "unchanged": "re-solved, unchanged"}[result.action]
    detail = f" ({counts} packages)" if counts else ""
    lines = [f"{result.name}: {verb}{detail} -> {shown_path(result.lockfile)} "
             f"({result.seconds:.2f} s)"]
    lines += [f"  note: {note}" for note in result.notes]
    return lines


def _check(workspace, names, as_json, as_of=None) -> None:
    from ..engine.lock import check_locks

    rows = check_locks(workspace, names, as_of)
    unknown = [r for r in rows if any(p["code"] == "unknown-spec" for p in r["problems"])]
    bad = [r for r in rows if not r["ok"] and r not in unknown]
    if as_json:
        emit_json(rows)   # a list, one object per spec, like lock --json
    else:
        for row in unknown:
            problem = row["problems"][0]
            click.echo(f"error: {shown_path(problem['file'])}: {problem['message']} "
                       f"(fix: {problem['fix']})", err=True)
        for row in rows:
            if row in unknown:
                continue
            reason = f": {row['reason']}" if row["reason"] else ""
            click.echo(f"{row['name']}: {row['state']}{reason}", err=row["state"] != "fresh")
        if bad:
            again = f" --as-of {as_of}" if as_of else ""
            names = " ".join(shlex.quote(r["name"]) for r in bad)   # envs/a b.yaml is 'a b'
            click.echo(f"run `envmgr lock {names}{again}`", err=True)
    if unknown or bad:   # a name with no spec is a usage error (exit 2), as everywhere
        raise click.exceptions.Exit(2 if unknown else 1)
