"""check, render, matrix: the commands that need no solver (and import none); new is in new.py."""
from __future__ import annotations

import functools
import sys

import click

from ..errors import EnvmgrError, UsageError
from . import cli
from .output import absolute_path, emit_json, error_problem, problem_lines, spec_problem, table


def _workspace():
    from ..specs.workspace import find_workspace

    return find_workspace()


def _names_or_all(workspace, names) -> list[str]:
    if names:
        return list(names)
    found = workspace.spec_names()
    if not found:
        raise UsageError(f"no specs in {workspace.envs_dir}",
                         fix='envmgr new NAME "torch 2.4 + cu121"')
    return found


def _warn_overrides(host) -> None:
    """Contradicting machine overrides (e.g. ENVMGR_NO_GPU with ENVMGR_GPU), said once."""
    for warning in getattr(host, "warnings", ()):
        click.echo(f"warning: {warning}", err=True)


# -- check -----------------------------------------------------------------------------------

def _check_one(workspace, name, host):
    """(result, spec, error) for one named spec; a spec that cannot be read is a usage error
    (``error``: the EnvmgrError, for --json)."""
    from ..compat.check import CheckResult, check
    from ..knowledge.facts import load
    from ..models import Problem
    from ..specs.pipeline import load_named_spec

    try:
        spec = load_named_spec(workspace, name)
    except EnvmgrError as err:
        result = CheckResult(name=name, resolved=None,
                             problems=[Problem(code="spec-error", message=str(err), fix=err.fix)])
        return result, None, err
    result = check(spec, load())
    if host and result.resolved is not None:
        result.problems += _host_problems(result.resolved)
    return result, spec, None


def _check_json(workspace, result, error) -> dict:
    """check's object for one spec; a spec that cannot be read gets the error's own problem
    (message without the file, which is a key of its own, absolute)."""
    data = result.to_json()
    if error is not None:
        data["problems"] = [spec_problem(workspace, result.name, error, "spec-error")]
    return data


@functools.cache
def this_host():
    """This machine, detected once per command (its override warnings said once)."""
    from ..host.detect import detect
    from ..knowledge.facts import load

    host = detect(kb=load())
    _warn_overrides(host)
    return host


def _host_problems(resolved):
    from ..compat.hostcheck import host_problems
    from ..knowledge.facts import load

    return host_problems(resolved, this_host(), load())


def _print_result(workspace, result, spec) -> None:
    from ..specs.pipeline import relative
    from ..specs.render import stack_label

    if result.ok:
        resolved = result.resolved
        click.echo(f"{result.name}: ok  {stack_label(resolved)}; route: {resolved.route}")
    else:
        count = len(result.errors)
        click.echo(f"{result.name}: {count} problem{'s' * (count != 1)}")
    where = relative(workspace, spec.path) if spec is not None and spec.path else None
    shown = [p for p in result.problems if p.code != "spec-error"]
    for line in problem_lines(shown, where, spec):
        click.echo(line)
    for problem in result.problems:
        if problem.code == "spec-error":
            click.echo(f"  error: {problem.message}")


@cli.command()
@click.argument("names", nargs=-1)
@click.option("--stack", "stack", metavar="STACK", help='Check one stack instead, e.g. "torch 1.10 + cu102".')
@click.option("--host", is_flag=True, help="Also check this machine's driver and GPUs against each stack.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON list, one object per spec.")
def check(names, stack, host, as_json):
    """Validate specs (default: all in envs/) or one --stack against the knowledge base.

    Every problem comes with the fact behind it, its source and the nearest fix.
    Exit 0 when all are valid, 1 when any has problems, 2 for usage errors.

    \b
    Examples:
      envmgr check
      envmgr check --stack "torch 1.10 + cu121"
      envmgr check paper-2021 --host --json
    """
    from ..compat.check import check as check_spec
    from ..knowledge.facts import load
    from ..specs.specfile import spec_from_stack

    workspace = _workspace()
    this_host.cache_clear()
    outcomes = []
    if stack is not None:
        if names:
            raise UsageError("give spec names or --stack, not both", fix=f'envmgr check --stack "{stack}"')
        try:
            spec = spec_from_stack("stack", stack)
        except UsageError as err:
            if not as_json:
                raise
            emit_json([{"name": "stack", "ok": False,
                        "problems": [error_problem(err, "invalid-stack")], "resolved": None}])
            sys.exit(err.exit_code)
        result = check_spec(spec, load())
        if host and result.resolved is not None:
            result.problems += _host_problems(result.resolved)
        outcomes.append((result, None, None))
    else:
        outcomes = [_check_one(workspace, name, host) for name in _names_or_all(workspace, names)]
    if as_json:
        emit_json([_check_json(workspace, result, error) for result, _, error in outcomes])
    else:
        for result, spec, _ in outcomes:
            _print_result(workspace, result, spec)
    if any(error is not None for _, _, error in outcomes):
        sys.exit(2)
    sys.exit(0 if all(result.ok for result, _, _ in outcomes) else 1)


# -- render ----------------------------------------------------------------------------------

@cli.command()
@click.argument("names", nargs=-1)
@click.option("--stdout", "to_stdout", is_flag=True, help="Print the environment file instead of writing it.")
@click.option("--json", "as_json", is_flag=True,
              help="Print a JSON list, one object per spec: name, ok, path, action, route, problems.")
def render(names, to_stdout, as_json):
    """Write lockfiles/NAME.environment.yml for each spec (default: all), or print it.

    The file is a standard conda environment file; the CUDA variant is pinned so no solver can
    fall back to a CPU build. The same spec always renders byte-identical output.

    \b
    Examples:
      envmgr render paper-2021
      envmgr render paper-2021 --stdout > environment.yml
    """
    from ..atomic import write_text_if_changed
    from ..specs.pipeline import load_named_spec, relative, render_spec, resolve_spec

    if to_stdout and as_json:
        raise UsageError("--stdout prints the file, --json a report: give one of them",
                         fix="drop --stdout or --json")
    workspace = _workspace()
    failures, usage_errors, objects = 0, 0, []
    for name in _names_or_all(workspace, names):
        path = workspace.environment_file(name)
        try:
            spec = load_named_spec(workspace, name)
            resolved = resolve_spec(workspace, spec)
        except EnvmgrError as err:
            if as_json:
                objects.append({"name": name, "ok": False, "path": absolute_path(path),
                                "action": None, "route": None,
                                "problems": [spec_problem(workspace, name, err, "spec-error")]})
            else:
                click.echo(f"error: {err}", err=True)
            failures += 1
            usage_errors += isinstance(err, UsageError)
            continue
        text = render_spec(workspace, spec, resolved)
        if to_stdout:
            click.echo(text, nl=False)
            continue
        changed = write_text_if_changed(path, text)
        state = "wrote" if changed else "unchanged"
        if as_json:
            objects.append({"name": name, "ok": True, "path": absolute_path(path), "action": state,
                            "route": resolved.route, "problems": []})
        else:
            click.echo(f"{state} {relative(workspace, path)}  (route: {resolved.route})")
    if as_json:
        emit_json(objects)
    sys.exit(2 if usage_errors else 1 if failures else 0)


# -- matrix ----------------------------------------------------------------------------------

@cli.command()
@click.option("--torch", "torch", metavar="X.Y[.Z]", help="Only this torch minor or release.")
@click.option("--cuda", "cuda", metavar="X.Y", help="Only releases built for this CUDA; also shows its minimum driver.")
@click.option("--json", "as_json", is_flag=True, help="Print the table as JSON.")
def matrix(torch, cuda, as_json):
    """The compatibility table: torch | torchvision | torchaudio | python | CUDA variants.

    \b
    Examples:
      envmgr matrix --torch 1.10
      envmgr matrix --cuda 11.8
    """
    from ..knowledge.facts import load
    from ..knowledge.matrix import TABLE_HEADERS, matrix as build_matrix, table_rows

    kb = load()
    for flag, value in (("--torch", torch), ("--cuda", cuda)):
        if value is not None and not value.strip():
            raise UsageError(f"{flag} is empty", fix=f"{flag} 1.10 (or leave it out for every release)")
    if cuda:
        from ..specs.stack import cuda_version

        try:
            cuda = cuda_version(cuda) or cuda   # cu118 and 11.8 both work, as in a stack
        except UsageError:
            pass                                 # matrix says which toolkits it knows
    data = build_matrix(kb, torch, cuda)
    if as_json:
        emit_json(data)
        return
    info = data["toolkit"]
    if info:
        compat_l = info["minor_compat_driver_linux"]
        compat_w = info["minor_compat_driver_windows"]
        click.echo(f"CUDA {cuda}: minimum driver Linux {info['min_driver_linux']}"
                   + (f" ({compat_l} with minor-version compatibility)" if compat_l else "")
                   + f", Windows {info['min_driver_windows'] or 'n/a'}"
                   + (f" ({compat_w} with minor-version compatibility)" if compat_w else ""))
        click.echo(f"  compiles for compute capabilities {', '.join(info['archs'])}")
    if not data["releases"]:
        wanted = " + ".join(part for part in (f"torch {torch}" if torch else "",
                                               f"CUDA {cuda}" if cuda else "") if part)
        click.echo(f"no torch release matches {wanted}" if wanted else "no torch release matches")
        return
    click.echo(table(TABLE_HEADERS, table_rows(data["releases"])))
    click.echo(f"knowledge base {data['kb_version']}")
    if data.get("overlay"):
        click.echo(f"* facts from the knowledge overlay {data['overlay']['path']} (refreshed "
                   f"{data['overlay']['refreshed']}; envmgr knowledge show lists them)")
