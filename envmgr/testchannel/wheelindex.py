"""Tiny real wheels and package indexes on disk, for tests and demos (no network).

``build_wheel_indexes(root)`` writes two indexes under ``root``:

``pypi/simple/<project>/``
    A PEP 503 simple index (``index.html``) that also answers PEP 691/700 JSON (``index.json``,
    with ``upload-time``), like PyPI. It holds ordinary packages (``typing-extensions``,
    ``filelock``, ``timm``, ``numpy``...) in several versions with distinct upload dates, and a
    *decoy* ``torch`` (plain versions, no local tag, newer than the real one) so tests can prove
    the torch family never comes from PyPI.
``whl/<variant>/<project>/`` and ``whl/torch_stable.html``
    PyTorch's wheel index as download.pytorch.org lays it out: one simple index per variant
    (``cpu``, ``cu121``, ``cu124``) with ``torch``/``torchvision``/``torchaudio`` wheels carrying
    ``+cpu``/``+cu121``/``+cu124`` local versions, HTML only and no upload times (PyTorch's index
    publishes none), plus the flat ``torch_stable.html`` page that ``--find-links`` reads.

Wheels are byte-reproducible (fixed zip timestamps) and installable: each has a module with
``__version__``, METADATA with ``Requires-Dist``, WHEEL and a RECORD with sha256 lines. The
torch-like wheels are platform wheels (``py3-none-manylinux_2_17_x86_64`` / ``win_amd64``) so
per-platform resolution is real; ``timm`` ships a console script to exercise script handling.

``serve(root)`` serves a tree over HTTP on 127.0.0.1 (random port) and answers the JSON form
when the client asks for it (uv does), so ``--exclude-newer`` sees upload times.
"""
from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import threading
import zipfile
from dataclasses import dataclass, field
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

ZIP_DATE = (2020, 1, 1, 0, 0, 0)
LINUX_TAG = "py3-none-manylinux_2_17_x86_64"
WINDOWS_TAG = "py3-none-win_amd64"
PURE_TAG = "py3-none-any"
VARIANTS = ("cpu", "cu121", "cu124")
JSON_TYPE = "application/vnd.pypi.simple.v1+json"


@dataclass(frozen=True)
class WheelSpec:
    name: str
    version: str
    tag: str = PURE_TAG
    requires: tuple[str, ...] = ()
    requires_python: str | None = None
    uploaded: str | None = None             # ISO date; None: the index publishes no upload time
    scripts: dict[str, str] = field(default_factory=dict)   # console script -> "module:function"

    @property
    def module(self) -> str:
        return self.name.replace("-", "_")

    @property
    def filename(self) -> str:
        return f"{normalize(self.name).replace('-', '_')}-{self.version}-{self.tag}.whl"


def normalize(name: str) -> str:
    """PEP 503 project name normalization."""
    return re.sub(r"[-_.]+", "-", name).lower()


def _record_line(path: str, data: bytes) -> str:
    digest = base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b"=").decode()
    return f"{path},sha256={digest},{len(data)}"


def write_wheel(spec: WheelSpec, folder: Path) -> Path:
    """Write ``spec`` as a real, installable wheel into ``folder``; returns its path."""
    dist_info = f"{normalize(spec.name).replace('-', '_')}-{spec.version}.dist-info"
    metadata = ["Metadata-Version: 2.1", f"Name: {spec.name}", f"Version: {spec.version}"]
    if spec.requires_python:
        metadata.append(f"Requires-Python: {spec.requires_python}")
    metadata += [f"Requires-Dist: {r}" for r in spec.requires]
    files = {
        f"{spec.module}/__init__.py": f'__version__ = "{spec.version}"\n\ndef main():\n'
                                      f'    print("{spec.name}", __version__)\n',
        f"{dist_info}/METADATA": "\n".join(metadata) + "\n",
        f"{dist_info}/WHEEL": "Wheel-Version: 1.0\nGenerator: envmgr-wheelindex\n"
                              f"Root-Is-Purelib: {'true' if spec.tag == PURE_TAG else 'false'}\n"
                              f"Tag: {spec.tag}\n",
    }
    if spec.scripts:
        files[f"{dist_info}/entry_points.txt"] = "[console_scripts]\n" + "".join(
            f"{name} = {target}\n" for name, target in sorted(spec.scripts.items()))
    encoded = {path: text.encode() for path, text in files.items()}
    record_path = f"{dist_info}/RECORD"
    record = "\n".join([*(_record_line(p, d) for p, d in encoded.items()), f"{record_path},,"]) + "\n"
    encoded[record_path] = record.encode()
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / spec.filename
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for path, data in encoded.items():
            info = zipfile.ZipInfo(path, date_time=ZIP_DATE)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return target


def sha256_of(path: Path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def _write_project_page(project_dir: Path, name: str, wheels: list[tuple[WheelSpec, Path]],
                        href_prefix: str, with_json: bool) -> None:
    """``index.html`` (PEP 503) and, when asked, ``index.json`` (PEP 691 + 700 upload-time)."""
    project_dir.mkdir(parents=True, exist_ok=True)
    links, files = [], []
    for spec, path in sorted(wheels, key=lambda item: item[1].name):
        digest = sha256_of(path)
        href = f"{href_prefix}{path.name.replace('+', '%2B')}"
        attrs = f' data-requires-python="{html.escape(spec.requires_python)}"' \
            if spec.requires_python else ""
        links.append(f'<a href="{href}#sha256={digest}"{attrs}>{path.name}</a><br/>')
        entry = {"filename": path.name, "url": href, "hashes": {"sha256": digest}}
        if spec.requires_python:
            entry["requires-python"] = spec.requires_python
        if spec.uploaded:
            entry["upload-time"] = f"{spec.uploaded}T12:00:00.000000Z"
        files.append(entry)
    (project_dir / "index.html").write_text(
        f"<!DOCTYPE html>\n<html><body><h1>Links for {name}</h1>\n" + "\n".join(links)
        + "\n</body></html>\n", encoding="utf-8")
    if with_json:
        page = {"meta": {"api-version": "1.1"}, "name": name, "files": files,
                "versions": sorted({s.version for s, _ in wheels})}
        (project_dir / "index.json").write_text(json.dumps(page, indent=1), encoding="utf-8")


def write_simple_index(root: Path, wheels: list[WheelSpec], *, files_dir: Path,
                       href_prefix: str, with_json: bool) -> dict[str, Path]:
    """Write ``wheels`` into ``files_dir`` and a simple index at ``root``; returns filename -> path."""
    by_project: dict[str, list[tuple[WheelSpec, Path]]] = {}
    written = {}
    for spec in wheels:
        path = write_wheel(spec, files_dir)
        written[path.name] = path
        by_project.setdefault(normalize(spec.name), []).append((spec, path))
    for project, items in by_project.items():
        _write_project_page(root / project, project, items, href_prefix, with_json)
    projects = "\n".join(f'<a href="{p}/">{p}</a><br/>' for p in sorted(by_project))
    (root / "index.html").write_text(f"<!DOCTYPE html>\n<html><body>\n{projects}\n</body></html>\n",
                                     encoding="utf-8")
    return written


# -- the catalog -------------------------------------------------------------------------------
# torch-like releases on the PyTorch index: torch, torchvision, torchaudio, variants
TORCH_FAMILY = [("2.6.0", "0.21.0", "2.6.0", ("cpu", "cu124")),
                ("2.5.1", "0.20.1", "2.5.1", ("cpu", "cu121", "cu124"))]


def pytorch_wheels(variant: str) -> list[WheelSpec]:
    specs = []
    for torch, vision, audio, variants in TORCH_FAMILY:
        if variant not in variants:
            continue
        for tag in (LINUX_TAG, WINDOWS_TAG):
            specs += [
                WheelSpec("torch", f"{torch}+{variant}", tag, requires_python=">=3.9",
                          requires=("typing-extensions>=4.10.0", "filelock")),
                WheelSpec("torchvision", f"{vision}+{variant}", tag, requires_python=">=3.9",
                          requires=(f"torch=={torch}", "numpy")),
                WheelSpec("torchaudio", f"{audio}+{variant}", tag, requires_python=">=3.9",
                          requires=(f"torch=={torch}",)),
            ]
    return specs


def pypi_wheels() -> list[WheelSpec]:
    return [
        WheelSpec("typing-extensions", "4.9.0", uploaded="2023-12-10"),
        WheelSpec("typing-extensions", "4.12.2", uploaded="2024-06-07"),
        WheelSpec("filelock", "3.13.1", uploaded="2023-10-30"),
        WheelSpec("filelock", "3.16.1", uploaded="2024-09-17"),
        WheelSpec("numpy", "1.26.4", LINUX_TAG, uploaded="2024-02-05"),
        WheelSpec("numpy", "1.26.4", WINDOWS_TAG, uploaded="2024-02-05"),
        WheelSpec("pyyaml", "6.0.1", uploaded="2023-07-18"),
        WheelSpec("timm", "0.9.12", requires=("torch>=1.7", "torchvision", "pyyaml"),
                  uploaded="2023-11-25", scripts={"timm-info": "timm:main"}),
        WheelSpec("timm", "1.0.9", requires=("torch", "torchvision", "pyyaml"),
                  uploaded="2024-08-23", scripts={"timm-info": "timm:main"}),
        WheelSpec("tqdm", "4.66.5", uploaded="2024-08-03"),
        # The decoy: a same-named torch on "PyPI", newer and without a local tag.
        WheelSpec("torch", "2.6.0", LINUX_TAG, uploaded="2025-01-29",
                  requires=("typing-extensions>=4.10.0",)),
        WheelSpec("torch", "2.7.0", LINUX_TAG, uploaded="2025-04-23",
                  requires=("typing-extensions>=4.10.0",)),
    ]


def build_wheel_indexes(root: Path) -> Path:
    """Write the PyPI-like and PyTorch-like indexes under ``root`` (see the module docstring)."""
    root = Path(root)
    write_simple_index(root / "pypi" / "simple", pypi_wheels(), files_dir=root / "pypi" / "files",
                       href_prefix="../../files/", with_json=True)
    flat_links = []
    for variant in VARIANTS:
        written = write_simple_index(root / "whl" / variant, pytorch_wheels(variant),
                                     files_dir=root / "whl" / variant, href_prefix="../",
                                     with_json=False)
        flat_links += [f'<a href="{variant}/{name.replace("+", "%2B")}">{variant}/{name}</a><br/>'
                       for name in sorted(written)]
    (root / "whl" / "torch_stable.html").write_text(
        "<!DOCTYPE html>\n<html><body>\n" + "\n".join(flat_links) + "\n</body></html>\n",
        encoding="utf-8")
    return root


# -- serving -------------------------------------------------------------------------------------
class _IndexHandler(SimpleHTTPRequestHandler):
    """Static files, plus the JSON simple API for clients that ask for it (PEP 691)."""

    def send_head(self):
        path = Path(self.translate_path(self.path))
        wants_json = JSON_TYPE in (self.headers.get("Accept") or "")
        if path.is_dir() and wants_json and (path / "index.json").is_file():
            data = (path / "index.json").read_bytes()
            self.send_response(200)
            self.send_header("Content-Type", JSON_TYPE)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            import io
            return io.BytesIO(data)
        return super().send_head()

    def log_message(self, format, *args):  # keep test output quiet
        pass


class IndexServer:
    """``with IndexServer(root) as url:`` serves ``root`` on 127.0.0.1 until the block ends."""

    def __init__(self, root: Path):
        handler = partial(_IndexHandler, directory=str(root))
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> str:
        self.thread.start()
        return self.url

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
