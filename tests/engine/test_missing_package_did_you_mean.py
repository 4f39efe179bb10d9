"""A package no channel has gets a "did you mean" from the names in the channels' repodata (the
solve already fetched it): `numpyy` -> numpy."""
from __future__ import annotations

from clihelp import envmgr, one_line_error  # noqa: F401

CPU = "stack: torch 1.13 cpu\nplatforms: [linux-64]\n"


def test_a_misspelt_package_is_named_with_the_nearest_real_one(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "typo", CPU + "packages: [numpyy]\n")
    result = envmgr("lock", "typo")
    assert result.exit_code == 1
    assert "no channel has a package named numpyy; did you mean numpy?" in result.stderr
    assert not tmp_workspace.lockfile("typo").exists()


def test_a_name_near_nothing_gets_the_channel_hint(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "nothing", CPU + "packages: [zzqxw-nonesuch]\n")
    result = envmgr("lock", "nothing")
    assert result.exit_code == 1
    assert "did you mean" not in result.stderr
    assert "no channel has zzqxw-nonesuch" in result.stderr
