"""envmgr verify: the comparison rules, and the probe run inside real test environments."""
from __future__ import annotations

import pytest

from envmgr.envs import verify as verifying
from envmgr.envs.verify import Advice, Expected, Probe, Report, device_arch_check

CUDA_PROBE = dict(python_version="3.7.16", torch_version="1.10.1", torch_cuda="10.2",
                  cudnn_version=7605, cuda_available=False)


def compare(probe, expected, advice=Advice("x")):
    return verifying.compare(probe, expected, advice)


def codes(problems):
    return sorted(p.code for p in problems if p.severity == "error")


def test_matching_cuda_build_is_ok_with_a_no_gpu_warning():
    problems = compare(Probe(**CUDA_PROBE), Expected(torch="1.10.1", cuda="10.2", python="3.7"))
    assert codes(problems) == []
    assert [p.code for p in problems] == ["no-gpu"]


def test_cpu_build_where_cuda_was_asked_is_a_mismatch():
    probe = Probe(**{**CUDA_PROBE, "torch_cuda": None, "cudnn_version": None})
    problems = compare(probe, Expected(torch="1.10.1", cuda="10.2", python="3.7"))
    assert codes(problems) == ["cpu-build"]
    assert "CPU build" in problems[0].message


def test_cuda_build_where_cpu_was_asked_is_a_mismatch():
    problems = compare(Probe(**CUDA_PROBE), Expected(torch="1.10.1", cuda="cpu", python="3.7"))
    assert codes(problems) == ["cuda-variant"]


def test_other_cuda_variant_is_a_mismatch():
    problems = compare(Probe(**CUDA_PROBE), Expected(torch="1.10.1", cuda="11.3", python="3.7"))
    assert codes(problems) == ["cuda-variant"]


def test_torch_and_python_versions_are_compared():
    problems = compare(Probe(**CUDA_PROBE), Expected(torch="1.10.0", cuda="10.2", python="3.8"))
    assert codes(problems) == ["python-version", "torch-version"]


def test_pip_local_version_tag_matches_public_version():
    probe = Probe(**{**CUDA_PROBE, "torch_version": "2.6.0+cu124", "torch_cuda": "12.4",
                     "python_version": "3.12.4", "cuda_available": True})
    assert compare(probe, Expected(torch="2.6.0+cu124", cuda="12.4", python="3.12")) == []
    assert compare(probe, Expected(torch="2.6.0", cuda="12.4", python="3.12")) == []


def test_import_failure_is_the_only_problem_reported():
    probe = Probe(python_version="3.7.16", import_error="ImportError: libcudart.so.10.2")
    report = Report(name="x", prefix="/p", probe=probe,
                    expected=Expected(torch="1.10.1", cuda="10.2", python="3.7"),
                    problems=compare(probe, Expected(torch="1.10.1", cuda="10.2", python="3.7")))
    assert not report.ok and codes(report.problems) == ["torch-import"]
    data = report.to_json()
    for key in ("torch_version", "torch_cuda", "cuda_available", "python_version", "ok", "problems"):
        assert key in data


def test_fixes_name_the_environment_and_follow_its_state():
    cpu_build = Probe(**{**CUDA_PROBE, "torch_cuda": None})
    wanted = Expected(torch="1.10.1", cuda="10.2", python="3.7")

    def fix(advice, probe=cpu_build):
        (problem,) = [p for p in compare(probe, wanted, advice) if p.severity == "error"]
        assert "NAME" not in problem.fix
        return problem.fix

    # env and lock agree, yet the build is wrong: the lock itself needs redoing
    assert "envmgr lock paper --update" in fix(Advice("paper"))
    # the env simply no longer matches its (fresh) lockfile: create it again, nothing else
    out_of_sync = fix(Advice("paper", env_in_sync=False))
    assert "`envmgr create paper`" in out_of_sync and "lock" not in out_of_sync.replace("lockfile", "")
    # the spec changed since the lock: one command re-locks and installs
    assert "envmgr create paper --relock" in fix(Advice("paper", lock_stale=True))
    broken = Probe(python_version="3.7.16", import_error="ImportError: libcudart.so.10.2")
    assert "envmgr create paper --recreate" in fix(Advice("paper"), broken)


def test_device_arch_check_uses_the_build_arch_list():
    pytest.importorskip("envmgr.compat.hostcheck")
    old_build = Probe(**{**CUDA_PROBE, "cuda_available": True, "device_name": "RTX 3090",
                         "device_capability": [8, 6], "arch_list": ["sm_37", "sm_50", "sm_60",
                                                                    "sm_70"]})
    problems = device_arch_check(old_build, Expected(torch="1.10.1", cuda="10.2", python="3.7"))
    assert [p.code for p in problems] == ["gpu-arch-unsupported"]
    covered = Probe(**{**old_build.__dict__, "arch_list": ["sm_70", "sm_75", "sm_80", "sm_86"]})
    assert device_arch_check(covered, Expected(torch="1.10.1", cuda="11.3", python="3.7")) == []


# -- on real environments built from the test channels -----------------------------------------
import json  # noqa: E402

from click.testing import CliRunner  # noqa: E402

from envmgr.cli import cli  # noqa: E402


def envmgr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def verify_json(name: str) -> tuple[int, dict]:
    result = envmgr("verify", name, "--json")
    return result.exit_code, json.loads(result.stdout)


def test_cpu_build_where_the_spec_asks_for_cuda_exits_1(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", "stack: torch 1.13 cpu\n")
    assert envmgr("create", "laptop").exit_code == 0
    code, report = verify_json("laptop")
    assert code == 0 and report["torch_cuda"] is None and report["ok"]
    # The spec now asks for CUDA 11.7, but the env still holds the CPU build.
    write_spec(tmp_workspace, "laptop", "stack: torch 1.13 + cu117\n")
    code, report = verify_json("laptop")
    assert code == 1 and report["ok"] is False
    assert [p["code"] for p in report["problems"]] == ["cpu-build"]
    assert "envmgr create laptop --relock" in report["problems"][0]["fix"]   # the lock is stale
    text = envmgr("verify", "laptop")
    assert text.exit_code == 1 and "CPU build" in text.stderr and "MISMATCH" in text.stdout


def test_verify_on_a_gpu_reports_device_capability_and_arch_list(tmp_workspace, write_spec,
                                                                 monkeypatch):
    write_spec(tmp_workspace, "paper", "stack: torch 1.10.1 + cu102 + py3.7\n")
    assert envmgr("create", "paper").exit_code == 0
    monkeypatch.setenv("ENVMGR_TEST_FAKE_GPU", "Tesla V100-SXM2-16GB:7.0")
    code, report = verify_json("paper")
    assert code == 0, report["problems"]
    assert report["cuda_available"] is True and report["device_name"] == "Tesla V100-SXM2-16GB"
    assert report["device_capability"] == [7, 0] and "sm_70" in report["arch_list"]
    assert report["problems"] == []                        # no "no GPU" warning on a GPU


def test_gpu_missing_from_the_build_arch_list_exits_1(tmp_workspace, write_spec, monkeypatch):
    pytest.importorskip("envmgr.compat.hostcheck")
    write_spec(tmp_workspace, "new", "stack: torch 2.4.1 + cu121\n")
    assert envmgr("create", "new").exit_code == 0
    monkeypatch.setenv("ENVMGR_TEST_FAKE_GPU", "Tesla K40m:3.5")  # Kepler: dropped by cu12 builds
    code, report = verify_json("new")
    assert code == 1 and "gpu-arch-unsupported" in [p["code"] for p in report["problems"]]


def test_verify_without_an_env_says_how_to_create_it(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper", "stack: torch 1.10.1 + cu102 + py3.7\n")
    result = envmgr("verify", "paper")
    assert result.exit_code == 1 and "envmgr create paper" in result.stderr


def test_verify_advice_names_the_env_when_its_python_is_gone(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", "stack: torch 1.13 cpu\n")
    assert envmgr("create", "laptop").exit_code == 0
    from envmgr.envs.environments import Environment

    Environment.named("laptop", tmp_workspace).python.unlink()
    result = envmgr("verify", "laptop")
    # create sees the env is out of sync (no python), so a plain create rebuilds it
    assert result.exit_code == 1 and "run `envmgr create laptop`" in result.stderr
    assert "NAME" not in result.stderr


def test_an_env_behind_its_fresh_lockfile_is_told_to_create_again(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", "stack: torch 1.13 cpu\n")
    assert envmgr("create", "laptop").exit_code == 0
    write_spec(tmp_workspace, "laptop", "stack: torch 1.13 + cu117\n")
    assert envmgr("lock", "laptop").exit_code == 0          # the lock moves on, the env does not
    code, report = verify_json("laptop")
    assert code == 1 and [p["code"] for p in report["problems"]] == ["cpu-build"]
    assert report["problems"][0]["fix"].startswith("the environment no longer matches its lockfile")
    assert "`envmgr create laptop`" in report["problems"][0]["fix"]
