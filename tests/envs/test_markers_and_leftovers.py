"""Only envmgr's own marker makes a prefix envmgr's (through a symlinked envs dir too); leftovers of
an interrupted create are cleaned, anyone else's kept; an env without its python is out of sync."""
from __future__ import annotations

import json

import pytest

from envmgr.envs.environments import Environment
from clihelp import envmgr, one_line_error


# -- only envmgr's own marker makes a prefix envmgr's ---------------------------------------------
def marked_prefix(workspace, name: str, marker: str):
    from envmgr.envs.environments import Environment

    env = Environment.named(name, workspace)
    (env.prefix / "conda-meta").mkdir(parents=True)
    (env.prefix / "conda-meta" / "envmgr.json").write_text(marker)
    (env.prefix / "precious.txt").write_text("keep me")
    return env


@pytest.mark.parametrize("marker", ['"x"', "[]", "5", "{}", '{"name": "cpu"}',
                                    '{"envmgr": "0.1.0", "name": "other", "prefix": "PREFIX"}',
                                    '{"envmgr": "0.1.0", "name": "cpu", "prefix": "/elsewhere/cpu"}'])
def test_a_marker_that_is_not_envmgrs_own_means_foreign(cpu, marker):
    from envmgr.envs.environments import Environment

    prefix = Environment.named("cpu", cpu).prefix
    env = marked_prefix(cpu, "cpu", marker.replace("PREFIX", str(prefix)))
    listed = envmgr("list", "--json")
    assert listed.exit_code == 0, listed.output
    assert '"env": "foreign"' in listed.stdout
    line = one_line_error(envmgr("remove", "cpu", "--yes"))
    assert "not created by envmgr" in line and "not envmgr's marker" in line
    assert "not created by envmgr" in one_line_error(envmgr("create", "cpu"))
    assert (env.prefix / "precious.txt").read_text() == "keep me"


def test_a_leftover_sibling_with_a_foreign_marker_is_kept(cpu):
    from envmgr.envs.environments import Environment

    env = Environment.named("cpu", cpu)
    sibling = env.prefix.parent / ".cpu.envmgr-old-abc"
    (sibling / "conda-meta").mkdir(parents=True)
    (sibling / "conda-meta" / "envmgr.json").write_text("[]")
    (sibling / "data.txt").write_text("someone's")
    building = env.prefix.parent / ".cpu.envmgr-tmp-abc"
    building.mkdir()
    (building / ".envmgr-tmp").write_text('"x"')
    killed = env.prefix.parent / ".cpu.envmgr-tmp-killed"   # killed before the marker's bytes
    (killed / "lib").mkdir(parents=True)
    (killed / ".envmgr-tmp").write_text("")
    with env.locked():
        assert env.clean_leftovers() == [killed]
    assert (sibling / "data.txt").is_file() and building.is_dir() and not killed.exists()


# -- remove cleans up what an interrupted create left of that name -------------------------------
def test_remove_deletes_the_leftover_of_a_killed_create(cpu):
    env = Environment.named("cpu", cpu)
    env.prefix.parent.mkdir(parents=True, exist_ok=True)
    ours = env.prefix.parent / ".cpu.envmgr-tmp-k1ll"
    (ours / "lib").mkdir(parents=True)
    (ours / ".envmgr-tmp").write_text('{"name": "cpu", "pid": 1}')
    theirs = env.prefix.parent / ".cpu.envmgr-tmp-else"
    theirs.mkdir()
    (theirs / "data.txt").write_text("someone's")
    result = envmgr("remove", "cpu", "--yes", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["ok"] and not report["env_removed"] and report["leftovers_removed"] == [str(ours)]
    assert not ours.exists() and (theirs / "data.txt").is_file()
    # nothing of ours left: the usual "no environment"
    assert "no environment 'cpu'" in one_line_error(envmgr("remove", "cpu", "--yes"))


# -- an envs dir reached through a symlink is the same envs dir ------------------------------------
def test_an_env_made_through_a_symlinked_envs_dir_is_ours_through_the_real_path(cpu, tmp_path,
                                                                              monkeypatch):
    real = tmp_path / "gpfs-envs"
    real.mkdir()
    (tmp_path / "home-envs").symlink_to(real)
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(tmp_path / "home-envs"))
    assert envmgr("create", "cpu").exit_code == 0
    monkeypatch.setenv("ENVMGR_ENVS_DIR", str(real))
    row = json.loads(envmgr("list", "--json").stdout)["environments"][0]
    assert row["env"] == "created" and row["ok"], row
    again = envmgr("create", "cpu")
    assert again.exit_code == 0 and "up to date" in again.stdout
    assert envmgr("remove", "cpu", "--yes").exit_code == 0
    assert not (real / "cpu").exists()


# -- an env without its python is not in sync -----------------------------------------------------
def test_an_env_whose_python_was_deleted_is_out_of_sync(created_cpu, cpu):
    env = Environment.named("cpu", cpu)
    assert env.python.exists()
    env.python.unlink()
    assert json.loads(envmgr("list", "--json").stdout)["environments"][0]["env"] == "out-of-sync"
    again = envmgr("create", "cpu")
    assert again.exit_code == 0 and "updated cpu at" in again.stdout
    assert env.python.exists()
