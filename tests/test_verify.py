"""envmgr verify: the comparison rules, and the probe run inside real test environments."""
from __future__ import annotations

import pytest

from envmgr.verify import Expected, Probe, Report, compare, device_arch_check

CUDA_PROBE = dict(python_version="3.7.16", torch_version="1.10.1", torch_cuda="10.2",
                  cudnn_version=7605, cuda_available=False)


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


def test_device_arch_check_uses_the_build_arch_list():
    pytest.importorskip("envmgr.hostcheck")
    old_build = Probe(**{**CUDA_PROBE, "cuda_available": True, "device_name": "RTX 3090",
                         "device_capability": [8, 6], "arch_list": ["sm_37", "sm_50", "sm_60",
                                                                    "sm_70"]})
    problems = device_arch_check(old_build, Expected(torch="1.10.1", cuda="10.2", python="3.7"))
    assert [p.code for p in problems] == ["gpu-arch-unsupported"]
    covered = Probe(**{**old_build.__dict__, "arch_list": ["sm_70", "sm_75", "sm_80", "sm_86"]})
    assert device_arch_check(covered, Expected(torch="1.10.1", cuda="11.3", python="3.7")) == []
