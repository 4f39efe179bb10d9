"""The lockfile envmgr lock writes, offline against the on-disk test channels: a genuine conda-lock
file (conda-lock reads, renders and hash-checks it, its writer gives the same bytes) with the CUDA
or CPU build locked and the pip section recorded."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from clihelp import locked_packages, run

PAPER = "stack: torch 1.10 + cu102 + py3.7\n"
CPU = "stack: torch 1.13 cpu\n"
VENV_BIN = Path(sys.executable).parent


def test_lock_is_a_genuine_conda_lock_file_with_the_cuda_build(paper, use_test_channels):
    for platform in ("linux-64", "win-64"):       # win-64 locked on a linux machine
        pkgs = locked_packages(paper, platform)
        torch = pkgs["pytorch"]
        assert "cuda10.2" in torch.build and "cpu" not in torch.build
        assert pkgs["cudatoolkit"].version.startswith("10.2")
        assert pkgs["pytorch-mutex"].build == "cuda"
        assert pkgs["numpy"].version.startswith("1.")     # the numpy<2 co-pin reached the solver
        if platform == "linux-64":                          # the mkl co-pin is a linux one
            assert pkgs["mkl"].version == "2023.1.0"
        assert all(f"/{platform}/" in p.url or "/noarch/" in p.url for p in pkgs.values())
        assert torch.url.startswith(use_test_channels.url("pytorch"))
        assert torch.hash.md5 and torch.hash.sha256
    from conda_lock.lockfile import parse_conda_lock_file

    meta = parse_conda_lock_file(paper).metadata
    assert meta.sources == ["paper-2021.environment.yml"]
    assert set(meta.content_hash) == {"linux-64", "win-64"}
    custom = meta.custom_metadata
    assert custom["cuda"] == "10.2" and custom["route"] == "pytorch"
    assert "__cuda=10.2" in custom["virtual_packages"] and "__glibc=2.17" in custom["virtual_packages"]
    for key in ("envmgr_version", "kb_version", "spec_sha256", "env_file_sha256", "channel_urls"):
        assert custom[key]


def test_conda_lock_render_accepts_it(paper, tmp_path):
    out = tmp_path / "render"
    out.mkdir()
    subprocess.run([str(VENV_BIN / "conda-lock"), "render", "--kind", "explicit", str(paper)],
                   cwd=out, check=True, capture_output=True, text=True)
    explicit = (out / "conda-linux-64.lock").read_text()
    assert "@EXPLICIT" in explicit
    assert "pytorch-1.10" in explicit and "cuda10.2" in explicit and "#" in explicit.splitlines()[-1]
    assert (out / "conda-win-64.lock").is_file()


def test_conda_lock_check_input_hash_calls_it_up_to_date(paper, tmp_path):
    from envmgr.host.virtual import spec_document

    vp = tmp_path / "virtual-packages.yml"
    vp.write_text(json.dumps(spec_document(["linux-64", "win-64"], "10.2")))
    conda = tmp_path / "conda"                 # conda-lock wants *a* conda; it must not run a solve
    conda.write_text("#!/bin/sh\necho 'conda 24.1.0'\n")
    conda.chmod(0o755)
    before = paper.read_bytes()
    done = subprocess.run(
        [str(VENV_BIN / "conda-lock"), "lock", "--check-input-hash", "-f", "paper-2021.environment.yml",
         "--lockfile", paper.name, "--virtual-package-spec", str(vp), "--conda", str(conda),
         "-p", "linux-64", "-p", "win-64"], cwd=paper.parent, capture_output=True, text=True)
    assert "Spec hash already locked for ['linux-64', 'win-64']" in done.stdout + done.stderr
    assert paper.read_bytes() == before


def test_cpu_spec_locks_cpu_builds_without_cuda(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", CPU)
    assert run("lock", "laptop")[0] == 0
    lockfile = tmp_workspace.lockfile("laptop")
    pkgs = locked_packages(lockfile, "linux-64")
    assert "cpu" in pkgs["pytorch"].build and pkgs["pytorch-mutex"].build == "cpu"
    assert "cudatoolkit" not in pkgs
    from conda_lock.lockfile import parse_conda_lock_file

    assert "__cuda" not in parse_conda_lock_file(lockfile).metadata.custom_metadata["virtual_packages"]


def test_pip_section_is_recorded_not_locked(tmp_workspace, write_spec):
    from envmgr.engine.lockfile import conda_lock_view, pip_requirements

    text = ("name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.12\n  - pip\n"
            "  - pip:\n      - --extra-index-url https://download.pytorch.org/whl/cu124\n"
            "      - torch==2.6.0+cu124\n")
    view = conda_lock_view(text)
    assert "pip-repositories" in view and "--extra-index-url" not in view
    assert pip_requirements(text)[1] == "torch==2.6.0+cu124"
    plain = "name: x\nchannels: [pytorch]\ndependencies:\n  - python=3.7\n"
    assert conda_lock_view(plain) == plain      # untouched: its hash is conda-lock's own


def test_lockfile_bytes_are_conda_lock_writer_bytes(paper):
    """envmgr dumps the body with libyaml for speed; conda-lock's own writer must give the same file."""
    from conda_lock.lockfile import parse_conda_lock_file

    from envmgr.engine.lockfile import render_lockfile_with_conda_lock

    assert render_lockfile_with_conda_lock(parse_conda_lock_file(paper), paper) == paper.read_text()
