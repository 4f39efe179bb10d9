"""create: install environments from their lockfiles, side by side; and the helpers that the
other commands on environments on disk (list, remove: envinfo.py; verify: verify.py) share with it."""
from __future__ import annotations

import json
import sys
import time

from dataclasses import dataclass
from typing import TYPE_CHECKING

import click

from . import cli
from ..errors import EnvmgrError, UsageError
from ..specs.workspace import find_workspace
from .output import coded, labelled, shown_path, spec_problem

if TYPE_CHECKING:
    from ..envs.environments import Environment


def host_platform() -> str:
    from ..engine.install import host_platform as detect_platform

    return detect_platform()


def _names(workspace, names: tuple[str, ...], all_: bool) -> list[str]:
    if names and all_:
        raise UsageError("give NAMEs or --all, not both", fix="drop --all, or the names")
    if all_:
        found = workspace.spec_names()
        if not found:
            raise UsageError("no specs in envs/", file=shown_path(workspace.envs_dir),
                             fix='envmgr new NAME "torch 2.4 + cu121"')
        return found
    if not names:
        found = workspace.spec_names()
        fix = (f"envmgr create {found[0]} (specs here: {', '.join(found)}), or envmgr create --all"
               if found else 'no specs here yet: envmgr new NAME "torch 2.4 + cu121"')
        raise UsageError("name at least one environment, or pass --all", fix=fix)
    return list(names)


def no_such_name(workspace, name: str) -> UsageError:
    """A name with neither a spec nor an environment: a usage error (exit 2), like check/lock."""
    from ..specs.pipeline import relative

    known = ", ".join(workspace.spec_names()) or "none yet"
    error = UsageError(f"no spec or environment named '{name}' (specs: {known})",
                       file=relative(workspace, workspace.spec_path(name)),
                       fix=f'`envmgr list` shows what exists; `envmgr new {name} "torch 2.4 + cu121"` '
                           "starts a spec")
    return coded(error, "unknown-spec")


def _say(as_json: bool):
    """Progress ("locking...", "installing..."): stderr, so stdout holds only results."""
    return (lambda message: None) if as_json else warn


def warn(message: str) -> None:
    """Always shown (on stderr, so --json output stays clean): waiting on a lock, for instance."""
    click.echo(message, err=True)


# -- create -------------------------------------------------------------------------------------
def _ready_lockfile(workspace, name: str, relock: bool, say) -> None:
    """Lock when there is no lockfile; refuse a stale one unless ``relock``."""
    from ..engine.freshness import state as lock_state
    from ..engine.lockfacts import FRESH, MISSING
    from ..specs.pipeline import load_named_spec

    load_named_spec(workspace, name)  # a clear error for an unknown name, before anything else
    # The fast check (recorded facts, no conda-lock import) keeps a no-op create quick.
    state, reason = lock_state(workspace, name)
    if state == FRESH:
        return
    lockfile = workspace.lockfile(name)
    if state != MISSING and not relock:
        from ..engine.freshness import stale_code, stale_message

        raise coded(EnvmgrError(stale_message(reason), file=lockfile,
                                fix=f"run `envmgr lock {name}` (or `envmgr create {name} --relock`)"),
                    stale_code(reason))
    say(f"{'locking' if state == MISSING else 're-locking'} {name} ...")
    from ..engine.lock import lock_environment

    with labelled("lock-failed"):
        lock_environment(workspace, name)


@dataclass(frozen=True)
class Overrides:
    """What create may do that it refuses by default; each flag means one thing."""

    recreate: bool = False      # rebuild an environment that already matches its lockfile
    ignore_host: bool = False   # install although this machine's driver or GPU cannot run it
    take_over: bool = False     # replace the environment another workspace created

    @classmethod
    def from_force(cls, force: bool, recreate: bool, ignore_host: bool, take_over: bool):
        if force:   # the old catch-all: all three, said once so scripts can move to the flag they mean
            warn("warning: --force is deprecated: it means --recreate --ignore-host --take-over; "
                 "give the one you mean")
            return cls(True, True, True)
        return cls(recreate, ignore_host, take_over)


def create_one(workspace, name: str, *, relock: bool, overrides: Overrides, progress: bool,
               say, verify_cache: bool = False) -> dict:
    """create's object for one environment: name, ok, prefix, lockfile, platform, action,
    packages, pip_packages (null when nothing was installed), seconds, problems (the host's
    warnings and notes)."""
    started = time.perf_counter()
    from ..envs.environments import Environment

    env = Environment.named(name, workspace)
    platform = host_platform()
    from ..paths import require_encodable
    from pathlib import Path

    require_encodable(current_folder=Path.cwd(), workspace=workspace.root, environment=env.prefix,
                      package_cache=env.pkgs_dir)
    _refuse_others(env, overrides.take_over)   # before locking: no point solving for a refusal
    _ready_lockfile(workspace, name, relock, say)
    lockfile = workspace.lockfile(name)
    result = {"name": name, "ok": True, "prefix": str(env.prefix), "lockfile": str(lockfile),
              "platform": platform}
    if not overrides.recreate and env.in_sync(lockfile, platform):
        give_variables(workspace, env)
        return _up_to_date(result, env, started, [])
    problems = _refuse_if_host_cannot_run(workspace, name, overrides.ignore_host, say)
    with env.locked(notify=warn):
        env.clean_leftovers(others=True)      # this name's, and any other name's not in use
        _refuse_others(env, overrides.take_over)   # again: someone may have made it meanwhile
        if not overrides.recreate and env.in_sync(lockfile, platform):   # another envmgr just made it
            return _up_to_date(result, env, started, problems)
        action = "updated" if env.exists() else "created"
        with labelled("install-failed"):
            _build(workspace, env, lockfile, platform, progress, say, verify_cache)
    give_variables(workspace, env)
    marker = env.marker()
    packages, pip_packages = len(marker["packages"]), marker.get("pip_packages") or 0
    return {**result, "action": action, "packages": packages, "pip_packages": pip_packages,
            "seconds": _since(started), "problems": [p.to_json() for p in problems]}


def give_variables(workspace, env: Environment) -> None:
    """The spec's ``variables:`` into the env's conda-meta/state, as conda env create does
    (envmgr/envs/envvars.py): `conda activate` and `envmgr run` then set them."""
    from ..envs import envvars

    spec = workspace.spec_path(env.name)
    try:
        text = spec.read_bytes()
    except OSError:
        return
    if b"variables" not in text and not envvars.recorded(env.marker()):
        return          # nothing to give, nothing to take back: `envmgr run` skips the YAML
    from ..specs.specfile import load_spec

    env.sync_variables(load_spec(spec).variables)


def _up_to_date(result: dict, env: Environment, started: float, problems) -> dict:
    # the marker lists the conda packages and counts the pip ones (cheap to read: the no-op path
    # parses no lockfile); a marker older than that count gives null
    marker = env.marker() or {}
    packages = len(marker.get("packages") or [])
    return {**result, "action": "up-to-date", "packages": packages,
            "pip_packages": marker.get("pip_packages"),
            "seconds": _since(started),
            "problems": [p.to_json() for p in problems]}


def _refuse_others(env: Environment, take_over: bool) -> None:
    """A folder envmgr did not make, or (without --take-over) another workspace's environment."""
    with labelled("foreign-env"):
        env.refuse_foreign()
    if not take_over:
        with labelled("other-workspace"):
            env.refuse_other_workspace("create")


def failure_json(workspace, name: str, err, started: float) -> dict:
    """create's object for an environment it could not create: ok false, nothing done."""
    from ..host.locations import envs_root

    return {"name": name, "ok": False, "prefix": str(envs_root(workspace) / name),
            "lockfile": str(workspace.lockfile(name)), "platform": host_platform(), "action": None,
            "packages": None, "pip_packages": None, "seconds": _since(started),
            "problems": [spec_problem(workspace, name, err, "create-failed")]}


def _since(started: float) -> float:
    """Seconds since ``started``, to the millisecond (as every ``seconds`` in envmgr's JSON)."""
    return round(time.perf_counter() - started, 3)


def _refuse_if_host_cannot_run(workspace, name: str, ignore_host: bool, say) -> list:
    """The driver and GPU checks of `check --host`: refuse a stack this machine cannot run.
    Returns what it said instead of refusing (warnings and notes; with --ignore-host, the errors
    as warnings), for --json."""
    from dataclasses import replace

    from ..host.detect import detect
    from ..compat.hostcheck import host_problems
    from ..knowledge.facts import load
    from ..specs.pipeline import load_named_spec, resolve_spec

    kb = load()
    resolved = resolve_spec(workspace, load_named_spec(workspace, name))
    problems = host_problems(resolved, detect(kb=kb), kb)
    errors = [p for p in problems if p.severity == "error"]
    said = [p for p in problems if p.severity != "error"]
    for problem in said:
        say(f"{problem.severity}: {problem.message}")
    if not errors:
        return said
    if ignore_host:
        forced = [replace(p, severity="warning",
                          message=f"{p.message} (installing anyway: --ignore-host)")
                  for p in errors]
        for problem in forced:
            warn(f"warning: {problem.message}")
        return said + forced
    more = f" (and {len(errors) - 1} more: envmgr check --host {name})" if len(errors) > 1 else ""
    fix = f"{errors[0].fix}; or `envmgr create {name} --ignore-host` to install anyway" \
        if errors[0].fix else f"`envmgr create {name} --ignore-host` to install anyway"
    raise coded(EnvmgrError(f"{name} cannot run on this machine: {errors[0].message}{more}", fix=fix),
                errors[0].code)


def _build(workspace, env: Environment, lockfile, platform: str, progress: bool, say,
           verify_cache: bool = False) -> None:
    from ..engine import install
    from ..engine.linkjob import link_in_child

    from ..envs.marker import file_digest

    digest = file_digest(lockfile)           # hashed before reading: what we install is what we record
    records = install.locked_records(lockfile, platform)
    pip_count = len(install.wanted_urls(lockfile, platform)[1])   # installed by link (piplayer)
    requested = _requested_specs(workspace, env.name)
    cuda = spec_cuda(workspace, env.name)
    say(f"installing {package_counts(len(records), pip_count)} into {shown_path(env.prefix)}")
    _note_cross_device(env, say)
    record = {"lockfile": str(lockfile), "lockfile_sha256": digest, "platform": platform,
              "spec": str(workspace.spec_path(env.name)), "workspace": str(workspace.root),
              "cuda": cuda, "pip_packages": pip_count}
    # in a child process: a failed or interrupted install has stopped writing before tmp is deleted
    env.build(lambda tmp: link_in_child(lockfile, platform, digest, tmp, env.prefix, env.pkgs_dir,
                                        progress=progress, requested=requested,
                                        verify_cache=verify_cache), record)


def _requested_specs(workspace, name: str) -> list[str]:
    """The conda specs of the rendered environment file, recorded in conda-meta like conda does."""
    import yaml

    try:
        data = yaml.safe_load(workspace.environment_file(name).read_text(encoding="utf-8")) or {}
    except (OSError, yaml.YAMLError):
        return []
    return [d for d in data.get("dependencies") or [] if isinstance(d, str)]


def spec_cuda(workspace, name: str) -> str | None:
    from ..specs.pipeline import load_named_spec, resolve_spec

    try:
        return resolve_spec(workspace, load_named_spec(workspace, name)).cuda
    except EnvmgrError:
        return None


def _note_cross_device(env: Environment, say) -> None:
    import os

    try:
        env.pkgs_dir.mkdir(parents=True, exist_ok=True)
        if os.stat(env.pkgs_dir).st_dev != os.stat(env.prefix.parent).st_dev:
            say(f"note: the package cache {env.pkgs_dir} is on another filesystem than "
                f"{env.prefix.parent}, so files are copied, not hardlinked (set ENVMGR_PKGS_DIR)")
    except OSError:
        pass


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Create every spec in envs/.")
@click.option("--relock", is_flag=True, help="Re-lock a stale lockfile instead of refusing it.")
@click.option("--recreate", is_flag=True,
              help="Rebuild even when the environment already matches its lockfile.")
@click.option("--ignore-host", is_flag=True,
              help="Install even when this machine's driver or GPU cannot run the stack.")
@click.option("--take-over", is_flag=True,
              help="Replace an environment of the same name that another workspace created.")
@click.option("--force", is_flag=True,
              help="Deprecated: --recreate --ignore-host --take-over together.")
@click.option("--verify-cache", is_flag=True,
              help="Check the sha256 of every cached package file it links (not only sizes, and "
                   "hashes the first time an extracted package is used); re-extract damaged ones.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), metavar="N",
              help="Create up to N environments at once, in separate processes (default: the "
                   "number of CPUs); results and exit code are those of a run one by one.")
@click.option("--json", "as_json", is_flag=True, help="Print the result as JSON.")
def create(names, all_, relock, recreate, ignore_host, take_over, force, verify_cache, jobs, as_json):
    """Install environments exactly as their lockfiles say, side by side.

    Locks first when there is no lockfile and refuses a stale one unless --relock. Environments
    go to $ENVMGR_ENVS_DIR/NAME (else conda's envs dir, else ~/.envmgr/envs/NAME) and hardlink
    files from one package cache ($ENVMGR_PKGS_DIR, else ~/.envmgr/pkgs). An environment that
    already matches its lockfile is left alone. An environment that another workspace created
    (same name, same envs dir) is refused unless --take-over, a stack this machine's driver or
    GPU cannot run unless --ignore-host. One environment that fails does not
    stop the others; the exit code is the worst of them. Results go to stdout (--json: a list,
    one object per environment, failures included), progress and errors to stderr.

    \b
    Examples:
      envmgr create paper-2021
      envmgr create --all --relock
      envmgr create paper-2021 --recreate
    """
    from ..envs.environments import lock_timeout

    workspace = find_workspace()
    lock_timeout()                 # a bad ENVMGR_LOCK_TIMEOUT is refused before any solve
    selected = list(dict.fromkeys(_names(workspace, names, all_)))
    overrides = Overrides.from_force(force, recreate, ignore_host, take_over)
    if len(selected) == 1:
        _create_alone(workspace, selected[0], relock, overrides, verify_cache, as_json)
        return
    from dataclasses import asdict

    from .parallelrun import run_tasks

    tasks = [{"name": name, "relock": relock, "overrides": asdict(overrides),
              "verify_cache": verify_cache, "as_json": as_json} for name in selected]
    outcomes = run_tasks(create_task, tasks, jobs, as_json, "create")
    if as_json:   # always a list, one object per environment, like check --json
        click.echo(json.dumps([outcome["object"] for outcome in outcomes], indent=2))
    exit_code = max(outcome["exit_code"] for outcome in outcomes)
    if exit_code:
        sys.exit(exit_code)


def _create_alone(workspace, name: str, relock: bool, overrides: Overrides, verify_cache: bool,
                  as_json: bool) -> None:
    """One environment: its error is the command's error (one line, its own exit code)."""
    started = time.perf_counter()
    progress = sys.stderr.isatty() and not as_json
    try:
        result = create_one(workspace, name, relock=relock, overrides=overrides, progress=progress,
                            say=_say(as_json), verify_cache=verify_cache)
    except EnvmgrError as err:
        if not as_json:
            raise
        click.echo(json.dumps([failure_json(workspace, name, err, started)], indent=2))
        sys.exit(err.exit_code)
    if as_json:
        click.echo(json.dumps([result], indent=2))
    else:
        click.echo(_created_line(result))


def create_task(task: dict) -> dict:
    """One environment of a many-environment ``create``, run here or in a worker process: its
    JSON object, exit code and the lines a sequential run prints for it ([text, to_stderr]).
    In a worker (``parallel``) the progress messages stay unsaid: one line per env is printed."""
    workspace = find_workspace()
    name, started = task["name"], time.perf_counter()
    quiet = task["as_json"] or task.get("parallel")
    progress = sys.stderr.isatty() and not quiet
    try:
        result = create_one(workspace, name, relock=task["relock"],
                            overrides=Overrides(**task["overrides"]), progress=progress,
                            say=_say(bool(quiet)), verify_cache=task["verify_cache"])
    except EnvmgrError as err:
        return {"object": failure_json(workspace, name, err, started), "exit_code": err.exit_code,
                "lines": [[f"error: {name}: {err}", True]],
                "summary": f"failed: {err.message.splitlines()[0]}"}
    summary = result["action"] + (f" ({result['seconds']:.1f} s)" if result["action"] != "up-to-date" else "")
    return {"object": result, "exit_code": 0, "lines": [[_created_line(result), False]],
            "summary": summary}


def _created_line(result: dict) -> str:
    name = result["name"]
    if result["action"] == "up-to-date":
        return f"{name} is up to date ({shown_path(result['prefix'])}, " \
               f"{package_counts(result['packages'], result.get('pip_packages'))})"
    return (f"{result['action']} {name} at {shown_path(result['prefix'])} "
            f"({package_counts(result['packages'], result.get('pip_packages'))}, "
            f"{result['seconds']:.1f} s); try: envmgr verify {name}")


def package_counts(conda: int, pip: int | None) -> str:
    """"2 conda + 6 pip packages": a pip-route env's torch is among the pip ones, so a bare
    conda count would hide most of what was installed."""
    if pip:
        return f"{conda} conda + {pip} pip packages"
    return f"{conda} conda package{'s' * (conda != 1)}"
