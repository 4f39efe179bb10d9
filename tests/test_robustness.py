"""Bad settings, damaged files and hostile folders: each one a one-line error (or a safe refusal),
never a traceback, a silently wrong answer or a deleted directory envmgr did not make."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from envmgr.errors import EnvmgrError
from clihelp import CPU, envmgr, one_line_error, reseal


# -- 1. channels that cannot be read ---------------------------------------------------------------
def test_a_missing_file_channel_is_one_line_naming_it(cpu, tmp_path, monkeypatch):
    missing = (tmp_path / "no-such-mirror").as_uri()
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", missing + "/")
    line = one_line_error(envmgr("lock", "cpu", "--update"))
    assert f"{missing}/pytorch" in line and "ENVMGR_CHANNEL_ALIAS" in line


def test_missing_default_channels_name_the_setting(cpu, tmp_path, monkeypatch):
    missing = (tmp_path / "no-main").as_uri()
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", missing)
    write = cpu.spec_path("cpu")
    write.write_text(CPU + "channels: [defaults]\n")
    line = one_line_error(envmgr("lock", "cpu"))
    assert missing in line and "ENVMGR_DEFAULT_CHANNELS" in line


def test_a_scheme_rattler_does_not_support_is_one_line(cpu, monkeypatch):
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", "ftp://mirror.example/")
    line = one_line_error(envmgr("lock", "cpu"))
    assert "ftp://mirror.example/pytorch" in line and "not a supported scheme" in line


@pytest.mark.parametrize("alias", ["http://", "https://[::1", "https://mirror:port/"])
def test_a_malformed_alias_is_a_usage_error_naming_the_variable(cpu, monkeypatch, alias):
    monkeypatch.setenv("ENVMGR_CHANNEL_ALIAS", alias)
    line = one_line_error(envmgr("lock", "cpu"), code=2)
    assert repr(alias) in line and "ENVMGR_CHANNEL_ALIAS" in line


def test_an_unreachable_package_url_fails_the_install_in_one_line(cpu, tmp_path, monkeypatch):
    assert envmgr("lock", "cpu").exit_code == 0
    lockfile = cpu.lockfile("cpu")
    # a port nothing listens on: refused at once, no network needed
    text = lockfile.read_text()
    lockfile.write_text(text.replace("url: file://", "url: http://127.0.0.1:9"))
    reseal(lockfile)
    monkeypatch.setenv("ENVMGR_PKGS_DIR", str(tmp_path / "empty-cache"))   # nothing cached
    line = one_line_error(envmgr("create", "cpu", "--relock"))
    assert "install failed" in line and "Connection refused" in line
    assert "(from http://127.0.0.1:9/" in line and "check the network" in line


# -- 2. a damaged lockfile ---------------------------------------------------------------------------
def damage(lockfile, body: str) -> None:
    """Replace the package list (the end of a conda-lock file) with ``body``."""
    text = lockfile.read_text()
    lockfile.write_text(text[:text.index("\npackage:\n")] + "\n" + body + "\n")


@pytest.fixture
def locked_cpu(cpu):
    assert envmgr("lock", "cpu").exit_code == 0
    return cpu.lockfile("cpu")


@pytest.mark.parametrize("body, reason", [
    ("package: 5", "its package list is not a list"),
    ("package: []", "it has no packages for linux-64"),
    ("package: [5]", "package entry 1 is not a mapping"),
    ("package: [{name: numpy, platform: linux-64}]", "package numpy has no valid manager, url"),
])
def test_a_damaged_package_list_is_stale_and_refused_in_one_line(locked_cpu, body, reason):
    from envmgr.engine.install import host_platform, locked_records

    damage(locked_cpu, body)
    checked = envmgr("lock", "cpu", "--check")
    assert checked.exit_code == 1 and f"cpu: stale: the lockfile is damaged: {reason}" in checked.stderr
    as_json = json.loads(envmgr("lock", "cpu", "--check", "--json").stdout)
    assert [p["code"] for p in as_json[0]["problems"]] == ["lock-damaged"]
    line = one_line_error(envmgr("create", "cpu"))
    assert "lockfiles/cpu.conda-lock.yml" in line and "damaged" in line
    with pytest.raises(EnvmgrError) as raised:      # the installer's own reading refuses it too
        locked_records(locked_cpu, host_platform())
    assert raised.value.file == str(locked_cpu) and "envmgr lock cpu --update" in str(raised.value)


def test_lock_repairs_a_damaged_lockfile(locked_cpu):
    good = locked_cpu.read_text()
    damage(locked_cpu, "package: []")
    result = envmgr("lock", "cpu")
    assert result.exit_code == 0, result.output
    assert locked_cpu.read_text() == good
    assert envmgr("lock", "cpu", "--check").exit_code == 0


def test_non_mapping_custom_metadata_is_not_a_crash(locked_cpu):
    text = locked_cpu.read_text()
    start = text.index("  custom_metadata:\n")
    end = text.index("\npackage:\n", start)
    locked_cpu.write_text(text[:start] + "  custom_metadata: 5" + text[end:])
    checked = envmgr("lock", "cpu", "--check")
    assert checked.exit_code == 1 and "not written by envmgr" in checked.stderr
    assert envmgr("lock", "cpu").exit_code == 0


# -- 4. envmgr.yaml values are type-checked, and every setting is read by one rule ------------------
@pytest.mark.parametrize("setting, message", [
    ("default_channels: 7", "default_channels must be a list of URLs or one comma-separated string"),
    ("envs_dir: [a, b]", "envs_dir must be a string (a folder), not list"),
    ("channel_alias: {url: x}", "channel_alias must be a string (a URL), not dict"),
    ("default_channels: [https://mirror.example/main, 5]", "not 5 in the list"),
    ("default_channels: []", "default_channels names no channel"),
    ("pkgs_dir: ''", "pkgs_dir must be a string (a folder), not an empty string"),
])
def test_a_mistyped_setting_is_an_error_at_its_line(cpu, setting, message):
    (cpu.root / "envmgr.yaml").write_text(f"# mirror settings\n{setting}\n")
    for command in (["lock", "cpu"], ["list", "--json"], ["create", "cpu"]):
        line = one_line_error(envmgr(*command), code=2)
        assert "envmgr.yaml:2: " in line and message in line
    assert not any("[" in p.name for p in cpu.root.iterdir())   # no folder named "['a', 'b']"


@pytest.mark.parametrize("value", [",", " , ", ",,"])
def test_default_channels_variable_naming_nothing_is_an_error(cpu, monkeypatch, value):
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", value)
    cpu.spec_path("cpu").write_text(CPU + "channels: [defaults]\n")
    line = one_line_error(envmgr("lock", "cpu"), code=2)
    assert "ENVMGR_DEFAULT_CHANNELS names no channel" in line


def test_every_setting_follows_one_rule(tmp_path, monkeypatch):
    from envmgr.engine.channels import channel_alias, default_channels
    from envmgr.envs.environments import envs_root, pkgs_dir
    from envmgr.engine.piplayer.resolve import pypi_index, pytorch_index
    from envmgr.specs.workspace import find_workspace

    (tmp_path / "envmgr.yaml").write_text(
        "channel_alias: https://mirror.example/conda/\n"
        "default_channels: https://mirror.example/main, https://mirror.example/r\n"
        "pypi_index: https://mirror.example/simple/\npytorch_index: https://mirror.example/whl\n"
        "envs_dir: my-envs\npkgs_dir: ~/cache\n")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)
    variables = ("ENVMGR_CHANNEL_ALIAS", "ENVMGR_DEFAULT_CHANNELS", "ENVMGR_PYPI_INDEX",
                 "ENVMGR_PYTORCH_INDEX", "ENVMGR_ENVS_DIR", "ENVMGR_PKGS_DIR")
    for var in variables:
        monkeypatch.setenv(var, " ")          # set but blank: the file's value applies
    workspace = find_workspace(tmp_path)
    assert channel_alias(workspace) == "https://mirror.example/conda/"
    assert default_channels(workspace) == ["https://mirror.example/main", "https://mirror.example/r"]
    assert pypi_index(workspace) == "https://mirror.example/simple"
    assert pytorch_index(workspace) == "https://mirror.example/whl"
    assert envs_root(workspace) == tmp_path / "my-envs"      # relative to the workspace, not the cwd
    assert pkgs_dir(workspace) == tmp_path / "home" / "cache"
    for var in variables:                                    # a variable wins over envmgr.yaml
        monkeypatch.setenv(var, f"/from/{var}" if var.endswith("_DIR") else f"file:///from/{var}")
    assert channel_alias(workspace) == "file:///from/ENVMGR_CHANNEL_ALIAS/"
    assert default_channels(workspace) == ["file:///from/ENVMGR_DEFAULT_CHANNELS"]
    assert pypi_index(workspace) == "file:///from/ENVMGR_PYPI_INDEX"
    assert envs_root(workspace) == Path("/from/ENVMGR_ENVS_DIR")
    assert pkgs_dir(workspace) == Path("/from/ENVMGR_PKGS_DIR")


# -- 3. an envs dir or package cache that is a file -------------------------------------------------
@pytest.mark.parametrize("variable", ["ENVMGR_ENVS_DIR", "ENVMGR_PKGS_DIR"])
@pytest.mark.parametrize("below", [False, True])
def test_a_folder_setting_pointing_at_a_file_is_one_line(cpu, tmp_path, monkeypatch, variable, below):
    a_file = tmp_path / "not-a-folder"
    a_file.write_text("x")
    monkeypatch.setenv(variable, str(a_file / "sub" if below else a_file))
    assert envmgr("lock", "cpu").exit_code == 0
    for command in (["create", "cpu"], ["list"], ["remove", "cpu", "--yes"]):
        line = one_line_error(envmgr(*command), code=2)
        assert f"{a_file} is a file" in line and f"point {variable} at a folder" in line
    assert a_file.read_text() == "x"


def test_a_folder_setting_in_envmgr_yaml_names_its_line(cpu, tmp_path, monkeypatch):
    a_file = tmp_path / "cache-file"
    a_file.write_text("x")
    monkeypatch.delenv("ENVMGR_PKGS_DIR")
    (cpu.root / "envmgr.yaml").write_text(f"# where packages go\npkgs_dir: {a_file}\n")
    line = one_line_error(envmgr("create", "cpu"), code=2)
    assert "envmgr.yaml:2: " in line and "point pkgs_dir in envmgr.yaml at a folder" in line


# -- 5. only envmgr's own marker makes a prefix envmgr's ---------------------------------------------
def marked_prefix(workspace, name: str, marker: str):
    from envmgr.envs.environments import Environment

    env = Environment.named(name, workspace)
    (env.prefix / "conda-meta").mkdir(parents=True)
    (env.prefix / "conda-meta" / "envmgr.json").write_text(marker)
    (env.prefix / "precious.txt").write_text("keep me")
    return env


@pytest.mark.parametrize("marker", ['"x"', "[]", "5", "{}", '{"name": "cpu"}',
                                    '{"envmgr": "0.1.0", "name": "other", "prefix": "PREFIX"}',
                                    '{"envmgr": "0.1.0", "name": "cpu", "prefix": "/elsewhere/cpu"}'])
def test_a_marker_that_is_not_envmgrs_own_means_foreign(cpu, marker):
    from envmgr.envs.environments import Environment

    prefix = Environment.named("cpu", cpu).prefix
    env = marked_prefix(cpu, "cpu", marker.replace("PREFIX", str(prefix)))
    listed = envmgr("list", "--json")
    assert listed.exit_code == 0, listed.output
    assert '"env": "foreign"' in listed.stdout
    line = one_line_error(envmgr("remove", "cpu", "--yes"))
    assert "not created by envmgr" in line and "not envmgr's marker" in line
    assert "not created by envmgr" in one_line_error(envmgr("create", "cpu"))
    assert (env.prefix / "precious.txt").read_text() == "keep me"


def test_a_leftover_sibling_with_a_foreign_marker_is_kept(cpu):
    from envmgr.envs.environments import Environment

    env = Environment.named("cpu", cpu)
    sibling = env.prefix.parent / ".cpu.envmgr-old-abc"
    (sibling / "conda-meta").mkdir(parents=True)
    (sibling / "conda-meta" / "envmgr.json").write_text("[]")
    (sibling / "data.txt").write_text("someone's")
    building = env.prefix.parent / ".cpu.envmgr-tmp-abc"
    building.mkdir()
    (building / ".envmgr-tmp").write_text('"x"')
    killed = env.prefix.parent / ".cpu.envmgr-tmp-killed"   # killed before the marker's bytes
    (killed / "lib").mkdir(parents=True)
    (killed / ".envmgr-tmp").write_text("")
    with env.locked():
        assert env.clean_leftovers() == [killed]
    assert (sibling / "data.txt").is_file() and building.is_dir() and not killed.exists()


# -- 6. written files and environments follow the umask ----------------------------------------------
@pytest.fixture
def umask_022():
    import os

    old = os.umask(0o022)
    yield
    os.umask(old)


def mode(path) -> int:
    import stat

    return stat.S_IMODE(path.stat().st_mode)


def test_atomic_writes_follow_the_umask_and_keep_an_existing_mode(tmp_path, umask_022):
    import os

    from envmgr.atomic import current_umask, write_text_atomic

    assert current_umask() == 0o022
    fresh = tmp_path / "new.yaml"
    write_text_atomic(fresh, "a\n")
    assert mode(fresh) == 0o644
    private = tmp_path / "environments.txt"
    private.write_text("old\n")
    private.chmod(0o640)
    write_text_atomic(private, "new\n")
    assert mode(private) == 0o640 and private.read_text() == "new\n"
    os.umask(0o077)
    write_text_atomic(tmp_path / "secret.yaml", "s\n")
    assert mode(tmp_path / "secret.yaml") == 0o600


def test_lockfiles_and_environments_are_readable_by_others_under_umask_022(cpu, umask_022):
    from envmgr.envs.environments import Environment

    result = envmgr("create", "cpu")
    assert result.exit_code == 0, result.output
    assert mode(cpu.lockfile("cpu")) == 0o644 and mode(cpu.environment_file("cpu")) == 0o644
    env = Environment.named("cpu", cpu)
    assert mode(env.prefix) == 0o755
    assert mode(env.marker_path) == 0o644


# -- 7. only files in envs/ are specs ----------------------------------------------------------------
def test_a_folder_named_like_a_spec_is_not_a_spec(cpu):
    (cpu.envs_dir / "dir.yaml").mkdir()
    assert cpu.spec_names() == ["cpu"]
    listed = envmgr("list", "--json", "--no-size")
    assert listed.exit_code == 0 and '"name": "dir"' not in listed.stdout


# -- 8. one rule for environment names ---------------------------------------------------------------
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


# -- 9. the demo deletes only its own folder ---------------------------------------------------------
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
