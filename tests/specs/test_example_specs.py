"""The example specs in envs/ are valid, and their committed rendered files are up to date."""
from __future__ import annotations

import pytest

from envmgr.specs.pipeline import load_named_spec, render_spec, resolve_spec
from envmgr.specs.workspace import find_workspace
from clihelp import REPO

WORKSPACE = find_workspace(REPO)
NAMES = WORKSPACE.spec_names()


def test_the_examples_the_readme_promises_exist():
    assert {"paper-2021", "current", "cpu-lite"} <= set(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_example_renders_to_its_committed_environment_file(name):
    spec = load_named_spec(WORKSPACE, name)
    text = render_spec(WORKSPACE, spec, resolve_spec(WORKSPACE, spec))
    committed = WORKSPACE.environment_file(name)
    assert committed.is_file(), f"run `envmgr render {name}` and commit {committed.name}"
    assert committed.read_text(encoding="utf-8") == text, f"run `envmgr render {name}`"


def test_paper_2021_is_the_2021_stack():
    resolved = resolve_spec(WORKSPACE, load_named_spec(WORKSPACE, "paper-2021"))
    assert (resolved.torch.rsplit(".", 1)[0], resolved.cuda, resolved.python) == ("1.10", "10.2", "3.7")
    assert resolved.route == "pytorch"
