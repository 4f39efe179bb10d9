"""``make demo``: the main job on a fresh machine, with no network and no conda.

Builds the local test channels in ``./.demo`` (gitignored), points envmgr's channel names, envs
dir and package cache there, copies the example specs ``envs/paper-2021.yaml`` and
``envs/current.yaml`` into a demo workspace (so the repository's own lockfiles, which name the
real channels, are never touched), then runs the real CLI, printing each command:
lock and create both side by side, a second create (a no-op), list, verify both, run a
command inside one. It prints its
settings as ``export`` lines and ends with how to use the local channels for specs of your own.
"""
from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path

DEMO_ENVS = ("paper-2021", "current")
DEMO_MARKER = ".envmgr-demo"   # written first into the demo folder: the demo may delete it later
# What a user can reuse elsewhere: the channels, envs dir and cache. Not ENVMGR_WORKSPACE: exported,
# it would send every envmgr command in any folder to the demo's workspace.
SHARED_SETTINGS = ("ENVMGR_CHANNEL_ALIAS", "ENVMGR_DEFAULT_CHANNELS", "ENVMGR_ENVS_DIR",
                   "ENVMGR_PKGS_DIR")


def _run(args: list[str], env: dict[str, str], cwd: Path, expect: int = 0,
         extra_env: dict[str, str] | None = None) -> float:
    prefix = " ".join(f"{k}={shlex.quote(v)}" for k, v in (extra_env or {}).items())
    shown = "envmgr " + " ".join(shlex.quote(a) for a in args)
    print(f"\n$ {prefix + ' ' if prefix else ''}{shown}", flush=True)
    started = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "envmgr", *args], env={**env, **(extra_env or {})},
                          cwd=cwd)
    seconds = time.perf_counter() - started
    if done.returncode != expect:
        print(f"demo: `{shown}` failed with exit {done.returncode}", file=sys.stderr)
        sys.exit(done.returncode)
    return seconds


def start(demo: Path) -> None:
    """An empty ``demo`` folder holding the demo's marker. An earlier one is deleted only when the
    demo made it (its marker) or it is empty: ``.demo`` may be someone's own folder."""
    if demo.is_symlink() or (demo.exists() and not demo.is_dir()):
        sys.exit(f"demo: {demo} exists and is not a folder the demo made; move it away first")
    if demo.is_dir():
        if (demo / DEMO_MARKER).is_file():
            shutil.rmtree(demo)
        elif not any(demo.iterdir()):
            demo.rmdir()
        else:
            sys.exit(f"demo: {demo} exists and was not made by `make demo` (no {DEMO_MARKER} in "
                     "it), so the demo will not delete it; move it away or delete it yourself")
    demo.mkdir(parents=True)
    (demo / DEMO_MARKER).write_text("made by `make demo` (envmgr/cli/demo.py); safe to delete\n",
                                    encoding="utf-8")


def prepare(repo: Path, demo: Path) -> dict[str, str]:
    """A fresh ``demo`` folder: channels, workspace with the example specs; returns the env vars."""
    from ..testchannel import build_test_channels, channel_env

    start(demo)
    workspace = demo / "workspace"
    (workspace / "envs").mkdir(parents=True)
    for name in DEMO_ENVS:
        source = repo / "envs" / f"{name}.yaml"
        if not source.is_file():
            sys.exit(f"demo: {source} is missing (the example specs come with the repository)")
        shutil.copy2(source, workspace / "envs" / source.name)
    print(f"building local test channels in {demo / 'channels'} ...", flush=True)
    build_test_channels(demo / "channels")
    env = dict(os.environ)
    env.update(channel_env(demo / "channels"))
    env.update({"ENVMGR_WORKSPACE": str(workspace), "ENVMGR_ENVS_DIR": str(demo / "envs"),
                "ENVMGR_PKGS_DIR": str(demo / "pkgs")})
    print("\n".join(settings_lines(env)))
    return env


def settings_lines(env: dict[str, str]) -> list[str]:
    """The demo's settings as shell ``export`` lines (quoted), then where its workspace is."""
    exports = [f"  export {key}={shlex.quote(env[key])}" for key in SHARED_SETTINGS]
    return ["settings (the demo's local channels, envs dir and package cache):", *exports,
            f"the demo's workspace (its commands run there): {env['ENVMGR_WORKSPACE']}"]


def try_commands(bin_dir: str | None = None) -> list[str]:
    """The shell lines of "try it yourself", to paste after the export lines: envmgr on PATH
    (this interpreter's bin folder, e.g. the checkout's .venv/bin), a folder of its own (pasted
    again, the same spec is written again and the environment is up to date), a spec, create,
    verify, list."""
    bin_dir = bin_dir or str(Path(sys.executable).parent)
    return [f'export PATH={shlex.quote(bin_dir)}:"$PATH"   # puts envmgr on PATH',
            "mkdir -p ~/envmgr-try/envs && cd ~/envmgr-try   # envs/ makes it a workspace",
            'envmgr new mine "torch 1.13 cpu" --platform linux-64 --force',
            "envmgr create mine && envmgr verify mine && envmgr list",
            'envmgr run mine -- python -c "import torch; print(torch.__version__)"']


def try_it_yourself(bin_dir: str | None = None) -> str:
    from ..testchannel.catalog import CONDA_FORGE_TORCH, PYTORCH_CHANNEL_RELEASES

    held = ", ".join(release["torch"] for release in PYTORCH_CHANNEL_RELEASES)
    lines = "\n".join(f"  {line}" for line in try_commands(bin_dir))
    return f"""
try it yourself: paste the export lines above into a shell (leave ENVMGR_WORKSPACE unset: envmgr
then uses the folder you are in), then these lines, which write a spec of your own in
~/envmgr-try; the local channels hold torch {held} (pytorch) and {CONDA_FORGE_TORCH["torch"]}
(conda-forge), for linux-64:
{lines}
A new shell without those variables uses the real channels again."""


def main() -> None:
    repo = Path.cwd()
    demo = repo / ".demo"
    started = time.perf_counter()
    env = prepare(repo, demo)
    cwd = Path(env["ENVMGR_WORKSPACE"])
    _run(["check", *DEMO_ENVS], env, cwd)
    _run(["create", *DEMO_ENVS], env, cwd)
    again = _run(["create", DEMO_ENVS[0]], env, cwd)
    _run(["list"], env, cwd)
    for name in DEMO_ENVS:
        _run(["verify", name], env, cwd)
    # using an env without conda: activated (PATH, CONDA_PREFIX, the packages' activate.d)
    _run(["run", DEMO_ENVS[0], "--", "python", "-c",
          'import os, torch; print("torch", torch.__version__, "cuda", torch.version.cuda, '
          '"in", os.environ["CONDA_DEFAULT_ENV"])'], env, cwd)
    # What envmgr refuses, and why: a CUDA that release was never built for, and a GPU the
    # paper's stack has no kernels for (described by overrides: this machine needs no GPU).
    _run(["check", "--stack", "torch 1.10 + cu121"], env, cwd, expect=1)
    _run(["check", "--host", DEMO_ENVS[0]], env, cwd, expect=1,
         extra_env={"ENVMGR_GPU": "RTX 3090", "ENVMGR_DRIVER_VERSION": "470.57.02"})
    total = time.perf_counter() - started
    print(f"\ndemo finished in {total:.1f} s (the repeated create, a no-op, took {again:.2f} s "
          "including interpreter start); everything lives in ./.demo")
    print(try_it_yourself())


if __name__ == "__main__":
    main()
