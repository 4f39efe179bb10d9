"""Internal consistency of the knowledge-base data (envmgr/knowledge/data/*.yaml), plus regression anchors:
facts copied from primary sources that must never silently change."""
from __future__ import annotations

import re

import pytest
from packaging.specifiers import SpecifierSet
from packaging.version import Version

from envmgr.knowledge import facts as knowledge
from envmgr.knowledge.records import cuda_tag, minor_of

ARCH_TAG = re.compile(r"^(sm|compute)_(\d+)$")
CC = re.compile(r"^\d+\.\d$")
PYTHON_MINOR = re.compile(r"^\d+\.\d+$")
PYTHON_EXPERIMENTAL = re.compile(r"^\d+\.\d+t?$")   # "3.13t": the free-threaded build
DRIVER = re.compile(r"^\d{3}(\.\d{2,3}){1,2}$")


@pytest.fixture(scope="module")
def kb():
    return knowledge.load()


def sm_to_cc(number: str) -> str:
    return f"{int(number) // 10}.{int(number) % 10}"


# -- sources ------------------------------------------------------------------------------------
def test_every_source_has_title_and_url(kb):
    assert kb.sources
    for key, source in kb.sources.items():
        assert source.get("title"), key
        assert str(source.get("url", "")).startswith("https://"), key


def test_every_row_cites_known_sources(kb):
    cited: list[tuple[str, list[str]]] = []
    cited += [(f"torch {r.torch}", r.sources) for r in kb.releases]
    cited += [(f"cuda {t.cuda}", t.sources) for t in kb.toolkits]
    cited += [(f"copin {c.id}", list(c.sources)) for c in kb.copins]
    cited += [(f"arches {k}", v) for k, v in (kb.raw["arches.yaml"].get("sources") or {}).items()]
    cited += [("gpus", kb.raw["gpus.yaml"].get("sources") or [])]
    for what, keys in cited:
        assert keys, f"{what} cites no source"
        unknown = set(keys) - set(kb.sources)
        assert not unknown, f"{what} cites unknown sources {sorted(unknown)}"


def test_kb_version_is_recorded(kb):
    assert re.match(r"^\d{4}\.\d{2}\.\d{2}(\.\d+)?\+[0-9a-f]{12}$", kb.version)   # 2026.11.27.1+digest


# -- torch --------------------------------------------------------------------------------------
def test_torch_rows_are_unique_patch_versions(kb):
    versions = [r.torch for r in kb.releases]
    assert len(versions) == len(set(versions))
    for version in versions:
        assert len(Version(version).release) == 3, version
        assert str(Version(version)) == version, version


def test_python_lists_are_nonempty_ascending_minors(kb):
    for r in kb.releases:
        assert r.python, r.torch
        assert all(PYTHON_MINOR.match(p) for p in r.python), (r.torch, r.python)
        keys = [Version(p) for p in r.python]
        assert keys == sorted(keys) and len(set(keys)) == len(keys), (r.torch, r.python)
        assert all(PYTHON_EXPERIMENTAL.match(p) for p in r.python_experimental), r.torch
        assert not set(r.python) & set(r.python_experimental), r.torch


def test_python_2_only_for_early_releases(kb):
    for r in kb.releases:
        if "2.7" in r.python:
            assert r.version < Version("1.5"), r.torch


def test_every_cuda_variant_names_a_toolkit(kb):
    known = {t.cuda for t in kb.toolkits}
    for r in kb.releases:
        variants = set(r.conda_cuda()) | set(r.pip_cuda())
        if r.conda_forge:
            for platform in r.conda_forge.platforms:
                variants |= set(r.conda_forge_cuda(platform))
        for cuda in variants:
            assert cuda in known, (r.torch, cuda)      # no exceptions: cuda.yaml starts at 8.0


def test_companion_versions_parse(kb):
    for r in kb.releases:
        companions = [r.torchvision, r.torchaudio]
        for builds in (r.conda, r.pip):
            if builds:
                companions += [builds.torchvision, builds.torchaudio]
        for version in filter(None, companions):
            Version(version)


def test_release_dates_are_iso_and_follow_version_order(kb):
    dated = [r for r in kb.releases if r.released]
    for r in dated:
        assert re.match(r"^\d{4}-\d{2}-\d{2}$", r.released), r.torch
    # Within one minor, a later patch is never released earlier.
    for a, b in zip(dated, dated[1:]):
        if a.minor == b.minor:
            assert a.released <= b.released, (a.torch, b.torch)


def test_conda_selectors_follow_the_channel_history(kb):
    for r in kb.releases:
        if not r.conda:
            continue
        assert r.conda.channel in ("pytorch", "pytorch-lts")
        assert r.conda.cuda_selector in ("feature", "cudatoolkit", "pytorch-cuda")
        assert r.conda.cpu_selector in ("cpuonly", "pytorch-cpu")
        if r.version >= Version("1.13"):
            assert r.conda.cuda_selector == "pytorch-cuda", r.torch
        for extra in r.conda.cuda.values():
            assert set(extra) <= {"nvidia", "conda-forge"}, r.torch
    # 2.5 is the last release on the pytorch channel (pytorch#138506).
    assert all(r.conda is None for r in kb.releases if r.version >= Version("2.6"))


def test_pip_blocks_are_well_formed(kb):
    for r in kb.releases:
        if not r.pip:
            continue
        assert r.pip.index in ("find-links", "extra-index-url", "index-url", "manual"), r.torch
        assert r.pip.url.startswith("https://download.pytorch.org/whl/"), r.torch
        if r.pip.index != "find-links":
            assert "{variant}" in r.pip.url, r.torch
        if r.pip.pypi_default_cuda:
            assert r.pip.pypi_default_cuda in r.pip.cuda, r.torch


CONDA_SUBDIRS = {"linux-64", "win-64", "osx-arm64", "linux-aarch64", "osx-64"}


def raw_releases(kb) -> dict[str, dict]:
    return {str(row["torch"]): row for row in kb.raw["torch.yaml"]["releases"]}


def test_conda_forge_blocks_are_well_formed(kb):
    for torch, row in raw_releases(kb).items():
        block = row.get("conda_forge")
        if not block:
            continue
        assert "{cu}" in block["build_pattern"], torch
        assert block["build_pattern"].startswith("cuda{cu}_"), torch   # cuda126_mkl_..., cuda126_generic_...
        companions = {k: v for k, v in block.items() if k in ("torchvision", "torchaudio")}
        assert all(v is False for v in companions.values()), (torch, companions)  # only "absent" is recorded
        platforms = {k: v for k, v in block.items() if k not in ("build_pattern", "torchvision", "torchaudio")}
        assert set(platforms) <= CONDA_SUBDIRS, torch
        assert any(platforms.values()), f"{torch}: a conda-forge block with no verified platform"
        for platform, builds in platforms.items():
            if builds is None:          # not verified: the route is not offered there
                continue
            assert set(builds) == {"cuda", "cpu"}, (torch, platform)
            assert isinstance(builds["cpu"], bool), (torch, platform)
            assert builds["cuda"] == sorted(builds["cuda"], key=Version), (torch, platform)
            if platform.startswith("osx"):
                assert builds["cuda"] == [], (torch, platform)
    # The loader reads an unverified platform as "not offered".
    unverified = kb.release("2.6.0").conda_forge
    assert unverified.cuda_for("win-64") == [] and not unverified.has_cpu("win-64")


def test_conda_platforms_follow_the_channel_history(kb):
    for torch, row in raw_releases(kb).items():
        conda = row.get("conda")
        if not conda:
            continue
        platforms = conda.get("platforms", ["linux-64", "win-64"])
        assert set(platforms) <= CONDA_SUBDIRS, torch
        assert {"linux-64", "win-64"} <= set(platforms), torch       # every release 1.0 .. 2.5
        version = Version(torch)
        # osx-arm64 packages start with 1.12; macOS x86 ends with 2.2 (pytorch#114602).
        assert ("osx-arm64" in platforms) == (version >= Version("1.12")), torch
        assert ("osx-64" in platforms) == (version < Version("2.3") and torch != "1.8.2"), torch
        # Deleted from the channel in July 2023: everything older than 1.5.1 (pytorch#104754).
        assert bool(conda.get("removed")) == (version < Version("1.5.1")), torch


# -- CUDA ---------------------------------------------------------------------------------------
def test_toolkit_rows_unique_and_drivers_well_formed(kb):
    versions = [t.cuda for t in kb.toolkits]
    assert len(versions) == len(set(versions))
    for t in kb.toolkits:
        assert DRIVER.match(t.driver_linux or ""), t.cuda
        for value in (t.driver_windows, t.minor_compat_driver_linux, t.minor_compat_driver_windows):
            assert value is None or DRIVER.match(value), (t.cuda, value)
        if Version(t.cuda) >= Version("11.0"):
            assert t.minor_compat_driver_linux, t.cuda
            assert Version(t.minor_compat_driver_linux) <= Version(t.driver_linux), t.cuda


def test_toolkit_drivers_never_go_backwards(kb):
    for older, newer in zip(kb.toolkits, kb.toolkits[1:]):
        assert Version(older.driver_linux) < Version(newer.driver_linux), (older.cuda, newer.cuda)


def test_toolkit_archs_are_valid_and_ascending(kb):
    for t in kb.toolkits:
        assert t.archs, t.cuda
        assert all(CC.match(a) or re.match(r"^\d+\.\d$", a) for a in t.archs), t.cuda
        keys = [Version(a) for a in t.archs]
        assert keys == sorted(keys), t.cuda


# -- arches -------------------------------------------------------------------------------------
def test_arch_keys_name_known_releases_and_toolkits(kb):
    minors = set(kb.minors())
    toolkit_tags = {cuda_tag(t.cuda): t for t in kb.toolkits}
    builds = kb.raw["arches.yaml"]["builds"]
    assert set(builds) <= set(knowledge.PACKAGINGS)
    for packaging, table in builds.items():
        for key, tags in table.items():
            torch, _, tag = key.partition("+")
            assert tag in toolkit_tags, (packaging, key)
            parts = Version(torch).release
            if len(parts) == 2:
                assert torch in minors, (packaging, key)
            else:
                assert kb.release(torch) is not None, (packaging, key)
            assert tags, (packaging, key)
            for arch in tags:
                match = ARCH_TAG.match(arch)
                assert match, (packaging, key, arch)
                # A build can only carry code its toolkit's nvcc can generate.
                assert sm_to_cc(match.group(2)) in toolkit_tags[tag].archs or not \
                    toolkit_tags[tag].archs_complete, (packaging, key, arch)


def test_linux_wheel_arch_keys_match_pip_variants(kb):
    """Every linux-wheel key names a CUDA variant that release ships as a wheel."""
    for key in kb.raw["arches.yaml"]["builds"]["linux-wheel"]:
        torch, _, tag = key.partition("+")
        release = kb.release(torch)
        assert release.pip, key
        assert tag in {cuda_tag(c) for c in release.pip_cuda()}, key


# -- GPUs ---------------------------------------------------------------------------------------
def test_gpus_unique_and_cc_known_to_a_toolkit(kb):
    every_arch = {a for t in kb.toolkits for a in t.archs}
    seen: dict[str, str] = {}
    for gpu in kb.gpus:
        assert CC.match(gpu.cc), gpu.name
        assert gpu.cc in every_arch, gpu.name
        for spelling in (gpu.name, *gpu.aliases):
            folded = spelling.lower().removeprefix("nvidia ")
            assert seen.setdefault(folded, gpu.name) == gpu.name, \
                f"{spelling!r} names both {seen[folded]} and {gpu.name}"


# -- copins -------------------------------------------------------------------------------------
def test_copins_parse(kb):
    ids = [c.id for c in kb.copins]
    assert len(ids) == len(set(ids))
    from packaging.requirements import Requirement

    for rule in kb.copins:
        SpecifierSet(rule.torch)
        Requirement(rule.spec)
        assert rule.routes and set(rule.routes) <= {"pytorch", "conda-forge", "pip"}, rule.id
        assert rule.reason.strip(), rule.id


# -- regression anchors (copied from the primary sources, see SOURCES.md) -------------------------
def test_anchor_torch_1_10_1(kb):
    r = kb.release("1.10.1")
    assert r.conda_cuda() == ["10.2", "11.3"]
    assert r.conda.cuda["11.3"] == ["conda-forge"]
    assert r.pip_cuda() == ["10.2", "11.1", "11.3"]     # cu113 wheels: audit 2026.11.27.1
    assert (r.torchvision, r.torchaudio) == ("0.11.2", "0.10.1")
    assert r.python == ["3.6", "3.7", "3.8", "3.9"]
    assert r.pip.index == "find-links"


def test_anchor_cuda_11_8_drivers(kb):
    t = kb.toolkit("11.8")
    assert t.driver_linux == "520.61.05"
    assert t.min_driver("linux", minor_compat=True) == "450.80.02"
    assert t.min_driver("linux", minor_compat=False) == "520.61.05"
    assert kb.toolkit("10.2").min_driver("linux") == "440.33"    # no minor compat before 11


def test_anchor_gpu_ccs(kb):
    by_name = {g.name: g.cc for g in kb.gpus}
    assert by_name["GeForce RTX 3090"] == "8.6"
    assert by_name["Tesla V100"] == "7.0"
    assert by_name["H100"] == "9.0"
    assert by_name["GeForce RTX 5090"] == "12.0"


def test_anchor_sm86_missing_from_cu102_wheels(kb):
    assert "sm_86" not in kb.build_arches("1.10.1", "10.2", "linux-wheel")
    assert "sm_86" in kb.build_arches("1.10.1", "11.1", "linux-wheel")
    assert "compute_37" in kb.build_arches("1.10.1", "10.2", "conda")


def test_anchor_toolkit_archs(kb):
    assert "8.6" not in kb.toolkit("11.0").archs and "8.6" in kb.toolkit("11.1").archs
    assert "3.7" in kb.toolkit("11.8").archs and "3.7" not in kb.toolkit("12.0").archs
    assert "7.0" not in kb.toolkit("13.0").archs


def test_anchor_copins(kb):
    numpy2 = next(c for c in kb.copins if c.spec.startswith("numpy"))
    assert numpy2.applies("2.2.2", "pip") and not numpy2.applies("2.3.0", "pip")
    mkl = next(c for c in kb.copins if c.spec.startswith("mkl"))
    assert mkl.routes == ("pytorch",)


def test_minor_lookup_uses_newest_patch(kb):
    assert kb.release("1.10").torch == max((r for r in kb.releases if minor_of(r.torch) == "1.10"),
                                           key=lambda r: r.version).torch


def test_anchor_pytorch_channel_platforms(kb):
    rows = raw_releases(kb)
    assert rows["1.10.1"]["conda"]["platforms"] == ["linux-64", "win-64", "osx-64"]
    assert "osx-arm64" in rows["1.12.0"]["conda"]["platforms"]
    assert rows["1.8.2"]["conda"]["platforms"] == ["linux-64", "win-64"]        # LTS: no macOS
    assert rows["2.3.0"]["conda"]["platforms"] == ["linux-64", "win-64", "osx-arm64"]
    assert rows["1.5.0"]["conda"]["removed"] and "removed" not in rows["1.5.1"]["conda"]


def test_anchor_conda_forge_builds(kb):
    first = kb.release("2.6.0")
    assert first.conda_forge_cuda("linux-64") == ["12.6"] and first.conda_forge.has_cpu("linux-64")
    assert first.conda_forge.build_pattern.replace("{cu}", "126") == "cuda126_*"
    blackwell = kb.release("2.8.0")
    assert blackwell.conda_forge_cuda("linux-64") == ["12.9"]
    assert blackwell.conda_forge_cuda("win-64") == ["12.8"]       # 12.9 OOMs on Windows (pinning#7476)
    assert blackwell.conda_forge.has_cpu("osx-arm64")
    snapshot = kb.release("2.13.0")
    assert snapshot.conda_forge_cuda("linux-64") == ["12.9", "13.0"]
    assert snapshot.conda_forge_cuda("win-64") == ["12.8", "13.0"]
    for unknown in ("2.9.0", "2.9.1", "2.11.0", "2.12.0", "2.14.0", "2.15.0"):
        assert kb.release(unknown).conda_forge is None, unknown


# -- regression anchors of the data audit 2026.11.27.1 (SOURCES.md, "Audit 2026.11.27.1") --------
def test_anchor_numpy2_windows_wheels_2_3_to_2_4_0(kb):
    assert "numpy2-win-2.4.0" not in {c.id for c in kb.copins}
    rule = next(c for c in kb.copins if c.id == "numpy2-windows")
    assert rule.spec == "numpy<2" and rule.routes == ("pip",) and rule.platforms == ("win-64",)
    for torch in ("2.3.0", "2.3.1", "2.4.0"):
        assert rule.applies(torch, "pip", ("win-64",)), torch
        assert not rule.applies(torch, "pip", ("linux-64",)), torch
        assert not rule.applies(torch, "pytorch", ("win-64",)), torch     # conda builds: NumPy 2 rc1
    assert not rule.applies("2.4.1", "pip", ("win-64",))                   # builder#1957
    assert not rule.applies("2.2.2", "pip", ("win-64",))                   # the general numpy2 rule's
    raw = next(c for c in kb.raw["copins.yaml"]["copins"] if c["id"] == "numpy2-windows")
    assert "\n" not in raw["summary"].strip()


def test_anchor_pip_cu113_wheels_of_1_10(kb):
    for torch in ("1.10.0", "1.10.1"):
        r = kb.release(torch)
        assert r.pip_cuda() == ["10.2", "11.1", "11.3"], torch
        assert r.conda_cuda() == ["10.2", "11.3"], torch                  # the page's conda list unchanged
    assert kb.build_arches("1.10.0", "11.3", "windows-wheel")              # builder release/1.10


def test_anchor_ptx_of_blackwell_wheels(kb):
    for torch in ("2.7.0", "2.7.1"):
        arches = kb.build_arches(torch, "12.8", "linux-wheel")
        assert "compute_120" in arches and "sm_70" not in arches, torch
    assert "compute_120" in kb.build_arches("2.8.0", "12.9", "linux-wheel")
    assert "compute_120" not in kb.build_arches("2.8.0", "12.8", "linux-wheel")   # 12.8 case: no +PTX
    assert "sm_70" in kb.build_arches("2.8.0", "12.8", "linux-wheel")


def test_anchor_cuda_8_0(kb):
    t = kb.toolkit("8.0")
    assert (t.driver_linux, t.driver_windows) == ("375.26", "376.51")       # Table 3, 8.0.61 GA2
    assert t.min_driver("linux") == "375.26" and t.minor_compat_driver_linux is None
    updates = {u["release"]: (u["linux"], u["windows"])
               for u in next(r for r in kb.raw["cuda.yaml"]["toolkits"] if r["cuda"] == "8.0")["updates"]}
    assert updates["8.0 (8.0.44)"] == ("367.48", "369.30")
    assert t.archs[0] == "2.0" and t.archs[-1] == "6.2" and "7.0" not in t.archs
    assert "2.0" not in kb.toolkit("9.0").archs                              # CMake removes 20/21 at 9.0
    assert "8.0" in kb.release("1.0.0").conda_cuda() and "8.0" in kb.release("1.0.0").pip_cuda()


def test_anchor_cuda_12_9_archs_cite_cmake(kb):
    t = kb.toolkit("12.9")
    assert {"10.3", "12.1"} <= set(t.archs) and "10.3" not in kb.toolkit("12.8").archs
    assert "cmake-archs-031593de" in t.sources
    assert t.min_driver("windows") == "528.33"     # the stricter of 527.41 / 528.33 (SOURCES.md)


def test_the_version_read_without_parsing_is_the_loaded_one():
    """Locks record the knowledge base's version; envmgr list reads it without loading the facts."""
    from envmgr.knowledge.datafiles import kb_version

    assert kb_version() == knowledge.load().version and "+" in kb_version()
