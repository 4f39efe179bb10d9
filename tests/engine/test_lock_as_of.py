"""as_of: locking with the dependencies of a paper's era, against a channel with timestamped builds.

The channel is the test catalog's ``pytorch`` and ``defaults`` packages (linux-64), with the
``defaults`` numpy builds replaced by three dated ones (:data:`ERA_NUMPY`) and an older python and
mkl added (the catalog's are from 2023-24, so a 2021 cutoff would leave no python at all). One record
(blas) has its timestamp removed, as some old records in real channels have none.
"""
from __future__ import annotations

import datetime as dt
import json

import pytest
from click.testing import CliRunner

from envmgr.cli import cli
from envmgr.testchannel import Package, build_test_channels, channel_env, ms
from envmgr.testchannel.catalog import default_packages, fake_hash, python_pin
from clihelp import envmgr

# numpy builds for python 3.9, version -> upload date
ERA_NUMPY = {"1.21.0": "2021-06-22", "1.22.0": "2022-01-03", "1.26.0": "2023-09-16"}
TORCH = "1.10.1"                       # the catalog's pytorch-channel build is dated 2021-12-10
SPEC = f"""\
torch: "{TORCH}"
cuda: cpu
python: "3.9"
torchvision: none
torchaudio: none
platforms: [linux-64]
"""


def era_packages() -> list[Package]:
    subdir = "linux-64"
    extra = [Package("python", "3.9.7", fake_hash("py", "3.9.7") + "_1", subdir,
                     depends=["__glibc >=2.17,<3.0.a0"], timestamp=ms("2021-09-16")),
             Package("mkl", "2021.4.0", "h06a4308_640", subdir, build_number=640,
                     timestamp=ms("2021-10-12")),
             Package("typing_extensions", "3.10.0.2", "pyh06a4308_0", noarch="python",
                     depends=["python >=3.6"], timestamp=ms("2021-09-02"))]
    for version, date in ERA_NUMPY.items():
        extra.append(Package("numpy", version, f"py39{fake_hash('era-np', version)}_0", subdir,
                             depends=[python_pin("3.9"), "blas 1.0 mkl", "mkl"], timestamp=ms(date)))
    return extra


def newest_numpy_before(cutoff: dt.date) -> str:
    """What a solve as of ``cutoff`` must pick: the newest build uploaded before that day began."""
    dates = {v: dt.date.fromisoformat(d) for v, d in ERA_NUMPY.items()}
    return max((v for v, d in dates.items() if d <= cutoff), key=lambda v: tuple(map(int, v.split("."))))


@pytest.fixture(scope="module")
def era_channels(tmp_path_factory):
    root = tmp_path_factory.mktemp("era-channels")
    base = [p for p in default_packages()
            if p.channel in ("pytorch", "defaults") and p.subdir in ("linux-64", "noarch")
            and not (p.name == "numpy" and p.channel == "defaults")]
    dirs = build_test_channels(root, packages=base, extra=era_packages())
    repodata = dirs["defaults"] / "linux-64" / "repodata.json"
    data = json.loads(repodata.read_text())
    stripped = [r for r in data["packages"].values() if r["name"] == "blas"]
    assert stripped
    for record in stripped:
        del record["timestamp"]
    repodata.write_text(json.dumps(data, indent=1, sort_keys=True))
    return root


@pytest.fixture
def ws(tmp_workspace, era_channels, monkeypatch):
    for key, value in channel_env(era_channels).items():
        monkeypatch.setenv(key, value)
    return tmp_workspace


def run(*args):
    result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    return result.exit_code, result.output


def locked(workspace, name: str) -> dict[str, str]:
    """package name -> version in the lockfile (linux-64)."""
    import yaml

    data = yaml.safe_load(workspace.lockfile(name).read_text())
    return {p["name"]: p["version"] for p in data["package"] if p["platform"] == "linux-64"}


def recorded(workspace, name: str) -> dict[str, str]:
    from envmgr.engine.lockread import read_metadata

    return read_metadata(workspace.lockfile(name))["custom_metadata"]


def listed_as_of(name: str):
    code, out = run("list", "--json", "--no-size")
    assert code == 0, out
    return {row["name"]: row["as_of"] for row in json.loads(out)["environments"]}[name]


def release_cutoff() -> dt.date:
    from envmgr.knowledge.asof import RELEASE_MARGIN_DAYS
    from envmgr.knowledge.facts import load

    released = dt.date.fromisoformat(str(load().release(TORCH).released))
    return released + dt.timedelta(days=RELEASE_MARGIN_DAYS)


def test_a_date_locks_the_numpy_of_that_era_and_records_the_cutoff(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'as_of: "2021-12-20"\n')
    code, out = run("lock", "paper")
    assert code == 0, out
    assert "solved as of 2021-12-20" in out
    pins = locked(ws, "paper")
    assert pins["numpy"] == newest_numpy_before(dt.date(2021, 12, 20)) == "1.21.0"
    assert (pins["python"], pins["mkl"], pins["pytorch"]) == ("3.9.7", "2021.4.0", TORCH)
    # blas has no timestamp: the allow-missing policy keeps it (require-timestamp would fail the solve)
    assert pins["blas"] == "1.0"
    meta = recorded(ws, "paper")
    assert (meta["as_of"], meta["as_of_origin"]) == ("2021-12-20", "spec")
    assert run("lock", "--check", "paper")[0] == 0
    assert listed_as_of("paper") == "2021-12-20"
    table = run("list", "--no-size")[1]
    assert "as_of" in table.splitlines()[0] and "2021-12-20" in table


def test_without_as_of_the_newest_builds_are_locked(ws, write_spec):
    write_spec(ws, "today", SPEC)
    code, out = run("lock", "today")
    assert code == 0, out
    assert locked(ws, "today")["numpy"] == "1.26.0"
    assert locked(ws, "today")["python"] != "3.9.7"
    assert "as_of" not in recorded(ws, "today")
    assert listed_as_of("today") is None


def test_release_means_the_release_date_plus_the_margin(ws, write_spec):
    write_spec(ws, "paper", SPEC + "as_of: release\n")
    assert listed_as_of("paper") == "release"          # not locked yet: the spec's request
    code, out = run("lock", "paper", "--json")
    assert code == 0, out
    cutoff = release_cutoff()
    assert json.loads(out)[0]["as_of"] == cutoff.isoformat()
    assert locked(ws, "paper")["numpy"] == newest_numpy_before(cutoff)
    meta = recorded(ws, "paper")
    assert meta["as_of"] == cutoff.isoformat() and meta["as_of_rule"].startswith(f"release: torch {TORCH}")
    assert listed_as_of("paper") == cutoff.isoformat()


def test_changing_the_spec_as_of_makes_the_lock_stale(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'as_of: "2021-12-20"\n')
    assert run("lock", "paper")[0] == 0
    write_spec(ws, "paper", SPEC + 'as_of: "2022-02-01"\n')
    code, out = run("lock", "--check", "paper")
    assert code == 1 and "stale" in out
    assert run("lock", "paper")[0] == 0
    assert locked(ws, "paper")["numpy"] == newest_numpy_before(dt.date(2022, 2, 1)) == "1.22.0"
    assert run("lock", "--check", "paper")[0] == 0


def test_command_line_as_of_is_remembered_by_the_lock_and_none_drops_it(ws, write_spec):
    write_spec(ws, "paper", SPEC)
    assert run("lock", "paper", "--as-of", "2021-12-20")[0] == 0
    assert locked(ws, "paper")["numpy"] == "1.21.0"
    assert recorded(ws, "paper")["as_of_origin"] == "--as-of"
    # the spec says nothing: the recorded cutoff still applies (fresh, kept by --update)
    assert run("lock", "--check", "paper")[0] == 0
    assert listed_as_of("paper") == "2021-12-20"
    assert run("lock", "paper", "--update")[0] == 0
    assert locked(ws, "paper")["numpy"] == "1.21.0"
    # another cutoff on the command line: stale against it
    code, out = run("lock", "--check", "paper", "--as-of", "2022-02-01")
    assert code == 1 and "locked as of 2021-12-20, now 2022-02-01" in out
    assert run("lock", "paper", "--as-of", "none")[0] == 0
    assert locked(ws, "paper")["numpy"] == "1.26.0"
    assert "as_of" not in recorded(ws, "paper")


def test_command_line_wins_over_the_spec_for_that_lock(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'as_of: "2021-12-20"\n')
    assert run("lock", "paper", "--as-of", "release")[0] == 0
    assert recorded(ws, "paper")["as_of"] == release_cutoff().isoformat()
    assert locked(ws, "paper")["numpy"] == newest_numpy_before(release_cutoff())
    # without --as-of the spec's cutoff applies again, so this lock is stale
    code, out = run("lock", "--check", "paper")
    assert code == 1 and "now 2021-12-20" in out


def test_future_date_in_the_spec_is_a_one_line_error_at_its_line(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'as_of: "2999-01-01"\n')
    code, out = run("lock", "paper")
    assert code == 1
    line = SPEC.count("\n") + 1
    assert f"envs/paper.yaml:{line}: `as_of`: 2999-01-01 is in the future" in out
    assert "Traceback" not in out and len(out.strip().splitlines()) == 1
    assert not ws.lockfile("paper").exists()


def test_malformed_dates_are_one_line_errors(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'as_of: "2021-13-01"\n')
    code, out = run("lock", "paper")
    assert code == 2 and f"envs/paper.yaml:{SPEC.count(chr(10)) + 1}:" in out and "2021-13-01" in out
    write_spec(ws, "paper", SPEC)
    for bad in ("2021/12/01", "yesterday", "2999-01-01"):
        code, out = run("lock", "paper", "--as-of", bad)
        assert code == 2 and "--as-of" in out and len(out.strip().splitlines()) == 1, out
    assert not ws.lockfile("paper").exists()


def test_a_cutoff_before_the_builds_existed_says_what_to_do(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'as_of: "2021-12-01"\n')   # the pytorch build is from 2021-12-10
    code, out = run("lock", "paper")
    assert code == 1
    assert "uploaded after the cutoff date of 2021-12-01" in out    # rattler's explanation
    # envmgr's hint
    # before torch 1.10.1's own release: a date after it, not a date near the cutoff
    assert "the as_of cutoff 2021-12-01 is before torch 1.10.1 itself (pytorch was uploaded after it)" in out
    assert "torch 1.10.1 was released on 2021-12-15" in out and "as_of: release" in out
    assert not ws.lockfile("paper").exists()


def test_release_without_a_date_is_a_clear_error():
    from envmgr.knowledge.asof import release_cutoff as cutoff_of
    from envmgr.errors import EnvmgrError

    with pytest.raises(EnvmgrError, match="no release date for torch 0.1.0"):
        cutoff_of("0.1.0", file="envs/x.yaml", line=3)


def test_the_pip_layer_gets_the_effective_cutoff(ws, write_spec):
    from envmgr.engine.lock import inputs_for

    write_spec(ws, "paper", SPEC + "as_of: release\n")
    inputs, _ = inputs_for(ws, "paper")
    assert inputs.as_of_cutoff == release_cutoff().isoformat()
    assert inputs_for(ws, "paper", as_of="2021-12-20")[0].as_of_cutoff == "2021-12-20"


def test_too_early_a_release_cutoff_suggests_a_later_date_not_release_again(ws, write_spec):
    write_spec(ws, "paper", SPEC + 'packages: ["numpy >=1.26"]\n')   # numpy 1.26.0: 2023-09-16
    code, out = run("lock", "paper", "--as-of", "release")
    assert code == 1 and "numpy" in out
    fix = out.split("(fix: ", 1)[1]
    assert "--as-of release" not in fix and "as_of: release" not in fix   # not what was just used
    assert "is too early" in out and "--as-of 20" in fix                   # a later explicit date
    write_spec(ws, "paper", SPEC + 'packages: ["numpy >=1.26"]\nas_of: release\n')
    code, out = run("lock", "paper")
    fix = out.split("(fix: ", 1)[1]
    assert code == 1 and "as_of: release" not in fix and 'as_of: "20' in fix


def test_unsat_hint_follows_the_request():
    from envmgr.knowledge.asof import moment_of, unsat_hint

    why = "pytorch 1.10.1 py3.9_cpu_0 is excluded because the package is uploaded after the cutoff date"
    dated = unsat_hint(why, moment_of("2021-12-01"), rule="2021-12-01", origin="spec")
    assert "as_of: release" in dated and "later `as_of:` date" in dated
    released = unsat_hint(why, moment_of("2022-01-09"),
                          rule="release: torch 1.10.1 released 2021-12-10 + 30 days", origin="--as-of")
    assert "as_of: release" not in released and "--as-of release" not in released
    assert "--as-of 2022-04-09" in released          # a concrete later date: the cutoff + 90 days


# -- a cutoff before the torch release itself says so -------------------------------------------
def test_a_cutoff_before_the_torch_release_names_the_release_date(cpu):
    from envmgr.knowledge.facts import load

    released = str(load().release("1.13.1").released)
    result = envmgr("lock", "cpu", "--as-of", "0001-01-01")
    assert result.exit_code == 1
    fix = result.stderr.split("(fix: ", 1)[1]
    assert f"torch 1.13.1 was released on {released}" in fix and "--as-of release" in fix
    assert "0001-04-01" not in fix


def test_unsat_hint_before_the_release_follows_the_request():
    from envmgr.knowledge.asof import moment_of, unsat_hint

    why = "pytorch 1.10.1 py3.9_cpu_0 is excluded because the package is uploaded after the cutoff date"
    hint = unsat_hint(why, moment_of("2000-01-01"), rule="2000-01-01", origin="spec", torch="1.10.1")
    assert "torch 1.10.1 was released on 2021-" in hint and "`as_of: release`" in hint
    assert 'as_of: "2022-' in hint.split(" (or ")[0]            # a date after the release, spec first
    later = unsat_hint(why, moment_of("2022-02-01"), rule="2022-02-01", origin="spec", torch="1.10.1")
    assert "was released" not in later and "too early" in later
