"""The conftest guard (homeguard.py) fails a test that writes under the real home, and passes one
that writes under the temporary HOME it gets."""
from __future__ import annotations

import os
from pathlib import Path

INNER_CONFTEST = 'pytest_plugins = ["homeguard"]\n'
INNER_TESTS = '''
import os
from pathlib import Path

REAL = Path(os.environ["ENVMGR_TEST_REAL_HOME"])

def test_writes_the_real_uv_cache():
    (REAL / ".cache" / "uv").mkdir(parents=True, exist_ok=True)
    (REAL / ".cache" / "uv" / "wheel.whl").write_text("x")

def test_writes_its_own_home():
    home = Path(os.environ["HOME"])
    assert home != REAL
    (home / ".cache" / "uv").mkdir(parents=True)
    (home / ".cache" / "uv" / "wheel.whl").write_text("x")

def test_uv_cache_is_temporary():
    assert not os.environ["UV_CACHE_DIR"].startswith(str(REAL))
'''


def test_the_guard_fails_a_test_writing_under_the_real_home(pytester, tmp_path, monkeypatch):
    stand_in = tmp_path / "real-home"               # never the real one
    (stand_in / ".cache").mkdir(parents=True)
    monkeypatch.setenv("ENVMGR_TEST_REAL_HOME", str(stand_in))
    pytester.makeconftest(INNER_CONFTEST)
    pytester.makepyfile(test_inner=INNER_TESTS)
    plugin_dir = str(Path(__file__).parent.parent)
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [plugin_dir,
                                                                   os.environ.get("PYTHONPATH")])))
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=3, errors=1)
    result.stdout.fnmatch_lines(["*ERROR at teardown of test_writes_the_real_uv_cache*",
                                 "the test wrote under the real home*/.cache/uv*"])
    assert (stand_in / ".cache" / "uv" / "wheel.whl").is_file()


def test_this_session_runs_with_a_temporary_home():
    from homeguard import REAL_HOME

    assert Path(os.environ["HOME"]) != REAL_HOME and Path.home() != REAL_HOME
    assert not Path(os.environ["UV_CACHE_DIR"]).is_relative_to(REAL_HOME)
