"""envmgr export: container recipes and conda's own formats, from the lockfile only: every URL
and hash they name is a locked one; a CUDA recipe names its driver; a stale lock is refused."""
from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
import yaml

from clihelp import envmgr, one_line_error
from envmgr.engine.lockread import read_lockfile
from envmgr.knowledge.drivers import compat_driver, toolkit_driver
from envmgr.knowledge.facts import load

CUDA = "stack: torch 1.10.1 + cu102 + py3.7\nplatforms: [linux-64]\n"


def locked(workspace, name: str, platform: str) -> dict[str, dict]:
    return {p["url"]: p for p in read_lockfile(workspace.lockfile(name))["package"]
            if p["platform"] == platform}


def export(*args) -> str:
    result = envmgr("export", *args)
    assert result.exit_code == 0, result.output
    return result.stdout


@pytest.fixture
def locked_cpu(cpu, write_spec):
    write_spec(cpu, "cpu", "stack: torch 1.13 cpu\nplatforms: [linux-64, win-64]\n")
    assert envmgr("lock", "cpu").exit_code == 0
    return cpu


@pytest.mark.parametrize("platform", ["linux-64", "win-64"])
def test_explicit_file_lists_exactly_the_locked_urls_with_their_md5(locked_cpu, platform):
    text = export("cpu", "--format", "explicit", "--platform", platform)
    assert "@EXPLICIT" in text.splitlines()
    lines = [line for line in text.splitlines() if line and not line.startswith(("#", "@"))]
    pins = locked(locked_cpu, "cpu", platform)
    assert len(lines) == len(pins)
    for line in lines:
        url, _, digest = line.partition("#")
        assert url in pins and pins[url]["hash"]["md5"] == digest


def test_conda_lock_env_pins_every_package_to_its_build(locked_cpu):
    data = yaml.safe_load(export("cpu", "--format", "conda-lock-env", "--platform", "linux-64"))
    pins = locked(locked_cpu, "cpu", "linux-64")
    expected = sorted(f"{p['name']}={p['version']}={p['build']}" for p in pins.values())
    assert sorted(data["dependencies"]) == expected
    assert data["channels"]


def test_dockerfile_installs_the_committed_lockfile_and_names_no_other_url(locked_cpu):
    text = export("cpu", "--format", "dockerfile")
    assert text.splitlines()[[l.startswith("FROM") for l in text.splitlines()].index(True)] == \
        "FROM mambaorg/micromamba:1.5.10"
    assert "COPY --chown=$MAMBA_USER:$MAMBA_USER lockfiles/cpu.conda-lock.yml" in text
    assert "micromamba create --yes --prefix /opt/conda/envs/cpu --file /tmp/cpu.conda-lock.yml" in text
    assert re.findall(r"(?:https?|file)://\S+", text) == []          # the lock pins them all
    assert "NVIDIA" not in text                                     # a CPU env needs no driver


def test_cuda_recipes_name_the_driver_the_knowledge_base_gives(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "old", CUDA)
    assert envmgr("lock", "old").exit_code == 0
    toolkit = load().toolkit("10.2")
    native = toolkit_driver(toolkit, "linux")
    assert native and compat_driver(toolkit, "linux") is None          # no minor compat for 10.x
    docker = export("old", "--format", "dockerfile")
    assert f"needs an NVIDIA driver >= {native} on the host (CUDA 10.2)" in docker
    assert f"envmgr.min_driver={native}" in docker and "NVIDIA_DRIVER_CAPABILITIES=compute,utility" in docker
    apptainer = export("old", "--format", "apptainer")
    assert f"envmgr.min_driver {native}" in apptainer and "--nv" in apptainer
    assert "Bootstrap: docker" in apptainer and "%post" in apptainer
    data = json.loads(envmgr("export", "old", "--format", "explicit", "--json").stdout)
    assert data["driver"] == {"cuda": "10.2", "min_driver": native, "min_driver_minor_compat": None}
    assert set(data["urls"]) == set(locked(tmp_workspace, "old", "linux-64"))


def test_cuda_11_names_the_minor_version_compatibility_driver_too(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "eleven", "stack: torch 1.13 + cu117\nplatforms: [linux-64]\n")
    assert envmgr("lock", "eleven").exit_code == 0
    toolkit = load().toolkit("11.7")
    text = export("eleven", "--format", "dockerfile")
    assert (f"needs an NVIDIA driver >= {toolkit_driver(toolkit, 'linux')} on the host (CUDA 11.7; "
            f">= {compat_driver(toolkit, 'linux')} through minor-version compatibility)") in text


def test_recipe_from_a_packed_archive_unpacks_it_and_refuses_a_stale_one(locked_cpu, write_spec):
    assert envmgr("pack", "cpu", "--from-lock", "-o", "cpu.tar.gz").exit_code == 0
    text = export("cpu", "--format", "dockerfile", "--from-pack", "cpu.tar.gz")
    assert "FROM debian:bookworm-slim" in text and "ADD cpu.tar.gz /opt/env/" in text
    assert "/opt/env/bin/python /opt/env/bin/conda-unpack" in text and "micromamba" not in text
    write_spec(locked_cpu, "cpu", "stack: torch 1.13 cpu\npackages: [typing_extensions]\n")
    assert envmgr("lock", "cpu").exit_code == 0
    line = one_line_error(envmgr("export", "cpu", "--format", "dockerfile", "--from-pack", "cpu.tar.gz"))
    assert "packed from another version" in line


def test_stale_or_missing_lock_is_refused(cpu, write_spec):
    result = envmgr("export", "cpu", "--format", "explicit", "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["code"] == "lock-missing"
    assert envmgr("lock", "cpu").exit_code == 0
    write_spec(cpu, "cpu", "stack: torch 1.13 cpu\npackages: [typing_extensions]\n")
    line = one_line_error(envmgr("export", "cpu", "--format", "dockerfile"))
    assert "stale" in line and "envmgr lock cpu" in line


def test_output_is_written_atomically_and_not_over_a_file_without_force(locked_cpu):
    assert envmgr("export", "cpu", "--format", "dockerfile", "-o", "cpu.Dockerfile").exit_code == 0
    written = (locked_cpu.root / "cpu.Dockerfile").read_text()
    assert written == export("cpu", "--format", "dockerfile")
    assert "already exists" in one_line_error(
        envmgr("export", "cpu", "--format", "dockerfile", "-o", "cpu.Dockerfile"), 2)
    assert "not locked for osx-arm64" in one_line_error(
        envmgr("export", "cpu", "--format", "explicit", "--platform", "osx-arm64"))
    assert "linux platforms" in one_line_error(
        envmgr("export", "cpu", "--format", "dockerfile", "--platform", "win-64"), 2)


def docker_can_check() -> bool:
    """docker with BuildKit's `build --check` (lints a Dockerfile without pulling its base image:
    the tests have no network) and a daemon to run it."""
    if shutil.which("docker") is None:
        return False
    helps = subprocess.run(["docker", "build", "--help"], capture_output=True, text=True)
    daemon = subprocess.run(["docker", "info"], capture_output=True, text=True)
    return "--check" in helps.stdout and daemon.returncode == 0


@pytest.mark.skipif(not docker_can_check(),
                    reason="no docker with a daemon and `docker build --check` here (and no network "
                           "to pull the base image): the Dockerfile's content is checked above")
def test_docker_accepts_the_dockerfile(locked_cpu, tmp_path):   # pragma: no cover - needs docker
    (tmp_path / "Dockerfile").write_text(export("cpu", "--format", "dockerfile"))
    done = subprocess.run(["docker", "build", "--check", "-f", str(tmp_path / "Dockerfile"),
                           str(locked_cpu.root)], capture_output=True, text=True)
    assert done.returncode == 0, done.stderr


@pytest.mark.skipif(shutil.which("apptainer") is None,
                    reason="apptainer is not installed on this machine: the definition's content "
                           "is checked above")
def test_apptainer_reads_the_definition(locked_cpu, tmp_path):   # pragma: no cover - needs apptainer
    (tmp_path / "cpu.def").write_text(export("cpu", "--format", "apptainer"))
    done = subprocess.run(["apptainer", "inspect", "--deffile", str(tmp_path / "cpu.def")],
                          capture_output=True, text=True)
    assert done.returncode == 0 or "not a valid" not in done.stderr, done.stderr
