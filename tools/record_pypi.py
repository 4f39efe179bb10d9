"""Turn recorded PyPI responses into tools/recorded/pypi-DATE.json, the PyPI facts build_kb.py merges.

It runs envmgr's own refresh code (envmgr/knowledge/refresh), the code `envmgr knowledge refresh`
runs, on responses saved earlier, so the shipped rows and a refresh agree:

    .venv/bin/python tools/record_pypi.py RECORD_DIR [--date 2026-12-04]

RECORD_DIR holds NAME.json (the JSON API page of torch, torchvision, torchaudio) and metadata/
(WHEEL.METADATA texts read from the wheels with HTTP ranges). Nothing is fetched: a wheel whose
METADATA was not recorded leaves that fact unknown.

    .venv/bin/python tools/record_pypi.py --fill-cuda [--pypi https://pypi.org]

fills, in the recorded file, the plain PyPI wheel's CUDA of every release that lacks it, reading
one linux-64 wheel of each with HTTP ranges (its METADATA pins from 1.13, its torch/version.py
before) through the same code; the texts read are kept in tools/recorded/wheel-files/.
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


RECORDED = ROOT / "tools" / "recorded" / "pypi-2026-12-04.json"
WHEEL_FILES = ROOT / "tools" / "recorded" / "wheel-files"


def fill_cuda(pypi: str, path: Path = RECORDED) -> int:
    """Read the plain wheel's CUDA of each recorded torch release that lacks it."""
    from envmgr.knowledge.refresh.derive import plain_wheel_cuda
    from envmgr.knowledge.refresh.pypi import MetadataReader, project_files, releases

    doc = json.loads(path.read_text(encoding="utf-8"))
    files, url = project_files(pypi, "torch")
    found = releases(files)
    reader = MetadataReader(WHEEL_FILES)
    filled = []
    for row in doc["releases"]:
        facts = row["pypi"]
        if facts.get("default_cuda") or row["torch"] not in found:
            continue
        cuda, evidence, wheel = plain_wheel_cuda(row["torch"], found[row["torch"]], reader)
        if cuda:
            facts["default_cuda"], facts["cuda_evidence"] = cuda, evidence
            filled.append(f"{row['torch']}: {cuda} ({wheel})")
    doc.setdefault("cuda_filled_from", url)
    _write(doc, path)
    print("\n".join(filled + [f"{len(filled)} filled, {reader.requests} wheel reads, "
                               f"{len(reader.failures)} failures"] + reader.failures))
    return 0


def _write(doc: dict, out: Path) -> None:
    out.write_text(json.dumps(doc, indent=None, separators=(",", ":")).replace('{"torch":', '\n{"torch":') + "\n",
                   encoding="utf-8")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("record", type=Path, nargs="?")
    parser.add_argument("--date", default="2026-12-04", help="the day the responses were read")
    parser.add_argument("--out", type=Path)
    parser.add_argument("--fill-cuda", action="store_true", help="read the missing plain-wheel CUDAs")
    parser.add_argument("--pypi", default="https://pypi.org")
    args = parser.parse_args(argv)
    if args.fill_cuda:
        return fill_cuda(args.pypi)
    if args.record is None:
        parser.error("RECORD_DIR is needed (or --fill-cuda)")
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
    _write(doc, out)
    print(f"wrote {out} ({len(doc['releases'])} torch releases, "
          f"{len(doc['metadata_not_recorded'])} wheels' METADATA not recorded)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
