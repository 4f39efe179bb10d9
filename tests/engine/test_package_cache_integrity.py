"""A damaged package cache is never linked into a new env: each cached file is checked against its
package's info/paths.json (size always; sha256 on first use after extraction, or with
--verify-cache), and a damaged entry is extracted again; when its archive is gone too, the install
says so once and the entry is gone, instead of failing the same way forever."""
from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from clihelp import envmgr
from envmgr.envs.environments import Environment

BLOB = "lib/python3.10/site-packages/torch/lib/libtorch_cpu.so"


@pytest.fixture
def own_cache(cpu, tmp_path, monkeypatch) -> Path:
    """A package cache of this test's own (the session's shared one must stay intact)."""
    cache = tmp_path / "pkgs"
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(cache))
    return cache


def torch_entry(cache: Path) -> Path:
    (entry,) = [p for p in cache.glob("pytorch-1.13.1-*") if p.is_dir()]
    return entry


def cached_blob(cache: Path) -> Path:
    entry = torch_entry(cache)
    (blob,) = [p for p in entry.rglob("*") if p.is_file() and p.stat().st_size > 1_000_000]
    return blob


def truncate_in_place(path: Path) -> None:
    """`head -c 1000 F > x && mv x F`: a new, shorter file where the cached one was."""
    short = path.with_name("x")
    short.write_bytes(path.read_bytes()[:1000])
    short.replace(path)




def installed_sizes(cpu, name: str) -> dict[str, int]:
    prefix = Environment.named(name, cpu).prefix
    return {str(p.relative_to(prefix)): p.stat().st_size for p in prefix.rglob("*.so") if p.is_file()}


def test_a_truncated_cached_file_is_extracted_again_not_linked(cpu, own_cache, write_spec):
    assert envmgr("create", "cpu").exit_code == 0
    good = installed_sizes(cpu, "cpu")
    blob = cached_blob(own_cache)
    size = blob.stat().st_size
    truncate_in_place(blob)
    write_spec(cpu, "twin", "stack: torch 1.13 cpu\n")
    result = envmgr("create", "twin")
    assert result.exit_code == 0, result.output
    assert "package cache: pytorch-1.13.1" in result.stderr and "1000 bytes" in result.stderr
    assert installed_sizes(cpu, "twin") == good
    assert blob.stat().st_size == size                  # the cache holds the package whole again


def test_same_size_damage_is_found_on_first_use_and_with_verify_cache(cpu, own_cache, write_spec):
    assert envmgr("create", "cpu").exit_code == 0       # extracts: no stamp yet
    blob = cached_blob(own_cache)
    data = bytearray(blob.read_bytes())
    data[10] ^= 0xFF
    blob.write_bytes(bytes(data))                         # same size, other bytes, in place
    write_spec(cpu, "twin", "stack: torch 1.13 cpu\n")
    first = envmgr("create", "twin")                      # first use after extraction: sha256
    assert first.exit_code == 0 and "sha256 differs" in first.stderr
    assert bytearray(blob.read_bytes())[10] != data[10]
    write_spec(cpu, "stamped", "stack: torch 1.13 cpu\n")
    assert envmgr("create", "stamped").exit_code == 0      # the re-extracted entry's first use
    blob = cached_blob(own_cache)
    data = bytearray(blob.read_bytes())
    data[10] ^= 0xFF
    blob.write_bytes(bytes(data))
    write_spec(cpu, "third", "stack: torch 1.13 cpu\n")
    quick = envmgr("create", "third")                     # verified before: sizes only
    assert quick.exit_code == 0 and "package cache" not in quick.stderr
    checked = envmgr("create", "third", "--force", "--verify-cache")
    assert checked.exit_code == 0 and "sha256 differs" in checked.stderr


def test_a_damaged_entry_whose_archive_is_gone_is_removed_and_said_once(
        cpu, own_cache, write_spec, test_channels, tmp_path, monkeypatch):
    from envmgr.testchannel import channel_env

    channels = tmp_path / "channels"
    shutil.copytree(test_channels.root, channels)
    for key, value in channel_env(channels).items():
        monkeypatch.setenv(key, value)
    assert envmgr("create", "cpu").exit_code == 0
    archive = next((channels / "pytorch" / "linux-64").glob("pytorch-1.13.1-*cpu*"))
    moved = tmp_path / archive.name
    archive.rename(moved)
    truncate_in_place(cached_blob(own_cache))
    write_spec(cpu, "twin", "stack: torch 1.13 cpu\n")
    result = envmgr("create", "twin")
    assert result.exit_code == 1 and "Traceback" not in result.output
    error = [line for line in result.stderr.splitlines() if line.startswith("error:")][0]
    assert "cannot read package archive" in error and archive.name in error
    assert "run the command again" not in error
    assert not [p for p in own_cache.glob("pytorch-1.13.1-*") if p.is_dir()]   # not kept damaged
    moved.rename(archive)                                 # the channel is back
    assert envmgr("create", "twin").exit_code == 0
