"""Spec files: reading with lines, one-line errors with file:line and a fix, and writing for `new`."""
from __future__ import annotations

import dataclasses
import textwrap

import pytest

from envmgr.errors import SpecError, UsageError
from envmgr.models import Spec
from envmgr.specs.specfile import dump_spec, load_spec, spec_from_stack, validate_name

FULL_SPEC = """\
stack: torch 1.10 + cu102        # shorthand
torch: "1.10.1"
python: "3.8"
torchvision: "0.11.2"
torchaudio: none
packages: ["numpy <1.22", scipy]
pip: ["timm==0.4.12"]
channels: [pytorch, conda-forge]
platforms: [linux-64, win-64]
route: pip
as_of: "2021-06-30"
"""


def write(tmp_path, text: str, name: str = "paper-2021"):
    path = tmp_path / f"{name}.yaml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


def load_error(tmp_path, text: str, name: str = "paper-2021") -> SpecError:
    path = write(tmp_path, text, name)
    with pytest.raises(SpecError) as caught:
        load_spec(path)
    err = caught.value
    assert isinstance(err, UsageError) and err.exit_code == 2
    assert err.file == str(path)
    assert err.fix
    assert "\n" not in str(err)
    return err


# ---- reading -------------------------------------------------------------------------------

def test_full_spec_reads_every_key_with_its_line(tmp_path):
    path = write(tmp_path, FULL_SPEC)
    spec = load_spec(path)
    assert spec.name == "paper-2021" and spec.path == path
    assert (spec.stack, spec.torch, spec.cuda, spec.python) == (
        "torch 1.10 + cu102", "1.10.1", "10.2", "3.8")
    assert (spec.torchvision, spec.torchaudio) == ("0.11.2", "none")
    assert spec.packages == ["numpy <1.22", "scipy"]
    assert spec.pip == ["timm==0.4.12"]
    assert spec.channels == ["pytorch", "conda-forge"]
    assert spec.platforms == ["linux-64", "win-64"]
    assert (spec.route, spec.as_of) == ("pip", "2021-06-30")
    expected_lines = {"stack": 1, "torch": 2, "python": 3, "torchvision": 4, "torchaudio": 5,
                      "packages": 6, "pip": 7, "channels": 8, "platforms": 9, "route": 10,
                      "as_of": 11, "cuda": 1}   # cuda came from the stack line
    for key, line in expected_lines.items():
        assert spec.line_of(key) == line, key


def test_stack_fills_only_absent_fields_and_lines_point_at_the_stack(tmp_path):
    spec = load_spec(write(tmp_path, """\
        # paper environment
        cuda: cpu
        stack: torch 1.13 + cu117 + py3.9
        """))
    assert (spec.torch, spec.cuda, spec.python) == ("1.13", "cpu", "3.9")
    assert spec.stack == "torch 1.13 + cu117 + py3.9"
    assert spec.lines["cuda"] == 2
    assert spec.lines["torch"] == spec.lines["python"] == spec.lines["stack"] == 3


def test_minimal_spec_leaves_everything_else_to_the_knowledge_base(tmp_path):
    spec = load_spec(write(tmp_path, "stack: torch 2.4\n"))
    assert spec.torch == "2.4"
    assert (spec.cuda, spec.python, spec.torchvision, spec.channels, spec.platforms,
            spec.route, spec.as_of) == (None,) * 7
    assert spec.packages == [] and spec.pip == []


@pytest.mark.parametrize("key, written, expected", [
    ("torch", "1.10", "1.10"),          # YAML would make this the float 1.1
    ("torch", "1.20", "1.20"),
    ("python", "3.10", "3.10"),         # and this 3.1
    ("cuda", "12.10", "12.10"),         # and this 12.1
    ("torchvision", "0.10", "0.10"),
    ("torchaudio", "0.10.0", "0.10.0"),
])
def test_float_trap_keeps_the_text_as_written(tmp_path, key, written, expected):
    text = f"{key}: {written}\n" + ("" if key == "torch" else "torch: \"1.10\"\n")
    spec = load_spec(write(tmp_path, text))
    assert getattr(spec, key) == expected


def test_date_as_of_unquoted_is_kept_as_text(tmp_path):
    spec = load_spec(write(tmp_path, "torch: 1.10\nas_of: 2021-06-30\n"))
    assert spec.as_of == "2021-06-30"
    assert load_spec(write(tmp_path, "torch: 1.10\nas_of: release\n")).as_of == "release"


@pytest.mark.parametrize("written", ["none", "None", "null", "~", "", "false", "no", "off", '"none"'])
def test_companion_none_forms_mean_leave_it_out(tmp_path, written):
    spec = load_spec(write(tmp_path, f"torch: 1.10\ntorchvision: {written}\ntorchaudio: {written}\n"))
    assert spec.torchvision == spec.torchaudio == "none"


def test_cuda_field_accepts_cu_tags_and_cpu(tmp_path):
    assert load_spec(write(tmp_path, "torch: 1.10\ncuda: cu113\n")).cuda == "11.3"
    assert load_spec(write(tmp_path, "torch: 1.10\ncuda: CPU\n")).cuda == "cpu"


def test_list_items_get_their_own_lines(tmp_path):
    spec = load_spec(write(tmp_path, """\
        torch: 1.10
        packages:
          - numpy <1.22
          - 1.5
        """))
    assert spec.packages == ["numpy <1.22", "1.5"]
    assert (spec.lines["packages[0]"], spec.lines["packages[1]"]) == (3, 4)


def test_empty_packages_and_pip_are_empty_lists(tmp_path):
    spec = load_spec(write(tmp_path, "torch: 1.10\npackages:\npip: []\n"))
    assert spec.packages == [] and spec.pip == []


def test_a_bom_from_a_windows_editor_is_fine(tmp_path):
    path = tmp_path / "win.yaml"
    path.write_bytes("\ufeffstack: torch 1.10 + cu102\n".encode("utf-8"))
    assert load_spec(path).cuda == "10.2"


# ---- errors: one line, file:line, a fix ------------------------------------------------------

def test_malformed_yaml_reports_the_line_of_the_problem(tmp_path):
    err = load_error(tmp_path, "stack: torch 1.10\npackages: [numpy\nroute: pip\nx: ]\n")
    assert "malformed YAML" in err.message
    assert err.line is not None and err.line >= 2
    err = load_error(tmp_path, "stack: torch 1.10\n  bad: 1\n")
    assert err.line == 2


def test_unclosed_bracket_says_where_it_was_opened(tmp_path):
    err = load_error(tmp_path, "stack: torch 1.10\npackages: [numpy\nroute: pip\n")
    assert err.line == 3 and "started on line 2" in err.message


@pytest.mark.parametrize("text", ["", "# only a comment\n", "---\n"])
def test_empty_file(tmp_path, text):
    err = load_error(tmp_path, text)
    assert "empty" in err.message and "stack:" in err.fix


@pytest.mark.parametrize("text", ["torch 1.10 + cu102\n", "- stack: torch 1.10\n"])
def test_top_level_must_be_a_mapping(tmp_path, text):
    err = load_error(tmp_path, text)
    assert "mapping" in err.message and err.line == 1


@pytest.mark.parametrize("key, suggestion", [
    ("torchvison", "torchvision"), ("Torch", "torch"), ("platform", "platforms"),
    ("package", "packages"), ("as-of", "as_of"), ("chanels", "channels"),
])
def test_unknown_key_suggests_the_nearest(tmp_path, key, suggestion):
    err = load_error(tmp_path, f"stack: torch 1.10\n{key}: x\n")
    assert f"`{key}`" in err.message and err.line == 2
    assert f"`{suggestion}`" in err.fix


def test_unknown_key_far_from_any_lists_the_known_keys(tmp_path):
    err = load_error(tmp_path, "stack: torch 1.10\nzzz: 1\n")
    assert "torchvision" in err.fix and "as_of" in err.fix


def test_duplicate_key_names_both_lines(tmp_path):
    err = load_error(tmp_path, "torch: 1.10\ncuda: cpu\ntorch: 1.11\n")
    assert err.line == 3 and "line 1" in err.message


@pytest.mark.parametrize("text, line, words", [
    ("stack: torch 1.10\npackages: numpy\n", 2, "expected a list of strings"),
    ("stack: torch 1.10\npip: {timm: 1}\n", 2, "expected a list of strings"),
    ("stack: torch 1.10\npackages: [[numpy]]\n", 2, "item 1 is not a string"),
    ("stack: torch 1.10\nchannels: []\n", 2, "`channels` is empty"),
    ("stack: torch 1.10\nplatforms:\n", 2, "`platforms` is empty"),
    ("torch: [1.10]\n", 1, "not a list"),
    ("torch: {a: 1}\n", 1, "not a mapping"),
    ("torch:\n", 1, "`torch` is empty"),
    ("torch: 1.x\n", 1, "'1.x'"),
    ("torch: 2\n", 1, "'2'"),
    ("torch: 1.10\npython: 3\n", 2, "'3'"),
    ("torch: 1.10\ncuda: 11\n", 2, "'11'"),
    ("torch: 1.10\ncuda: none\n", 2, "'none'"),
    ("torch: 1.10\ntorchvision: yes\n", 2, "torchvision: yes"),
    ("torch: 1.10\ntorchvision: latest\n", 2, "'latest'"),
    ("torch: 1.10\nroute: conda\n", 2, "'conda'"),
    ("torch: 1.10\nas_of: 2021-02-30\n", 2, "'2021-02-30'"),
    ("torch: 1.10\nas_of: last year\n", 2, "'last year'"),
])
def test_wrong_values_name_the_line_and_the_problem(tmp_path, text, line, words):
    err = load_error(tmp_path, text)
    assert err.line == line
    assert words in err.message


def test_invalid_platform_lists_the_allowed_ones(tmp_path):
    err = load_error(tmp_path, "stack: torch 1.10\nplatforms:\n  - linux-64\n  - osx-32\n")
    assert err.line == 4 and "'osx-32'" in err.message
    for allowed in ("linux-64", "win-64", "osx-arm64", "osx-64", "linux-aarch64"):
        assert allowed in err.fix


def test_bad_stack_gives_the_shorthand_error_at_its_line(tmp_path):
    err = load_error(tmp_path, "# env for the paper\nstack: torch 1.10 + cu102 + cu113\n")
    assert err.line == 2 and "cu113" in err.message
    assert "torch 1.10 + cu102" in err.fix


def test_missing_torch(tmp_path):
    err = load_error(tmp_path, 'python: "3.8"\ncuda: "10.2"\n')
    assert "no torch version: add `stack: torch X.Y + cuNNN`" in err.message


def test_file_name_must_be_a_valid_environment_name(tmp_path):
    err = load_error(tmp_path, "stack: torch 1.10\n", name="my paper")
    assert "invalid environment name" in err.message


def test_missing_file_is_a_spec_error(tmp_path):
    with pytest.raises(SpecError, match="no such spec file"):
        load_spec(tmp_path / "ghost.yaml")


def test_error_text_is_file_line_message_fix(tmp_path):
    err = load_error(tmp_path, "stack: torch 1.10\ntorchvison: 0.11\n")
    assert str(err) == (f"{tmp_path / 'paper-2021.yaml'}:2: unknown key `torchvison` "
                        f"(fix: did you mean `torchvision`?)")


# ---- names -----------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["paper-2021", "torch2.4_cu121", "a", "_private", "A.b-c_9",
                                  "x" * 64])
def test_valid_names(name):
    assert validate_name(name) == name


@pytest.mark.parametrize("name", ["", ".hidden", "-flag", "my env", "a/b", "a\\b", "naïve",
                                  "x" * 65, "a:b", "a\nb"])
def test_invalid_names_state_the_rule(name):
    with pytest.raises(UsageError) as caught:
        validate_name(name)
    assert "letters, digits" in caught.value.message and "64" in caught.value.message


# ---- writing ---------------------------------------------------------------------------------

FIELDS = [f.name for f in dataclasses.fields(Spec) if f.name not in ("stack", "path", "lines")]


def fields_of(spec: Spec) -> dict:
    return {name: getattr(spec, name) for name in FIELDS}


def test_spec_from_stack_for_envmgr_new():
    spec = spec_from_stack("paper-2021", "pytorch 1.10.1 cu102", python="3.7",
                           platforms=["linux-64"])
    assert (spec.torch, spec.cuda, spec.python, spec.platforms) == (
        "1.10.1", "10.2", "3.7", ["linux-64"])
    assert spec.stack == "torch 1.10.1 + cu102 + py3.7"


def test_spec_from_stack_python_argument_wins_and_given_platforms_are_kept():
    # the default is this machine's platform, so platforms said explicitly are always written
    spec = spec_from_stack("p", "torch 1.10 + py3.8", python="3.7",
                           platforms=["linux-64", "win-64"])
    assert spec.python == "3.7" and spec.platforms == ["linux-64", "win-64"]


@pytest.mark.parametrize("args, bad", [
    (("bad name", "torch 1.10"), "bad name"),
    (("ok", "torch 1.x"), "1.x"),
    (("ok", "torch 1.10", "3"), "'3'"),
])
def test_spec_from_stack_rejects(args, bad):
    with pytest.raises(UsageError, match=bad.replace(".", r"\.")):
        spec_from_stack(*args)


def test_spec_from_stack_rejects_an_unknown_platform():
    with pytest.raises(UsageError, match="osx-32"):
        spec_from_stack("ok", "torch 1.10", platforms=["osx-32"])


def test_dump_of_a_new_spec_is_short_and_reads_back(tmp_path):
    spec = spec_from_stack("paper-2021", "torch 1.10 + cu102 + py3.7")
    text = dump_spec(spec)
    body = [line for line in text.splitlines() if not line.startswith("#")]
    assert body == ["stack: torch 1.10 + cu102 + py3.7"]
    assert text.startswith("# ") and text.endswith("\n")
    path = tmp_path / "paper-2021.yaml"
    path.write_text(text, encoding="utf-8")
    assert fields_of(load_spec(path)) == fields_of(spec)


def test_dump_round_trips_every_field(tmp_path):
    spec = load_spec(write(tmp_path, FULL_SPEC.replace("[linux-64, win-64]", "[linux-64]")))
    spec.packages.append("weird: value # with yaml syntax")
    spec.pip.append("--extra-index-url https://download.pytorch.org/whl/cu102")
    spec.channels.append("file:///tmp/my channel")
    text = dump_spec(spec)
    path = tmp_path / "again" / "paper-2021.yaml"
    path.parent.mkdir()
    path.write_text(text, encoding="utf-8")
    again = load_spec(path)
    assert fields_of(again) == fields_of(spec)
    assert again.stack == "torch 1.10.1 + cu102 + py3.8"   # canonical, from the explicit fields


def test_dump_quotes_versions_so_the_float_trap_cannot_bite(tmp_path):
    spec = Spec(name="p", torch="1.10", cuda="11.0", python="3.10", torchvision="0.10",
                as_of="2021-06-30", packages=["1.20", "yes", "numpy"])
    text = dump_spec(spec)
    assert 'torchvision: "0.10"' in text and 'as_of: "2021-06-30"' in text
    assert '- "1.20"' in text and '- "yes"' in text and "- numpy" in text
    path = tmp_path / "p.yaml"
    path.write_text(text, encoding="utf-8")
    assert fields_of(load_spec(path)) == fields_of(spec)


def test_dump_is_deterministic_and_omits_platforms_not_given():
    spec = Spec(name="p", torch="2.4", cuda="12.1")
    assert dump_spec(spec) == dump_spec(spec)
    assert "platforms" not in "\n".join(
        line for line in dump_spec(spec).splitlines() if not line.startswith("#"))


def test_dump_refuses_a_spec_without_torch():
    with pytest.raises(UsageError, match="no torch version"):
        dump_spec(Spec(name="p"))
