"""`envmgr render --json`: one object per spec (name, ok, path, action, route, problems), an
invalid spec as its own object with the error as a problem."""
from __future__ import annotations

import json

from clihelp import envmgr


def test_render_json_lists_each_spec(workspace):
    (workspace / "envs" / "good.yaml").write_text("stack: torch 1.13 cpu\n")
    (workspace / "envs" / "bad.yaml").write_text("stack: torch 1.10 + cu121\n")
    result = envmgr("render", "--json")
    assert result.exit_code == 1
    bad, good = json.loads(result.stdout)
    assert good == {"name": "good", "ok": True, "action": "wrote", "route": "pytorch",
                    "path": str(workspace / "lockfiles" / "good.environment.yml"), "problems": []}
    assert not bad["ok"] and bad["action"] is None and bad["problems"][0]["severity"] == "error"
    assert bad["problems"][0]["file"] == str(workspace / "envs" / "bad.yaml")
    [again] = json.loads(envmgr("render", "good", "--json").stdout)
    assert again["action"] == "unchanged"
    assert envmgr("render", "--json", "--stdout").exit_code == 2
