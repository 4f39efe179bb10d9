"""The pip layer: lock pip requirements and PyTorch wheels into the conda-lock file, install them.

No network: the conda side uses the shared test channels, the pip side a local PyPI-like index
(with upload times and a decoy ``torch``) and a PyTorch-like wheel index (``+cpu``/``+cu121``/
``+cu124`` local versions), built by ``envmgr.wheelindex`` and served on 127.0.0.1.
"""
from __future__ import annotations

import hashlib
import json
import zipfile
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.envs.environments import Environment
from envmgr.testchannel.wheelindex import IndexServer, build_wheel_indexes

pytest.importorskip("uv", reason="the pip layer resolves and installs with uv (a dependency)")

# both platforms written out: the default is only the platform of the machine that locks
MIXED = """\
stack: "torch 2.4 + cu121"
python: "3.11"
platforms: [linux-64, win-64]
pip:
  - timm
"""
WHEELS = """\
stack: "torch 2.6 + cu124"
python: "3.11"
route: pip
"""


def envmgr(*args: str):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


@pytest.fixture(scope="session")
def wheel_indexes(tmp_path_factory) -> Path:
    return build_wheel_indexes(tmp_path_factory.mktemp("wheels"))


@pytest.fixture(scope="session")
def wheel_server(wheel_indexes):
    with IndexServer(wheel_indexes) as url:
        yield url


def point_at(monkeypatch, url: str) -> None:
    monkeypatch.setenv("ENVMGR_PYPI_INDEX", f"{url}/pypi/simple")
    monkeypatch.setenv("ENVMGR_PYTORCH_INDEX", f"{url}/whl")


@pytest.fixture
def pip_workspace(tmp_workspace, wheel_server, monkeypatch):
    point_at(monkeypatch, wheel_server)
    return tmp_workspace


def lock_data(workspace, name: str) -> dict:
    return yaml.safe_load(workspace.lockfile(name).read_text(encoding="utf-8"))


def pip_entries(workspace, name: str, platform: str) -> dict[str, dict]:
    return {p["name"]: p for p in lock_data(workspace, name)["package"]
            if p["manager"] == "pip" and p["platform"] == platform}


def site_packages(prefix: Path) -> Path:
    return next(prefix.glob("lib/python*/site-packages"))


# -- lock ------------------------------------------------------------------------------------------
def test_mixed_spec_locks_pip_entries_and_leaves_conda_packages_to_conda(pip_workspace, write_spec,
                                                                        wheel_indexes):
    write_spec(pip_workspace, "mixed", MIXED)
    result = envmgr("lock", "mixed")
    assert result.exit_code == 0, result.output
    for platform in ("linux-64", "win-64"):
        pip = pip_entries(pip_workspace, "mixed", platform)
        # timm needs torch + torchvision (conda installs them) and pyyaml (pip's job)
        assert sorted(pip) == ["pyyaml", "timm"]
        assert pip["timm"]["version"] == "1.0.9"
        local = wheel_indexes / "pypi" / "files" / Path(pip["timm"]["url"]).name
        assert pip["timm"]["hash"]["sha256"] == hashlib.sha256(local.read_bytes()).hexdigest()
    conda = {p["name"] for p in lock_data(pip_workspace, "mixed")["package"] if p["manager"] == "conda"}
    assert {"pytorch", "torchvision", "python", "pip"} <= conda
    meta = lock_data(pip_workspace, "mixed")["metadata"]["custom_metadata"]
    assert meta["pip_layer"].startswith("locked")


def test_lockfile_with_pip_entries_is_read_by_conda_lock(pip_workspace, write_spec):
    from conda_lock.lockfile import parse_conda_lock_file

    write_spec(pip_workspace, "mixed", MIXED)
    assert envmgr("lock", "mixed").exit_code == 0
    parsed = parse_conda_lock_file(pip_workspace.lockfile("mixed"))
    pip = [p for p in parsed.package if p.manager == "pip"]
    assert {(p.name, p.platform) for p in pip} >= {("timm", "linux-64"), ("timm", "win-64")}
    assert all(p.hash.sha256 and "#" not in p.url for p in pip)
    assert envmgr("lock", "--check", "mixed").exit_code == 0


def test_pip_route_takes_the_torch_family_from_pytorchs_index_per_platform(pip_workspace, write_spec):
    write_spec(pip_workspace, "wheels", WHEELS + "platforms: [linux-64, win-64]\n")
    assert envmgr("lock", "wheels").exit_code == 0
    text = pip_workspace.environment_file("wheels").read_text()
    assert "--extra-index-url https://download.pytorch.org/whl/cu124" in text   # file says the real index
    for platform, tag in (("linux-64", "manylinux_2_17_x86_64"), ("win-64", "win_amd64")):
        pip = pip_entries(pip_workspace, "wheels", platform)
        assert pip["torch"]["version"] == "2.6.0+cu124"
        assert pip["torchvision"]["version"] == "0.21.0+cu124"
        assert pip["torchaudio"]["version"] == "2.6.0+cu124"
        for name in ("torch", "torchvision", "torchaudio"):
            assert "/whl/cu124/" in pip[name]["url"] and pip[name]["url"].endswith(f"{tag}.whl")
        # torch's own dependencies come from PyPI
        assert "/pypi/files/" in pip["typing-extensions"]["url"]
        assert pip["typing-extensions"]["version"] == "4.12.2"


def test_a_same_named_pypi_torch_never_wins(pip_workspace, write_spec):
    # PyPI has torch 2.7.0 (newer) and a plain 2.6.0; an unpinned torch still comes from PyTorch.
    write_spec(pip_workspace, "loose", 'stack: "torch 2.6 + cu124"\npython: "3.11"\nroute: pip\n'
                                       "platforms: [linux-64]\n")
    assert envmgr("lock", "loose").exit_code == 0
    torch = pip_entries(pip_workspace, "loose", "linux-64")["torch"]
    assert "/pypi/" not in torch["url"] and torch["version"].endswith("+cu124")


def test_stale_pip_pin_is_reported_by_lock_check_and_list(pip_workspace, write_spec):
    write_spec(pip_workspace, "mixed", MIXED)
    assert envmgr("lock", "mixed").exit_code == 0
    write_spec(pip_workspace, "mixed", MIXED.replace("  - timm\n", "  - timm==0.9.12\n"))
    check = envmgr("lock", "--check", "mixed", "--json")
    assert check.exit_code != 0
    assert json.loads(check.stdout)[0]["state"] == "stale"
    listed = json.loads(envmgr("list", "--json", "--no-size").stdout)["environments"]
    assert listed[0]["lock"] == "stale"
    assert envmgr("lock", "mixed").exit_code == 0
    assert pip_entries(pip_workspace, "mixed", "linux-64")["timm"]["version"] == "0.9.12"


def test_conda_locks_content_hash_covers_the_pip_list(tmp_path):
    # `lock --check` leans on conda-lock's content hash; it must move when only a pip pin moves.
    from envmgr.engine.lockfile import content_hashes, make_lock_spec

    base = ("name: x\nchannels: [conda-forge]\ndependencies:\n  - python=3.11\n  - pip\n"
            "  - pip:\n      - --extra-index-url https://download.pytorch.org/whl/cu124\n"
            "      - torch==2.6.0+cu124\n      - timm\n")

    def digest(text: str) -> str:
        spec = make_lock_spec(text, "x.environment.yml", ["linux-64"], tmp_path)
        return content_hashes(spec, ["linux-64"], "12.4", tmp_path)["linux-64"]

    assert digest(base) == digest(base)
    assert digest(base) != digest(base.replace("- timm", "- timm==0.9.12"))
    assert digest(base) != digest(base.replace("torch==2.6.0+cu124", "torch==2.6.0+cpu"))


def test_as_of_applies_to_pypi_and_says_how_it_treats_pytorchs_index(pip_workspace, write_spec):
    # as_of applies to the conda layer too: a date when the test channels' torch 1.13 stack existed
    # (python 3.10 2024-03, typing_extensions 2024-04) but timm 1.0.9 (2024-08-23) did not
    write_spec(pip_workspace, "dated", 'stack: "torch 1.13 + cu117"\npython: "3.10"\npip: [timm]\n'
               'as_of: "2024-06-01"\n')
    result = envmgr("lock", "dated")
    assert result.exit_code == 0, result.output
    assert pip_entries(pip_workspace, "dated", "linux-64")["timm"]["version"] == "0.9.12"
    write_spec(pip_workspace, "wheels", WHEELS + 'as_of: "2025-03-01"\nplatforms: [linux-64]\n')
    result = envmgr("lock", "wheels")
    assert result.exit_code == 0, result.output
    assert "publishes no upload times" in result.output
    pip = pip_entries(pip_workspace, "wheels", "linux-64")
    assert pip["torch"]["version"] == "2.6.0+cu124"
    assert pip["filelock"]["version"] == "3.16.1"


def test_pip_requirement_naming_a_conda_package_is_a_clear_error(pip_workspace, write_spec):
    write_spec(pip_workspace, "clash", MIXED.replace("  - timm\n", "  - mkl\n"))
    result = envmgr("lock", "clash")
    assert result.exit_code == 1
    assert "mkl" in result.output and "conda already installs" in result.output
    assert not pip_workspace.lockfile("clash").exists()
    # the torch family itself is caught earlier, by check, at the spec's line
    write_spec(pip_workspace, "twice", MIXED.replace("  - timm\n", "  - torchvision\n"))
    result = envmgr("lock", "twice")
    assert result.exit_code == 1 and "twice.yaml:" in result.output and "second time" in result.output
    assert not pip_workspace.lockfile("twice").exists()


def test_unresolvable_pip_requirement_names_the_platform(pip_workspace, write_spec):
    write_spec(pip_workspace, "nope", MIXED.replace("  - timm\n", "  - timm==9.9\n"))
    result = envmgr("lock", "nope")
    assert result.exit_code == 1
    assert "cannot be resolved for" in result.output and "timm" in result.output
    assert "Traceback" not in result.output


def test_unsupported_pip_options_are_rejected():
    from envmgr.errors import EnvmgrError
    from envmgr.engine.piplayer.resolve import PipRequest

    request = PipRequest.from_lines(["--find-links https://download.pytorch.org/whl/torch_stable.html",
                                     "torch==1.10.1+cu111", "timm>=0.9"])
    assert request.find_links and request.requirements == ["torch==1.10.1+cu111", "timm>=0.9"]
    with pytest.raises(EnvmgrError, match="not supported"):
        PipRequest.from_lines(["-e ./src"])


def test_find_links_route_uses_the_flat_page(pip_workspace, wheel_server):
    from envmgr.engine.piplayer.resolve import PipRequest, compile_platform

    request = PipRequest.from_lines(["--find-links https://download.pytorch.org/whl/torch_stable.html",
                                     "torch==2.5.1+cu121"])
    wheels = compile_platform(request, "linux-64", "3.11.9", {}, workspace=pip_workspace)
    torch = next(w for w in wheels if w.name == "torch")
    assert torch.version == "2.5.1+cu121" and torch.url.startswith(f"{wheel_server}/whl/cu121/")


# -- create ----------------------------------------------------------------------------------------
def test_create_installs_the_pip_layer_from_the_wheel_cache(tmp_workspace, write_spec, tmp_path,
                                                           monkeypatch):
    root = build_wheel_indexes(tmp_path / "index")
    with IndexServer(root) as url:
        point_at(monkeypatch, url)
        write_spec(tmp_workspace, "mixed", MIXED)
        write_spec(tmp_workspace, "twin", MIXED)
        assert envmgr("create", "mixed").exit_code == 0
        assert envmgr("lock", "twin").exit_code == 0
    # The index is gone: the second env must come from the shared wheel cache alone.
    result = envmgr("create", "twin")
    assert result.exit_code == 0, result.output
    for name in ("mixed", "twin"):
        prefix = Environment.named(name, tmp_workspace).prefix
        site = site_packages(prefix)
        assert (site / "timm" / "__init__.py").read_text().startswith('__version__ = "1.0.9"')
        assert (site / "timm-1.0.9.dist-info" / "INSTALLER").read_text().strip() == "uv"
        assert not (site / "torch-2.4.1.dist-info").exists()       # torch stays conda's
        script = (prefix / "bin" / "timm-info").read_bytes()
        assert b"envmgr-tmp" not in script
    a, b = (site_packages(Environment.named(n, tmp_workspace).prefix) / "timm" / "__init__.py"
            for n in ("mixed", "twin"))
    assert a.stat().st_ino == b.stat().st_ino                    # hardlinked from one cache
    row = {r["name"]: r for r in json.loads(envmgr("list", "--json", "--no-size").stdout)["environments"]}
    assert row["mixed"]["env"] == "created" and row["mixed"]["lock"] == "fresh"


def test_pip_route_env_imports_the_locked_torch(tmp_workspace, write_spec, wheel_server, monkeypatch):
    import subprocess

    point_at(monkeypatch, wheel_server)
    write_spec(tmp_workspace, "wheels", WHEELS + "platforms: [linux-64]\n")
    result = envmgr("create", "wheels")
    assert result.exit_code == 0, result.output
    python = Environment.named("wheels", tmp_workspace).prefix / "bin" / "python"
    out = subprocess.run([str(python), "-c", "import torch, torchvision; print(torch.__version__, "
                          "torchvision.__version__)"], capture_output=True, text=True)
    assert out.stdout.split() == ["2.6.0+cu124", "0.21.0+cu124"], out.stderr


def test_tampered_wheel_stops_the_install(tmp_workspace, write_spec, tmp_path, monkeypatch):
    root = build_wheel_indexes(tmp_path / "index")
    with IndexServer(root) as url:
        point_at(monkeypatch, url)
        write_spec(tmp_workspace, "mixed", MIXED)
        assert envmgr("lock", "mixed").exit_code == 0
        wheel = next((root / "pypi" / "files").glob("timm-1.0.9-*.whl"))
        with zipfile.ZipFile(wheel, "a") as archive:       # still a valid wheel, other bytes
            archive.writestr("timm/extra.py", "print('not what was locked')\n")
        result = envmgr("create", "mixed")
    assert result.exit_code == 1
    assert "timm" in result.output and "does not match the lockfile" in result.output
    assert "Traceback" not in result.output
    assert not Environment.named("mixed", tmp_workspace).exists()   # no half environment


def test_indexes_come_from_the_workspace_settings(tmp_path, monkeypatch):
    from envmgr.engine.piplayer.resolve import PipRequest, project_file, pypi_index, pytorch_index
    from envmgr.specs.workspace import find_workspace

    for var in ("ENVMGR_PYPI_INDEX", "ENVMGR_PYTORCH_INDEX", "ENVMGR_WORKSPACE"):
        monkeypatch.delenv(var, raising=False)
    (tmp_path / "envmgr.yaml").write_text("pypi_index: https://mirror.example/simple\n"
                                          "pytorch_index: https://mirror.example/whl\n")
    workspace = find_workspace(tmp_path)
    assert pypi_index(workspace) == "https://mirror.example/simple"
    request = PipRequest.from_lines(["--extra-index-url https://download.pytorch.org/whl/cu124",
                                     "torch==2.6.0+cu124", "timm"])
    text, pinned = project_file(request, workspace)
    assert pinned and 'url = "https://mirror.example/whl/cu124"' in text
    assert 'torch = { index = "pytorch" }' in text and "timm = " not in text
    monkeypatch.setenv("ENVMGR_PYTORCH_INDEX", "http://127.0.0.1:9/whl")
    assert pytorch_index(workspace) == "http://127.0.0.1:9/whl"      # the variable wins


def test_as_of_release_means_the_torch_release_date():
    from envmgr.knowledge.facts import load
    from envmgr.engine.piplayer.resolve import as_of_date

    assert as_of_date("release", "2.6.0") == load().release("2.6.0").released
    assert as_of_date("2021-06-30", "1.10.1") == "2021-06-30"
    assert as_of_date(None, "2.6.0") is None
