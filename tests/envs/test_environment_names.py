"""One rule for environment names, the spec files' rule."""
from __future__ import annotations

import pytest

from clihelp import envmgr, one_line_error


# -- one rule for environment names ---------------------------------------------------------------
@pytest.mark.parametrize("name", ["x" * 65, "a b", "naïve", "-x", ".x"])
def test_environment_names_follow_the_spec_rule(tmp_workspace, name):
    from envmgr.envs.environments import check_name
    from envmgr.errors import UsageError
    from envmgr.specs.specfile import validate_name

    for rule in (check_name, validate_name):
        with pytest.raises(UsageError, match="at most 64 characters"):
            rule(name)
    assert "at most 64 characters" in one_line_error(envmgr("remove", "--yes", "--", name), code=2)


def test_a_name_specs_accept_is_accepted_for_environments(tmp_workspace):
    from envmgr.envs.environments import Environment

    for name in ("x" * 64, "_private"):
        assert Environment.named(name, tmp_workspace).prefix.name == name
