"""A group-shared envs dir (umask 002): the package records rattler writes under conda-meta/ are
as group-readable and -writable as envmgr's own files, not private to whoever created the env."""
from __future__ import annotations

import os
import stat

import pytest

from clihelp import envmgr
from envmgr.envs.environments import Environment


@pytest.fixture
def umask_002():
    old = os.umask(0o002)
    yield
    os.umask(old)


def test_conda_meta_records_follow_a_group_umask(cpu, umask_002):
    result = envmgr("create", "cpu")
    assert result.exit_code == 0, result.output
    meta = Environment.named("cpu", cpu).prefix / "conda-meta"
    records = sorted(meta.glob("*.json"))
    assert len(records) > 5                       # the packages' records and envmgr's marker
    modes = {p.name: oct(stat.S_IMODE(p.stat().st_mode)) for p in records}
    assert set(modes.values()) == {"0o664"}, modes
