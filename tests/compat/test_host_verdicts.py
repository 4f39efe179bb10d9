"""Driver and GPU-architecture verdicts for real stacks on recorded machines."""
from __future__ import annotations


import pytest
from packaging.version import Version

from envmgr.compat.check import check
from envmgr.knowledge.drivers import driver_runs
from envmgr.host.detect import detect
from envmgr.compat.hostcheck import (best_variant, coverage, device_arch_problems, gpu_alternatives,
                              host_problems, offered_variants, suggest_for_new)
from envmgr.knowledge.facts import load
from envmgr.models import Spec

from clihelp import NO_PROC, machine_env


@pytest.fixture(scope="module")
def kb():
    return load()


def on(machine, kb, **overrides):
    return detect(machine_env(machine, **overrides), kb=kb, proc_root=NO_PROC)


def stack(kb, torch, cuda, route=None):
    result = check(Spec(name="t", torch=torch, cuda=cuda, route=route), kb)
    assert result.ok, [p.message for p in result.errors]
    return result.resolved


def codes(problems, severity=None):
    return [p.code for p in problems if severity is None or p.severity == severity]


def test_rtx3090_with_cu102_wheels_has_no_kernels(kb):
    problems = host_problems(stack(kb, "1.10", "10.2", "pip"), on("rtx3090-470", kb), kb)
    assert codes(problems, "error") == ["gpu-arch-unsupported"]
    error = problems[0]
    assert "sm_86" in error.message and "sm_37 sm_50 sm_60 sm_70" in error.message
    assert error.fix.startswith('cuda: "11.1"')


def test_rtx3090_with_torch_171_cu101_moves_to_cu110(kb):
    problems = host_problems(stack(kb, "1.7.1", "10.1", "pip"), on("rtx3090-470", kb), kb)
    assert codes(problems, "error") == ["gpu-arch-unsupported"]
    assert problems[0].fix.startswith('cuda: "11.0"')
    assert '"torch 1.8' in problems[0].fix     # and the next release line, with cu111


def test_390_driver_cannot_run_cu113(kb):
    problems = host_problems(stack(kb, "1.10", "11.3"), on("gtx1080-390", kb), kb)
    assert codes(problems, "error") == ["driver-too-old"]
    message = problems[0].message
    for fact in ("390.116", "450.80.02", "465.19.01", "up to 9.1", "cu113"):
        assert fact in message
    assert "upgrade the NVIDIA driver to >= 450.80.02" in problems[0].fix


def test_a100_515_runs_cu117(kb):
    assert host_problems(stack(kb, "1.13", "11.7"), on("a100-515", kb), kb) == []


@pytest.mark.parametrize("machine,torch,cuda", [
    ("rtx4090-535", "2.1", "12.1"), ("h100-550", "2.4", "12.4"), ("rtx5090-570", "2.7", "12.8"),
    ("rtx2080ti-440", "1.10", "10.2")])
def test_matching_stacks_pass(machine, torch, cuda, kb):
    assert codes(host_problems(stack(kb, torch, cuda), on(machine, kb), kb), "error") == []


def test_gtx1080_with_cu128_wheels_was_dropped(kb):
    host = on(None, kb, ENVMGR_GPU="GeForce GTX 1080", ENVMGR_DRIVER_VERSION="570.133.07")
    problems = host_problems(stack(kb, "2.7", "12.8", "pip"), host, kb)
    assert codes(problems, "error") == ["gpu-arch-dropped"]
    assert "sm_61" in problems[0].message
    assert problems[0].fix.startswith('cuda: "12.6"')


def test_old_driver_and_dropped_arch_are_both_reported(kb):
    problems = host_problems(stack(kb, "2.7", "12.8", "pip"), on("gtx1080-390", kb), kb)
    assert sorted(codes(problems, "error")) == ["driver-too-old", "gpu-arch-dropped"]
    dropped = next(p for p in problems if p.code == "gpu-arch-dropped")
    assert "12.6" in dropped.fix and "525.60.13" in dropped.fix    # kernels exist after an upgrade


def test_mixed_gpus_are_judged_one_by_one(kb):
    problems = host_problems(stack(kb, "2.7", "12.8", "pip"), on("titanv-rtx5880-570", kb), kb)
    assert codes(problems, "error") == ["gpu-arch-dropped"]
    assert "TITAN V" in problems[0].message and "5880" not in problems[0].message


def test_rtx5090_needs_cu128(kb):
    problems = host_problems(stack(kb, "2.4", "12.1", "pip"), on("rtx5090-570", kb), kb)
    assert codes(problems, "error") == ["gpu-arch-unsupported"]
    assert "sm_120" in problems[0].message and "cu128" in problems[0].fix


def test_cpu_build_on_a_gpu_machine_is_a_warning(kb):
    problems = host_problems(stack(kb, "2.4", "cpu"), on("rtx3090-470", kb), kb)
    assert [(p.code, p.severity) for p in problems] == [("cpu-build-on-gpu", "warning")]
    assert problems[0].fix.startswith('cuda: "11.8"')


def test_cuda_build_without_a_gpu_is_a_note(kb):
    problems = host_problems(stack(kb, "2.4", "12.1"), on(None, kb), kb)
    assert [(p.code, p.severity) for p in problems] == [("no-gpu", "note")]
    assert "525.60.13" in problems[0].message


def test_minor_version_compatibility_is_a_note(kb):
    problems = host_problems(stack(kb, "2.4", "11.8", "pip"), on("rtx3090-470", kb), kb)
    assert [(p.code, p.severity) for p in problems] == [("driver-minor-compat", "note")]


def test_two_identical_gpus_give_one_verdict(kb):
    problems = host_problems(stack(kb, "1.10", "11.1", "pip"), on("2x-v100-450", kb), kb)
    assert codes(problems) == ["driver-minor-compat"]


def test_login_node_declaring_the_target(kb):
    host = on(None, kb, CONDA_OVERRIDE_CUDA="11.4", ENVMGR_GPU="sm_86")
    assert codes(host_problems(stack(kb, "2.4", "12.1", "pip"), host, kb), "error") == ["driver-too-old"]
    assert codes(host_problems(stack(kb, "1.10", "11.1", "pip"), host, kb), "error") == []


@pytest.mark.parametrize("machine,torch,expected", [
    ("rtx3090-470", "1.10", "11.3"), ("rtx5090-570", "2.7", "12.8"),
    # 2.7 + cu126 on linux-64 now takes the conda-forge route, whose arch list envmgr does not
    # know; the cu118 wheels verifiably carry sm_70 (TITAN V) and sm_86 (runs the Ada RTX 5880).
    ("titanv-rtx5880-570", "2.7", "11.8"), ("a100-515", "1.13", "11.7"), (None, "1.10", "cpu")])
def test_best_variant(machine, torch, expected, kb):
    host = on(machine, kb)
    cuda, reason = best_variant(kb.release(torch), host, kb, host.platform)
    assert cuda == expected
    assert reason and "\n" not in reason


def test_best_variant_with_nothing_that_runs(kb):
    cuda, reason = best_variant(kb.release("2.7"), on("gtx1080-390", kb), kb)
    assert cuda == "cpu" and "390.116" in reason


@pytest.mark.parametrize("arch_list,cc,covered,via_ptx", [
    (["sm_37", "sm_50", "sm_60", "sm_70"], "8.6", False, False),
    (["sm_80"], "8.6", True, False),                  # same major, lower minor: binary compatible
    (["sm_86"], "8.0", False, False),                 # never downwards
    (["sm_37", "compute_37"], "8.6", True, True),     # PTX JIT
    (["sm_90a"], "9.0", True, False),
    (["sm_90a"], "10.0", False, False),               # arch-specific cubins run on 9.0 only
    (["sm_75", "sm_120", "compute_120"], "6.1", False, False),
])
def test_coverage_rules(arch_list, cc, covered, via_ptx):
    found = coverage(arch_list, cc)
    assert (found.covered, found.via_ptx) == (covered, via_ptx)


def test_device_arch_problems_for_verify():
    [problem] = device_arch_problems(["sm_37", "sm_50", "sm_60", "sm_70"], "8.6", "NVIDIA GeForce RTX 3090")
    assert problem.severity == "error" and "sm_86" in problem.message
    assert device_arch_problems(["sm_50", "sm_60", "sm_70", "sm_75", "sm_80", "sm_86"], "8.6") == []
    [ptx] = device_arch_problems(["sm_37", "compute_37"], "8.6")
    assert ptx.severity == "warning"


def test_driver_rule_with_declared_cuda_only(kb):
    assert driver_runs("11.8", None, "11.4", kb).how == "minor-compat"
    assert not driver_runs("12.1", None, "11.4", kb).ok
    assert not driver_runs("10.2", None, "10.1", kb).ok          # no minor-version compatibility before 11
    assert driver_runs("12.8", "570.133.07", "12.8", kb).how == "native"


# -- a login node that names only the target GPU (ENVMGR_GPU, no driver) -------------------------------

def test_gpu_override_alone_checks_the_architecture(kb):
    host = on(None, kb, ENVMGR_GPU="sm_86")
    problems = host_problems(stack(kb, "1.10", "10.2"), host, kb)
    assert codes(problems, "error") == ["gpu-arch-unsupported"]
    assert "sm_86" in problems[0].message and problems[0].fix
    [unknown] = [p for p in problems if p.code == "driver-unknown"]
    assert unknown.severity == "note"
    assert "driver unknown: set ENVMGR_DRIVER_VERSION or CONDA_OVERRIDE_CUDA to check it" in unknown.message
    assert "no-gpu" not in codes(problems)


def test_gpu_override_alone_warns_about_a_cpu_build(kb):
    problems = host_problems(stack(kb, "2.4", "cpu"), on(None, kb, ENVMGR_GPU="sm_86"), kb)
    assert codes(problems) == ["cpu-build-on-gpu"]


@pytest.mark.parametrize("gpu,torch,expected", [
    ("sm_86", "2.4", "12.4"),                 # every variant covers sm_86: the newest
    # cu128 dropped sm_61; cu126 on linux-64 takes the conda-forge route, whose arch list envmgr
    # does not know: the newest variant verified to carry sm_61 is cu118.
    ("GeForce GTX 1080", "2.7", "11.8"),
    ("sm_120", "2.7", "12.8"),                # only cu128 has Blackwell kernels
])
def test_best_variant_with_only_the_gpu_known(gpu, torch, expected, kb):
    host = on(None, kb, ENVMGR_GPU=gpu)
    cuda, reason = best_variant(kb.release(torch), host, kb, host.platform)
    assert cuda == expected
    assert "driver" in reason and "None" not in reason and "no NVIDIA GPU" not in reason


def test_cli_check_and_new_with_only_the_gpu_known(tmp_path):
    from click.testing import CliRunner

    from envmgr.cli import cli

    (tmp_path / "envs").mkdir()
    env = machine_env(None, ENVMGR_GPU="sm_86", ENVMGR_WORKSPACE=str(tmp_path))
    runner = CliRunner()
    checked = runner.invoke(cli, ["check", "--host", "--stack", "torch 1.10 + cu102"], env=env)
    assert checked.exit_code == 1, checked.output
    assert "sm_86" in checked.output and "no NVIDIA GPU found" not in checked.output
    assert "driver unknown" in checked.output
    created = runner.invoke(cli, ["new", "q", "torch 2.4"], env=env)
    assert created.exit_code == 0, created.output
    assert "cu124" in (tmp_path / "envs" / "q.yaml").read_text()


# -- every problem that cites a source states the fact it took from it ----------------------------

def test_rtx3090_with_torch_171_cu101_states_the_toolkit_range(kb):
    host = on(None, kb, ENVMGR_GPU="GeForce RTX 3090", ENVMGR_DRIVER_VERSION="470.57.02")
    problems = host_problems(stack(kb, "1.7.1", "10.1"), host, kb)
    [error] = [p for p in problems if p.severity == "error"]
    assert error.code == "gpu-arch-unsupported" and error.source
    assert error.fact == "CUDA 10.1 targets compute capabilities 3.0-7.5; sm_86 is outside it"


@pytest.mark.parametrize("machine,overrides", [
    (None, {"ENVMGR_GPU": "GeForce RTX 3090", "ENVMGR_DRIVER_VERSION": "470.57.02"}),
    (None, {"ENVMGR_GPU": "sm_90"}), ("gtx1080-390", {}), ("rtx5090-570", {}), ("2x-v100-450", {})])
def test_problems_with_a_source_carry_a_fact(machine, overrides, kb):
    host = on(machine, kb, **overrides)
    for torch in ("1.0", "1.7.1", "1.8.1", "1.10", "1.13", "2.4", "2.7"):
        release = kb.release(torch)
        for cuda in offered_variants(release, "linux-64"):
            for route in ("pytorch", "pip", "conda-forge"):
                result = check(Spec(name="t", torch=torch, cuda=cuda, route=route), kb)
                if not result.ok:
                    continue
                for problem in host_problems(result.resolved, host, kb):
                    assert problem.fact or not problem.source, (torch, cuda, route, problem)


# -- `envmgr new` on a GPU box where no CUDA build of the release runs --------------------------------

def _stack_runs(kb, host, torch, cuda):
    return codes(host_problems(stack(kb, torch, cuda), host, kb), "error") == []


def test_new_on_h100_with_torch_110_names_the_nearest_gpu_stack(kb):
    host = on(None, kb, ENVMGR_GPU="H100", ENVMGR_DRIVER_VERSION="550.54.14")
    release = kb.release("1.10")
    cuda, reason = best_variant(release, host, kb, "linux-64")
    assert cuda == "cpu"
    assert reason.startswith("no CUDA build of torch 1.10.2") and "H100 (sm_90)" in reason
    found = gpu_alternatives(release, host, kb, "linux-64")
    assert found.stack is not None and found.upgrade is None     # the driver is new enough already
    assert _stack_runs(kb, host, found.stack.torch, found.stack.cuda)
    # no release line between 1.10 and the suggestion's runs there
    suggested = Version(found.stack.torch)
    older = [r for r in kb.releases if Version("1.10.2") < r.version
             and (r.version.major, r.version.minor) < (suggested.major, suggested.minor)]
    assert older
    for other in older:
        assert best_variant(other, host, kb, "linux-64")[0] == "cpu", other.torch
    text = suggest_for_new(release, host, kb, "linux-64", "h1")
    stack_text = f"torch {found.stack.torch} + cu{found.stack.cuda.replace('.', '')}"
    assert f"nearest stack with GPU support: {stack_text}" in text
    assert f'envmgr new h1 "{stack_text}" --force' in text


def test_new_on_gtx1080_with_driver_390_suggests_the_upgrade_and_a_release(kb):
    host = on("gtx1080-390", kb)
    release = kb.release("1.10")
    assert best_variant(release, host, kb, "linux-64")[0] == "cpu"
    found = gpu_alternatives(release, host, kb, "linux-64")
    assert found.upgrade is not None
    upgraded = on(None, kb, ENVMGR_GPU="GeForce GTX 1080", ENVMGR_DRIVER_VERSION=found.upgrade.driver)
    assert _stack_runs(kb, upgraded, "1.10", found.upgrade.cuda)
    if found.stack is not None:
        assert _stack_runs(kb, host, found.stack.torch, found.stack.cuda)
    text = suggest_for_new(release, host, kb, "linux-64", "g1")
    assert f"upgrade the NVIDIA driver to >= {found.upgrade.driver}" in text
    assert f'envmgr new g1 "torch 1.10.2 + cu{found.upgrade.cuda.replace(".", "")}" --force' in text


def test_new_suggests_nothing_when_a_cuda_build_runs_or_there_is_no_gpu(kb):
    release = kb.release("1.10")
    assert suggest_for_new(release, on("rtx3090-470", kb), kb, "linux-64", "x") is None
    assert suggest_for_new(release, on(None, kb), kb, "linux-64", "x") is None


def test_cpu_spec_on_a_gpu_where_no_cuda_build_runs_gets_the_gpu_stack_as_fix(kb):
    host = on(None, kb, ENVMGR_GPU="H100", ENVMGR_DRIVER_VERSION="550.54.14")
    [problem] = host_problems(stack(kb, "1.10", "cpu"), host, kb)
    assert problem.code == "cpu-build-on-gpu" and problem.fix
    found = gpu_alternatives(kb.release("1.10"), host, kb, "linux-64")
    assert f'stack: "torch {found.stack.torch} + cu' in problem.fix


def test_best_variant_does_not_claim_kernels_it_cannot_verify(kb):
    # torch 1.6 predates envmgr's arch tables: its variant is chosen, its kernels are not claimed
    host = on(None, kb, ENVMGR_GPU="GeForce GTX 1080")
    cuda, reason = best_variant(kb.release("1.6"), host, kb, "linux-64")
    assert cuda != "cpu"
    assert "with kernels for" not in reason
    assert (f"kernels for sm_61 not verified (the arch list of torch 1.6.0 + cu{cuda.replace('.', '')} "
            "is not in envmgr's tables)") in reason
    _, verified = best_variant(kb.release("1.10"), host, kb, "linux-64")
    assert "with kernels for GeForce GTX 1080 (sm_61)" in verified and "not verified" not in verified


# -- arch messages: short, one level of parentheses, facts cited from the arch sources -------------

def _paren_depth(text):
    depth = deepest = 0
    for char in text:
        depth += {"(": 1, ")": -1}.get(char, 0)
        deepest = max(deepest, depth)
    return deepest


def test_rtx3090_with_cu102_conda_build_says_why_in_one_short_sentence(kb):
    host = on(None, kb, ENVMGR_GPU="RTX 3090", ENVMGR_DRIVER_VERSION="550.54.14")
    [error] = [p for p in host_problems(stack(kb, "1.10.1", "10.2", "pytorch"), host, kb)
               if p.severity == "error"]
    assert error.message == ("torch 1.10.1 + cu102 has no kernels for sm_86 (RTX 3090): CUDA 10.2 "
                             "predates sm_86 and cannot target it, and the build's only PTX "
                             "(compute_37) is not enough for CUDA 10.2's libraries")
    assert error.fact == "CUDA 10.2 targets compute capabilities 3.0-7.5; sm_86 is outside it"
    assert "driver" not in error.source.lower() and "minor version" not in error.source.lower()
    assert "CMake" in error.source or "clang" in error.source


@pytest.mark.parametrize("machine,overrides", [
    (None, {"ENVMGR_GPU": "GeForce RTX 3090", "ENVMGR_DRIVER_VERSION": "470.57.02"}),
    (None, {"ENVMGR_GPU": "sm_90", "ENVMGR_DRIVER_VERSION": "550.54.14"}), ("gtx1080-390", {}),
    ("rtx5090-570", {}), ("titanv-rtx5880-570", {})])
def test_arch_messages_have_no_nested_parentheses(machine, overrides, kb):
    host = on(machine, kb, **overrides)
    for torch in ("1.7.1", "1.8.1", "1.10", "1.13", "2.4", "2.7"):
        for cuda in offered_variants(kb.release(torch), "linux-64"):
            for route in ("pytorch", "pip"):
                result = check(Spec(name="t", torch=torch, cuda=cuda, route=route), kb)
                if not result.ok:
                    continue
                for problem in host_problems(result.resolved, host, kb):
                    if problem.code.startswith("gpu-arch"):
                        assert _paren_depth(problem.message) <= 1, problem.message
                        assert len(problem.message) <= 240, problem.message
