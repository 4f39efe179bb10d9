"""A damaged lockfile is stale and "damaged" to every command (lock --check, create, list, verify,
the installer's own reading), never a traceback; `envmgr lock` writes it again."""
from __future__ import annotations

import json

import pytest

from envmgr.errors import EnvmgrError
from clihelp import envmgr, one_line_error


# -- a damaged lockfile ---------------------------------------------------------------------------
def damage(lockfile, body: str) -> None:
    """Replace the package list (the end of a conda-lock file) with ``body``."""
    text = lockfile.read_text()
    lockfile.write_text(text[:text.index("\npackage:\n")] + "\n" + body + "\n")


@pytest.fixture
def locked_cpu(cpu):
    assert envmgr("lock", "cpu").exit_code == 0
    return cpu.lockfile("cpu")


@pytest.mark.parametrize("body, reason", [
    ("package: 5", "its package list is not a list"),
    ("package: []", "it has no packages for linux-64"),
    ("package: [5]", "package entry 1 is not a mapping"),
    ("package: [{name: numpy, platform: linux-64}]", "package numpy has no valid manager, url"),
])
def test_a_damaged_package_list_is_stale_and_refused_in_one_line(locked_cpu, body, reason):
    from envmgr.engine.install import host_platform, locked_records

    damage(locked_cpu, body)
    checked = envmgr("lock", "cpu", "--check")
    assert checked.exit_code == 1 and f"cpu: stale: the lockfile is damaged: {reason}" in checked.stderr
    as_json = json.loads(envmgr("lock", "cpu", "--check", "--json").stdout)
    assert [p["code"] for p in as_json[0]["problems"]] == ["lock-damaged"]
    line = one_line_error(envmgr("create", "cpu"))
    assert "lockfiles/cpu.conda-lock.yml" in line and "damaged" in line
    with pytest.raises(EnvmgrError) as raised:      # the installer's own reading refuses it too
        locked_records(locked_cpu, host_platform())
    assert raised.value.file == str(locked_cpu) and "envmgr lock cpu --update" in str(raised.value)


def test_lock_repairs_a_damaged_lockfile(locked_cpu):
    good = locked_cpu.read_text()
    damage(locked_cpu, "package: []")
    result = envmgr("lock", "cpu")
    assert result.exit_code == 0, result.output
    assert locked_cpu.read_text() == good
    assert envmgr("lock", "cpu", "--check").exit_code == 0


def test_non_mapping_custom_metadata_is_not_a_crash(locked_cpu):
    text = locked_cpu.read_text()
    start = text.index("  custom_metadata:\n")
    end = text.index("\npackage:\n", start)
    locked_cpu.write_text(text[:start] + "  custom_metadata: 5" + text[end:])
    checked = envmgr("lock", "cpu", "--check")
    assert checked.exit_code == 1 and "not written by envmgr" in checked.stderr
    assert envmgr("lock", "cpu").exit_code == 0


@pytest.mark.parametrize("edit, what", [
    (lambda text: text[:text.index("\n- name:", len(text) // 3)], "package"),   # cut at an entry
    (lambda text: text.replace("\npackage:\n", "\npackage: [\n"), "it is not valid YAML (line"),
    (lambda text: "[1, 2]\n", "it is not a mapping"),
    (lambda text: text.replace("sha256:", "sha257:"), "has no valid hash (sha256 or md5)"),
    (lambda text: text.replace("\nversion: 1\n", "\nversion: 7\n"), "its version is 7, not 1"),
])
def test_a_damaged_lockfile_is_called_damaged_by_every_command(created_cpu, edit, what):
    created_cpu.write_text(edit(created_cpu.read_text()))
    said = "the lockfile is damaged: "
    checked = envmgr("lock", "--check")
    assert checked.exit_code == 1 and f"cpu: stale: {said}" in checked.stderr and what in checked.stderr
    line = one_line_error(envmgr("create", "cpu"))
    assert said in line and what in line and "not written by envmgr" not in line
    assert f"{said}" in envmgr("list").stderr
    line = one_line_error(envmgr("verify", "cpu"))
    assert said in line and what in line
    assert envmgr("lock", "cpu").exit_code == 0          # and lock writes it again
    assert envmgr("lock", "--check").exit_code == 0
