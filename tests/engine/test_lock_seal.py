"""A lock carries envmgr's seal; any edit of it is "damaged" in every command, and an untouched
one is judged fresh from its recorded digests alone."""
from __future__ import annotations

import pytest

from clihelp import CPU, envmgr, one_line_error
from envmgr.engine.freshness import judge
from envmgr.engine.lockseal import SEAL_KEY, read_sealed

DAMAGED = "the lockfile is damaged: "


@pytest.fixture
def locked(cpu):
    assert envmgr("lock", "cpu").exit_code == 0
    return cpu.lockfile("cpu")


def test_a_fresh_lock_has_a_matching_seal(locked):
    meta, sealed = read_sealed(locked)
    assert sealed is True and len(meta["custom_metadata"][SEAL_KEY]) == 64


def replace_content_hash(text: str) -> str:
    lines = text.splitlines(keepends=True)
    at = next(i for i, line in enumerate(lines) if line.startswith("  content_hash:"))
    key, _ = lines[at + 1].split(": ")
    lines[at + 1] = f"{key}: {'0' * 64}\n"
    return "".join(lines)


@pytest.mark.parametrize("edit", [
    replace_content_hash,
    lambda text: text.replace("\n- name: python\n", "\n- name: evilpkg\n", 1),
    lambda text: text.replace("version: 3.10.14", "version: 3.10.99", 1),
], ids=["content-hash", "renamed-package", "version"])
def test_an_edited_lock_is_damaged_for_every_command(cpu, locked, edit):
    before = locked.read_text()
    locked.write_text(edit(before))
    assert locked.read_text() != before
    checked = envmgr("lock", "--check")
    assert checked.exit_code == 1 and f"cpu: stale: {DAMAGED}" in checked.stderr
    assert "changed after envmgr wrote it" in checked.stderr
    assert DAMAGED in envmgr("list").stderr
    line = one_line_error(envmgr("create", "cpu"))
    assert DAMAGED in line and "envmgr lock cpu" in line
    assert not (cpu.root / "conda-envs" / "cpu").exists()
    assert envmgr("lock", "cpu").exit_code == 0            # lock writes it again
    assert judge(cpu, "cpu").state == "fresh"


def test_the_seal_survives_windows_line_endings(cpu, locked):
    locked.write_bytes(locked.read_bytes().replace(b"\n", b"\r\n"))
    assert read_sealed(locked)[1] is True
    assert judge(cpu, "cpu").state == "fresh"


def test_a_lock_without_a_seal_is_judged_by_its_content_hash(cpu, locked):
    """A lock written before seals existed: fresh while conda-lock's content hash agrees."""
    text = "".join(line for line in locked.read_text().splitlines(keepends=True)
                   if not line.strip().startswith(SEAL_KEY + ":"))
    locked.write_text(text)
    assert read_sealed(locked)[1] is None
    assert judge(cpu, "cpu").state == "fresh"
    locked.write_text(replace_content_hash(text))
    verdict = judge(cpu, "cpu")
    assert verdict.state == "stale" and "content hash differs" in verdict.reason


def test_a_changed_spec_is_stale_not_damaged(cpu, locked, write_spec):
    write_spec(cpu, "cpu", CPU + 'packages: ["scipy"]\n')
    verdict = judge(cpu, "cpu")
    assert (verdict.state, verdict.reason) == ("stale", "the spec changed")
