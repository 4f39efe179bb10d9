"""envmgr lock, offline against the on-disk test channels: genuine conda-lock files, the CUDA
build locked, fresh/stale checks that never solve, byte-identical re-locks, clear unsat errors."""
from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner

from envmgr.cli import cli

# both platforms written out: the default is only the platform of the machine that locks
PAPER = "stack: torch 1.10 + cu102 + py3.7\nplatforms: [linux-64, win-64]\n"
CPU = "stack: torch 1.13 cpu\n"
VENV_BIN = Path(sys.executable).parent


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def packages(lockfile: Path, platform: str) -> dict[str, dict]:
    from conda_lock.lockfile import parse_conda_lock_file

    parsed = parse_conda_lock_file(lockfile)
    return {p.name: p for p in parsed.package if p.platform == platform}


@pytest.fixture
def paper(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "paper-2021", PAPER)
    code, out = run("lock", "paper-2021")
    assert code == 0, out
    return tmp_workspace.lockfile("paper-2021")


def test_lock_is_a_genuine_conda_lock_file_with_the_cuda_build(paper, use_test_channels):
    for platform in ("linux-64", "win-64"):       # win-64 locked on a linux machine
        pkgs = packages(paper, platform)
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


def test_relock_is_a_no_op_and_update_is_byte_identical(paper):
    before = paper.read_bytes()
    code, out = run("lock", "paper-2021", "--json")
    assert code == 0 and json.loads(out)[0]["action"] == "fresh"
    code, out = run("lock", "paper-2021", "--update", "--json")
    assert code == 0 and json.loads(out)[0]["action"] == "unchanged"
    assert paper.read_bytes() == before


def test_check_fresh_stale_missing(paper, tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", CPU)
    code, out = run("lock", "--check")
    assert code == 1 and "laptop: missing" in out and "paper-2021: fresh" in out
    code, _ = run("lock", "laptop")
    assert code == 0
    code, out = run("lock", "--check", "--json")
    assert code == 0 and all(row["ok"] for row in json.loads(out))
    write_spec(tmp_workspace, "paper-2021", PAPER + "packages: [pip]\n")
    code, out = run("lock", "--check", "paper-2021")
    assert code == 1 and "paper-2021: stale: the spec changed" in out
    code, out = run("lock", "paper-2021")
    assert code == 0 and "pip" in packages(paper, "linux-64")
    assert run("lock", "--check")[0] == 0


def test_cpu_spec_locks_cpu_builds_without_cuda(tmp_workspace, write_spec):
    write_spec(tmp_workspace, "laptop", CPU)
    assert run("lock", "laptop")[0] == 0
    lockfile = tmp_workspace.lockfile("laptop")
    pkgs = packages(lockfile, "linux-64")
    assert "cpu" in pkgs["pytorch"].build and pkgs["pytorch-mutex"].build == "cpu"
    assert "cudatoolkit" not in pkgs
    from conda_lock.lockfile import parse_conda_lock_file

    assert "__cuda" not in parse_conda_lock_file(lockfile).metadata.custom_metadata["virtual_packages"]


def test_fast_state_does_not_import_conda_lock(paper, tmp_workspace):
    probe = ("import sys; from envmgr.specs.workspace import find_workspace; from envmgr.engine.lockfile import fast_state;"
             "print(fast_state(find_workspace(), 'paper-2021')[0], 'conda_lock' in sys.modules, "
             "'rattler' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True,
                         env={**os.environ, "ENVMGR_WORKSPACE": str(tmp_workspace.root)}).stdout.split()
    assert out == ["fresh", "False", "False"]


def test_unsatisfiable_lock_explains_and_hints(tmp_workspace, write_spec, tmp_path, monkeypatch):
    from envmgr.testchannel import build_channel

    empty = build_channel(tmp_path / "empty", [])
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", empty.as_uri())   # defaults now empty
    write_spec(tmp_workspace, "paper-2021", PAPER)
    code, out = run("lock", "paper-2021")
    assert code == 1
    assert "cannot solve paper-2021" in out and "No candidates were found for cudatoolkit" in out
    assert "no channel has cudatoolkit" in out and "channel alias" in out
    assert not tmp_workspace.lockfile("paper-2021").exists()


def test_driver_too_old_hint(use_test_channels):
    from envmgr.errors import EnvmgrError
    from envmgr.engine.solve import solve_platforms

    channels = [use_test_channels.url("pytorch"), use_test_channels.url("defaults")]
    with pytest.raises(EnvmgrError) as err:
        solve_platforms(channels, ["python=3.7", "cudatoolkit=11.3", "pytorch=1.10.1=*cuda11.3*"],
                        ["linux-64"], "10.2")
    assert "__cuda" in err.value.message
    assert "needs a driver for CUDA 11.3" in err.value.fix


def test_spec_order_does_not_change_the_solution(use_test_channels):
    from envmgr.engine.solve import canonical_specs, solve_platforms

    specs = ["python=3.8", "pytorch=1.10.1", "cudatoolkit", "mkl<2024.1", "numpy<2"]
    assert canonical_specs(specs) == canonical_specs(list(reversed(specs)))
    channels = [use_test_channels.url("pytorch"), use_test_channels.url("defaults")]
    one = solve_platforms(channels, specs, ["linux-64"], "11.8")["linux-64"]
    two = solve_platforms(channels, list(reversed(specs)), ["linux-64"], "11.8")["linux-64"]
    assert sorted(str(r.url) for r in one) == sorted(str(r.url) for r in two)


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


def test_channel_names_resolve_through_the_alias(monkeypatch, tmp_path):
    from envmgr.engine.channels import resolve_channels
    from envmgr.errors import UsageError
    from envmgr.specs.workspace import Workspace

    for var in ("ENVMGR_CHANNEL_ALIAS", "ENVMGR_DEFAULT_CHANNELS"):
        monkeypatch.delenv(var, raising=False)
    assert resolve_channels(["pytorch", "nvidia", "defaults"]) == [
        "https://conda.anaconda.org/pytorch", "https://conda.anaconda.org/nvidia",
        "https://repo.anaconda.com/pkgs/main"]
    tuna = Workspace(root=tmp_path, config={
        "channel_alias": "https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud",
        "default_channels": ["https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main",
                             "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/r"]})
    assert resolve_channels(["conda-forge", "defaults", "nodefaults"], tuna) == [
        "https://mirrors.tuna.tsinghua.edu.cn/anaconda/cloud/conda-forge",
        "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/main",
        "https://mirrors.tuna.tsinghua.edu.cn/anaconda/pkgs/r"]
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "file:///srv/ch")      # the variable beats envmgr.yaml
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", "file:///srv/main, file:///srv/msys2")
    assert resolve_channels(["pytorch", "defaults", "https://example.org/x/", str(tmp_path)], tuna) == [
        "file:///srv/ch/pytorch", "file:///srv/main", "file:///srv/msys2", "https://example.org/x",
        tmp_path.as_uri()]
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "not a url")
    with pytest.raises(UsageError):
        resolve_channels(["pytorch"])


def test_virtual_packages_are_explicit_and_shared():
    from envmgr.host.virtual import rattler_virtual_packages, spec_document, virtual_packages

    linux = virtual_packages("linux-64", "12.1")
    assert linux == {"__archspec": "1 x86_64", "__cuda": "12.1", "__glibc": "2.17", "__linux": "5.10",
                     "__unix": "0"}
    assert "__cuda" not in virtual_packages("linux-64", "cpu")
    assert virtual_packages("win-64", "10.2") == {"__archspec": "1 x86_64", "__cuda": "10.2", "__win": "0"}
    assert "__cuda" not in virtual_packages("osx-arm64", "12.1")
    doc = spec_document(["linux-64", "win-64"], "12.1")
    assert doc["subdirs"]["linux-64"]["packages"] == linux
    solver_view = {str(v.name.normalized): (str(v.version), str(v.build_string))
                   for v in rattler_virtual_packages("linux-64", "12.1")}
    assert solver_view == {"__archspec": ("1", "x86_64"), "__cuda": ("12.1", "0"),
                           "__glibc": ("2.17", "0"), "__linux": ("5.10", "0"), "__unix": ("0", "0")}


def test_lockfile_bytes_are_conda_lock_writer_bytes(paper):
    """envmgr dumps the body with libyaml for speed; conda-lock's own writer must give the same file."""
    from conda_lock.lockfile import parse_conda_lock_file

    from envmgr.engine.lockfile import render_lockfile_with_conda_lock

    assert render_lockfile_with_conda_lock(parse_conda_lock_file(paper), paper) == paper.read_text()


def test_a_missing_version_names_the_versions_the_channels_have(use_test_channels):
    from envmgr.errors import EnvmgrError
    from envmgr.engine.solve import solve_platforms

    channels = [use_test_channels.url("pytorch"), use_test_channels.url("defaults")]
    with pytest.raises(EnvmgrError) as err:
        solve_platforms(channels, ["python=3.7", "cudatoolkit 11.0.*"], ["linux-64"], "11.3")
    fix = err.value.fix
    assert fix.startswith("no channel has cudatoolkit 11.0.* (they have: ")
    assert "10.2" in fix and "11.3" in fix
    with pytest.raises(EnvmgrError) as err:                # no such package at all
        solve_platforms(channels, ["python=3.7", "nosuchpkg >=1"], ["linux-64"], "11.3")
    assert err.value.fix.startswith("no channel has nosuchpkg: check the spec's channels")
    with pytest.raises(EnvmgrError) as err:                # the version is there, the build is not
        solve_platforms(channels, ["python=3.7", "pytorch=1.10.1=*cuda11.0*"], ["linux-64"], "11.3")
    assert err.value.fix.startswith("no channel has a pytorch 1.10.1 build matching *cuda11.0*")


# uv's stderr when the index cannot be reached (captured from uv 0.x against a closed port and
# an unknown host; a live test would wait out uv's retries, ~11 s)
UV_CONNECTION_REFUSED = """error: Request failed after 3 retries in 10.8s
  cause: Failed to fetch: http://127.0.0.1:9/simple/timm/
  cause: error sending request for url (http://127.0.0.1:9/simple/timm/)
  cause: client error (Connect)
  cause: tcp connect error
  cause: Connection refused (os error 111)
"""
UV_DNS = """error: Request failed after 3 retries in 12.4s
  cause: Failed to fetch: http://nonexistent.invalid/simple/timm/
  cause: error sending request for url (http://nonexistent.invalid/simple/timm/)
  cause: client error (Connect)
  cause: dns error
  cause: error resolving DNS
  cause: failed to lookup address information: Name or service not known
"""


@pytest.mark.parametrize("stderr, index, root", [
    (UV_CONNECTION_REFUSED, "http://127.0.0.1:9/simple", "Connection refused (os error 111)"),
    (UV_DNS, "http://nonexistent.invalid/simple", "Name or service not known")])
def test_an_unreachable_pip_index_leads_with_cannot_reach(stderr, index, root):
    from envmgr.engine.piplayer.install import _install_error
    from envmgr.engine.piplayer.resolve import _uv_error

    locking = _uv_error(stderr, "linux-64", "lockfiles/x.environment.yml")
    assert locking.message.startswith(f"cannot reach the index URL {index} ("), locking.message
    installing = _install_error(stderr, [], "lockfiles/x.conda-lock.yml")   # the locked file's URL
    assert installing.message.startswith(f"cannot reach {index}/timm/ ("), installing.message
    for err in (locking, installing):
        assert root in err.message and "ENVMGR_PYPI_INDEX" in err.fix and "loosen" not in err.fix


def test_lock_prints_the_lockfile_relative_to_the_current_folder(tmp_workspace, write_spec,
                                                                 monkeypatch):
    import re

    write_spec(tmp_workspace, "cpu", "stack: torch 1.13 cpu\n")
    code, out = run("lock", "cpu")
    assert code == 0, out
    first = out.splitlines()[0]
    assert first.startswith("cpu: locked (") and "-> lockfiles/cpu.conda-lock.yml (" in first
    assert str(tmp_workspace.root) not in first and re.search(r"\(\d+\.\d\d s\)$", first)
    monkeypatch.chdir(tmp_workspace.lockfiles_dir)           # from below: the path as typed there
    # ... and still fresh: nothing a lock depends on may change with the current folder
    assert "cpu: fresh, left as is -> cpu.conda-lock.yml (" in run("lock", "cpu")[1]
    elsewhere = tmp_workspace.root.parent / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)                             # outside: absolute
    assert f"cpu: fresh, left as is -> {tmp_workspace.lockfile('cpu')} (" in run("lock", "cpu")[1]
