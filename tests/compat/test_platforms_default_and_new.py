"""The default platforms are this machine's (a default holding win-64 sent Linux users to the
pip route whenever a channel had no Windows build); osx-64 and linux-aarch64 are platforms
envmgr knows, routed by the knowledge base's facts (platforms.yaml, torch.yaml)."""
from __future__ import annotations

import pytest

from envmgr.compat.check import check
from envmgr.host.virtual import virtual_packages
from envmgr.knowledge.facts import load
from envmgr.models import PLATFORMS, default_platforms, this_platform
from envmgr.specs.render import SELECTORS
from envmgr.specs.specfile import spec_from_stack


def resolve(stack: str, platforms=None):
    return check(spec_from_stack("x", stack, platforms=platforms), load())


def test_a_spec_without_platforms_locks_for_this_machine():
    here = this_platform()
    assert default_platforms() == ((here,) if here in PLATFORMS else ("linux-64",))
    assert resolve("torch 1.13 cpu").resolved.platforms == list(default_platforms())


@pytest.mark.skipif(this_platform() != "linux-64", reason="the route shown is a linux-64 one")
def test_linux_users_keep_the_conda_route_win_64_would_have_cost_them():
    # conda-forge has torch 2.6 CPU builds for linux-64, none verified for win-64
    assert resolve("torch 2.6 cpu").resolved.route == "conda-forge"
    assert resolve("torch 2.6 cpu", ["linux-64", "win-64"]).resolved.route == "pip"


def test_osx_64_has_the_pytorch_channel_and_wheels_up_to_2_2():
    assert resolve("torch 2.2 cpu", ["osx-64"]).resolved.route == "pytorch"
    assert resolve("torch 1.10 cpu", ["osx-64"]).resolved.route == "pytorch"
    late = resolve("torch 2.4 cpu", ["osx-64"])
    assert not late.ok and "osx-64" in late.errors[0].message
    cuda = resolve("torch 2.2 + cu121", ["osx-64"])
    assert "platform-cuda" in [p.code for p in cuda.errors]


def test_linux_aarch64_takes_the_pypi_wheels_cpu_only():
    assert resolve("torch 2.4 cpu", ["linux-aarch64"]).resolved.route == "pip"
    assert resolve("torch 1.8.0 cpu", ["linux-aarch64"]).resolved.route == "pip"
    for stack in ("torch 1.9.1 cpu", "torch 1.7.1 cpu", "torch 2.4 + cu121"):
        result = resolve(stack, ["linux-aarch64"])
        assert not result.ok and "linux-aarch64" in result.errors[0].message, stack


def test_every_platform_has_a_selector_and_virtual_packages():
    for platform in PLATFORMS:
        assert SELECTORS[platform]
        packages = virtual_packages(platform, "12.1")
        assert ("__cuda" in packages) == (not platform.startswith("osx"))
    assert virtual_packages("linux-aarch64", None)["__archspec"] == "1 aarch64"
    assert virtual_packages("osx-64", None)["__archspec"] == "1 x86_64"
