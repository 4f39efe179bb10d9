"""`envmgr knowledge refresh` against a PyPI-compatible index served on 127.0.0.1 from recorded
responses (tests/fixtures/knowledge: trimmed copies of PyPI's JSON API and PEP 691 pages and
real METADATA texts): what it derives, the overlay it writes, and what a bad index leaves."""
from __future__ import annotations

import json

from click.testing import CliRunner
from refresh_helpers import IndexServer, build_wheel, pypi_tree

from envmgr.cli import cli
from envmgr.knowledge import facts
from envmgr.knowledge.refresh import wheels


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    assert "Traceback" not in result.output
    return result


def refresh_json(url, *extra):
    result = run("knowledge", "refresh", "--pypi", url, "--json", *extra)
    return result, json.loads(result.stdout)


def overlay_file(home):
    return home / "knowledge" / "overlay.json"


def test_refresh_derives_facts_from_the_packages_own_metadata(knowledge_home, tmp_path):
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        result, report = refresh_json(server.url)
        assert result.exit_code == 0, result.output
        ranged = [r for r in server.requests if r[1]]
    assert report["ok"] and report["written"] == str(overlay_file(knowledge_home))
    assert ranged, "the METADATA was read with HTTP ranges (the index offers no PEP 658 files)"
    doc = json.loads(overlay_file(knowledge_home).read_text())
    rows = {r["torch"]: r for r in doc["releases"]}
    # The plain PyPI wheel's CUDA, from its cuda-toolkit pin: 13.0 for 2.14.0 (not 13.2).
    assert rows["2.14.0"]["pypi"]["default_cuda"] == "13.0"
    assert rows["2.15.0"]["pypi"]["default_cuda"] == "13.2"
    # Before 1.13 the wheel bundles its CUDA: torch/version.py says which.
    assert rows["1.10.2"]["pypi"]["default_cuda"] == "10.2"
    assert rows["1.10.2"]["pypi"]["cuda_evidence"] == "cuda = '10.2'"
    # Wheel tags per platform: 1.13.1 has cp311 on linux-64 only; 2.6.0 has no cp313t.
    assert "3.11" in rows["1.13.1"]["pypi"]["python"]["linux-64"]
    assert "3.11" not in rows["1.13.1"]["pypi"]["python"]["win-64"]
    assert "3.13t" not in rows["2.6.0"]["pypi"]["python"]["linux-64"]
    assert {"3.13t", "3.14t"} <= set(rows["2.9.0"]["pypi"]["python"]["linux-64"])
    # Pairing from the companions' own Requires-Dist, many-to-one, the newest not yanked.
    tv = rows["2.14.1"]["companions"]["torchvision"]
    assert [c["version"] for c in tv] == ["0.29.1", "0.29.2"] and rows["2.14.1"]["torchvision"] == "0.29.2"
    assert rows["2.12.1"]["torchaudio"] == "2.11.1"      # torchaudio 2.11.1: torch>=2.11
    audio = {c["version"]: c for c in rows["2.4.0"]["companions"]["torchaudio"]}
    assert audio["2.4.0"]["pin"] == "==2.4.0"
    # The shipped rows were derived by the same code from the full recording: a refresh agrees.
    changed = {(c["torch"], c["field"]) for c in report["changes"]}
    for torch in ("2.14.0", "2.14.1", "2.15.0"):
        for field in ("pip.pypi_default_cuda", "torchvision", "torchaudio", "released"):
            assert (torch, field) not in changed


def test_a_second_refresh_reads_metadata_from_the_cache(knowledge_home, tmp_path):
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        first = refresh_json(server.url)[1]
        before = len(server.requests)
        result, report = refresh_json(server.url)
        assert result.exit_code == 0
        again = server.requests[before:]
    assert first["metadata_requests"] > 0 and report["metadata_requests"] == 0
    # only the wheels that could not be read (not served here) are tried again
    failed = {f.split(":", 1)[0] for f in report["metadata_failures"]}
    assert all(path.rsplit("/", 1)[-1] in failed for path, ranged in again if ranged)


def test_the_simple_index_is_read_when_the_json_api_is_missing(knowledge_home, tmp_path):
    root = pypi_tree(tmp_path / "index", simple_only=("torch",))
    with IndexServer(root) as server:
        result, report = refresh_json(server.url, "--dry-run")
    assert result.exit_code == 0, result.output
    assert report["written"] is None and not overlay_file(knowledge_home).exists()
    # torch came from the PEP 691 page: its wheel tags (trimmed fixture) differ from the shipped ones
    assert any(c["torch"] == "2.14.0" and c["field"] == "pypi" for c in report["changes"])


def test_metadata_by_range_when_the_central_directory_is_not_in_the_tail(tmp_path):
    wheel = tmp_path / "pkg-1.0-py3-none-any.whl"
    build_wheel(wheel, "Metadata-Version: 2.1\nName: pkg\nRequires-Dist: torch (==2.4.0)\n", padding=300_000)
    with IndexServer(tmp_path) as server:
        text = wheels.metadata_by_range(f"{server.url}/{wheel.name}", tail=64)
        assert len([r for r in server.requests if r[1]]) == 3      # tail, directory, member
    assert wheels.requires_dist(text) == ["torch (==2.4.0)"]


def test_a_truncated_index_is_a_clear_error_and_keeps_the_old_overlay(knowledge_home, tmp_path):
    root = pypi_tree(tmp_path / "index")
    with IndexServer(root) as server:
        assert refresh_json(server.url)[0].exit_code == 0
        old = overlay_file(knowledge_home).read_bytes()
        page = root / "pypi" / "torchvision" / "json"
        page.write_bytes(page.read_bytes()[:5000])           # cut mid-way, as a dropped connection
        result = run("knowledge", "refresh", "--pypi", server.url)
        assert result.exit_code == 1
        error = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
        assert len(error) == 1 and "pypi/torchvision/json" in error[0] and "not valid JSON" in error[0]
        assert "old overlay is kept" in error[0]
        result, report = refresh_json(server.url)
        assert result.exit_code == 1 and report["ok"] is False
        assert report["problems"][0]["code"] == "bad-index"
    assert overlay_file(knowledge_home).read_bytes() == old


def test_an_index_without_the_project_is_a_clear_error(knowledge_home, tmp_path):
    (tmp_path / "empty").mkdir()
    with IndexServer(tmp_path / "empty") as server:
        result = run("knowledge", "refresh", "--pypi", server.url)
    assert result.exit_code == 1
    assert "torch is not on this index" in result.stderr
    assert not overlay_file(knowledge_home).exists()


def test_the_loader_merges_the_overlay_and_its_digest_changes_the_version(knowledge_home, tmp_path):
    shipped = facts.load()
    assert shipped.overlay is None
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        assert refresh_json(server.url)[0].exit_code == 0
    facts.load.cache_clear()
    kb = facts.load()
    assert kb.overlay is not None and kb.version != shipped.version
    assert kb.release("2.14.0").pip.pypi_default_cuda == "13.0"
    assert "pip.pypi_default_cuda" in kb.release("2.14.0").from_overlay or \
        kb.release("2.14.0").overlay_source                # merged, and said so
    shown = run("knowledge", "show")
    assert shown.exit_code == 0 and "overlay" in shown.stdout


def test_show_without_an_overlay_says_so(knowledge_home):
    result = run("knowledge", "show", "--json")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["overlay"] is None


def test_a_pin_on_a_local_build_still_pairs_and_a_yanked_companion_is_no_default():
    from envmgr.knowledge.refresh.derive import default_companion, pair

    python = {"linux-64": ["3.8"], "win-64": ["3.8"]}
    vision = {"0.11.0": {"pin": "==1.10.0+cpu", "pin_read": True, "yanked": True, "python": python},
              "0.11.1": {"pin": "==1.10.0", "pin_read": True, "yanked": False, "python": python},
              "0.11.2": {"pin": "==1.10.1", "pin_read": True, "yanked": False, "python": python}}
    assert pair("1.10.0", vision) == ["0.11.0", "0.11.1"]
    assert default_companion(pair("1.10.0", vision), vision, python) == "0.11.1"
    assert pair("1.10.1", vision) == ["0.11.2"]


def test_the_metadata_cache_keeps_the_headers_only(knowledge_home, tmp_path):
    cache = tmp_path / "envmgr-cache" / "metadata"
    with IndexServer(pypi_tree(tmp_path / "index")) as server:
        assert refresh_json(server.url)[0].exit_code == 0
    kept = list(cache.glob("*.METADATA"))
    assert kept and all("\n\n" not in p.read_text() for p in kept)
    assert any("Requires-Dist: torch" in p.read_text() for p in kept)


def test_a_damaged_overlay_is_one_line_or_one_json_object_and_names_the_fix(knowledge_home):
    overlay = overlay_file(knowledge_home)
    overlay.parent.mkdir(parents=True)
    overlay.write_text('{"schema": 1, "releases": [')          # cut short by hand
    facts.load.cache_clear()
    plain = run("check", "--stack", "torch 2.4 + cu121")
    assert plain.exit_code == 1 and plain.stdout == ""
    assert "overlay.json" in plain.stderr and "envmgr knowledge refresh" in plain.stderr
    for args in (["check", "--stack", "torch 2.4 + cu121"], ["matrix"], ["knowledge", "show"]):
        facts.load.cache_clear()
        result = run(*args, "--json")
        report = json.loads(result.stdout)
        assert result.exit_code == 1 and report["ok"] is False, args
        assert report["problems"][0]["code"] == "bad-overlay" and report["problems"][0]["file"] == str(overlay)
    facts.load.cache_clear()
