"""run, shell, shell-hook: use an environment without conda.

All three first make sure the environment matches its committed lockfile: missing or out of
sync, it is created or updated from the lockfile (create's own path; never a solve), with one
line on stderr. ``--frozen`` / ``ENVMGR_FROZEN=1`` and ``--no-install`` refuse instead.
An environment already in sync costs a marker read and a hash of the lockfile; with the
activation cache (envmgr/envs/activation.py) ``run`` imports neither rattler nor conda-lock.
"""
from __future__ import annotations

import hashlib
import os
import sys

import click

from . import cli
from ..errors import EnvmgrError
from ..specs.workspace import find_workspace
from .envs import Overrides, create_one, give_variables, host_platform, no_such_name, warn
from .output import coded, labelled, shown_path

FROZEN_VARIABLE = "ENVMGR_FROZEN"


def _frozen(flag: bool) -> bool:
    return flag or os.environ.get(FROZEN_VARIABLE, "").strip().lower() in ("1", "true", "yes", "on")


def ready_environment(workspace, name: str, *, frozen: bool, no_install: bool):
    """The environment NAME, in sync with its lockfile: as it is, or created/updated from the
    lockfile (never re-solved). ``frozen``: refuse instead of installing, and refuse a lockfile
    that is stale against its spec; ``no_install``: refuse instead of installing."""
    from ..envs.environments import Environment

    env = Environment.named(name, workspace)
    lockfile = workspace.lockfile(name)
    if env.in_sync(lockfile, host_platform()) and env.other_workspace() is None:
        if frozen:
            _refuse_stale_lock(workspace, name)
        return env
    if not workspace.spec_path(name).is_file() and not env.exists():
        raise no_such_name(workspace, name)
    with labelled("foreign-env"):
        env.refuse_foreign()
    with labelled("other-workspace"):
        env.refuse_other_workspace("run")
    if not lockfile.is_file():
        raise coded(EnvmgrError(f"{name} has no lockfile; envmgr installs environments from "
                                "the committed lockfile and does not solve here", file=lockfile,
                                fix=f"run `envmgr lock {name}` (and commit lockfiles/)"),
                    "lock-missing")
    state = "missing" if not env.exists() else f"out of sync with {shown_path(lockfile)}"
    if frozen or no_install:
        flag = "--frozen" if frozen else "--no-install"
        raise coded(EnvmgrError(f"environment {name} is {state}, and {flag} does not install it",
                                file=env.prefix, fix=f"run `envmgr create {name}`, or drop {flag}"),
                    "no-env" if not env.exists() else "env-out-of-sync")
    if env.exists():
        warn(f"updating {name}: it is out of sync with {shown_path(lockfile)} ...")
    else:
        warn(f"creating {name} from {shown_path(lockfile)} ...")
    create_one(workspace, name, relock=False, overrides=Overrides(), progress=False,
               say=lambda message: None)
    return env


def _refuse_stale_lock(workspace, name: str) -> None:
    from ..engine.freshness import stale_code, stale_message, state as lock_state
    from ..engine.lockfacts import FRESH

    state, reason = lock_state(workspace, name)
    if state != FRESH:
        raise coded(EnvmgrError(stale_message(reason), file=workspace.lockfile(name),
                                fix=f"run `envmgr lock {name}` and commit the lockfile, or drop "
                                    f"--frozen / {FROZEN_VARIABLE}"), stale_code(reason))


def _prepared(name: str, frozen: bool, no_install: bool):
    workspace = find_workspace()
    env = ready_environment(workspace, name, frozen=_frozen(frozen), no_install=no_install)
    give_variables(workspace, env)
    return env


def _kind(shell_name: str | None) -> str:
    from ..envs import shells

    return shells.check_kind(shell_name) if shell_name else shells.detect_kind()


_FROZEN_HELP = (f"Refuse (exit 1) instead of creating or updating the environment, and refuse a "
                f"lockfile that is stale against its spec (also {FROZEN_VARIABLE}=1). For CI.")
_NO_INSTALL_HELP = "Only use an environment already in sync with its lockfile; never install."
_SHELL_HELP = "bash, zsh, fish, powershell or cmd (default: the shell you run, else $SHELL)."


@cli.command(context_settings={"ignore_unknown_options": True, "allow_interspersed_args": False})
@click.option("--frozen", is_flag=True, help=_FROZEN_HELP)
@click.option("--no-install", is_flag=True, help=_NO_INSTALL_HELP)
@click.argument("name")
@click.argument("command", nargs=-1, required=True, type=click.UNPROCESSED)
def run(name, command, frozen, no_install):
    """Run COMMAND inside environment NAME, activated as `conda activate` does it.

    \b
      envmgr run paper-2021 -- python train.py --epochs 1

    PATH, CONDA_PREFIX, CONDA_DEFAULT_ENV, the spec's `variables:`, the packages'
    env_vars.d and activate.d scripts, the env's conda-meta/state. A missing or out-of-sync
    environment is first created or updated from its lockfile (never re-solved; no lockfile:
    run `envmgr lock NAME`). COMMAND gets envmgr's terminal, stdin, stdout, stderr and signals;
    envmgr exits with its exit code (127: not found). Options go before NAME; everything after
    NAME (or after --) is the command.

    \b
    Examples:
      envmgr run paper-2021 -- python train.py --epochs 1
      envmgr run --frozen current -- pytest -q
    """
    from ..envs.activation import activated_environment
    from ..envs.launch import execute

    argv = list(command[1:] if command and command[0] == "--" else command)
    if not argv:
        raise click.UsageError("no command given: envmgr run NAME -- COMMAND [ARGS]...")
    env = _prepared(name, frozen, no_install)
    environ, activation = activated_environment(env.prefix, name, env.marker() or {})
    for message in activation.skipped:
        warn(f"note: {name}: {message}")
    sys.exit(execute(argv, environ, f"environment {name}"))


@cli.command("shell-hook")
@click.argument("name")
@click.option("--shell", "shell_name", metavar="KIND", help=_SHELL_HELP)
@click.option("--frozen", is_flag=True, help=_FROZEN_HELP)
@click.option("--no-install", is_flag=True, help=_NO_INSTALL_HELP)
def shell_hook(name, shell_name, frozen, no_install):
    """Print the script that activates NAME in your shell, for eval, CI steps and direnv.

    \b
      eval "$(envmgr shell-hook paper-2021)"                 bash, zsh
      envmgr shell-hook paper-2021 --shell fish | source     fish
      envmgr shell-hook paper-2021 --shell powershell | Out-String | Invoke-Expression

    The script is what `envmgr run` applies; an activate.d script this shell cannot run
    (e.g. a .bat in bash) is named on stderr and in a comment.

    \b
    Examples:
      envmgr shell-hook paper-2021 > activate-paper.sh
      envmgr shell-hook paper-2021 --shell fish
    """
    from ..envs.activation import hook_script, skipped_scripts

    kind = _kind(shell_name)
    env = _prepared(name, frozen, no_install)
    for message in skipped_scripts(env.prefix, kind):
        warn(f"note: {name}: {message}")
    click.echo(hook_script(env.prefix, name, kind), nl=False)


@cli.command()
@click.argument("name")
@click.option("--shell", "shell_name", metavar="KIND", help=_SHELL_HELP)
@click.option("--frozen", is_flag=True, help=_FROZEN_HELP)
@click.option("--no-install", is_flag=True, help=_NO_INSTALL_HELP)
def shell(name, shell_name, frozen, no_install):
    """Start an interactive shell with NAME activated; `exit` returns to where you were.

    The shell runs your own start-up file (~/.bashrc, ~/.zshrc, fish's config), then the
    activation, and its prompt starts with (NAME). The exit code is the shell's.

    \b
    Examples:
      envmgr shell paper-2021
      envmgr shell paper-2021 --shell zsh
    """
    from ..envs import shells
    from ..envs.activation import cache_root, hook_script, skipped_scripts
    from ..envs.launch import execute

    kind = _kind(shell_name)
    program = shells.executable(kind)
    if program is None:
        raise EnvmgrError(f"no {kind} found on PATH", fix="install it, or pick another with --shell")
    env = _prepared(name, frozen, no_install)
    for message in skipped_scripts(env.prefix, kind):
        warn(f"note: {name}: {message}")
    text = "\n".join([*shells.rc_preamble(kind), hook_script(env.prefix, name, kind).rstrip("\n"),
                      *shells.prompt_lines(kind, name)]) + "\n"
    # named by its content: two shells of different PATHs never read each other's file
    folder = cache_root().parent / "shell" / hashlib.sha256(text.encode()).hexdigest()[:24]
    rc_file = folder / shells.rc_file_name(kind)
    _write_rc(rc_file, text)
    argv, extra = shells.interactive_command(kind, program, rc_file)
    sys.exit(execute(argv, {**os.environ, **extra}, "this machine"))


def _write_rc(path, text: str) -> None:
    from ..atomic import write_text_atomic

    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, text)
        _forget_old_rc_files(path.parent.parent, keep=path.parent)
    except OSError as exc:
        raise EnvmgrError(f"cannot write the shell's activation file: {exc.strerror}",
                          file=path, fix="check that envmgr's cache dir (ENVMGR_CACHE_DIR) is "
                                         "writable") from None


def _forget_old_rc_files(folder, keep, days: float = 7) -> None:
    """Activation files of shells started more than a week ago: no shell reads them again soon
    (a shell reads its file once, when it starts)."""
    import shutil
    import time

    cutoff = time.time() - days * 86400
    for old in folder.iterdir():
        try:
            if old != keep and old.is_dir() and old.stat().st_mtime < cutoff:
                shutil.rmtree(old, ignore_errors=True)
        except OSError:
            continue
