"""`make demo` deletes only its own folder, and prints the settings to try its channels elsewhere."""
from __future__ import annotations

import pytest


# -- the demo deletes only its own folder ---------------------------------------------------------
def test_demo_replaces_its_own_folder_and_refuses_anyone_elses(tmp_path):
    from envmgr.cli.demo import DEMO_MARKER, start

    demo = tmp_path / ".demo"
    demo.mkdir()                                   # empty: fine to take over
    start(demo)
    assert (demo / DEMO_MARKER).is_file()
    (demo / "envs" / "old").mkdir(parents=True)    # an earlier demo's contents
    start(demo)
    assert not (demo / "envs").exists() and (demo / DEMO_MARKER).is_file()
    theirs = tmp_path / "theirs"
    theirs.mkdir()
    (theirs / "notes.txt").write_text("mine")
    with pytest.raises(SystemExit, match="was not made by `make demo`"):
        start(theirs)
    assert (theirs / "notes.txt").read_text() == "mine"
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(SystemExit, match="not a folder the demo made"):
        start(tmp_path / "a-file")
    assert (tmp_path / "a-file").read_text() == "x"


def test_demo_prints_exports_and_how_to_try_its_channels_elsewhere(tmp_path):
    import shlex

    from envmgr.cli.demo import settings_lines, try_it_yourself

    env = {"ENVMGR_CHANNEL_ALIAS": "file:///x/my channels/", "ENVMGR_DEFAULT_CHANNELS": "file:///d",
           "ENVMGR_ENVS_DIR": "/x/envs", "ENVMGR_PKGS_DIR": "/x/pkgs", "ENVMGR_WORKSPACE": "/x/ws",
           "HOME": "/home/me"}
    exports = [line.strip() for line in settings_lines(env) if line.strip().startswith("export ")]
    assert len(exports) == 4 and not any("ENVMGR_WORKSPACE" in line for line in exports)
    parsed = dict(shlex.split(line)[1].split("=", 1) for line in exports)   # what a shell reads
    assert parsed["ENVMGR_CHANNEL_ALIAS"] == "file:///x/my channels/"
    assert parsed["ENVMGR_ENVS_DIR"] == "/x/envs" and parsed["ENVMGR_PKGS_DIR"] == "/x/pkgs"
    paragraph = try_it_yourself()
    assert "envmgr new" in paragraph and "envmgr create" in paragraph
    assert "export ENVMGR_WORKSPACE" not in paragraph and "ENVMGR_WORKSPACE" in paragraph
