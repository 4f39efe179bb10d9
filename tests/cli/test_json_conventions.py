"""--json follows one set of conventions across commands (README "Commands"): every
per-environment object has `name`, `ok` (bool) and `problems` ({code, message, fix, severity}),
commands over several specs print a list, paths are absolute, and a failure for a spec comes back
as that spec's object with ok=false and the command's usual exit code, not as an `error:` line."""
from __future__ import annotations

import json
import os

from click.testing import CliRunner

from envmgr.cli import cli

RESOLVED_KEYS = {"torch", "torchvision", "torchaudio", "python", "cuda", "route"}
SEVERITIES = {"error", "warning", "note"}


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.stdout, result.stderr


def run_json(*args):
    code, out, err = run(*args)
    assert "error:" not in err, err          # the failure is in the JSON, not a line beside it
    return code, json.loads(out)


def assert_problems(problems) -> None:
    assert isinstance(problems, list)
    for problem in problems:
        assert isinstance(problem, dict), problem
        assert {"code", "message", "fix", "severity"} <= set(problem), problem
        assert isinstance(problem["code"], str) and problem["code"]
        assert isinstance(problem["message"], str) and problem["message"]
        assert problem["fix"] is None or isinstance(problem["fix"], str)
        assert problem["severity"] in SEVERITIES
        if "file" in problem:
            assert os.path.isabs(problem["file"]), problem


def assert_env_object(obj, keys: set, ok: bool, named: bool = True) -> None:
    """The keys every per-environment object of this command has, success or not (``named``:
    False where the name may be unknown, as for a file import could not read)."""
    assert set(obj) == keys, set(obj) ^ keys
    assert isinstance(obj["name"], str) or (not named and obj["name"] is None)
    assert obj["ok"] is ok
    assert_problems(obj["problems"])
    if not ok:
        assert any(p["severity"] == "error" for p in obj["problems"])


def codes(obj) -> list[str]:
    return [p["code"] for p in obj["problems"]]


# -- check ------------------------------------------------------------------------------------

CHECK_KEYS = {"name", "ok", "problems", "resolved"}


def test_check_json_shape(workspace):
    (workspace / "envs" / "good.yaml").write_text("stack: torch 1.13 cpu\n")
    (workspace / "envs" / "bad.yaml").write_text("stack: torch 1.10 + cu121\n")
    code, data = run_json("check", "--json")
    assert code == 1 and isinstance(data, list) and [d["name"] for d in data] == ["bad", "good"]
    bad, good = data
    assert_env_object(good, CHECK_KEYS, ok=True)
    assert set(good["resolved"]) == RESOLVED_KEYS
    assert_env_object(bad, CHECK_KEYS, ok=False)
    assert bad["resolved"] is None and codes(bad) == ["cuda-not-built"]

    code, data = run_json("check", "nope", "--json")
    assert code == 2
    [missing] = data
    assert_env_object(missing, CHECK_KEYS, ok=False)
    [problem] = missing["problems"]
    assert problem["code"] == "unknown-spec" and problem["file"] == str(workspace / "envs" / "nope.yaml")
    assert "fix:" not in problem["message"] and "envmgr new nope" in problem["fix"]

    code, [stack] = run_json("check", "--stack", "torch 1.10 + cu", "--json")
    assert code == 2 and codes(stack) == ["invalid-stack"]
    assert_env_object(stack, CHECK_KEYS, ok=False)


# -- new --------------------------------------------------------------------------------------

NEW_KEYS = {"name", "ok", "path", "spec", "problems", "resolved", "cuda_reason", "suggestion"}


def test_new_json_shape_is_the_same_written_or_not(workspace):
    code, data = run_json("new", "laptop", "torch 1.13", "--json")
    assert code == 0
    assert_env_object(data, NEW_KEYS, ok=True)
    assert data["path"] == str(workspace / "envs" / "laptop.yaml")
    assert data["spec"] == {"stack": "torch 1.13 + cpu"}   # the written spec as data, like import's
    assert set(data["resolved"]) == RESOLVED_KEYS and isinstance(data["cuda_reason"], str)

    failures = {("laptop", "torch 1.13 cpu"): (2, "spec-exists"),
                ("bad", "torch 1.10 + cu121"): (1, "cuda-not-built"),
                ("x", "torch 1.10 + cu"): (2, "invalid-stack"),
                ("a/b", "torch 1.13 cpu"): (2, "invalid-name")}
    for (name, stack), (exit_code, problem) in failures.items():
        code, data = run_json("new", name, stack, "--json")
        assert code == exit_code, (name, data)
        assert_env_object(data, NEW_KEYS, ok=False)
        assert data["spec"] is None and data["resolved"] is None and codes(data)[0] == problem
    assert sorted(p.name for p in (workspace / "envs").iterdir()) == ["laptop.yaml"]


# -- lock -------------------------------------------------------------------------------------

LOCK_KEYS = {"name", "ok", "action", "lockfile", "platforms", "packages", "seconds", "notes", "as_of",
             "problems"}
LOCK_CHECK_KEYS = {"name", "ok", "state", "reason", "lockfile", "problems"}
CPU_SPEC = "stack: torch 1.13 cpu\nplatforms: [linux-64]\n"


def test_lock_json_is_a_list_of_spec_objects(tmp_workspace):
    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC)
    (tmp_workspace.root / "envs" / "bad.yaml").write_text("stack: torch 1.10 + cu121\n")
    code, data = run_json("lock", "--json")
    assert code == 1 and [d["name"] for d in data] == ["bad", "cpu"]
    bad, cpu = data
    assert_env_object(cpu, LOCK_KEYS, ok=True)
    assert cpu["action"] == "locked" and cpu["packages"]["linux-64"] > 0
    assert cpu["lockfile"] == str(tmp_workspace.lockfile("cpu"))
    assert cpu["seconds"] == round(cpu["seconds"], 3)
    assert_env_object(bad, LOCK_KEYS, ok=False)
    assert bad["action"] is None and bad["problems"][0]["file"] == str(tmp_workspace.spec_path("bad"))

    code, data = run_json("lock", "nope", "--json")      # one unknown name: exit 2, as without --json
    assert code == 2 and codes(data[0]) == ["unknown-spec"]
    assert_env_object(data[0], LOCK_KEYS, ok=False)


def test_lock_check_json_is_a_list_of_spec_objects(tmp_workspace):
    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC)
    code, data = run_json("lock", "--check", "--json")
    assert code == 1
    [missing] = data
    assert_env_object(missing, LOCK_CHECK_KEYS, ok=False)
    assert missing["state"] == "missing" and codes(missing) == ["lock-missing"]
    assert run("lock", "cpu")[0] == 0
    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC + "packages: [scipy]\n")
    code, [stale] = run_json("lock", "--check", "--json")
    assert code == 1 and stale["state"] == "stale" and stale["reason"] == "the spec changed"
    assert_env_object(stale, LOCK_CHECK_KEYS, ok=False)
    assert codes(stale) == ["lock-stale"] and stale["problems"][0]["fix"] == "envmgr lock cpu"
    assert run("lock", "cpu")[0] == 0
    code, data = run_json("lock", "--check", "cpu", "nope", "--json")
    assert code == 2                                     # a name with no spec is a usage error
    fresh, unknown = data
    assert_env_object(fresh, LOCK_CHECK_KEYS, ok=True)
    assert fresh["state"] == "fresh" and fresh["reason"] is None
    assert_env_object(unknown, LOCK_CHECK_KEYS, ok=False)
    assert codes(unknown) == ["unknown-spec"]


# -- create -----------------------------------------------------------------------------------

CREATE_KEYS = {"name", "ok", "prefix", "lockfile", "platform", "action", "packages", "pip_packages",
               "seconds", "problems"}


def test_create_json_shape(tmp_workspace):
    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC)
    for action in ("created", "up-to-date"):
        code, [made] = run_json("create", "cpu", "--json")
        assert code == 0 and made["action"] == action
        assert_env_object(made, CREATE_KEYS, ok=True)
        assert os.path.isabs(made["prefix"]) and os.path.isabs(made["lockfile"])
        assert made["packages"] > 0 and made["seconds"] == round(made["seconds"], 3)

    code, [unknown] = run_json("create", "nope", "--json")
    assert code == 2 and codes(unknown) == ["unknown-spec"]
    assert_env_object(unknown, CREATE_KEYS, ok=False)
    assert unknown["action"] is None

    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC + "packages: [scipy]\n")
    code, [stale] = run_json("create", "cpu", "--json")   # a stale lock is refused: exit 1
    assert code == 1 and codes(stale) == ["lock-stale"]
    assert_env_object(stale, CREATE_KEYS, ok=False)
    assert stale["problems"][0]["file"] == str(tmp_workspace.lockfile("cpu"))


def test_create_json_carries_the_host_refusal_and_notes(tmp_workspace, monkeypatch):
    (tmp_workspace.root / "envs" / "gpu.yaml").write_text(
        "stack: torch 1.10 + cu102\nplatforms: [linux-64]\n")
    code, [made] = run_json("create", "gpu", "--json")     # no GPU here: installs, with a note
    assert code == 0 and codes(made) == ["no-gpu"] and made["problems"][0]["severity"] == "note"
    assert_env_object(made, CREATE_KEYS, ok=True)
    assert run("remove", "gpu", "--yes")[0] == 0
    monkeypatch.delenv("ENVMGR_NO_GPU")
    monkeypatch.setenv("ENVMGR_GPU", "RTX 3090")             # sm_86: no kernels in the cu102 build
    monkeypatch.setenv("ENVMGR_DRIVER_VERSION", "535.104.05")
    code, [refused] = run_json("create", "gpu", "--json")
    assert code == 1
    assert_env_object(refused, CREATE_KEYS, ok=False)
    assert "--ignore-host" in refused["problems"][0]["fix"]
    code, [forced] = run_json("create", "gpu", "--force", "--json")
    assert code == 0
    assert_env_object(forced, CREATE_KEYS, ok=True)         # the refusal became a warning
    assert [p["severity"] for p in forced["problems"]] == ["warning"]


# -- list -------------------------------------------------------------------------------------

LIST_ROW_KEYS = {"name", "ok", "torch", "cuda", "python", "lock", "env", "prefix", "size", "private",
                 "reason", "as_of", "owner", "packages", "pip_packages", "activate", "problems"}


def test_list_json_rows(tmp_workspace):
    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC)
    (tmp_workspace.root / "envs" / "bad.yaml").write_text("stack: torch 1.10 + cu121\n")
    assert run("lock", "cpu")[0] == 0
    code, data = run_json("list", "--json", "--no-size")
    assert code == 0 and {"envs_dir", "platform", "environments"} <= set(data)
    bad, cpu = data["environments"]
    assert_env_object(cpu, LIST_ROW_KEYS, ok=True)
    assert cpu["lock"] == "fresh" and cpu["reason"] is None and os.path.isabs(cpu["prefix"])
    assert_env_object(bad, LIST_ROW_KEYS, ok=False)      # an invalid spec: a problem, not a string
    assert codes(bad) == ["spec-error"] and bad["problems"][0]["file"] == str(tmp_workspace.spec_path("bad"))

    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC + "packages: [scipy]\n")
    code, data = run_json("list", "--json", "--no-size")
    cpu = data["environments"][1]
    assert_env_object(cpu, LIST_ROW_KEYS, ok=False)
    assert cpu["lock"] == "stale" and cpu["reason"] == "the spec changed"   # the key lock --check uses
    assert codes(cpu) == ["lock-stale"]


# -- verify and remove ------------------------------------------------------------------------

VERIFY_KEYS = {"name", "prefix", "ok", "python_version", "torch_version", "torch_cuda", "cudnn_version",
               "cuda_available", "device_name", "device_capability", "arch_list", "import_error",
               "cuda_error", "torch_file", "expected", "problems"}
REMOVE_KEYS = {"name", "ok", "prefix", "env_removed", "files_removed", "leftovers_removed",
               "problems"}


def test_verify_and_remove_json_shapes(tmp_workspace):
    (tmp_workspace.root / "envs" / "cpu.yaml").write_text(CPU_SPEC)
    code, missing = run_json("verify", "cpu", "--json")       # not created yet: exit 1
    assert code == 1 and codes(missing) == ["no-env"]
    assert_env_object(missing, VERIFY_KEYS, ok=False)
    assert missing["torch_version"] is None and missing["expected"] is None
    code, missing = run_json("remove", "cpu", "--yes", "--json")
    assert code == 1 and codes(missing) == ["no-env"]
    assert_env_object(missing, REMOVE_KEYS, ok=False)
    assert missing["env_removed"] is False and missing["files_removed"] == []

    assert run("create", "cpu")[0] == 0
    code, report = run_json("verify", "cpu", "--json")
    assert code == 0 and report["torch_version"] == "1.13.1" and report["cuda_available"] is False
    assert_env_object(report, VERIFY_KEYS, ok=True)
    code, removed = run_json("remove", "cpu", "--yes", "--spec", "--json")
    assert code == 0 and removed["env_removed"] is True
    assert_env_object(removed, REMOVE_KEYS, ok=True)
    assert str(tmp_workspace.spec_path("cpu")) in removed["files_removed"]

    for command, keys in (("verify", VERIFY_KEYS), ("remove", REMOVE_KEYS)):   # neither: exit 2
        code, unknown = run_json(command, "cpu", "--json", *(["--yes"] if command == "remove" else []))
        assert code == 2 and codes(unknown) == ["unknown-spec"]
        assert_env_object(unknown, keys, ok=False)


# -- doctor -----------------------------------------------------------------------------------

DOCTOR_ENV_KEYS = {"name", "ok", "runnable", "resolved", "label", "verdict", "problems"}


def test_doctor_json_envs_follow_the_conventions(workspace):
    (workspace / "envs" / "laptop.yaml").write_text("stack: torch 1.13 cpu\n")
    (workspace / "envs" / "broken.yaml").write_text("stack: torch 1.10 + cu102\npip: [unclosed\n")
    code, data = run_json("doctor", "--json")
    assert code == 0                                   # a spec that cannot run is not doctor's failure
    assert {"driver_version", "max_cuda", "gpus", "nvcc", "envs", "storage"} <= set(data)
    assert isinstance(data["gpus"], list) and all(os.path.isabs(p["path"]) for p in data["storage"])
    envs = {env["name"]: env for env in data["envs"]}
    assert_env_object(envs["laptop"], DOCTOR_ENV_KEYS, ok=True)
    assert envs["laptop"]["runnable"] is True and set(envs["laptop"]["resolved"]) == RESOLVED_KEYS
    broken = envs["broken"]
    assert_env_object(broken, DOCTOR_ENV_KEYS, ok=False)
    assert broken["runnable"] is False and broken["resolved"] is None
    [problem] = broken["problems"]
    assert problem["code"] == "spec-error" and problem["file"] == str(workspace / "envs" / "broken.yaml")
    assert problem["fix"] and "fix:" not in problem["message"]


# -- import -----------------------------------------------------------------------------------

IMPORT_KEYS = {"name", "ok", "source", "source_kind", "read_from", "path", "spec", "stack", "resolved",
               "problems", "dropped"}
PAPER_ENV = "name: paper\nchannels: [pytorch]\ndependencies:\n  - pytorch=1.10.1\n  - cudatoolkit=10.2\n" \
            "  - python=3.8\n"


def test_import_json_shape(workspace):
    (workspace / "environment.yml").write_text(PAPER_ENV)
    code, data = run_json("import", "environment.yml", "--json")
    assert code == 0
    assert_env_object(data, IMPORT_KEYS, ok=True)
    assert data["path"] == str(workspace / "envs" / "paper.yaml")
    assert data["source"] == data["read_from"] == str(workspace / "environment.yml")
    assert isinstance(data["spec"], dict) and set(data["resolved"]) == RESOLVED_KEYS
    code, data = run_json("import", "environment.yml", "--name", "fixed", "--fix", "--json")
    assert code == 0 and isinstance(data["changes"], list)
    assert_env_object(data, IMPORT_KEYS | {"changes"}, ok=True)

    (workspace / "numpy.yml").write_text("name: x\ndependencies:\n  - numpy\n")
    failures = {("environment.yml",): (2, "spec-exists"), ("numpy.yml",): (1, "nothing-to-import"),
                ("missing.yml",): (2, "unreadable-file"),
                ("environment.yml", "--name", "a/b"): (2, "invalid-name")}
    for args, (exit_code, problem) in failures.items():
        code, data = run_json("import", *args, "--json")
        assert code == exit_code, (args, data)
        assert_env_object(data, IMPORT_KEYS, ok=False, named=False)
        assert codes(data) == [problem] and data["spec"] is None and data["path"] is None
        assert data["source"] == str(workspace / args[0])
    assert sorted(p.name for p in (workspace / "envs").iterdir()) == ["fixed.yaml", "paper.yaml"]
