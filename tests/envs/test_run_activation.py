"""envmgr run / shell / shell-hook: an environment used without conda, activated as conda does it.

The test channel's mkl and cudatoolkit ship etc/conda/activate.d scripts (sh and bat) and an
env_vars.d JSON (envmgr/testchannel/payloads.py: activation_files). envmgr is run as a real
process: `run` replaces itself with the command (exec), so only a process shows what the
command gets.
"""
from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

ENVMGR = str(Path(sys.executable).with_name("envmgr"))
PAPER = "stack: torch 1.10 + cu102 + py3.7\n"
SHOW = "import json, os; print(json.dumps(dict(os.environ)))"


def envmgr(*args, input=None, env=None, cwd=None, timeout=120):
    return subprocess.run([ENVMGR, *args], capture_output=True, text=True, input=input,
                          env={**os.environ, **(env or {})}, cwd=cwd, timeout=timeout)


def shown_environment(done) -> dict:
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture
def paper(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper-2021", PAPER)
    done = envmgr("lock", "paper-2021")
    assert done.returncode == 0, done.stderr
    return tmp_workspace


@pytest.fixture
def created(paper):
    done = envmgr("create", "paper-2021")
    assert done.returncode == 0, done.stderr
    return Path(os.environ["ENVMGR_ENVS_DIR"]) / "paper-2021"


def test_run_activates_like_conda(created):
    environ = shown_environment(envmgr("run", "paper-2021", "--", "python", "-c", SHOW))
    prefix = str(created)
    assert environ["CONDA_PREFIX"] == prefix
    assert environ["CONDA_DEFAULT_ENV"] == "paper-2021"
    assert environ["PATH"].split(os.pathsep)[0] == f"{prefix}/bin"
    # the packages' activate.d scripts ran, after CONDA_PREFIX was set, each once
    assert environ["ENVMGR_TEST_MKL_HOME"] == f"{prefix}/share/mkl"
    assert environ["ENVMGR_TEST_CUDATOOLKIT_HOME"] == f"{prefix}/share/cudatoolkit"
    assert sorted(environ["ENVMGR_TEST_ACTIVATED"].split(":")) == ["cudatoolkit", "mkl"]
    # env_vars.d
    assert environ["ENVMGR_TEST_MKL_DATA"] == "from env_vars.d"
    # the python that ran is the env's (its bin/python wrapper)
    done = envmgr("run", "paper-2021", "--", "sh", "-c", "command -v python")
    assert done.stdout.strip() == f"{prefix}/bin/python"


def test_run_without_double_dash_and_the_second_run_uses_the_cache(created, tmp_path):
    first = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    cache = Path(os.environ["ENVMGR_CACHE_DIR"]) / "activation"
    files = list(cache.glob("*.json"))
    assert len(files) == 1
    stamp = files[0].stat().st_mtime_ns
    second = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    assert first == second
    assert files[0].stat().st_mtime_ns == stamp           # read, not rewritten
    # a changed input (PATH) makes a new entry next to the old one
    other = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW,
                                     env={"PATH": f"{tmp_path}:{os.environ['PATH']}"}))
    assert other["PATH"].split(":")[1] == str(tmp_path)
    assert len(json.loads(files[0].read_text())["entries"]) == 2


def test_cache_follows_activation_files(created):
    shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    script = created / "etc/conda/activate.d/mkl_activate.sh"
    script.write_text(script.read_text() + 'export ENVMGR_TEST_EDITED="yes"\n')
    environ = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    assert environ["ENVMGR_TEST_EDITED"] == "yes"


def test_conda_env_config_vars_in_state_are_set(created):
    (created / "conda-meta" / "state").write_text(json.dumps({"env_vars": {"FROM_STATE": "s 1"}}))
    environ = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    assert environ["FROM_STATE"] == "s 1"


def test_spec_variables_reach_the_command_and_conda_meta_state(created, paper, write_spec):
    write_spec(paper, "paper-2021", PAPER + 'variables:\n  OMP_NUM_THREADS: 1\n  MY_DATA: "/data/x y"\n')
    environ = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    assert environ["OMP_NUM_THREADS"] == "1" and environ["MY_DATA"] == "/data/x y"
    state = json.loads((created / "conda-meta" / "state").read_text())
    assert state["env_vars"] == {"OMP_NUM_THREADS": "1", "MY_DATA": "/data/x y"}   # conda reads it
    # variables are no lock input: the lock stays fresh, nothing was reinstalled
    assert envmgr("lock", "--check", "paper-2021").returncode == 0
    write_spec(paper, "paper-2021", PAPER + "variables:\n  MY_DATA: other\n")
    environ = shown_environment(envmgr("run", "paper-2021", "python", "-c", SHOW))
    assert environ["MY_DATA"] == "other" and "OMP_NUM_THREADS" not in environ


def test_a_bad_variables_section_is_a_file_line_error(paper, write_spec):
    write_spec(paper, "paper-2021", PAPER + "variables:\n  PATH: /x\n")
    done = envmgr("run", "paper-2021", "true")
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert "paper-2021.yaml:3: `variables`: PATH is set by activation itself" in done.stderr
    write_spec(paper, "paper-2021", PAPER + "variables: [A, B]\n")
    done = envmgr("check", "paper-2021")
    assert done.returncode == 2 and "paper-2021.yaml:2: `variables`: expected a mapping" in done.stdout


@pytest.mark.parametrize("code", [0, 3])
def test_exit_code_is_the_commands(created, code):
    done = envmgr("run", "paper-2021", "--", "python", "-c", f"import sys; sys.exit({code})")
    assert done.returncode == code, done.stderr


def test_missing_command_is_one_line_and_127(created):
    done = envmgr("run", "paper-2021", "--", "no-such-program-xyz", "--flag")
    assert done.returncode == 127
    assert "Traceback" not in done.stderr
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1 and "no-such-program-xyz: command not found in environment paper-2021" in lines[0]


def test_stdin_and_stdout_are_the_callers(created):
    done = envmgr("run", "paper-2021", "--", "python", "-c",
                  "import sys; print(sys.stdin.read().upper())", input="hello\n")
    assert done.returncode == 0 and done.stdout.strip() == "HELLO"


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
def test_signal_reaches_the_child(created, tmp_path, sig):
    ready = tmp_path / "ready"
    code = ("import signal, sys, time, pathlib\n"
            "signal.signal(signal.SIGTERM, lambda *a: sys.exit(42))\n"
            "signal.signal(signal.SIGINT, lambda *a: sys.exit(43))\n"
            f"pathlib.Path({str(ready)!r}).write_text('x')\n"
            "time.sleep(60)\n")
    proc = subprocess.Popen([ENVMGR, "run", "paper-2021", "--", "python", "-c", code],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    deadline = time.time() + 30
    while not ready.exists() and time.time() < deadline:
        time.sleep(0.05)
    assert ready.exists(), proc.communicate(timeout=5)
    proc.send_signal(sig)
    proc.communicate(timeout=30)
    assert proc.returncode == (42 if sig == signal.SIGTERM else 43)


def test_run_creates_from_the_committed_lockfile_in_a_fresh_copy(paper, tmp_path):
    # a fresh clone: envs/ and lockfiles/ committed, no environment yet
    clone = tmp_path / "clone"
    shutil.copytree(paper.root, clone)
    done = envmgr("run", "paper-2021", "--", "python", "-c", "print('ran')",
                  env={"ENVMGR_WORKSPACE": str(clone), "ENVMGR_ENVS_DIR": str(tmp_path / "fresh-envs")},
                  cwd=clone)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ran"
    notes = done.stderr.strip().splitlines()
    assert len(notes) == 1 and notes[0].startswith("creating paper-2021 from lockfiles/paper-2021.conda-lock.yml")
    assert (tmp_path / "fresh-envs" / "paper-2021" / "conda-meta" / "envmgr.json").is_file()
    # the lockfile was used, not rewritten
    assert (clone / "lockfiles/paper-2021.conda-lock.yml").read_bytes() == \
        paper.lockfile("paper-2021").read_bytes()


def test_run_updates_an_env_out_of_sync(created):
    (created / "conda-meta" / "extra-1.0-0.json").write_text("{}")    # someone changed it
    done = envmgr("run", "paper-2021", "true")
    assert done.returncode == 0, done.stderr
    assert "updating paper-2021: it is out of sync" in done.stderr
    assert not (created / "conda-meta" / "extra-1.0-0.json").exists()


def test_run_without_a_lockfile_says_to_lock(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper-2021", PAPER)
    done = envmgr("run", "paper-2021", "true")
    assert done.returncode == 1 and "Traceback" not in done.stderr
    assert "has no lockfile" in done.stderr and "envmgr lock paper-2021" in done.stderr
    assert not tmp_workspace.lockfile("paper-2021").exists()         # it did not solve


def test_frozen_and_no_install_refuse_a_stale_env(created, tmp_path):
    (created / "conda-meta" / "extra-1.0-0.json").write_text("{}")
    for args, env in ((["--frozen"], {}), ([], {"ENVMGR_FROZEN": "1"}), (["--no-install"], {})):
        done = envmgr("run", *args, "paper-2021", "true", env=env)
        assert done.returncode == 1, (args, done.stderr)
        assert "is out of sync with" in done.stderr and "does not install" in done.stderr
        assert (created / "conda-meta" / "extra-1.0-0.json").exists()


def test_frozen_refuses_a_lockfile_stale_against_its_spec(created, paper, write_spec):
    write_spec(paper, "paper-2021", PAPER + "packages: [pip]\n")
    assert envmgr("run", "paper-2021", "true").returncode == 0          # in sync: runs
    done = envmgr("run", "--frozen", "paper-2021", "true")
    assert done.returncode == 1 and "the spec changed" in done.stderr


def test_unknown_name_is_a_usage_error(tmp_workspace):
    done = envmgr("run", "nope", "true")
    assert done.returncode == 2 and "no spec or environment named 'nope'" in done.stderr


# -- shell-hook ------------------------------------------------------------------------------
def test_shell_hook_evaluated_by_bash(created):
    bash = shutil.which("bash")
    if bash is None:
        pytest.skip("no bash on this machine")
    script = ('eval "$("$ENVMGR" shell-hook paper-2021 --shell bash)"; '
              'printf "%s\\n" "$CONDA_PREFIX" "$ENVMGR_TEST_MKL_HOME" "$ENVMGR_TEST_MKL_DATA" '
              '"$CONDA_DEFAULT_ENV" "$(command -v python)"')
    done = subprocess.run([bash, "--noprofile", "--norc", "-c", script], capture_output=True,
                          text=True, env={**os.environ, "ENVMGR": ENVMGR}, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [str(created), f"{created}/share/mkl", "from env_vars.d",
                                        "paper-2021", f"{created}/bin/python"]


@pytest.mark.parametrize("kind", ["zsh", "fish"])
def test_shell_hook_evaluated_by_zsh_and_fish(created, kind):
    program = shutil.which(kind)
    if program is None:
        pytest.skip(f"{kind} is not installed here")
    hook = envmgr("shell-hook", "paper-2021", "--shell", kind)
    assert hook.returncode == 0, hook.stderr
    show = ('printf "%s\\n" "$CONDA_PREFIX" "$ENVMGR_TEST_MKL_HOME" "$ENVMGR_TEST_MKL_DATA"; '
            'command -v python')
    done = subprocess.run([program, "-c", hook.stdout + "\n" + show], capture_output=True,
                          text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    # fish runs only .fish activate.d scripts (as with conda): the packages' .sh ones are
    # named as skipped, on stderr and in the script, never silently left out
    ran = kind != "fish"
    assert done.stdout.splitlines() == [str(created), f"{created}/share/mkl" if ran else "",
                                        "from env_vars.d", f"{created}/bin/python"]
    skipped = "etc/conda/activate.d/mkl_activate.sh is a POSIX shell (sh/bash/zsh) script, which fish cannot run"
    assert (skipped in hook.stderr) == (not ran) and (skipped in hook.stdout) == (not ran)


def test_shell_hook_for_cmd_names_the_bat_scripts(created):
    done = envmgr("shell-hook", "paper-2021", "--shell", "cmd")
    assert done.returncode == 0, done.stderr
    assert '@SET "CONDA_PREFIX=' in done.stdout and 'mkl_activate.bat"' in done.stdout
    assert '@SET "CONDA_DEFAULT_ENV=paper-2021"' in done.stdout


def test_shell_hook_unknown_shell(created):
    done = envmgr("shell-hook", "paper-2021", "--shell", "tcsh")
    assert done.returncode == 2 and "unknown shell 'tcsh'" in done.stderr


# -- shell -------------------------------------------------------------------------------------
def test_shell_runs_commands_activated_and_returns_their_exit_code(created, tmp_path):
    if shutil.which("bash") is None:
        pytest.skip("no bash on this machine")
    home = tmp_path / "home"
    home.mkdir()
    (home / ".bashrc").write_text("export FROM_BASHRC=1\n")
    done = envmgr("shell", "paper-2021", "--shell", "bash",
                  input='echo "[$CONDA_PREFIX][$ENVMGR_TEST_CUDATOOLKIT_HOME][$FROM_BASHRC]"\n'
                        'echo "[$PS1]"\nexit 5\n', env={"HOME": str(home), "PS1": "$ "})
    assert done.returncode == 5, done.stderr
    lines = done.stdout.splitlines()
    assert f"[{created}][{created}/share/cudatoolkit][1]" in lines
    assert any(line.startswith("[(paper-2021) ") for line in lines)     # the prompt names it


# -- start-up: an env in sync, activation cached ----------------------------------------------
PROBE = """
import os, sys
def report(*args):
    loaded = [m for m in ('conda_lock', 'rattler', 'rattler.solver', 'yaml') if m in sys.modules]
    print(' '.join(loaded) or 'none', flush=True)
    os._exit(0)
os.execve = report          # stop where envmgr would become the command
from envmgr.cli import main
sys.argv = ['envmgr', 'run', 'paper-2021', '--', 'true']
main()
"""


def test_run_in_sync_imports_neither_conda_lock_nor_rattler(created):
    # the first run computes the activation (rattler's activator, never its solver)...
    first = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert first.returncode == 0, first.stderr
    assert "conda_lock" not in first.stdout.split()
    # ...every later one reads it from the cache: no rattler, no conda-lock, not even YAML
    again = subprocess.run([sys.executable, "-c", PROBE], capture_output=True, text=True, timeout=120)
    assert again.returncode == 0, again.stderr
    assert again.stdout.split() == ["none"]


def test_a_windows_only_activation_script_is_named_not_skipped_silently(created):
    (created / "etc/conda/activate.d/winonly.bat").write_text('@SET "WINONLY=1"\n')
    for _ in range(2):      # computed, then from the cache: said both times
        done = envmgr("run", "paper-2021", "--", "python", "-c", SHOW)
        assert done.returncode == 0, done.stderr
        assert ("note: paper-2021: etc/conda/activate.d/winonly.bat is a cmd.exe batch script, "
                "which bash cannot run: skipped") in done.stderr
        # mkl ships mkl_activate.sh beside its .bat: nothing to say about that one
        assert "mkl_activate.bat" not in done.stderr
        assert "WINONLY" not in json.loads(done.stdout.strip().splitlines()[-1])


def test_list_shows_how_to_use_each_env(created):
    done = envmgr("list", "--json", "--no-size")
    assert done.returncode == 0, done.stderr
    [row] = json.loads(done.stdout)["environments"]
    assert row["activate"]["run"] == "envmgr run paper-2021 -- COMMAND"
    assert row["activate"]["shell"] == "envmgr shell paper-2021"
    assert row["activate"]["hook"] == 'eval "$(envmgr shell-hook paper-2021)"'
    assert row["activate"]["conda"] is None or row["activate"]["conda"].endswith(str(created))
    text = envmgr("list", "--no-size").stdout
    assert "use: envmgr run paper-2021 -- COMMAND | envmgr shell paper-2021" in text


@pytest.mark.parametrize("kind", ["zsh", "fish"])
def test_shell_of_other_kinds(created, tmp_path, kind):
    if shutil.which(kind) is None:
        pytest.skip(f"{kind} is not installed here")
    home = tmp_path / "home"
    home.mkdir()
    done = envmgr("shell", "paper-2021", "--shell", kind, env={"HOME": str(home)},
                  input='echo "[$CONDA_PREFIX][$ENVMGR_TEST_MKL_DATA][$CONDA_DEFAULT_ENV]"\nexit 6\n')
    assert done.returncode == 6, done.stderr
    assert f"[{created}][from env_vars.d][paper-2021]" in done.stdout
