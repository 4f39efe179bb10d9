"""The demo's "try it yourself" lines work when pasted into a shell after its export lines:
envmgr gets on PATH, a fresh folder, a spec, create, verify, list, against the demo channels."""
from __future__ import annotations

import os
import subprocess

from envmgr.cli.demo import settings_lines, try_it_yourself
from envmgr.testchannel import channel_env


def pasted(paragraph_lines: list[str]) -> list[str]:
    """What a person copies: the indented lines, without their leading blanks."""
    return [line.strip() for line in paragraph_lines if line.startswith("  ") and line.strip()]


def test_try_it_yourself_runs_as_pasted(test_channels, tmp_path):
    env = {**channel_env(test_channels.root), "ENVMGR_ENVS_DIR": str(tmp_path / "envs"),
           "ENVMGR_PKGS_DIR": str(tmp_path / "pkgs"), "ENVMGR_WORKSPACE": str(tmp_path / "ws")}
    exports = pasted(settings_lines(env))
    commands = pasted(try_it_yourself().splitlines())
    assert len(exports) == 4 and commands[0].startswith("export PATH=")
    shell_env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path / "home"), "TMPDIR": str(tmp_path),
                 "ENVMGR_CACHE_DIR": str(tmp_path / "cache"), "LANG": os.environ.get("LANG", "C.UTF-8")}
    (tmp_path / "home").mkdir()
    script = "set -e\n" + "\n".join(exports + commands) + "\n"
    for said in ("created mine", "mine is up to date"):   # pasted twice: the second is a no-op
        done = subprocess.run(["bash", "-c", script], env=shell_env, capture_output=True, text=True,
                              cwd=tmp_path, timeout=300)
        assert done.returncode == 0, done.stdout + done.stderr
        assert "wrote envs/mine.yaml" in done.stdout and said in done.stdout
        assert "torch   1.13" in done.stdout                      # verify ran
        assert any(line.split()[:1] == ["mine"] and "created" in line
                   for line in done.stdout.splitlines())          # list shows it
    assert (tmp_path / "envs" / "mine").is_dir()
    assert (tmp_path / "home" / "envmgr-try" / "envs" / "mine.yaml").is_file()
