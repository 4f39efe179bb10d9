"""A command over several specs reads each channel's repodata once (one rattler Gateway for the
command); outside such a command every solve makes its own, so a changed channel is seen."""
from __future__ import annotations

from envmgr.engine import solve


def test_one_gateway_inside_a_command_over_several_specs_and_a_new_one_outside(tmp_path):
    outside = [solve._gateway(tmp_path), solve._gateway(tmp_path)]
    assert outside[0] is not outside[1]
    with solve.shared_repodata():
        inside = [solve._gateway(tmp_path), solve._gateway(tmp_path)]
        other = solve._gateway(tmp_path / "other-cache")
    assert inside[0] is inside[1] and other is not inside[0]
    assert solve._gateway(tmp_path) is not inside[0]          # the command's gateway is gone with it
