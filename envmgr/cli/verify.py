"""verify: import torch inside an environment and check it is the build its lockfile pins (the
probe itself is envmgr/envs/verify.py; this is its command and report)."""
from __future__ import annotations

import json
import sys

import click

from . import cli
from ..errors import EnvmgrError
from ..specs.workspace import find_workspace
from .envs import host_platform, no_such_name, spec_cuda, warn
from .output import coded, labelled, shown_path, spec_problem


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--all", "all_", is_flag=True,
              help="Every spec in envs/ whose environment exists (the others are named, skipped).")
@click.option("--files", "files", is_flag=True,
              help="Also check every installed file against its package record (size, sha256).")
@click.option("--json", "as_json", is_flag=True,
              help="Print the report as JSON (a list with --all or several names).")
def verify(names, all_, files, as_json):
    """Import torch inside the environment and check it is the build the lockfile pins.

    Reports torch, its CUDA runtime, cuDNN, whether a GPU is usable (and, on a GPU machine, the
    device, its capability and the build's arch list). Exit 1 on a mismatch, e.g. a CPU build
    where the spec asks for CUDA, or when the environment is not created yet, or when importing
    torch takes longer than ENVMGR_VERIFY_TIMEOUT seconds (default 300); exit 2 when NAME names
    neither a spec nor an environment. --files: also exit 1 when an installed file differs from
    what its package record (conda-meta) says. With --all or several names, one environment that
    fails does not stop the others; the exit code is the worst of them.

    \b
    Examples:
      envmgr verify paper-2021
      envmgr verify --all --json
      envmgr verify paper-2021 --files
    """
    from ..envs.verify import probe_timeout

    workspace = find_workspace()
    probe_timeout()                # a bad ENVMGR_VERIFY_TIMEOUT is refused before anything runs
    selected = _verify_names(workspace, names, all_)
    if len(names) == 1 and not all_:
        try:
            _emit_verify(_verify(workspace, names[0], files), as_json)
        except EnvmgrError as err:
            if not as_json:
                raise
            click.echo(json.dumps(_verify_failure(workspace, names[0], err), indent=2))
            sys.exit(err.exit_code)
        return
    results, exit_code = [], 0
    for name in selected:
        try:
            report = _verify(workspace, name, files)
        except EnvmgrError as err:
            exit_code = max(exit_code, err.exit_code)
            results.append(_verify_failure(workspace, name, err))
            if not as_json:
                click.echo(f"error: {name}: {err}", err=True)
            continue
        exit_code = max(exit_code, 0 if report.ok else 1)
        results.append(_report_json(report))
        if not as_json:
            _print_report(report)
    if as_json:
        click.echo(json.dumps(results, indent=2))
    if exit_code:
        sys.exit(exit_code)


def _verify_names(workspace, names, all_) -> list[str]:
    from ..errors import UsageError
    from ..envs.environments import Environment

    if names and all_:
        raise UsageError("give NAMEs or --all, not both", fix="drop --all, or the names")
    if names:
        return list(dict.fromkeys(names))
    if not all_:
        found = workspace.spec_names()
        raise UsageError("name an environment, or pass --all",
                         fix=f"envmgr verify {found[0]}" if found else "envmgr verify --all")
    created, skipped = [], []
    for name in workspace.spec_names():
        try:
            exists = Environment.named(name, workspace).exists()
        except EnvmgrError:
            exists = False
        (created if exists else skipped).append(name)
    if skipped:
        warn(f"not created, skipped: {', '.join(skipped)} (envmgr create --all)")
    if not created:
        raise UsageError("no environment of this workspace is created yet",
                         fix="envmgr create --all")
    return created


def _report_json(report) -> dict:
    data = report.to_json()
    if getattr(report, "files_checked", None) is not None:
        data["files_checked"] = report.files_checked
    return data


def _emit_verify(report, as_json: bool) -> None:
    if as_json:
        click.echo(json.dumps(_report_json(report), indent=2))
    else:
        _print_report(report)
    if not report.ok:
        sys.exit(1)


def _verify_failure(workspace, name: str, err) -> dict:
    """verify's object when there is nothing to probe: the same keys, nothing measured (null)."""
    from dataclasses import fields

    from ..host.locations import envs_root
    from ..envs.verify import Probe

    return {"name": name, "prefix": str(envs_root(workspace) / name), "ok": False,
            **{f.name: None for f in fields(Probe)}, "expected": None,
            "problems": [spec_problem(workspace, name, err, "verify-failed")]}


def _verify(workspace, name: str, files: bool = False):
    """verify's report for one environment (raises EnvmgrError when there is nothing to probe);
    ``files``: its installed files are checked too (the count lands in ``report.files_checked``)."""
    from ..envs import verify as verifying
    from ..envs.environments import Environment

    env = Environment.named(name, workspace)
    if not env.exists():
        if not workspace.spec_path(name).is_file():
            raise no_such_name(workspace, name)
        raise coded(EnvmgrError(f"no environment '{name}' at {env.prefix}", file=env.prefix,
                                fix=f"envmgr create {name}"), "no-env")
    with labelled("other-workspace"):
        env.refuse_other_workspace("verify")  # this workspace's lockfile says nothing about it
    lockfile = workspace.lockfile(name)
    if not lockfile.is_file():
        raise coded(EnvmgrError("no lockfile to compare with", file=lockfile, fix=f"envmgr lock {name}"),
                    "lock-missing")
    cuda = spec_cuda(workspace, name) or (env.marker() or {}).get("cuda")
    platform = host_platform()
    expected = verifying.expected_from_lock(lockfile, platform, cuda)
    advice = verifying.Advice(name, lock_stale=_lock_is_stale(workspace, name),
                              env_in_sync=env.in_sync(lockfile, platform))
    found = _checked_files(env.prefix) if files else None
    try:
        report = verifying.verify(name, env.prefix, env.python, expected, advice)
    except EnvmgrError as err:
        if found and found.changed:   # why the env's python fails, most likely: say it too
            package, changed = sorted(found.changed.items())[0]
            err.message += (f"; and {sum(map(len, found.changed.values()))} installed file(s) "
                            f"differ from their package records, e.g. {package}: {changed[0]}")
        raise
    report.files_checked = _file_problems(report, found, advice) if files else None
    return report


def _checked_files(prefix):
    from ..envs.filecheck import check_files

    return check_files(prefix)


def _file_problems(report, found, advice) -> int:
    """verify --files: one problem per package whose files differ from its record; returns how
    many files were checked."""
    from ..models import Problem

    for package, changed in sorted(found.changed.items()):
        more = f" and {len(changed) - 1} more" if len(changed) > 1 else ""
        report.problems.append(Problem(
            code="file-changed", key=package,
            message=f"{package}: {changed[0]}{more} differ{'s' * (not more)} from its package record",
            fix=advice.rebuild))
    return found.checked


def _lock_is_stale(workspace, name: str) -> bool:
    """Whether the spec changed since the lock (recorded facts only: no conda-lock import)."""
    from ..engine.freshness import state as lock_state
    from ..engine.lockfacts import STALE

    try:
        return lock_state(workspace, name)[0] == STALE
    except EnvmgrError:     # no spec any more, say: nothing to re-lock from
        return False


def _print_report(report) -> None:
    probe = report.probe
    click.echo(f"{report.name}: {shown_path(report.prefix)}")
    click.echo(f"  python  {probe.python_version}")
    if probe.import_error is None:
        click.echo(f"  torch   {probe.torch_version}  (CUDA {probe.torch_cuda or 'none: CPU build'}, "
                   f"cuDNN {probe.cudnn_version or '-'})")
        click.echo(f"  GPU     {'usable' if probe.cuda_available else 'not usable here'}"
                   + (f": {probe.device_name}, sm_{''.join(map(str, probe.device_capability or []))}"
                      if probe.device_name else ""))
        if probe.arch_list:
            click.echo(f"  arches  {' '.join(probe.arch_list)}")
    for problem in report.problems:
        fix = f" (fix: {problem.fix})" if problem.fix else ""
        click.echo(f"  {problem.severity}: {problem.message}{fix}", err=True)
    click.echo("  ok" if report.ok else "  MISMATCH")
