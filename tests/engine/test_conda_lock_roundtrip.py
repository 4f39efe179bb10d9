"""Round-trip with conda-lock: what envmgr renders and locks, conda-lock's own code reads and agrees with.

For a conda-only (CPU), a CUDA and a pip-route stack:
* conda-lock's parser (``conda_lock.conda_lock.make_lock_spec``, no platform given) reads the
  rendered ``lockfiles/NAME.environment.yml``: its platforms, its pip requirements, and the
  PyTorch index as a pip repository, while conda's view of the file (plain YAML) keeps the index
  option line its pip step needs;
* conda-lock's content hash of that file, with ``lockfiles/NAME.virtual-packages.yml``, is the
  lock's, and ``conda-lock lock --check-input-hash`` run as the lock's header says skips the solve;
* ``conda-lock render --kind env`` of the pip-route lock keeps the index of the ``+cu124`` wheels.

No network: conda channels on disk, wheel indexes on 127.0.0.1; conda-lock needs *a* conda
executable for ``lock`` and only asks it for ``--version`` when nothing is to be solved.
"""
from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from clihelp import envmgr
from envmgr.testchannel.wheelindex import IndexServer, build_wheel_indexes

VENV_BIN = Path(sys.executable).parent
TWO_PLATFORMS = "platforms: [linux-64, win-64]\n"   # a Linux lock that also serves Windows
STACKS = {
    "cpu": ("stack: torch 1.13 cpu\n" + TWO_PLATFORMS, None),
    "cuda": ("stack: torch 1.10 + cu102 + py3.7\n" + TWO_PLATFORMS, "10.2"),
    "wheels": ('stack: "torch 2.6 + cu124"\npython: "3.11"\nroute: pip\n' + TWO_PLATFORMS, "12.4"),
}
PYTORCH_CU124 = "https://download.pytorch.org/whl/cu124"


@pytest.fixture(scope="module")
def wheel_server(tmp_path_factory):
    with IndexServer(build_wheel_indexes(tmp_path_factory.mktemp("wheels"))) as url:
        yield url


@pytest.fixture
def locked(tmp_workspace, write_spec, wheel_server, monkeypatch):
    """The three stacks locked in one workspace; returns the workspace."""
    monkeypatch.setenv("ENVMGR_PYPI_INDEX", f"{wheel_server}/pypi/simple")
    monkeypatch.setenv("ENVMGR_PYTORCH_INDEX", f"{wheel_server}/whl")
    for name, (text, _) in STACKS.items():
        write_spec(tmp_workspace, name, text)
        result = envmgr("lock", name)
        assert result.exit_code == 0, result.output
    return tmp_workspace


def empty_mapping(tmp_path: Path) -> str:
    """A local PyPI->conda name mapping (conda-lock would fetch its default one); the only pip
    name it maps here is ``pip`` itself, the same under both names."""
    mapping = tmp_path / "pypi-mapping.json"
    mapping.write_text("{}", encoding="utf-8")
    return mapping.as_uri()


def conda_lock_spec(env_file: Path, tmp_path: Path):
    from conda_lock.conda_lock import make_lock_spec

    return make_lock_spec(src_files=[env_file], mapping_url=empty_mapping(tmp_path))


@pytest.mark.parametrize("name", list(STACKS))
def test_conda_lock_reads_the_rendered_file_and_computes_the_locks_content_hash(locked, name, tmp_path):
    from conda_lock.content_hash import compute_content_hashes
    from conda_lock.lockfile import parse_conda_lock_file
    from conda_lock.virtual_package import virtual_package_repo_from_specification

    env_file = locked.environment_file(name)
    spec = conda_lock_spec(env_file, tmp_path)
    assert spec.platforms == ["linux-64", "win-64"]          # from the file, not conda-lock's four
    pip = [d for d in spec.dependencies["linux-64"] if d.manager == "pip"]
    if name == "wheels":
        assert {d.name: d.version for d in pip} == {"torch": "==2.6.0+cu124",
                                                    "torchvision": "==0.21.0+cu124",
                                                    "torchaudio": "==2.6.0+cu124"}
        assert [r.url for r in spec.pip_repositories] == [PYTORCH_CU124]
    else:
        assert pip == [] and spec.pip_repositories == []
    vp_file = locked.virtual_packages_file(name)
    repo = virtual_package_repo_from_specification(vp_file)     # assigned: see host/virtual.py
    lock = parse_conda_lock_file(locked.lockfile(name))
    assert compute_content_hashes(spec, repo) == lock.metadata.content_hash
    cuda = STACKS[name][1]
    packages = yaml.safe_load(vp_file.read_text())["subdirs"]["linux-64"]["packages"]
    assert packages.get("__cuda") == cuda and packages["__glibc"] == "2.17"


def test_conda_reads_the_index_option_conda_lock_skips(locked):
    from envmgr.engine.lockfile import conda_lock_view

    text = locked.environment_file("wheels").read_text()
    data = yaml.safe_load(text)                       # what conda reads: comments are gone
    pip = next(d["pip"] for d in data["dependencies"] if isinstance(d, dict))
    assert pip[0] == f"--extra-index-url {PYTORCH_CU124}" and "torch==2.6.0+cu124" in pip
    assert data["pip-repositories"] == [PYTORCH_CU124] and data["platforms"] == ["linux-64", "win-64"]
    assert conda_lock_view(text) == text              # hashed as conda-lock reads it, unchanged


@pytest.mark.parametrize("name", list(STACKS))
def test_conda_lock_check_input_hash_as_the_header_says_skips_the_solve(locked, name, tmp_path):
    lockfile = locked.lockfile(name)
    text = lockfile.read_text()
    relock = next(line.lstrip("# ").strip() for line in text.splitlines()
                  if line.lstrip("# ").startswith("conda-lock -f "))
    assert f"--virtual-package-spec {name}.virtual-packages.yml" in relock
    conda = tmp_path / "conda"                 # conda-lock wants *a* conda; it must not run a solve
    conda.write_text("#!/bin/sh\necho 'conda 24.1.0'\n")
    conda.chmod(0o755)
    args = shlex.split(relock)[1:]             # no -p: the platforms come from the file
    done = subprocess.run([str(VENV_BIN / "conda-lock"), *args, "--check-input-hash",
                           "--conda", str(conda), "--pypi_to_conda_lookup_file", empty_mapping(tmp_path)],
                          cwd=lockfile.parent, capture_output=True, text=True)
    assert "Spec hash already locked for ['linux-64', 'win-64']" in done.stderr, done.stderr
    assert "Locking dependencies" not in done.stderr
    assert lockfile.read_text() == text


def test_conda_lock_render_env_keeps_the_index_of_the_cu124_wheels(locked, wheel_server):
    from conda_lock.conda_lock import render_lockfile_for_platform
    from conda_lock.lockfile import parse_conda_lock_file

    lock = parse_conda_lock_file(locked.lockfile("wheels"))
    for platform, tag in (("linux-64", "manylinux_2_17_x86_64"), ("win-64", "win_amd64")):
        lines = render_lockfile_for_platform(lockfile=lock, include_dev_dependencies=True, extras=None,
                                             kind="env", platform=platform)
        pip = {line.split()[1]: line.strip() for line in lines if line.startswith("      - ")}
        wheel = {p.name: p for p in lock.package if p.platform == platform and p.manager == "pip"}
        for family in ("torch", "torchvision", "torchaudio"):
            url = f"{wheel_server}/whl/cu124/"
            assert pip[family] == f"- {family} @ {wheel[family].url}#sha256={wheel[family].hash.sha256}"
            assert wheel[family].url.startswith(url) and wheel[family].url.endswith(f"{tag}.whl")
        # PyPI's own packages stay plain hash-pinned requirements: PyPI is pip's default index
        typing = wheel["typing-extensions"]
        assert pip["typing-extensions"] == (f"- typing-extensions == {typing.version} "
                                            f"--hash=sha256:{typing.hash.sha256}")
