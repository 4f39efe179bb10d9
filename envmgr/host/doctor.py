"""``envmgr doctor``: what this machine offers, and which specs in ``envs/`` can run on it.

Everything here reads; nothing is written (the spec check does not render environment files).
"""
from __future__ import annotations

import shutil

from ..disk import human
from ..knowledge.drivers import max_cuda_minor_compat
from ..errors import EnvmgrError
from .detect import NO_GPU_FOUND, NO_GPU_SET, Host, detect
from ..models import Problem

NVCC_NOTE = "for building CUDA extensions; torch ships its own CUDA runtime"


def storage(workspace) -> list[dict]:
    """Where environments and the package cache live, and the free space there."""
    from .locations import envs_root, pkgs_dir

    places = [("envs", envs_root(workspace)), ("pkgs", pkgs_dir(workspace))]
    found = []
    for role, path in places:
        probe = path
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        try:
            free = shutil.disk_usage(probe).free
        except OSError:
            free = None
        found.append({"role": role, "path": str(path), "exists": path.exists(), "free_bytes": free})
    return found


def leftovers(workspace) -> dict:
    """What interrupted creates and removes left in the envs dir (``host.ownership``): count,
    size, private (what deleting them frees), paths."""
    from .locations import envs_root
    from .ownership import leftover_report

    return leftover_report(envs_root(workspace)).to_json()


def env_verdicts(workspace, host: Host, kb, env_facts: dict | None = None) -> list[dict]:
    """For each spec in ``envs/``: its resolved stack, whether it can run on ``host`` (``ok`` and
    ``runnable`` say the same), and why not. ``env_facts``: name -> what the CLI read from the
    env on disk (``cuda_nvcc``: its own cuda-nvcc version), which this stage does not read."""
    from .nvccfit import nvcc_problems

    from ..compat.check import check
    from ..compat.hostcheck import host_problems
    from ..specs.pipeline import load_named_spec

    from ..specs.render import stack_label

    verdicts = []
    for name in workspace.spec_names():
        resolved = label = None
        try:
            spec = load_named_spec(workspace, name)
            result = check(spec, kb)
        except EnvmgrError as err:   # the message without its file, which is a JSON key of its own
            problems = [_error_problem(err)]
        else:
            if result.ok:
                resolved = result.resolved.summary()
                label = f"{stack_label(result.resolved)}; route: {result.resolved.route}"  # as check says it
                problems = result.problems + host_problems(result.resolved, host, kb)
                if host.nvcc is not None:
                    own = (env_facts or {}).get(name, {}).get("cuda_nvcc")
                    problems += nvcc_problems(host.nvcc.release, host.nvcc.path,
                                              result.resolved.cuda, own)
            else:
                problems = result.problems
        problems = [p if isinstance(p, dict) else p.to_json() for p in problems]
        runnable = not any(p["severity"] == "error" for p in problems)
        verdicts.append({"name": name, "ok": runnable, "runnable": runnable, "resolved": resolved,
                         "label": label, "verdict": _verdict(resolved, runnable, host, kb),
                         "problems": problems})
    return verdicts


def _error_problem(err: EnvmgrError) -> dict:
    from pathlib import Path

    problem = Problem(code="spec-error", message=err.message, fix=err.fix).to_json()
    if err.file:
        problem["file"] = str(Path(err.file).absolute())
    if err.line:
        problem["line"] = err.line
    return problem


def _verdict(stack: dict | None, runnable: bool, host: Host, kb) -> str:
    """What "here" means for one spec: a CUDA build on a machine without CUDA installs (for the
    machine it is meant for) but does not run."""
    if stack is None:
        return "invalid spec"
    if not runnable:
        return "cannot run here"
    if stack["cuda"] != "cpu" and not host.runs_cuda:
        toolkit = kb.toolkit(stack["cuda"])
        needs = toolkit.min_driver(host.os, minor_compat=True) if toolkit else None
        return f"installs here; runs where an NVIDIA driver{f' >= {needs}' if needs else ''} is present"
    return "runs here"


def settings_overrides(workspace, environ=None) -> list[dict]:
    """The settings an environment variable sets, and the envmgr.yaml line each one overrides
    (a forgotten ``export`` that silently beats the project's settings is a classic)."""
    import os

    from ..specs.workspace import CONFIG_NAME, SETTINGS

    environ = os.environ if environ is None else environ
    found = []
    for key, (variable, _) in SETTINGS.items():
        value = environ.get(variable, "")
        if not value.strip():
            continue
        shadowed = workspace is not None and workspace.config.get(key) is not None
        line = workspace.config_lines.get(key) if shadowed else None
        found.append({"key": key, "variable": variable, "value": value,
                      "overrides": (f"{workspace.config_path}" + (f":{line}" if line else ""))
                      if shadowed else None,
                      "file_value": workspace.config.get(key) if shadowed else None})
    return found


def report(workspace=None, environ=None, kb=None, env_facts: dict | None = None) -> dict:
    """The doctor report as data (``envmgr doctor --json`` prints exactly this). ``env_facts``:
    per environment, what the CLI read from it on disk (see ``env_verdicts``)."""
    from ..knowledge.facts import load

    kb = kb or load()
    host = detect(environ, kb=kb)
    compat_cuda, compat_driver = (max_cuda_minor_compat(host.driver_version, kb, host.os)
                                  if host.driver_version else (None, None))
    data = {
        "os": host.os, "platform": host.platform,
        "gpu_found": bool(host.gpus) or host.driver_version is not None,
        "driver_version": host.driver_version,
        "max_cuda": host.max_cuda,
        "max_cuda_source": host.max_cuda_source,
        "max_cuda_minor_compat": compat_cuda,
        "minor_compat_driver": compat_driver,
        "gpus": [g.to_json() for g in host.gpus],
        "nvidia_smi": host.nvidia_smi,
        "nvcc": ({"version": host.nvcc.version, "release": host.nvcc.release,
                  "path": host.nvcc.path, "note": NVCC_NOTE} if host.nvcc else None),
        "managers": host.managers,
        "storage": storage(workspace),
        "leftovers": leftovers(workspace),
        "overrides": host.overrides,
        "settings": settings_overrides(workspace, environ),
        "notes": host.notes,
        "warnings": host.warnings,
        "kb_version": kb.version,
        "envs": env_verdicts(workspace, host, kb, env_facts) if workspace is not None else [],
    }
    return data


# -- text ------------------------------------------------------------------------------------------

DRIVER_UNKNOWN = "unknown (set ENVMGR_DRIVER_VERSION or CONDA_OVERRIDE_CUDA to state the target's)"


def _cuda_line(data: dict) -> str:
    if not data["max_cuda"]:
        if data["max_cuda_source"]:
            return data["max_cuda_source"]
        return "unknown: no driver known" if data["gpus"] else "none: no NVIDIA driver"
    declared = data["overrides"].get("CONDA_OVERRIDE_CUDA")
    source = "from CONDA_OVERRIDE_CUDA" if declared == data["max_cuda"] else data["max_cuda_source"]
    line = f"{data['max_cuda']} ({source})"
    compat = data["max_cuda_minor_compat"]
    if compat and compat != data["max_cuda"]:
        line += (f"; through minor-version compatibility also CUDA {compat.split('.')[0]}.x up to "
                 f"{compat} (driver >= {data['minor_compat_driver']}, without PTX JIT)")
    return line


def render_text(data: dict) -> str:
    lines = ["machine"]
    add = lambda label, value: lines.append(f"  {label:<12} {value}")  # noqa: E731
    add("platform", data["platform"])
    said = {note for note in (NO_GPU_FOUND, NO_GPU_SET) if note in data["notes"]}
    if not data["gpu_found"]:
        add("GPU", next(iter(said), "no NVIDIA GPU found"))
        if "CONDA_OVERRIDE_CUDA" in data["overrides"]:   # a declared target: say what it runs
            add("newest CUDA", _cuda_line(data))
    else:
        where = f"  (nvidia-smi: {data['nvidia_smi']})" if data["nvidia_smi"] else ""
        add("driver", f"{data['driver_version'] or DRIVER_UNKNOWN}{where}")
        add("newest CUDA", _cuda_line(data))
        for gpu in data["gpus"]:
            cc = gpu["compute_capability"]
            arch = (f"sm_{cc.replace('.', '')} (compute capability {cc}, from {gpu['capability_source']})"
                    if cc else "compute capability unknown")
            memory = f", {gpu['memory_mib']} MiB" if gpu["memory_mib"] else ""
            add(f"GPU {gpu['index']}", f"{gpu['name']}: {arch}{memory}")
    nvcc = data["nvcc"]
    add("nvcc", f"{nvcc['version']} at {nvcc['path']}: {nvcc['note']}" if nvcc else "not found, not needed")
    for tool, path in data["managers"].items():
        add(tool, path or "not installed (envmgr does not need it)")
    for place in data["storage"]:
        free = human(place["free_bytes"]) if place["free_bytes"] is not None else "unknown"
        missing = "" if place["exists"] else ", not created yet"
        add(f"{place['role']} dir", f"{place['path']}  ({free} free{missing})")
    if data["leftovers"]["count"]:
        add("leftovers", leftover_line(data["leftovers"]))
    for name, value in data["overrides"].items():
        add("override", f"{name}={value!r}")
    for item in data["settings"]:
        over = (f"; overrides {item['key']}: {item['file_value']!r} in {_shown(item['overrides'])}"
                if item["overrides"] else "")
        add("setting", f"{item['variable']}={item['value']!r} (from your environment{over})")
    lines += [f"  warning: {warning}" for warning in data["warnings"]]
    lines += [f"  note: {note}" for note in data["notes"] if note not in said]
    lines += _env_lines(data["envs"])
    return "\n".join(lines)


def leftover_line(found: dict) -> str:
    count = found["count"]
    return (f"{count} folder{'s' * (count != 1)} left by interrupted creates/removes, "
            f"{human(found['size'])} ({human(found['private'])} not shared with the package "
            "cache): the next `envmgr create` or `envmgr remove` deletes them")


def _env_lines(envs: list[dict]) -> list[str]:
    if not envs:
        return ["", "environments: no specs in envs/"]
    lines = ["", "environments (envs/)"]
    shared = _shared_notes(envs)
    for problem in shared:
        lines.append(f"  every CUDA spec: {problem['severity']}: {problem['message']}")
        if problem.get("fix"):
            lines.append(f"        fix: {problem['fix']}")
    for env in envs:
        label = f": {env['label']}" if env["label"] else ""
        lines.append(f"  {env['name']:<16} {env['verdict']}{label}")
        for problem in env["problems"]:
            # no-gpu is the verdict ("installs here; runs where ..."); shared notes were said above
            if problem["code"] == "no-gpu" or problem in shared:
                continue
            lines.append(f"      {problem.get('severity', 'error')}: {_where(problem)}{problem['message']}")
            if problem.get("fix"):
                lines.append(f"        fix: {problem['fix']}")
    return lines


def _shown(path: str) -> str:
    from ..paths import shown_path

    return shown_path(path)


def _where(problem: dict) -> str:
    """``file:line: `` for a spec that cannot be read, as the user types the path from here."""
    if not problem.get("file"):
        return ""
    from ..paths import shown_path

    line = f":{problem['line']}" if problem.get("line") else ""
    return f"{shown_path(problem['file'])}{line}: "


def _shared_notes(envs: list[dict]) -> list[dict]:
    """Notes that every CUDA spec carries alike (they are about the machine): said once."""
    cuda_envs = [env for env in envs if env["resolved"] and env["resolved"]["cuda"] != "cpu"]
    if len(cuda_envs) < 2:
        return []
    first = [p for p in cuda_envs[0]["problems"] if p.get("severity") == "note"]
    return [p for p in first if all(p in env["problems"] for env in cuda_envs[1:])]
