"""Extract PyTorch's documented install commands into a YAML test oracle.

    python tools/extract_previous_versions.py          # (re)write commands.yaml
    python tools/extract_previous_versions.py --check  # exit 1 if commands.yaml is stale

Inputs, both in tests/fixtures/previous_versions/ and both verbatim copies of PyTorch's page:
  previous-versions@e3f009bb.md  the page source, pytorch/pytorch.github.io
                                 _get_started/previous-versions.md @ e3f009bb, chars 0..38981
                                 (every section from v2.3.1 down to v1.0.0);
  newer-excerpts.yaml            lines of newer sections (2.4.0 to 2.9.1) as far as stored search
                                 excerpts of the page show them, each with its address.
Output: commands.yaml, one record per documented command (torch, kind, os, variant, command),
plus one record per section saying whether every command of that section was seen.

The parser refuses any line it does not recognise, so a typo in a copy (or a new page layout)
stops the extraction instead of silently dropping a command. ROCm commands are skipped.
"""
from __future__ import annotations

import re
import sys
from pathlib import Path

import yaml

FIXTURES = Path(__file__).resolve().parent.parent / "tests" / "fixtures" / "previous_versions"
PAGE = FIXTURES / "previous-versions@e3f009bb.md"
EXCERPTS = FIXTURES / "newer-excerpts.yaml"
OUTPUT = FIXTURES / "commands.yaml"

PAGE_SOURCE = {
    "repository": "pytorch/pytorch.github.io",
    "path": "_get_started/previous-versions.md",
    "commit": "e3f009bbc0d7509ed5c85b633313ec72aa2d1a40",
    "url": "https://github.com/pytorch/pytorch.github.io/blob/"
           "e3f009bbc0d7509ed5c85b633313ec72aa2d1a40/_get_started/previous-versions.md",
}

_RELEASE = re.compile(r"^### v(\d+\.\d+\.\d+)( with LTS support)?$")
_KIND = {"#### Conda": "conda", "#### Wheel": "pip"}
_OS = re.compile(r"^#####\s+(OSX|Linux and Windows)$")
_CUDA_LABEL = re.compile(r"^CUDA (\d+\.\d+)(?: \((Linux|Windows)\))?$")
_CPU_LABEL = re.compile(r"^CPU [Oo]nly$")
_ROCM_LABEL = re.compile(r"^roc ?m", re.IGNORECASE)
# Comment lines that explain rather than label a command (1.8.2 LTS notes).
_EXPLANATION = re.compile(r"^(NOTE:|'conda-forge' channel is required|Pytorch LTS version)")
_COMMAND = re.compile(r"^(conda install|pip3? install|Download and install wheel from) ")
_NOT_A_COMMAND = {"Not supported in LTS."}


class ExtractError(ValueError):
    pass


class _Block:
    """The commands of one fenced block: which variant each command line belongs to."""

    def __init__(self, torch: str, kind: str, os_name: str, where: str):
        self.torch, self.kind, self.where = torch, kind, where
        self.os_default = "osx" if os_name == "OSX" else "linux-windows"
        self.variant = "cpu" if os_name == "OSX" else None   # macOS builds are CPU (+MPS) only
        self.os = self.os_default
        self.records: list[dict] = []

    def line(self, text: str) -> None:
        if not text.strip():
            return
        if text.startswith("# "):
            self._label(text[2:].strip())
        elif _COMMAND.match(text):
            self._command(text)
        elif self.variant == "rocm" or text in _NOT_A_COMMAND:
            return
        else:
            raise ExtractError(f"{self.where}: unrecognised line in a command block: {text!r}")

    def _label(self, label: str) -> None:
        cuda = _CUDA_LABEL.match(label)
        if cuda:
            self.variant = cuda.group(1)
            self.os = cuda.group(2).lower() if cuda.group(2) else self.os_default
        elif _CPU_LABEL.match(label):
            self.variant, self.os = "cpu", self.os_default
        elif _ROCM_LABEL.match(label):
            self.variant, self.os = "rocm", self.os_default
        elif label == "conda" and self.os_default == "osx":
            pass
        elif not _EXPLANATION.match(label):
            raise ExtractError(f"{self.where}: unrecognised label {label!r}")

    def _command(self, text: str) -> None:
        if self.variant == "rocm":
            return
        if self.variant is None:
            raise ExtractError(f"{self.where}: command before any variant label: {text!r}")
        self.records.append({"torch": self.torch, "kind": self.kind, "os": self.os,
                             "variant": self.variant, "command": text})


def parse_page(text: str, where: str = "page") -> list[dict]:
    """Every non-ROCm command of the page's ``### vX.Y.Z`` sections, in page order."""
    records: list[dict] = []
    torch = kind = os_name = None
    block: _Block | None = None
    for number, line in enumerate(text.splitlines(), 1):
        here = f"{where}:{number}"
        if block is not None:
            if line.strip() == "```":
                records += block.records
                block = None
            else:
                block.line(line)
            continue
        release = _RELEASE.match(line)
        if release:
            torch, kind, os_name = release.group(1), None, None
        elif line in _KIND:
            kind, os_name = _KIND[line], None
        elif _OS.match(line):
            os_name = _OS.match(line).group(1)
        elif line.strip() == "```":
            if not (torch and kind and os_name):
                raise ExtractError(f"{here}: command block outside a release/kind/OS section")
            block = _Block(torch, kind, os_name, here)
    if block is not None:
        raise ExtractError(f"{where}: unterminated command block")
    return records


def page_sections(records: list[dict]) -> list[dict]:
    """The whole page was read, so every (release, kind) it shows is complete."""
    seen = dict.fromkeys((r["torch"], r["kind"]) for r in records)
    return [{"torch": t, "kind": k, "complete": True, "source": PAGE_SOURCE["url"]} for t, k in seen]


def parse_excerpts(data: dict) -> tuple[list[dict], list[dict]]:
    """Records and sections from newer-excerpts.yaml (Linux-and-Windows blocks only)."""
    records, sections = [], []
    for index, section in enumerate(data.get("sections") or []):
        torch, kind = str(section["torch"]), section["kind"]
        where = f"{EXCERPTS.name}: section {index + 1} ({torch} {kind})"
        block = _Block(torch, kind, "Linux and Windows", where)
        for line in (section.get("text") or "").splitlines():
            block.line(line)
        records += block.records
        sections.append({"torch": torch, "kind": kind, "complete": bool(section["complete"]),
                         "source": section["source"]})
    return records, sections


HEADER = """\
# GENERATED by tools/extract_previous_versions.py; do not edit (edit its inputs and re-run).
# Test oracle: the install commands PyTorch documents on its "previous versions" page.
#   v1.0.0 .. v2.3.1: repository pytorch/pytorch.github.io, path _get_started/previous-versions.md,
#     commit e3f009bbc0d7509ed5c85b633313ec72aa2d1a40 (verbatim copy: previous-versions@e3f009bb.md).
#   v2.4.0 .. v2.9.1: only what stored excerpts of the same page show (newer-excerpts.yaml, each
#     section with its address); a section with complete: false is missing some commands.
#   Not found anywhere: v2.4.1, v2.7.0, v2.7.1, v2.8.0 (and the page never had 1.3.x or 1.10.2).
# commands: kind conda|pip; os linux-windows|linux|windows|osx; variant "10.2" | "cpu" (ROCm skipped).
"""


def build() -> str:
    page_records = parse_page(PAGE.read_text(encoding="utf-8"), PAGE.name)
    excerpt_records, excerpt_sections = parse_excerpts(
        yaml.safe_load(EXCERPTS.read_text(encoding="utf-8")) or {})
    document = {
        "page": PAGE_SOURCE,
        "sections": excerpt_sections + page_sections(page_records),
        "commands": excerpt_records + page_records,
    }
    return HEADER + yaml.safe_dump(document, sort_keys=False, width=10_000, allow_unicode=True)


def main(argv: list[str]) -> int:
    text = build()
    if "--check" in argv:
        current = OUTPUT.read_text(encoding="utf-8") if OUTPUT.exists() else ""
        if current != text:
            print(f"{OUTPUT} is stale: run python tools/extract_previous_versions.py", file=sys.stderr)
            return 1
        return 0
    OUTPUT.write_text(text, encoding="utf-8")
    print(f"wrote {OUTPUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
