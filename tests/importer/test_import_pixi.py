"""envmgr import of pixi manifests (pixi.toml, pyproject.toml with [tool.pixi]) and of a conda-lock
file whose format version envmgr does not know."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from envmgr.cli import cli

CORPUS = Path(__file__).parent.parent / "fixtures" / "import"


def import_json(*args):
    result = CliRunner().invoke(cli, ["import", *map(str, args), "--json"], catch_exceptions=False)
    assert "Traceback" not in result.output
    return result.exit_code, json.loads(result.stdout)


def dropped(report) -> list[str]:
    return [d["item"] for d in report["dropped"]]


def test_pixi_toml_is_read_as_pixi_not_as_requirements(workspace):
    code, report = import_json(CORPUS / "pixi-cuda" / "pixi.toml")
    assert report["source_kind"] == "pixi" and report["name"] == "pixi-paper"
    assert report["stack"]["torch"] == "2.4.1" and report["stack"]["python"] == "3.11"
    spec = report["spec"]
    assert spec["channels"] == ["conda-forge"]
    assert spec["packages"] == ["numpy >=1.26,<2"] and spec["pip"] == ["einops==0.8.0"]
    # the default environment: the cuda and dev features are not part of it, and say so
    assert "pytest" not in json.dumps(spec) and "pytorch-gpu" not in json.dumps(spec)
    assert "pixi environments cuda, dev" in dropped(report) and "[tasks]" in dropped(report)
    assert "platform osx-arm64" not in dropped(report)      # a platform envmgr locks


def test_a_pixi_environment_brings_its_features_and_system_cuda(workspace):
    code, report = import_json(CORPUS / "pixi-cuda" / "pixi.toml", "--environment", "cuda",
                               "--name", "gpu")
    assert report["stack"]["cuda"] == "12.4"                 # cuda-version 12.4.* from the feature
    assert "pixi environments dev" in dropped(report)


def test_system_requirements_cuda_asks_for_a_cuda_build(workspace, tmp_path):
    manifest = tmp_path / "pixi.toml"
    manifest.write_text('[workspace]\nchannels = ["pytorch", "nvidia"]\nplatforms = ["linux-64"]\n'
                        '[dependencies]\npython = "3.10.*"\npytorch = "==2.4.1"\n'
                        '[system-requirements]\ncuda = "12"\n')
    code, report = import_json(manifest, "--name", "sysreq")
    assert report["stack"]["torch"] == "2.4.1"
    assert "cpu-risk" not in {p["code"] for p in report["problems"]}    # a CUDA build is asked for
    code, fixed = import_json(manifest, "--name", "sysreq", "--fix", "--force")
    assert fixed["stack"]["cuda"] not in (None, "cpu")       # --fix pins one of its CUDA builds


def test_an_unknown_pixi_environment_is_a_usage_error(workspace):
    code, report = import_json(CORPUS / "pixi-cuda" / "pixi.toml", "--environment", "nope")
    assert code == 2
    assert "no environment 'nope' (environments: cuda, dev)" in report["problems"][0]["message"]


def test_pyproject_with_tool_pixi_reads_pep621_and_pixi_tables(workspace):
    code, report = import_json(CORPUS / "pixi-pyproject" / "pyproject.toml")
    assert code == 0, report["problems"]
    assert report["name"] == "pyproject-paper"
    assert report["stack"]["torch"] == "2.4.1" and report["stack"]["cuda"] == "12.1"
    assert report["stack"]["python"] == "3.10" and report["stack"]["torchvision"] == "0.19.1"
    assert report["spec"]["pip"] == ["timm==1.0.9"]


def test_pixi_pypi_dependencies_with_an_index_are_the_pip_route(workspace):
    code, report = import_json(CORPUS / "pixi-pypi" / "pixi.toml")
    assert code == 0, report["problems"]
    assert report["stack"]["torch"] == "2.5.1" and report["stack"]["cuda"] == "12.4"
    assert report["stack"]["route"] == "pip"
    assert "mylib (pypi)" in dropped(report) and "[target.linux-64]" in dropped(report)
    lines = {d["item"]: d.get("line") for d in report["dropped"]}
    assert lines["mylib (pypi)"] == 13                       # the line in the manifest


@pytest.mark.parametrize("text, message", [
    ("[project]\nname = 'x'\ndependencies = ['torch']\n", "without [tool.pixi]"),
    ("[workspace]\nname = 'x'\n", "no [dependencies]"),
    ("[dependencies\npytorch = '2.4'\n", "not valid TOML"),
])
def test_toml_that_is_no_pixi_manifest_is_one_line(workspace, tmp_path, text, message):
    path = tmp_path / ("pyproject.toml" if "project" in text else "pixi.toml")
    path.write_text(text)
    code, report = import_json(path)
    assert code == 2 and message in report["problems"][0]["message"]


def test_environment_option_needs_a_pixi_manifest(workspace):
    code, report = import_json(CORPUS / "cpuonly" / "environment.yml", "--environment", "x")
    assert code == 2 and "pixi manifest" in report["problems"][0]["message"]


def test_a_conda_lock_file_of_an_unknown_version_gets_a_warning(workspace):
    code, report = import_json(CORPUS / "conda-lock-v3" / "conda-lock.yml")
    warning = next(p for p in report["problems"] if p["code"] == "lock-version-unknown")
    assert warning["severity"] == "warning" and "version: 3" in warning["message"]
    assert warning["line"] == 1
    code, known = import_json(CORPUS / "conda-lock" / "conda-lock.yml", "--name", "v1", )
    assert "lock-version-unknown" not in {p["code"] for p in known["problems"]}
