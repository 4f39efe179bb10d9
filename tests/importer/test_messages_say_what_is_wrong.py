"""Import messages that used to garble the facts: a channel that has the release but not its
CUDA variant, `python >= 3.8` (a constraint with blanks, as conda reads it), a torch release
that never existed."""
from __future__ import annotations

import json

from clihelp import envmgr

HEAD = "name: paper\nchannels: [pytorch, conda-forge]\ndependencies:\n"


def import_json(workspace, text: str) -> dict:
    path = workspace / "environment.yml"
    path.write_text(HEAD + text, encoding="utf-8")
    result = envmgr("import", str(path), "--json", "--force")
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def test_a_channel_with_the_release_but_not_its_cuda_variant_says_so(workspace):
    report = import_json(workspace, "  - python=3.8\n  - pytorch=1.10.1\n  - cudatoolkit=11.1\n")
    assert report["resolved"]["route"] == "pip"            # cu111 was published as wheels only
    [stale] = [p for p in report["problems"] if p["code"] == "channel-stale"]
    assert stale["message"].startswith(
        "the pytorch channel has torch 1.10.1, but no CUDA 11.1 build of it")
    assert "not pytorch" not in stale["message"]


def test_a_python_constraint_written_with_blanks_is_read(workspace):
    report = import_json(workspace, "  - python >= 3.8\n  - pytorch=1.10.1\n  - cudatoolkit=10.2\n")
    assert not any(p["code"] == "python-pin-unreadable" for p in report["problems"])
    assert report["resolved"]["python"] == "3.9"     # the newest python torch 1.10.1 supports, >= 3.8
    report = import_json(workspace, "  - python >= 3.6, < 3.8\n  - pytorch=1.10.1\n  - cpuonly\n")
    assert report["resolved"]["python"] == "3.7"


def test_a_torch_release_that_never_existed_lists_the_nearest_ones(workspace):
    report = import_json(workspace, "  - python=3.8\n  - pytorch=1.100\n  - cpuonly\n")
    [unknown] = [p for p in report["problems"] if p["code"] == "unknown-torch"]
    assert unknown["message"] == ("torch 1.100 was never released; the nearest releases are "
                                  "1.10.2, 1.13.1, 2.0.1")
    assert unknown["fix"] == 'torch: "1.10.2"'
