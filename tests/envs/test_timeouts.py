"""ENVMGR_LOCK_TIMEOUT and ENVMGR_VERIFY_TIMEOUT: checked before any work, and verify gives up on a
hung probe (its whole process group) after its timeout."""
from __future__ import annotations

from pathlib import Path

import pytest

from clihelp import envmgr, one_line_error


# -- ENVMGR_LOCK_TIMEOUT must be a finite number >= 0 --------------------------------------------
@pytest.mark.parametrize("value", ["abc", "-1", "nan", "inf"])
def test_lock_timeout_must_be_a_finite_number(cpu, monkeypatch, value):
    monkeypatch.setenv("ENVMGR_LOCK_TIMEOUT", value)
    for args in (["create", "cpu"], ["remove", "cpu", "--yes"]):
        line = one_line_error(envmgr(*args), code=2)
        assert "ENVMGR_LOCK_TIMEOUT" in line and repr(value) in line
    assert not cpu.lockfile("cpu").exists()      # refused before any work


def test_lock_timeout_zero_is_allowed(cpu, monkeypatch):
    monkeypatch.setenv("ENVMGR_LOCK_TIMEOUT", "0")
    assert envmgr("create", "cpu").exit_code == 0


# -- verify gives up on a hung torch import ------------------------------------------------------
def test_verify_stops_a_hung_probe_after_its_timeout(created_cpu, tmp_path, monkeypatch):
    import time

    hang = tmp_path / "hang.sh"
    # the env's test python runs $ENVMGR_HOST_PYTHON; this one hangs, and so does a child of it
    hang.write_text(f"#!/bin/sh\nsleep 60 &\necho $! > {tmp_path / 'child'}\nexec sleep 60\n")
    hang.chmod(0o755)
    monkeypatch.setenv("ENVMGR_HOST_PYTHON", str(hang))
    monkeypatch.setenv("ENVMGR_VERIFY_TIMEOUT", "1")
    started = time.monotonic()
    line = one_line_error(envmgr("verify", "cpu"))
    assert time.monotonic() - started < 15
    assert "more than 1 s (ENVMGR_VERIFY_TIMEOUT)" in line
    child = int((tmp_path / "child").read_text())
    for _ in range(100):                       # the whole group was killed, the child too
        if not is_running(child):
            break
        time.sleep(0.05)
    else:
        pytest.fail("the probe's child outlived the timeout")


def is_running(pid: int) -> bool:
    """Alive and not a zombie waiting to be reaped."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return "\nState:\tZ" not in status


@pytest.mark.parametrize("value", ["abc", "0", "-5", "nan", "inf"])
def test_verify_timeout_must_be_a_positive_number(cpu, monkeypatch, value):
    monkeypatch.setenv("ENVMGR_VERIFY_TIMEOUT", value)
    line = one_line_error(envmgr("verify", "cpu"), code=2)
    assert "ENVMGR_VERIFY_TIMEOUT" in line and repr(value) in line
