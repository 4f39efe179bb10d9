"""Activating an environment the way ``conda activate`` does, without conda, and remembering it.

What activation is
    rattler's activator (``rattler.shell.activate``, the one pixi uses) writes the script: the old
    ``CONDA_PREFIX`` deactivated (its variables unset, its ``deactivate.d`` scripts run, its
    folders taken off PATH), the prefix's folders put on PATH in conda's order, ``CONDA_PREFIX``
    and ``CONDA_SHLVL``, the packages' ``etc/conda/env_vars.d/*.json`` and the env's own variables
    from ``conda-meta/state`` (what ``conda env config vars set`` writes, and where envmgr puts the
    spec's ``variables:``), then the packages' ``etc/conda/activate.d`` scripts of that shell's
    kind. envmgr adds what conda also sets: ``CONDA_DEFAULT_ENV`` and ``CONDA_PROMPT_MODIFIER``.

Why a cache
    ``envmgr run`` needs the environment those scripts leave behind, so it runs the script in a
    shell (bash; cmd on Windows) and reads the result. That costs a shell, a Python and rattler's
    import each time; pixi caches it, and so does envmgr. The cache holds the variables that
    activation changed and unset, for one prefix, keyed by (a) what the env is: the lockfile's
    digest and the installed packages as the marker records them, and every activation file's
    name and digest (activate.d, env_vars.d, conda-meta/state); and (b) the values of the
    variables activation reads: PATH, CONDA_PREFIX, ... and every variable named in the script
    or the activate.d scripts it sources. A cached entry is used only when all of these are
    unchanged, so ``envmgr run`` then spawns nothing but the command and imports no rattler.
    It lives in envmgr's cache dir (``$ENVMGR_CACHE_DIR/activation``, else the user cache), one
    JSON file per prefix, written atomically; never in the workspace.

Scripts of another kind
    A package may ship only a ``.bat`` (Windows) or only a ``.fish`` activation script; the shell
    used cannot run it. Each such script is reported, never skipped silently.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

from .. import __version__
from ..atomic import write_text_atomic
from ..errors import EnvmgrError
from . import shells

CACHE_FORMAT = 1
MAX_ENTRIES = 4                # per prefix: a few PATHs (a terminal, an IDE, CI) side by side
ALWAYS_READ = ("PATH", "Path", "CONDA_PREFIX", "CONDA_SHLVL", "CONDA_DEFAULT_ENV",
               "CONDA_PROMPT_MODIFIER")
# Set by the shell that runs the activation script, not by activation.
SHELL_OWN = {"_", "SHLVL", "PWD", "OLDPWD", "PROMPT"}
ACTIVATION_DIRS = ("etc/conda/activate.d", "etc/conda/env_vars.d")
STATE_FILE = "conda-meta/state"
_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def cache_root() -> Path:
    """envmgr's cache of activations: ``activation`` in envmgr's cache dir."""
    from ..paths import cache_dir

    return cache_dir("activation")


def run_kind() -> str:
    """The shell ``envmgr run`` activates with: cmd on Windows, bash elsewhere."""
    return shells.CMD if sys.platform == "win32" else shells.BASH


@dataclass
class Activation:
    """What activating a prefix does to an environment: variables set, variables unset, and the
    activation scripts that could not run (one message each)."""

    set: dict[str, str]
    unset: list[str]
    skipped: list[str] = field(default_factory=list)

    def applied_to(self, environ) -> dict[str, str]:
        result = {k: v for k, v in environ.items() if k not in self.unset}
        result.update(self.set)
        return result


# -- the files activation reads ------------------------------------------------------------------
def activation_files(prefix: Path) -> list[Path]:
    """activate.d and env_vars.d files, and conda-meta/state: what activation reads from the env."""
    found = []
    for folder in ACTIVATION_DIRS:
        try:
            found += sorted(p for p in (prefix / folder).iterdir() if p.is_file())
        except OSError:
            continue
    state = prefix / STATE_FILE
    if state.is_file():
        found.append(state)
    return found


def skipped_scripts(prefix: Path, kind: str) -> list[str]:
    """A message for each activate.d script that ``kind`` cannot run and that has no counterpart
    of its own kind (a package shipping ``x.sh`` and ``x.bat`` is fine in either shell)."""
    wanted = shells.SCRIPT_SUFFIX[kind]
    folder = prefix / "etc" / "conda" / "activate.d"
    try:
        scripts = sorted(p for p in folder.iterdir() if p.is_file())
    except OSError:
        return []
    stems = {p.stem for p in scripts if p.suffix == wanted}
    return [f"{p.relative_to(prefix).as_posix()} is {shells.SUFFIX_LANGUAGE[p.suffix]}, which "
            f"{kind} cannot run: skipped (no {p.stem}{wanted} beside it)"
            for p in scripts if p.suffix in shells.SUFFIX_LANGUAGE and p.suffix != wanted
            and p.stem not in stems]


def env_key(prefix: Path, name: str, marker: dict, kind: str) -> str:
    """What the env is, for the cache: the lockfile it was made from, its packages, and every
    activation file's name and content."""
    files = []
    for path in activation_files(prefix):
        try:
            files.append([path.relative_to(prefix).as_posix(),
                          hashlib.sha256(path.read_bytes()).hexdigest()])
        except OSError:
            files.append([path.relative_to(prefix).as_posix(), None])
    facts = {"format": CACHE_FORMAT, "envmgr": __version__, "prefix": str(prefix), "name": name,
             "kind": kind, "lockfile_sha256": marker.get("lockfile_sha256"),
             "packages": sorted(map(str, marker.get("packages") or [])), "files": files}
    return hashlib.sha256(json.dumps(facts, sort_keys=True).encode()).hexdigest()


def _cache_file(prefix: Path, kind: str) -> Path:
    digest = hashlib.sha256(str(prefix).encode()).hexdigest()[:24]
    return cache_root() / f"{digest}-{kind}.json"


# -- run: the activated environment, from the cache when it can -------------------------------
def activated_environment(prefix: Path, name: str, marker: dict, environ=None) -> tuple[dict, Activation]:
    """The environment a command runs with inside ``prefix`` (``environ``, default this
    process's, activated), and the Activation behind it."""
    environ = dict(os.environ if environ is None else environ)
    kind = run_kind()
    key = env_key(prefix, name, marker, kind)
    path = _cache_file(prefix, kind)
    cached = _read_cache(path, key)
    for entry in cached:
        if all(environ.get(var) == value for var, value in entry["inputs"].items()):
            found = Activation(set=entry["set"], unset=entry["unset"], skipped=entry["skipped"])
            return found.applied_to(environ), found
    activation, inputs = compute(prefix, name, kind, environ)
    entry = {"inputs": inputs, "set": activation.set, "unset": activation.unset,
             "skipped": activation.skipped}
    _write_cache(path, key, [entry, *cached][:MAX_ENTRIES])
    return activation.applied_to(environ), activation


def _read_cache(path: Path, key: str) -> list[dict]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    if not isinstance(data, dict) or data.get("key") != key or not isinstance(data.get("entries"), list):
        return []
    good = []
    for entry in data["entries"]:
        if (isinstance(entry, dict) and isinstance(entry.get("inputs"), dict)
                and isinstance(entry.get("set"), dict) and isinstance(entry.get("unset"), list)
                and isinstance(entry.get("skipped"), list)):
            good.append(entry)
    return good


def _write_cache(path: Path, key: str, entries: list[dict]) -> None:
    # The cache only saves time: a folder that refuses it makes the next run slower, not wrong.
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        write_text_atomic(path, json.dumps({"key": key, "entries": entries}, indent=1) + "\n")
    except OSError:
        pass


def compute(prefix: Path, name: str, kind: str, environ: dict) -> tuple[Activation, dict]:
    """Run the activation script in a shell and read what it leaves (the slow path: a shell, a
    Python and rattler). Returns the Activation and the variables it read, with their values."""
    script = activation_script(prefix, name, kind, environ)
    after = _environment_after(script, prefix, name, kind, environ)
    changed = {k: v for k, v in after.items() if k not in SHELL_OWN and environ.get(k) != v}
    removed = sorted(k for k in environ if k not in after and k not in SHELL_OWN)
    read = set(ALWAYS_READ) | set(changed) | set(removed) | set(_WORD.findall(script))
    for path in _sourced(script, prefix):
        try:
            read |= set(_WORD.findall(path.read_text(encoding="utf-8", errors="replace")))
        except OSError:
            continue
    # `_` (the caller's last command) and SHLVL differ with how envmgr was started, not with
    # what activation does
    inputs = {var: environ.get(var) for var in sorted(read - {"_", "SHLVL"})}
    return Activation(set=changed, unset=removed, skipped=skipped_scripts(prefix, kind)), inputs


def _sourced(script: str, prefix: Path) -> list[Path]:
    folder = prefix / "etc" / "conda"
    return [p for p in (*(folder / "activate.d").glob("*"), *(folder / "deactivate.d").glob("*"))
            if p.is_file() and str(p) in script] if folder.is_dir() else []


def _environment_after(script: str, prefix: Path, name: str, kind: str, environ: dict) -> dict:
    """The environment after ``script`` ran in a ``kind`` shell started with ``environ``."""
    import shlex
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory(prefix="envmgr-activate-") as tmp:
        dump = Path(tmp) / "environment.json"
        code = ("import json, os, sys; "
                "open(sys.argv[1], 'w', encoding='utf-8').write(json.dumps(dict(os.environ)))")
        if kind == shells.CMD:
            runner = Path(tmp) / "activate.bat"
            runner.write_text(f"{script}\n@\"{sys.executable}\" -I -S -c \"{code}\" \"{dump}\"\n",
                              encoding="utf-8")
            argv = [os.environ.get("COMSPEC", "cmd.exe"), "/d", "/c", str(runner)]
        else:
            runner = Path(tmp) / "activate.sh"
            runner.write_text(f"{script}\nexec {shlex.quote(sys.executable)} -I -S -c "
                              f"{shlex.quote(code)} {shlex.quote(str(dump))}\n", encoding="utf-8")
            argv = [shells.executable(shells.BASH) or "/bin/sh", "--noprofile", "--norc", str(runner)]
            if os.path.basename(argv[0]) in ("sh", "dash"):
                argv = [argv[0], str(runner)]
        done = subprocess.run(argv, env=environ, stdin=subprocess.DEVNULL,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                              errors="replace")
        if done.stdout:     # what activate.d scripts print is for the user; stdout is the command's
            sys.stderr.write(done.stdout)
        if done.stderr:
            sys.stderr.write(done.stderr)
        try:
            return json.loads(dump.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            last = (done.stderr.strip().splitlines() or ["no output"])[-1]
            raise EnvmgrError(f"activating {name} failed: its activation scripts exited with "
                              f"{done.returncode} ({last})", file=prefix / "etc" / "conda" / "activate.d",
                              fix="look at the scripts there (a package's activation is broken), "
                                  f"or run `envmgr create {name} --force` to reinstall") from None


# -- the script itself (rattler) -----------------------------------------------------------------
def activation_script(prefix: Path, name: str, kind: str, environ=None) -> str:
    """The script that activates ``prefix`` in a ``kind`` shell whose environment is ``environ``:
    rattler's activation, with the two variables conda also sets."""
    import rattler.shell as rshell

    environ = dict(os.environ if environ is None else environ)
    shell = {shells.BASH: rshell.Shell.bash, shells.ZSH: rshell.Shell.zsh,
             shells.FISH: rshell.Shell.fish, shells.POWERSHELL: rshell.Shell.powershell,
             shells.CMD: rshell.Shell.cmd_exe}[kind]
    current = environ.get("CONDA_PREFIX")
    path_var = "Path" if sys.platform == "win32" and "Path" in environ else "PATH"
    path = [p for p in environ.get(path_var, "").split(os.pathsep) if p] or [os.defpath]
    variables = rshell.ActivationVariables(
        current_prefix=Path(current) if current and os.path.isdir(current) else None,
        current_path=path, path_modification_behavior=rshell.PathModificationBehavior.Replace)
    script = rshell.activate(Path(prefix), variables, shell).script
    conda_own = [shells.assign(kind, "CONDA_DEFAULT_ENV", name),
                 shells.assign(kind, "CONDA_PROMPT_MODIFIER", f"({name}) ")]
    lines = script.rstrip("\n").splitlines()
    # the variables go before the activate.d scripts run, as conda sets them
    first_source = next((i for i, line in enumerate(lines) if _sources_script(line)), len(lines))
    return "\n".join([*lines[:first_source], *conda_own, *lines[first_source:]]) + "\n"


def _sources_script(line: str) -> bool:
    text = line.strip()
    return text.startswith((". ", "source ", "@CALL ", "& ", "source-bash "))


def hook_script(prefix: Path, name: str, kind: str) -> str:
    """What ``envmgr shell-hook`` prints: the activation script, and a comment for each
    activation script this shell cannot run."""
    notes = [shells.comment(kind, f"envmgr: {name}: {message}")
             for message in skipped_scripts(prefix, kind)]
    return "\n".join([*notes, activation_script(prefix, name, kind).rstrip("\n")]) + "\n"
