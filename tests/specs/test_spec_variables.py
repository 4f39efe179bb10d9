"""The spec's `variables:` section: environment variables activation sets (envmgr run / shell /
shell-hook, and conda activate through conda-meta/state). Read with file:line errors; no lock input."""
from __future__ import annotations

import pytest

from envmgr.engine.lockfacts import spec_digest
from envmgr.errors import SpecError
from envmgr.specs.specfile import dump_spec, load_spec


def spec_at(tmp_path, text: str):
    path = tmp_path / "paper.yaml"
    path.write_text(text, encoding="utf-8")
    return load_spec(path)


def test_variables_are_read_as_written(tmp_path):
    spec = spec_at(tmp_path, "stack: torch 1.10 + cu102\nvariables:\n  OMP_NUM_THREADS: 1\n"
                             "  VERSION: 1.10\n  FLAG: true\n  DATA: '/a b'\n")
    assert spec.variables == {"OMP_NUM_THREADS": "1", "VERSION": "1.10", "FLAG": "true",
                              "DATA": "/a b"}
    assert spec.line_of("variables.VERSION") == 4


@pytest.mark.parametrize("text, line, words", [
    ("variables: [A]\n", 2, "expected a mapping of names to values"),
    ("variables:\n  1BAD: x\n", 3, "is not an environment variable name"),
    ("variables:\n  PATH: /x\n", 3, "PATH is set by activation itself"),
    ("variables:\n  CONDA_PREFIX: /x\n", 3, "CONDA_PREFIX is set by activation itself"),
    ("variables:\n  A: [1, 2]\n", 3, "A needs a single value"),
    ("variables:\n  A:\n", 3, "A needs a single value"),
    ("variables:\n  A: 1\n  A: 2\n", 4, "A is given twice"),
])
def test_bad_variables_name_the_line(tmp_path, text, line, words):
    with pytest.raises(SpecError) as err:
        spec_at(tmp_path, "stack: torch 1.10 + cu102\n" + text)
    assert err.value.line == line and words in err.value.message and err.value.fix


def test_variables_are_no_lock_input_and_round_trip(tmp_path):
    plain = spec_at(tmp_path, "stack: torch 1.10 + cu102\n")
    with_vars = spec_at(tmp_path, "stack: torch 1.10 + cu102\nvariables: {A: '1', B: x y}\n")
    assert spec_digest(plain) == spec_digest(with_vars)      # editing them needs no re-lock
    again = spec_at(tmp_path, dump_spec(with_vars))
    assert again.variables == {"A": "1", "B": "x y"}
