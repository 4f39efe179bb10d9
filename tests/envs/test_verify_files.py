"""envmgr verify NAME --files: each installed file against its package record in conda-meta
(size and sha256; a file whose prefix was rewritten matches the record's sha256_in_prefix)."""
from __future__ import annotations

import json

from clihelp import envmgr
from envmgr.envs.environments import Environment


def verify_files(name: str):
    result = envmgr("verify", name, "--files", "--json")
    return result.exit_code, json.loads(result.stdout)


def test_an_untouched_env_passes_including_prefix_rewritten_files(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    prefix = Environment.named("cpu", cpu).prefix
    assert str(prefix) in (prefix / "bin" / "python").read_text()   # rewritten at link time
    code, report = verify_files("cpu")
    assert code == 0 and report["ok"], report["problems"]
    assert report["files_checked"] > 10


def test_a_truncated_or_rewritten_file_is_a_problem_naming_it(cpu):
    assert envmgr("create", "cpu").exit_code == 0
    prefix = Environment.named("cpu", cpu).prefix
    blob = next(p for p in prefix.rglob("*.so*") if p.is_file() and p.stat().st_size > 100_000)
    short = blob.with_name("x")
    short.write_bytes(blob.read_bytes()[:1000])
    short.replace(blob)                                   # the hardlinked cache copy stays whole
    script = prefix / "bin" / "python3.10"                # rewritten at link time, not the probe's
    text = script.read_text()
    script.write_text(text.replace("exec", "EXEC"))       # same size, other bytes
    code, report = verify_files("cpu")
    assert code == 1
    messages = " ".join(p["message"] for p in report["problems"] if p["code"] == "file-changed")
    assert f"{blob.relative_to(prefix)} (1000 bytes" in messages
    assert "bin/python3.10 (sha256 differs" in messages
    plain = envmgr("verify", "cpu")                      # without --files: no file is read
    assert "file-changed" not in plain.output and "differ" not in plain.stderr
