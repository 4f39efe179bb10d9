"""Written files and environments follow the umask (and a rewrite keeps an existing file's mode)."""
from __future__ import annotations

import pytest

from clihelp import envmgr


# -- written files and environments follow the umask ----------------------------------------------
@pytest.fixture
def umask_022():
    import os

    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_follow_the_umask_and_keep_an_existing_mode(tmp_path, umask_022):
    import os

    from envmgr.atomic import current_umask, write_text_atomic

    assert current_umask() == 0o022
    fresh = tmp_path / "new.yaml"
    write_text_atomic(fresh, "a\n")
    assert mode(fresh) == 0o644
    private = tmp_path / "environments.txt"
    private.write_text("old\n")
    private.chmod(0o640)
    write_text_atomic(private, "new\n")
    assert mode(private) == 0o640 and private.read_text() == "new\n"
    os.umask(0o077)
    write_text_atomic(tmp_path / "secret.yaml", "s\n")
    assert mode(tmp_path / "secret.yaml") == 0o600


def test_lockfiles_and_environments_are_readable_by_others_under_umask_022(cpu, umask_022):
    from envmgr.envs.environments import Environment

    result = envmgr("create", "cpu")
    assert result.exit_code == 0, result.output
    assert mode(cpu.lockfile("cpu")) == 0o644 and mode(cpu.environment_file("cpu")) == 0o644
    env = Environment.named("cpu", cpu)
    assert mode(env.prefix) == 0o755
    assert mode(env.marker_path) == 0o644
