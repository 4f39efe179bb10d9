"""The stack shorthand: every form people write, every typo it must refuse, and the canonical form."""
from __future__ import annotations

import pytest

from envmgr.errors import UsageError
from envmgr.specs.stack import StackRequest, cuda_version, format_stack, parse_stack, python_version


@pytest.mark.parametrize("text, torch, cuda, python", [
    ("torch 1.10 + cu102", "1.10", "10.2", None),
    ("torch 2.4 + cu121 + py3.11", "2.4", "12.1", "3.11"),
    ("pytorch 1.7.1 + cuda 11.0 + python 3.8", "1.7.1", "11.0", "3.8"),
    ("torch==1.10.1+cu113", "1.10.1", "11.3", None),
    ("torch 1.13 cpu", "1.13", "cpu", None),
    ("torch 1.13 + cpu", "1.13", "cpu", None),
    ("torch=1.10", "1.10", None, None),
    ("pytorch 2.1.0 cu118 py310", "2.1.0", "11.8", "3.10"),
    ("torch 1.10 + CUDA 10.2", "1.10", "10.2", None),
    ("torch 2.4+cu121", "2.4", "12.1", None),
    ("torch 1.13 + cu117", "1.13", "11.7", None),
    ("torch 1.6 + cu92", "1.6", "9.2", None),
    ("torch 1.2 + cu100", "1.2", "10.0", None),
    ("torch 1.7 + cu110", "1.7", "11.0", None),
    ("torch 2.7 + cu128", "2.7", "12.8", None),
    ("torch 2.9 + cu130", "2.9", "13.0", None),
    ("torch 1.4 + py3.7", "1.4", None, "3.7"),
    ("torch 1.4 + py37", "1.4", None, "3.7"),
    ("torch 1.4 + python3.7", "1.4", None, "3.7"),
    ("torch 1.4 + python 3.7", "1.4", None, "3.7"),
    ("torch 2.0 py310", "2.0", None, "3.10"),
    ("torch 1.10", "1.10", None, None),
    ("TORCH 1.10 + Cu102 + PY3.8", "1.10", "10.2", "3.8"),
    ("   torch    1.10   +   cu102   ", "1.10", "10.2", None),
    ("torch 1.10, cu102, py3.8", "1.10", "10.2", "3.8"),
    ("torch 1.12 + cudatoolkit 11.3", "1.12", "11.3", None),
    ("torch 1.12 + cuda11.3", "1.12", "11.3", None),
    ("torch 2.1 + cpuonly", "2.1", "cpu", None),
    ("cu118 + torch 2.1", "2.1", "11.8", None),     # order does not matter
    ("torch 1.99 + cu999", "1.99", "99.9", None),   # syntax only: compat rejects unknown releases
])
def test_accepted_forms(text, torch, cuda, python):
    assert parse_stack(text) == StackRequest(torch=torch, cuda=cuda, python=python)


@pytest.mark.parametrize("text, bad_part", [
    ("torch", "'torch' needs a version"),
    ("torch 1.10 + cu", "'cu'"),
    ("tensorflow 2.4", "'tensorflow'"),
    ("torch 1.10 + cu102 + cu113", "cu113"),
    ("torch 1.10 + cpu + cu102", "CUDA given twice"),
    ("torch 1.x", "'1.x'"),
    ("torch 1.10 + py3.8 + py3.9", "python given twice"),
    ("torch 1.10 + torch 1.11", "torch given twice"),
    ("torch 2", "'2'"),
    ("torch 2.4.0a0", "'2.4.0a0'"),
    ("torch 1.10 + cu1", "'cu1'"),
    ("torch 1.10 + cu1020", "'cu1020'"),
    ("torch 1.10 + cudnn8", "'cudnn8'"),
    ("torch 1.10 + cuda 11", "'11'"),
    ("torch 1.10 + cuda", "'cuda' needs a version"),
    ("torch 1.10 + py3", "'py3'"),
    ("torch 1.10 + python", "'python' needs a version"),
    ("torch 1.10 + py3.8.10", "'py3.8.10'"),
    ("torch>=1.10", "'>'"),
    ("torch 1.10.*", "'*'"),
    ("1.10 + cu102", "'1.10'"),
    ("cu102 + py3.8", "no torch version"),
    ("", "empty"),
    ("   ", "empty"),
    ("torch 1.10 + torchvision 0.11", "'torchvision'"),
    ("torch 1.10 + rocm5.7", "'rocm5.7'"),
])
def test_rejections_name_the_bad_part(text, bad_part):
    with pytest.raises(UsageError) as caught:
        parse_stack(text)
    err = caught.value
    assert bad_part in err.message
    assert err.exit_code == 2
    assert err.fix and "torch 1.10 + cu102" in err.fix
    assert "\n" not in str(err)


@pytest.mark.parametrize("torch, cuda, python, expected", [
    ("1.10.1", "10.2", "3.7", "torch 1.10.1 + cu102 + py3.7"),
    ("1.13.1", "cpu", None, "torch 1.13.1 + cpu"),
    ("1.6", "9.2", None, "torch 1.6 + cu92"),
    ("1.7", "11.0", "3.8", "torch 1.7 + cu110 + py3.8"),
    ("2.4", None, "3.11", "torch 2.4 + py3.11"),
    ("2.4", None, None, "torch 2.4"),
])
def test_format_stack_is_canonical_and_reads_back(torch, cuda, python, expected):
    text = format_stack(torch, cuda, python)
    assert text == expected
    assert parse_stack(text) == StackRequest(torch, cuda, python)


def test_format_stack_spells_out_a_two_digit_cuda_minor_so_it_reads_back():
    # cu1210 would read back as 121.0; the spelled-out form is unambiguous.
    text = format_stack("2.9", "12.10")
    assert parse_stack(text).cuda == "12.10"


def test_str_of_a_request_is_its_canonical_shorthand():
    assert str(parse_stack("pytorch 2.1.0 cu118 py310")) == "torch 2.1.0 + cu118 + py3.10"


@pytest.mark.parametrize("bad", ["1.x", "", "2"])
def test_format_stack_refuses_a_non_version(bad):
    with pytest.raises(UsageError):
        format_stack(bad, "10.2")


@pytest.mark.parametrize("text, expected", [
    ("10.2", "10.2"), ("cu102", "10.2"), ("CU92", "9.2"), ("cpu", "cpu"), ("CPU", "cpu"),
    (" 11.8 ", "11.8"),
])
def test_cuda_version_normalises_spec_values(text, expected):
    assert cuda_version(text) == expected


@pytest.mark.parametrize("text", ["102", "none", "11", "cuda 11.8", "cu", "11.8.0"])
def test_cuda_version_rejects(text):
    with pytest.raises(UsageError, match="not a CUDA version"):
        cuda_version(text)


def test_python_version_wants_major_minor():
    assert python_version("3.10") == "3.10"
    for bad in ("3", "3.8.10", "py3.8"):
        with pytest.raises(UsageError, match="not a Python version"):
            python_version(bad)
