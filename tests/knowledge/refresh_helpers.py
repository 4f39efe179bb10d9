"""Helpers for the refresh tests (pytest puts this folder on sys.path). A local index: files under a folder served on 127.0.0.1, with HTTP
Range support (206 and suffix ranges), as PyPI's file hosts answer; a folder serves its `index`.
Also builds small real wheels (zip files) holding a recorded METADATA text."""
from __future__ import annotations

import http.server
import json
import threading
import zipfile
from pathlib import Path
from urllib.parse import unquote, urljoin, urlparse

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "knowledge"


class _Handler(http.server.BaseHTTPRequestHandler):
    root: Path
    requests: list

    def log_message(self, *args):
        pass

    def do_GET(self):
        self.requests.append((self.path, self.headers.get("Range")))
        path = self.root / unquote(urlparse(self.path).path).lstrip("/")
        if path.is_dir():
            path = path / "index"
        if not path.is_file():
            self.send_response(404)
            self.send_header("Content-Length", "0")
            self.end_headers()
            return
        data = path.read_bytes()
        wanted = self.headers.get("Range")
        if wanted:
            first, _, last = wanted.split("=", 1)[1].partition("-")
            start = len(data) - int(last) if not first else int(first)
            end = len(data) - 1 if not first or not last else min(int(last), len(data) - 1)
            start = max(start, 0)
            body = data[start: end + 1]
            self.send_response(206)
            self.send_header("Content-Range", f"bytes {start}-{end}/{len(data)}")
        else:
            body = data
            self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


class IndexServer:
    def __init__(self, root: Path):
        self.root = root
        self.requests: list = []
        handler = type("Handler", (_Handler,), {"root": root, "requests": self.requests})
        self.httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.httpd.shutdown()
        self.httpd.server_close()


# torch/version.py of the recorded old torch wheels (PyPI's 1.10.2 linux wheel was built with 10.2)
VERSION_PY = {"torch-1.10.2": "__version__ = '1.10.2'\ndebug = False\ncuda = '10.2'\ngit_version = '71f889c'\n"}


def build_wheel(path: Path, metadata: str, padding: int = 0) -> None:
    """A real wheel: a big-ish first member (so the central directory is not near the METADATA
    member when ``padding`` is large), torch/version.py for the old torch wheels recorded in
    VERSION_PY, then ``NAME-VER.dist-info/METADATA``."""
    name, version = path.name.split("-")[:2]
    path.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as whl:
        import os

        whl.writestr(f"{name}/_payload.bin", os.urandom(padding), compress_type=zipfile.ZIP_STORED)
        if f"{name}-{version}" in VERSION_PY:
            whl.writestr(f"{name}/version.py", VERSION_PY[f"{name}-{version}"])
        whl.writestr(f"{name}-{version}.dist-info/METADATA", metadata)
        whl.writestr(f"{name}-{version}.dist-info/RECORD", "")


def metadata_for(filename: str, metadata: dict[str, str]) -> str | None:
    """The recorded METADATA of this wheel, or of a wheel of the same release and platform tag
    (the other python tags of a release share its Requires-Dist)."""
    if filename in metadata:
        return metadata[filename]
    parts = filename[:-4].split("-")
    for recorded, text in metadata.items():
        other = recorded[:-4].split("-")
        if other[:2] == parts[:2] and other[-1] == parts[-1]:
            return text
    if "-".join(parts[:2]) in VERSION_PY:      # a wheel read for its version.py alone
        return f"Metadata-Version: 2.1\nName: {parts[0]}\nVersion: {parts[1]}\n"
    return None


def pypi_tree(root: Path, packages=("torch", "torchvision", "torchaudio"), simple_only=(),
              wheels: bool = True) -> Path:
    """root/pypi/NAME/json (the recorded JSON API fixtures) and real wheels, at the URLs the
    JSON names, for every recorded METADATA text."""
    metadata = {p.name[: -len(".METADATA")]: p.read_text(encoding="utf-8")
                for p in (FIXTURES / "metadata").glob("*.METADATA")}
    for name in packages:
        doc = json.loads((FIXTURES / f"{name}.pypi.json").read_text(encoding="utf-8"))
        if name in simple_only:
            # The recorded PEP 691 page names files.pythonhosted.org: point it at this server.
            simple = json.loads((FIXTURES / f"{name}.simple.json").read_text(encoding="utf-8"))
            for entry in simple["files"]:
                entry["url"] = urlparse(entry["url"]).path
                text = metadata_for(entry["filename"], metadata)
                if wheels and text is not None:
                    build_wheel(root / entry["url"].lstrip("/"), text)
            target = root / "simple" / name / "index"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(simple), encoding="utf-8")
            continue
        else:
            target = root / "pypi" / name / "json"
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_text(json.dumps(doc), encoding="utf-8")
        if not wheels:
            continue
        base = f"http://x/pypi/{name}/json"
        for files in doc["releases"].values():
            for entry in files:
                text = metadata_for(entry["filename"], metadata)
                if text is not None:
                    where = urlparse(urljoin(base, entry["url"])).path.lstrip("/")
                    build_wheel(root / where, text)
    return root


# -- the isolated home every refresh test uses ---------------------------------------------------
import pytest  # noqa: E402

from envmgr.knowledge import facts  # noqa: E402


@pytest.fixture
def knowledge_home(tmp_path, monkeypatch):
    """Its own ENVMGR_HOME and caches; the loaded knowledge base is forgotten before and after,
    so no other test sees the overlay."""
    home = tmp_path / "envmgr-home"
    monkeypatch.setenv("ENVMGR_HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "xdg-cache"))
    monkeypatch.setenv("ENVMGR_CACHE_DIR", str(tmp_path / "envmgr-cache"))
    facts.load.cache_clear()
    yield home
    facts.load.cache_clear()
