"""`envmgr add` / `envmgr remove-package` edit the spec's packages:/pip: list in place (comments
and order kept), check it before writing, render it again, re-lock with --lock; a failure
leaves every file as it was."""
from __future__ import annotations

import json

from clihelp import envmgr, one_line_error

SPEC = """\
# the paper's environment
stack: torch 1.13 cpu   # as in the paper
packages:
  - numpy  # pinned below when needed
  # plotting
  - matplotlib
platforms: [linux-64]
"""


def test_add_keeps_comments_and_order_and_replaces_a_listed_package(cpu):
    path = cpu.spec_path("cpu")
    path.write_text(SPEC)
    result = envmgr("add", "cpu", "numpy<2", "scipy")
    assert result.exit_code == 0, result.output
    assert path.read_text() == SPEC.replace("  - numpy  # pinned below when needed\n", "  - numpy<2\n") \
        .replace("  - matplotlib\n", "  - matplotlib\n  - scipy\n")
    assert "added numpy<2, scipy to packages: of" in result.stdout and "replacing numpy" in result.stdout
    rendered = cpu.environment_file("cpu").read_text()
    assert "numpy<2" in rendered and "scipy" in rendered


def test_add_to_a_flow_list_and_a_missing_pip_list(cpu):
    path = cpu.spec_path("cpu")
    path.write_text("stack: torch 1.13 cpu\npackages: [numpy]   # extras\n")
    assert envmgr("add", "cpu", "scipy").exit_code == 0
    assert path.read_text() == "stack: torch 1.13 cpu\npackages: [numpy, scipy]   # extras\n"
    result = envmgr("add", "cpu", "--pip", "timm==0.4.12", "--json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["ok"] and data["key"] == "pip" and data["packages"] == ["timm==0.4.12"]
    assert data["lock"] is None and data["added"] == ["timm==0.4.12"]
    assert path.read_text().endswith("pip:\n  - timm==0.4.12\n")


def test_remove_package_by_name(cpu):
    path = cpu.spec_path("cpu")
    path.write_text(SPEC)
    assert envmgr("remove-package", "cpu", "matplotlib").exit_code == 0
    assert path.read_text() == SPEC.replace("  - matplotlib\n", "")
    line = one_line_error(envmgr("remove-package", "cpu", "scipy"), code=2)
    assert "scipy is not in packages: of cpu (it lists numpy)" in line
    assert path.read_text() == SPEC.replace("  - matplotlib\n", "")


def test_an_edit_that_breaks_the_spec_writes_nothing(cpu):
    path = cpu.spec_path("cpu")
    path.write_text(SPEC)
    line = one_line_error(envmgr("add", "cpu", "bad spec ::: x"), code=2)
    assert "invalid conda spec" in line and "envs/cpu.yaml:3" in line
    line = one_line_error(envmgr("add", "cpu", "--pip", "timm=="), code=2)
    assert "invalid pip requirement" in line
    assert path.read_text() == SPEC
    assert not cpu.environment_file("cpu").exists()


def test_lock_relocks_and_a_failed_lock_puts_the_spec_back(cpu):
    path = cpu.spec_path("cpu")
    path.write_text(SPEC.replace("  # plotting\n  - matplotlib\n", ""))   # what the test channels hold
    result = envmgr("add", "cpu", "typing_extensions", "--lock")
    assert result.exit_code == 0, result.output
    assert cpu.lockfile("cpu").is_file() and "locked" in result.stdout
    assert envmgr("lock", "--check", "cpu").exit_code == 0
    spec_before, env_before = path.read_text(), cpu.environment_file("cpu").read_text()
    lock_before = cpu.lockfile("cpu").read_bytes()
    failed = envmgr("add", "cpu", "numpyy", "--lock")
    assert failed.exit_code == 1 and "did you mean numpy" in failed.stderr
    assert path.read_text() == spec_before
    assert cpu.environment_file("cpu").read_text() == env_before
    assert cpu.lockfile("cpu").read_bytes() == lock_before
    assert envmgr("lock", "--check", "cpu").exit_code == 0


def test_an_unknown_spec_is_a_usage_error(cpu):
    assert "no spec named 'nope'" in one_line_error(envmgr("add", "nope", "scipy"), code=2)
