"""Many specs at once for ``lock`` and ``create``: each spec is a task (a module-level function
of a dict, returning its JSON object, exit code and the lines a sequential run prints for it),
run one after another or in worker processes (envmgr/host/parallel.py), printed in the order of
a sequential run."""
from __future__ import annotations

import click

from ..host.parallel import INTERRUPTED


def run_tasks(task, tasks: list[dict], jobs: int | None, as_json: bool, what: str) -> list[dict]:
    """Every task, one after another (``jobs`` 1) or in worker processes, printing what a
    sequential run prints in the same order (results on stdout, errors on stderr); in parallel,
    one progress line per spec on stderr as each finishes."""
    from ..host.parallel import default_jobs, run_each

    jobs = jobs or default_jobs()
    if jobs <= 1:
        outcomes = []
        for one in tasks:
            outcome = task({**one, "parallel": False})
            _show(outcome, as_json)
            outcomes.append(outcome)
        return outcomes
    total, done = len(tasks), []

    def progress(index, one, result):
        done.append(index)
        if as_json:
            return
        summary = result["value"]["summary"] if result["ok"] else f"failed: {result['error']}"
        click.echo(f"[{len(done)}/{total}] {one['name']}: {summary}", err=True)

    tasks = [{**one, "parallel": True} for one in tasks]     # workers print nothing themselves
    results = run_each(tasks, task, min(jobs, total), preload=PRELOAD, warm=_warm, on_done=progress)
    outcomes = []
    for one, result in zip(tasks, results):
        if result["ok"]:
            outcome = result["value"]
        elif result["error"] == INTERRUPTED:
            raise KeyboardInterrupt
        else:    # an error no stage turned into an EnvmgrError: still one line, still that spec's object
            outcome = {"object": {"name": one["name"], "ok": False, "problems": [
                {"code": f"{what}-failed", "message": result["error"], "fix": None,
                 "severity": "error"}]}, "exit_code": 1,
                "lines": [[f"error: {one['name']}: {result['error']}", True]]}
        _show(outcome, as_json)
        outcomes.append(outcome)
    return outcomes


def _show(outcome: dict, as_json: bool) -> None:
    if as_json:
        return
    for text, to_stderr in outcome["lines"]:
        click.echo(text, err=to_stderr)


# What the workers import once, before they fork (envmgr/host/parallel.py)
PRELOAD = ["rattler", "conda_lock.src_parser", "conda_lock.content_hash",
           "conda_lock.lockfile.v2prelim.models", "envmgr.engine.lock", "envmgr.engine.solve",
           "envmgr.engine.install", "envmgr.cli.engine", "envmgr.cli.envs"]


def _warm() -> None:
    """What every spec reads, loaded once before the workers fork: the knowledge base."""
    from ..knowledge.facts import load

    load()
