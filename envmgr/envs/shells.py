"""The shells envmgr activates environments for: which one the user runs, which activate.d
scripts each can run, and how each sets a variable or its prompt.

Nothing here imports rattler: ``envmgr run`` on a cached activation never needs it.
"""
from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from ..errors import UsageError

BASH, ZSH, FISH, POWERSHELL, CMD = "bash", "zsh", "fish", "powershell", "cmd"
KINDS = (BASH, ZSH, FISH, POWERSHELL, CMD)
# The activate.d / deactivate.d script kind each shell runs (conda's and rattler's rule).
SCRIPT_SUFFIX = {BASH: ".sh", ZSH: ".sh", FISH: ".fish", POWERSHELL: ".ps1", CMD: ".bat"}
SUFFIX_LANGUAGE = {".sh": "a POSIX shell (sh/bash/zsh) script", ".bat": "a cmd.exe batch script",
                   ".ps1": "a PowerShell script", ".fish": "a fish script",
                   ".csh": "a csh script", ".xsh": "a xonsh script"}
_NAMES = {"bash": BASH, "sh": BASH, "dash": BASH, "zsh": ZSH, "fish": FISH,
          "pwsh": POWERSHELL, "powershell": POWERSHELL, "cmd": CMD}
_EXECUTABLES = {BASH: ("bash",), ZSH: ("zsh",), FISH: ("fish",), POWERSHELL: ("pwsh", "powershell"),
                CMD: ("cmd",)}


def kind_of(name: str) -> str | None:
    """The shell kind of an executable's name (``/usr/bin/zsh``, ``pwsh.exe``), or None."""
    base = os.path.basename(name.strip()).lower()
    base = base.removesuffix(".exe").lstrip("-")     # a login shell's argv[0] is "-bash"
    return _NAMES.get(base)


def check_kind(name: str) -> str:
    kind = kind_of(name) or (name if name in KINDS else None)
    if kind is None:
        raise UsageError(f"unknown shell {name!r}", fix=f"use one of {', '.join(KINDS)}")
    return kind


def detect_kind() -> str:
    """The shell the user runs: the parent process when it is a shell (what they typed in), else
    ``$SHELL`` (their login shell), else bash (cmd on Windows)."""
    parent = _parent_name()
    if parent and kind_of(parent):
        return kind_of(parent)
    if sys.platform == "win32":
        return POWERSHELL if os.environ.get("PSModulePath") and not os.environ.get("PROMPT") else CMD
    return kind_of(os.environ.get("SHELL", "")) or BASH


def _parent_name() -> str | None:
    try:
        return Path(f"/proc/{os.getppid()}/comm").read_text(encoding="utf-8").strip()
    except OSError:
        return None


def executable(kind: str) -> str | None:
    """The shell program: ``$SHELL`` when it is of that kind (the user's own build), else the
    first on PATH."""
    login = os.environ.get("SHELL", "")
    if (login and os.path.isfile(login) and kind_of(login) == kind
            and os.path.basename(login) not in ("sh", "dash")):
        return login
    for name in _EXECUTABLES[kind]:
        found = shutil.which(name)
        if found:
            return found
    return None


def assign(kind: str, name: str, value: str) -> str:
    """One line setting environment variable ``name`` to ``value`` (taken literally) in ``kind``."""
    if kind in (BASH, ZSH):
        return f"export {name}='" + value.replace("'", "'\\''") + "'"
    if kind == FISH:
        return f"set -gx {name} '" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if kind == POWERSHELL:
        return f"${{Env:{name}}} = '" + value.replace("'", "''") + "'"
    return f'@SET "{name}={value}"'


def comment(kind: str, text: str) -> str:
    return f"@REM {text}" if kind == CMD else f"# {text}"


def prompt_lines(kind: str, label: str) -> list[str]:
    """Lines that put ``(label)`` in front of the shell's prompt, as ``conda activate`` does."""
    if kind == BASH:
        return [f"PS1='({label}) '\"${{PS1-}}\""]
    if kind == ZSH:
        return [f"PS1='({label}) '\"${{PS1-}}\""]
    if kind == FISH:
        return ["functions -q fish_prompt; and functions -c fish_prompt __envmgr_prompt",
                "function fish_prompt",
                f"    printf '(%s) ' '{label}'",
                "    functions -q __envmgr_prompt; and __envmgr_prompt",
                "end"]
    if kind == POWERSHELL:
        return ["$__envmgr_prompt = $function:prompt",
                f"function global:prompt {{ '({label}) ' + (& $__envmgr_prompt) }}"]
    return [f"@PROMPT ({label}) $P$G"]


def interactive_command(kind: str, program: str, script: Path) -> tuple[list[str], dict[str, str]]:
    """argv and extra environment that start an interactive ``kind`` shell which runs the user's
    own start-up file, then ``script``. The shell is interactive even when stdin is not a
    terminal (``echo 'cmd' | envmgr shell x``)."""
    if kind == BASH:
        return [program, "--rcfile", str(script), "-i"], {}
    if kind == ZSH:
        # zsh reads $ZDOTDIR/.zshrc: a folder holding only ours, which sources the user's
        return [program, "-i"], {"ZDOTDIR": str(script.parent),
                                 "ENVMGR_USER_ZDOTDIR": os.environ.get("ZDOTDIR", "")}
    if kind == FISH:
        return [program, "-i", "--init-command", f"source '{script}'"], {}
    if kind == POWERSHELL:
        return [program, "-NoLogo", "-NoExit", "-Command", f". '{script}'"], {}
    return [program, "/k", str(script)], {}


def rc_preamble(kind: str) -> list[str]:
    """What the activation file of ``envmgr shell`` runs first: the user's own start-up file
    (bash's --rcfile and zsh's ZDOTDIR replace it)."""
    if kind == BASH:
        return ['[ -f "$HOME/.bashrc" ] && . "$HOME/.bashrc"']
    if kind == ZSH:
        return ['if [ -n "$ENVMGR_USER_ZDOTDIR" ]; then ZDOTDIR="$ENVMGR_USER_ZDOTDIR"; '
                'else unset ZDOTDIR; fi',
                'unset ENVMGR_USER_ZDOTDIR',
                '[ -f "${ZDOTDIR:-$HOME}/.zshrc" ] && . "${ZDOTDIR:-$HOME}/.zshrc"']
    if kind == CMD:
        return ["@ECHO OFF"]
    return []


def rc_file_name(kind: str) -> str:
    return {BASH: "activate.bash", ZSH: ".zshrc", FISH: "activate.fish",
            POWERSHELL: "activate.ps1", CMD: "activate.bat"}[kind]
