"""envmgr lock's solve against the on-disk test channels: unsatisfiable requests explained with a
hint, the driver's __cuda, spec order, missing versions named, the virtual packages the solver
sees, and an unreachable pip index."""
from __future__ import annotations

import pytest
from click.testing import CliRunner

from envmgr.cli import cli


PAPER = "stack: torch 1.10 + cu102 + py3.7\n"


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def test_unsatisfiable_lock_explains_and_hints(tmp_workspace, write_spec, tmp_path, monkeypatch):
    from envmgr.testchannel import build_channel

    empty = build_channel(tmp_path / "empty", [])
    monkeypatch.setenv("ENVMGR_DEFAULT_CHANNELS", empty.as_uri())   # defaults now empty
    write_spec(tmp_workspace, "paper-2021", PAPER)
    code, out = run("lock", "paper-2021")
    assert code == 1
    assert "cannot solve paper-2021" in out and "No candidates were found for cudatoolkit" in out
    assert "no channel has cudatoolkit" in out and "channel alias" in out
    assert not tmp_workspace.lockfile("paper-2021").exists()


def test_driver_too_old_hint(use_test_channels):
    from envmgr.errors import EnvmgrError
    from envmgr.engine.solve import solve_platforms

    channels = [use_test_channels.url("pytorch"), use_test_channels.url("defaults")]
    with pytest.raises(EnvmgrError) as err:
        solve_platforms(channels, ["python=3.7", "cudatoolkit=11.3", "pytorch=1.10.1=*cuda11.3*"],
                        ["linux-64"], "10.2")
    assert "__cuda" in err.value.message
    assert "needs a driver for CUDA 11.3" in err.value.fix


def test_spec_order_does_not_change_the_solution(use_test_channels):
    from envmgr.engine.solve import canonical_specs, solve_platforms

    specs = ["python=3.8", "pytorch=1.10.1", "cudatoolkit", "mkl<2024.1", "numpy<2"]
    assert canonical_specs(specs) == canonical_specs(list(reversed(specs)))
    channels = [use_test_channels.url("pytorch"), use_test_channels.url("defaults")]
    one = solve_platforms(channels, specs, ["linux-64"], "11.8")["linux-64"]
    two = solve_platforms(channels, list(reversed(specs)), ["linux-64"], "11.8")["linux-64"]
    assert sorted(str(r.url) for r in one) == sorted(str(r.url) for r in two)


def test_virtual_packages_are_explicit_and_shared():
    from envmgr.host.virtual import rattler_virtual_packages, spec_document, virtual_packages

    linux = virtual_packages("linux-64", "12.1")
    assert linux == {"__archspec": "1 x86_64", "__cuda": "12.1", "__glibc": "2.17", "__linux": "5.10",
                     "__unix": "0"}
    assert "__cuda" not in virtual_packages("linux-64", "cpu")
    assert virtual_packages("win-64", "10.2") == {"__archspec": "1 x86_64", "__cuda": "10.2", "__win": "0"}
    assert "__cuda" not in virtual_packages("osx-arm64", "12.1")
    doc = spec_document(["linux-64", "win-64"], "12.1")
    assert doc["subdirs"]["linux-64"]["packages"] == linux
    solver_view = {str(v.name.normalized): (str(v.version), str(v.build_string))
                   for v in rattler_virtual_packages("linux-64", "12.1")}
    assert solver_view == {"__archspec": ("1", "x86_64"), "__cuda": ("12.1", "0"),
                           "__glibc": ("2.17", "0"), "__linux": ("5.10", "0"), "__unix": ("0", "0")}


def test_a_missing_version_names_the_versions_the_channels_have(use_test_channels):
    from envmgr.errors import EnvmgrError
    from envmgr.engine.solve import solve_platforms

    channels = [use_test_channels.url("pytorch"), use_test_channels.url("defaults")]
    with pytest.raises(EnvmgrError) as err:
        solve_platforms(channels, ["python=3.7", "cudatoolkit 11.0.*"], ["linux-64"], "11.3")
    fix = err.value.fix
    assert fix.startswith("no channel has cudatoolkit 11.0.* (they have: ")
    assert "10.2" in fix and "11.3" in fix
    with pytest.raises(EnvmgrError) as err:                # no such package at all
        solve_platforms(channels, ["python=3.7", "nosuchpkg >=1"], ["linux-64"], "11.3")
    assert err.value.fix.startswith("no channel has nosuchpkg: check the spec's channels")
    with pytest.raises(EnvmgrError) as err:                # the version is there, the build is not
        solve_platforms(channels, ["python=3.7", "pytorch=1.10.1=*cuda11.0*"], ["linux-64"], "11.3")
    assert err.value.fix.startswith("no channel has a pytorch 1.10.1 build matching *cuda11.0*")


# uv's stderr when the index cannot be reached (captured from uv 0.x against a closed port and
# an unknown host; a live test would wait out uv's retries, ~11 s)
UV_CONNECTION_REFUSED = """error: Request failed after 3 retries in 10.8s
  cause: Failed to fetch: http://127.0.0.1:9/simple/timm/
  cause: error sending request for url (http://127.0.0.1:9/simple/timm/)
  cause: client error (Connect)
  cause: tcp connect error
  cause: Connection refused (os error 111)
"""


UV_DNS = """error: Request failed after 3 retries in 12.4s
  cause: Failed to fetch: http://nonexistent.invalid/simple/timm/
  cause: error sending request for url (http://nonexistent.invalid/simple/timm/)
  cause: client error (Connect)
  cause: dns error
  cause: error resolving DNS
  cause: failed to lookup address information: Name or service not known
"""


@pytest.mark.parametrize("stderr, index, root", [
    (UV_CONNECTION_REFUSED, "http://127.0.0.1:9/simple", "Connection refused (os error 111)"),
    (UV_DNS, "http://nonexistent.invalid/simple", "Name or service not known")])
def test_an_unreachable_pip_index_leads_with_cannot_reach(stderr, index, root):
    from envmgr.engine.piplayer.install import _install_error
    from envmgr.engine.piplayer.resolve import _uv_error

    locking = _uv_error(stderr, "linux-64", "lockfiles/x.environment.yml")
    assert locking.message.startswith(f"cannot reach the index URL {index} ("), locking.message
    installing = _install_error(stderr, [], "lockfiles/x.conda-lock.yml")   # the locked file's URL
    assert installing.message.startswith(f"cannot reach {index}/timm/ ("), installing.message
    for err in (locking, installing):
        assert root in err.message and "ENVMGR_PYPI_INDEX" in err.fix and "loosen" not in err.fix
