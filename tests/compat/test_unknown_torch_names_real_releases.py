"""A torch version the knowledge base does not list: never released (a typo's minor first, not
the numerically nearest: 1.100 is not 2.0.0), a patch that does not exist, or newer than the
knowledge base."""
from __future__ import annotations

from envmgr.compat.check import check
from envmgr.knowledge.facts import load
from envmgr.specs.specfile import spec_from_stack


def unknown(stack: str):
    [problem] = [p for p in check(spec_from_stack("x", stack), load()).errors]
    assert problem.code == "unknown-torch"
    return problem


def test_a_version_that_was_never_released_names_the_nearest_releases():
    problem = unknown("torch 1.100 cpu")
    assert "never released" in problem.message and "1.10.2, 1.13.1, 2.0.1" in problem.message
    assert problem.fix == 'torch: "1.10.2"'


def test_a_patch_that_does_not_exist_lists_its_minors_releases():
    problem = unknown("torch 1.10.7 cpu")
    assert problem.message == ("torch 1.10.7 was never released: the 1.10 releases are 1.10.0, "
                               "1.10.1, 1.10.2")
    assert problem.fix == 'torch: "1.10.2"'


def test_a_version_past_the_knowledge_base_says_where_it_ends():
    newest = load().releases[-1].torch
    problem = unknown("torch 9.0 cpu")
    assert problem.message == f"torch 9.0 is newer than envmgr's knowledge base, which ends at torch {newest}"
    assert problem.fix == f'torch: "{newest}"'
