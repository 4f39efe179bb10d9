"""wheels: what a wheel's file name says (PEP 427), and its METADATA read with HTTP ranges.

A name has five or six dash-separated parts (``torch-2.10.0-3-cp310-cp310-manylinux_2_28_x86_64``
carries a build tag). The METADATA reader fetches the zip's tail, finds ``*.dist-info/METADATA``
in the central directory (fetching the whole directory when the tail does not hold it) and then
the member itself, as uv does when an index offers no PEP 658 metadata.
"""
from __future__ import annotations

import re
import struct
import zlib
from email.parser import HeaderParser
from typing import NamedTuple

from ...errors import EnvmgrError
from . import fetch

TAIL = 65536


class Wheel(NamedTuple):
    name: str
    version: str          # as written, local part included ("2.4.0+cu121")
    build: str | None
    python: str           # "cp310", "py3"
    abi: str              # "cp310", "cp313t", "none", "abi3"
    platform: str         # "manylinux_2_28_x86_64"

    @property
    def public_version(self) -> str:
        return self.version.split("+", 1)[0]

    @property
    def local(self) -> str | None:
        return self.version.split("+", 1)[1] if "+" in self.version else None


def parse_wheel(filename: str) -> Wheel | None:
    if not filename.endswith(".whl"):
        return None
    parts = filename[:-4].split("-")
    if len(parts) == 5:
        name, version, python, abi, platform = parts
        build = None
    elif len(parts) == 6:
        name, version, build, python, abi, platform = parts
    else:
        return None
    return Wheel(name.lower().replace("_", "-"), version.replace("%2B", "+"), build, python, abi, platform)


def envmgr_platform(platform_tag: str) -> str | None:
    """"manylinux_2_28_x86_64" -> "linux-64"; "any" and unknown tags -> None."""
    tag = platform_tag.split(".")[0]          # compressed tag sets: take the first
    if tag.endswith("x86_64") and "linux" in tag:
        return "linux-64"
    if tag.endswith("aarch64") and "linux" in tag:
        return "linux-aarch64"
    if tag == "win_amd64":
        return "win-64"
    if tag.startswith("macosx") and (tag.endswith("x86_64") or tag.endswith("intel")):
        return "osx-64"
    if tag.startswith("macosx") and tag.endswith("arm64"):
        return "osx-arm64"
    return None


def python_of(wheel: Wheel) -> str | None:
    """"cp310"/"cp310" -> "3.10"; abi "cp313t" -> "3.13t"; "py3" -> "py3"."""
    match = re.fullmatch(r"cp(\d)(\d+)", wheel.python.split(".")[0])
    if not match:
        return "py3" if wheel.python.startswith("py3") else None
    minor = f"{match.group(1)}.{match.group(2)}"
    return minor + "t" if wheel.abi.endswith("t") and wheel.abi.startswith("cp") else minor


# -- METADATA ----------------------------------------------------------------------------------

def requires_dist(metadata: str) -> list[str]:
    return HeaderParser().parsestr(metadata).get_all("Requires-Dist") or []


def metadata_by_range(url: str, size: int | None = None, tail: int = TAIL) -> str:
    """The wheel's ``*.dist-info/METADATA`` text, read with byte ranges (1 to 3 requests)."""
    return member_by_range(url, _is_metadata, "*.dist-info/METADATA", tail)


def _is_metadata(name: str) -> bool:
    return name.count("/") == 1 and name.endswith(".dist-info/METADATA")


def member_by_range(url: str, wanted, what: str, tail: int = TAIL) -> str:
    """The text of the first member whose name ``wanted(name)`` accepts, read with byte ranges:
    the zip's tail, its central directory when the tail does not hold it, then the member."""
    data = fetch.get(url, byte_range=f"bytes=-{tail}")
    eocd = data.rfind(b"PK\x05\x06")
    if eocd < 0 or len(data) < eocd + 22:
        raise EnvmgrError(f"{url}: not a zip file (no end-of-central-directory record in its tail)",
                          fix="check the wheel URL; the index may be serving an error page")
    cd_size, cd_offset = struct.unpack("<II", data[eocd + 12: eocd + 20])
    # The central directory ends where the EOCD record starts: that fixes the file offset of
    # the tail's first byte (the index's `size` is not trusted: a mirror may differ).
    base = cd_offset + cd_size - eocd
    if cd_offset >= base:
        directory = data[cd_offset - base: cd_offset - base + cd_size]
    else:
        directory = fetch.get(url, byte_range=f"bytes={cd_offset}-{cd_offset + cd_size - 1}")
    header_offset, compressed, method, name_len = _find_member(directory, url, wanted, what)
    want_end = header_offset + 30 + name_len + 1024 + compressed
    if header_offset >= base and want_end - base <= len(data):
        local = data[header_offset - base:]
    else:
        local = fetch.get(url, byte_range=f"bytes={header_offset}-{want_end}")
    if local[:4] != b"PK\x03\x04":
        raise EnvmgrError(f"{url}: {what} member header not found", fix="check the wheel URL")
    fn_len, extra_len = struct.unpack("<HH", local[26:30])
    body = local[30 + fn_len + extra_len: 30 + fn_len + extra_len + compressed]
    raw = zlib.decompress(body, -15) if method == 8 else body
    return raw.decode("utf-8", errors="replace")


def _find_member(directory: bytes, url: str, wanted, what: str) -> tuple[int, int, int, int]:
    pos = 0
    while True:
        pos = directory.find(b"PK\x01\x02", pos)
        if pos < 0:
            raise EnvmgrError(f"{url}: no {what} in the wheel's central directory",
                              fix="check the wheel URL")
        method, = struct.unpack("<H", directory[pos + 10: pos + 12])
        compressed, = struct.unpack("<I", directory[pos + 20: pos + 24])
        name_len, extra_len, comment_len = struct.unpack("<HHH", directory[pos + 28: pos + 34])
        header_offset, = struct.unpack("<I", directory[pos + 42: pos + 46])
        name = directory[pos + 46: pos + 46 + name_len].decode("utf-8", errors="replace")
        if wanted(name):
            return header_offset, compressed, method, name_len
        pos += 46 + name_len + extra_len + comment_len


# torch/version.py of a wheel: `cuda = '10.2'` (1.x) or `cuda: Optional[str] = '11.7'`; None for CPU
_VERSION_PY_CUDA = re.compile(r"^cuda\s*(?::[^=]*)?=\s*(?:'([^']*)'|\"([^\"]*)\"|None)", re.MULTILINE)


def bundled_cuda(version_py: str) -> tuple[str | None, str | None]:
    """The CUDA a torch wheel was built with, from its ``torch/version.py`` (the plain PyPI
    wheels before 1.13 bundle it rather than pin it), and the line it was read from."""
    match = _VERSION_PY_CUDA.search(version_py)
    if not match:
        return None, None
    value = match.group(1) or match.group(2)
    if not value:
        return None, match.group(0)
    return ".".join(value.split(".")[:2]), match.group(0)
