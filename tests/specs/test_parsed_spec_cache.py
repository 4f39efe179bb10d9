"""Spec files and lock heads read before come from envmgr's cache, keyed by their exact text:
the same answers as a fresh parse, an edit is read anew, errors are never cached, and a warm
`check` / `list` does not import PyYAML at all (it is most of their start-up)."""
from __future__ import annotations

import os
import subprocess
import sys

import pytest

from clihelp import REPO, envmgr
from envmgr.errors import SpecError
from envmgr.specs import specfile


def spec_file(tmp_path, text):
    path = tmp_path / "envs" / "paper.yaml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    return path


def test_a_cached_spec_is_the_spec_a_fresh_parse_gives(tmp_path, monkeypatch):
    monkeypatch.setenv("ENVMGR_CACHE_DIR", str(tmp_path / "cache"))
    path = spec_file(tmp_path, 'stack: torch 1.10 + cu102\npython: "3.7"\npackages: ["numpy <1.22"]\n'
                               "as_of: 2021-12-01\nvariables: {OMP_NUM_THREADS: '1'}\n")
    first = specfile.load_spec(path)
    assert list((tmp_path / "cache" / "specs").glob("*.json"))
    second = specfile.load_spec(path)
    assert second == first and second.lines == first.lines and second.path == path
    assert second.as_of == "2021-12-01" and second.variables == {"OMP_NUM_THREADS": "1"}


def test_an_edited_spec_is_read_again_and_errors_are_never_cached(tmp_path, monkeypatch):
    monkeypatch.setenv("ENVMGR_CACHE_DIR", str(tmp_path / "cache"))
    path = spec_file(tmp_path, "stack: torch 1.10 + cu102\n")
    assert specfile.load_spec(path).torch == "1.10"
    path.write_text("stack: torch 1.10 + cu102\nbogus: 1\n")
    for _ in range(2):
        with pytest.raises(SpecError) as err:
            specfile.load_spec(path)
        assert err.value.line == 2
    path.write_text("stack: torch 1.13 cpu\n")
    assert specfile.load_spec(path).torch == "1.13"


def test_a_damaged_cache_entry_is_read_past(tmp_path, monkeypatch):
    monkeypatch.setenv("ENVMGR_CACHE_DIR", str(tmp_path / "cache"))
    path = spec_file(tmp_path, "stack: torch 1.13 cpu\n")
    specfile.load_spec(path)
    for entry in (tmp_path / "cache" / "specs").glob("*.json"):
        entry.write_text('{"name": "paper", "torch": ')
    assert specfile.load_spec(path).torch == "1.13"


def test_a_lock_head_is_cached_only_when_json_keeps_it_exactly(tmp_path, monkeypatch):
    from envmgr.engine import lockseal

    monkeypatch.setenv("ENVMGR_CACHE_DIR", str(tmp_path / "cache"))
    plain = "version: 1\nmetadata:\n  custom_metadata: {torch: 1.13.1}\n"
    dated = "version: 1\nmetadata:\n  custom_metadata: {as_of: 2021-12-01}\n"
    assert lockseal.parsed_head(plain) == lockseal.parsed_head(plain)
    assert len(list((tmp_path / "cache" / "lockheads").glob("*.json"))) == 1
    import datetime

    assert lockseal.parsed_head(dated)["metadata"]["custom_metadata"]["as_of"] == datetime.date(2021, 12, 1)
    assert len(list((tmp_path / "cache" / "lockheads").glob("*.json"))) == 1


@pytest.mark.parametrize("command", [["check"], ["render", "--stdout"], ["list"]])
def test_a_warm_light_command_imports_no_yaml(tmp_workspace, write_spec, command):
    write_spec(tmp_workspace, "cpu", "stack: torch 1.13 cpu\n")
    assert envmgr("lock", "cpu").exit_code == 0
    env = dict(os.environ, PYTHONPATH=str(REPO))
    runs = [subprocess.run([sys.executable, "-X", "importtime", "-m", "envmgr", *command],
                           capture_output=True, text=True, cwd=tmp_workspace.root, env=env) for _ in range(2)]
    assert all(run.returncode == 0 for run in runs), runs[-1].stderr[-2000:]
    imported = {line.split("|")[-1].strip() for line in runs[1].stderr.splitlines()
                if line.startswith("import time:")}
    assert "envmgr.cli" in imported
    assert "yaml" not in imported and "packaging.specifiers" not in imported
