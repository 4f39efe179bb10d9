"""Read PyPI's facts about torch, torchvision and torchaudio into tools/recorded/pypi.json, the
PyPI facts tools/build_kb.py merges into the shipped knowledge base.

It runs envmgr's own refresh code (envmgr/knowledge/refresh), the code `envmgr knowledge refresh`
runs, so the shipped rows and a refresh agree:

    .venv/bin/python tools/record_pypi.py [--pypi https://pypi.org] [--date YYYY-MM-DD]

It reads the three projects' JSON API pages (three requests) and, for every release, one wheel's
METADATA (a companion's torch pin, the plain torch wheel's CUDA pins) or, for torch before 1.13,
its torch/version.py, with HTTP ranges. What it read from the wheels is kept in
tools/recorded/wheel-files/ (METADATA headers without the description body, and version.py), so
a second run sends only the three page requests, and a reviewer can check each fact's text.
"""
from __future__ import annotations

import argparse
import datetime
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmgr.knowledge.refresh.run import build_overlay  # noqa: E402

RECORDED = ROOT / "tools" / "recorded" / "pypi.json"
WHEEL_FILES = ROOT / "tools" / "recorded" / "wheel-files"
SOURCE = "pypi-recorded"


def record(pypi: str, day: str, offline: bool = False) -> dict:
    doc = build_overlay(pypi=pypi, cache_dir=WHEEL_FILES, offline_metadata=offline, today=day)
    files = len(list(WHEEL_FILES.iterdir()))
    doc["sources"] = {SOURCE: {
        "title": f"PyPI JSON API of torch, torchvision and torchaudio, and {files} wheel files read with "
                 f"HTTP ranges (METADATA; torch/version.py before 1.13), read {day} (tools/recorded/)",
        "url": f"{pypi.rstrip('/')}/pypi/torch/json", "read": day}}
    for row in doc["releases"]:
        row["source"] = SOURCE
    doc.pop("metadata_requests", None)
    doc["wheel_files_not_read"] = sorted(doc.pop("metadata_failures", []))
    return doc


def write(doc: dict, out: Path = RECORDED) -> None:
    """One release a line: small diffs when a refresh changes a few facts."""
    text = json.dumps(doc, indent=None, separators=(",", ":")).replace('{"torch":', '\n{"torch":')
    out.write_text(text + "\n", encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pypi", default="https://pypi.org", help="base of a PyPI-compatible index")
    parser.add_argument("--date", default=datetime.date.today().isoformat(), help="the day it was read")
    parser.add_argument("--offline", action="store_true",
                        help="read no wheel (only tools/recorded/wheel-files); the index pages are still read")
    args = parser.parse_args(argv)
    WHEEL_FILES.mkdir(parents=True, exist_ok=True)
    doc = record(args.pypi, args.date, args.offline)
    write(doc)
    print(f"wrote {RECORDED.relative_to(ROOT)} ({len(doc['releases'])} torch releases, "
          f"{len(doc['wheel_files_not_read'])} wheel files not read)")
    for failure in doc["wheel_files_not_read"]:
        print(f"  not read: {failure}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
