"""knowledge refresh / show: the user-level overlay derived from the primary indexes."""
from __future__ import annotations

import sys

import click

from ..errors import EnvmgrError
from . import cli
from .output import emit_json, error_problem


@cli.group()
def knowledge():
    """The knowledge base's user-level overlay: refresh it from the indexes, show what it adds.

    \b
    Examples:
      envmgr knowledge refresh --dry-run
      envmgr knowledge show --json
    """


def _progress_line():
    """A progress line on a terminal (rewritten in place), None in a pipe: a first refresh reads
    a wheel file of each of some 160 releases."""
    if not sys.stderr.isatty():
        return None

    def show(text: str) -> None:
        click.echo(f"\rreading {text}\033[K", err=True, nl=False)

    return show


def _progress_done() -> None:
    if sys.stderr.isatty():
        click.echo("\r\033[K", err=True, nl=False)


def _current_overlay():
    from ..knowledge.refresh.overlay import overlay_path, parse_overlay, read_overlay_bytes

    data = read_overlay_bytes()
    return parse_overlay(data, overlay_path()) if data is not None else None


@knowledge.command()
@click.option("--pypi", "pypi", metavar="URL", default=None,
              help="Base of a PyPI-compatible index (URL/pypi/NAME/json, URL/simple/NAME/); default https://pypi.org.")
@click.option("--wheel-index", "wheel_index", metavar="URL",
              help="Base of PyTorch's wheel index, e.g. https://download.pytorch.org/whl (URL/torch/).")
@click.option("--repodata", "repodata", metavar="URL|FILE", multiple=True,
              help="A conda channel's repodata.json (URL or file), or a channel read with rattler's "
                   "gateway; repeat for several. A source naming conda-forge fills conda-forge facts.")
@click.option("--dry-run", is_flag=True, help="Print what would change; write nothing.")
@click.option("--json", "as_json", is_flag=True, help="Print the changes as JSON.")
def refresh(pypi, wheel_index, repodata, dry_run, as_json):
    """Derive torch/torchvision/torchaudio facts from the indexes and write the overlay
    ($ENVMGR_HOME/knowledge/overlay.json, default ~/.envmgr). A malformed or unreadable index
    stops the refresh and leaves the old overlay as it was."""
    from ..knowledge.facts import shipped_releases
    from ..knowledge.refresh import diff
    from ..knowledge.refresh.overlay import overlay_path, write_overlay
    from ..knowledge.refresh.pypi import PYPI
    from ..knowledge.refresh.run import build_overlay

    try:
        old = _current_overlay()
        try:
            new = build_overlay(pypi=pypi or PYPI, wheel_index=wheel_index, repodata=list(repodata),
                                progress=_progress_line() if not as_json else None)
        finally:
            _progress_done()
        found = diff.changes(shipped_releases(), old, new)
        path = overlay_path()
        if not dry_run:
            write_overlay(new, path)
    except EnvmgrError as err:
        if not as_json:
            raise
        emit_json({"ok": False, "written": None, "changes": [],
                   "problems": [error_problem(err, "refresh-failed")]})
        sys.exit(err.exit_code)
    if as_json:
        emit_json({"ok": True, "written": None if dry_run else str(path), "dry_run": dry_run,
                   "sources": new["sources"], "releases": len(new["releases"]),
                   "metadata_requests": new.get("metadata_requests", 0),
                   "metadata_failures": new.get("metadata_failures", []),
                   "changes": found, "problems": []})
        return
    for line in diff.render(found):
        click.echo(line)
    failures = new.get("metadata_failures") or []
    for failure in failures[:10]:
        click.echo(f"! METADATA not read (that fact stays as it was): {failure}")
    if len(failures) > 10:
        click.echo(f"! ... and {len(failures) - 10} more METADATA not read")
    click.echo(f"{len(found)} change(s) from {len(new['releases'])} releases read; "
               f"{new.get('metadata_requests', 0)} wheel file read(s) (METADATA, torch/version.py)")
    click.echo(f"dry run: nothing written ({path} unchanged)" if dry_run else f"wrote {path}")


@knowledge.command()
@click.option("--json", "as_json", is_flag=True, help="Print the overlay's changes as JSON.")
def show(as_json):
    """What the overlay adds to or changes in the shipped knowledge base."""
    from ..knowledge.facts import shipped_releases
    from ..knowledge.refresh import diff
    from ..knowledge.refresh.overlay import overlay_path

    try:
        doc = _current_overlay()
    except EnvmgrError as err:
        if not as_json:
            raise
        emit_json({"ok": False, "overlay": None, "changes": [], "problems": [error_problem(err, "bad-overlay")]})
        sys.exit(err.exit_code)
    path = overlay_path()
    found = diff.changes(shipped_releases(), None, doc) if doc else []
    if as_json:
        emit_json({"ok": True, "overlay": str(path) if doc else None,
                   "refreshed": doc.get("refreshed") if doc else None,
                   "sources": doc.get("sources") if doc else {}, "changes": found, "problems": []})
        return
    if not doc:
        click.echo(f"no overlay ({path} does not exist): the shipped knowledge base is used as it is "
                   "(fix: envmgr knowledge refresh)")
        return
    click.echo(f"overlay {path}, refreshed {doc.get('refreshed')}")
    for key, info in (doc.get("sources") or {}).items():
        click.echo(f"  source {key}: {info.get('title')}")
    for line in diff.render(found):
        click.echo(line)
    click.echo(f"{len(found)} change(s) to the shipped knowledge base")
