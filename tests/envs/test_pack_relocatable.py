"""envmgr pack: a conda-pack archive of a created environment (or of its lockfile alone) that
unpacks and runs somewhere else, with no envmgr; stale inputs refused; nothing half-written."""
from __future__ import annotations

import json
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path

import pytest

from clihelp import envmgr, one_line_error

pytest.importorskip("conda_pack", reason="envmgr pack writes archives with conda-pack (a dependency)")


@pytest.fixture
def created(cpu):
    result = envmgr("create", "cpu")
    assert result.exit_code == 0, result.output
    return cpu


def env_prefix(workspace) -> Path:
    return Path(os.environ["ENVMGR_ENVS_DIR"]) / "cpu"


def unpack(archive: Path, where: Path) -> Path:
    where.mkdir(parents=True)
    if archive.name.endswith(".zip"):
        with zipfile.ZipFile(archive) as zf:
            zf.extractall(where)
            for info in zf.infolist():       # zip keeps the mode in the high bits
                mode = info.external_attr >> 16
                if mode:
                    os.chmod(where / info.filename, mode)
    else:
        with tarfile.open(archive) as tf:
            tf.extractall(where, filter="tar")
    return where


def run(*args, **kw) -> str:
    done = subprocess.run([str(a) for a in args], capture_output=True, text=True, timeout=60, **kw)
    assert done.returncode == 0, done.stderr
    return done.stdout.strip()


def files_mentioning(root: Path, text: str) -> list[str]:
    found = []
    for path in root.rglob("*"):
        if path.is_file() and not path.is_symlink() and text.encode() in path.read_bytes():
            found.append(path.relative_to(root).as_posix())
    return sorted(found)


@pytest.mark.parametrize("fmt", ["tar.gz", "zip"])
def test_packed_env_unpacks_elsewhere_and_runs_with_its_new_prefix(created, tmp_path, fmt):
    archive = tmp_path / f"cpu.{fmt}"
    result = envmgr("pack", "cpu", "-o", str(archive), "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["format"] == fmt and data["source"] == "environment"
    assert data["packages"] == 10 and Path(data["archive"]) == archive and archive.is_file()

    original = env_prefix(created)
    moved = unpack(archive, tmp_path / "elsewhere" / "cpu")
    for needed in ("bin/conda-unpack", "bin/activate", "share/envmgr/cpu.conda-lock.yml",
                   "share/envmgr/pack.json"):
        assert (moved / needed).is_file(), needed
    assert not (moved / "conda-meta" / "envmgr.json").exists()     # not one of envmgr's envs there
    assert (moved / "share/envmgr/cpu.conda-lock.yml").read_bytes() == \
        created.lockfile("cpu").read_bytes()
    # the packed files carry the placeholder, not this machine's prefix
    assert run(moved / "bin" / "envmgr-test-prefix") == "/opt/anaconda1anaconda2anaconda3"

    run(moved / "bin" / "python", moved / "bin" / "conda-unpack")
    assert run(moved / "bin" / "envmgr-test-prefix") == str(moved)
    torch_file = run(moved / "bin" / "python", "-c", "import torch; print(torch.__file__)")
    assert Path(torch_file).is_relative_to(moved)
    # verify-style: every package's files are there, and nothing points back at the original
    for record in (moved / "conda-meta").glob("*.json"):
        for name in json.loads(record.read_text())["files"]:
            assert (moved / name).exists() or (moved / name).is_symlink(), name
    assert files_mentioning(moved, str(original)) == ["bin/conda-unpack"]   # its own record list


def test_pack_from_lock_needs_no_created_env_and_leaves_nothing_behind(cpu, tmp_path):
    envmgr("lock", "cpu")
    envs_dir = Path(os.environ["ENVMGR_ENVS_DIR"])
    archive = tmp_path / "cpu.tar.gz"
    result = envmgr("pack", "cpu", "--from-lock", "-o", str(archive))
    assert result.exit_code == 0, result.output
    assert "packed cpu (10 packages" in result.stdout
    assert not (envs_dir / "cpu").exists()
    assert [p.name for p in envs_dir.iterdir() if not p.name.endswith(".envmgr.lock")] == []
    moved = unpack(archive, tmp_path / "node" / "cpu")
    run(moved / "bin" / "python", moved / "bin" / "conda-unpack")
    assert run(moved / "bin" / "envmgr-test-prefix") == str(moved)


def test_dest_prefix_writes_the_final_place_in_and_needs_no_unpack(created, tmp_path):
    out = tmp_path / "image-root"
    result = envmgr("pack", "cpu", "--format", "dir", "-o", str(out), "--dest-prefix", "/opt/env")
    assert result.exit_code == 0, result.output
    assert run(out / "bin" / "envmgr-test-prefix") == "/opt/env"
    assert not (out / "bin" / "conda-unpack").exists()
    assert json.loads((out / "share/envmgr/pack.json").read_text())["dest_prefix"] == "/opt/env"


def test_stale_lock_is_refused_and_nothing_is_written(created, write_spec, tmp_path):
    write_spec(created, "cpu", "stack: torch 1.13 cpu\npackages: [typing_extensions]\n")
    archive = tmp_path / "cpu.tar.gz"
    line = one_line_error(envmgr("pack", "cpu", "-o", str(archive)))
    assert "stale" in line and "envmgr lock cpu" in line
    result = envmgr("pack", "cpu", "-o", str(archive), "--json")
    assert result.exit_code == 1
    assert json.loads(result.stdout)["problems"][0]["code"] == "lock-stale"
    assert not archive.exists() and not list(tmp_path.glob(".envmgr-pack-*"))


def test_env_that_does_not_match_its_lock_is_refused(created, tmp_path):
    (env_prefix(created) / "conda-meta" / "typing_extensions-4.11.0-py_0.json").unlink()
    line = one_line_error(envmgr("pack", "cpu", "-o", str(tmp_path / "cpu.tar.gz")))
    assert "does not match its lockfile" in line and "--from-lock" in line


def test_missing_env_names_create_and_from_lock(cpu, tmp_path):
    envmgr("lock", "cpu")
    result = envmgr("pack", "cpu", "-o", str(tmp_path / "x.tar.gz"), "--json")
    assert result.exit_code == 1
    problem = json.loads(result.stdout)["problems"][0]
    assert problem["code"] == "no-env" and "--from-lock" in problem["fix"]


def test_outputs_are_checked_before_any_work(created, tmp_path):
    existing = tmp_path / "cpu.tar.gz"
    existing.write_text("mine")
    assert "already exists" in one_line_error(envmgr("pack", "cpu", "-o", str(existing)), 2)
    assert existing.read_text() == "mine"
    assert "does not exist" in one_line_error(
        envmgr("pack", "cpu", "-o", str(tmp_path / "no" / "such" / "x.tar.gz")), 2)
    inside = env_prefix(created) / "x.tar.gz"
    assert "inside the environment" in one_line_error(envmgr("pack", "cpu", "-o", str(inside)), 2)
    assert "format" in one_line_error(envmgr("pack", "cpu", "-o", str(tmp_path / "x.rar")), 2)
    mine = tmp_path / "folder"
    mine.mkdir()
    (mine / "keep").write_text("x")
    line = one_line_error(envmgr("pack", "cpu", "--format", "dir", "-o", str(mine), "--force"), 2)
    assert "not made by envmgr pack" in line and (mine / "keep").is_file()
    assert "no spec" in one_line_error(envmgr("pack", "nope"), 2)


def test_a_failed_pack_leaves_no_half_archive(created, tmp_path):
    # a file of a package deleted by hand: packing stops, and nothing is left where it wrote
    victim = env_prefix(created) / "lib" / "python3.10" / "site-packages" / "torch" / "version.py"
    victim.unlink()
    out = tmp_path / "out"
    out.mkdir()
    line = one_line_error(envmgr("pack", "cpu", "-o", str(out / "cpu.tar.gz")))
    assert "deleted or overwritten" in line and "envmgr create cpu --force" in line
    assert list(out.iterdir()) == []
