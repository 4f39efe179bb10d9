"""Importing a `conda env export` dump: its exact transitive pins are kept only with --keep-pins;
otherwise they are dropped (listed), and the import suggests `as_of` with the file's date, saying
where the date came from (a comment in the file, else its modification time)."""
from __future__ import annotations

import datetime as dt
import json
import os
import shutil
from pathlib import Path

from clihelp import envmgr
from envmgr.specs.specfile import load_spec

EXPORT = Path(__file__).parent.parent / "fixtures" / "import" / "export-linux" / "environment.yml"


def imported(path: Path, *extra: str) -> dict:
    result = envmgr("import", str(path), "--json", "--force", *extra)
    assert result.exit_code in (0, 1), result.output
    return json.loads(result.stdout)


def note(report: dict, code: str) -> dict | None:
    return next((p for p in report["problems"] if p["code"] == code), None)


def dump_dated(tmp_path: Path, day: str, comment: str | None = None) -> Path:
    """The export fixture, copied with its modification time set to ``day`` (and a comment line)."""
    path = tmp_path / "environment.yml"
    text = EXPORT.read_text(encoding="utf-8")
    path.write_text((comment + "\n" if comment else "") + text, encoding="utf-8")
    moment = dt.datetime.fromisoformat(day).replace(hour=12, tzinfo=dt.timezone.utc).timestamp()
    os.utime(path, (moment, moment))
    return path


def test_dropped_pins_are_listed_and_as_of_is_suggested_from_the_files_mtime(workspace, tmp_path):
    report = imported(dump_dated(tmp_path, "2021-12-20"))
    transitive = [d for d in report["dropped"] if " transitive " in d["item"]]
    names = {n for d in transitive for n in d["items"]}
    assert {"cudnn", "ca-certificates", "absl-py"} <= names
    suggested = note(report, "as-of-suggested")
    assert suggested["severity"] == "note"
    assert "2021-12-20 (the file's modification time)" in suggested["message"]
    assert f"{len(names)} exact transitive pins" in suggested["message"]
    assert 'as_of: "2021-12-20"' in suggested["fix"] and "--keep-pins" in suggested["fix"]
    spec = load_spec(workspace / report["path"])
    assert spec.as_of is None                                  # suggested, not decided
    assert not any(p.startswith(("cudnn", "ca-certificates")) for p in spec.packages)


def test_a_date_in_the_files_comments_wins_over_its_mtime(workspace, tmp_path):
    path = dump_dated(tmp_path, "2023-05-01", comment="# exported for the camera-ready, 2021-11-30")
    suggested = note(imported(path), "as-of-suggested")
    assert "dated 2021-11-30 (the date in the file's comment on line 1)" in suggested["message"]
    assert 'as_of: "2021-11-30"' in suggested["fix"]


def test_a_file_dated_today_says_a_fresh_clone_dates_it_today(workspace, tmp_path):
    path = tmp_path / "environment.yml"
    shutil.copy(EXPORT, path)                                  # mtime: now
    suggested = note(imported(path), "as-of-suggested")
    today = dt.datetime.now(dt.timezone.utc).date().isoformat()
    assert today in suggested["message"] and "fresh clone" in suggested["message"]


def test_keep_pins_keeps_the_authors_exact_transitive_versions(workspace, tmp_path):
    report = imported(dump_dated(tmp_path, "2021-12-20"), "--keep-pins")
    assert note(report, "as-of-suggested") is None
    assert not [d for d in report["dropped"] if " transitive " in d["item"]]
    spec = load_spec(workspace / report["path"])
    # exact: conda reads `cudnn=8.2.1` as 8.2.1.*, the dump had build h...; versions exactly
    assert {"cudnn==8.2.1", "ca-certificates==2021.10.26", "intel-openmp==2021.4.0"} <= set(spec.packages)
    assert "scipy=1.7.3" in spec.packages                     # a direct request, as before
    assert {"absl-py==1.0.0", "timm==0.4.12"} <= set(spec.pip)
    # still out: one platform's runtimes and the variant mutexes (the solver picks them)
    assert not any(p.startswith(("libgcc-ng", "_openmp_mutex", "_libgcc_mutex")) for p in spec.packages)
    mutexes = next(d for d in report["dropped"] if d["item"].startswith("variant mutexes"))
    assert mutexes["items"] == ["_libgcc_mutex", "_openmp_mutex"]
    assert envmgr("check", report["name"]).exit_code == 0
