"""compat: stacks resolve to the right releases, and every rejection carries the nearest fix."""
from __future__ import annotations

import pytest

from envmgr.compat.check import check
from envmgr.compat.versions import nearest
from envmgr.knowledge.facts import load
from envmgr.specs.specfile import spec_from_stack


@pytest.fixture(scope="module")
def kb():
    return load()


def resolve(stack, kb, **fields):
    spec = spec_from_stack("t", stack)
    for key, value in fields.items():
        setattr(spec, key, value)
    return check(spec, kb)


def codes(result):
    return [p.code for p in result.errors]


def test_exact_patch_resolves_with_its_pairs(kb):
    result = resolve("torch 1.10.1 + cu102 + py3.7", kb)
    assert result.ok, result.problems
    r = result.resolved
    assert (r.torch, r.torchvision, r.torchaudio, r.python, r.cuda, r.route) == \
        ("1.10.1", "0.11.2", "0.10.1", "3.7", "10.2", "pytorch")


def test_minor_resolves_to_newest_patch(kb):
    newest = max((r for r in kb.releases if r.minor == "1.10"), key=lambda r: r.version)
    assert newest.torch != "1.10.0"
    assert resolve("torch 1.10 + cu102", kb).resolved.torch == newest.torch


def test_default_python_is_newest_supported(kb):
    release = kb.release("1.10.1")
    result = resolve("torch 1.10.1 + cu113", kb)
    assert result.resolved.python == max(release.python, key=lambda v: tuple(map(int, v.split("."))))


def test_cuda_not_built_names_variants_nearest_and_needed_torch(kb):
    result = resolve("torch 1.10.1 + cu121", kb)
    assert codes(result) == ["cuda-not-built"]
    message = result.errors[0].message
    assert "torch 1.10.1 was built for CUDA 10.2, 11.1 (pip), 11.3" in message
    assert "nearest: cu113" in message
    assert "CUDA 12.1 needs torch >= 2.1" in message
    assert result.errors[0].fix == 'cuda: "11.3"'
    assert result.errors[0].source


def test_python_out_of_range_gets_nearest(kb):
    result = resolve("torch 1.10 + cu102 + py3.11", kb)
    assert codes(result) == ["python-unsupported"]
    assert "supports python 3.6 to 3.9, not 3.11" in result.errors[0].message
    assert result.errors[0].fix == 'python: "3.9"'


def test_python_too_old_for_torch_2(kb):
    result = resolve("torch 2.4 + cu121 + py3.7", kb)
    assert codes(result) == ["python-unsupported"]
    assert result.errors[0].fix == 'python: "3.8"'


def test_torchvision_that_does_not_pair(kb):
    result = resolve("torch 1.10.1 + cu102", kb, torchvision="0.12.0")
    assert codes(result) == ["torchvision-mismatch"]
    problem = result.errors[0]
    assert "pairs with torchvision 0.11.2" in problem.message
    assert "torchvision 0.12.0 pairs with torch 1.11.0" in problem.message
    assert problem.fix.startswith('torchvision: "0.11.2"')


def test_torchvision_none_leaves_it_out(kb):
    result = resolve("torch 1.10 + cu102", kb, torchvision="none")
    assert result.ok
    assert result.resolved.torchvision is None
    assert not any(s.startswith("torchvision") for s in result.resolved.conda)


def test_unknown_torch_gets_nearest_release(kb):
    result = resolve("torch 1.99", kb)
    assert codes(result) == ["unknown-torch"]
    assert "torch 1.99 was never released; the nearest releases are" in result.errors[0].message
    assert result.errors[0].fix.startswith('torch: "')


def test_osx_cuda_is_refused(kb):
    result = resolve("torch 1.13 + cu117", kb, platforms=["osx-arm64"])
    assert "platform-cuda" in codes(result)


def test_pip_only_variant_takes_the_pip_route(kb):
    result = resolve("torch 1.10.1 + cu111", kb)
    assert result.ok
    r = result.resolved
    assert r.route == "pip"
    assert "torch==1.10.1+cu111" in r.pip
    assert any(line.startswith("--find-links https://download.pytorch.org/") for line in r.pip)


def test_torch_after_2_5_never_uses_the_pytorch_channel(kb):
    for release in kb.releases:
        if release.version.release >= (2, 6):
            for cuda in release.all_cuda():
                result = resolve(f"torch {release.torch} + cu{cuda.replace('.', '')}", kb,
                                 platforms=["linux-64"])
                assert result.ok, (release.torch, cuda, result.problems)
                assert result.resolved.route in ("conda-forge", "pip")
                assert "pytorch" not in result.resolved.channels


def test_copins_numpy_and_mkl(kb):
    old = resolve("torch 1.10 + cu102", kb).resolved
    pins = {c.spec for c in old.copins}
    assert "numpy<2" in pins
    assert any(p.startswith("mkl<2024.1") for p in pins)
    new = resolve("torch 2.4 + cu121", kb).resolved
    assert "numpy<2" not in {c.spec for c in new.copins}
    for pin in old.copins:
        assert pin.reason and pin.source


def test_nearest_prefers_newer_on_tie():
    assert nearest("11.2", ["11.1", "11.3"]) == "11.3"
    assert nearest("12.1", ["10.2", "11.1", "11.3"]) == "11.3"


def test_pytorch_channel_platforms_decide_the_route(kb):
    # The pytorch channel had no osx-arm64 builds before 1.12 (knowledge base: conda.platforms).
    assert "osx-arm64" not in kb.release("1.10.1").conda.platforms
    assert "osx-arm64" in kb.release("1.13.1").conda.platforms
    mac_only = resolve("torch 1.13.1 cpu", kb, platforms=["osx-arm64"]).resolved
    assert mac_only.route == "pytorch"
    old_mac = resolve("torch 1.10.1 cpu", kb, platforms=["osx-arm64"]).resolved
    assert old_mac.route == "pip"
    assert "torch==1.10.1" in old_mac.pip      # macOS wheels are untagged


def test_wheels_for_macos_and_linux_cannot_share_one_pip_list(kb):
    result = resolve("torch 1.10.1 cpu", kb, platforms=["linux-64", "osx-arm64"])
    assert codes(result) == ["platform-mix"]
    assert result.errors[0].fix


def test_a_minor_means_its_newest_patch_that_fits(kb):
    # 1.8.2 (LTS) supports python <= 3.8; 1.8.1 has py3.9 and cu111.
    result = resolve("torch 1.8 + cu111 + py3.9", kb)
    assert result.ok, result.problems
    assert result.resolved.torch == "1.8.1"
    assert [p.code for p in result.problems] == ["older-patch"]
    # with no patch that fits, the newest patch's problems are reported
    assert resolve("torch 1.8 + cu121", kb).errors[0].message.startswith("torch 1.8.2 ")


def test_torch_in_the_pip_list_is_refused(kb):
    result = resolve("torch 1.10.1 + cu102", kb, pip=["timm==0.4.12", "torch==1.10.1"])
    assert codes(result) == ["torch-twice"]
    assert resolve("torch 1.10.1 + cu102", kb, pip=["--find-links https://x", "timm"]).ok
