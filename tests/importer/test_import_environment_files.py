"""envmgr import: the corpus in tests/fixtures/import, each file with its expected spec, diagnosis
and --fix result, through the real CLI in a temporary workspace; and files that are not
environment files at all."""
from __future__ import annotations

import json
import os
import shutil

import pytest
from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.importer.specs import admits_below, allows, parse_conda, parse_pip
from envmgr.knowledge.facts import load as load_kb
from envmgr.specs.specfile import load_spec
from clihelp import FIXTURES

CORPUS = FIXTURES / "import"


def run(*args):
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def import_json(path, *extra):
    result = run("import", path, "--json", *extra)
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, json.loads(result.output)


def codes(report, severity=None):
    return {p["code"] for p in report["problems"] if severity is None or p["severity"] == severity}


# fixture -> (expected spec fields, error codes, warning/note codes that must be there, exit code)
CASES = {
    "cudatoolkit-1.7/environment.yml": (
        dict(torch="1.7.1", cuda="10.1", python="3.8", torchvision="0.8.2", torchaudio="none", route=None),
        set(), {"copin-missing"}, 0),
    "python-too-new/environment.yml": (
        dict(torch="1.7.1", cuda="10.1", python="3.10"), {"python-unsupported"}, set(), 1),
    "pytorch-cuda/environment.yml": (
        dict(torch="2.0.1", cuda="11.8", python="3.10", torchvision="0.15.2", torchaudio="2.0.2"),
        set(), set(), 0),
    "cpuonly/environment.yml": (dict(torch="1.13.1", cuda="cpu", python="3.9"), set(), set(), 0),
    "channel-prefix/environment.yml": (
        dict(torch="1.12.1", cuda="11.3", python="3.9", torchvision=None), set(), {"torch-resolved"}, 0),
    "cuda90-2018/environment.yml": (dict(torch="0.4.1", cuda="9.0", python="3.6"), {"unknown-torch"}, set(), 1),
    "cuda90-1.0/environment.yml": (dict(torch="1.0.0", cuda="9.0", python="3.7"), set(), set(), 0),
    "forge-gpu/environment.yml": (
        dict(torch="2.1.2", cuda="11.8", python="3.11"), {"channel-missing"},
        {"torch-resolved", "route-conda-forge-unavailable"}, 1),
    "pip-find-links/environment.yml": (
        dict(torch="1.7.1", cuda="10.1", python="3.8", torchvision="0.8.2", route="pip"), set(), set(), 0),
    "pip-extra-index/environment.yml": (
        dict(torch="1.12.1", cuda="11.3", torchaudio="0.12.1", torchvision="none", route="pip"), set(), set(), 0),
    "pip-index-url/environment.yml": (
        dict(torch="2.1.0", cuda="11.8", torchvision="0.16.0", route="pip"), set(), set(), 0),
    "pip-no-index/environment.yml": (dict(torch="1.7.1", cuda="10.1", route="pip"), set(),
                                     {"pip-index-missing"}, 0),
    "unpinned-torch/environment.yml": (dict(torch="1.10.1", cuda="11.3", python=None), set(),
                                       {"torch-resolved"}, 0),
    "range-torch/environment.yml": (dict(torch="1.9.1", cuda="10.2", python="3.9"), set(),
                                    {"torch-resolved"}, 0),
    "bare-pytorch/environment.yml": (dict(torch="1.10.1", cuda=None), {"channel-missing"}, {"cpu-risk"}, 1),
    "twice/environment.yml": (dict(torch="1.8.1", cuda="10.2"), set(), {"torch-twice"}, 0),
    "selector-mismatch/environment.yml": (dict(torch="2.0.1", cuda="11.7"), set(), {"selector-mismatch"}, 0),
    "pytorch-cuda-too-early/environment.yml": (dict(torch="1.10.1", cuda="10.2"), set(),
                                               {"selector-mismatch"}, 0),
    "stale-channel/environment.yml": (dict(torch="2.6.0", cuda="12.4", python="3.12"), set(),
                                      {"channel-stale"}, 0),
    "mismatch/environment.yml": (dict(torch="1.10.1", cuda="11.6", torchvision="0.12.0"),
                                 {"cuda-not-built", "torchvision-mismatch", "copin-conflict"}, set(), 1),
    "requirements-paper/requirements.txt": (
        dict(torch="1.12.1", cuda="11.3", torchvision="0.13.1", route="pip"), {"copin-conflict"}, set(), 1),
    "export-linux/environment.yml": (
        dict(torch="1.10.1", cuda="11.3", python="3.9", torchvision="0.11.2", torchaudio="0.10.1"),
        {"channel-missing"}, set(), 1),
    "export-windows/environment.yml": (dict(torch="1.7.1", cuda="11.0", python="3.8"), set(),
                                       {"windows-export"}, 0),
    "conda-lock/conda-lock.yml": (dict(torch="1.10.1", cuda="11.3", python="3.9", torchvision="0.11.2"),
                                  {"channel-missing"}, set(), 1),
    "conda-lock-sources/conda-lock.yml": (dict(torch="1.10.1", cuda="11.3", python="3.9"),
                                          {"channel-missing"}, set(), 1),
}


@pytest.mark.parametrize("fixture", sorted(CASES))
def test_corpus_spec_and_diagnosis(workspace, fixture):
    expected, errors, must_mention, exit_code = CASES[fixture]
    code, report = import_json(CORPUS / fixture)
    assert code == exit_code, report["problems"]
    for key, value in expected.items():
        assert report["stack"][key] == value, (key, report["stack"])
    assert codes(report, "error") == errors
    assert must_mention <= codes(report)
    assert report["ok"] is (not errors)
    # every problem says what to do or is a note about the file; all carry a message
    assert all(p["message"] for p in report["problems"])
    # the written spec reads back, and is what the JSON says was written
    spec = load_spec(workspace / report["path"])
    assert spec.torch == report["stack"]["torch"] and spec.cuda == report["stack"]["cuda"]


def test_without_fix_the_spec_keeps_the_files_pins(workspace):
    result = run("import", CORPUS / "python-too-new/environment.yml")
    assert result.exit_code == 1
    assert "python 3.6 to 3.9, not 3.10" in result.output and "--fix" in result.output
    assert load_spec(workspace / "envs/seg-py310.yaml").python == "3.10"
    assert run("check", "seg-py310").exit_code == 1


# fixture -> (spec fields after --fix, {key: (from, to)} that must be among the changes)
FIXES = {
    "python-too-new/environment.yml": (dict(python="3.9"), {"python": ("3.10", "3.9")}),
    "cuda90-2018/environment.yml": (dict(torch="1.0.0", cuda="9.0", torchvision="0.2.1"),
                                    {"torch": ("0.4.1", "1.0.0")}),
    "mismatch/environment.yml": (dict(cuda="11.3", torchvision="0.11.2"),
                                 {"cuda": ("11.6", "11.3"), "torchvision": ("0.12.0", "0.11.2")}),
    "forge-gpu/environment.yml": (dict(torch="2.1.2"), {"channels": ("conda-forge", "pytorch, nvidia, conda-forge")}),
    "bare-pytorch/environment.yml": (dict(cuda="11.3"), {"cuda": (None, "11.3")}),
    "stale-channel/environment.yml": (dict(), {"channels": ("pytorch, nvidia, conda-forge", "conda-forge")}),
    "requirements-paper/requirements.txt": (dict(), {"pip": None}),
}


@pytest.mark.parametrize("fixture", sorted(FIXES))
def test_fix_applies_the_nearest_repair(workspace, fixture):
    expected, changed = FIXES[fixture]
    code, report = import_json(CORPUS / fixture, "--fix")
    assert code == 0 and report["ok"], report["problems"]
    for key, value in expected.items():
        assert report["stack"][key] == value
    made = {c["key"]: (c["from"], c["to"]) for c in report["changes"]}
    for key, change in changed.items():
        assert key in made, made
        if change is not None:
            assert made[key] == change
    assert all(c["why"] for c in report["changes"])
    # a fixed spec is valid for `envmgr check` too
    assert run("check", report["name"]).exit_code == 0


def test_fix_replaces_a_pin_that_fights_a_copin(workspace):
    _, report = import_json(CORPUS / "requirements-paper/requirements.txt", "--fix")
    spec = load_spec(workspace / report["path"])
    assert "numpy<2" in spec.pip and "numpy>=2.0" not in spec.pip
    assert "einops==0.4.1" in spec.pip


def test_fix_on_a_valid_file_changes_nothing(workspace):
    code, report = import_json(CORPUS / "pytorch-cuda/environment.yml", "--fix")
    assert code == 0 and report["changes"] == []


def test_export_keeps_direct_requests_and_reports_the_rest(workspace):
    _, report = import_json(CORPUS / "export-linux/environment.yml")
    spec = report["spec"]
    assert "scipy=1.7.3" in spec["packages"] and "tqdm=4.62.3" in spec["packages"]
    assert not any(p.startswith(("libgcc", "openssl", "mkl", "cudnn", "numpy-base", "pip"))
                   for p in spec["packages"])
    assert {"timm==0.4.12", "einops==0.3.2", "tensorboard==2.7.0"} <= set(spec["pip"])
    assert "absl-py==1.0.0" not in spec["pip"]
    dropped = {d["item"].split(" (")[0]: d for d in report["dropped"]}
    transitive = next(d for d in report["dropped"] if "transitive conda" in d["item"])
    assert "libgcc-ng" in transitive["items"] and len(transitive["items"]) > 40
    assert any(item.startswith("prefix:") for item in dropped)
    assert any("build strings" in d["item"] for d in report["dropped"])


def test_windows_export_targets_win64_and_drops_its_runtimes(workspace):
    _, report = import_json(CORPUS / "export-windows/environment.yml")
    assert report["spec"]["platforms"] == ["win-64"]
    names = [name for d in report["dropped"] for name in d.get("items", [])]
    assert {"vc", "vs2015_runtime", "wincertstore", "pywin32"} <= set(names)
    assert "ninja=1.10.2" in report["spec"]["packages"]


def test_conda_lock_reads_its_recorded_source_when_present(workspace):
    _, from_sources = import_json(CORPUS / "conda-lock-sources/conda-lock.yml")
    assert from_sources["name"] == "locked-paper"
    assert from_sources["spec"]["packages"] == ["scikit-learn=1.0"]
    assert from_sources["read_from"].endswith("environment.yml")
    _, from_packages = import_json(CORPUS / "conda-lock/conda-lock.yml")
    assert from_packages["name"] == "conda-lock"        # the folder's name
    assert "scikit-learn=1.0.1" in from_packages["spec"]["packages"]
    assert from_packages["spec"]["pip"] == ["timm==0.5.4"]
    assert any("osx-64" in d["item"] for d in from_packages["dropped"])


def test_name_defaults_overwrite_and_force(workspace):
    fixture = CORPUS / "cpuonly/environment.yml"
    assert run("import", fixture).exit_code == 0
    again = run("import", fixture)
    assert again.exit_code == 2 and "already exists" in again.output and "--force" in again.output
    assert run("import", fixture, "--force").exit_code == 0
    assert run("import", fixture, "--name", "other").exit_code == 0
    assert (workspace / "envs/other.yaml").exists()
    bad = run("import", fixture, "--name", "no spaces allowed")
    assert bad.exit_code == 2 and "invalid environment name" in bad.output


def test_name_from_folder_is_made_valid(workspace, tmp_path):
    folder = tmp_path / "My Paper (2021)"
    folder.mkdir()
    shutil.copy(CORPUS / "requirements-paper/requirements.txt", folder / "requirements.txt")
    _, report = import_json(folder / "requirements.txt")
    assert report["name"] == "My-Paper-2021"


def test_text_output_names_file_lines_and_dropped_items(workspace):
    result = run("import", CORPUS / "cudatoolkit-1.7/environment.yml")
    assert result.exit_code == 0
    assert "torch 1.7.1 + CUDA 10.1 (cu101), python 3.8; route: pytorch" in result.output
    assert "dropped: -e . (line 16)" in result.output
    mismatch = run("import", CORPUS / "mismatch/environment.yml")
    assert "environment.yml:6: torch 1.10.1 was built for CUDA" in mismatch.output


def test_gpu_host_checks_run_on_a_gpu_machine(workspace, monkeypatch):
    fixture = CORPUS / "cudatoolkit-1.7/environment.yml"
    _, without_gpu = import_json(fixture)
    assert not any(c.startswith("gpu-") for c in codes(without_gpu))
    monkeypatch.delenv("ENVMGR_NO_GPU")
    monkeypatch.setenv("ENVMGR_GPU", "sm_86")
    monkeypatch.setenv("ENVMGR_DRIVER_VERSION", "470.57.02")
    _, with_gpu = import_json(fixture, "--force")
    assert any(c.startswith("gpu-arch") for c in codes(with_gpu))


# -- files that are not environment files ---------------------------------------------------------

JUNK = {
    "empty.yml": b"",
    "garbage.yml": bytes(range(256)) * 8,
    "list.yml": b"- pytorch\n- numpy\n",
    "deep.yml": b"[" * 5000 + b"]" * 5000,
    "nested.yml": b"dependencies:\n  - " + b"{a: " * 200 + b"1" + b"}" * 200 + b"\n",
    "not-yaml.yml": b"dependencies: [pytorch\n",
    "no-deps.yml": b"name: x\nchannels: [pytorch]\n",
    "scalar-deps.yml": b"dependencies: 5\n",
    "nested-list.yml": b"dependencies:\n  - [pytorch]\n",
    "two-docs.yml": b"a: 1\n---\nb: 2\n",
    "latin1.yml": "name: caf\u00e9\n".encode("latin-1"),
    "conda-lock.yml": b"version: 1\nmetadata: 3\npackage: x\n",
    "requirements.txt": b"# nothing\n\n",
}


# readable YAML whose only dependency is a nested mapping (dropped): no torch, so exit 1
READABLE_JUNK = {"nested.yml"}


@pytest.mark.parametrize("name", sorted(JUNK))
def test_unreadable_files_exit_2_with_one_line(workspace, tmp_path, name):
    path = tmp_path / "junk" / name
    path.parent.mkdir(exist_ok=True)
    path.write_bytes(JUNK[name])
    result = run("import", path)
    assert result.exit_code == (1 if name in READABLE_JUNK else 2), result.output
    lines = result.output.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in result.output
    assert list((workspace / "envs").iterdir()) == []


def test_missing_file_and_folder_exit_2(workspace):
    assert run("import", "nope.yml").exit_code == 2
    folder = run("import", ".")
    assert folder.exit_code == 2 and "folder" in folder.output


def test_utf16_export_from_powershell_is_read(workspace, tmp_path):
    text = (CORPUS / "cpuonly/environment.yml").read_text()
    path = tmp_path / "environment.yml"
    path.write_bytes(text.encode("utf-16"))
    code, report = import_json(path)
    assert code == 0 and report["stack"]["cuda"] == "cpu"


# -- the requirement syntax ---------------------------------------------------------------------

def test_conda_match_spec_styles():
    spec = parse_conda("pytorch::pytorch=1.10.1=py3.9_cuda11.3_cudnn8.2.0_0")
    assert (spec.channel, spec.name, spec.version, spec.build) == \
        ("pytorch", "pytorch", "1.10.1", "py3.9_cuda11.3_cudnn8.2.0_0")
    assert parse_conda("pytorch>=1.7,<1.9").version == ">=1.7,<1.9"
    assert parse_conda("pytorch 1.7.1 py3.8_cuda10.1").build == "py3.8_cuda10.1"
    assert parse_conda("numpy=1.19.2=py38h54aff64_0").without_build() == "numpy=1.19.2"
    assert parse_conda("- not a spec") is None


def test_conda_and_pip_version_semantics():
    assert allows("1.7", "1.7.1") and allows("1.7.*", "1.7.1")       # conda's =1.7 is a prefix
    assert not allows("==1.7", "1.7.1") and allows("==1.7", "1.7.0")
    assert allows(">=1.7,<1.9", "1.8.1") and not allows(">=1.7,<1.9", "1.9.0")
    assert allows("1.7|1.8", "1.8.1")
    pip = parse_pip("torch==1.7.1+cu101")
    assert (pip.name, pip.specifier, pip.local) == ("torch", "==1.7.1", "cu101")
    assert parse_pip("-f https://download.pytorch.org/whl/torch_stable.html").option == "--find-links"
    assert not admits_below(">=2", "2") and admits_below(">=1.20", "2") and admits_below(None, "2")


# -- review fixes: nothing claimed outside the file's pins, nothing silently lost -----------------

def write_file(tmp_path, name, text):
    path = tmp_path / "paper" / name
    path.parent.mkdir(exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("pin, nearest", [("torch<1", "1.0.0"), ("torch<0.4", "1.0.0"),
                                          ("torch>99", None), ("torch>=99", None),
                                          ("torch>=3", None)])
def test_a_torch_range_no_known_release_satisfies_writes_nothing(workspace, tmp_path, pin, nearest):
    nearest = nearest or load_kb().releases[-1].torch
    path = write_file(tmp_path, "requirements.txt", f"numpy<2\n{pin}\n")
    result = run("import", path, "--name", "old")
    assert result.exit_code == 1
    assert f"requirements.txt:2: `{pin}` allows no torch release envmgr knows" in result.output
    assert "--fix" in result.output and nearest in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not (workspace / "envs/old.yaml").exists()


def test_fix_writes_the_nearest_release_for_an_unsatisfiable_range(workspace, tmp_path):
    path = write_file(tmp_path, "requirements.txt", "torch<1\n")
    code, report = import_json(path, "--name", "old", "--fix")
    assert code == 0 and report["stack"]["torch"] == "1.0.0"
    assert {"key": "torch", "from": "torch<1", "to": "1.0.0"}.items() <= report["changes"][0].items()
    assert load_spec(workspace / "envs/old.yaml").torch == "1.0.0"


def test_an_unknown_exact_version_is_written_with_an_error(workspace, tmp_path):
    # an exact pin names its version (check then says it is unknown); a range like >=3 names none
    path = write_file(tmp_path, "requirements.txt", "torch==3.0\n")
    code, report = import_json(path, "--name", "future")
    assert code == 1 and report["stack"]["torch"] == "3.0"
    assert "unknown-torch" in codes(report, "error")


ENV_HEAD = "name: paper\nchannels: [pytorch, conda-forge]\ndependencies:\n"


def test_repeated_pins_that_conflict_are_an_error_naming_both_lines(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml", ENV_HEAD +
                      "  - python=3.9\n  - pytorch=1.10\n  - pytorch=1.12\n  - cudatoolkit=11.3\n")
    code, report = import_json(path)
    assert code == 1 and "torch-conflict" in codes(report, "error")
    conflict = next(p for p in report["problems"] if p["code"] == "torch-conflict")
    assert conflict["line"] == 6 and "`pytorch=1.10` (line 5)" in conflict["message"]
    assert report["stack"]["torch"].startswith("1.10.")       # the first line, said so
    assert "torch 1.10." in conflict["message"]


def test_repeated_pins_that_agree_are_combined(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml", ENV_HEAD +
                      "  - pytorch-gpu\n  - pytorch>=1.10\n  - pytorch<1.11\n  - python\n"
                      "  - python=3.8\n  - cudatoolkit=11.3\n")
    code, report = import_json(path)
    assert not {c for c in codes(report) if c.endswith("-conflict")}
    assert report["stack"]["torch"].startswith("1.10.") and report["stack"]["python"] == "3.8"


def test_a_second_python_pin_is_not_silently_preferred(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml", ENV_HEAD +
                      "  - python=3.8\n  - pytorch=1.10.1\n  - cudatoolkit=11.3\n  - python=3.9\n")
    code, report = import_json(path)
    assert code == 1 and "python-conflict" in codes(report, "error")
    assert report["stack"]["python"] == "3.8"


@pytest.mark.parametrize("line, code_expected", [
    ("pytorch-cuda=abc", "cuda-pin-unreadable"),
    ("cudatoolkit=11", "cuda-pin-unreadable"),
    ("pytorch=1.10=garbage[", "build-unreadable"),
    ("torchvision=abc", "torchvision-pin-unreadable"),
])
def test_unreadable_stack_pins_are_reported_with_their_line(workspace, tmp_path, line, code_expected):
    path = write_file(tmp_path, "environment.yml",
                      ENV_HEAD + f"  - python=3.9\n  - pytorch=1.10.1\n  - {line}\n")
    _, report = import_json(path)
    found = [p for p in report["problems"] if p["code"] == code_expected]
    assert found and found[0]["line"] == 6 and line in found[0]["message"], report["problems"]


def test_an_unreadable_pip_torch_pin_is_named_not_called_missing(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml",
                      "name: paper\ndependencies:\n  - python=3.8\n  - pip:\n    - torch==abc+cu101\n")
    code, report = import_json(path)
    unreadable = next(p for p in report["problems"] if p["code"] == "torch-pin-unreadable")
    assert unreadable["line"] == 5 and "torch==abc+cu101" in unreadable["message"]
    assert report["stack"]["cuda"] == "10.1"          # the tag still says which variant
    assert "torch==abc+cu101" not in report["spec"].get("pip", [])


def test_stack_build_strings_envmgr_does_not_use_are_listed_as_dropped(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml", ENV_HEAD +
                      "  - pytorch=1.10.1=h1234_0\n  - torchvision=0.11.2=py39_cu113\n  - cudatoolkit=11.3\n")
    _, report = import_json(path)
    stack_builds = next(d for d in report["dropped"] if d["item"].startswith("build strings of the torch"))
    assert set(stack_builds["items"]) == {"pytorch=1.10.1=h1234_0", "torchvision=0.11.2=py39_cu113"}


def test_a_bare_cudatoolkit_asks_for_a_cuda_build(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml", ENV_HEAD + "  - pytorch=1.10.1\n  - cudatoolkit\n")
    _, report = import_json(path)
    assert "cpu-risk" not in codes(report)


def test_a_readable_file_without_torch_exits_1_and_writes_nothing(workspace, tmp_path):
    path = write_file(tmp_path, "environment.yml", "name: np\ndependencies:\n  - numpy\n")
    result = run("import", path)
    assert result.exit_code == 1
    assert result.output.strip() == (
        f"error: {os.path.relpath(path)}: no torch in the file: envmgr manages PyTorch stacks (fix: add `pytorch` "
        "(conda) or `torch` (pip) to it and import again, or start with `envmgr new NAME "
        "\"torch X.Y + cuXYZ\"`)")
    assert list((workspace / "envs").iterdir()) == []


def test_help_states_the_exit_codes(workspace):
    text = " ".join(run("import", "--help").output.split())
    assert "Exit 1: the spec is written, with problems" in text and "no torch in the file" in text
    assert "Exit 2: the file cannot be read" in text


PIP_LINES = """\
    - -e git+https://github.com/x/y.git#egg=y
    - git+https://github.com/facebookresearch/detectron2.git
    - detectron2 @ git+https://github.com/facebookresearch/detectron2.git
    - --no-deps
    - timm==0.4.12 --no-deps
    - einops==0.3.2 --hash=sha256:0123
    - -e .
    - numpy=1.19
    - "--only-binary :all:"
    - https://files.example.org/packages/tqdm-4.62.3-py2.py3-none-any.whl
    - https://github.com/x/y/archive/main.zip
    - --extra-index-url https://my.index/simple
    - -e https://example.com/pkg.tar.gz
"""


def test_pip_lines_the_pip_layer_cannot_take_are_dropped_with_why(workspace, tmp_path):
    from envmgr.engine.piplayer.resolve import PipRequest

    path = write_file(tmp_path, "environment.yml", ENV_HEAD +
                      "  - python=3.9\n  - pytorch=1.10.1\n  - cudatoolkit=11.3\n  - pip:\n" + PIP_LINES)
    _, report = import_json(path)
    pip = report["spec"]["pip"]
    assert pip == ["timm==0.4.12", "einops==0.3.2",
                   "tqdm @ https://files.example.org/packages/tqdm-4.62.3-py2.py3-none-any.whl",
                   "--extra-index-url https://my.index/simple"]
    PipRequest.from_lines(pip)            # what is carried, the pip layer takes
    dropped = {d["item"]: d for d in report["dropped"]}
    first = 8                              # the line of the first pip entry
    for offset, item in enumerate(PIP_LINES.splitlines()):
        item = item.strip()[2:].strip('"')
        if item in pip or item.startswith(("https://files", "--extra")):
            continue
        found = [d for key, d in dropped.items() if key == item or key.endswith(f"(after {item.split(' --')[0]})")]
        assert found, (item, sorted(dropped))
        assert found[0]["line"] == first + offset and found[0]["why"]
    assert "checkout" in dropped["git+https://github.com/facebookresearch/detectron2.git"]["why"]
    assert "numpy==1.19" in dropped["numpy=1.19"]["why"]
    assert "--no-deps" in dropped["--no-deps"]["why"]


def test_channel_urls_become_names_and_missing_local_channels_are_dropped(workspace, tmp_path):
    local = tmp_path / "my-channel"
    local.mkdir()
    path = write_file(tmp_path, "environment.yml",
                      "name: paper\nchannels:\n  - https://conda.anaconda.org/pytorch/\n"
                      "  - file:///nonexistent/their-channel\n  - ./vendor-channel\n"
                      f"  - {local}\n  - conda-forge\ndependencies:\n"
                      "  - python=3.9\n  - pytorch=1.10.1\n  - cudatoolkit=11.3\n"
                      "  - https://conda.anaconda.org/conda-forge::pycocotools\n")
    code, report = import_json(path)
    assert report["spec"]["channels"] == ["pytorch", local.as_uri(), "conda-forge"]
    assert report["spec"]["packages"] == ["conda-forge::pycocotools"]
    dropped = {d["item"]: d for d in report["dropped"]}
    assert dropped["channel file:///nonexistent/their-channel"]["line"] == 4
    assert dropped["channel ./vendor-channel"]["line"] == 5
    assert "channel-missing" not in codes(report)       # pytorch is recognised through its URL


def test_a_bare_torch_wheel_url_is_read_as_torch(workspace, tmp_path):
    path = write_file(tmp_path, "requirements.txt",
                      "https://download.pytorch.org/whl/cu101/torch-1.7.1%2Bcu101-cp38-cp38-linux_x86_64.whl\n")
    code, report = import_json(path, "--name", "wheel")
    assert report["stack"]["torch"] == "1.7.1" and report["stack"]["cuda"] == "10.1"
    assert report["spec"].get("pip", []) == []
