"""Route facts from a channel's repodata.json and PyTorch's wheel index, and how `check` and
`new` judge a stack by the route it will really take once a refresh has read them."""
from __future__ import annotations

import json

from click.testing import CliRunner
from refresh_helpers import FIXTURES, IndexServer, pypi_tree

from envmgr.cli import cli
from envmgr.compat.check import check
from envmgr.knowledge import facts
from envmgr.knowledge.refresh import repodata, wheelindex
from envmgr.models import Spec

REPODATA = FIXTURES / "pytorch-repodata.json"


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def stack(text, **fields):
    facts.load.cache_clear()
    return check(Spec(name="t", **fields))


def test_repodata_records_in_their_real_shapes():
    shapes = {
        "py3.8_cuda10.2_cudnn7.6.5_0": (["python >=3.8,<3.9.0a0", "cudatoolkit >=10.2,<10.3"], "10.2", "cudatoolkit"),
        "py3.10_cuda12.1_cudnn9.1.0_0": (["python >=3.10,<3.11.0a0", "pytorch-cuda >=12.1,<12.2"], "12.1", "pytorch-cuda"),
        "py3.9_cpu_0": (["python >=3.9,<3.10.0a0", "pytorch-mutex 1.0 cpu"], "cpu", None),
        "cuda126_mkl_py312_h0123456_300": (["python >=3.12,<3.13.0a0", "cuda-version >=12.6,<13"], "12.6", "cuda-version"),
    }
    for build, (depends, variant, selector) in shapes.items():
        found = repodata.record_facts({"name": "pytorch", "version": "2.0.0", "build": build,
                                       "depends": depends, "subdir": "linux-64"})
        assert (found["variant"], found["selector"]) == (variant, selector), build
    free = repodata.record_facts({"name": "pytorch", "version": "2.6.0", "build": "cpu_generic_py313_h1_0",
                                  "depends": ["python >=3.13,<3.14.0a0", "python_abi 3.13.* *_cp313t"],
                                  "subdir": "linux-64"})
    assert free["python"] == "3.13t"


def test_channel_facts_from_the_fixture():
    found = repodata.channel_facts(repodata.read_records(str(REPODATA)))
    assert set(found) == {"1.10.2", "2.4.1"}            # companions and pytorch-cuda are not torch
    assert found["2.4.1"]["linux-64"]["cuda"]["12.1"] == ["3.8", "3.9", "3.10", "3.11"]
    assert found["1.10.2"]["win-64"]["cpu"] == ["3.6", "3.7", "3.8", "3.9"]
    assert "11.1" in found["1.10.2"]["linux-64"]["cuda"]


def test_conda_builds_without_a_python_route_the_stack_to_the_wheels(knowledge_home, tmp_path):
    # Before: the documented python list is shared by every route, so conda is chosen for 3.12.
    # (linux-64 only: the trimmed PyPI fixture has the cp312 wheel of 2.4.1 for linux-64 alone.)
    before = stack("", torch="2.4.1", cuda="12.1", python="3.12", platforms=["linux-64"])
    assert before.ok and before.resolved.route == "pytorch"
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        result = run("knowledge", "refresh", "--pypi", server.url, "--repodata", str(REPODATA))
    assert result.exit_code == 0, result.output
    after = stack("", torch="2.4.1", cuda="12.1", python="3.12", platforms=["linux-64"])
    assert after.ok and after.resolved.route == "pip"
    assert "no python 3.12 build" in after.resolved.route_reason
    assert any(p.code == "overlay-facts" for p in after.problems)
    forced = stack("", torch="2.4.1", cuda="12.1", python="3.12", platforms=["linux-64"], route="pytorch")
    assert not forced.ok
    problem = forced.errors[0]
    assert problem.code == "python-unsupported" and "pytorch conda channel" in problem.message
    assert "route: pip" in problem.fix
    # python 3.11 is on both: the conda route stays the choice.
    assert stack("", torch="2.4.1", cuda="12.1", python="3.11", platforms=["linux-64"]).resolved.route == "pytorch"


def test_a_conda_variant_the_shipped_rows_lacked_is_routed_to_conda(knowledge_home, tmp_path):
    assert stack("", torch="1.10.2", cuda="11.1", python="3.9", platforms=["linux-64"]).resolved.route == "pip"
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        with IndexServer(REPODATA.parent) as channel:
            result = run("knowledge", "refresh", "--pypi", server.url,
                         "--repodata", f"{channel.url}/{REPODATA.name}", "--dry-run", "--json")
            assert result.exit_code == 0, result.output
            report = json.loads(result.stdout)
            assert any(c["torch"] == "1.10.2" and c["field"] == "conda.cuda" for c in report["changes"])
            assert run("knowledge", "refresh", "--pypi", server.url,
                       "--repodata", f"{channel.url}/{REPODATA.name}").exit_code == 0
    assert stack("", torch="1.10.2", cuda="11.1", python="3.9", platforms=["linux-64"]).resolved.route == "pytorch"


def test_a_truncated_repodata_keeps_the_old_overlay(knowledge_home, tmp_path):
    bad = tmp_path / "repodata.json"
    bad.write_bytes(REPODATA.read_bytes()[:3000])
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        assert run("knowledge", "refresh", "--pypi", server.url).exit_code == 0
        old = (knowledge_home / "knowledge" / "overlay.json").read_bytes()
        result = run("knowledge", "refresh", "--pypi", server.url, "--repodata", str(bad))
    assert result.exit_code == 1 and "not valid JSON" in result.stderr and str(bad) in result.stderr
    assert (knowledge_home / "knowledge" / "overlay.json").read_bytes() == old


def test_conda_forge_is_read_through_rattlers_gateway(knowledge_home, tmp_path, test_channels):
    """A channel (not a repodata.json) is queried through rattler's gateway for the torch
    family's records only; a conda-forge source fills conda-forge's per-platform facts."""
    from envmgr.testchannel.catalog import CONDA_FORGE_TORCH

    channel = test_channels.url("conda-forge")
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        result = run("knowledge", "refresh", "--pypi", server.url, "--repodata", channel, "--json")
    assert result.exit_code == 0, result.output
    doc = json.loads((knowledge_home / "knowledge" / "overlay.json").read_text())
    rows = {r["torch"]: r for r in doc["releases"]}
    found = rows[CONDA_FORGE_TORCH["torch"]]["conda_forge_facts"]
    assert set(found) == {"linux-64", "win-64"}
    for platform in found.values():
        assert platform["cuda"] == [CONDA_FORGE_TORCH["cuda"]] and platform["cpu"] is True
        assert platform["python"] == CONDA_FORGE_TORCH["pythons"]
    assert any(channel in s["url"] for s in doc["sources"].values())


def test_an_unreadable_channel_is_one_line_and_keeps_the_old_overlay(knowledge_home, tmp_path):
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        assert run("knowledge", "refresh", "--pypi", server.url).exit_code == 0
        old = (knowledge_home / "knowledge" / "overlay.json").read_bytes()
        missing = (tmp_path / "no-such-channel").as_uri()
        result = run("knowledge", "refresh", "--pypi", server.url, "--repodata", missing)
    assert result.exit_code == 1 and "cannot read the channel's repodata" in result.stderr
    assert (knowledge_home / "knowledge" / "overlay.json").read_bytes() == old


WHEEL_PAGE = """<!DOCTYPE html><html><body><h1>Links for torch</h1>
<a href="/whl/cu130/torch-2.16.0%2Bcu130-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00">torch-2.16.0+cu130-cp312-cp312-manylinux_2_28_x86_64.whl</a><br/>
<a href="/whl/cu132/torch-2.16.0%2Bcu132-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00">torch-2.16.0+cu132-cp312-cp312-manylinux_2_28_x86_64.whl</a><br/>
<a href="/whl/cu132/torch-2.16.0%2Bcu132-cp313-cp313-win_amd64.whl#sha256=00">torch-2.16.0+cu132-cp313-cp313-win_amd64.whl</a><br/>
<a href="/whl/cu132/torch-2.16.0%2Bcu132-cp312-cp312-win_amd64.whl#sha256=00">torch-2.16.0+cu132-cp312-cp312-win_amd64.whl</a><br/>
<a href="/whl/cpu/torch-2.16.0%2Bcpu-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00">torch-2.16.0+cpu-cp312-cp312-manylinux_2_28_x86_64.whl</a><br/>
<a href="/whl/rocm6.4/torch-2.16.0%2Brocm6.4-cp312-cp312-manylinux_2_28_x86_64.whl#sha256=00">torch-2.16.0+rocm6.4-cp312-cp312-manylinux_2_28_x86_64.whl</a><br/>
<a href="/whl/cu92/torch-1.5.0%2Bcu92-cp37-cp37m-linux_x86_64.whl">torch-1.5.0+cu92-cp37-cp37m-linux_x86_64.whl</a><br/>
</body></html>"""


def test_wheel_index_page():
    found = wheelindex.parse_page("page", WHEEL_PAGE)
    assert found["2.16.0"]["cuda"] == ["13.0", "13.2"] and found["2.16.0"]["cpu"]
    assert found["2.16.0"]["python"]["win-64"] == ["3.12", "3.13"]
    assert found["1.5.0"]["cuda"] == ["9.2"]


def _with_new_release(root):
    """The recorded index plus torch 2.16.0, a release envmgr does not know: 2.15.0's files
    renamed (its METADATA pins cuda-toolkit 13.2.2)."""
    page = root / "pypi" / "torch" / "json"
    doc = json.loads(page.read_text())
    doc["releases"]["2.16.0"] = [
        {**entry, "filename": entry["filename"].replace("2.15.0", "2.16.0"),
         "url": entry["url"].replace("2.15.0", "2.16.0"),
         "upload_time_iso_8601": "2026-11-25T10:00:00.000000Z"}
        for entry in doc["releases"]["2.15.0"]]
    page.write_text(json.dumps(doc))
    for wheel in list(root.rglob("torch-2.15.0-*.whl")):
        target = wheel.parent / wheel.name.replace("2.15.0", "2.16.0")
        target.parent.mkdir(parents=True, exist_ok=True)
        import zipfile

        with zipfile.ZipFile(wheel) as src, zipfile.ZipFile(target, "w") as dst:
            for item in src.infolist():
                data = src.read(item).replace(b"2.15.0", b"2.16.0")
                dst.writestr(item.filename.replace("2.15.0", "2.16.0"), data)
    return root


def test_a_refreshed_overlay_adds_a_release_new_can_use(knowledge_home, tmp_path, tmp_workspace):
    assert not stack("", torch="2.16").ok                 # unknown before
    root = _with_new_release(pypi_tree(tmp_path / "index"))
    (root / "whl" / "torch").mkdir(parents=True)
    (root / "whl" / "torch" / "index").write_text(WHEEL_PAGE)
    with IndexServer(root) as server:
        result = run("knowledge", "refresh", "--pypi", server.url, "--wheel-index", f"{server.url}/whl")
    assert result.exit_code == 0, result.output
    assert "+ torch 2.16.0" in result.stdout
    facts.load.cache_clear()
    release = facts.load().release("2.16.0")
    assert release is not None and release.pip.cuda == ["13.0", "13.2"]
    assert release.pip.pypi_default_cuda == "13.2" and release.released == "2026-11-25"
    assert release.torchvision == "0.29.2"                # its >=2.14.0 pin admits 2.16.0
    created = run("new", "fresh", "torch 2.16 + cu132", "--platform", "linux-64", "--json")
    assert created.exit_code == 0, created.output
    assert json.loads(created.stdout)["ok"] is True
    facts.load.cache_clear()
    matrix = run("matrix", "--torch", "2.16")
    assert "2.16.0*" in matrix.stdout and "knowledge overlay" in matrix.stdout
