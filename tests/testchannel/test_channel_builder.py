"""The test-channel builder writes real, reproducible conda channels that solve and install like
the real ones (rattler is used directly here, independent of envmgr's own solve module)."""
from __future__ import annotations

import asyncio
import json
import subprocess
import tarfile

import pytest

from envmgr.testchannel import (Package, build_channel, build_test_channels, channel_alias_for,
                                channel_env, index_channel_with_rattler)
from envmgr.testchannel.catalog import default_packages

LINUX_VPS = {"__unix": ("0", "0"), "__linux": ("5.10", "0"), "__glibc": ("2.17", "0"),
             "__archspec": ("1", "x86_64")}


def _solve(channels, specs, platform="linux-64", cuda=None, base=LINUX_VPS):
    import rattler
    from rattler.package.build_string import BuildString

    vps = dict(base if platform == "linux-64" else {"__win": ("0", "0")})
    if cuda:
        vps["__cuda"] = (cuda, "0")
    virtual = [rattler.GenericVirtualPackage(rattler.PackageName(n), rattler.Version(v), BuildString(b))
               for n, (v, b) in vps.items()]
    records = asyncio.run(rattler.solve(
        sources=[c.resolve().as_uri() for c in channels], specs=[rattler.MatchSpec(s) for s in specs],
        gateway=rattler.Gateway(), platforms=[platform, "noarch"], virtual_packages=virtual))
    return {r.name.normalized: r for r in records}


def test_layout_and_alias(test_channels):
    for name in ("pytorch", "nvidia", "conda-forge", "defaults"):
        for subdir in ("linux-64", "win-64", "noarch"):
            repodata = json.loads((test_channels.dirs[name] / subdir / "repodata.json").read_text())
            assert repodata["info"]["subdir"] == subdir
    alias = channel_alias_for(test_channels.root)
    assert alias.startswith("file:///") and alias.endswith("/")
    assert channel_env(test_channels.root) == {"ENVMGR_CHANNEL_ALIAS": alias,
                                               "ENVMGR_DEFAULT_CHANNELS": alias + "defaults"}
    pytorch = json.loads((test_channels.dirs["pytorch"] / "linux-64" / "repodata.json").read_text())
    builds = {r["build"] for r in pytorch["packages"].values() if r["name"] == "pytorch"}
    assert {"py3.7_cuda10.2_cudnn7.6.5_0", "py3.7_cpu_0", "py3.12_cuda12.1_cudnn9.1.0_0"} <= builds
    record = pytorch["packages"]["pytorch-1.10.1-py3.7_cuda10.2_cudnn7.6.5_0.tar.bz2"]
    assert "cudatoolkit >=10.2,<10.3" in record["depends"] and "indexed_timestamp" not in record


def test_archives_and_repodata_are_byte_reproducible(test_channels, tmp_path):
    subset = [p for p in default_packages() if p.channel == "pytorch"
              and p.name in ("pytorch", "pytorch-mutex") and p.build.startswith(("py3.7_cuda10.2", "cuda"))]
    assert len(subset) >= 3
    rebuilt = build_channel(tmp_path / "pytorch", subset)
    for pkg in subset:
        again = (rebuilt / pkg.subdir / pkg.filename).read_bytes()
        assert again == (test_channels.dirs["pytorch"] / pkg.subdir / pkg.filename).read_bytes()
    first = (rebuilt / "linux-64" / "repodata.json").read_bytes()
    build_channel(tmp_path / "pytorch", subset)
    assert (rebuilt / "linux-64" / "repodata.json").read_bytes() == first


def test_python_indexer_matches_rattler_index_fs(tmp_path):
    pkgs = [p for p in default_packages() if p.channel == "defaults"
            and (p.name in ("blas", "pip", "typing_extensions") or p.version == "3.7.16")]
    ours = build_channel(tmp_path / "ours", pkgs)
    theirs = build_channel(tmp_path / "theirs", pkgs)
    index_channel_with_rattler(theirs)
    for subdir in ("linux-64", "win-64", "noarch"):
        a = json.loads((ours / subdir / "repodata.json").read_text())
        b = json.loads((theirs / subdir / "repodata.json").read_text())
        assert a["packages"] == b["packages"] and a["packages"], subdir


def test_archive_carries_conda_metadata(test_channels):
    archive = test_channels.dirs["defaults"] / "linux-64"
    python = next(archive.glob("python-3.7.16-*.tar.bz2"))
    with tarfile.open(python) as tar:
        names = tar.getnames()
        assert names[0].startswith("info/")
        paths = json.load(tar.extractfile("info/paths.json"))
    script = next(p for p in paths["paths"] if p["_path"] == "bin/python")
    assert script["file_mode"] == "text"
    assert script["prefix_placeholder"] == "/opt/anaconda1anaconda2anaconda3"


def test_paper_stack_solves_installs_and_runs(test_channels, tmp_path):
    specs = ["python=3.7", "pytorch=1.10.1=*cuda10.2*", "torchvision=0.11.2", "torchaudio=0.10.1",
             "cudatoolkit=10.2", "mkl<2024.1", "numpy<2"]
    channels = [test_channels.dirs["pytorch"], test_channels.dirs["defaults"]]
    records = _solve(channels, specs, cuda="10.2")
    assert str(records["pytorch"].build) == "py3.7_cuda10.2_cudnn7.6.5_0"
    assert str(records["pytorch-mutex"].build) == "cuda"
    import rattler

    prefix = tmp_path / "env"
    asyncio.run(rattler.install(list(records.values()), target_prefix=prefix,
                                cache_dir=tmp_path / "pkgs", show_progress=False))
    assert str(prefix) in (prefix / "bin" / "python").read_text()   # placeholder rewritten
    probe = ("import torch, platform; print(torch.__version__, torch.version.cuda, "
             "torch.backends.cudnn.version(), torch.cuda.is_available(), platform.python_version())")
    out = subprocess.run([str(prefix / "bin" / "python"), "-c", probe], capture_output=True,
                         text=True, check=True).stdout.split()
    assert out == ["1.10.1", "10.2", "7605", "False", "3.7.16"]
    gpu = subprocess.run([str(prefix / "bin" / "python"), "-c",
                          "import torch; print(torch.cuda.get_device_capability(), 'sm_75' in torch.cuda.get_arch_list())"],
                         capture_output=True, text=True, check=True,
                         env={"ENVMGR_TEST_FAKE_GPU": "NVIDIA GeForce RTX 3090:8.6", "PATH": "/usr/bin:/bin"})
    assert gpu.stdout.split() == ["(8,", "6)", "True"]


def test_known_traps_are_present(test_channels):
    channels = [test_channels.dirs["pytorch"], test_channels.dirs["defaults"]]
    loose = _solve(channels, ["python=3.9", "pytorch=1.10.1=*cuda11.3*", "cudatoolkit=11.3"], cuda="11.8")
    assert str(loose["mkl"].version) == "2024.1.0" and str(loose["numpy"].version) == "2.0.1"
    pinned = _solve(channels, ["python=3.9", "pytorch=1.10.1=*cuda11.3*", "cudatoolkit=11.3",
                               "mkl<2024.1", "numpy<2"], cuda="11.8")
    assert str(pinned["mkl"].version) == "2023.1.0" and str(pinned["numpy"].version).startswith("1.")


def test_cuda_constraints_follow_the_driver(test_channels):
    from rattler.exceptions import SolverError

    channels = [test_channels.dirs[n] for n in ("pytorch", "nvidia", "defaults")]
    with pytest.raises(SolverError, match="__cuda"):
        _solve(channels, ["python=3.7", "pytorch=1.10.1=*cuda10.2*", "cudatoolkit=10.2"], cuda="10.1")
    current = _solve(channels, ["python=3.12", "pytorch=2.4.1=*cuda12.1*", "pytorch-cuda=12.1"], cuda="12.1")
    assert str(current["cuda-version"].version) == "12.1"
    with pytest.raises(SolverError, match="__cuda"):
        _solve([test_channels.dirs["conda-forge"]], ["python=3.12", "pytorch=2.6.0=cuda126*"])


def test_win64_solves_from_linux(test_channels):
    channels = [test_channels.dirs[n] for n in ("pytorch", "nvidia", "defaults")]
    records = _solve(channels, ["python=3.12", "pytorch=2.4.1=*cuda12.1*", "pytorch-cuda=12.1"],
                     platform="win-64", cuda="12.1")
    assert str(records["pytorch"].build) == "py3.12_cuda12.1_cudnn9_0"
    assert all(str(r.subdir) in ("win-64", "noarch") for r in records.values())


def test_extra_packages_go_to_their_channel(tmp_path):
    extra = Package("mylib", "1.0", "0", channel="lab", depends=["python >=3.7"], files={"x.txt": "x"})
    dirs = build_test_channels(tmp_path, packages=[], extra=[extra])
    assert (dirs["lab"] / "noarch" / "mylib-1.0-0.tar.bz2").is_file()
    assert set(dirs) == {"pytorch", "nvidia", "conda-forge", "defaults", "lab"}
