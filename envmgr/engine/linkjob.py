"""Run the install (``install.link``) in a child process, so that "it has stopped" is a fact.

rattler links files on threads of its own runtime. When an install fails, or Ctrl-C cancels it,
the Python call returns while some of those threads may still be writing into the temporary
prefix; deleting it then races with them and leaves anonymous files behind. A child process ends
all of its threads when it exits, so the parent deletes the temporary prefix only after waiting
for the child: Ctrl-C reaches both (one process group), the parent also passes it on, and after
a grace period kills the child. On Linux the child is killed when the parent dies
(``PR_SET_PDEATHSIG``), so a ``kill -9`` of envmgr stops the install too, leaving a marked
temporary folder the next create or remove deletes.

The child re-reads the lockfile after checking it is the one the parent hashed (what is installed
is what the marker records), and reports an ``EnvmgrError`` as one JSON line on stdout.
"""
from __future__ import annotations

import hashlib
import json
import os
import signal
import subprocess
import sys
from pathlib import Path

from ..errors import EnvmgrError

GRACE_SECONDS = 10.0       # for the child to stop after Ctrl-C before it is killed


def link_in_child(lockfile: Path, platform: str, digest: str, prefix: Path, final_prefix: Path,
                  cache_dir: Path, *, progress: bool = False, requested: list[str] | None = None,
                  verify_cache: bool = False) -> None:
    """``install.link`` of the lockfile's records for ``platform`` into ``prefix``, in a child."""
    job = {"lockfile": str(lockfile), "platform": platform, "digest": digest, "prefix": str(prefix),
           "final_prefix": str(final_prefix), "cache_dir": str(cache_dir), "progress": progress,
           "requested": list(requested or []), "verify_cache": verify_cache}
    process = subprocess.Popen([sys.executable, "-m", "envmgr.engine.linkjob"],
                               stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                               preexec_fn=_die_with_parent if sys.platform.startswith("linux") else None)
    reported = None
    try:
        process.stdin.write(json.dumps(job))
        process.stdin.close()
        for line in process.stdout:         # what the child says goes to our stderr, as it comes
            message = _message(line)
            if isinstance(message.get("say"), str):
                print(message["say"], file=sys.stderr)
            elif isinstance(message.get("error"), dict):
                reported = _error_of(message["error"])
        process.wait()
    except BaseException:
        _stop(process)
        raise
    if process.returncode == 0:
        return
    if reported is not None:
        raise reported
    if process.returncode in (-signal.SIGINT, 130):
        raise KeyboardInterrupt
    raise EnvmgrError(f"install failed: the installer stopped (exit {process.returncode})",
                      file=lockfile, fix="run the command again")


def _stop(process: subprocess.Popen) -> None:
    """Pass Ctrl-C on, wait for the child (then kill it): only then may its prefix be deleted."""
    for sig, grace in ((signal.SIGINT, GRACE_SECONDS), (signal.SIGKILL, None)):
        if process.poll() is not None:
            return
        try:
            process.send_signal(sig)
            process.wait(timeout=grace)
            return
        except (subprocess.TimeoutExpired, KeyboardInterrupt):
            continue
    while process.poll() is None:
        try:
            process.wait()
        except KeyboardInterrupt:
            continue


def _die_with_parent() -> None:
    import ctypes

    pr_set_pdeathsig = 1
    try:
        ctypes.CDLL(None, use_errno=True).prctl(pr_set_pdeathsig, signal.SIGKILL)
    except (OSError, AttributeError):
        pass


def _message(line: str) -> dict:
    try:
        data = json.loads(line)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def _error_of(error: dict) -> EnvmgrError:
    return EnvmgrError(error.get("message") or "install failed", file=error.get("file"),
                       line=error.get("line"), fix=error.get("fix"), code=error.get("code"))


def _say(message: str) -> None:
    """In the child: a line for the parent to show on its stderr."""
    print(json.dumps({"say": message}), flush=True)


# -- the child ------------------------------------------------------------------------------
def _run(job: dict) -> None:
    from . import install

    lockfile = Path(job["lockfile"])
    if hashlib.sha256(lockfile.read_bytes()).hexdigest() != job["digest"]:
        raise EnvmgrError("the lockfile changed while the environment was being created",
                          file=lockfile, fix="run the command again")
    records = install.locked_records(lockfile, job["platform"])
    install.link(records, Path(job["prefix"]), Path(job["final_prefix"]), Path(job["cache_dir"]),
                 progress=job["progress"], requested=job["requested"], lockfile=lockfile,
                 verify_cache=job.get("verify_cache", False), say=_say)


def _interrupt_once(signum, frame) -> None:
    """The first Ctrl-C stops the install; the next ones (the terminal's reaches this process
    and the parent passes its own on) are ignored, so they cannot break into the clean-up of
    the one being handled (an event loop closed half-way complains from its __del__)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    raise KeyboardInterrupt


def main() -> None:
    signal.signal(signal.SIGINT, _interrupt_once)
    code = 0
    try:
        _run(json.loads(sys.stdin.read()))
    except EnvmgrError as err:
        print(json.dumps({"error": {"message": err.message, "file": err.file, "line": err.line,
                                    "fix": err.fix, "code": err.code}}))
        code = 1
    except KeyboardInterrupt:
        code = 130
    except OSError as exc:
        from ..errors import os_error

        err = os_error(exc, "install failed")
        print(json.dumps({"error": {"message": err.message, "file": err.file, "line": None,
                                    "fix": err.fix, "code": err.code}}))
        code = 1
    sys.stdout.flush()
    os._exit(code)        # not interpreter shutdown: rattler's runtime threads end with us


if __name__ == "__main__":
    main()
