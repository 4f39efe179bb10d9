"""Host detection against recorded nvidia-smi outputs, replayed by a stand-in nvidia-smi on PATH."""
from __future__ import annotations

import subprocess

import pytest

from envmgr.knowledge.drivers import max_cuda_for_driver, max_cuda_minor_compat
from envmgr.errors import UsageError
from envmgr.knowledge.gpunames import capability_from_sm, lookup_capability
from envmgr.host.detect import detect, parse_header
from envmgr.knowledge.facts import load

from clihelp import FIXTURES as ALL_FIXTURES, NO_PROC, machine_env

FIXTURES = ALL_FIXTURES / "nvidia-smi"


@pytest.fixture(scope="module")
def kb():
    return load()


# machine -> driver, newest CUDA, [(name, compute capability, MiB)], where the capability came from
MACHINES = {
    "gtx1050ti-384": ("384.130", "9.0", [("GeForce GTX 1050 Ti", "6.1", 4038)], "GPU table"),
    "gtx1080-390": ("390.116", "9.1", [("GeForce GTX 1080", "6.1", 8116)], "GPU table"),
    "rtx2080ti-440": ("440.100", "10.2", [("GeForce RTX 2080 Ti", "7.5", 11016)], "GPU table"),
    "2x-v100-450": ("450.80.02", "11.0", [("Tesla V100-SXM2-16GB", "7.0", 16160)] * 2, "GPU table"),
    "rtx3090-470": ("470.57.02", "11.4", [("NVIDIA GeForce RTX 3090", "8.6", 24265)], "GPU table"),
    "a100-515": ("515.65.01", "11.7", [("NVIDIA A100-SXM4-40GB", "8.0", 40960)], "nvidia-smi"),
    "rtx4090-535": ("535.104.05", "12.2", [("NVIDIA GeForce RTX 4090", "8.9", 24564)], "nvidia-smi"),
    "h100-550": ("550.54.15", "12.4", [("NVIDIA H100 80GB HBM3", "9.0", 81559)], "nvidia-smi"),
    "rtx5090-570": ("570.133.07", "12.8", [("NVIDIA GeForce RTX 5090", "12.0", 32607)], "nvidia-smi"),
    "titanv-rtx5880-570": ("570.86.15", "12.8", [("NVIDIA TITAN V", "7.0", 12288),
                                                 ("NVIDIA RTX 5880 Ada Generation", "8.9", 49140)],
                           "nvidia-smi"),
}


@pytest.mark.parametrize("machine", sorted(MACHINES))
def test_recorded_machines(machine, kb):
    driver, max_cuda, gpus, cc_source = MACHINES[machine]
    host = detect(machine_env(machine), kb=kb, proc_root=NO_PROC)
    assert host.driver_version == driver
    assert host.max_cuda == max_cuda
    assert [(g.name, g.compute_capability, g.memory_mib) for g in host.gpus] == gpus
    assert [g.index for g in host.gpus] == list(range(len(gpus)))
    assert all(g.capability_source.startswith(cc_source) for g in host.gpus)
    assert host.has_gpu and host.runs_cuda


@pytest.mark.parametrize("machine", ["gtx1050ti-384", "gtx1080-390"])
def test_drivers_before_410_get_cuda_from_the_driver_table(machine, kb):
    host = detect(machine_env(machine), kb=kb, proc_root=NO_PROC)
    assert "driver table" in host.max_cuda_source
    assert any("prints no CUDA version" in note for note in host.notes)


def test_nvidia_smi_header_wins_over_the_table(kb):
    host = detect(machine_env("rtx3090-470"), kb=kb, proc_root=NO_PROC)
    assert host.max_cuda_source.startswith("nvidia-smi")


def test_stand_in_rejects_compute_cap_like_old_drivers():
    env = machine_env("rtx3090-470")
    done = subprocess.run([str(FIXTURES / "bin" / "nvidia-smi"), "--query-gpu=name,compute_cap",
                           "--format=csv"], env=env, capture_output=True, text=True)
    assert done.returncode == 2
    assert done.stdout.strip() == 'Field "compute_cap" is not a valid field to query.'
    newer = subprocess.run([str(FIXTURES / "bin" / "nvidia-smi"), "--query-gpu=name,compute_cap",
                            "--format=csv"], env=machine_env("a100-515"), capture_output=True, text=True)
    assert newer.stdout.splitlines() == ["name, compute_cap", "NVIDIA A100-SXM4-40GB, 8.0"]


def test_old_driver_note_explains_the_fallback(kb):
    host = detect(machine_env("rtx2080ti-440"), kb=kb, proc_root=NO_PROC)
    assert any("no compute_cap field" in note for note in host.notes)
    modern = detect(machine_env("h100-550"), kb=kb, proc_root=NO_PROC)
    assert modern.notes == []


def test_no_nvidia_smi_is_no_gpu_not_an_error(kb):
    host = detect(machine_env(None), kb=kb, proc_root=NO_PROC)
    assert host.gpus == [] and host.driver_version is None and host.max_cuda is None
    assert not host.runs_cuda
    assert any("no NVIDIA GPU found" in note for note in host.notes)


def test_kernel_module_without_nvidia_smi(kb):
    host = detect(machine_env(None), kb=kb, proc_root=FIXTURES / "proc-470")
    assert host.driver_version == "470.57.02"
    assert host.max_cuda == "11.4"          # from the table: 470.57.02 >= 470.42.01
    assert [(g.name, g.compute_capability) for g in host.gpus] == [("NVIDIA GeForce RTX 3090", "8.6")]


def test_driver_that_is_not_loaded(kb):
    host = detect(machine_env("driver-not-loaded"), kb=kb, proc_root=NO_PROC)
    assert host.gpus == [] and host.driver_version is None and not host.runs_cuda
    assert any("couldn't communicate with the NVIDIA driver" in note for note in host.notes)


def test_gpu_index_0_is_kept_when_it_is_not_listed_first(kb):
    # Rows in a different order than their indices (the stand-in lists GPU 1 first): the index
    # nvidia-smi states wins, and index 0 is an index like any other, not a missing value.
    host = detect(machine_env("2x-a100-reversed"), kb=kb, proc_root=NO_PROC)
    assert [(g.index, g.memory_mib) for g in host.gpus] == [(1, 81920), (0, 40960)]


# -- odd nvidia-smi output: garbage is dropped with a note, never a traceback -------------------------

def test_garbled_values_are_dropped_with_notes(kb):
    # compute_cap "12.x", driver_version "abc.def" and a header saying "CUDA Version: 1": each is
    # ignored, and the next source of evidence answers (header driver, GPU table, driver table).
    host = detect(machine_env("garbled-values"), kb=kb, proc_root=NO_PROC)
    assert host.driver_version == "570.133.07"
    assert host.max_cuda == "12.8" and "driver table" in host.max_cuda_source
    [gpu] = host.gpus
    assert gpu.compute_capability == "12.0" and gpu.capability_source.startswith("GPU table")
    for garbage in ("'12.x'", "'abc.def'", "'1'"):
        assert any(garbage in note and "ignored" in note for note in host.notes), (garbage, host.notes)
    assert not any("drivers before 410" in note for note in host.notes)


def test_garbled_driver_everywhere_leaves_the_driver_unknown(kb):
    host = detect(machine_env("garbled-driver"), kb=kb, proc_root=NO_PROC)
    assert host.driver_version is None
    assert host.max_cuda == "12.8" and host.max_cuda_source.startswith("nvidia-smi")
    assert [g.compute_capability for g in host.gpus] == ["12.0"]
    assert any("'570.13x.07'" in note for note in host.notes)
    assert host.runs_cuda


def test_garbled_machines_check_without_a_traceback(kb):
    from envmgr.compat.check import check
    from envmgr.compat.hostcheck import host_problems
    from envmgr.models import Spec

    resolved = check(Spec(name="t", torch="2.7", cuda="12.8", route="pip"), kb).resolved
    for machine in ("garbled-values", "garbled-driver"):
        host = detect(machine_env(machine), kb=kb, proc_root=NO_PROC)
        assert not [p for p in host_problems(resolved, host, kb) if p.severity == "error"]


# -- overrides -------------------------------------------------------------------------------------

def test_no_gpu_override_skips_detection(kb):
    host = detect(machine_env("rtx3090-470", ENVMGR_NO_GPU="1"), kb=kb, proc_root=NO_PROC)
    assert host.gpus == [] and host.driver_version is None and host.nvidia_smi is None
    assert host.overrides == {"ENVMGR_NO_GPU": "1"}


@pytest.mark.parametrize("value,cc", [("sm_86", "8.6"), ("sm_120", "12.0"), ("8.9", "8.9"),
                                      ("Tesla V100-SXM2-32GB", "7.0"), ("NVIDIA GeForce RTX 3090", "8.6")])
def test_gpu_override(value, cc, kb):
    host = detect(machine_env(None, ENVMGR_GPU=value), kb=kb, proc_root=NO_PROC)
    assert [g.compute_capability for g in host.gpus] == [cc]


def test_driver_override_rederives_cuda(kb):
    host = detect(machine_env("rtx3090-470", ENVMGR_DRIVER_VERSION="450.80.02"), kb=kb, proc_root=NO_PROC)
    assert host.driver_version == "450.80.02" and host.max_cuda == "11.0"
    assert "driver table" in host.max_cuda_source


def test_conda_override_cuda(kb):
    host = detect(machine_env(None, CONDA_OVERRIDE_CUDA="12.4"), kb=kb, proc_root=NO_PROC)
    assert host.max_cuda == "12.4" and host.runs_cuda and host.gpus == []
    empty = detect(machine_env("rtx3090-470", CONDA_OVERRIDE_CUDA=""), kb=kb, proc_root=NO_PROC)
    assert empty.max_cuda is None and empty.cuda_disabled and not empty.runs_cuda


@pytest.mark.parametrize("variable,value", [
    ("CONDA_OVERRIDE_CUDA", "12"), ("CONDA_OVERRIDE_CUDA", "cu121"),
    ("ENVMGR_DRIVER_VERSION", "latest"), ("ENVMGR_DRIVER_VERSION", "12.4"),
    ("ENVMGR_GPU", "GeForce Banana 9000"), ("ENVMGR_GPU", "sm_999"), ("ENVMGR_GPU", "8.8"),
    ("ENVMGR_NO_GPU", "maybe"),
    ("ENVMGR_NVIDIA_SMI", "/no/such/nvidia-smi")])
def test_malformed_overrides_name_the_variable(variable, value, kb):
    with pytest.raises(UsageError) as raised:
        detect(machine_env(None, **{variable: value}), kb=kb, proc_root=NO_PROC)
    assert variable in str(raised.value) and raised.value.fix
    assert raised.value.exit_code == 2


def test_unknown_architecture_lists_the_known_ones(kb):
    with pytest.raises(UsageError) as raised:
        detect(machine_env(None, ENVMGR_GPU="sm_999", ENVMGR_DRIVER_VERSION="570.133.07"), kb=kb,
               proc_root=NO_PROC)
    assert "sm_999" in str(raised.value)
    for known in ("sm_61", "sm_86", "sm_90", "sm_120"):
        assert known in raised.value.fix


def test_every_architecture_of_the_knowledge_base_is_accepted(kb):
    known = {t_cc for t in kb.toolkits for t_cc in t.archs} | {g.cc for g in kb.gpus}
    for cc in sorted(known):
        host = detect(machine_env(None, ENVMGR_GPU="sm_" + cc.replace(".", "")), kb=kb, proc_root=NO_PROC)
        assert [g.compute_capability for g in host.gpus] == [cc]
    assert detect(machine_env(None, ENVMGR_GPU="sm_90a"), kb=kb, proc_root=NO_PROC).gpus[0].sm == "sm_90"

# -- parsing and tables ----------------------------------------------------------------------------

def test_parse_header_variants():
    assert parse_header("| NVIDIA-SMI 390.116   Driver Version: 390.116     |") == ("390.116", None)
    assert parse_header("Driver Version: 550.54.10      CUDA Version: N/A   |") == ("550.54.10", None)
    assert parse_header("Driver Version: 470.57.02    CUDA Version: 11.4     |") == ("470.57.02", "11.4")


@pytest.mark.parametrize("name,cc,row", [
    ("GeForce GTX 1080", "6.1", "GeForce GTX 1080"),
    ("GeForce GTX 1080 Ti", "6.1", "GeForce GTX 1080 Ti"),
    ("NVIDIA GeForce RTX 3090", "8.6", "GeForce RTX 3090"),
    ("Tesla V100-SXM2-16GB", "7.0", "Tesla V100"),
    ("NVIDIA A100-SXM4-80GB", "8.0", "A100"),
    ("NVIDIA A100 80GB PCIe", "8.0", "A100"),
    ("NVIDIA H100 80GB HBM3", "9.0", "H100"),
    ("NVIDIA GeForce RTX 5090 D", "12.0", "GeForce RTX 5090"),
])
def test_gpu_names_match_the_table(name, cc, row, kb):
    assert lookup_capability(name, kb.gpus) == (cc, row)


def test_unknown_gpu_name_is_not_guessed(kb):
    assert lookup_capability("NVIDIA Banana X1", kb.gpus) is None
    assert capability_from_sm("RTX 3090") is None and capability_from_sm("sm_7") is None


@pytest.mark.parametrize("driver,os_name,cuda", [
    ("384.130", "linux", "9.0"), ("390.116", "linux", "9.1"), ("418.39", "linux", "10.1"),
    ("470.57.02", "linux", "11.4"), ("525.60.13", "linux", "12.0"), ("580.65.06", "linux", "13.0"),
    ("531.14", "windows", "12.1"), ("300.10", "linux", None)])
def test_max_cuda_for_driver(driver, os_name, cuda, kb):
    assert max_cuda_for_driver(driver, kb, os_name)[0] == cuda


def test_minor_version_compatibility_reach(kb):
    assert max_cuda_minor_compat("470.57.02", kb) == ("11.8", "450.80.02")
    assert max_cuda_minor_compat("535.104.05", kb)[1] == "525.60.13"
    assert max_cuda_minor_compat("440.100", kb) == (None, None)


# -- overrides that contradict each other, and names that are nearly right ----------------------------

def _judged_ok(kb, host, torch, cuda):
    from envmgr.compat.check import check
    from envmgr.compat.hostcheck import host_problems
    from envmgr.models import Spec

    resolved = check(Spec(name="t", torch=torch, cuda=cuda, route="pip"), kb).resolved
    return not [p for p in host_problems(resolved, host, kb) if p.severity == "error"]


def test_driver_and_a_higher_declared_cuda_warn_and_the_declared_cuda_wins(kb):
    host = detect(machine_env(None, ENVMGR_DRIVER_VERSION="470.57.02", CONDA_OVERRIDE_CUDA="12.4"),
                  kb=kb, proc_root=NO_PROC)
    [warning] = host.warnings
    assert "ENVMGR_DRIVER_VERSION=470.57.02" in warning and "CONDA_OVERRIDE_CUDA=12.4" in warning
    assert "11.4" in warning and "CONDA_OVERRIDE_CUDA wins" in warning
    assert _judged_ok(kb, host, "2.4", "12.1")      # what the warning says is what the checks do


def test_driver_and_a_lower_declared_cuda_warn_and_the_driver_wins(kb):
    host = detect(machine_env("h100-550", CONDA_OVERRIDE_CUDA="11.4"), kb=kb, proc_root=NO_PROC)
    [warning] = host.warnings
    assert "550.54.15" in warning and "CONDA_OVERRIDE_CUDA=11.4" in warning
    assert "the driver wins" in warning
    assert _judged_ok(kb, host, "2.4", "12.1")


def test_overrides_that_agree_give_no_warning(kb):
    host = detect(machine_env(None, ENVMGR_DRIVER_VERSION="470.57.02", CONDA_OVERRIDE_CUDA="11.4"),
                  kb=kb, proc_root=NO_PROC)
    assert host.warnings == []
    assert detect(machine_env("rtx3090-470"), kb=kb, proc_root=NO_PROC).warnings == []


@pytest.mark.parametrize("variable,value", [("ENVMGR_GPU", "A100"), ("ENVMGR_DRIVER_VERSION", "550.54.15"),
                                            ("CONDA_OVERRIDE_CUDA", "12.4")])
def test_no_gpu_with_a_gpu_override_warns_and_no_gpu_wins(variable, value, kb):
    host = detect(machine_env(None, ENVMGR_NO_GPU="1", **{variable: value}), kb=kb, proc_root=NO_PROC)
    [warning] = host.warnings
    assert "ENVMGR_NO_GPU=1" in warning and f"{variable}={value}" in warning
    assert "ENVMGR_NO_GPU wins" in warning
    assert host.gpus == [] and not host.runs_cuda


@pytest.mark.parametrize("typed,meant", [("RTX3090", "RTX 3090"), ("rtx 3090ti", "RTX 3090 Ti"),
                                         ("RTX 409", "RTX 4090"), ("GTX1080", "GTX 1080")])
def test_a_nearly_right_gpu_name_gets_a_suggestion(typed, meant, kb):
    with pytest.raises(UsageError) as raised:
        detect(machine_env(None, ENVMGR_GPU=typed), kb=kb, proc_root=NO_PROC)
    assert f"did you mean {meant}?" in str(raised.value)
    assert f"ENVMGR_GPU='{meant}'" in raised.value.fix
    assert detect(machine_env(None, ENVMGR_GPU=meant), kb=kb, proc_root=NO_PROC).gpus   # and it is accepted


def test_a_name_far_from_every_gpu_gets_no_suggestion(kb):
    with pytest.raises(UsageError) as raised:
        detect(machine_env(None, ENVMGR_GPU="GeForce Banana 9000"), kb=kb, proc_root=NO_PROC)
    assert "did you mean" not in str(raised.value)
