"""wheelindex: PyTorch's wheel index, PEP 503 pages (``URL/torch/``, ``URL/torch_stable.html``).

Every variant of a release is a local version there (``torch-2.4.0+cu121-cp310-...``), so one
page gives the CUDA variants and python tags of every release per platform.
"""
from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import unquote, urljoin

from ...errors import EnvmgrError
from . import fetch
from .keys import python_key, version_key
from .wheels import envmgr_platform, parse_wheel, python_of

WHEEL_INDEX = "https://download.pytorch.org/whl"


class _Anchors(HTMLParser):
    def __init__(self):
        super().__init__()
        self.hrefs: list[str] = []
        self.anchors = 0

    def handle_starttag(self, tag, attrs):
        if tag == "a":
            self.anchors += 1
            href = dict(attrs).get("href")
            if href:
                self.hrefs.append(href)


def variant_of(local: str | None) -> str | None:
    """"cu121" -> "12.1", "cu92" -> "9.2", "cpu" / "cpu.cxx11.abi" -> "cpu"; rocm/xpu -> None."""
    if not local:
        return None
    if local.startswith("cpu"):
        return "cpu"
    match = re.fullmatch(r"cu(\d+)", local)
    if not match:
        return None
    digits = match.group(1)
    return f"{digits[:-1]}.{digits[-1]}"


def parse_page(url: str, text: str) -> dict[str, dict]:
    """torch version -> {"cuda": [...], "cpu": bool, "python": {platform: [...]}}."""
    from packaging.version import InvalidVersion, Version

    parser = _Anchors()
    parser.feed(text)
    if "<html" not in text.lower() and not parser.anchors:
        raise EnvmgrError(f"{url}: not a PEP 503 page (no HTML, no links)", code="bad-index",
                          fix="give --wheel-index the base of a wheel index, e.g. https://download.pytorch.org/whl")
    out: dict[str, dict] = {}
    for href in parser.hrefs:
        name = unquote(href.split("#", 1)[0].rsplit("/", 1)[-1])
        wheel = parse_wheel(name)
        if wheel is None or wheel.name != "torch":
            continue
        variant = variant_of(wheel.local)
        platform = envmgr_platform(wheel.platform)
        python = python_of(wheel)
        try:
            version = str(Version(wheel.public_version))
        except InvalidVersion:
            continue
        if variant is None or platform is None or python is None:
            continue
        row = out.setdefault(version, {"cuda": set(), "cpu": False, "python": {}})
        if variant == "cpu":
            row["cpu"] = True
        else:
            row["cuda"].add(variant)
        tags = row["python"].setdefault(platform, set())
        tags.add(python)
    return {v: {"cuda": sorted(r["cuda"], key=version_key), "cpu": r["cpu"],
                "python": {p: sorted(t, key=python_key) for p, t in sorted(r["python"].items())}}
            for v, r in sorted(out.items(), key=lambda kv: Version(kv[0]))}


def wheel_index_facts(base: str) -> tuple[dict[str, dict], str]:
    url = urljoin(base.rstrip("/") + "/", "torch/")
    if not fetch.is_remote(url) and fetch.local_path(base).is_file():
        url = base                      # a saved page
    data = fetch.get(url)
    return parse_page(url, data.decode("utf-8", errors="replace")), url
