"""Verdicts from the shipped PyPI facts (tools/recorded/pypi.json, merged by tools/build_kb.py):
companions paired by their own Requires-Dist pins, yanked releases, per-route pythons."""
from __future__ import annotations

from envmgr.compat.check import check
from envmgr.models import Spec


def verdict(**fields):
    result = check(Spec(name="t", platforms=["linux-64"], **fields))
    return result, {p.code: p for p in result.problems}


def test_a_yanked_companion_is_accepted_with_a_warning_and_never_a_default():
    result, problems = verdict(torch="1.10.0", cuda="11.1", torchvision="0.11.0")
    assert result.ok and result.resolved.torchvision == "0.11.0"
    assert problems["torchvision-yanked"].severity == "warning"
    assert problems["torchvision-yanked"].fix == 'torchvision: "0.11.1"'
    default, _ = verdict(torch="1.10.0", cuda="11.1")
    assert default.resolved.torchvision == "0.11.1"      # 0.11.0 pins torch==1.10.0+cu102 and is yanked


def test_every_companion_that_pins_the_release_is_accepted():
    for torchvision in ("0.29.0", "0.29.1", "0.29.2"):
        result, _ = verdict(torch="2.14.0", cuda="13.0", torchvision=torchvision)
        assert result.ok and result.resolved.torchvision == torchvision
    mismatch, problems = verdict(torch="2.14.0", cuda="13.0", torchvision="0.28.0")
    assert not mismatch.ok and "0.29.0, 0.29.1, 0.29.2" in problems["torchvision-mismatch"].message


def test_companions_without_a_wheel_for_the_python_are_left_out_with_the_python_that_has_them():
    result, problems = verdict(torch="1.10", cuda="11.1", python="3.6")    # cu111: the pip route
    assert result.ok and result.resolved.route == "pip" and result.resolved.torchvision is None
    assert problems["torchvision-left-out"].fix.startswith('python: "3.7"')
    asked, problems = verdict(torch="1.10", cuda="11.1", python="3.6", torchvision="0.11.3")
    assert not asked.ok and problems["torchvision-python"].severity == "error"


def test_a_python_the_conda_builds_lack_is_routed_to_the_wheels_that_have_it():
    # torch 1.13.1: the pytorch channel's builds stop at 3.10; PyPI's linux wheels include cp311
    conda, _ = verdict(torch="1.13", cuda="11.7", python="3.10")
    assert conda.ok and conda.resolved.route == "pytorch"
    wheels, _ = verdict(torch="1.13", cuda="11.7", python="3.11")
    assert wheels.ok and wheels.resolved.route == "pip" and wheels.resolved.torch == "1.13.1"
    forced, problems = verdict(torch="1.13", cuda="11.7", python="3.11", route="pytorch")
    assert not forced.ok and "route: pip" in problems["python-unsupported"].fix


def test_a_conda_forge_stack_keeps_its_paired_companions():
    # the conda-forge route has no pairing of its own: the release's (and its PyPI pins) hold
    result, _ = verdict(torch="2.6", cuda="12.6")
    assert result.ok and result.resolved.route == "conda-forge"
    assert (result.resolved.torchvision, result.resolved.torchaudio) == ("0.21.0", "2.6.0")
