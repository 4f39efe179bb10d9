"""Turn recorded PyPI responses into tools/recorded/pypi-DATE.json, the PyPI facts build_kb.py merges.

It runs envmgr's own refresh code (envmgr/knowledge/refresh), the code `envmgr knowledge refresh`
runs, on responses saved earlier, so the shipped rows and a refresh agree:

    .venv/bin/python tools/record_pypi.py RECORD_DIR [--date 2026-12-04]

RECORD_DIR holds NAME.json (the JSON API page of torch, torchvision, torchaudio) and metadata/
(WHEEL.METADATA texts read from the wheels with HTTP ranges). Nothing is fetched: a wheel whose
METADATA was not recorded leaves that fact unknown.
"""
from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from envmgr.knowledge.refresh.run import build_overlay  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", type=Path)
    parser.add_argument("--date", default="2026-12-04", help="the day the responses were read")
    parser.add_argument("--out", type=Path)
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as tmp:
        tree, cache = Path(tmp) / "index", Path(tmp) / "metadata"
        cache.mkdir()
        for name in ("torch", "torchvision", "torchaudio"):
            (tree / "pypi" / name).mkdir(parents=True)
            shutil.copy(args.record / f"{name}.json", tree / "pypi" / name / "json")
        for text in (args.record / "metadata").glob("*.METADATA"):
            shutil.copy(text, cache / text.name)
        doc = build_overlay(pypi=str(tree), cache_dir=cache, offline_metadata=True, today=args.date)
    doc["sources"] = {"pypi-recorded": {
        "title": f"PyPI JSON API of torch, torchvision, torchaudio and 129 wheel METADATA files (HTTP ranges), "
                 f"read {args.date}",
        "url": "https://pypi.org/pypi/torch/json", "read": args.date}}
    for row in doc["releases"]:
        row["source"] = "pypi-recorded"
        row["pypi"].pop("cuda_evidence", None) if not row["pypi"].get("cuda_evidence") else None
    doc.pop("metadata_requests", None)
    doc["metadata_not_recorded"] = sorted(f.split(":", 1)[0] for f in doc.pop("metadata_failures", []))
    out = args.out or ROOT / "tools" / "recorded" / f"pypi-{args.date}.json"
    out.write_text(json.dumps(doc, indent=None, separators=(",", ":")).replace('{"torch":', '\n{"torch":') + "\n",
                   encoding="utf-8")
    print(f"wrote {out} ({len(doc['releases'])} torch releases, "
          f"{len(doc['metadata_not_recorded'])} wheels' METADATA not recorded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
