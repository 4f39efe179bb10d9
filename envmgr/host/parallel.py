"""Independent work items (one per spec) in parallel processes, results in the asked order.

``lock`` and ``create`` over several specs hand each one to a child process, at most ``jobs`` at
once, and print the results in the order the sequential run would. Processes, not threads:
conda-lock's parsing and hashing and the YAML writing are Python and hold the GIL; only the
solve itself runs outside it.

How the children start
    Linux, in a process that is still single-threaded (the CLI: nothing has started rattler's
    async runtime yet): ``fork``, after the parent imported the heavy modules once, so no child
    pays for them again. A process with threads (a test runner that already used rattler, whose
    runtime threads a forked child would not have) uses ``forkserver``: a clean server process
    that imports them once and forks each child. Elsewhere (macOS, Windows) ``spawn``.

Each worker runs the items it is handed, one at a time, and sends back a JSON-able result per
item; an error escaping an item, or an interrupt, comes back as a result too, so the parent
always has one per item. Ctrl-C stops every
child (each cleans up as it does when run alone) and then the parent.
"""
from __future__ import annotations

import gc
import os
import signal
import sys
from typing import Callable

INTERRUPTED = "interrupted"


def default_jobs() -> int:
    """The CPUs this process may run on (a Slurm allocation or a container's limit), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):
        return max(1, os.cpu_count() or 1)


def _threads() -> int:
    try:
        return len(os.listdir("/proc/self/task"))
    except OSError:
        return 2          # unknown: be safe


def _context(preload: list[str]):
    import multiprocessing      # here: `envmgr --help` imports this module, and runs no process

    if not sys.platform.startswith("linux"):
        return multiprocessing.get_context("spawn")
    if _threads() == 1:
        for module in preload:
            __import__(module)
        return multiprocessing.get_context("fork")
    context = multiprocessing.get_context("forkserver")
    context.set_forkserver_preload(preload)
    return context


def _worker(work: Callable, conn, environ: dict, cwd: str) -> None:
    """A worker process: runs the items it is sent, one at a time, until it is sent None."""
    # a forkserver started earlier has the environment and folder of that moment: take the caller's
    os.environ.clear()
    os.environ.update(environ)
    os.chdir(cwd)
    while True:
        try:
            item = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if item is None:
            return
        try:
            result = {"ok": True, "value": work(item)}
        except KeyboardInterrupt:
            result = {"ok": False, "error": INTERRUPTED}
        except BaseException as exc:  # noqa: BLE001 - one line for the parent, never a traceback
            result = {"ok": False, "error": f"{type(exc).__name__}: {exc}"}
        try:
            conn.send(result)
        except (OSError, ValueError):
            return
        if result.get("error") == INTERRUPTED:
            return


def run_each(items: list, work: Callable, jobs: int, *, preload: list[str] = (),
             warm: Callable[[], None] | None = None,
             on_done: Callable[[int, object, dict], None] | None = None) -> list[dict]:
    """``work(item)`` for each item, in ``jobs`` worker processes (each takes the next item when
    it is done, so what a process warms up once, e.g. the knowledge base, serves several items).
    Returns one ``{"ok": True, "value": ...}`` or ``{"ok": False, "error": text}`` per item, in
    ``items``' order; ``on_done(index, item, result)`` runs in this process as each one finishes.
    ``warm()`` runs here before forking (only where the workers are forked from here). ``work``
    must be a module-level function (``forkserver`` and ``spawn`` pickle it)."""
    from multiprocessing.connection import wait

    context = _context(list(preload))
    forked = context.get_start_method() == "fork"
    if forked:
        if warm is not None:
            warm()
        # Out of the cyclic collector's reach while children are forked: what they inherit. Its
        # full passes in a child would walk (and so copy, page by page) the parent's whole heap,
        # conda-lock's models included (Python's gc docs advise this before fork); on the lock
        # benchmark the workers use ~4% less CPU. Unfrozen here when the workers are done.
        gc.freeze()
    results: list[dict | None] = [None] * len(items)
    pending = list(enumerate(items))
    workers: dict = {}            # connection -> process
    busy: dict = {}               # connection -> index of the item it runs
    try:
        count = max(1, min(jobs, len(items)))
        environ = _worker_environ(count)
        for _ in range(count):
            mine, process = _start_worker(context, work, environ)
            workers[mine] = process
        for conn in list(workers):
            _give(conn, pending, busy, items)
        while busy:
            for conn in wait(list(busy)):
                index = busy.pop(conn)
                try:
                    result = conn.recv()
                except (EOFError, OSError):
                    workers[conn].join()
                    result = {"ok": False,
                              "error": f"the worker stopped (exit {workers[conn].exitcode})"}
                    workers.pop(conn)
                results[index] = result
                if on_done is not None:
                    on_done(index, items[index], result)
                if conn in workers:
                    _give(conn, pending, busy, items)
                elif pending:       # its worker died: start another for the rest
                    mine, process = _start_worker(context, work, environ)
                    workers[mine] = process
                    _give(mine, pending, busy, items)
    except KeyboardInterrupt:
        _stop(workers)
        raise
    finally:
        if forked:
            gc.unfreeze()
    for conn, process in workers.items():
        try:
            conn.send(None)
        except OSError:
            pass
        process.join(timeout=30)
        conn.close()
    return results      # type: ignore[return-value]


# The thread pools of rattler's runtime (tokio) and of its parsers (rayon), which read these.
THREAD_POOL_VARIABLES = ("TOKIO_WORKER_THREADS", "RAYON_NUM_THREADS")


def _worker_environ(workers: int) -> dict:
    """The caller's environment for the workers. Each pool is sized to one worker's share of the
    CPUs (unless the caller sized it): N processes each starting pools as large as the machine
    oversubscribe it, and on 2 CPUs two workers were ~25% slower per spec."""
    environ = dict(os.environ)
    if workers > 1:
        share = str(max(1, default_jobs() // workers))
        for name in THREAD_POOL_VARIABLES:
            environ.setdefault(name, share)
    return environ


def _start_worker(context, work: Callable, environ: dict):
    """(this end of its pipe, the process) of a new worker."""
    mine, theirs = context.Pipe(duplex=True)
    process = context.Process(target=_worker, daemon=True, args=(work, theirs, environ, os.getcwd()))
    process.start()
    theirs.close()
    return mine, process


def _give(conn, pending: list, busy: dict, items: list) -> None:
    if pending:
        index, item = pending.pop(0)
        conn.send(item)
        busy[conn] = index


def _stop(workers: dict) -> None:
    """Interrupt every worker (a Ctrl-C on a terminal reached them already; a SIGINT sent to this
    process alone did not) and wait for them to clean up as a lone run does."""
    for process in workers.values():
        if process.is_alive() and process.pid:
            try:
                os.kill(process.pid, signal.SIGINT)
            except OSError:
                pass
    for process in workers.values():
        process.join(timeout=30)
        if process.is_alive():
            process.terminate()
            process.join(timeout=5)
