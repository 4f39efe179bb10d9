"""create and list count pip packages next to conda ones ("2 conda + 3 pip"): a pip-route env
keeps torch itself among the pip packages, so a conda count alone hides most of it."""
from __future__ import annotations

import json
import re

import pytest

from clihelp import envmgr
from envmgr.testchannel.wheelindex import IndexServer, build_wheel_indexes

pytest.importorskip("uv", reason="the pip layer resolves and installs with uv (a dependency)")

WHEELS = """\
stack: "torch 2.6 + cu124"
python: "3.11"
route: pip
platforms: [linux-64]
"""


def test_create_and_list_count_conda_and_pip_packages(tmp_workspace, write_spec, tmp_path,
                                                      monkeypatch):
    with IndexServer(build_wheel_indexes(tmp_path / "index")) as url:
        monkeypatch.setenv("ENVMGR_PYPI_INDEX", f"{url}/pypi/simple")
        monkeypatch.setenv("ENVMGR_PYTORCH_INDEX", f"{url}/whl")
        write_spec(tmp_workspace, "wheels", WHEELS)
        created = envmgr("create", "wheels")
    assert created.exit_code == 0, created.output
    counted = re.search(r"\((\d+) conda \+ (\d+) pip packages,", created.stdout)
    assert counted, created.stdout
    conda, pip = map(int, counted.groups())
    assert pip >= 3 and conda > 0            # torch, torchvision, torchaudio at least

    [again] = json.loads(envmgr("create", "wheels", "--json").stdout)
    assert again["action"] == "up-to-date"
    assert (again["packages"], again["pip_packages"]) == (conda, pip)
    assert f"{conda} conda + {pip} pip packages" in envmgr("create", "wheels").stdout

    [row] = json.loads(envmgr("list", "--json", "--no-size").stdout)["environments"]
    assert (row["packages"], row["pip_packages"]) == (conda, pip)
    assert f"{conda} conda + {pip} pip" in envmgr("list", "--no-size").stdout


def test_a_conda_only_env_counts_conda_packages(cpu):
    [row] = json.loads(envmgr("list", "--json", "--no-size").stdout)["environments"]
    assert row["packages"] is None                 # not created yet
    created = envmgr("create", "cpu")
    assert created.exit_code == 0, created.output
    count = int(re.search(r"\((\d+) conda packages,", created.stdout).group(1))
    [row] = json.loads(envmgr("list", "--json", "--no-size").stdout)["environments"]
    assert (row["packages"], row["pip_packages"]) == (count, 0)
