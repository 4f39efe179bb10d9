"""A pytest plugin (loaded by conftest.py): no test writes under the real home.

Every test runs with ``HOME`` (and the XDG folders) in a temporary folder of its own and a temporary
uv cache (``UV_CACHE_DIR``, one per session, so wheels are not fetched twice). Around each test the
guard lists the places envmgr, rattler, conda and uv would write in the *real* home (the home
itself, ``~/.cache``, ``~/.cache/{uv,envmgr,rattler}``, ``~/.envmgr``, ``~/.conda``, three levels
deep) and fails the test when a name appeared or went away there. Names, not mtimes: on a shared
machine another program (another checkout's test run) rewrites files there meanwhile; a test that
writes into a fresh home (CI) always creates a name.

``ENVMGR_TEST_REAL_HOME`` names the home to guard (default: ``HOME`` when the plugin loads); the
guard's own test points it at a stand-in so that it never writes the real one.
"""
from __future__ import annotations

import os
from pathlib import Path

import pytest

REAL_HOME = Path(os.environ.get("ENVMGR_TEST_REAL_HOME") or os.path.expanduser("~"))
WATCHED = (("", 1), (".cache", 1), (".cache/uv", 3), (".cache/envmgr", 3), (".cache/rattler", 3),
           (".envmgr", 3), (".conda", 3))


def fingerprint(home: Path = REAL_HOME) -> set[str]:
    """The paths in the watched folders, ``depth`` levels down."""
    seen: set[str] = set()
    for relative, depth in WATCHED:
        _walk(home / relative, depth, seen)
    return seen


def _walk(folder: Path, depth: int, seen: set[str]) -> None:
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        if entry.name.startswith(".tmp"):
            continue                        # uv's own scratch folders: made and removed at once
        seen.add(entry.path)
        if depth > 1 and entry.is_dir(follow_symlinks=False):
            _walk(Path(entry.path), depth - 1, seen)


def changes(before: set[str], after: set[str]) -> list[str]:
    return sorted(before ^ after)


@pytest.fixture(scope="session")
def session_uv_cache(tmp_path_factory) -> Path:
    return tmp_path_factory.mktemp("uv-cache")


@pytest.fixture(autouse=True)
def home_is_never_written(tmp_path_factory, session_uv_cache, monkeypatch):
    """A temporary HOME for the test; fails it when the real home changed meanwhile."""
    before = fingerprint()
    home = tmp_path_factory.mktemp("home")
    monkeypatch.setenv("HOME", str(home))
    for variable, below in (("XDG_CACHE_HOME", ".cache"), ("XDG_CONFIG_HOME", ".config"),
                            ("XDG_DATA_HOME", ".local/share")):
        monkeypatch.setenv(variable, str(home / below))
    monkeypatch.setenv("UV_CACHE_DIR", str(session_uv_cache))
    yield home
    changed = changes(before, fingerprint())
    if changed:
        pytest.fail(f"the test wrote under the real home {REAL_HOME}: {', '.join(changed[:5])} "
                    "(on a shared machine another program may have: run the test alone to tell)",
                    pytrace=False)
