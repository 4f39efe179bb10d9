"""Helpers shared by test files in several folders (pytest puts tests/ on sys.path:
``pythonpath`` in pyproject.toml): the CLI in-process, the fixtures folder, recorded machines."""
from __future__ import annotations

import os
from pathlib import Path

from click.testing import CliRunner

from envmgr.cli import cli

FIXTURES = Path(__file__).resolve().parent / "fixtures"     # tests/fixtures
REPO = Path(__file__).resolve().parents[1]                   # the repository root
NO_PROC = Path("/nonexistent/proc/driver/nvidia")

CPU = "stack: torch 1.13 cpu\n"


def envmgr(*args: str):
    """The CLI in-process; an exception other than EnvmgrError (a traceback) fails the test."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def run(*args: str) -> tuple[int, str]:
    """(exit code, stdout + stderr) of the CLI in-process."""
    result = envmgr(*args)
    return result.exit_code, result.output


def listed(*extra: str) -> dict[str, dict]:
    """``envmgr list --json`` as name -> row."""
    import json

    result = envmgr("list", "--json", *extra)
    assert result.exit_code == 0, result.stderr
    return {row["name"]: row for row in json.loads(result.stdout)["environments"]}


def locked_packages(lockfile, platform: str) -> dict:
    """The lock's packages for ``platform`` by name, as conda-lock's own parser reads them."""
    from conda_lock.lockfile import parse_conda_lock_file

    return {p.name: p for p in parse_conda_lock_file(lockfile).package if p.platform == platform}


def reseal(lockfile) -> None:
    """Seal an edited lockfile again, as if envmgr had written it so (a lock made against a mirror
    that is down now, say): its seal then matches and only the edit itself is judged."""
    from envmgr.engine.lockseal import SEAL_KEY, seal_for

    text = lockfile.read_text()
    old = next(line for line in text.splitlines() if line.strip().startswith(SEAL_KEY + ":"))
    lockfile.write_text(text.replace(old, f"    {SEAL_KEY}: {seal_for(text)}"))


def one_line_error(result, code: int = 1) -> str:
    """The error line of a failed command (exactly one line on stderr, no traceback)."""
    assert result.exit_code == code, result.output
    assert "Traceback" not in result.output
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1 and result.stderr.strip().endswith(lines[0]), result.stderr
    return lines[0]


def machine_env(machine: str | None, **extra) -> dict:
    """os.environ with the stand-in nvidia-smi replaying ``machine`` (None: no nvidia-smi at all)."""
    smi = FIXTURES / "nvidia-smi"
    env = {k: v for k, v in os.environ.items()
           if k not in ("CONDA_OVERRIDE_CUDA", "ENVMGR_GPU", "ENVMGR_DRIVER_VERSION", "ENVMGR_NO_GPU",
                        "ENVMGR_NVIDIA_SMI", "CUDA_HOME", "CUDA_PATH")}
    system_path = os.pathsep.join(p for p in env.get("PATH", "").split(os.pathsep)
                                  if not (Path(p) / "nvidia-smi").exists()
                                  and not (Path(p) / "nvcc").exists())   # nor this machine's toolkit
    if machine is None:
        env["PATH"] = system_path
    else:
        env["PATH"] = f"{smi / 'bin'}{os.pathsep}{system_path}"
        env["FAKE_NVIDIA_SMI_DIR"] = str(smi / machine)
    env.update(extra)
    return env
